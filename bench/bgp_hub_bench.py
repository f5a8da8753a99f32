"""BGP through a Virtual WAN hub router and an ExpressRoute circuit, beside FRR's bgpd, measured in the same run.

Set-up: aznet in this process. A virtual WAN hub (10.100.0.0/23) with two connected spokes; FRR "N" is the NVA
in spoke 1 (ASN 65001) peering with the hub router's instance 0. An ExpressRoute circuit whose private peering
is linked to VNet1's ExpressRoute gateway; FRR "C" is the customer's primary router (ASN 65020). Figures:

1. announce -> route: N (or C) announces a new prefix (vtysh ``network``); the time until spoke 2's subnet
   routes (VNet1's, for ExpressRoute) hold it: through the hub routing model (or the MSEE session and the
   gateway) into the network model. Beside it, the same vtysh announce from FRR "A" to FRR bgpd "B" (a
   plain eBGP session), until B's table holds it (polled through vtysh: its cost is inside the figure, as
   the network model's lookup is inside aznet's).
2. many prefixes: N starts with ``--prefixes`` /32s (1000 by default); time from its start until spoke 2's
   routes hold them all, and the aznet process's RSS growth.

    .venv/bin/python bench/bgp_hub_bench.py [--rounds 20] [--prefixes 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from aznet.arm.admin_auth import HEADER, read_admin_key
from aznet.dataplane.bgp.service import BgpService
from aznet.testing import frr
from aznet.testing.harness import start_in_thread
from aznet.testing.inprocess import InProcessClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bgp_timing import announce_rounds, holds, host_prefixes, pct, wait  # noqa: E402
from procstat import rss_kib  # noqa: E402

LOC = "westeurope"


class Setup:
    def __init__(self, inst: Any) -> None:
        self.inst = inst
        self.c = InProcessClient(inst.platform)
        self.rg = inst.call(self.c.group, "bgphubbench", LOC)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        status, out = self.inst.call(self.c.call, "PUT", path, body)
        assert status in (200, 201), out
        return out

    def net(self, rtype: str, name: str) -> str:
        return self.c.network(self.rg, rtype, name)

    def vnet(self, name: str, space: str, subnets: dict[str, str]) -> str:
        vid = self.net("virtualNetworks", name)
        self.put(vid, {"location": LOC, "properties": {"addressSpace": {"addressPrefixes": [space]}, "subnets": [
            {"name": n, "properties": {"addressPrefix": p}} for n, p in subnets.items()]}})
        return vid

    def nic(self, name: str, subnet: str) -> str:
        out = self.put(self.net("networkInterfaces", name), {"location": LOC, "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": subnet}}}]}})
        return str(out["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"])

    def hub(self) -> tuple[str, str]:
        """The hub, its spokes, the NVA's bgpConnection: (hub id, spoke 2's subnet key)."""
        wan = self.net("virtualWans", "wan")
        self.put(wan, {"location": LOC, "properties": {"type": "Standard"}})
        hub = self.net("virtualHubs", "hub1")
        self.put(hub, {"location": LOC, "properties": {"virtualWan": {"id": wan}, "addressPrefix": "10.100.0.0/23"}})
        s1 = self.vnet("spoke1", "10.1.0.0/16", {"default": "10.1.0.0/24"})
        s2 = self.vnet("spoke2", "10.2.0.0/16", {"default": "10.2.0.0/24"})
        nva_ip = self.nic("nva-nic", f"{s1}/subnets/default")
        for name, v in (("c1", s1), ("c2", s2)):
            self.put(f"{hub}/hubVirtualNetworkConnections/{name}", {"properties": {"remoteVirtualNetwork": {"id": v}}})
        self.put(f"{hub}/bgpConnections/nva", {"properties": {
            "peerIp": nva_ip, "peerAsn": 65001, "hubVirtualNetworkConnection": {"id": f"{hub}/hubVirtualNetworkConnections/c1"}}})
        return hub, f"{s2}/subnets/default".lower()

    def expressroute(self) -> tuple[str, str]:
        """A provisioned circuit, its private peering, VNet1's ExpressRoute gateway linked: (peering id, subnet key)."""
        v1 = self.vnet("VNet1", "10.11.0.0/16", {"FrontEnd": "10.11.0.0/24", "GatewaySubnet": "10.11.255.0/27"})
        pip = self.net("publicIPAddresses", "erpip")
        self.put(pip, {"location": LOC, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}})
        gw = self.net("virtualNetworkGateways", "ergw")
        self.put(gw, {"location": LOC, "properties": {
            "gatewayType": "ExpressRoute", "sku": {"name": "Standard", "tier": "Standard"},
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": f"{v1}/subnets/GatewaySubnet"}, "publicIPAddress": {"id": pip}}}]}})
        circuit = self.net("expressRouteCircuits", "er1")
        self.put(circuit, {"location": LOC, "sku": {"name": "Standard_MeteredData", "tier": "Standard",
                                                    "family": "MeteredData"},
                           "properties": {"serviceProviderProperties": {"serviceProviderName": "Equinix",
                                                                        "peeringLocation": "Silicon Valley",
                                                                        "bandwidthInMbps": 50}}})
        key = read_admin_key(self.inst.platform.settings.data_dir)
        sub = self.c.subscription
        resp = self.inst.call(lambda: self.c.request(
            "POST", f"/_aznet/expressroute/{sub}/bgphubbench/er1/provider",
            {"serviceProviderProvisioningState": "Provisioned"}, headers={HEADER: key} if key else {}))
        assert resp.status == 200, resp.body
        peering = f"{circuit}/peerings/AzurePrivatePeering"
        self.put(peering, {"properties": {"peeringType": "AzurePrivatePeering", "peerASN": 65020, "vlanId": 100,
                                          "primaryPeerAddressPrefix": "192.168.10.0/30",
                                          "secondaryPeerAddressPrefix": "192.168.10.4/30"}})
        self.put(self.net("connections", "er-conn"), {"location": LOC, "properties": {
            "connectionType": "ExpressRoute", "virtualNetworkGateway1": {"id": gw}, "peer": {"id": circuit}}})
        return peering, f"{v1}/subnets/frontend".lower()


def route_rounds(inst: Any, router: frr.Frr, subnet: str, rounds: int, second: int) -> list[float]:
    return announce_rounds(router, [f"10.{second}.{i}.0/24" for i in range(rounds)],
                           lambda p: holds(inst, subnet, (p,)))


def frr_rounds(rounds: int) -> list[float]:
    b = frr.Frr("127.0.0.230", 65060, "127.0.0.231", 65050, 179, listen_port=179).start()
    a = frr.Frr("127.0.0.231", 65050, "127.0.0.230", 65060, 179, next_hop="10.51.255.254").start()
    try:
        wait(lambda: b.peer_state("127.0.0.231") == "Established", 60, 0.05)
        return announce_rounds(a, [f"10.220.{i}.0/24" for i in range(rounds)],
                               lambda p: p in b.received("127.0.0.231"), every=0.05)
    finally:
        a.close()
        b.close()


def line(label: str, xs: list[float]) -> str:
    return f"  {label:<52} {statistics.median(xs):8.1f} {pct(xs, .95):8.1f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--prefixes", type=int, default=1000)
    args = ap.parse_args()
    if not frr.available():
        print("FRR (bgpd, vtysh) is not installed: apt-get install frr")
        return 1
    inst = start_in_thread()
    routers: list[frr.Frr] = []
    try:
        s = Setup(inst)
        hub, spoke2 = s.hub()
        peering, vnet1 = s.expressroute()
        svc = inst.platform.services.get(BgpService)
        eps = inst.call(svc.endpoints)
        hub_ep = next(e for e in eps if e["resourceId"] == hub and e["name"].endswith("/0"))
        er_ep = next(e for e in eps if e["resourceId"] == peering and e["name"].endswith("/primary"))

        def start(ep: dict[str, Any], asn: int, nets: list[str] | None = None) -> frr.Frr:
            r = frr.Frr(ep["neighbors"][0]["connectFrom"], asn, ep["address"], ep["asn"],
                        ep.get("listenPort", ep["port"]), nets or []).start()
            routers.append(r)
            return r
        nva, customer = start(hub_ep, 65001), start(er_ep, 65020)
        for who, ep in ((nva, hub_ep), (customer, er_ep)):
            wait(lambda w=who, e=ep: w.peer_state(e["address"]) == "Established", 60, 0.05)

        hub_ms = route_rounds(inst, nva, spoke2, args.rounds, 150)
        er_ms = route_rounds(inst, customer, vnet1, args.rounds, 160)
        frr_ms = frr_rounds(args.rounds)
        print(f"# bgp_hub_bench  rounds={args.rounds} prefixes={args.prefixes} load average "
              f"{os.getloadavg()[0]:.2f} (machine shared; figures noisy)")
        print("announce (vtysh network) -> route held (ms)               median      p95")
        print(line("NVA -> hub router -> spoke 2's effective routes", hub_ms))
        print(line("customer -> MSEE -> ER gateway -> VNet effective routes", er_ms))
        print(line("FRR A -> FRR bgpd B's table (plain eBGP, same method)", frr_ms))
        print("  (FRR A needs an outbound route-map towards B, which refuses 127/8 next hops; with it A itself\n"
              "   sends its UPDATE seconds late: a bound on FRR's pipeline here, not a like-for-like receiver figure)")
        print(f"  ratios (median): hub {statistics.median(hub_ms) / statistics.median(frr_ms):.2f}x FRR, "
              f"ExpressRoute {statistics.median(er_ms) / statistics.median(frr_ms):.2f}x FRR")
        nva.close()
        routers.remove(nva)
        wait(lambda: not holds(inst, spoke2, ("10.150.0.0/24",)), 60, 0.01)

        nets = host_prefixes(args.prefixes)
        rss0 = rss_kib()
        t0 = time.perf_counter()
        start(hub_ep, 65001, nets)
        t1 = wait(lambda: holds(inst, spoke2, nets), 300, 0.01)
        print(f"{args.prefixes} prefixes from the NVA into the hub: {t1 - t0:.2f} s from FRR's start until spoke 2's "
              f"routes hold them all; aznet RSS +{(rss_kib() - rss0) / 1024:.1f} MiB; load average "
              f"{os.getloadavg()[0]:.2f}")
    finally:
        for r in routers:
            r.close()
        inst.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
