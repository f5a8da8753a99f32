"""Route Server (a virtual hub without a virtual WAN) through the real SDK, following Azure's
"Create a Route Server" quickstart: the hub, its ipConfiguration in RouteServerSubnet, its BGP peers;
each rule refused with Azure's code and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from .hybrid_support import pip
from .inprocess_support import code_of
from .nic_support import error_of, make_vnet, rid, subnet_id


def rs_vnet(net: Any, rg: str, rs_prefix: str = "10.0.1.0/26", name: str = "myVirtualNetwork",
            space: str = "10.0.0.0/16") -> None:
    make_vnet(net, rg, name=name, prefixes=(space,), subnets={
        "default": "10.0.0.0/24", "RouteServerSubnet": rs_prefix, "GatewaySubnet": "10.0.2.0/27"})


def make_route_server(aznet: Any, net: Any, rg: str, name: str = "myRouteServer", vnet: str = "myVirtualNetwork",
                      pip_name: str = "RouteServerIP", **hub_props: Any) -> Any:
    net.virtual_hubs.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {
        "sku": "Standard", **hub_props}}).result()
    net.virtual_hub_ip_configuration.begin_create_or_update(rg, name, "Default", {"properties": {
        "subnet": {"id": subnet_id(aznet, rg, vnet, "RouteServerSubnet")},
        "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", pip_name)}}}).result()
    return net.virtual_hubs.get(rg, name)


def test_route_server_quickstart(aznet, network_client, rg):
    net = network_client
    rs_vnet(net, rg)
    pip(net, rg, "RouteServerIP")
    hub = net.virtual_hubs.begin_create_or_update(rg, "myRouteServer", {"location": "westeurope", "properties": {
        "sku": "Standard"}}).result()
    assert hub.kind == "RouteServer" and hub.routing_state == "None" and hub.virtual_router_ips == []
    hub = make_route_server(aznet, net, rg)
    assert hub.kind == "RouteServer" and hub.sku == "Standard" and hub.provisioning_state == "Succeeded"
    assert hub.virtual_router_asn == 65515 and hub.routing_state == "Provisioned"
    assert hub.virtual_router_ips == ["10.0.1.4", "10.0.1.5"]
    assert hub.hub_routing_preference == "ExpressRoute" and hub.allow_branch_to_branch_traffic is False
    assert hub.virtual_router_auto_scale_configuration.min_capacity == 2
    assert [c.id.rsplit("/", 1)[-1] for c in hub.ip_configurations] == ["Default"]
    cfg = net.virtual_hub_ip_configuration.get(rg, "myRouteServer", "Default")
    assert cfg.private_ip_address == "10.0.1.4" and cfg.subnet.id.endswith("/subnets/RouteServerSubnet")
    # the subnet shows the Route Server as its user and cannot go while it is there
    sub = net.subnets.get(rg, "myVirtualNetwork", "RouteServerSubnet")
    assert [c.id.rsplit("/", 1)[-1] for c in sub.ip_configurations] == ["Default"]
    assert error_of(net.subnets.begin_delete, rg, "myVirtualNetwork", "RouteServerSubnet")[1] == \
        "InUseSubnetCannotBeDeleted"
    assert net.public_ip_addresses.get(rg, "RouteServerIP").ip_address
    # the NVA peer
    conn = net.virtual_hub_bgp_connection.begin_create_or_update(rg, "myRouteServer", "myNVA", {"properties": {
        "peerIp": "10.0.0.4", "peerAsn": 65001}}).result()
    assert conn.peer_ip == "10.0.0.4" and conn.peer_asn == 65001 and conn.connection_state == "Connecting"
    assert [c.name for c in net.virtual_hub_bgp_connections.list(rg, "myRouteServer")] == ["myNVA"]
    hub = net.virtual_hubs.get(rg, "myRouteServer")
    assert [c.id.rsplit("/", 1)[-1] for c in hub.bgp_connections] == ["myNVA"]
    # update: branch-to-branch and routing preference
    hub.allow_branch_to_branch_traffic = True
    hub.hub_routing_preference = "ASPath"
    updated = net.virtual_hubs.begin_create_or_update(rg, "myRouteServer", hub).result()
    assert updated.allow_branch_to_branch_traffic and updated.hub_routing_preference == "ASPath"
    assert updated.virtual_router_ips == ["10.0.1.4", "10.0.1.5"]
    # delete the peer, the ipconfig, the hub: the addresses and the public IP are free again
    net.virtual_hub_bgp_connection.begin_delete(rg, "myRouteServer", "myNVA").result()
    net.virtual_hub_ip_configuration.begin_delete(rg, "myRouteServer", "Default").result()
    assert net.virtual_hubs.get(rg, "myRouteServer").virtual_router_ips == []
    net.virtual_hubs.begin_delete(rg, "myRouteServer").result()
    assert list(net.virtual_hubs.list_by_resource_group(rg)) == []
    net.subnets.begin_delete(rg, "myVirtualNetwork", "RouteServerSubnet").result()


def test_route_server_routes_actions(aznet, network_client, rg):
    net = network_client
    rs_vnet(net, rg)
    make_vnet(net, rg, name="spoke", prefixes=("10.5.0.0/16",), subnets={"default": "10.5.0.0/24"})
    make_vnet(net, rg, name="other", prefixes=("10.6.0.0/16",), subnets={"default": "10.6.0.0/24"})
    pip(net, rg, "RouteServerIP")
    hub_vnet = rid(aznet, rg, "virtualNetworks", "myVirtualNetwork")
    make_route_server(aznet, net, rg)
    # spoke uses the Route Server (useRemoteGateways, the hub side allows transit); "other" is only peered
    for name, use in (("spoke", True), ("other", False)):
        net.virtual_network_peerings.begin_create_or_update(rg, "myVirtualNetwork", f"to-{name}", {"properties": {
            "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", name)},
            "allowGatewayTransit": True}}).result()
        net.virtual_network_peerings.begin_create_or_update(rg, name, "to-hub", {"properties": {
            "remoteVirtualNetwork": {"id": hub_vnet}, "useRemoteGateways": use}}).result()
    net.virtual_hub_bgp_connection.begin_create_or_update(rg, "myRouteServer", "myNVA", {"properties": {
        "peerIp": "10.0.0.4", "peerAsn": 65001}}).result()
    adv = net.virtual_hub_bgp_connections.begin_list_advertised_routes(rg, "myRouteServer", "myNVA").result()
    assert set(adv) == {"RouteServiceRole_IN_0", "RouteServiceRole_IN_1"}
    in0 = adv["RouteServiceRole_IN_0"]
    assert {r.network for r in in0} == {"10.0.0.0/16", "10.5.0.0/16"}
    assert {(r.local_address, r.next_hop, r.as_path, r.origin) for r in in0} == {("10.0.1.4", "10.0.1.4", "65515",
                                                                                   "Igp")}
    assert {r.local_address for r in adv["RouteServiceRole_IN_1"]} == {"10.0.1.5"}
    learned = net.virtual_hub_bgp_connections.begin_list_learned_routes(rg, "myRouteServer", "myNVA").result()
    assert learned == {"RouteServiceRole_IN_0": [], "RouteServiceRole_IN_1": []}


def test_route_exchange_hook_feeds_learned_and_reflected_routes(aznet, network_client, rg):
    """The BGP speaker plugs in through route_exchange.register: its state and learned routes show up
    in connectionState, learnedRoutes, and (reflected, AS path prefixed) in the other peers' advertisements."""
    from aznet.contracts import route_exchange
    from aznet.contracts.route_exchange import LearnedRoute

    net = network_client
    rs_vnet(net, rg)
    pip(net, rg, "RouteServerIP")
    make_route_server(aznet, net, rg)
    a = net.virtual_hub_bgp_connection.begin_create_or_update(rg, "myRouteServer", "nva1", {"properties": {
        "peerIp": "10.0.0.4", "peerAsn": 65001}}).result()
    net.virtual_hub_bgp_connection.begin_create_or_update(rg, "myRouteServer", "nva2", {"properties": {
        "peerIp": "10.0.0.5", "peerAsn": 65002}}).result()

    class Speaker:
        def state(self, connection_id: str) -> str | None:
            return "Connected" if connection_id.lower() == a.id.lower() else None

        def learned(self, connection_id: str) -> dict[int, list[LearnedRoute]] | None:
            if connection_id.lower() != a.id.lower():
                return None
            route = LearnedRoute("192.168.10.0/24", "10.0.0.4", "65001")
            return {0: [route], 1: [route]}

    platform = aznet.platform
    previous = route_exchange.current(platform)   # the running BGP service's exchange, restored after
    route_exchange.register(platform, Speaker())
    try:
        assert net.virtual_hub_bgp_connection.get(rg, "myRouteServer", "nva1").connection_state == "Connected"
        assert net.virtual_hub_bgp_connection.get(rg, "myRouteServer", "nva2").connection_state == "Connecting"
        got = net.virtual_hub_bgp_connections.begin_list_learned_routes(rg, "myRouteServer", "nva1").result()
        assert [(r.network, r.local_address, r.source_peer, r.as_path, r.origin) for r in got["RouteServiceRole_IN_1"]] \
            == [("192.168.10.0/24", "10.0.1.5", "10.0.0.4", "65001", "EBgp")]
        adv = net.virtual_hub_bgp_connections.begin_list_advertised_routes(rg, "myRouteServer", "nva2").result()
        assert ("192.168.10.0/24", "65515-65001") in {(r.network, r.as_path) for r in adv["RouteServiceRole_IN_0"]}
        own = net.virtual_hub_bgp_connections.begin_list_advertised_routes(rg, "myRouteServer", "nva1").result()
        assert "192.168.10.0/24" not in {r.network for r in own["RouteServiceRole_IN_0"]}
    finally:
        route_exchange.register(platform, previous)
    assert net.virtual_hub_bgp_connection.get(rg, "myRouteServer", "nva1").connection_state == "Connecting"


