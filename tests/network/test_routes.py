"""Route tables and routes through the real SDK: next-hop rules, service-tag
prefixes, conflicts, subnet association and the in-use rule."""

from __future__ import annotations

import pytest

from .vnet_support import LOC, error_of, put_vnet, rid


def table(net, rg, name="rt", routes=None, location=LOC, **props):  # type: ignore[no-untyped-def]
    body = {"location": location, "properties": {
        "routes": [{"name": n, "properties": p} for n, p in (routes or {}).items()], **props}}
    return net.route_tables.begin_create_or_update(rg, name, body).result()


def route(net, rg, name, props, rt="rt"):  # type: ignore[no-untyped-def]
    return net.routes.begin_create_or_update(rg, rt, name, {"properties": props}).result()


def test_route_table_with_every_next_hop(network_client, rg):
    t = table(network_client, rg, routes={
        "to-nva": {"addressPrefix": "10.0.1.0/24", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.2.4"},
        "local": {"addressPrefix": "10.0.0.0/16", "nextHopType": "VnetLocal"},
        "inet": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"},
        "gw": {"addressPrefix": "192.168.0.0/16", "nextHopType": "VirtualNetworkGateway"},
        "drop": {"addressPrefix": "172.16.0.0/12", "nextHopType": "None"},
        "storage": {"addressPrefix": "Storage.WestEurope", "nextHopType": "Internet"}},
        disableBgpRoutePropagation=True)
    assert t.disable_bgp_route_propagation is True and t.resource_guid
    got = {r.name: r for r in t.routes}
    assert got["to-nva"].next_hop_ip_address == "10.0.2.4" and got["local"].next_hop_ip_address is None
    assert got["storage"].address_prefix == "Storage.WestEurope"
    assert got["drop"].type == "Microsoft.Network/routeTables/routes"
    assert route(network_client, rg, "child", {"addressPrefix": "10.9.0.0/16",
                                               "nextHopType": "internet"}).next_hop_type == "Internet"
    assert len(list(network_client.routes.list(rg, "rt"))) == 7


@pytest.mark.parametrize("props,code", [
    ({"addressPrefix": "10.1.0.0/16", "nextHopType": "VirtualAppliance"}, "InvalidNextHopIpAddress"),
    ({"addressPrefix": "10.1.0.0/16", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0"},
     "InvalidNextHopIpAddress"),
    ({"addressPrefix": "10.1.0.0/16", "nextHopType": "Internet", "nextHopIpAddress": "10.0.2.4"},
     "InvalidNextHopIpAddress"),
    ({"addressPrefix": "10.1.0.0/16", "nextHopType": "Teleport"}, "InvalidRequestFormat"),
    ({"addressPrefix": "10.1.0.0/16"}, "InvalidRequestFormat"),
    ({"addressPrefix": "10.1.0.1/16", "nextHopType": "Internet"}, "InvalidCIDRNotation"),
    ({"addressPrefix": "NoSuchTag", "nextHopType": "Internet"}, "InvalidAddressPrefixFormat"),
    ({"nextHopType": "Internet"}, "InvalidAddressPrefixFormat"),
])
def test_route_rules(network_client, rg, props, code):
    table(network_client, rg)
    assert error_of(route, network_client, rg, "r", props) == (400, code)
    assert list(network_client.routes.list(rg, "rt")) == []


def test_routes_may_not_share_a_prefix(network_client, rg):
    table(network_client, rg, routes={"a": {"addressPrefix": "10.1.0.0/16", "nextHopType": "None"}})
    assert error_of(route, network_client, rg, "b", {"addressPrefix": "10.1.0.0/16", "nextHopType": "Internet"}) == \
        (400, "RouteConflict")
    assert error_of(table, network_client, rg, "rt2", routes={
        "a": {"addressPrefix": "10.1.0.0/16", "nextHopType": "None"},
        "b": {"addressPrefix": "10.1.0.0/16", "nextHopType": "Internet"}}) == (400, "RouteConflict")
    assert error_of(network_client.route_tables.get, rg, "rt2")[0] == 404


def test_subnet_association_and_in_use(aznet, network_client, rg):
    table(network_client, rg, routes={"a": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                            "nextHopIpAddress": "10.0.2.4"}})
    rt = {"id": rid(aznet, rg, "routeTables", "rt")}
    v = put_vnet(network_client, rg, subnets={"s": {"addressPrefix": "10.0.0.0/24", "routeTable": rt}})
    assert v.subnets[0].route_table.id.lower() == rt["id"].lower()
    assert [s.id.lower() for s in network_client.route_tables.get(rg, "rt").subnets] == [v.subnets[0].id.lower()]
    assert error_of(network_client.route_tables.begin_delete, rg, "rt") == (400, "InUseRouteTableCannotBeDeleted")
    network_client.subnets.begin_create_or_update(rg, "vnet", "s", {"properties": {"addressPrefix": "10.0.0.0/24"}}
                                                  ).result()
    assert network_client.route_tables.get(rg, "rt").subnets is None
    network_client.route_tables.begin_delete(rg, "rt").result()


def test_route_table_must_be_in_the_vnet_region(aznet, network_client, rg):
    table(network_client, rg, location="eastus")
    put_vnet(network_client, rg, subnets={})
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "s", {"properties": {
        "addressPrefix": "10.0.0.0/24", "routeTable": {"id": rid(aznet, rg, "routeTables", "rt")}}}) == \
        (400, "InvalidResourceReference")
    assert list(network_client.subnets.list(rg, "vnet")) == []


def test_bad_table_field(network_client, rg):
    assert error_of(table, network_client, rg, disableBgpRoutePropagation="sometimes") == \
        (400, "InvalidRequestFormat")
