"""Response shapes of the view answerers, checked through the SDK's own models
where they exist (deserialising Azure's JSON must round-trip the fields)."""

from __future__ import annotations

from azure.mgmt.network import models as m

from aznet.verifier import (
    connectivity_check,
    effective_network_security_groups,
    network_configuration_diagnostic,
    security_group_view,
    topology,
)

from .test_golden_nsg import ALLOW_80_IN, network
from .test_golden_routing import example


def test_effective_nsgs_list_nic_then_subnet_with_expanded_tags() -> None:
    net, model = network(nsg1_rules=[ALLOW_80_IN])
    res = effective_network_security_groups(model, net.rid("Microsoft.Network/networkInterfaces", "VM1-nic"))
    parsed = m.EffectiveNetworkSecurityGroupListResult(res)
    assert [g.network_security_group.id.rsplit("/", 1)[-1] for g in parsed.value] == ["NSG2", "NSG1"]
    assert parsed.value[0].association.network_interface.id.endswith("VM1-nic")
    assert parsed.value[1].association.subnet.id.endswith("Subnet1")
    rules = {r.name: r for r in parsed.value[1].effective_security_rules}
    allow = rules["securityRules/Allow80In"]
    assert (allow.protocol, allow.destination_port_range, allow.source_port_range) == ("Tcp", "80-80", "0-65535")
    assert allow.source_address_prefix == "Internet" and allow.expanded_source_address_prefix
    vnet_rule = rules["defaultSecurityRules/AllowVnetInBound"]
    assert vnet_rule.protocol == "All"
    assert set(vnet_rule.expanded_source_address_prefix) == {"10.0.0.0/16", "168.63.129.16/32"}
    assert rules["defaultSecurityRules/DenyAllInBound"].source_address_prefix == "0.0.0.0/0"


def test_security_group_view_shape() -> None:
    net, model = network(nsg1_rules=[ALLOW_80_IN])
    res = security_group_view(model, {"targetResourceId": net.vm_id("VM1")})
    parsed = m.SecurityGroupViewResult(res)
    nic = parsed.network_interfaces[0]
    assoc = nic.security_rule_associations
    assert [r.name for r in assoc.subnet_association.security_rules] == ["Allow80In"]
    assert assoc.network_interface_association.security_rules == []
    assert {r.name for r in assoc.default_security_rules} == {
        "AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound", "AllowVnetOutBound",
        "AllowInternetOutBound", "DenyAllOutBound"}
    assert len(assoc.effective_security_rules) == 1 + 6 + 6


def test_network_configuration_diagnostic() -> None:
    net, model = network(nsg1_rules=[ALLOW_80_IN])
    res = network_configuration_diagnostic(model, {"targetResourceId": net.vm_id("VM1"), "profiles": [
        {"direction": "Inbound", "protocol": "TCP", "source": "203.0.113.5", "destination": "10.0.1.4",
         "destinationPort": "80"}]})
    parsed = m.NetworkConfigurationDiagnosticResponse(res)
    result = parsed.results[0].network_security_group_result
    assert result.security_rule_access_result == "Deny"
    first, second = result.evaluated_network_security_groups
    assert first.matched_rule.rule_name == "securityRules/Allow80In" and first.matched_rule.action == "Allow"
    assert second.matched_rule.rule_name == "defaultSecurityRules/DenyAllInBound"
    assert second.applied_to.endswith("VM1-nic")


def test_connectivity_check_reports_the_blocking_rule() -> None:
    net, model = network(nsg1_rules=[("DenyWeb", 100, "Inbound", "Deny", "Tcp", "*", "*", "*", "80")])
    res = connectivity_check(model, {"source": {"resourceId": net.vm_id("VM4")},
                                     "destination": {"resourceId": net.vm_id("VM1"), "port": 80}})
    parsed = m.ConnectivityInformation(res)
    assert parsed.connection_status == "Unreachable" and parsed.probes_failed == parsed.probes_sent
    issue = parsed.hops[-1].issues[0]
    assert (issue.type, issue.origin) == ("NetworkSecurityRule", "Inbound")
    assert issue.context == [{"key": "RuleName", "value": "DenyWeb"}]
    ok = connectivity_check(model, {"source": {"resourceId": net.vm_id("VM1")},
                                    "destination": {"resourceId": net.vm_id("VM4"), "port": 22}})
    assert ok["connectionStatus"] == "Reachable" and [h["type"] for h in ok["hops"]] == ["Source", "VirtualMachine"]
    assert ok["hops"][0]["nextHopIds"] == [ok["hops"][1]["id"]]
    dns = connectivity_check(model, {"source": {"resourceId": net.vm_id("VM1")},
                                     "destination": {"address": "nowhere.example", "port": 443}})
    assert dns["hops"][0]["issues"][0]["type"] == "DnsResolution"


def test_topology_associations() -> None:
    net, model = example()
    res = topology(model, {"targetVirtualNetwork": {"id": net.rid("Microsoft.Network/virtualNetworks",
                                                                   "Virtual-network-1")}})
    parsed = m.Topology(res)
    by_name = {r.name: r for r in parsed.resources}
    assert {a.name for a in by_name["Virtual-network-1"].associations} == {"Subnet1", "Subnet2", "NVA", "GatewaySubnet"}
    assert all(a.association_type == "Contains" for a in by_name["Virtual-network-1"].associations)
    assert {(a.name, a.association_type) for a in by_name["Subnet1"].associations} == {("Subnet1-RT", "Associated")}
    assert {(a.name, a.association_type) for a in by_name["vm1"].associations} == {("vm1-nic", "Contains")}
    assert "peer" not in by_name  # the other VNet's VM is out of scope
