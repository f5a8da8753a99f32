"""Declared back-references (arm/backrefs.py) on public IPs and public IP prefixes, in process: the referrers
are rendered (a list, or one {"id"} for a single referrer; a nested referrer is the ipConfiguration that holds
the reference), a delete is refused while one remains, and a property a client may write is kept on PUT."""

from __future__ import annotations

import pytest

from aznet.testing.inprocess import InProcessClient


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> InProcessClient:  # type: ignore[no-untyped-def]
    return InProcessClient.fresh(tmp_path_factory.mktemp("backrefs"))


STANDARD = {"location": "westeurope", "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"}}


def test_a_prefix_shows_its_addresses_and_nat_gateway_and_refuses_delete(client: InProcessClient) -> None:
    rg = client.group("br-prefix")
    prefix = client.network(rg, "publicIPPrefixes", "pfx")
    status, body = client.call("PUT", prefix, {"location": "westeurope", "sku": {"name": "Standard"},
                                               "properties": {"prefixLength": 30}})
    assert status == 201, body
    pip = client.network(rg, "publicIPAddresses", "from-prefix")
    status, body = client.call("PUT", pip, {**STANDARD, "properties": {
        "publicIPAllocationMethod": "Static", "publicIPPrefix": {"id": prefix}}})
    assert status == 201, body
    nat = client.network(rg, "natGateways", "nat")
    status, body = client.call("PUT", nat, {"location": "westeurope", "sku": {"name": "Standard"},
                                            "properties": {"publicIpPrefixes": [{"id": prefix}]}})
    assert status == 201, body
    shown = client.call("GET", prefix)[1]["properties"]
    assert [p["id"].lower() for p in shown["publicIPAddresses"]] == [pip.lower()]
    assert shown["natGateway"]["id"].lower() == nat.lower()          # one referrer: an object, not a list
    status, body = client.call("DELETE", prefix)
    assert status == 400 and body["error"]["code"] == "PublicIpPrefixInUse"
    assert pip.lower() in body["error"]["message"].lower()          # {first}: the public IP is named first
    assert client.call("GET", prefix)[0] == 200


def test_a_public_ip_shows_the_ip_configuration_that_uses_it(client: InProcessClient) -> None:
    rg = client.group("br-pip")
    vnet = client.network(rg, "virtualNetworks", "vnet1")
    assert client.call("PUT", vnet, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.4.0.0/16"]},
        "subnets": [{"name": "s", "properties": {"addressPrefix": "10.4.0.0/24"}}]}})[0] == 201
    pip = client.network(rg, "publicIPAddresses", "web")
    assert client.call("PUT", pip, STANDARD)[0] == 201
    nic = client.network(rg, "networkInterfaces", "nic1")
    status, body = client.call("PUT", nic, {"location": "westeurope", "properties": {"ipConfigurations": [
        {"name": "ipconfig1", "properties": {"subnet": {"id": f"{vnet}/subnets/s"}, "publicIPAddress": {"id": pip}}}]}})
    assert status == 201, body
    shown = client.call("GET", pip)[1]["properties"]
    assert shown["ipConfiguration"]["id"].lower() == f"{nic}/ipConfigurations/ipconfig1".lower()
    assert "natGateway" not in shown
    status, body = client.call("DELETE", pip)
    assert status == 400 and body["error"]["code"] == "PublicIPAddressCannotBeDeleted"
    assert "ipconfig1" in body["error"]["message"]
    # the read-only ipConfiguration a client sends is dropped; the NIC still holds the address
    again = client.call("PUT", pip, {**STANDARD, "properties": {**STANDARD["properties"],
                                                                "ipConfiguration": {"id": f"{vnet}/subnets/s"}}})
    assert again[0] == 200 and again[1]["properties"]["ipConfiguration"]["id"].lower().endswith("/ipconfig1")
    # detached: no referrer, and the delete goes ahead
    assert client.call("PUT", nic, {"location": "westeurope", "properties": {"ipConfigurations": [
        {"name": "ipconfig1", "properties": {"subnet": {"id": f"{vnet}/subnets/s"}}}]}})[0] == 200
    assert "ipConfiguration" not in client.call("GET", pip)[1]["properties"]
    assert client.call("DELETE", pip)[0] == 202
