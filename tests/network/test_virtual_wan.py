"""Virtual WAN through the real SDK: virtual WANs, hubs, hub route tables, hub VNet connections with
their routing configuration, routing intent with a hub firewall, and the hubs' effective routes as
Azure's "About virtual hub routing" defines them. Each refusal leaves nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from .nic_support import LOC, error_of, make_vnet, rid
from .vwan_support import connect, make_hub, make_wan, routes_of, spoke, table_id


def effective(net: Any, rg: str, hub: str, resource: str | None = None, kind: str | None = None) -> Any:
    params = {"resourceId": resource, "virtualWanResourceType": kind} if resource else None
    return net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, hub, params).result()



def hub_with_two_spokes(aznet, net, rg):  # type: ignore[no-untyped-def]
    """A virtual WAN with hub1 and the spokes VNet1 (10.1.0.0/16) and VNet2 (10.2.0.0/16) connected to it:
    the two hub connections (conn1, conn2)."""
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    spoke(net, rg, "VNet1", 1)
    spoke(net, rg, "VNet2", 2)
    return (connect(aznet, net, rg, "hub1", "conn1", "VNet1"), connect(aznet, net, rg, "hub1", "conn2", "VNet2"))


def test_wan_and_hub(aznet, network_client, rg):
    net = network_client
    wan = make_wan(net, rg, kind="Basic")
    assert wan.properties.type == "Basic" and wan.allow_branch_to_branch_traffic is True and wan.disable_vpn_encryption is False
    hub = make_hub(aznet, net, rg)
    assert hub.sku == "Basic" and hub.address_prefix == "10.100.0.0/24" and hub.kind in (None, "")
    assert hub.virtual_router_asn == 65515 and hub.virtual_router_ips == ["10.100.0.68", "10.100.0.69"]
    assert hub.routing_state == "Provisioned" and hub.hub_routing_preference == "ExpressRoute"
    tables = {t.name: t.labels for t in net.hub_route_tables.list(rg, "hub1")}
    assert tables == {"defaultRouteTable": ["default"], "noneRouteTable": ["none"]}
    assert [h.id.rsplit("/", 1)[-1] for h in net.virtual_wans.get(rg, "myVirtualWan").virtual_hubs] == ["hub1"]
    # upgrade Basic -> Standard works (the hub follows), the way back does not
    make_wan(net, rg, kind="Standard")
    assert net.virtual_hubs.get(rg, "hub1").sku == "Standard"
    assert error_of(net.virtual_wans.begin_create_or_update, rg, "myVirtualWan",
                    {"location": LOC, "properties": {"type": "Basic"}}) == (400, "VirtualWanCannotBeDowngraded")
    assert error_of(net.virtual_wans.begin_delete, rg, "myVirtualWan") == (400, "InUseVirtualWanCannotBeDeleted")
    assert error_of(net.hub_route_tables.begin_delete, rg, "hub1", "defaultRouteTable") == \
        (400, "BuiltInRouteTableCannotBeDeleted")
    # a second hub in the same region is fine (Azure allows several per region); overlapping is not
    make_hub(aznet, net, rg, name="hub2", prefix="10.101.0.0/23")
    assert error_of(net.virtual_hubs.begin_create_or_update, rg, "hub3", {"location": LOC, "properties": {
        "virtualWan": {"id": rid(aznet, rg, "virtualWans", "myVirtualWan")}, "addressPrefix": "10.101.1.0/24"}}) == \
        (400, "VirtualHubAddressPrefixOverlaps")
    net.virtual_hubs.begin_delete(rg, "hub2").result()
    net.virtual_hubs.begin_delete(rg, "hub1").result()
    net.virtual_wans.begin_delete(rg, "myVirtualWan").result()
    assert list(net.virtual_wans.list_by_resource_group(rg)) == []


@pytest.mark.parametrize(("props", "code"), [
    ({"addressPrefix": "10.100.0.0/25"}, "VirtualHubAddressPrefixTooSmall"),
    ({"addressPrefix": None}, "VirtualHubAddressPrefixRequired"),
    ({"addressPrefix": "10.100.0.1/24"}, "InvalidCIDRNotation"),
    ({"addressPrefix": "10.100.0.0"}, "InvalidAddressPrefixFormat"),
    ({"sku": "Basic"}, "VirtualHubSkuMustMatchVirtualWanType"),
    ({"virtualWan": "missing"}, "InvalidResourceReference"),
])
def test_hub_rules(aznet, network_client, rg, props, code):
    net = network_client
    make_wan(net, rg)
    body: dict[str, Any] = {"virtualWan": {"id": rid(aznet, rg, "virtualWans", "myVirtualWan")},
                            "addressPrefix": "10.100.0.0/24"}
    for k, v in props.items():
        if k == "virtualWan":
            body[k] = {"id": rid(aznet, rg, "virtualWans", v)}
        elif v is None:
            body.pop(k)
        else:
            body[k] = v
    assert error_of(net.virtual_hubs.begin_create_or_update, rg, "hub1", {"location": LOC, "properties": body}) == \
        (400, code)
    assert list(net.virtual_hubs.list_by_resource_group(rg)) == []


def test_hub_prefix_is_fixed(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    assert error_of(make_hub, aznet, net, rg, prefix="10.100.0.0/23") == (400, "VirtualHubAddressPrefixCannotBeChanged")
    assert net.virtual_hubs.get(rg, "hub1").address_prefix == "10.100.0.0/24"


def test_vnet_connections_and_default_routing(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    spoke(net, rg, "VNet1", 1)
    spoke(net, rg, "VNet2", 2)
    c1 = connect(aznet, net, rg, "hub1", "conn1", "VNet1")
    assert c1.enable_internet_security is True and c1.allow_hub_to_remote_vnet_transit is True
    rc = c1.routing_configuration
    assert rc.associated_route_table.id.endswith("/hubRouteTables/defaultRouteTable")
    assert rc.propagated_route_tables.labels == ["default"]
    assert [i.id.rsplit("/", 1)[-1] for i in rc.propagated_route_tables.ids] == ["defaultRouteTable"]
    connect(aznet, net, rg, "hub1", "conn2", "VNet2")
    default = net.hub_route_tables.get(rg, "hub1", "defaultRouteTable")
    assert sorted(c.rsplit("/", 1)[-1] for c in default.associated_connections) == ["conn1", "conn2"]
    assert sorted(c.rsplit("/", 1)[-1] for c in default.propagating_connections) == ["conn1", "conn2"]
    got = routes_of(effective(net, rg, "hub1"))
    assert got == {"10.1.0.0/16": ("Virtual Network Connection", "conn1", ""),
                   "10.2.0.0/16": ("Virtual Network Connection", "conn2", "")}
    conn1 = net.hub_virtual_network_connections.get(rg, "hub1", "conn1").id
    got = routes_of(effective(net, rg, "hub1", conn1, "HubVirtualNetworkConnection"))
    assert got == {"10.2.0.0/16": ("Virtual Network Connection", "conn2", "")}
    raw = effective(net, rg, "hub1", table_id(aznet, rg, "hub1", "noneRouteTable"), "RouteTable")
    assert raw.value == []
    assert error_of(net.virtual_hubs.begin_get_effective_virtual_hub_routes, rg, "hub1",
                    {"resourceId": conn1, "virtualWanResourceType": "RouteTable"}) == \
        (400, "InvalidEffectiveRoutesResource")
    assert error_of(net.virtual_hubs.begin_get_effective_virtual_hub_routes, rg, "hub1",
                    {"resource_id": conn1}) == (400, "InvalidRequestFormat")
    # the VNet cannot join a second hub, nor the hub be deleted under its connections
    assert error_of(connect, aznet, net, rg, "hub1", "again", "VNet1") == (400, "VirtualNetworkAlreadyConnectedToVirtualHub")
    assert error_of(net.virtual_hubs.begin_delete, rg, "hub1") == (400, "InUseVirtualHubCannotBeDeleted")
    net.hub_virtual_network_connections.begin_delete(rg, "hub1", "conn2").result()
    assert routes_of(effective(net, rg, "hub1", conn1, "HubVirtualNetworkConnection")) == {}


def test_custom_route_tables_isolate_vnets(aznet, network_client, rg):
    """Azure's "isolating VNets" scenario: VNets associate with RT_VNet and propagate only to the
    default table (which the branches use): they no longer learn each other."""
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    spoke(net, rg, "VNet1", 1)
    spoke(net, rg, "VNet2", 2)
    net.hub_route_tables.begin_create_or_update(rg, "hub1", "RT_VNet", {"properties": {"labels": ["vnet"]}}).result()
    iso = {"associatedRouteTable": {"id": table_id(aznet, rg, "hub1", "RT_VNet")},
           "propagatedRouteTables": {"labels": ["default"], "ids": [{"id": table_id(aznet, rg, "hub1",
                                                                                   "defaultRouteTable")}]}}
    for n, v in (("conn1", "VNet1"), ("conn2", "VNet2")):
        connect(aznet, net, rg, "hub1", n, v, routingConfiguration=iso)
    conn1 = net.hub_virtual_network_connections.get(rg, "hub1", "conn1").id
    assert routes_of(effective(net, rg, "hub1", conn1, "HubVirtualNetworkConnection")) == {}
    assert set(routes_of(effective(net, rg, "hub1"))) == {"10.1.0.0/16", "10.2.0.0/16"}
    rt = net.hub_route_tables.get(rg, "hub1", "RT_VNet")
    assert sorted(c.rsplit("/", 1)[-1] for c in rt.associated_connections) == ["conn1", "conn2"]
    assert rt.propagating_connections == []
    assert error_of(net.hub_route_tables.begin_delete, rg, "hub1", "RT_VNet") == \
        (400, "InUseHubRouteTableCannotBeDeleted")
    # a static route in RT_VNet sends 10.2.0.0/16 to conn2 explicitly (static wins over learned)
    net.hub_route_tables.begin_create_or_update(rg, "hub1", "RT_VNet", {"properties": {"labels": ["vnet"], "routes": [
        {"name": "toVNet2", "destinationType": "CIDR", "destinations": ["10.2.0.0/16"], "nextHopType": "ResourceId",
         "nextHop": net.hub_virtual_network_connections.get(rg, "hub1", "conn2").id}]}}).result()
    got = routes_of(effective(net, rg, "hub1", conn1, "HubVirtualNetworkConnection"))
    assert got == {"10.2.0.0/16": ("Virtual Network Connection", "conn2", "")}


def test_labels_and_remote_hubs(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    make_hub(aznet, net, rg, name="hub2", prefix="10.101.0.0/24")
    spoke(net, rg, "VNet1", 1)
    spoke(net, rg, "VNet2", 2)
    connect(aznet, net, rg, "hub1", "conn1", "VNet1")
    connect(aznet, net, rg, "hub2", "conn2", "VNet2")
    got = routes_of(effective(net, rg, "hub1"))
    assert got["10.2.0.0/16"] == ("Remote Hub", "hub2", "65520-65520")
    assert got["10.1.0.0/16"] == ("Virtual Network Connection", "conn1", "")
    # propagating to no label (and the None table) keeps VNet2 out of hub1
    connect(aznet, net, rg, "hub2", "conn2", "VNet2", routingConfiguration={"propagatedRouteTables": {
        "labels": ["none"], "ids": [{"id": table_id(aznet, rg, "hub2", "noneRouteTable")}]}})
    assert "10.2.0.0/16" not in routes_of(effective(net, rg, "hub1"))


def test_basic_wan_has_no_vnet_to_vnet_transit(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg, kind="Basic")
    make_hub(aznet, net, rg)
    spoke(net, rg, "VNet1", 1)
    spoke(net, rg, "VNet2", 2)
    connect(aznet, net, rg, "hub1", "conn1", "VNet1")
    connect(aznet, net, rg, "hub1", "conn2", "VNet2")
    conn1 = net.hub_virtual_network_connections.get(rg, "hub1", "conn1").id
    assert routes_of(effective(net, rg, "hub1", conn1, "HubVirtualNetworkConnection")) == {}
    assert error_of(net.hub_route_tables.begin_create_or_update, rg, "hub1", "RT_VNet",
                    {"properties": {"labels": ["vnet"]}}) == (400, "CustomRouteTablesNotSupportedOnBasicVirtualWan")


def test_connection_rules(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    make_wan(net, rg, name="otherWan")
    make_hub(aznet, net, rg, name="otherHub", wan="otherWan", prefix="10.200.0.0/24")
    make_vnet(net, rg, name="overlap", prefixes=("10.100.0.0/16",), subnets={"default": "10.100.8.0/24"})
    spoke(net, rg, "VNet1", 1)
    make_vnet(net, rg, name="twin", prefixes=("10.1.0.0/24",), subnets={"default": "10.1.0.0/24"})
    assert error_of(connect, aznet, net, rg, "hub1", "c", "overlap") == \
        (400, "VirtualNetworkAddressSpaceOverlapsWithVirtualHub")
    connect(aznet, net, rg, "hub1", "conn1", "VNet1")
    assert error_of(connect, aznet, net, rg, "hub1", "c", "twin") == \
        (400, "VirtualNetworkAddressSpaceOverlapsWithConnectedVirtualNetwork")
    spoke(net, rg, "VNet2", 2)
    bad_routes: list[tuple[dict[str, Any], str]] = [
        ({"associatedRouteTable": {"id": table_id(aznet, rg, "otherHub", "defaultRouteTable")}},
         "AssociatedRouteTableNotInVirtualHub"),
        ({"propagatedRouteTables": {"ids": [{"id": table_id(aznet, rg, "otherHub", "defaultRouteTable")}]}},
         "PropagatedRouteTableNotInVirtualWan"),
        ({"associatedRouteTable": {"id": table_id(aznet, rg, "hub1", "missing")}}, "InvalidResourceReference"),
        ({"vnetRoutes": {"staticRoutes": [{"name": "nva", "addressPrefixes": ["0.0.0.0/0"],
                                           "nextHopIpAddress": "10.9.0.4"}]}}, "StaticRouteNextHopNotInVirtualNetwork"),
        ({"vnetRoutes": {"staticRoutes": [{"name": "nva", "addressPrefixes": ["bad"],
                                           "nextHopIpAddress": "10.2.0.4"}]}}, "InvalidAddressPrefixFormat"),
    ]
    for cfg, code in bad_routes:
        assert error_of(connect, aznet, net, rg, "hub1", "conn2", "VNet2", routingConfiguration=cfg) == (400, code)
    assert [c.name for c in net.hub_virtual_network_connections.list(rg, "hub1")] == ["conn1"]
    # static vnetRoutes: the NVA's prefixes propagate with the connection
    conn = connect(aznet, net, rg, "hub1", "conn2", "VNet2", routingConfiguration={"vnetRoutes": {"staticRoutes": [
        {"name": "nva", "addressPrefixes": ["192.168.50.0/24"], "nextHopIpAddress": "10.2.0.4"}]}})
    assert conn.routing_configuration.vnet_routes.static_routes[0].next_hop_ip_address == "10.2.0.4"
    got = routes_of(effective(net, rg, "hub1"))
    assert got["192.168.50.0/24"] == ("Virtual Network Connection", "conn2", "")


def test_routing_intent_with_hub_firewall(aznet, network_client, rg):
    net = network_client
    hub_with_two_spokes(aznet, net, rg)
    hub_id = rid(aznet, rg, "virtualHubs", "hub1")
    fw = net.azure_firewalls.begin_create_or_update(rg, "hubfw", {"location": LOC, "properties": {
        "sku": {"name": "AZFW_Hub", "tier": "Standard"}, "virtualHub": {"id": hub_id},
        "hubIPAddresses": {"publicIPs": {"count": 1}}}}).result()
    assert fw.hub_ip_addresses.private_ip_address == "10.100.0.132"
    assert net.virtual_hubs.get(rg, "hub1").azure_firewall.id == fw.id
    policies = [{"name": "PrivateTrafficPolicy", "destinations": ["PrivateTraffic"], "nextHop": fw.id},
                {"name": "InternetTrafficPolicy", "destinations": ["Internet"], "nextHop": fw.id}]
    bad = [({"routingPolicies": [{**policies[0]}, {**policies[0], "name": "again"}]},
            "DuplicateRoutingPolicyDestination"),
           ({"routingPolicies": [{**policies[0], "destinations": ["Everything"]}]}, "InvalidRoutingPolicyDestination"),
           ({"routingPolicies": [{**policies[0], "nextHop": rid(aznet, rg, "azureFirewalls", "nope")}]},
            "InvalidResourceReference")]
    for body, code in bad:
        assert error_of(net.routing_intent.begin_create_or_update, rg, "hub1", "intent", {"properties": body}) == \
            (400, code)
    intent = net.routing_intent.begin_create_or_update(rg, "hub1", "intent", {"properties": {
        "routingPolicies": policies}}).result()
    assert [p.destinations for p in intent.routing_policies] == [["PrivateTraffic"], ["Internet"]]
    default = net.hub_route_tables.get(rg, "hub1", "defaultRouteTable")
    assert {r.name: r.destinations for r in default.routes} == {
        "_policy_PrivateTraffic": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
        "_policy_PublicTraffic": ["0.0.0.0/0"]}
    assert default.propagating_connections == []
    got = routes_of(effective(net, rg, "hub1"))
    assert got == {p: ("Azure Firewall", "hubfw", "") for p in
                   ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "0.0.0.0/0")}
    conn1 = net.hub_virtual_network_connections.get(rg, "hub1", "conn1").id
    assert set(routes_of(effective(net, rg, "hub1", conn1, "HubVirtualNetworkConnection"))) == {
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "0.0.0.0/0"}
    assert error_of(net.hub_route_tables.begin_create_or_update, rg, "hub1", "RT_VNet",
                    {"properties": {"labels": ["vnet"]}}) == (400, "CustomRouteTablesNotSupportedWithRoutingIntent")
    assert error_of(net.routing_intent.begin_create_or_update, rg, "hub1", "second", {"properties": {
        "routingPolicies": policies[:1]}}) == (400, "VirtualHubCanHaveOnlyOneRoutingIntent")
    net.routing_intent.begin_delete(rg, "hub1", "intent").result()
    assert set(routes_of(effective(net, rg, "hub1"))) == {"10.1.0.0/16", "10.2.0.0/16"}


def test_vwan_hub_bgp_connection(aznet, network_client, rg):
    net = network_client
    c1, _ = hub_with_two_spokes(aznet, net, rg)
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "hub1", "nva", {"properties": {
        "peerIp": "10.1.0.10", "peerAsn": 65010}}) == (400, "HubVirtualNetworkConnectionRequired")
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "hub1", "nva", {"properties": {
        "peerIp": "10.2.0.10", "peerAsn": 65010, "hubVirtualNetworkConnection": {"id": c1.id}}}) == \
        (400, "BgpPeerIpNotInConnectedVirtualNetwork")
    # the hub router speaks 16-bit ASNs only
    assert error_of(net.virtual_hub_bgp_connection.begin_create_or_update, rg, "hub1", "nva", {"properties": {
        "peerIp": "10.1.0.10", "peerAsn": 4200000001, "hubVirtualNetworkConnection": {"id": c1.id}}}) == \
        (400, "InvalidBgpAsn")
    conn = net.virtual_hub_bgp_connection.begin_create_or_update(rg, "hub1", "nva", {"properties": {
        "peerIp": "10.1.0.10", "peerAsn": 65010, "hubVirtualNetworkConnection": {"id": c1.id}}}).result()
    assert conn.hub_virtual_network_connection.id == c1.id and conn.connection_state == "Connecting"
    # what the hub announces (no NVA runs at 10.1.0.10: from the configuration): its prefix and the other spoke
    adv = net.virtual_hub_bgp_connections.begin_list_advertised_routes(rg, "hub1", "nva").result()
    assert {(r.network, r.as_path) for r in adv["RouteServiceRole_IN_0"]} == {("10.100.0.0/24", "65515"),
                                                                               ("10.2.0.0/16", "65515")}
    assert {r.local_address for r in adv["RouteServiceRole_IN_1"]} == {"10.100.0.69"}


def test_inbound_and_outbound_routes(aznet, network_client, rg):
    net = network_client
    c1, _ = hub_with_two_spokes(aznet, net, rg)
    inbound = net.virtual_hubs.begin_get_inbound_routes(rg, "hub1", {
        "resourceUri": c1.id, "connectionType": "HubVirtualNetworkConnection"}).result()
    assert [r.prefix for r in inbound.value] == ["10.1.0.0/16"]
    outbound = net.virtual_hubs.begin_get_outbound_routes(rg, "hub1", {
        "resourceUri": c1.id, "connectionType": "HubVirtualNetworkConnection"}).result()
    assert [(r.prefix, r.as_path) for r in outbound.value] == [("10.2.0.0/16", "65515")]
    assert error_of(net.virtual_hubs.begin_get_inbound_routes, rg, "hub1", {
        "resourceUri": c1.id, "connectionType": "VpnConnection"}) == (400, "InvalidEffectiveRoutesResource")
    assert error_of(net.virtual_hubs.begin_get_outbound_routes, rg, "hub1", {
        "resourceUri": c1.id, "connectionType": "Carrier pigeon"}) == (400, "InvalidConnectionType")


def test_pre_existing_v2_route_tables(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    body = {"properties": {"routes": [{"destinationType": "CIDR", "destinations": ["10.60.0.0/16"],
                                       "nextHopType": "IPAddress", "nextHops": ["10.1.0.4"]}],
                           "attachedConnections": ["All_Vnets"]}}
    rt = net.virtual_hub_route_table_v2_s.begin_create_or_update(rg, "hub1", "rtv2", body).result()
    assert rt.attached_connections == ["All_Vnets"] and rt.routes[0].next_hops == ["10.1.0.4"]
    assert error_of(net.virtual_hub_route_table_v2_s.begin_create_or_update, rg, "hub1", "other", body) == \
        (400, "ConnectionsAlreadyAttachedToRouteTable")
    body["properties"]["routes"][0]["nextHops"] = ["not-an-ip"]
    assert error_of(net.virtual_hub_route_table_v2_s.begin_create_or_update, rg, "hub1", "rtv2", body) == \
        (400, "InvalidHubRouteNextHop")
    body["properties"]["routes"][0]["nextHops"] = ["10.1.0.4"]
    body["properties"]["attachedConnections"] = ["All_Everything"]
    assert error_of(net.virtual_hub_route_table_v2_s.begin_create_or_update, rg, "hub1", "rtv2", body) == \
        (400, "InvalidAttachedConnections")
    assert [t.name for t in net.virtual_hub_route_table_v2_s.list(rg, "hub1")] == ["rtv2"]
