"""Declared back-references (arm/backrefs.py), in process: public IPs and prefixes, NSGs (subnets and NICs,
one in-use error naming both), firewall policies (empty lists shown), load balancer pools and inbound NAT
rules (the NIC ipConfiguration that uses them). The referrers are rendered (a list, or one {"id"} for a single
referrer; a nested referrer is the ipConfiguration that holds the reference), a delete is refused while one
remains, and a property a client may write is kept on PUT."""

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


def _vnet_with_subnet(client: InProcessClient, rg: str, cidr: str, extra: dict | None = None) -> str:  # type: ignore[type-arg]
    vnet = client.network(rg, "virtualNetworks", "vnet1")
    status, body = client.call("PUT", vnet, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": [cidr]},
        "subnets": [{"name": "s", "properties": {"addressPrefix": cidr.replace("/16", "/24"), **(extra or {})}}]}})
    assert status == 201, body
    return vnet


def test_an_nsg_shows_subnets_and_nics_and_one_in_use_error_names_both(client: InProcessClient) -> None:
    rg = client.group("br-nsg")
    nsg = client.network(rg, "networkSecurityGroups", "nsg1")
    status, body = client.call("PUT", nsg, {"location": "westeurope", "properties": {
        "subnets": [{"id": "/subscriptions/x/not/kept"}], "networkInterfaces": []}})   # read-only: dropped
    assert status == 201, body
    assert "subnets" not in body["properties"] and "networkInterfaces" not in body["properties"]
    vnet = _vnet_with_subnet(client, rg, "10.5.0.0/16", {"networkSecurityGroup": {"id": nsg}})
    nic = client.network(rg, "networkInterfaces", "nic1")
    status, body = client.call("PUT", nic, {"location": "westeurope", "properties": {
        "networkSecurityGroup": {"id": nsg},
        "ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": f"{vnet}/subnets/s"}}}]}})
    assert status == 201, body
    shown = client.call("GET", nsg)[1]["properties"]
    assert [s["id"].lower() for s in shown["subnets"]] == [f"{vnet}/subnets/s".lower()]
    assert [n["id"].lower() for n in shown["networkInterfaces"]] == [nic.lower()]
    assert len(shown["defaultSecurityRules"]) == 6
    status, body = client.call("DELETE", nsg)
    assert status == 400 and body["error"]["code"] == "InUseNetworkSecurityGroupCannotBeDeleted"
    message = body["error"]["message"].lower()
    assert message.index(f"{vnet}/subnets/s".lower()) < message.index(nic.lower())   # subnets, then NICs
    assert "aka.ms/deletensg" in message
    assert client.call("DELETE", nic)[0] in (200, 202)
    status, body = client.call("DELETE", nsg)
    assert status == 400 and nic.lower() not in body["error"]["message"].lower()      # the subnet alone now


def test_a_firewall_policy_shows_empty_lists_and_refuses_delete_while_inherited(client: InProcessClient) -> None:
    rg = client.group("br-fwp")
    base = client.network(rg, "firewallPolicies", "base")
    status, body = client.call("PUT", base, {"location": "westeurope", "properties": {"sku": {"tier": "Standard"},
                                                                                      "firewalls": [{"id": "x"}]}})
    assert status == 201, body
    assert body["properties"]["firewalls"] == [] and body["properties"]["childPolicies"] == []
    child = client.network(rg, "firewallPolicies", "child")
    status, body = client.call("PUT", child, {"location": "westeurope", "properties": {
        "sku": {"tier": "Standard"}, "basePolicy": {"id": base}}})
    assert status == 201, body
    shown = client.call("GET", base)[1]["properties"]
    assert [c["id"].lower() for c in shown["childPolicies"]] == [child.lower()] and shown["firewalls"] == []
    status, body = client.call("DELETE", base)
    assert status == 400 and body["error"]["code"] == "FirewallPolicyIsBasePolicy"
    assert child.lower() in body["error"]["message"].lower()


def test_lb_pool_and_nat_rule_show_the_ip_configuration_that_uses_them(client: InProcessClient) -> None:
    rg = client.group("br-lb")
    vnet = _vnet_with_subnet(client, rg, "10.6.0.0/16")
    lb = client.network(rg, "loadBalancers", "lb")
    status, body = client.call("PUT", lb, {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": {"subnet": {"id": f"{vnet}/subnets/s"}}}],
        "backendAddressPools": [{"name": "pool"}],
        "inboundNatRules": [{"name": "ssh", "properties": {"frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
                                                           "protocol": "Tcp", "frontendPort": 50022, "backendPort": 22}}]}})
    assert status == 201, body
    nic = client.network(rg, "networkInterfaces", "nic1")
    status, body = client.call("PUT", nic, {"location": "westeurope", "properties": {"ipConfigurations": [
        {"name": "ipconfig1", "properties": {"subnet": {"id": f"{vnet}/subnets/s"},
                                             "loadBalancerBackendAddressPools": [{"id": f"{lb}/backendAddressPools/pool"}],
                                             "loadBalancerInboundNatRules": [{"id": f"{lb}/inboundNatRules/ssh"}]}}]}})
    assert status == 201, body
    ipconfig = f"{nic}/ipConfigurations/ipconfig1".lower()
    pool = client.call("GET", f"{lb}/backendAddressPools/pool")[1]["properties"]
    assert [c["id"].lower() for c in pool["backendIPConfigurations"]] == [ipconfig]
    rule = client.call("GET", f"{lb}/inboundNatRules/ssh")[1]["properties"]
    assert rule["backendIPConfiguration"]["id"].lower() == ipconfig                  # one object, not a list
    for path, code in ((f"{lb}/backendAddressPools/pool", "LoadBalancerBackendAddressPoolInUse"),
                       (f"{lb}/inboundNatRules/ssh", "InboundNatRuleInUse")):
        status, body = client.call("DELETE", path)
        assert status == 400 and body["error"]["code"] == code, body
        assert ipconfig in body["error"]["message"].lower()
