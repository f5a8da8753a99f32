"""Network security groups, security rules, default rules and application
security groups through the real SDK; one test per rule with Azure's code, and
no partial write after a failed request. The per-field syntax rules (priority, ports, prefixes, enums)
go through the in-process client, where the SDK adds nothing."""

from __future__ import annotations

import pytest

from .inprocess_support import code_of
from .vnet_support import LOC, error_of, nsg_id, put_vnet, rid

DEFAULTS = {
    "AllowVnetInBound": ("Inbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    "AllowAzureLoadBalancerInBound": ("Inbound", 65001, "Allow", "AzureLoadBalancer", "*"),
    "DenyAllInBound": ("Inbound", 65500, "Deny", "*", "*"),
    "AllowVnetOutBound": ("Outbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    "AllowInternetOutBound": ("Outbound", 65001, "Allow", "*", "Internet"),
    "DenyAllOutBound": ("Outbound", 65500, "Deny", "*", "*"),
}


def rule(priority=100, direction="Inbound", **over):  # type: ignore[no-untyped-def]
    props = {"protocol": "Tcp", "access": "Allow", "direction": direction, "priority": priority,
             "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
             "destinationPortRange": "80"}
    for k, v in over.items():
        if v is None:
            props.pop(k, None)
        else:
            props[k] = v
    return {"properties": props}


def make_nsg(net, rg, name="nsg", rules=None, location=LOC, **props):  # type: ignore[no-untyped-def]
    body = {"location": location, "properties": {"securityRules": [
        {"name": n, **r} for n, r in (rules or {}).items()], **props}}
    return net.network_security_groups.begin_create_or_update(rg, name, body).result()


def put_rule(net, rg, name, body, nsg="nsg"):  # type: ignore[no-untyped-def]
    return net.security_rules.begin_create_or_update(rg, nsg, name, body).result()


def test_default_rules_exactly_as_azure(network_client, rg):
    g = make_nsg(network_client, rg)
    assert g.resource_guid and g.flush_connection is False and g.security_rules == []
    got = {r.name: r for r in g.default_security_rules}
    assert set(got) == set(DEFAULTS)
    for name, (direction, priority, access, src, dst) in DEFAULTS.items():
        r = got[name]
        assert (r.direction, r.priority, r.access, r.source_address_prefix, r.destination_address_prefix) == \
            (direction, priority, access, src, dst)
        assert r.protocol == "*" and r.source_port_range == "*" and r.destination_port_range == "*"
        assert r.type == "Microsoft.Network/networkSecurityGroups/defaultSecurityRules" and r.description
        assert r.id.endswith(f"/defaultSecurityRules/{name}")
    one = network_client.default_security_rules.get(rg, "nsg", "DenyAllInBound")
    assert one.priority == 65500
    assert len(list(network_client.default_security_rules.list(rg, "nsg"))) == 6


def test_rule_shape_and_child_resource(network_client, rg):
    make_nsg(network_client, rg, rules={"web": rule(100, destinationPortRange=None,
                                                    destinationPortRanges=["80", "443", "8000-8080"])})
    r = network_client.security_rules.get(rg, "nsg", "web")
    assert r.destination_port_ranges == ["80", "443", "8000-8080"] and r.destination_port_range is None
    assert r.source_port_range == "*" and r.source_port_ranges == [] and r.source_address_prefixes == []
    assert r.type == "Microsoft.Network/networkSecurityGroups/securityRules"
    put_rule(network_client, rg, "ssh", rule(110, destinationPortRange="22",
                                             sourceAddressPrefixes=["10.0.0.0/24", "192.168.1.1"],
                                             sourceAddressPrefix=None))
    g = network_client.network_security_groups.get(rg, "nsg")
    assert sorted(r.name for r in g.security_rules) == ["ssh", "web"]
    assert network_client.security_rules.get(rg, "nsg", "ssh").source_address_prefixes == \
        ["10.0.0.0/24", "192.168.1.1"]


def test_priority_conflict_per_direction(network_client, rg):
    make_nsg(network_client, rg, rules={"a": rule(100)})
    assert error_of(put_rule, network_client, rg, "b", rule(100)) == (400, "SecurityRuleConflict")
    assert put_rule(network_client, rg, "c", rule(100, "Outbound")).priority == 100
    assert error_of(make_nsg, network_client, rg, "g2", {"x": rule(200), "y": rule(200)}) == \
        (400, "SecurityRuleConflict")
    assert sorted(r.name for r in network_client.security_rules.list(rg, "nsg")) == ["a", "c"]
    assert error_of(network_client.network_security_groups.get, rg, "g2")[0] == 404


def test_rules_can_swap_priorities_in_one_put(network_client, rg):
    make_nsg(network_client, rg, rules={"a": rule(100), "b": rule(200)})
    g = make_nsg(network_client, rg, rules={"a": rule(200), "b": rule(100)})
    assert {r.name: r.priority for r in g.security_rules} == {"a": 200, "b": 100}


def empty_nsg(inproc, inproc_group) -> str:  # type: ignore[no-untyped-def]
    nsg = inproc.network(inproc_group, "networkSecurityGroups", "nsg")
    status, body = inproc.call("PUT", nsg, {"location": LOC, "properties": {"securityRules": []}})
    assert status in (200, 201), body
    return nsg


@pytest.mark.parametrize("priority,code", [(99, "SecurityRuleInvalidPriority"), (4097, "SecurityRuleInvalidPriority"),
                                           (None, "SecurityRuleInvalidPriority"), ("high", "InvalidRequestFormat")])
def test_priority_range(inproc, inproc_group, priority, code):
    nsg = empty_nsg(inproc, inproc_group)
    assert code_of(inproc.call("PUT", f"{nsg}/securityRules/r", rule(priority=priority))) == (400, code)
    assert inproc.call("GET", f"{nsg}/securityRules")[1]["value"] == []


@pytest.mark.parametrize("over", [
    {"destinationPortRange": "70000"}, {"destinationPortRange": "90-80"}, {"destinationPortRange": "http"},
    {"sourcePortRange": "1-2-3"}, {"destinationPortRange": None, "destinationPortRanges": ["80", "*"]},
    {"destinationPortRange": None}])
def test_port_syntax(inproc, inproc_group, over):
    nsg = empty_nsg(inproc, inproc_group)
    assert code_of(inproc.call("PUT", f"{nsg}/securityRules/r", rule(**over))) == (400, "SecurityRuleInvalidPortRange")


@pytest.mark.parametrize("over,code", [
    ({"sourceAddressPrefix": "10.0.0.1/24"}, "SecurityRuleInvalidAddressPrefix"),
    ({"sourceAddressPrefix": "300.1.1.1"}, "SecurityRuleInvalidAddressPrefix"),
    ({"destinationAddressPrefix": "NotATag"}, "SecurityRuleInvalidAddressPrefix"),
    ({"sourceAddressPrefix": None, "sourceAddressPrefixes": ["10.0.0.0/24", "Internet"]},
     "SecurityRuleParameterContainsUnsupportedValue"),
    ({"sourceAddressPrefixes": ["10.0.0.0/24"]}, "SecurityRuleParameterContainsUnsupportedValue"),
    ({"sourceAddressPrefix": None, "sourceAddressPrefixes": ["10.0.0.0/24", "fd00::/64"]},
     "ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies"),
    ({"sourceAddressPrefix": None}, "SecurityRuleInvalidAddressPrefix"),
])
def test_prefix_syntax(inproc, inproc_group, over, code):
    nsg = empty_nsg(inproc, inproc_group)
    assert code_of(inproc.call("PUT", f"{nsg}/securityRules/r", rule(**over))) == (400, code)


@pytest.mark.parametrize("prefix", ["VirtualNetwork", "internet", "AzureLoadBalancer", "Storage",
                                    "Storage.WestEurope", "Sql.eastus", "10.1.0.0/16", "10.1.2.3", "fd00::/64"])
def test_service_tags_and_addresses_accepted(inproc, inproc_group, prefix):
    nsg = empty_nsg(inproc, inproc_group)
    status, got = inproc.call("PUT", f"{nsg}/securityRules/r", rule(sourceAddressPrefix=prefix))
    assert status == 201, got
    assert got["properties"]["sourceAddressPrefix"].lower().replace(" ", "") == prefix.lower()


@pytest.mark.parametrize("field,value", [("protocol", "Gre"), ("access", "Maybe"), ("direction", "Sideways"),
                                         ("protocol", None)])
def test_rule_enums(inproc, inproc_group, field, value):
    nsg = empty_nsg(inproc, inproc_group)
    assert code_of(inproc.call("PUT", f"{nsg}/securityRules/r", rule(**{field: value}))) == \
        (400, "InvalidRequestFormat")


def test_application_security_groups(aznet, network_client, rg):
    make_nsg(network_client, rg)
    asg = rid(aznet, rg, "applicationSecurityGroups", "web")
    body = rule(sourceAddressPrefix=None, sourceApplicationSecurityGroups=[{"id": asg}])
    assert error_of(put_rule, network_client, rg, "r", body) == (400, "InvalidResourceReference")
    network_client.application_security_groups.begin_create_or_update(rg, "web", {"location": LOC}).result()
    network_client.application_security_groups.begin_create_or_update(rg, "far", {"location": "eastus"}).result()
    got = put_rule(network_client, rg, "r", body)
    assert got.source_application_security_groups[0].id.lower() == asg.lower()
    assert got.source_address_prefix is None
    far = rule(110, destinationAddressPrefix=None,
               destinationApplicationSecurityGroups=[{"id": rid(aznet, rg, "applicationSecurityGroups", "far")}])
    assert error_of(put_rule, network_client, rg, "far", far) == (400, "InvalidResourceReference")
    assert error_of(network_client.application_security_groups.begin_delete, rg, "web")[0] == 400
    network_client.security_rules.begin_delete(rg, "nsg", "r").result()
    network_client.application_security_groups.begin_delete(rg, "web").result()


def test_nsg_in_use_and_back_references(aznet, network_client, rg):
    make_nsg(network_client, rg)
    nsg = {"id": nsg_id(aznet, rg, "nsg")}
    v = put_vnet(network_client, rg, subnets={"s": {"addressPrefix": "10.0.0.0/24", "networkSecurityGroup": nsg}})
    sid = v.subnets[0].id
    assert v.subnets[0].network_security_group.id.lower() == nsg["id"].lower()
    network_client.network_interfaces.begin_create_or_update(rg, "nic", {
        "location": LOC, "properties": {"networkSecurityGroup": nsg, "ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": sid}}}]}}).result()
    g = network_client.network_security_groups.get(rg, "nsg")
    assert [s.id.lower() for s in g.subnets] == [sid.lower()]
    assert [n.id.lower() for n in g.network_interfaces] == [rid(aznet, rg, "networkInterfaces", "nic").lower()]
    assert error_of(network_client.network_security_groups.begin_delete, rg, "nsg") == \
        (400, "InUseNetworkSecurityGroupCannotBeDeleted")
    network_client.network_interfaces.begin_delete(rg, "nic").result()
    put_vnet(network_client, rg, subnets={"s": "10.0.0.0/24"})
    network_client.network_security_groups.begin_delete(rg, "nsg").result()
    assert error_of(network_client.default_security_rules.get, rg, "nsg", "DenyAllInBound")[0] == 404


def test_nsg_must_be_in_the_vnet_region(aznet, network_client, rg):
    make_nsg(network_client, rg, location="eastus")
    assert error_of(put_vnet, network_client, rg, subnets={"s": {
        "addressPrefix": "10.0.0.0/24", "networkSecurityGroup": {"id": nsg_id(aznet, rg, "nsg")}}}) == \
        (400, "InvalidResourceReference")
    assert list(network_client.virtual_networks.list(rg)) == []


def test_failed_nsg_put_writes_nothing(network_client, rg):
    make_nsg(network_client, rg, rules={"keep": rule(100)})
    assert error_of(make_nsg, network_client, rg, rules={"keep": rule(100), "bad": rule(120, protocol="Gre")}) == \
        (400, "InvalidRequestFormat")
    assert [r.name for r in network_client.security_rules.list(rg, "nsg")] == ["keep"]


def test_flush_connection(network_client, rg):
    assert make_nsg(network_client, rg, flushConnection=True).flush_connection is True
    assert error_of(make_nsg, network_client, rg, flushConnection="often") == (400, "InvalidRequestFormat")
