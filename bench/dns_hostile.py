"""Hostile DNS traffic against a real ``aznet up`` (issue 8, items 3 and 4), beside BIND 9 for amplification.

    .venv/bin/python bench/dns_hostile.py [--names 200000] [--rate 20000]

1. A flood of random names in no zone (``<random>.flood.example``) at a bounded rate, while a second client asks
   60 normal questions (one every ``--interval`` seconds, 2 s timeout, no retry); prints the server's RSS before
   and after, the table sizes it reports, and how many normal questions failed.
2. Amplification: a 39-byte TXT question with EDNS size 65,535 for a record set of ~8 KB; prints the UDP answer's
   size and the ratio, for aznet and for BIND 9 serving the same zone (when ``named`` is installed).
Everything binds to and sends to 127.0.0.1 only; the run is bounded by --names and --rate."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dns.message
import dns.query

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procstat import free_port, rss_mib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TXT_VALUES = [[f"{i:03d}" + "x" * 200, "y" * 200] for i in range(20)]     # 20 records (Azure's limit), ~8 KB


def start_aznet(data: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    port, dns_port = free_port(), free_port()
    proc = subprocess.Popen([sys.executable, "-m", "aznet.cli.main", "up", "--port", str(port), "--dns-port",
                             str(dns_port), "--data-dir", str(data)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT)
    import ssl
    import urllib.request
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    for _ in range(300):
        try:
            if urllib.request.urlopen(f"https://127.0.0.1:{port}/_aznet/health", context=ctx, timeout=1).status == 200:
                return proc, port, dns_port
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("aznet did not start")


def make_zone(port: int, data: Path) -> None:
    from azure.identity import ClientSecretCredential
    from azure.mgmt.dns import DnsManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    sys.path.insert(0, str(ROOT))
    from aznet.cli.state import ca_bundle

    ep = f"https://127.0.0.1:{port}"
    ca = str(ca_bundle(data))
    cred = ClientSecretCredential("00000000-0000-0000-0000-0000000000aa", "bench", "bench", authority=ep,
                                  disable_instance_discovery=True, connection_verify=ca)
    kw = {"base_url": ep, "credential_scopes": [f"{ep}/.default"], "connection_verify": ca}
    sub = "00000000-0000-0000-0000-000000000001"
    ResourceManagementClient(cred, sub, **kw).resource_groups.create_or_update("bench", {"location": "westeurope"})
    dnsc = DnsManagementClient(cred, sub, **kw)
    dnsc.zones.create_or_update("bench", "bench.test", {"location": "global"})
    dnsc.record_sets.create_or_update("bench", "bench.test", "www", "A",
                                      {"ttl": 60, "a_records": [{"ipv4_address": "127.0.0.10"}]})
    dnsc.record_sets.create_or_update("bench", "bench.test", "big", "TXT",
                                      {"ttl": 60, "txt_records": [{"value": v} for v in TXT_VALUES]})


def flood(dns_port: int, names: int, rate: float, interval: float) -> tuple[int, int, float]:
    failures = 0
    asked = 0
    stop = threading.Event()

    def normal() -> None:
        nonlocal failures, asked
        q = dns.message.make_query("www.bench.test", "A")
        while not stop.is_set() and asked < 60:
            asked += 1
            try:
                r = dns.query.udp(q, "127.0.0.1", port=dns_port, timeout=2)
                if not r.answer:
                    failures += 1
            except Exception:  # noqa: BLE001 - a timeout is a failure
                failures += 1
            time.sleep(interval)

    t = threading.Thread(target=normal)
    t.start()
    rnd = random.Random(8)
    sent = 0
    started = time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setblocking(False)
        while sent < names:
            name = f"{rnd.getrandbits(64):x}.flood.example"
            try:
                s.sendto(dns.message.make_query(name, "A").to_wire(), ("127.0.0.1", dns_port))
            except BlockingIOError:
                pass
            sent += 1
            try:
                while True:
                    s.recv(4096)                   # drain answers so our own buffer does not fill
            except BlockingIOError:
                pass
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    elapsed = time.monotonic() - started
    stop.set()
    t.join()
    return failures, asked, elapsed


def amplification(port: int) -> tuple[int, int]:
    q = dns.message.make_query("big.bench.test", "TXT", use_edns=0, payload=65535).to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(q, ("127.0.0.1", port))
        return len(q), len(s.recv(65535))


def bind_amplification() -> tuple[int, int] | None:
    named = shutil.which("named") or ("/usr/sbin/named" if os.path.exists("/usr/sbin/named") else None)
    if named is None:
        return None
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        zone = Path(d) / "bench.test.zone"
        txt = "\n".join(f'big 60 IN TXT "{a}" "{b}"' for a, b in TXT_VALUES)
        zone.write_text(f"$TTL 60\n@ IN SOA ns1.bench.test. admin.bench.test. 1 60 60 60 60\n@ IN NS ns1\n"
                        f"ns1 IN A 127.0.0.1\nwww IN A 127.0.0.10\n{txt}\n")
        conf = Path(d) / "named.conf"
        conf.write_text(f'options {{ directory "{d}"; listen-on port {port} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};'
                        f' recursion no; pid-file "{d}/named.pid"; }};\n'
                        f'zone "bench.test" {{ type master; file "{zone}"; }};\n')
        proc = subprocess.Popen([named, "-g", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(50):
                try:
                    return amplification(port)
                except OSError:
                    time.sleep(0.2)
            return None
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=200_000)
    ap.add_argument("--rate", type=float, default=20_000, help="flood queries per second at most")
    ap.add_argument("--interval", type=float, default=0.15, help="seconds between the 60 normal questions")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        proc, port, dns_port = start_aznet(data)
        try:
            make_zone(port, data)
            before = rss_mib(proc.pid)
            failures, asked, elapsed = flood(dns_port, args.names, args.rate, args.interval)
            time.sleep(1)
            after = rss_mib(proc.pid)
            print(f"flood: {args.names} random names in no zone in {elapsed:.1f} s "
                  f"({args.names / elapsed:,.0f}/s offered)")
            print(f"aznet RSS before / after: {before:.0f} / {after:.0f} MiB")
            print(f"normal questions during the flood: {asked - failures}/{asked} answered")
            qlen, rlen = amplification(dns_port)
            print(f"amplification, TXT question {qlen} B with EDNS 65535: aznet answers {rlen} B over UDP "
                  f"(x{rlen / qlen:.1f})")
        finally:
            proc.terminate()
            proc.wait(10)
    b = bind_amplification()
    if b is not None:
        print(f"amplification, same question: BIND 9 answers {b[1]} B over UDP (x{b[1] / b[0]:.1f})")


if __name__ == "__main__":
    main()
