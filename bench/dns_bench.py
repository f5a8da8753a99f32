"""DNS benchmark: aznet's DNS engine (uvloop) against BIND 9, same 10,000-record zone.

    .venv/bin/python bench/dns_bench.py [--records 10000] [--seconds 10] [--latency-qps 20000]

For each server: dnsperf for a fixed time over a queries file of existing names (queries/s,
average latency and its deviation as dnsperf prints them), then a second, rate-limited
dnsperf run with ``-v`` whose per-query latencies give p50/p99 at that load. For aznet
also the apply-to-answer delay: a record set changes through ``DnsEngine.apply`` and a
client polls until the answer shows it. BIND runs authoritative only (recursion off) from a
temporary directory on another loopback port. Needs ``named`` and ``dnsperf`` on PATH."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dns.message  # noqa: E402
import dns.rdatatype  # noqa: E402
import uvloop  # noqa: E402

from aznet.dataplane.dns import DnsEngine, DnsServerShell  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procstat import stop  # noqa: E402

ZONE = "bench.test"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/bench/providers/Microsoft.Network"
ZONE_ID = f"{SUB}/dnszones/{ZONE}"


class Change:
    def __init__(self, kind: str, rid: str, rtype: str, body: dict[str, Any] | None) -> None:
        self.kind, self.id, self.type, self.body = kind, rid, rtype, body


def address(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def record(i: int, ip: str | None = None) -> dict[str, Any]:
    name = f"host{i}"
    return {"id": f"{ZONE_ID}/A/{name}", "name": name, "type": "Microsoft.Network/dnszones/A",
            "properties": {"TTL": 300, "ARecords": [{"ipv4Address": ip or address(i)}]}}


def arm_resources(n: int) -> list[dict[str, Any]]:
    zone = {"id": ZONE_ID, "name": ZONE, "type": "Microsoft.Network/dnszones", "location": "global",
            "properties": {}}
    return [zone] + [record(i) for i in range(n)]


def zone_file(n: int) -> str:
    lines = [f"$ORIGIN {ZONE}.", "$TTL 300",
             "@ 3600 IN SOA ns1-01.azure-dns.com. azuredns-hostmaster.microsoft.com. 1 3600 300 2419200 300",
             "@ 172800 IN NS ns1-01.azure-dns.com.", "@ 172800 IN NS ns2-01.azure-dns.net."]
    lines += [f"host{i} 300 IN A {address(i)}" for i in range(n)]
    return "\n".join(lines) + "\n"


def free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def dnsperf_args(port: int, queries: Path, seconds: float) -> list[str]:
    return ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries), "-l", str(seconds), "-c", "4",
            "-q", "200", "-t", "2"]


def parse_dnsperf(out: str) -> dict[str, float]:
    def num(pattern: str) -> float:
        m = re.search(pattern, out)
        return float(m.group(1)) if m else float("nan")
    return {"qps": num(r"Queries per second:\s+([\d.]+)"), "avg_ms": num(r"Average Latency \(s\):\s+([\d.]+)") * 1000,
            "std_ms": num(r"Latency StdDev \(s\):\s+([\d.]+)") * 1000,
            "lost": num(r"Queries lost:\s+(\d+)"), "completed": num(r"Queries completed:\s+(\d+)")}


def percentiles(verbose: str) -> dict[str, float]:
    """Per-query latencies (last field of dnsperf -v lines) → p50/p99 in ms."""
    lat = []
    for line in verbose.splitlines():
        if line.startswith(">"):
            try:
                lat.append(float(line.rsplit(None, 1)[-1]))
            except ValueError:
                continue
    if len(lat) < 100:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "samples": len(lat)}
    q = statistics.quantiles(lat, n=100)
    return {"p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "samples": len(lat)}


async def run_dnsperf(port: int, queries: Path, seconds: float, latency_qps: int) -> dict[str, float]:
    proc = await asyncio.create_subprocess_exec(*dnsperf_args(port, queries, seconds),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    result = parse_dnsperf(out.decode())
    args = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries), "-l", "3", "-Q", str(latency_qps),
            "-v", "-t", "2"]
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.DEVNULL)
    out, _ = await proc.communicate()
    result.update(percentiles(out.decode()))
    return result


async def query(port: int, name: str, timeout: float = 1.0) -> dns.message.Message:
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[bytes] = loop.create_future()

    class Proto(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: Any) -> None:
            if not fut.done():
                fut.set_result(data)

    transport, _ = await loop.create_datagram_endpoint(Proto, remote_addr=("127.0.0.1", port))
    try:
        transport.sendto(dns.message.make_query(name, "A").to_wire())
        return dns.message.from_wire(await asyncio.wait_for(fut, timeout))
    finally:
        transport.close()


async def bench_aznet(n: int, queries: Path, seconds: float, latency_qps: int) -> dict[str, float]:
    engine = DnsEngine()
    t0 = time.perf_counter()
    engine.resync(arm_resources(n))
    load_s = time.perf_counter() - t0
    shell = DnsServerShell(engine, "127.0.0.1", free_port(), vnets=False)
    await shell.start()
    try:
        result = await run_dnsperf(shell.port, queries, seconds, latency_qps)
        result["load_s"] = load_s
        delays, applies = [], []
        for k in range(20):
            i = (k * 499) % n
            new_ip = f"192.0.2.{k + 1}"
            start = time.perf_counter()
            engine.apply([Change("put", record(i)["id"], record(i)["type"], record(i, new_ip))])
            applies.append(time.perf_counter() - start)
            while True:
                r = await query(shell.port, f"host{i}.{ZONE}")
                if r.answer and r.answer[0][0].address == new_ip:
                    break
            delays.append(time.perf_counter() - start)
        result["apply_ms"] = statistics.median(applies) * 1000
        result["apply_to_answer_ms"] = statistics.median(delays) * 1000
        result["apply_to_answer_max_ms"] = max(delays) * 1000
    finally:
        await shell.stop()
    return result


async def bench_bind(n: int, queries: Path, seconds: float, latency_qps: int, tmp: Path) -> dict[str, float]:
    port = free_port()
    (tmp / "bench.zone").write_text(zone_file(n))
    conf = tmp / "named.conf"
    conf.write_text(f"""options {{
    directory "{tmp}";
    pid-file "{tmp}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-query {{ any; }};
    dnssec-validation no;
    notify no;
}};
controls {{ }};
zone "{ZONE}" {{ type primary; file "{tmp}/bench.zone"; }};
""")
    log = open(tmp / "named.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(["named", "-g", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                r = await query(port, f"host1.{ZONE}", timeout=0.2)
                if r.answer:
                    break
            except (TimeoutError, OSError):
                await asyncio.sleep(0.1)
        else:
            raise RuntimeError("named did not start: " + (tmp / "named.log").read_text()[-2000:])
        return await run_dnsperf(port, queries, seconds, latency_qps)
    finally:
        stop(proc)
        log.close()


def table(results: dict[str, dict[str, float]]) -> str:
    rows = [("queries/s", "qps", "{:,.0f}"), ("avg latency ms", "avg_ms", "{:.3f}"),
            ("latency stddev ms", "std_ms", "{:.3f}"), ("queries lost", "lost", "{:.0f}"),
            ("p50 ms @ fixed rate", "p50_ms", "{:.3f}"), ("p99 ms @ fixed rate", "p99_ms", "{:.3f}"),
            ("zone load s", "load_s", "{:.2f}"), ("apply() ms (median)", "apply_ms", "{:.3f}"),
            ("apply-to-answer ms (median)", "apply_to_answer_ms", "{:.3f}"),
            ("apply-to-answer ms (max)", "apply_to_answer_max_ms", "{:.3f}")]
    names = list(results)
    out = [f"{'':32}" + "".join(f"{n:>16}" for n in names)]
    for label, key, fmt in rows:
        cells = [fmt.format(results[n][key]) if key in results[n] else "-" for n in names]
        out.append(f"{label:32}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--latency-qps", type=int, default=20000)
    args = ap.parse_args()
    for tool in ("dnsperf", "named"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    with tempfile.TemporaryDirectory(prefix="aznet-dns-bench-") as d:
        tmp = Path(d)
        queries = tmp / "queries.txt"
        queries.write_text("".join(f"host{i}.{ZONE} A\n" for i in range(args.records)))
        results: dict[str, dict[str, float]] = {}
        uvloop.install()
        results["aznet"] = asyncio.run(bench_aznet(args.records, queries, args.seconds, args.latency_qps))
        results["BIND 9"] = asyncio.run(bench_bind(args.records, queries, args.seconds, args.latency_qps, tmp))
    print(f"{args.records} A records, dnsperf -c 4 -q 200 for {args.seconds:g} s; "
          f"p50/p99 from dnsperf -v at {args.latency_qps} q/s; {os.cpu_count()} CPUs")
    print(table(results))


if __name__ == "__main__":
    main()
