"""The pure hub routing core (netmodel/hub_routes.py) on hand-written ARM bodies: Azure's route selection
between local and remote hubs, ExpressRoute and VPN, and AS path lengths per hub routing preference
(the cases of "Virtual hub routing preference"), and labels across hubs."""

from __future__ import annotations

from typing import Any

from aznet.netmodel import hub_routes

P = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network"


def world(pref1: str = "ExpressRoute", pref2: str = "ExpressRoute", er_path: str = "65001",
          vpn_asn: int | None = None, er_hub: str = "hub1", vpn_hub: str = "hub1") -> hub_routes.HubRouting:
    res: list[dict[str, Any]] = [{"id": f"{P}/virtualWans/wan", "type": "Microsoft.Network/virtualWans",
                                  "properties": {"type": "Standard"}}]
    for name, pref, prefix in (("hub1", pref1, "10.100.0.0/24"), ("hub2", pref2, "10.101.0.0/24")):
        hid = f"{P}/virtualHubs/{name}"
        res.append({"id": hid, "type": "Microsoft.Network/virtualHubs", "properties": {
            "virtualWan": {"id": f"{P}/virtualWans/wan"}, "addressPrefix": prefix, "hubRoutingPreference": pref,
            "virtualRouterIps": []}})
        for table, label in (("defaultRouteTable", "default"), ("noneRouteTable", "none")):
            res.append({"id": f"{hid}/hubRouteTables/{table}", "type": "Microsoft.Network/virtualHubs/hubRouteTables",
                        "properties": {"labels": [label], "routes": []}})
    # ExpressRoute: a provisioned circuit whose edge announces 10.50.0.0/16
    res += [{"id": f"{P}/expressRouteCircuits/er", "type": "Microsoft.Network/expressRouteCircuits",
             "properties": {"serviceProviderProvisioningState": "Provisioned"}},
            {"id": f"{P}/expressRouteCircuits/er/peerings/AzurePrivatePeering",
             "type": "Microsoft.Network/expressRouteCircuits/peerings", "properties": {"state": "Enabled"},
             "_aznet": {"edge": {"up": True, "routes": [{"network": "10.50.0.0/16", "path": er_path}]}}},
            {"id": f"{P}/expressRouteGateways/ergw", "type": "Microsoft.Network/expressRouteGateways",
             "properties": {"virtualHub": {"id": f"{P}/virtualHubs/{er_hub}"}}},
            {"id": f"{P}/expressRouteGateways/ergw/expressRouteConnections/c",
             "type": "Microsoft.Network/expressRouteGateways/expressRouteConnections",
             "properties": {"expressRouteCircuitPeering": {
                 "id": f"{P}/expressRouteCircuits/er/peerings/AzurePrivatePeering"}}}]
    # VPN: a site announcing the same prefix
    link: dict[str, Any] = {"ipAddress": "203.0.113.1"}
    if vpn_asn:
        link["bgpProperties"] = {"asn": vpn_asn, "bgpPeeringAddress": "10.50.255.1"}
    res += [{"id": f"{P}/vpnSites/site", "type": "Microsoft.Network/vpnSites", "properties": {
                "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]},
                "vpnSiteLinks": [{"name": "l", "properties": link}]}},
            {"id": f"{P}/vpnGateways/vpngw", "type": "Microsoft.Network/vpnGateways",
             "properties": {"virtualHub": {"id": f"{P}/virtualHubs/{vpn_hub}"}}},
            {"id": f"{P}/vpnGateways/vpngw/vpnConnections/c", "type": "Microsoft.Network/vpnGateways/vpnConnections",
             "properties": {"remoteVpnSite": {"id": f"{P}/vpnSites/site"}, "enableBgp": bool(vpn_asn),
                            "vpnLinkConnections": [{"name": "l", "properties": {"enableBgp": bool(vpn_asn)}}]}}]
    return hub_routes.build(res)


def chosen(model: hub_routes.HubRouting, hub: str = "hub1") -> list[tuple[str, str]]:
    table = f"{P}/virtualHubs/{hub}/hubRouteTables/defaultRouteTable".lower()
    return sorted((r.next_hop_type, r.as_path) for r in model.table_routes(table) if "10.50.0.0/16" in r.prefixes)


def test_local_routes_per_preference():
    assert chosen(world()) == [("ExpressRouteGateway", "12076-65001")]
    assert chosen(world(pref1="VpnGateway")) == [("VPN_S2S_Gateway", "")]
    # AS path: the VPN site's static prefix has the shorter path
    assert chosen(world(pref1="ASPath")) == [("VPN_S2S_Gateway", "")]
    # equal lengths: for local routes ExpressRoute goes first
    assert chosen(world(pref1="ASPath", er_path="", vpn_asn=65010)) == [("ExpressRouteGateway", "12076")]


def test_local_beats_remote_and_remote_prefers_vpn():
    # ExpressRoute in hub1, VPN in hub2: seen from hub2, its local VPN route wins under ExpressRoute preference
    model = world(vpn_hub="hub2")
    assert chosen(model, "hub2") == [("VPN_S2S_Gateway", "")]
    assert chosen(model, "hub1") == [("ExpressRouteGateway", "12076-65001")]
    # both remote (a third view: hub2 sees ER and VPN of hub1): VPN wins among remote routes
    model = world(er_hub="hub1", vpn_hub="hub1", pref1="VpnGateway")
    assert chosen(model, "hub2") == [("Remote Hub", "65520-65520")]
    model = world(er_hub="hub1", vpn_hub="hub1", pref1="ExpressRoute")
    assert chosen(model, "hub2") == [("Remote Hub", "65520-65520-12076-65001")]


def test_aspath_preference_can_choose_a_remote_route():
    # hub2 has an ExpressRoute route with a long path locally; hub1's VPN route (remote for hub2) is shorter
    model = world(pref2="ASPath", er_hub="hub2", vpn_hub="hub1", er_path="65001 65001 65001")
    assert chosen(model, "hub2") == [("Remote Hub", "65520-65520")]
    model = world(pref2="ExpressRoute", er_hub="hub2", vpn_hub="hub1", er_path="65001 65001 65001")
    assert chosen(model, "hub2") == [("ExpressRouteGateway", "12076-65001-65001-65001")]
