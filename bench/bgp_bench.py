"""BGP: aznet's speaker beside FRR's bgpd (and an ExaBGP process), measured in the same run.

Set-up: aznet in this process (a VPN gateway, ASN 65010, with a BGP site-to-site connection), FRR "A"
as the on-premises router (ASN 65050). Figures:

1. announce -> effective route: A announces a new prefix (vtysh ``network``); the time until the
   gateway VNet's subnet routes (what `az network nic show-effective-route-table` serves) hold it, and
   the part of it from the UPDATE reaching aznet's session to the route;
2. 10k prefixes: A starts with 10,000 /32s; time from A's start until aznet's session holds them all
   (and the subnet's routes are rebuilt), RSS growth of the aznet process; the same 10k sent by a fresh
   A to FRR bgpd "B" (its RSS growth holding them), and to an ExaBGP 5 process (the alternative measured
   when the implementation was chosen).
The VPN gateway's 4000-prefix limit is raised for the 10k run (bench only).

    .venv/bin/python bench/bgp_bench.py [--rounds 20] [--prefixes 10000] [--no-exabgp]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aznet.dataplane.bgp import plan
from aznet.dataplane.bgp.service import BgpService
from aznet.testing import frr
from aznet.testing.harness import start_in_thread
from aznet.testing.inprocess import InProcessClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bgp_timing import announce_rounds, holds, host_prefixes, pct, wait  # noqa: E402
from procstat import rss_kib  # noqa: E402

LOC = "westeurope"


def setup(inst: Any) -> tuple[str, str]:
    c = InProcessClient(inst.platform)

    def put(path: str, body: dict[str, Any]) -> Any:
        status, out = inst.call(c.call, "PUT", path, body)
        assert status in (200, 201), out
        return out

    rg = inst.call(c.group, "bgpbench", LOC)
    vnet = c.network(rg, "virtualNetworks", "VNet1")
    put(vnet, {"location": LOC, "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "subnets": [
        {"name": "FrontEnd", "properties": {"addressPrefix": "10.1.0.0/24"}},
        {"name": "GatewaySubnet", "properties": {"addressPrefix": "10.1.255.0/27"}}]}})
    pip = c.network(rg, "publicIPAddresses", "gwpip")
    put(pip, {"location": LOC, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}})
    gw = c.network(rg, "virtualNetworkGateways", "VNet1GW")
    put(gw, {"location": LOC, "properties": {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
        "enableBgp": True, "bgpSettings": {"asn": 65010},
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": f"{vnet}/subnets/GatewaySubnet"}, "publicIPAddress": {"id": pip}}}]}})
    lng = c.network(rg, "localNetworkGateways", "Site1")
    put(lng, {"location": LOC, "properties": {"gatewayIpAddress": "203.0.113.10",
                                              "localNetworkAddressSpace": {"addressPrefixes": []},
                                              "bgpSettings": {"asn": 65050, "bgpPeeringAddress": "10.51.255.254"}}})
    put(c.network(rg, "connections", "c1"), {"location": LOC, "properties": {
        "connectionType": "IPsec", "enableBgp": True, "sharedKey": "abc", "virtualNetworkGateway1": {"id": gw},
        "localNetworkGateway2": {"id": lng}}})
    return gw, f"{vnet}/subnets/FrontEnd".lower()


def exabgp_10k(a_conf: Path, n: int) -> tuple[float, int] | None:
    """An ExaBGP process (with a JSON API reader) receiving ``n`` prefixes from a fresh FRR: seconds from
    its start to all counted, its RSS (KiB)."""
    exe = shutil.which("exabgp") or str(Path(sys.executable).parent / "exabgp")
    if not os.path.exists(exe):
        return None
    d = Path(tempfile.mkdtemp(prefix="aznet-exa-"))
    (d / "count.py").write_text(
        "import sys, json\nn = 0\nfor line in sys.stdin:\n    try:\n        m = json.loads(line)\n"
        "    except ValueError:\n        continue\n    upd = m.get('neighbor', {}).get('message', {}).get('update', {})\n"
        "    for fam, hops in (upd.get('announce') or {}).items():\n        for hop, pfx in hops.items():\n"
        "            n += len(pfx)\n    open(sys.argv[1], 'w').write(str(n))\n")
    (d / "exa.conf").write_text(
        f"process counter {{\n run {sys.executable} {d}/count.py {d}/count;\n encoder json;\n}}\n"
        "neighbor 127.0.0.251 {\n router-id 127.0.0.250;\n local-address 127.0.0.250;\n local-as 65010;\n"
        " peer-as 65050;\n hold-time 9;\n api { processes [ counter ]; receive { parsed; update; } }\n}\n")
    a = frr.Frr("127.0.0.251", 65050, "127.0.0.250", 65010, 8179)
    (a.dir / "bgpd.conf").write_text(a_conf.read_text().replace("__NEIGHBOR__", "127.0.0.250")
                                     .replace("__PORT__", "8179"))
    env = dict(os.environ, **{"exabgp.tcp.bind": "127.0.0.250", "exabgp.tcp.port": "8179",
                              "exabgp.daemon.user": "root", "exabgp.log.level": "WARNING"})
    a.start()
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, "server", str(d / "exa.conf")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        def done() -> bool:
            try:
                return int((d / "count").read_text() or 0) >= n
            except (OSError, ValueError):
                return False
        t1 = wait(done, 120, 0.01)
        kids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        return t1 - t0, rss_kib(proc.pid) + sum(rss_kib(k) for k in kids)
    except TimeoutError:
        return None
    finally:
        proc.terminate()
        proc.wait(10)
        a.close()
        shutil.rmtree(d, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--prefixes", type=int, default=10000)
    ap.add_argument("--no-exabgp", action="store_true")
    args = ap.parse_args()
    if not frr.available():
        print("FRR (bgpd, vtysh) is not installed: apt-get install frr")
        return 1
    plan.VPN_MAX_PREFIXES = max(plan.VPN_MAX_PREFIXES, args.prefixes + 100)   # bench only
    inst = start_in_thread()
    b = a = None
    try:
        gw, subnet = setup(inst)
        svc = inst.platform.services.get(BgpService)
        [ep] = [e for e in svc.endpoints() if e["resourceId"] == gw]
        src = ep["neighbors"][0]["connectFrom"]
        port = ep.get("listenPort", ep["port"])
        a = frr.Frr(src, 65050, ep["address"], 65010, port).start()
        sp = svc.instances(gw)[0]

        def session_up() -> bool:
            return bool(inst.call(lambda: any(s.state == "Connected" for s in sp.sessions.values())))
        wait(session_up, 30, 0.01)

        # 1. announce -> effective route
        inside: list[float] = []

        def inside_part(_prefix: str) -> None:
            upd, now = inst.call(lambda: (next(iter(sp.sessions.values())).stats.last_update_at, time.monotonic()))
            inside.append(max(0.0, (now - upd) * 1000))
        total = announce_rounds(a, [f"10.{100 + i}.0.0/16" for i in range(args.rounds)],
                                lambda p: holds(inst, subnet, (p,)), after=inside_part)
        print(f"# bgp_bench  rounds={args.rounds} prefixes={args.prefixes} load average {os.getloadavg()[0]:.2f} "
              "(machine shared; figures noisy)")
        print("announce -> route (ms)                          median     p95")
        print(f"  vtysh announce on FRR -> aznet effective route  {statistics.median(total):7.1f} "
              f"{pct(total, .95):7.1f}")
        print(f"  UPDATE in aznet's session -> effective route    {statistics.median(inside):7.2f} "
              f"{pct(inside, .95):7.2f}  (upper bound: includes one loop hop)")
        a.close()
        a = None
        wait(lambda: inst.call(lambda: not sp.sessions), 30, 0.01)

        # 2. 10k prefixes held by one session: aznet
        nets = host_prefixes(args.prefixes)
        rss0 = rss_kib()
        t0 = time.perf_counter()
        a = frr.Frr(src, 65050, ep["address"], 65010, port, nets).start()

        def held() -> bool:
            return bool(inst.call(lambda: sum(len(s.rib) for s in sp.sessions.values()) >= args.prefixes))
        t_az = wait(held, 300, 0.01)
        wait(lambda: holds(inst, subnet, nets[-1:]), 60, 0.01)
        t_routes = time.perf_counter()
        rss1 = rss_kib()
        a.close()
        a = None

        # 3. the same 10k held by FRR bgpd B
        b = frr.Frr("127.0.0.240", 65060, "127.0.0.241", 65050, 179, listen_port=179).start()
        time.sleep(0.5)
        b_rss0 = b.rss_kib()
        t0b = time.perf_counter()
        a = frr.Frr("127.0.0.241", 65050, "127.0.0.240", 65060, 179, nets, next_hop="10.51.255.254").start()

        def b_count() -> bool:
            peers = (b.json("show bgp summary json").get("ipv4Unicast") or {}).get("peers") or {}
            return int((peers.get("127.0.0.241") or {}).get("pfxRcd", 0)) >= args.prefixes
        t_b = wait(b_count, 300, 0.05)
        b_rss1 = b.rss_kib()
        print(f"{args.prefixes} prefixes from one peer                 seconds  RSS growth (MiB)")
        print(f"  aznet speaker (session holds {args.prefixes})       {t_az - t0:7.2f}  {(rss1 - rss0) / 1024:7.1f}"
              f"   (+ effective routes rebuilt: {t_routes - t0:.2f} s)")
        print(f"  FRR bgpd (holds the same)                {t_b - t0b:7.2f}  {(b_rss1 - b_rss0) / 1024:7.1f}"
              f"   (its total RSS {b_rss1 / 1024:.1f} MiB; polled through vtysh every 50 ms)")
        tpl_dir = Path(tempfile.mkdtemp(prefix="aznet-frr-tpl-"))
        template = tpl_dir / "a.conf"
        template.write_text((a.dir / "bgpd.conf").read_text().replace("127.0.0.240", "__NEIGHBOR__")
                            .replace("port 179", "port __PORT__").replace("127.0.0.241", "127.0.0.251")
                            .replace("65060", "65010"))
        a.close()
        a = None
        if not args.no_exabgp:
            res = exabgp_10k(template, args.prefixes)
            shutil.rmtree(tpl_dir, ignore_errors=True)
            if res is not None:
                print(f"  ExaBGP 5 process (+ JSON API reader)     {res[0]:7.2f}  {res[1] / 1024:7.1f}"
                      "   (whole processes' RSS; time from process start)")
        print(f"  aznet process RSS now {rss_kib() / 1024:.1f} MiB; load average {os.getloadavg()[0]:.2f}")
    finally:
        for f in (a, b):
            if f is not None:
                f.close()
        inst.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
