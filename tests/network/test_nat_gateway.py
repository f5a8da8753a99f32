"""NAT gateways through the real SDK, following the "NAT gateway" quickstart:
a Standard public IP, a NAT gateway, a subnet that uses it; then the rules."""

from __future__ import annotations

import pytest

from .inprocess_support import code_of
from .nic_support import LOC, error_of, make_vnet, rid


def pip(net, rg, name, sku="Standard", **props):  # type: ignore[no-untyped-def]
    method = "Static" if sku == "Standard" else "Dynamic"
    return net.public_ip_addresses.begin_create_or_update(
        rg, name, {"location": LOC, "sku": {"name": sku},
                   "properties": {"publicIPAllocationMethod": method, **props}}).result()


def natgw(net, rg, name, **props):  # type: ignore[no-untyped-def]
    return net.nat_gateways.begin_create_or_update(
        rg, name, {"location": LOC, "sku": {"name": "Standard"}, "properties": props}).result()


def test_quickstart(aznet, network_client, rg):
    pip(network_client, rg, "myNATgatewayIP")
    pip_id = rid(aznet, rg, "publicIPAddresses", "myNATgatewayIP")
    gw = natgw(network_client, rg, "myNATgateway", publicIpAddresses=[{"id": pip_id}], idleTimeoutInMinutes=10)
    assert gw.idle_timeout_in_minutes == 10 and gw.sku.name == "Standard" and gw.resource_guid
    gw_id = rid(aznet, rg, "natGateways", "myNATgateway")
    make_vnet(network_client, rg, name="myVNet", subnets={"mySubnet": {"addressPrefix": "10.0.0.0/24",
                                                                       "natGateway": {"id": gw_id}}})
    got = network_client.nat_gateways.get(rg, "myNATgateway")
    assert [s.id.lower() for s in got.subnets] == \
        [(rid(aznet, rg, "virtualNetworks", "myVNet") + "/subnets/mySubnet").lower()]
    assert network_client.public_ip_addresses.get(rg, "myNATgatewayIP").nat_gateway.id.lower() == gw_id.lower()
    assert error_of(network_client.nat_gateways.begin_delete, rg, "myNATgateway") == \
        (400, "CannotDeleteNatGatewayAssociatedToSubnet")
    assert error_of(network_client.public_ip_addresses.begin_delete, rg, "myNATgatewayIP") == \
        (400, "PublicIPAddressCannotBeDeleted")
    make_vnet(network_client, rg, name="myVNet", subnets={"mySubnet": "10.0.0.0/24"})
    network_client.nat_gateways.begin_delete(rg, "myNATgateway").result()
    network_client.public_ip_addresses.begin_delete(rg, "myNATgatewayIP").result()


def test_prefix_on_nat_gateway(aznet, network_client, rg):
    network_client.public_ip_prefixes.begin_create_or_update(
        rg, "pfx", {"location": LOC, "sku": {"name": "Standard"}, "properties": {"prefixLength": 31}}).result()
    pfx = {"id": rid(aznet, rg, "publicIPPrefixes", "pfx")}
    gw = natgw(network_client, rg, "gw", publicIpPrefixes=[pfx])
    assert gw.public_ip_prefixes[0].id.lower() == pfx["id"].lower()
    assert error_of(network_client.nat_gateways.begin_create_or_update, rg, "gw2",
                    {"location": LOC, "sku": {"name": "Standard"}, "properties": {"publicIpPrefixes": [pfx]}}) == \
        (400, "PublicIpPrefixInUse")


def test_public_ip_used_once(aznet, network_client, rg):
    pip(network_client, rg, "ip")
    ref = [{"id": rid(aznet, rg, "publicIPAddresses", "ip")}]
    natgw(network_client, rg, "a", publicIpAddresses=ref)
    assert error_of(network_client.nat_gateways.begin_create_or_update, rg, "b",
                    {"location": LOC, "properties": {"publicIpAddresses": ref}}) == (400, "PublicIPAddressInUse")


def test_basic_public_ip_refused(aznet, network_client, rg, allow_retired):
    pip(network_client, rg, "basic", sku="Basic")
    status, code = error_of(network_client.nat_gateways.begin_create_or_update, rg, "gw",
                            {"location": LOC, "properties": {"publicIpAddresses": [
                                {"id": rid(aznet, rg, "publicIPAddresses", "basic")}]}})
    assert status == 400 and code == "NatGatewayCannotUseBasicSkuPublicIp"
    assert error_of(network_client.nat_gateways.get, rg, "gw")[0] == 404


def test_public_ip_in_another_region_refused(aznet, network_client, rg):
    network_client.public_ip_addresses.begin_create_or_update(
        rg, "far", {"location": "eastus", "sku": {"name": "Standard"},
                    "properties": {"publicIPAllocationMethod": "Static"}}).result()
    assert error_of(network_client.nat_gateways.begin_create_or_update, rg, "gw",
                    {"location": LOC, "properties": {"publicIpAddresses": [
                        {"id": rid(aznet, rg, "publicIPAddresses", "far")}]}}) == (400, "InvalidResourceReference")


@pytest.mark.parametrize("body", [
    {"properties": {"idleTimeoutInMinutes": 121}},
    {"properties": {"idleTimeoutInMinutes": 3}},
    {"zones": ["1", "2"]},
    {"sku": {"name": "Basic"}},
    {"properties": {"publicIpAddresses": [{"id": "/subscriptions/x/bad"}]}},
])
def test_bad_values(inproc, inproc_group, body):
    full = {"location": LOC, **body}
    nat = inproc.network(inproc_group, "natGateways", "bad")
    assert code_of(inproc.call("PUT", nat, full))[0] == 400
    assert inproc.call("GET", nat)[0] == 404
