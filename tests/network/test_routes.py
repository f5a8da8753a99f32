"""Route tables and routes: one test through the real SDK (every next hop, read back as the SDK's models);
the rules (next hops, service-tag prefixes, conflicts, subnet association, the in-use rule, the region)
through the in-process client, where the SDK adds nothing."""

from __future__ import annotations

import pytest

from .inprocess_support import code_of
from .vnet_support import LOC, vnet_body


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


def put_table(inproc, inproc_group, name="rt", routes=None, location=LOC, **props):  # type: ignore[no-untyped-def]
    return inproc.call("PUT", inproc.network(inproc_group, "routeTables", name), {"location": location, "properties": {
        "routes": [{"name": n, "properties": p} for n, p in (routes or {}).items()], **props}})


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
def test_route_rules(inproc, inproc_group, props, code):
    assert put_table(inproc, inproc_group)[0] == 201
    rt = inproc.network(inproc_group, "routeTables", "rt")
    assert code_of(inproc.call("PUT", f"{rt}/routes/r", {"properties": props})) == (400, code)
    status, listed = inproc.call("GET", f"{rt}/routes")
    assert status == 200 and listed["value"] == []


def test_routes_may_not_share_a_prefix(inproc, inproc_group):
    assert put_table(inproc, inproc_group, routes={"a": {"addressPrefix": "10.1.0.0/16", "nextHopType": "None"}})[0] == 201
    rt = inproc.network(inproc_group, "routeTables", "rt")
    assert code_of(inproc.call("PUT", f"{rt}/routes/b", {"properties": {
        "addressPrefix": "10.1.0.0/16", "nextHopType": "Internet"}})) == (400, "RouteConflict")
    assert code_of(put_table(inproc, inproc_group, "rt2", routes={
        "a": {"addressPrefix": "10.1.0.0/16", "nextHopType": "None"},
        "b": {"addressPrefix": "10.1.0.0/16", "nextHopType": "Internet"}})) == (400, "RouteConflict")
    assert inproc.call("GET", inproc.network(inproc_group, "routeTables", "rt2"))[0] == 404


def test_subnet_association_and_in_use(inproc, inproc_group):
    assert put_table(inproc, inproc_group, routes={"a": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                                  "nextHopIpAddress": "10.0.2.4"}})[0] == 201
    rt = inproc.network(inproc_group, "routeTables", "rt")
    vnet = inproc.network(inproc_group, "virtualNetworks", "vnet")
    status, v = inproc.call("PUT", vnet, vnet_body(subnets={"s": {"addressPrefix": "10.0.0.0/24",
                                                                  "routeTable": {"id": rt}}}))
    assert status == 201, v
    subnet = v["properties"]["subnets"][0]
    assert subnet["properties"]["routeTable"]["id"].lower() == rt.lower()
    assert [s["id"].lower() for s in inproc.call("GET", rt)[1]["properties"]["subnets"]] == [subnet["id"].lower()]
    assert code_of(inproc.call("DELETE", rt)) == (400, "InUseRouteTableCannotBeDeleted")
    assert inproc.call("PUT", f"{vnet}/subnets/s", {"properties": {"addressPrefix": "10.0.0.0/24"}})[0] == 200
    assert "subnets" not in inproc.call("GET", rt)[1]["properties"]
    assert inproc.call("DELETE", rt)[0] == 202


def test_route_table_must_be_in_the_vnet_region(inproc, inproc_group):
    assert put_table(inproc, inproc_group, location="eastus")[0] == 201
    vnet = inproc.network(inproc_group, "virtualNetworks", "vnet")
    assert inproc.call("PUT", vnet, vnet_body())[0] == 201
    assert code_of(inproc.call("PUT", f"{vnet}/subnets/s", {"properties": {
        "addressPrefix": "10.0.0.0/24", "routeTable": {"id": inproc.network(inproc_group, "routeTables", "rt")}}})) == \
        (400, "InvalidResourceReference")
    assert inproc.call("GET", f"{vnet}/subnets")[1]["value"] == []


def test_bad_table_field(inproc, inproc_group):
    assert code_of(put_table(inproc, inproc_group, disableBgpRoutePropagation="sometimes")) == (400, "InvalidRequestFormat")
