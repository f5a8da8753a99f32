"""Virtual networks and subnets through the real SDK: shapes Azure returns,
and one test per rule with Azure's status and error code; a failed request
leaves the stored state as it was. The per-field syntax rules (prefixes, field values, enums, names) go
through the in-process client, where the SDK adds nothing."""

from __future__ import annotations

import pytest

from .inprocess_support import code_of
from .vnet_support import LOC, error_of, put_vnet, rid, sub_id, vnet_body

# -- the per-field rules go through the in-process client (tests/network/conftest.py: inproc), where the SDK
# adds nothing; the shapes the SDK reads back stay on the SDK

def _vnet(inproc, group, name="vnet"):  # type: ignore[no-untyped-def]
    return inproc.network(group, "virtualNetworks", name)


def _vnets(inproc, group):  # type: ignore[no-untyped-def]
    status, body = inproc.call("GET", f"{group}/providers/Microsoft.Network/virtualNetworks")
    assert status == 200, body
    return body["value"]


def _put_vnet(inproc, group):  # type: ignore[no-untyped-def]
    status, body = inproc.call("PUT", _vnet(inproc, group), vnet_body(subnets={}))
    assert status == 201, body
    return _vnet(inproc, group)


def test_create_read_back(aznet, network_client, rg):
    v = put_vnet(network_client, rg, subnets={"default": "10.0.0.0/24", "b": "10.0.1.0/24"},
                 dhcpOptions={"dnsServers": ["10.0.0.53", "168.63.129.16"]}, flowTimeoutInMinutes=10)
    assert v.provisioning_state == "Succeeded" and v.resource_guid
    assert v.address_space.address_prefixes == ["10.0.0.0/16"]
    assert v.dhcp_options.dns_servers == ["10.0.0.53", "168.63.129.16"]
    assert v.flow_timeout_in_minutes == 10 and v.enable_ddos_protection is False
    assert sorted(s.name for s in v.subnets) == ["b", "default"]
    s = network_client.subnets.get(rg, "vnet", "default")
    assert s.id.lower() == sub_id(aznet, rg, "vnet", "default").lower()
    assert s.address_prefix == "10.0.0.0/24" and s.type == "Microsoft.Network/virtualNetworks/subnets"
    assert s.private_endpoint_network_policies == "Disabled"
    assert s.private_link_service_network_policies == "Enabled"
    again = put_vnet(network_client, rg, subnets={"default": "10.0.0.0/24", "b": "10.0.1.0/24"})
    assert again.resource_guid == v.resource_guid and again.etag != v.etag


def test_subnet_as_child_resource_bumps_parent_etag(network_client, rg):
    v = put_vnet(network_client, rg, subnets={})
    s = network_client.subnets.begin_create_or_update(rg, "vnet", "child",
                                                      {"properties": {"addressPrefix": "10.0.5.0/24"}}).result()
    assert s.address_prefix == "10.0.5.0/24"
    after = network_client.virtual_networks.get(rg, "vnet")
    assert after.etag != v.etag and [x.name for x in after.subnets] == ["child"]
    assert [x.name for x in network_client.subnets.list(rg, "vnet")] == ["child"]
    network_client.subnets.begin_delete(rg, "vnet", "child").result()
    assert network_client.virtual_networks.get(rg, "vnet").subnets == []


def test_dual_stack(network_client, rg):
    v = put_vnet(network_client, rg, prefixes=("10.0.0.0/16", "fd00:db8:deca::/48"),
                 subnets={"ds": {"addressPrefixes": ["10.0.0.0/24", "fd00:db8:deca::/64"]}})
    assert v.subnets[0].address_prefixes == ["10.0.0.0/24", "fd00:db8:deca::/64"]
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "bad6",
                    {"properties": {"addressPrefixes": ["10.0.1.0/24", "fd00:db8:deca:1::/80"]}}) == (400, "NetcfgInvalidSubnet")