@pytest.mark.parametrize(("subnet", "prefix", "pip_sku", "code"), [
    ("default", None, "Standard", "RouteServerSubnetRequired"),
    ("GatewaySubnet", None, "Standard", "GatewaySubnet"),
    ("RouteServerSubnet", "10.0.1.0/27", "Standard", "RouteServerSubnetTooSmall"),
    ("RouteServerSubnet", None, "Basic", "InvalidOperation"),
    ("RouteServerSubnet", None, None, "InvalidOperation"),
])
def test_ip_configuration_rules(aznet, network_client, rg, request, subnet, prefix, pip_sku, code):
    net = network_client
    rs_vnet(net, rg, rs_prefix=prefix or "10.0.1.0/26")
    if pip_sku == "Basic":
        request.getfixturevalue("allow_retired")
    if pip_sku:
        pip(net, rg, "RouteServerIP", sku=pip_sku)
    net.virtual_hubs.begin_create_or_update(rg, "rs", {"location": "westeurope", "properties": {}}).result()
    cfg: dict[str, Any] = {"subnet": {"id": subnet_id(aznet, rg, "myVirtualNetwork", subnet)}}
    if pip_sku:
        cfg["publicIPAddress"] = {"id": rid(aznet, rg, "publicIPAddresses", "RouteServerIP")}
    assert error_of(net.virtual_hub_ip_configuration.begin_create_or_update, rg, "rs", "Default",
                    {"properties": cfg}) == (400, code)
    assert list(net.virtual_hub_ip_configuration.list(rg, "rs")) == []
    hub = net.virtual_hubs.get(rg, "rs")
    assert hub.virtual_router_ips == [] and hub.routing_state == "None"


