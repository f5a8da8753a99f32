"""Azure Firewall through the real SDK, following "Deploy and configure Azure
Firewall" (classic rules) and "Deploy Azure Firewall with a firewall policy":
a hub VNet with AzureFirewallSubnet, a Standard static public IP, the firewall,
rule collections and policies; then the rules Azure enforces, each refused
with the state read back unchanged. The rules of policies and rule collection groups and the api-version
floor of each type go through the in-process client, where the SDK adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from .inprocess_support import code_of
from .nic_support import LOC, error_of, make_vnet, rid, subnet_id


def pip(net: Any, rg: str, name: str, version: str = "IPv4") -> Any:
    return net.public_ip_addresses.begin_create_or_update(
        rg, name, {"location": LOC, "sku": {"name": "Standard"},
                   "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": version}}).result()


def hub(net: Any, rg: str, fw_prefix: str = "10.0.1.0/26") -> None:
    make_vnet(net, rg, name="Test-FW-VN", subnets={"AzureFirewallSubnet": fw_prefix,
                                                   "AzureFirewallManagementSubnet": "10.0.3.0/26",
                                                   "Workload-SN": "10.0.2.0/24"})


def fw_body(aznet: Any, rg: str, pip_name: str = "fw-pip", **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"location": LOC, "properties": {
        "ipConfigurations": [{"name": "FW-config", "properties": {
            "subnet": {"id": subnet_id(aznet, rg, "Test-FW-VN", "AzureFirewallSubnet")},
            "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", pip_name)}}}], **props}}
    return body


APP_COLL = [{"name": "App-Coll01", "properties": {"priority": 200, "action": {"type": "Allow"}, "rules": [
    {"name": "Allow-Google", "sourceAddresses": ["10.0.2.0/24"], "targetFqdns": ["www.google.com"],
     "protocols": [{"protocolType": "Http", "port": 80}, {"protocolType": "Https", "port": 443}]}]}}]
NET_COLL = [{"name": "Net-Coll01", "properties": {"priority": 200, "action": {"type": "Allow"}, "rules": [
    {"name": "Allow-DNS", "sourceAddresses": ["10.0.2.0/24"], "destinationAddresses": ["209.244.0.3", "209.244.0.4"],
     "destinationPorts": ["53"], "protocols": ["UDP"]}]}}]


def test_classic_tutorial(aznet, network_client, rg):
    net = network_client
    hub(net, rg)
    ip = pip(net, rg, "fw-pip")
    fw = net.azure_firewalls.begin_create_or_update(rg, "Test-FW01", fw_body(
        aznet, rg, applicationRuleCollections=APP_COLL, networkRuleCollections=NET_COLL)).result()
    assert fw.sku.name == "AZFW_VNet" and fw.sku.tier == "Standard" and fw.threat_intel_mode == "Alert"
    assert fw.ip_configurations[0].private_ip_address == "10.0.1.4"
    assert fw.ip_configurations[0].id.endswith("/azureFirewalls/Test-FW01/azureFirewallIpConfigurations/FW-config")
    assert fw.application_rule_collections[0].rules[0].target_fqdns == ["www.google.com"]
    assert fw.network_rule_collections[0].rules[0].destination_ports == ["53"]
    # the public IP shows who uses it and cannot be deleted meanwhile
    shown = net.public_ip_addresses.get(rg, "fw-pip")
    assert shown.ip_configuration.id == fw.ip_configurations[0].id
    assert error_of(net.public_ip_addresses.begin_delete, rg, "fw-pip") == (400, "PublicIPAddressCannotBeDeleted")
    # DNAT to the workload, on the firewall's own public IP
    nat = [{"name": "rdp", "properties": {"priority": 200, "action": {"type": "Dnat"}, "rules": [
        {"name": "rdp-nat", "sourceAddresses": ["*"], "destinationAddresses": [ip.ip_address],
         "destinationPorts": ["3389"], "protocols": ["TCP"], "translatedAddress": "10.0.2.4",
         "translatedPort": "3389"}]}}]
    fw = net.azure_firewalls.begin_create_or_update(rg, "Test-FW01", fw_body(
        aznet, rg, applicationRuleCollections=APP_COLL, networkRuleCollections=NET_COLL,
        natRuleCollections=nat)).result()
    assert fw.nat_rule_collections[0].action.type == "Dnat"
    assert fw.ip_configurations[0].private_ip_address == "10.0.1.4"   # kept across updates
    # a subnet in use by the firewall cannot be deleted
    assert error_of(net.subnets.begin_delete, rg, "Test-FW-VN", "AzureFirewallSubnet")[1] == \
        "InUseSubnetCannotBeDeleted"
    net.azure_firewalls.begin_delete(rg, "Test-FW01").result()
    net.public_ip_addresses.begin_delete(rg, "fw-pip").result()
    net.subnets.begin_delete(rg, "Test-FW-VN", "AzureFirewallSubnet").result()


def test_fqdn_tags_list(aznet, network_client):
    tags = {t.name: t for t in network_client.azure_firewall_fqdn_tags.list_all()}
    assert "WindowsUpdate" in tags and tags["WindowsUpdate"].fqdn_tag_name == "WindowsUpdate"
    assert "AzureKubernetesService" in tags


@pytest.mark.parametrize("change,code", [
    ({"pip_version": "IPv6"}, "AzureFirewallPublicIpMustBeStandardStaticIPv4"),
    ({"fw_prefix": "10.0.1.0/27"}, "AzureFirewallSubnetInvalid"),
    ({"subnet": "Workload-SN"}, "AzureFirewallSubnetInvalid"),
    ({"props": {"threatIntelMode": "Sometimes"}}, "InvalidRequestFormat"),
    ({"zones": ["4"]}, "InvalidAvailabilityZone"),
    ({"props": {"sku": {"name": "AZFW_VNet", "tier": "Premium"}, "networkRuleCollections": NET_COLL}},
     "AzureFirewallClassicRulesNotSupportedOnSku"),
    ({"props": {"sku": {"name": "AZFW_VNet", "tier": "Basic"}}}, "AzureFirewallManagementIpConfigurationRequired"),
    ({"props": {"networkRuleCollections": NET_COLL + [{**NET_COLL[0], "name": "other"}]}},
     "AzureFirewallRuleCollectionPriorityNotUnique"),
    ({"props": {"networkRuleCollections": [{"name": "c", "properties": {"priority": 50, "action": {"type": "Allow"},
                                                                         "rules": []}}]}},
     "AzureFirewallRuleCollectionPriorityOutOfRange"),
    ({"props": {"networkRuleCollections": [{"name": "c", "properties": {"priority": 300, "action": {"type": "Allow"},
                                                                         "rules": [{"name": "r", "sourceAddresses": ["*"],
                                                                                    "destinationFqdns": ["x.example"],
                                                                                    "destinationPorts": ["443"],
                                                                                    "protocols": ["TCP"]}]}}]}},
     "AzureFirewallDNSProxyMustBeEnabled"),
    ({"props": {"networkRuleCollections": [{"name": "c", "properties": {"priority": 300, "action": {"type": "Allow"},
                                                                         "rules": [{"name": "r", "sourceAddresses": ["*"],
                                                                                    "destinationAddresses": ["10.0.0.0/33"],
                                                                                    "destinationPorts": ["443"],
                                                                                    "protocols": ["TCP"]}]}}]}},
     "AzureFirewallRuleInvalidIpAddressOrRangeFormat"),
    ({"props": {"networkRuleCollections": [{"name": "c", "properties": {"priority": 300, "action": {"type": "Allow"},
                                                                         "rules": [{"name": "r", "sourceAddresses": ["*"],
                                                                                    "destinationAddresses": ["*"],
                                                                                    "destinationPorts": ["0-70000"],
                                                                                    "protocols": ["TCP"]}]}}]}},
     "AzureFirewallRuleInvalidPortOrPortRangeFormat"),
    ({"props": {"applicationRuleCollections": [{"name": "c", "properties": {
        "priority": 300, "action": {"type": "Allow"}, "rules": [{"name": "r", "sourceAddresses": ["*"],
                                                                "fqdnTags": ["NotATag"]}]}}]}},
     "AzureFirewallApplicationRuleInvalidFqdnTag"),
    ({"props": {"natRuleCollections": [{"name": "c", "properties": {"priority": 300, "action": {"type": "Dnat"},
                                                                     "rules": [{"name": "r", "sourceAddresses": ["*"],
                                                                                "destinationAddresses": ["1.2.3.4"],
                                                                                "destinationPorts": ["80"],
                                                                                "protocols": ["TCP"],
                                                                                "translatedAddress": "10.0.2.4",
                                                                                "translatedPort": "80"}]}}]}},
     "AzureFirewallNatRuleDestinationNotFirewallIp"),
])
def test_bad_firewalls_refused(aznet, network_client, rg, change, code):
    net = network_client
    hub(net, rg, change.get("fw_prefix", "10.0.1.0/26"))
    pip(net, rg, "fw-pip", change.get("pip_version", "IPv4"))
    body = fw_body(aznet, rg, **change.get("props", {}))
    if "subnet" in change:
        body["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"] = \
            subnet_id(aznet, rg, "Test-FW-VN", change["subnet"])
    if "zones" in change:
        body["zones"] = change["zones"]
    status, got = error_of(net.azure_firewalls.begin_create_or_update, rg, "fw", body)
    assert (status, got) == (400, code)
    assert list(net.azure_firewalls.list(rg)) == []
    assert net.public_ip_addresses.get(rg, "fw-pip").ip_configuration is None


def test_basic_with_management_subnet_and_policy(aznet, network_client, rg):
    net = network_client
    hub(net, rg)
    pip(net, rg, "fw-pip")
    pip(net, rg, "mgmt-pip")
    net.firewall_policies.begin_create_or_update(rg, "basic-pol", {"location": LOC,
                                                                   "properties": {"sku": {"tier": "Basic"}}}).result()
    body = fw_body(aznet, rg, sku={"name": "AZFW_VNet", "tier": "Basic"},
                   firewallPolicy={"id": rid(aznet, rg, "firewallPolicies", "basic-pol")},
                   managementIpConfiguration={"name": "mgmt", "properties": {
                       "subnet": {"id": subnet_id(aznet, rg, "Test-FW-VN", "AzureFirewallManagementSubnet")},
                       "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", "mgmt-pip")}}})
    fw = net.azure_firewalls.begin_create_or_update(rg, "fw", body).result()
    assert fw.management_ip_configuration.private_ip_address == "10.0.3.4"
    assert fw.sku.tier == "Basic"
    pol = net.firewall_policies.get(rg, "basic-pol")
    assert [f.id.lower() for f in pol.firewalls] == [fw.id.lower()]
    assert error_of(net.firewall_policies.begin_delete, rg, "basic-pol") == (400, "FirewallPolicyInUse")
    # a Standard policy on a Basic firewall is refused
    net.firewall_policies.begin_create_or_update(rg, "std-pol", {"location": LOC}).result()
    body["properties"]["firewallPolicy"] = {"id": rid(aznet, rg, "firewallPolicies", "std-pol")}
    assert error_of(net.azure_firewalls.begin_create_or_update, rg, "fw", body) == \
        (400, "AzureFirewallPolicySkuMismatch")
    assert net.azure_firewalls.get(rg, "fw").firewall_policy.id.lower().endswith("/basic-pol")


def policy_rcg(aznet: Any, rg: str) -> dict[str, Any]:
    return {"properties": {"priority": 200, "ruleCollections": [
        {"ruleCollectionType": "FirewallPolicyNatRuleCollection", "name": "dnat", "priority": 100,
         "action": {"type": "DNAT"}, "rules": [{"ruleType": "NatRule", "name": "rdp", "sourceAddresses": ["*"],
                                                "destinationAddresses": ["127.64.0.10"], "destinationPorts": ["3389"],
                                                "ipProtocols": ["TCP"], "translatedAddress": "10.0.2.4",
                                                "translatedPort": "3389"}]},
        {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "net", "priority": 200,
         "action": {"type": "Allow"}, "rules": [{"ruleType": "NetworkRule", "name": "dns",
                                                 "sourceIpGroups": [rid(aznet, rg, "ipGroups", "workloads")],
                                                 "destinationAddresses": ["209.244.0.3"], "destinationPorts": ["53"],
                                                 "ipProtocols": ["UDP"]}]},
        {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "app", "priority": 300,
         "action": {"type": "Allow"}, "rules": [{"ruleType": "ApplicationRule", "name": "msft",
                                                 "sourceAddresses": ["10.0.2.0/24"],
                                                 "targetFqdns": ["*.microsoft.com"],
                                                 "protocols": [{"protocolType": "Https", "port": 443}]},
                                                {"ruleType": "ApplicationRule", "name": "wu",
                                                 "sourceAddresses": ["10.0.2.0/24"], "fqdnTags": ["WindowsUpdate"]}]},
    ]}}


def test_policy_rule_collection_groups_and_ip_groups(aznet, network_client, rg):
    net = network_client
    net.ip_groups.begin_create_or_update(rg, "workloads", {"location": LOC, "properties": {
        "ipAddresses": ["10.0.2.0/24", "10.0.9.1-10.0.9.20"]}}).result()
    pol = net.firewall_policies.begin_create_or_update(rg, "pol", {"location": LOC, "properties": {
        "threatIntelMode": "Deny", "dnsSettings": {"enableProxy": True, "servers": ["10.0.2.53"]}}}).result()
    assert pol.sku.tier == "Standard" and pol.threat_intel_mode == "Deny" and pol.dns_settings.enable_proxy
    rcg = net.firewall_policy_rule_collection_groups.begin_create_or_update(
        rg, "pol", "DefaultRuleCollectionGroup", policy_rcg(aznet, rg)).result()
    assert [c.name for c in rcg.rule_collections] == ["dnat", "net", "app"]
    assert rcg.rule_collections[1].rules[0].source_ip_groups[0].endswith("/ipGroups/workloads")
    got = net.firewall_policies.get(rg, "pol")
    assert [r.id.rsplit("/", 1)[-1] for r in got.rule_collection_groups] == ["DefaultRuleCollectionGroup"]
    group = net.ip_groups.get(rg, "workloads")
    assert [p.id.rsplit("/", 1)[-1] for p in group.firewall_policies] == ["pol"]
    assert error_of(net.ip_groups.begin_delete, rg, "workloads") == (400, "IpGroupInUse")
    # the same priority twice in one policy is refused
    assert error_of(net.firewall_policy_rule_collection_groups.begin_create_or_update, rg, "pol", "second",
                    {"properties": {"priority": 200, "ruleCollections": []}}) == \
        (400, "FirewallPolicyRuleCollectionGroupPriorityNotUnique")
    names = [g.name for g in net.firewall_policy_rule_collection_groups.list(rg, "pol")]
    assert names == ["DefaultRuleCollectionGroup"]
    # network rules with destination FQDNs need the policy's DNS proxy
    net.firewall_policies.begin_create_or_update(rg, "noproxy", {"location": LOC}).result()
    fq = {"properties": {"priority": 100, "ruleCollections": [
        {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "n", "priority": 100,
         "action": {"type": "Allow"}, "rules": [{"ruleType": "NetworkRule", "name": "sql", "sourceAddresses": ["*"],
                                                 "destinationFqdns": ["db.example.com"], "destinationPorts": ["1433"],
                                                 "ipProtocols": ["TCP"]}]}]}}
    assert error_of(net.firewall_policy_rule_collection_groups.begin_create_or_update, rg, "noproxy", "g", fq) == \
        (400, "AzureFirewallDNSProxyMustBeEnabled")
    net.firewall_policy_rule_collection_groups.begin_create_or_update(rg, "pol", "fqdn", {
        "properties": {**fq["properties"], "ruleCollections": [{**fq["properties"]["ruleCollections"][0],
                                                               "name": "n2"}]}}).result()


@pytest.mark.parametrize("props,code", [
    ({"sku": {"tier": "Standard"}, "intrusionDetection": {"mode": "Alert"}}, "FirewallPolicyPremiumFeatureNotSupported"),
    ({"sku": {"tier": "Basic"}, "threatIntelMode": "Deny"}, "FirewallPolicyBasicSkuFeatureNotSupported"),
    ({"sku": {"tier": "Basic"}, "dnsSettings": {"enableProxy": True}}, "FirewallPolicyBasicSkuFeatureNotSupported"),
    ({"sku": {"tier": "Gold"}}, "InvalidRequestFormat"),
    ({"dnsSettings": {"servers": ["dns.example"]}}, "FirewallPolicyInvalidDnsServer"),
    ({"sku": {"tier": "Premium"}, "transportSecurity": {"certificateAuthority": {"name": "ca"}}},
     "FirewallPolicyTransportSecurityInvalidCertificateAuthority"),
])
def test_bad_policies_refused(inproc, inproc_group, props, code):
    assert code_of(inproc.call("PUT", inproc.network(inproc_group, "firewallPolicies", "pol"),
                               {"location": LOC, "properties": props})) == (400, code)
    status, listed = inproc.call("GET", f"{inproc_group}/providers/Microsoft.Network/firewallPolicies")
    assert status == 200 and list(listed["value"]) == []


def test_premium_policy_and_inheritance(aznet, network_client, rg):
    net = network_client
    prem = net.firewall_policies.begin_create_or_update(rg, "premium", {"location": LOC, "properties": {
        "sku": {"tier": "Premium"}, "intrusionDetection": {"mode": "Deny"}}}).result()
    assert prem.intrusion_detection.mode == "Deny"
    base = net.firewall_policies.begin_create_or_update(rg, "base", {"location": LOC}).result()
    child = net.firewall_policies.begin_create_or_update(rg, "child", {"location": LOC, "properties": {
        "basePolicy": {"id": base.id}}}).result()
    assert child.base_policy.id.lower() == base.id.lower()
    assert [c.id.lower() for c in net.firewall_policies.get(rg, "base").child_policies] == [child.id.lower()]
    assert error_of(net.firewall_policies.begin_delete, rg, "base") == (400, "FirewallPolicyIsBasePolicy")
    # a cycle, and a lower tier inheriting from a higher one, are refused
    assert error_of(net.firewall_policies.begin_create_or_update, rg, "base", {"location": LOC, "properties": {
        "basePolicy": {"id": child.id}}}) == (400, "FirewallPolicyBasePolicyCycle")
    assert error_of(net.firewall_policies.begin_create_or_update, rg, "low", {"location": LOC, "properties": {
        "basePolicy": {"id": prem.id}}}) == (400, "FirewallPolicyBasePolicyTierMismatch")
    assert net.firewall_policies.get(rg, "base").base_policy is None


@pytest.mark.parametrize("rc,code", [
    ({"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "x", "priority": 100,
      "action": {"type": "Allow"}, "rules": [{"ruleType": "NatRule", "name": "r"}]},
     "FirewallPolicyRuleTypeNotAllowedInCollection"),
    ({"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "x", "priority": 100,
      "action": {"type": "Allow"}, "rules": [{"ruleType": "NetworkRule", "name": "r", "destinationAddresses": ["*"],
                                              "destinationPorts": ["1"], "ipProtocols": ["TCP"]}]},
     "FirewallPolicyRuleIpAddressesAndPortsMustBeSpecified"),
    ({"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "x", "priority": 100,
      "action": {"type": "Allow"}, "rules": [{"ruleType": "ApplicationRule", "name": "r", "sourceAddresses": ["*"],
                                              "targetUrls": ["www.example.com/a"],
                                              "protocols": [{"protocolType": "Https", "port": 443}]}]},
     "FirewallPolicyPremiumFeatureNotSupported"),
    ({"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "x", "priority": 100,
      "action": {"type": "Allow"}, "rules": [{"ruleType": "ApplicationRule", "name": "r", "sourceAddresses": ["*"],
                                              "webCategories": ["NotACategory"],
                                              "protocols": [{"protocolType": "Https", "port": 443}]}]},
     "FirewallPolicyInvalidWebCategory"),
    ({"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "x", "priority": 100,
      "action": {"type": "Allow"}, "rules": [{"ruleType": "NetworkRule", "name": "r", "sourceAddresses": ["*"],
                                              "sourceIpGroups": ["/subscriptions/00000000-0000-0000-0000-000000000000/"
                                                                 "resourceGroups/x/providers/Microsoft.Network/ipGroups/none"],
                                              "destinationAddresses": ["*"], "destinationPorts": ["1"],
                                              "ipProtocols": ["TCP"]}]},
     "InvalidResourceReference"),
    ({"ruleCollectionType": "FirewallPolicyNatRuleCollection", "name": "x", "priority": 100,
      "action": {"type": "DNAT"}, "rules": [{"ruleType": "NatRule", "name": "r", "sourceAddresses": ["*"],
                                             "destinationAddresses": ["127.64.0.1"], "destinationPorts": ["80"],
                                             "ipProtocols": ["TCP"], "translatedPort": "80"}]},
     "FirewallPolicyNatRuleInvalid"),
])
def test_bad_rule_collections_refused(inproc, inproc_group, rc, code):
    pol = inproc.network(inproc_group, "firewallPolicies", "pol")
    status, body = inproc.call("PUT", pol, {"location": LOC})
    assert status in (200, 201), body
    etag = inproc.call("GET", pol)[1]["etag"]
    assert code_of(inproc.call("PUT", f"{pol}/ruleCollectionGroups/g",
                               {"properties": {"priority": 100, "ruleCollections": [rc]}})) == (400, code)
    status, listed = inproc.call("GET", f"{pol}/ruleCollectionGroups")
    assert status == 200 and list(listed["value"]) == []
    assert inproc.call("GET", pol)[1]["etag"] == etag


def test_network_watcher_traces_through_the_firewall(aznet, network_client, compute, rg):
    """The running emulator's Network Watcher answers connectivity checks through the firewall's rules."""
    from azure.core.exceptions import ResourceNotFoundError

    from tests.compute.test_vm import vm_body

    from .nic_support import nic_body

    net = network_client
    net.route_tables.begin_create_or_update(rg, "to-fw", {"location": LOC, "properties": {"routes": [
        {"name": "east-west", "properties": {"addressPrefix": "10.0.0.0/16", "nextHopType": "VirtualAppliance",
                                             "nextHopIpAddress": "10.0.1.4"}}]}}).result()
    rt = {"id": rid(aznet, rg, "routeTables", "to-fw")}
    make_vnet(net, rg, name="Test-FW-VN", subnets={"AzureFirewallSubnet": "10.0.1.0/26",
                                                   "Workload-SN": {"addressPrefix": "10.0.2.0/24", "routeTable": rt},
                                                   "Db-SN": {"addressPrefix": "10.0.3.0/24", "routeTable": rt}})
    pip(net, rg, "fw-pip")
    coll = [{"name": "web-to-db", "properties": {"priority": 100, "action": {"type": "Allow"}, "rules": [
        {"name": "sql", "sourceAddresses": ["10.0.2.0/24"], "destinationAddresses": ["10.0.3.0/24"],
         "destinationPorts": ["1433"], "protocols": ["TCP"]}]}}]
    net.azure_firewalls.begin_create_or_update(rg, "fw", fw_body(aznet, rg, networkRuleCollections=coll)).result()

    vms = {}
    for name, subnet in (("web", "Workload-SN"), ("db", "Db-SN")):
        net.network_interfaces.begin_create_or_update(rg, f"{name}-nic", nic_body(
            subnet_id(aznet, rg, "Test-FW-VN", subnet))).result()
        vms[name] = compute.virtual_machines.begin_create_or_update(
            rg, name, vm_body(rid(aznet, rg, "networkInterfaces", f"{name}-nic"))).result().id
    try:
        net.network_watchers.get("NetworkWatcherRG", f"NetworkWatcher_{LOC}")
        wrg, wname = "NetworkWatcherRG", f"NetworkWatcher_{LOC}"
    except ResourceNotFoundError:
        net.network_watchers.create_or_update(rg, "nw", {"location": LOC})
        wrg, wname = rg, "nw"

    def check(port: int):  # type: ignore[no-untyped-def]
        return net.network_watchers.begin_check_connectivity(wrg, wname, {
            "source": {"resourceId": vms["web"]}, "destination": {"resourceId": vms["db"], "port": port}}).result()

    ok = check(1433)
    assert ok.connection_status == "Reachable"
    assert [h.type for h in ok.hops] == ["Source", "VirtualAppliance", "VirtualMachine"]
    blocked = check(22)
    assert blocked.connection_status == "Unreachable"
    issue = blocked.hops[-1].issues[0]
    assert issue.context == [{"key": "RuleName", "value": "no rule matched: default deny"}]


@pytest.mark.parametrize("rtype,old,new", [
    ("azureFirewalls", "2018-01-01", "2018-04-01"),
    ("firewallPolicies", "2019-04-01", "2019-06-01"),
    ("ipGroups", "2019-08-01", "2019-09-01"),
    ("bastionHosts", "2019-02-01", "2019-04-01"),
    ("virtualNetworkTaps", "2018-07-01", "2018-08-01"),
])
def test_api_versions_start_where_the_type_appeared(inproc, inproc_group, rtype, old, new):
    url = inproc.network(inproc_group, rtype, "x")
    refused = inproc.call("GET", url, api_version=old)
    assert refused[0] == 400 and refused[1]["error"]["code"] == "NoRegisteredProviderFound"
    assert inproc.call("GET", url, api_version=new)[0] == 404       # known version: not found
