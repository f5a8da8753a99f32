"""Route tables and routes: one test through the real SDK (every next hop, read back as the SDK's models);
the rules (next hops, service-tag prefixes, conflicts, subnet association, the in-use rule, the region)
through the in-process client, where the SDK adds nothing."""

from __future__ import annotations

import pytest

from aznet.testing.inprocess import InProcessClient

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


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> InProcessClient:  # type: ignore[no-untyped-def]
    return InProcessClient.fresh(tmp_path_factory.mktemp("routes"))


@pytest.fixture
def group(client, request) -> str:  # type: ignore[no-untyped-def]
    return client.group(f"rt-{abs(hash(request.node.name)) % 10**8}")


def put_table(client, group, name="rt", routes=None, location=LOC, **props):  # type: ignore[no-untyped-def]
    return client.call("PUT", client.network(group, "routeTables", name), {"location": location, "properties": {
        "routes": [{"name": n, "properties": p} for n, p in (routes or {}).items()], **props}})


def code_of(answer) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    status, body = answer
    return status, (body or {}).get("error", {}).get("code", "")


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
def test_route_rules(client, group, props, code):
    assert put_table(client, group)[0] == 201
    rt = client.network(group, "routeTables", "rt")
    assert code_of(client.call("PUT", f"{rt}/routes/r", {"properties": props})) == (400, code)
    status, listed = client.call("GET", f"{rt}/routes")
    assert status == 200 and listed["value"] == []


def test_routes_may_not_share_a_prefix(client, group):
    assert put_table(client, group, routes={"a": {"addressPrefix": "10.1.0.0/16", "nextHopType": "None"}})[0] == 201
    rt = client.network(group, "routeTables", "rt")
    assert code_of(client.call("PUT", f"{rt}/routes/b", {"properties": {
        "addressPrefix": "10.1.0.0/16", "nextHopType": "Internet"}})) == (400, "RouteConflict")
    assert code_of(put_table(client, group, "rt2", routes={
        "a": {"addressPrefix": "10.1.0.0/16", "nextHopType": "None"},
        "b": {"addressPrefix": "10.1.0.0/16", "nextHopType": "Internet"}})) == (400, "RouteConflict")
    assert client.call("GET", client.network(group, "routeTables", "rt2"))[0] == 404


def test_subnet_association_and_in_use(client, group):
    assert put_table(client, group, routes={"a": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                                  "nextHopIpAddress": "10.0.2.4"}})[0] == 201
    rt = client.network(group, "routeTables", "rt")
    vnet = client.network(group, "virtualNetworks", "vnet")
    status, v = client.call("PUT", vnet, vnet_body(subnets={"s": {"addressPrefix": "10.0.0.0/24",
                                                                  "routeTable": {"id": rt}}}))
    assert status == 201, v
    subnet = v["properties"]["subnets"][0]
    assert subnet["properties"]["routeTable"]["id"].lower() == rt.lower()
    assert [s["id"].lower() for s in client.call("GET", rt)[1]["properties"]["subnets"]] == [subnet["id"].lower()]
    assert code_of(client.call("DELETE", rt)) == (400, "InUseRouteTableCannotBeDeleted")
    assert client.call("PUT", f"{vnet}/subnets/s", {"properties": {"addressPrefix": "10.0.0.0/24"}})[0] == 200
    assert "subnets" not in client.call("GET", rt)[1]["properties"]
    assert client.call("DELETE", rt)[0] == 202


def test_route_table_must_be_in_the_vnet_region(client, group):
    assert put_table(client, group, location="eastus")[0] == 201
    vnet = client.network(group, "virtualNetworks", "vnet")
    assert client.call("PUT", vnet, vnet_body())[0] == 201
    assert code_of(client.call("PUT", f"{vnet}/subnets/s", {"properties": {
        "addressPrefix": "10.0.0.0/24", "routeTable": {"id": client.network(group, "routeTables", "rt")}}})) == \
        (400, "InvalidResourceReference")
    assert client.call("GET", f"{vnet}/subnets")[1]["value"] == []


def test_bad_table_field(client, group):
    assert code_of(put_table(client, group, disableBgpRoutePropagation="sometimes")) == (400, "InvalidRequestFormat")
