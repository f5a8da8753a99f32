"""Hostile input for the Virtual WAN and Route Server types: random JSON in the fields of each type's PUT
body and of its actions' bodies, with real parents in place (a virtual WAN, a hub, a Route Server with
its ipConfiguration, a VPN site and gateway): never a 5xx, an error always has a code, and a refused
request writes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .cert_support import root_cert_b64
from .fuzz_support import arm_call, fuzz_settings, json_values, mutate, put_never_5xx

SUB = "00000000-0000-0000-0000-000000000001"
RG = "vwan-fuzz-rg"
API = "2024-05-01"
BASE = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
TARGETS = {
    "virtualWans/w2": "VirtualWanProperties",
    "virtualHubs/h2": "VirtualHubProperties",
    "virtualHubs/hub/hubRouteTables/rt": "HubRouteTableProperties",
    "virtualHubs/hub/hubVirtualNetworkConnections/c": "HubVirtualNetworkConnectionProperties",
    "virtualHubs/hub/routingIntent/ri": "RoutingIntentProperties",
    "virtualHubs/hub/bgpConnections/b": "BgpConnectionProperties",
    "virtualHubs/rs/bgpConnections/b": "BgpConnectionProperties",
    "virtualHubs/rs/ipConfigurations/ipconfig": "HubIPConfigurationPropertiesFormat",
    "vpnSites/s2": "VpnSiteProperties",
    "vpnGateways/gw/vpnConnections/c": "VpnConnectionProperties",
    "vpnGateways/gw2": "VpnGatewayProperties",
    "vpnServerConfigurations/cfg": "VpnServerConfigurationProperties",
    "p2sVpnGateways/p2s": "P2SVpnGatewayProperties",
    "virtualHubs/hub/routeTables/v2": "VirtualHubRouteTableV2Properties",
}
ACTIONS = ["virtualHubs/hub/effectiveRoutes", "virtualHubs/hub/inboundRoutes", "virtualHubs/hub/outboundRoutes", "virtualHubs/rs/bgpConnections/nva/learnedRoutes",
           "virtualHubs/rs/bgpConnections/nva/advertisedRoutes", "vpnGateways/gw/reset"]

values = json_values(["10.0.0.0/16", "10.9.0.0/24", "192.168.0.0/33", "Standard", "Basic", "", "PrivateTraffic",
                      "Internet", "CIDR", "ResourceId", "65001", "10.8.0.4", f"{BASE}/virtualHubs/hub",
                      f"{BASE}/virtualHubs/hub/hubRouteTables/noneRouteTable", f"{BASE}/virtualWans/wan",
                      f"{BASE}/vpnSites/site", f"{BASE}/virtualNetworks/vnet"],
                     ["id", "name", "properties", "addressPrefixes", "labels", "ids", "x"])


def _call(aznet, method: str, path: str, body: object = None) -> object:  # type: ignore[no-untyped-def]
    return arm_call(aznet, "vwan-fuzz", lambda p: "2021-04-01" if p.count("/") <= 4 else API, method, path, body)


def _ok(aznet, path: str, body: object) -> None:  # type: ignore[no-untyped-def]
    resp = _call(aznet, "PUT", path, body)
    assert resp.status in (200, 201, 202), (path, resp.body)


@pytest.fixture(scope="module")
def world(aznet):  # type: ignore[no-untyped-def]
    _ok(aznet, f"/subscriptions/{SUB}/resourcegroups/{RG}", {"location": "westeurope"})
    loc = "westeurope"
    _ok(aznet, f"{BASE}/virtualNetworks/vnet", {"location": loc, "properties": {
        "addressSpace": {"addressPrefixes": ["10.8.0.0/16"]},
        "subnets": [{"name": "RouteServerSubnet", "properties": {"addressPrefix": "10.8.1.0/26"}},
                    {"name": "default", "properties": {"addressPrefix": "10.8.0.0/24"}}]}})
    _ok(aznet, f"{BASE}/virtualNetworks/vnet2", {"location": loc, "properties": {
        "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}})
    _ok(aznet, f"{BASE}/publicIPAddresses/pip", {"location": loc, "sku": {"name": "Standard"},
                                                 "properties": {"publicIPAllocationMethod": "Static"}})
    _ok(aznet, f"{BASE}/virtualHubs/rs", {"location": loc, "properties": {}})
    _ok(aznet, f"{BASE}/virtualHubs/rs/ipConfigurations/ipconfig", {"properties": {
        "subnet": {"id": f"{BASE}/virtualNetworks/vnet/subnets/RouteServerSubnet"},
        "publicIPAddress": {"id": f"{BASE}/publicIPAddresses/pip"}}})
    _ok(aznet, f"{BASE}/virtualHubs/rs/bgpConnections/nva", {"properties": {"peerIp": "10.8.0.4", "peerAsn": 65001}})
    _ok(aznet, f"{BASE}/virtualWans/wan", {"location": loc, "properties": {}})
    _ok(aznet, f"{BASE}/virtualHubs/hub", {"location": loc, "properties": {
        "virtualWan": {"id": f"{BASE}/virtualWans/wan"}, "addressPrefix": "10.100.0.0/24"}})
    _ok(aznet, f"{BASE}/vpnSites/site", {"location": loc, "properties": {
        "virtualWan": {"id": f"{BASE}/virtualWans/wan"}, "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
        "vpnSiteLinks": [{"name": "l", "properties": {"ipAddress": "203.0.113.1"}}]}})
    _ok(aznet, f"{BASE}/vpnGateways/gw", {"location": loc, "properties": {
        "virtualHub": {"id": f"{BASE}/virtualHubs/hub"}}})
    _ok(aznet, f"{BASE}/virtualHubs/h3", {"location": loc, "properties": {
        "virtualWan": {"id": f"{BASE}/virtualWans/wan"}, "addressPrefix": "10.102.0.0/24"}})
    _ok(aznet, f"{BASE}/virtualNetworks/vnet3", {"location": loc, "properties": {
        "addressSpace": {"addressPrefixes": ["10.7.0.0/16"]}}})
    _ok(aznet, f"{BASE}/virtualHubs/hub/hubVirtualNetworkConnections/c0", {"properties": {
        "remoteVirtualNetwork": {"id": f"{BASE}/virtualNetworks/vnet3"}}})
    _ok(aznet, f"{BASE}/azureFirewalls/fw", {"location": loc, "properties": {
        "sku": {"name": "AZFW_Hub", "tier": "Standard"}, "virtualHub": {"id": f"{BASE}/virtualHubs/hub"}}})
    _ok(aznet, f"{BASE}/vpnServerConfigurations/cfg0", {"location": loc, "properties": {
        "vpnAuthenticationTypes": ["Certificate"],
        "vpnClientRootCertificates": [{"name": "root", "publicCertData": root_cert_b64()}]}})
    yield
    _call(aznet, "DELETE", f"/subscriptions/{SUB}/resourcegroups/{RG}")


def _valid(target: str) -> dict[str, object]:
    """A body the target accepts, for the mutations to start from."""
    site, hub = f"{BASE}/vpnSites/site", f"{BASE}/virtualHubs/hub"
    cert = {"name": "root", "publicCertData": root_cert_b64()}
    return {
        "virtualWans/w2": {"type": "Standard", "allowBranchToBranchTraffic": True},
        "virtualHubs/h2": {"virtualWan": {"id": f"{BASE}/virtualWans/wan"}, "addressPrefix": "10.101.0.0/24"},
        "virtualHubs/hub/hubRouteTables/rt": {"labels": ["x"], "routes": [{
            "name": "r", "destinationType": "CIDR", "destinations": ["10.50.0.0/16"], "nextHopType": "ResourceId",
            "nextHop": f"{hub}/hubVirtualNetworkConnections/c0"}]},
        "virtualHubs/hub/hubVirtualNetworkConnections/c": {
            "remoteVirtualNetwork": {"id": f"{BASE}/virtualNetworks/vnet2"},
            "routingConfiguration": {"associatedRouteTable": {"id": f"{hub}/hubRouteTables/defaultRouteTable"},
                                     "propagatedRouteTables": {"labels": ["default"], "ids": []},
                                     "vnetRoutes": {"staticRoutes": [{"name": "s", "addressPrefixes": ["10.60.0.0/16"],
                                                                      "nextHopIpAddress": "10.9.0.4"}]}}},
        "virtualHubs/hub/routingIntent/ri": {"routingPolicies": [
            {"name": "p", "destinations": ["PrivateTraffic"], "nextHop": f"{BASE}/azureFirewalls/fw"}]},
        "virtualHubs/hub/bgpConnections/b": {"peerIp": "10.7.0.4", "peerAsn": 65010,
                                             "hubVirtualNetworkConnection": {"id": f"{hub}/hubVirtualNetworkConnections/c0"}},
        "virtualHubs/rs/bgpConnections/b": {"peerIp": "10.8.0.5", "peerAsn": 65002},
        "virtualHubs/rs/ipConfigurations/ipconfig": {
            "subnet": {"id": f"{BASE}/virtualNetworks/vnet/subnets/RouteServerSubnet"},
            "publicIPAddress": {"id": f"{BASE}/publicIPAddresses/pip"}},
        "vpnSites/s2": {"virtualWan": {"id": f"{BASE}/virtualWans/wan"},
                        "addressSpace": {"addressPrefixes": ["10.30.0.0/16"]},
                        "vpnSiteLinks": [{"name": "l", "properties": {"ipAddress": "203.0.113.9", "bgpProperties": {
                            "asn": 65050, "bgpPeeringAddress": "10.30.0.1"}}}]},
        "vpnGateways/gw/vpnConnections/c": {"remoteVpnSite": {"id": site}, "vpnLinkConnections": [
            {"name": "l", "properties": {"vpnSiteLink": {"id": f"{site}/vpnSiteLinks/l"}, "sharedKey": "k"}}]},
        "vpnGateways/gw2": {"virtualHub": {"id": f"{BASE}/virtualHubs/h3"}, "vpnGatewayScaleUnit": 2},
        "vpnServerConfigurations/cfg": {"vpnProtocols": ["OpenVPN"], "vpnAuthenticationTypes": ["Certificate"],
                                        "vpnClientRootCertificates": [cert]},
        "virtualHubs/hub/routeTables/v2": {"routes": [{"destinationType": "CIDR", "destinations": ["10.61.0.0/16"],
                                                       "nextHopType": "IPAddress", "nextHops": ["10.7.0.4"]}],
                                           "attachedConnections": ["All_Branches"]},
        "p2sVpnGateways/p2s": {"virtualHub": {"id": hub}, "vpnServerConfiguration": {
            "id": f"{BASE}/vpnServerConfigurations/cfg0"}, "p2SConnectionConfigurations": [
            {"name": "c", "properties": {"vpnClientAddressPool": {"addressPrefixes": ["172.30.0.0/24"]}}}]},
    }[target]


@fuzz_settings
@given(data=st.data())
def test_random_bodies_never_5xx(aznet, world, data):  # type: ignore[no-untyped-def]
    target = data.draw(st.sampled_from(sorted(TARGETS)))
    props = mutate(data, _valid(target), values) if data.draw(st.booleans()) else _valid(target)
    body: dict[str, object] = {"properties": props}
    if target.count("/") == 1:          # a top-level type has a location; a child's body has none
        body["location"] = data.draw(st.sampled_from(["westeurope", "westeurope", "eastus", 3]))
    put_never_5xx(aznet, _call, target, f"{BASE}/{target}", body)
    action = data.draw(st.sampled_from(ACTIONS))
    resp = _call(aznet, "POST", f"{BASE}/{action}", data.draw(values))
    assert resp.status < 500, (action, resp.body)
    # the network model still answers after whatever was written (routes of a NIC-less subnet included)
    from aznet.netmodel.engine import model_engine

    model = aznet.call(lambda: model_engine(aznet.platform).model)
    assert aznet.call(lambda: model.hub_routes_for_vnet(f"{BASE}/virtualNetworks/vnet2".lower())) is not None
    assert aznet.call(lambda: [model.hub_routing().table_routes(k) for k in model.hub_routing().tables]) is not None