def test_one_ip_configuration_and_one_route_server_per_vnet(aznet, network_client, rg):
    net = network_client
    rs_vnet(net, rg)
    pip(net, rg, "RouteServerIP")
    pip(net, rg, "second")
    make_route_server(aznet, net, rg)
    cfg = {"properties": {"subnet": {"id": subnet_id(aznet, rg, "myVirtualNetwork", "RouteServerSubnet")},
                          "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", "second")}}}
    assert error_of(net.virtual_hub_ip_configuration.begin_create_or_update, rg, "myRouteServer", "Other", cfg) == \
        (400, "VirtualHubCanHaveOnlyOneIpConfiguration")
    net.virtual_hubs.begin_create_or_update(rg, "rs2", {"location": "westeurope", "properties": {}}).result()
    assert error_of(net.virtual_hub_ip_configuration.begin_create_or_update, rg, "rs2", "Default", cfg) == \
        (400, "VirtualNetworkAlreadyHasRouteServer")
    cfg["properties"]["publicIPAddress"]["id"] = rid(aznet, rg, "publicIPAddresses", "RouteServerIP")
    rs_vnet(net, rg, name="vnet2", space="10.0.0.0/16")
    cfg["properties"]["subnet"]["id"] = subnet_id(aznet, rg, "vnet2", "RouteServerSubnet")
    assert error_of(net.virtual_hub_ip_configuration.begin_create_or_update, rg, "rs2", "Default", cfg) == \
        (400, "PublicIPAddressInUse")
    assert list(net.virtual_hub_ip_configuration.list(rg, "rs2")) == []


