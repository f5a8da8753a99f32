"""What a Virtual WAN hub's BGP peers (NVAs in connected VNets) announce, in the pure hub routing core
(netmodel/hub_routes.py ``bgp=``) and the ExpressRoute customer routes from the MSEE sessions (``circuits=``):
the NVA's routes propagate as its VNet connection does (labels, tables, remote hubs), its own VNet does not
learn them back, and a Basic WAN does not carry them to other VNets."""

from __future__ import annotations

from typing import Any

from aznet.netmodel import hub_routes

P = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network"
NVA_IP = "10.1.0.4"


def world(kind: str = "Standard", propagate: dict[str, Any] | None = None,
          learned: list[tuple[str, str, str]] | None = None,
          circuits: dict[str, list[tuple[str, str]]] | None = None) -> hub_routes.HubRouting:
    res: list[dict[str, Any]] = [{"id": f"{P}/virtualWans/wan", "type": "Microsoft.Network/virtualWans",
                                  "properties": {"type": kind}}]
    for name, prefix in (("hub1", "10.100.0.0/24"), ("hub2", "10.101.0.0/24")):
        hid = f"{P}/virtualHubs/{name}"
        res.append({"id": hid, "type": "Microsoft.Network/virtualHubs", "properties": {
            "virtualWan": {"id": f"{P}/virtualWans/wan"}, "addressPrefix": prefix, "virtualRouterIps": []}})
        for table, label in (("defaultRouteTable", "default"), ("noneRouteTable", "none"), ("nvaonly", "nva")):
            res.append({"id": f"{hid}/hubRouteTables/{table}", "type": "Microsoft.Network/virtualHubs/hubRouteTables",
                        "properties": {"labels": [label], "routes": []}})
    for vnet, second, hub in (("nvavnet", 1, "hub1"), ("web", 2, "hub1"), ("far", 3, "hub2")):
        res.append({"id": f"{P}/virtualNetworks/{vnet}", "type": "Microsoft.Network/virtualNetworks",
                    "properties": {"addressSpace": {"addressPrefixes": [f"10.{second}.0.0/16"]}}})
        routing = {"propagatedRouteTables": propagate} if vnet == "nvavnet" and propagate is not None else {}
        res.append({"id": f"{P}/virtualHubs/{hub}/hubVirtualNetworkConnections/{vnet}",
                    "type": "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections",
                    "properties": {"remoteVirtualNetwork": {"id": f"{P}/virtualNetworks/{vnet}"},
                                   "routingConfiguration": routing}})
    res.append({"id": f"{P}/virtualHubs/hub1/bgpConnections/nva", "type": "Microsoft.Network/virtualHubs/bgpConnections",
                "properties": {"peerIp": NVA_IP, "peerAsn": 65001, "hubVirtualNetworkConnection": {
                    "id": f"{P}/virtualHubs/hub1/hubVirtualNetworkConnections/nvavnet"}}})
    if circuits is not None:
        res += [{"id": f"{P}/expressRouteCircuits/er", "type": "Microsoft.Network/expressRouteCircuits",
                 "properties": {"serviceProviderProvisioningState": "Provisioned"}},
                {"id": f"{P}/expressRouteCircuits/er/peerings/AzurePrivatePeering",
                 "type": "Microsoft.Network/expressRouteCircuits/peerings", "properties": {"state": "Enabled"}},
                {"id": f"{P}/expressRouteGateways/ergw", "type": "Microsoft.Network/expressRouteGateways",
                 "properties": {"virtualHub": {"id": f"{P}/virtualHubs/hub1"}}},
                {"id": f"{P}/expressRouteGateways/ergw/expressRouteConnections/c",
                 "type": "Microsoft.Network/expressRouteGateways/expressRouteConnections",
                 "properties": {"expressRouteCircuitPeering": {
                     "id": f"{P}/expressRouteCircuits/er/peerings/AzurePrivatePeering"}}}]
    bodies = {r["id"].lower(): r for r in res}
    types = {k: r["type"].lower() for k, r in bodies.items()}
    bgp = {f"{P}/virtualHubs/hub1".lower(): learned if learned is not None else [
        (NVA_IP, "10.200.0.0/16", "65001"), (NVA_IP, "10.210.0.0/16", "65001-65002"),
        ("10.9.9.9", "10.230.0.0/16", "65009")]}      # a peer no bgpConnection names: ignored
    return hub_routes.HubRouting(bodies, types, bgp, circuits)


def table(model: hub_routes.HubRouting, hub: str, name: str = "defaultRouteTable") -> dict[str, tuple[str, str]]:
    key = f"{P}/virtualHubs/{hub}/hubRouteTables/{name}".lower()
    return {p: (r.next_hop_type, r.as_path) for r in model.table_routes(key) for p in r.prefixes}


def learns(model: hub_routes.HubRouting, vnet: str, hub: str = "hub1") -> set[str]:
    key = f"{P}/virtualHubs/{hub}/hubVirtualNetworkConnections/{vnet}".lower()
    return {p for r in model.connection_routes(key) for p in r.prefixes}


def test_nva_routes_in_the_default_table_and_remote_hubs():
    m = world()
    t1 = table(m, "hub1")
    assert t1["10.200.0.0/16"] == ("HubBgpConnection", "65001")
    assert t1["10.210.0.0/16"] == ("HubBgpConnection", "65001-65002")
    assert "10.230.0.0/16" not in t1
    hop = next(r for r in m.table_routes(f"{P}/virtualHubs/hub1/hubRouteTables/defaultRouteTable".lower())
               if "10.200.0.0/16" in r.prefixes)
    assert hop.next_hops == (f"{P}/virtualHubs/hub1/bgpConnections/nva",)
    assert table(m, "hub2")["10.200.0.0/16"] == ("Remote Hub", "65520-65520-65001")
    assert {"10.200.0.0/16", "10.210.0.0/16"} <= learns(m, "web")
    assert "10.200.0.0/16" in learns(m, "far", "hub2")
    assert not {"10.200.0.0/16", "10.210.0.0/16"} & learns(m, "nvavnet")    # not learned back


def test_nva_routes_propagate_like_its_vnet_connection():
    m = world(propagate={"labels": ["nva"], "ids": [{"id": f"{P}/virtualHubs/hub1/hubRouteTables/nvaonly"}]})
    assert "10.200.0.0/16" not in table(m, "hub1")
    assert table(m, "hub1", "nvaonly")["10.200.0.0/16"] == ("HubBgpConnection", "65001")
    assert table(m, "hub2", "nvaonly")["10.200.0.0/16"][0] == "Remote Hub"
    assert "10.200.0.0/16" not in learns(m, "web")


def test_a_basic_wan_does_not_carry_nva_routes_between_vnets():
    m = world(kind="Basic")
    assert "10.200.0.0/16" not in learns(m, "web")


def test_nothing_learned_no_bgp_connection_routes():
    m = world(learned=[])
    assert "10.200.0.0/16" not in table(m, "hub1")
    assert all(c.kind != "bgp" for c in m.connections.values())


def test_customer_routes_from_the_msee_sessions_reach_the_hub():
    m = world(circuits={f"{P}/expressRouteCircuits/er/peerings/AzurePrivatePeering".lower(): [
        ("10.50.0.0/16", "65020")]})
    assert table(m, "hub1")["10.50.0.0/16"] == ("ExpressRouteGateway", "12076-65020")
    assert "10.50.0.0/16" in learns(m, "web")
