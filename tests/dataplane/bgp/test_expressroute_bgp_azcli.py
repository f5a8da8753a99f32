"""ExpressRoute private peering with a real FRR as the customer's primary router, through the az CLI: the
circuit, peering, gateway and connection commands of the ExpressRoute tutorials, then what the live MSEE
session holds in `az network express-route list-route-tables / list-arp-tables / list-route-tables-summary /
get-stats`, `az network vnet-gateway list-bgp-peer-status / list-learned-routes` on the ExpressRoute gateway,
`az network nic show-effective-route-table` and `az monitor metrics list` (BgpAvailability)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.network.nic_support import ensure_vnet_types

from .support import cli, needs_frr, speakers, start_frr, wait_for

pytestmark = needs_frr


def _value(out: Any) -> Any:
    return out.get("value", out) if isinstance(out, dict) else out


def test_expressroute_private_peering_with_frr_azcli(az, aznet):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    rg = f"rg-erbgp-{uuid.uuid4().hex[:8]}"
    az.run("group", "create", "-n", rg, "-l", "westeurope")
    customer = None
    try:
        az.run("network", "express-route", "create", "--bandwidth", "200", "-n", "MyCircuit", "--peering-location",
               "Silicon Valley", "-g", rg, "--provider", "Equinix", "-l", "westeurope", "--sku-family", "MeteredData",
               "--sku-tier", "Standard")
        cli(aznet, "expressroute", "provision", "-g", rg, "-n", "MyCircuit")
        peering = az.json("network", "express-route", "peering", "create", "-g", rg, "--circuit-name", "MyCircuit",
                          "--peering-type", "AzurePrivatePeering", "--peer-asn", "65020", "--vlan-id", "100",
                          "--primary-peer-subnet", "10.0.0.0/30", "--secondary-peer-subnet", "10.0.0.4/30")
        az.run("network", "vnet", "create", "-n", "VNet1", "-g", rg, "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "FrontEnd", "--subnet-prefix", "10.1.0.0/24")
        az.run("network", "vnet", "subnet", "create", "--vnet-name", "VNet1", "-n", "GatewaySubnet", "-g", rg,
               "--address-prefix", "10.1.255.0/27")
        az.run("network", "nic", "create", "-n", "vm1-nic", "-g", rg, "--vnet-name", "VNet1", "--subnet", "FrontEnd")
        az.run("network", "public-ip", "create", "-n", "ERGWIP", "-g", rg, "--sku", "Standard")
        az.run("network", "vnet-gateway", "create", "-n", "ERGW", "-g", rg, "--vnet", "VNet1",
               "--public-ip-address", "ERGWIP", "--gateway-type", "ExpressRoute", "--sku", "Standard")
        az.run("network", "vpn-connection", "create", "-n", "ERConnection", "-g", rg, "--vnet-gateway1", "ERGW",
               "--express-route-circuit2", "MyCircuit")
        link = next(e for e in speakers(aznet, peering["id"]) if e["name"].endswith("/primary"))
        assert (link["bgpPeeringAddress"], link["asn"]) == ("10.0.0.2", 12076)
        customer = start_frr(link, ["172.16.0.0/16"], 65020, remote_asn=12076)

        def table(kind: str, path: str = "primary") -> Any:
            return _value(az.json("network", "express-route", kind, "-g", rg, "-n", "MyCircuit", "--path", path,
                                  "--peering-name", "AzurePrivatePeering"))
        summary = wait_for(lambda: (s := table("list-route-tables-summary")) and s[0]["statePfxRcd"] == "1" and s,
                           timeout=60)
        assert (summary[0]["neighbor"], summary[0]["as"]) == ("10.0.0.1", 65020)
        by_net = {r["network"]: r for r in table("list-route-tables")}
        assert (by_net["172.16.0.0/16"]["path"], by_net["172.16.0.0/16"]["nextHop"]) == ("65020", "10.0.0.1")
        assert by_net["10.1.0.0/16"]["path"] == "65515"
        assert {(e["interface"], e["ipAddress"]) for e in table("list-arp-tables")} == {
            ("On-Prem", "10.0.0.1"), ("Microsoft", "10.0.0.2")}
        # the secondary link has no router: its session is not up
        assert table("list-route-tables-summary", "secondary")[0]["statePfxRcd"] == "Active"
        stats = az.json("network", "express-route", "get-stats", "-g", rg, "-n", "MyCircuit")
        assert stats["primarybytesIn"] > 0 and stats["secondarybytesIn"] == 0

        peers = _value(az.json("network", "vnet-gateway", "list-bgp-peer-status", "-n", "ERGW", "-g", rg))
        assert sorted((p["neighbor"], p["asn"], p["state"]) for p in peers) == [
            ("10.0.0.2", 12076, "Connected"), ("10.0.0.6", 12076, "Connecting")]
        learned = _value(az.json("network", "vnet-gateway", "list-learned-routes", "-n", "ERGW", "-g", rg))
        assert [(r["network"], r["asPath"], r["sourcePeer"]) for r in learned if r["origin"] == "EBgp"] == [
            ("172.16.0.0/16", "12076 65020", "10.0.0.2")]
        routes = _value(az.json("network", "nic", "show-effective-route-table", "-n", "vm1-nic", "-g", rg))
        assert [r["nextHopType"] for r in routes if "172.16.0.0/16" in r["addressPrefix"]] == ["VirtualNetworkGateway"]
        circuit_id = peering["id"].rsplit("/peerings/", 1)[0]
        metrics = az.json("monitor", "metrics", "list", "--resource", circuit_id, "--metric", "BgpAvailability",
                          "--aggregation", "Average", "--filter", "Peer eq '*'")
        got = {ts["metadatavalues"][0]["value"]: [d["average"] for d in ts["data"] if d.get("average") is not None]
               for m in metrics["value"] for ts in m["timeseries"]}
        assert got["Primary"][-1] == 100.0 and got["Secondary"][-1] == 0.0

        customer.close()
        customer = None
        wait_for(lambda: table("list-route-tables-summary")[0]["statePfxRcd"] == "Active", timeout=60)
        routes = _value(az.json("network", "nic", "show-effective-route-table", "-n", "vm1-nic", "-g", rg))
        assert not [r for r in routes if "172.16.0.0/16" in r["addressPrefix"]]
    finally:
        if customer is not None:
            customer.close()
        # the provisioned circuit stays (Azure refuses to delete it); its peering goes, and with it the MSEE speakers
        az.run("network", "vpn-connection", "delete", "-n", "ERConnection", "-g", rg, check=False)
        az.run("network", "express-route", "peering", "delete", "-g", rg, "--circuit-name", "MyCircuit",
               "-n", "AzurePrivatePeering", check=False)
        az.run("group", "delete", "-n", rg, "--yes", "--no-wait", check=False)