@pytest.mark.parametrize(("props", "code"), [
    ({"peerIp": "10.0.0.4", "peerAsn": 65515}, "BgpAsnReservedByAzure"),
    ({"peerIp": "10.0.0.4", "peerAsn": 65518}, "BgpAsnReservedByAzure"),
    ({"peerIp": "10.0.0.4", "peerAsn": 12076}, "BgpAsnReservedByAzure"),
    ({"peerIp": "10.0.0.4", "peerAsn": 64500}, "BgpAsnReservedByIana"),
    ({"peerIp": "10.0.0.4", "peerAsn": 65540}, "BgpAsnReservedByIana"),
    ({"peerIp": "10.0.0.4", "peerAsn": 0}, "InvalidBgpAsn"),
    ({"peerIp": "10.0.0.4"}, "BgpConnectionPeerAsnRequired"),
    ({"peerAsn": 65001}, "BgpConnectionPeerIpRequired"),
    ({"peerIp": "10.0.0.300", "peerAsn": 65001}, "InvalidBgpPeerIp"),
    ({"peerIp": "fd00::4", "peerAsn": 65001}, "InvalidBgpPeerIp"),
    ({"peerIp": "10.0.1.4", "peerAsn": 65001}, "InvalidBgpPeerIp"),
])
def test_bgp_connection_rules(aznet, network_client, rg, props, code):
    net = network_client
    rs_vnet(net, rg)
    pip(net, rg, "RouteServerIP")
    make_route_server(aznet, net, rg)
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "myRouteServer", "nva",
                    {"properties": props}) == (400, code)
    assert list(net.virtual_hub_bgp_connections.list(rg, "myRouteServer")) == []


def test_bgp_connection_limits(aznet, network_client, rg):
    net = network_client
    rs_vnet(net, rg)
    pip(net, rg, "RouteServerIP")
    net.virtual_hubs.begin_create_or_update(rg, "myRouteServer", {"location": "westeurope",
                                                                  "properties": {"sku": "Standard"}}).result()
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "myRouteServer", "nva0",
                    {"properties": {"peerIp": "10.0.0.4", "peerAsn": 65001}}) == (400, "RouteServerNotProvisioned")
    make_route_server(aznet, net, rg)
    for i in range(8):
        net.virtual_hub_bgp_connection.begin_create_or_update(rg, "myRouteServer", f"nva{i}", {"properties": {
            "peerIp": f"10.0.0.{10 + i}", "peerAsn": 65001 + i}}).result()
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "myRouteServer", "nva8",
                    {"properties": {"peerIp": "10.0.0.30", "peerAsn": 65030}}) == \
        (400, "MaximumBgpConnectionsPerRouteServerReached")
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "myRouteServer", "dup",
                    {"properties": {"peerIp": "10.0.0.10", "peerAsn": 65030}})[1] in (
        "BgpConnectionWithSamePeerIpExists", "MaximumBgpConnectionsPerRouteServerReached")
    net.virtual_hub_bgp_connection.begin_delete(rg, "myRouteServer", "nva7").result()
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "myRouteServer", "dup",
                    {"properties": {"peerIp": "10.0.0.10", "peerAsn": 65030}}) == \
        (400, "BgpConnectionWithSamePeerIpExists")
    # an update of an existing peer does not count against the limit
    net.virtual_hub_bgp_connection.begin_create_or_update(rg, "myRouteServer", "nva0", {"properties": {
        "peerIp": "10.0.0.10", "peerAsn": 65100}}).result()
    assert len(list(net.virtual_hub_bgp_connections.list(rg, "myRouteServer"))) == 7


@pytest.mark.parametrize(("props", "code"), [
    ({"sku": "Basic"}, "RouteServerRequiresStandardSku"),
    ({"virtualRouterAsn": 65001}, "InvalidVirtualRouterAsn"),
    ({"addressPrefix": "10.100.0.0/24"}, "VirtualWanRequiredForVirtualHub"),
    ({"virtualRouterAutoScaleConfiguration": {"minCapacity": 1}}, "InvalidVirtualRouterAutoScaleConfiguration"),
    ({"hubRoutingPreference": "Fastest"}, "InvalidRequestFormat"),
])
def test_route_server_hub_rules(inproc, inproc_group, props, code):
    assert code_of(inproc.call("PUT", inproc.network(inproc_group, "virtualHubs", "rs"),
                               {"location": "westeurope", "properties": props})) == (400, code)
    status, listed = inproc.call("GET", f"{inproc_group}/providers/Microsoft.Network/virtualHubs")
    assert status == 200 and list(listed["value"]) == []