@pytest.mark.parametrize("prefix,code", [("10.0.0.0/33", "InvalidAddressPrefixFormat"),
                                         ("banana", "InvalidAddressPrefixFormat"),
                                         ("10.0.0.0", "InvalidAddressPrefixFormat"),
                                         ("10.0.0.1/16", "InvalidCIDRNotation")])
def test_address_space_prefix_syntax(inproc, inproc_group, prefix, code):
    assert code_of(inproc.call("PUT", _vnet(inproc, inproc_group), vnet_body(prefixes=(prefix,)))) == (400, code)
    assert [v["name"] for v in _vnets(inproc, inproc_group)] == []


def test_subnet_prefix_alignment(network_client, rg):
    put_vnet(network_client, rg, subnets={})
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "s",
                    {"properties": {"addressPrefix": "10.0.0.7/24"}}) == (400, "InvalidCIDRNotation")


def test_subnet_outside_vnet(network_client, rg):
    put_vnet(network_client, rg, subnets={})
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "s",
                    {"properties": {"addressPrefix": "10.1.0.0/24"}}) == (400, "NetcfgSubnetRangeOutsideVnet")
    assert list(network_client.subnets.list(rg, "vnet")) == []


def test_subnets_may_not_overlap(network_client, rg):
    put_vnet(network_client, rg, subnets={"a": "10.0.0.0/24"})
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "b",
                    {"properties": {"addressPrefix": "10.0.0.128/25"}}) == (400, "NetcfgSubnetRangesOverlap")
    assert error_of(put_vnet, network_client, rg, subnets={"a": "10.0.0.0/24", "b": "10.0.0.0/23"}) == \
        (400, "NetcfgSubnetRangesOverlap")
    assert [s.name for s in network_client.subnets.list(rg, "vnet")] == ["a"]


def test_subnets_can_swap_prefixes_in_one_put(network_client, rg):
    put_vnet(network_client, rg, subnets={"a": "10.0.0.0/24", "b": "10.0.1.0/24"})
    v = put_vnet(network_client, rg, subnets={"a": "10.0.1.0/24", "b": "10.0.0.0/24"})
    assert {s.name: s.address_prefix for s in v.subnets} == {"a": "10.0.1.0/24", "b": "10.0.0.0/24"}


def test_address_space_change_may_not_orphan_a_subnet(network_client, rg):
    put_vnet(network_client, rg, prefixes=("10.0.0.0/16", "10.1.0.0/16"),
             subnets={"a": "10.0.0.0/24", "b": "10.1.0.0/24"})
    assert error_of(put_vnet, network_client, rg, prefixes=("10.0.0.0/16",),
                    subnets={"a": "10.0.0.0/24", "b": "10.1.0.0/24"}) == (400, "NetcfgSubnetRangeOutsideVnet")
    v = network_client.virtual_networks.get(rg, "vnet")
    assert v.address_space.address_prefixes == ["10.0.0.0/16", "10.1.0.0/16"] and len(v.subnets) == 2


def test_subnet_size_and_reserved_names(network_client, rg):
    put_vnet(network_client, rg, subnets={})

    def make(name, prefix):  # type: ignore[no-untyped-def]
        return network_client.subnets.begin_create_or_update(rg, "vnet", name, {"properties": {"addressPrefix": prefix}}).result()

    assert error_of(make, "tiny", "10.0.0.0/30") == (400, "NetcfgInvalidSubnet")
    # issue 8 item 13: Azure accepts these subnets at any size and refuses the Bastion host / firewall in
    # them instead (tests/network/test_bastion.py, test_firewall.py)
    assert make("AzureBastionSubnet", "10.0.1.0/27").address_prefix == "10.0.1.0/27"
    assert make("AzureBastionSubnet", "10.0.1.0/26").address_prefix == "10.0.1.0/26"
    assert make("AzureFirewallSubnet", "10.0.2.0/27").name == "AzureFirewallSubnet"
    assert make("AzureFirewallSubnet", "10.0.2.0/26").name == "AzureFirewallSubnet"
    assert make("GatewaySubnet", "10.0.3.0/27").name == "GatewaySubnet"
    assert error_of(make, "RouteServerSubnet", "10.0.4.0/28") == (400, "NetcfgInvalidSubnet")
    assert make("RouteServerSubnet", "10.0.4.0/27").name == "RouteServerSubnet"


