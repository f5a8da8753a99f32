"""Hostile input for the ExpressRoute, route filter, Peering Service, Orbital and edge-zone types: random JSON
in the fields of each PUT body (starting from a body the type accepts) and of the actions' bodies, with real
parents in place: never a 5xx, an error always has a code, and a refused request writes nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aznet.arm.http import Request

from .fuzz_support import arm_call, fuzz_settings, json_values, mutate, put_never_5xx

SUB = "00000000-0000-0000-0000-000000000001"
RG = "er-fuzz-rg"
BASE = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers"
NET = f"{BASE}/Microsoft.Network"
CIRCUIT = f"{NET}/expressRouteCircuits/er"
L1 = "1 25544U 98067A   14020.93268519  .00009878  00000-0  18200-3 0  5082"
L2 = "2 25544  51.6498 109.4756 0003572  55.9686 274.8005 15.49815350868473"
API = {"Microsoft.Network": "2024-05-01", "Microsoft.Orbital": "2022-11-01", "Microsoft.Peering": "2025-05-01"}

VALID: dict[str, dict[str, object]] = {
    "Microsoft.Network/expressRouteCircuits/er2": {
        "sku": {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
        "properties": {"serviceProviderProperties": {"serviceProviderName": "Equinix", "peeringLocation": "Amsterdam",
                                                     "bandwidthInMbps": 200}}},
    "Microsoft.Network/expressRouteCircuits/er/peerings/MicrosoftPeering": {"properties": {
        "peeringType": "MicrosoftPeering", "peerASN": 64999, "vlanId": 200, "primaryPeerAddressPrefix": "203.0.113.0/30",
        "secondaryPeerAddressPrefix": "203.0.113.4/30",
        "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"]},
        "routeFilter": {"id": f"{NET}/routeFilters/rf"}}},
    "Microsoft.Network/expressRouteCircuits/er/authorizations/a": {"properties": {}},
    "Microsoft.Network/expressRouteCircuits/er/peerings/AzurePrivatePeering/connections/gr": {"properties": {
        "peerExpressRouteCircuitPeering": {"id": f"{NET}/expressRouteCircuits/erb/peerings/AzurePrivatePeering"},
        "addressPrefix": "10.99.0.0/29"}},
    "Microsoft.Network/routeFilters/rf2": {"properties": {"rules": [{"name": "r", "properties": {
        "access": "Allow", "routeFilterRuleType": "Community", "communities": ["12076:5010"]}}]}},
    "Microsoft.Network/expressRoutePorts/p": {"properties": {"peeringLocation": "Equinix-Ashburn-DC2",
                                                             "bandwidthInGbps": 10, "encapsulation": "QinQ"}},
    "Microsoft.Network/connections/c": {"properties": {
        "connectionType": "ExpressRoute", "virtualNetworkGateway1": {"id": f"{NET}/virtualNetworkGateways/ergw"},
        "peer": {"id": CIRCUIT}}},
    "Microsoft.Network/virtualNetworks/edgevnet": {"extendedLocation": {"name": "losangeles", "type": "EdgeZone"},
                                                   "properties": {"addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}}},
    "Microsoft.Peering/peeringServices/ps": {"properties": {"peeringServiceLocation": "Washington",
                                                            "peeringServiceProvider": "Lumen Technologies"}},
    "Microsoft.Peering/peeringServices/ps0/prefixes/p": {"properties": {
        "prefix": "198.51.100.0/24", "peeringServicePrefixKey": "00000000-0000-0000-0000-00000000abcd"}},
    "Microsoft.Orbital/spacecrafts/s": {"properties": {"titleLine": "ISS", "tleLine1": L1, "tleLine2": L2, "links": [
        {"name": "dl", "centerFrequencyMHz": 2250, "bandwidthMHz": 15, "direction": "Downlink",
         "polarization": "RHCP"}]}},
    "Microsoft.Orbital/contactProfiles/cp": {"properties": {
        "networkConfiguration": {"subnetId": f"{NET}/virtualNetworks/vnet/subnets/default"}, "links": [{
            "name": "dl", "direction": "Downlink", "polarization": "RHCP", "channels": [{
                "name": "c", "centerFrequencyMHz": 2250, "bandwidthMHz": 15,
                "endPoint": {"ipAddress": "10.8.0.9", "endPointName": "e", "port": "5000", "protocol": "TCP"}}]}]}},
    "Microsoft.Orbital/spacecrafts/iss/contacts/c": {"properties": {
        "reservationStartTime": "2014-01-21T09:32:00Z", "reservationEndTime": "2014-01-21T09:38:00Z",
        "groundStationName": "Microsoft_Quincy", "contactProfile": {"id": f"{BASE}/Microsoft.Orbital/contactProfiles/p0"}}},
}
ACTIONS = [
    ("POST", f"{CIRCUIT}/peerings/AzurePrivatePeering/arpTables/primary"),
    ("POST", f"{CIRCUIT}/peerings/AzurePrivatePeering/routeTables/secondary"),
    ("POST", f"{CIRCUIT}/peerings/AzurePrivatePeering/routeTablesSummary/nonsense"),
    ("POST", f"{NET}/expressRoutePorts/p0/generateLoa"),
    ("POST", f"{BASE}/Microsoft.Orbital/spacecrafts/iss/listAvailableContacts"),
    ("POST", f"/subscriptions/{SUB}/providers/Microsoft.Peering/checkServiceProviderAvailability"),
    ("POST", f"/_aznet/expressroute/{SUB}/{RG}/er/peerings/AzurePrivatePeering/edge"),
    ("POST", f"/_aznet/expressroute/{SUB}/{RG}/er/provider"),
    ("POST", f"/_aznet/peering/{SUB}/{RG}/ps0/prefixes/p0/announce"),
]

values = json_values(["10.0.0.0/30", "203.0.113.8/30", "2001:db8::/126", "Provisioned", "Standard", "", "12076:51002",
                      "EdgeZone", "losangeles", "2014-01-21T09:30:00Z", "PT1M", L1, L2, CIRCUIT, f"{NET}/routeFilters/rf",
                      "primary"],
                     ["id", "name", "properties", "routes", "network", "path", "communities", "startTime", "endTime",
                      "groundStationName", "contactProfile", "up", "key", "serviceProviderProvisioningState",
                      "customerName", "x"], floats=True)


def _api(path: str) -> str:
    ns = next((k for k in API if k.lower() in path.lower()), "Microsoft.Network")
    return "2021-04-01" if path.count("/") <= 4 else API[ns]


def _call(aznet, method: str, path: str, body: object = None):  # type: ignore[no-untyped-def]
    return arm_call(aznet, "er-fuzz", _api, method, path, body)


def _ok(aznet, path: str, body: object) -> None:  # type: ignore[no-untyped-def]
    resp = _call(aznet, "PUT", path, body)
    assert resp.status in (200, 201, 202), (path, resp.body)


def _admin(aznet, path: str, body: object) -> None:  # type: ignore[no-untyped-def]
    from aznet.cli.admin import _call as admin_call
    from aznet.cli.state import read_state

    admin_call(read_state(aznet.data_dir), aznet.data_dir, "POST", path, json.dumps(body).encode())


@pytest.fixture(scope="module")
def world(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.edgezones import EdgeZonesMgmtClient

    aznet.client(EdgeZonesMgmtClient).extended_zones.register("losangeles")
    loc = {"location": "westus"}
    _ok(aznet, f"/subscriptions/{SUB}/resourcegroups/{RG}", {"location": "westus"})
    _ok(aznet, f"{NET}/virtualNetworks/vnet", {**loc, "properties": {
        "addressSpace": {"addressPrefixes": ["10.8.0.0/16"]},
        "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.8.255.0/27"}},
                    {"name": "default", "properties": {"addressPrefix": "10.8.0.0/24"}}]}})
    _ok(aznet, f"{NET}/publicIPAddresses/pip", {**loc, "sku": {"name": "Standard"},
                                                "properties": {"publicIPAllocationMethod": "Static"}})
    _ok(aznet, f"{NET}/virtualNetworkGateways/ergw", {**loc, "properties": {
        "gatewayType": "ExpressRoute", "sku": {"name": "Standard", "tier": "Standard"}, "ipConfigurations": [{
            "name": "c", "properties": {"subnet": {"id": f"{NET}/virtualNetworks/vnet/subnets/GatewaySubnet"},
                                        "publicIPAddress": {"id": f"{NET}/publicIPAddresses/pip"}}}]}})
    sku = {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"}
    for name, base in (("er", "192.168.1"), ("erb", "192.168.2")):
        _ok(aznet, f"{NET}/expressRouteCircuits/{name}", {**loc, "sku": sku, "properties": {
            "serviceProviderProperties": {"serviceProviderName": "Equinix", "peeringLocation": "Amsterdam",
                                          "bandwidthInMbps": 200}}})
        _admin(aznet, f"/_aznet/expressroute/{SUB}/{RG}/{name}/provider", {"serviceProviderProvisioningState":
                                                                           "Provisioned"})
        _ok(aznet, f"{NET}/expressRouteCircuits/{name}/peerings/AzurePrivatePeering", {"properties": {
            "peeringType": "AzurePrivatePeering", "peerASN": 65020, "vlanId": 100,
            "primaryPeerAddressPrefix": f"{base}.0/30", "secondaryPeerAddressPrefix": f"{base}.4/30"}})
    _ok(aznet, f"{NET}/routeFilters/rf", {**loc, "properties": {}})
    _ok(aznet, f"{NET}/expressRoutePorts/p0", {**loc, "properties": {
        "peeringLocation": "Equinix-Ashburn-DC2", "bandwidthInGbps": 10, "encapsulation": "Dot1Q"}})
    _ok(aznet, f"{BASE}/Microsoft.Peering/peeringServices/ps0", {**loc, "properties": {
        "peeringServiceLocation": "Washington", "peeringServiceProvider": "Lumen Technologies"}})
    _ok(aznet, f"{BASE}/Microsoft.Peering/peeringServices/ps0/prefixes/p0", {"properties": {
        "prefix": "198.51.100.0/24", "peeringServicePrefixKey": "00000000-0000-0000-0000-00000000abcd"}})
    _ok(aznet, f"{BASE}/Microsoft.Orbital/spacecrafts/iss", {**loc, **VALID["Microsoft.Orbital/spacecrafts/s"]})
    _ok(aznet, f"{BASE}/Microsoft.Orbital/contactProfiles/p0", {**loc, **VALID["Microsoft.Orbital/contactProfiles/cp"]})
    yield
    _call(aznet, "DELETE", f"/subscriptions/{SUB}/resourcegroups/{RG}")


@fuzz_settings
@given(data=st.data())
def test_random_bodies_never_5xx(aznet, world, data):  # type: ignore[no-untyped-def]
    target = data.draw(st.sampled_from(sorted(VALID)))
    body = mutate(data, VALID[target], values) if data.draw(st.booleans()) else dict(VALID[target])
    if not isinstance(body, dict):
        body = {"properties": body}
    if target.count("/") == 2:          # a top-level type has a location; a child's body has none
        body = {**body, "location": data.draw(st.sampled_from(["westus", "westus", "eastus", 3]))}
    put_never_5xx(aznet, _call, target, f"{BASE}/{target}", body)
    method, action = data.draw(st.sampled_from(ACTIONS))
    if action.startswith("/_aznet/"):
        from aznet.arm.admin_auth import HEADER, read_admin_key

        req = Request(method, action, {}, {HEADER: read_admin_key(aznet.data_dir) or "",
                                           "content-type": "application/json"},
                      json.dumps(data.draw(values)).encode(), aznet.endpoint)
        resp = aznet.call(aznet.platform.handle, req)
    else:
        resp = _call(aznet, method, action, data.draw(values))
    assert resp.status < 500, (action, resp.body)