@pytest.mark.parametrize("props,code", [
    ({"flowTimeoutInMinutes": 3}, "InvalidFlowTimeoutInMinutes"),
    ({"flowTimeoutInMinutes": 31}, "InvalidFlowTimeoutInMinutes"),
    ({"flowTimeoutInMinutes": "soon"}, "InvalidRequestFormat"),
    ({"dhcpOptions": {"dnsServers": ["10.0.0.300"]}}, "InvalidDnsServerIpAddress"),
    ({"enableDdosProtection": "maybe"}, "InvalidRequestFormat"),
    ({"encryption": {"enabled": True, "enforcement": "Sometimes"}}, "InvalidRequestFormat"),
    ({"bgpCommunities": {"virtualNetworkCommunity": "65000:1"}}, "InvalidVirtualNetworkBgpCommunity"),
])
def test_bad_vnet_fields(inproc, inproc_group, props, code):
    assert code_of(inproc.call("PUT", _vnet(inproc, inproc_group), vnet_body(**props))) == (400, code)
    assert list(_vnets(inproc, inproc_group)) == []


def test_encryption_and_bgp_community(network_client, rg):
    v = put_vnet(network_client, rg, encryption={"enabled": True},
                 bgpCommunities={"virtualNetworkCommunity": "12076:20001"})
    assert v.encryption.enabled is True and v.encryption.enforcement == "AllowUnencrypted"
    assert v.bgp_communities.virtual_network_community == "12076:20001"
    assert v.bgp_communities.regional_community.startswith("12076:5")


def test_ddos_plan_must_exist(aznet, network_client, rg):
    plan = rid(aznet, rg, "ddosProtectionPlans", "plan")
    assert error_of(put_vnet, network_client, rg, enableDdosProtection=True,
                    ddosProtectionPlan={"id": plan}) == (400, "InvalidResourceReference")
    network_client.ddos_protection_plans.begin_create_or_update(rg, "plan", {"location": LOC}).result()
    v = put_vnet(network_client, rg, enableDdosProtection=True, ddosProtectionPlan={"id": plan})
    assert v.enable_ddos_protection is True and v.ddos_protection_plan.id.lower() == plan.lower()
    got = network_client.ddos_protection_plans.get(rg, "plan")
    assert [x.id.lower() for x in got.virtual_networks] == [v.id.lower()]
    assert error_of(network_client.ddos_protection_plans.begin_delete, rg, "plan")[0] == 400


def test_service_endpoints_and_delegations(network_client, rg):
    v = put_vnet(network_client, rg, subnets={"s": {
        "addressPrefix": "10.0.0.0/24",
        "serviceEndpoints": [{"service": "Microsoft.Storage"}, {"service": "Microsoft.Sql"},
                             {"service": "Microsoft.KeyVault"}],
        "delegations": [{"name": "d", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]}})
    s = v.subnets[0]
    eps = {e.service: e.locations for e in s.service_endpoints}
    assert eps == {"Microsoft.Storage": ["westeurope", "northeurope"], "Microsoft.Sql": ["westeurope"],
                   "Microsoft.KeyVault": ["*"]}
    assert s.delegations[0].service_name == "Microsoft.Web/serverFarms"
    assert s.delegations[0].actions == ["Microsoft.Network/virtualNetworks/subnets/action"]
    assert s.delegations[0].id.endswith("/subnets/s/delegations/d")
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "t",
                    {"properties": {"addressPrefix": "10.0.1.0/24", "serviceEndpoints": [{"service": "Microsoft.Nope"}]}}) == \
        (400, "SubnetHasServiceEndpointWithInvalidServiceName")


@pytest.mark.parametrize("field,value", [
    ("privateEndpointNetworkPolicies", "Sometimes"), ("privateLinkServiceNetworkPolicies", 3),
    ("defaultOutboundAccess", "perhaps")])
def test_bad_subnet_enum_and_bool(inproc, inproc_group, field, value):
    vnet = _put_vnet(inproc, inproc_group)
    assert code_of(inproc.call("PUT", f"{vnet}/subnets/s",
                               {"properties": {"addressPrefix": "10.0.0.0/24", field: value}})) == \
        (400, "InvalidRequestFormat")


@pytest.mark.parametrize("name", ["v", "-vnet", "vnet-", "x" * 65, "bad name"])
def test_vnet_name_rules(inproc, inproc_group, name):
    assert code_of(inproc.call("PUT", _vnet(inproc, inproc_group, name),
                               vnet_body())) == (400, "InvalidResourceName")


def test_nsg_reference_must_exist(aznet, network_client, rg):
    put_vnet(network_client, rg, subnets={})
    nsg = rid(aznet, rg, "networkSecurityGroups", "missing")
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "s",
                    {"properties": {"addressPrefix": "10.0.0.0/24", "networkSecurityGroup": {"id": nsg}}}) == \
        (400, "InvalidResourceReference")
    assert error_of(network_client.subnets.begin_create_or_update, rg, "vnet", "s",
                    {"properties": {"addressPrefix": "10.0.0.0/24", "networkSecurityGroup": {"id": "not-an-id"}}}) == \
        (400, "LinkedInvalidPropertyId")


@pytest.mark.parametrize("kind,name", [("nsg", "bad name!"), ("nsg", "x" * 81), ("rt", "-rt"),
                                       ("asg", "asg-"), ("subnet", "s" * 81), ("subnet", "-sub")])
def test_name_rules_per_type(inproc, inproc_group, kind, name):
    vnet = _put_vnet(inproc, inproc_group)
    path, body = {"nsg": (inproc.network(inproc_group, "networkSecurityGroups", name), {"location": LOC}),
                  "rt": (inproc.network(inproc_group, "routeTables", name), {"location": LOC}),
                  "asg": (inproc.network(inproc_group, "applicationSecurityGroups", name), {"location": LOC}),
                  "subnet": (f"{vnet}/subnets/{name}", {"properties": {"addressPrefix": "10.0.0.0/24"}})}[kind]
    assert code_of(inproc.call("PUT", path, body)) == (400, "InvalidResourceName")
    status, listed = inproc.call("GET", f"{vnet}/subnets")
    assert status == 200 and list(listed["value"]) == []


def test_service_endpoint_policy_on_subnet(aznet, network_client, rg):
    pol = network_client.service_endpoint_policies.begin_create_or_update(rg, "sep", {
        "location": LOC, "properties": {"serviceEndpointPolicyDefinitions": [{"name": "d", "properties": {
            "service": "Microsoft.Storage",
            "serviceResources": [f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}"]}}]}}).result()
    assert pol.service_endpoint_policy_definitions[0].service == "Microsoft.Storage"
    v = put_vnet(network_client, rg, subnets={"s": {"addressPrefix": "10.0.0.0/24",
                                                    "serviceEndpoints": [{"service": "Microsoft.Storage"}],
                                                    "serviceEndpointPolicies": [{"id": pol.id}]}})
    assert v.subnets[0].service_endpoint_policies[0].id.lower() == pol.id.lower()
    assert [s.id.lower() for s in network_client.service_endpoint_policies.get(rg, "sep").subnets] == \
        [v.subnets[0].id.lower()]
    assert error_of(network_client.service_endpoint_policies.begin_delete, rg, "sep")[0] == 400
