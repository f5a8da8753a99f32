"""Azure Bastion through the real SDK, following "Deploy Bastion by using
specified settings" and the Developer SKU quickstart; the SKU rules, the
/26 rule on the Bastion host (issue 8 item 13), and the NSG rules Azure requires
on AzureBastionSubnet, each refusal leaving state unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from .nic_support import LOC, error_of, make_vnet, rid, subnet_id


def pip(net: Any, rg: str, name: str = "bastion-ip", version: str = "IPv4") -> str:
    return net.public_ip_addresses.begin_create_or_update(rg, name, {
        "location": LOC, "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": version}}).result().id


def bastion_body(aznet: Any, rg: str, sku: str = "Basic", subnet: str = "AzureBastionSubnet",
                 pip_name: str | None = "bastion-ip", **props: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {"subnet": {"id": subnet_id(aznet, rg, "VNet1", subnet)}}
    if pip_name:
        cfg["publicIPAddress"] = {"id": rid(aznet, rg, "publicIPAddresses", pip_name)}
    return {"location": LOC, "sku": {"name": sku},
            "properties": {"ipConfigurations": [{"name": "IpConf", "properties": cfg}], **props}}


def vnet(net: Any, rg: str, bastion_prefix: str = "10.1.1.0/26", **bastion_subnet: Any) -> None:
    make_vnet(net, rg, name="VNet1", prefixes=("10.1.0.0/16",),
              subnets={"FrontEnd": "10.1.0.0/24",
                       "AzureBastionSubnet": {"addressPrefix": bastion_prefix, **bastion_subnet}})


def test_quickstart_basic_then_standard(aznet, network_client, rg):
    net = network_client
    vnet(net, rg)
    pip(net, rg)
    b = net.bastion_hosts.begin_create_or_update(rg, "VNet1-bastion", bastion_body(aznet, rg)).result()
    assert b.sku.name == "Basic" and b.scale_units == 2
    assert b.dns_name.startswith("bst-") and b.dns_name.endswith(".bastion.azure.com")
    assert b.ip_configurations[0].subnet.id.endswith("/subnets/AzureBastionSubnet")
    shown = net.public_ip_addresses.get(rg, "bastion-ip")
    assert shown.ip_configuration.id.endswith("/bastionHostIpConfigurations/IpConf")
    # features need Standard: refused on Basic, accepted after the upgrade
    assert error_of(net.bastion_hosts.begin_create_or_update, rg, "VNet1-bastion",
                    bastion_body(aznet, rg, enableTunneling=True)) == (400, "BastionHostFeatureNotSupportedOnSku")
    up = net.bastion_hosts.begin_create_or_update(rg, "VNet1-bastion", bastion_body(
        aznet, rg, "Standard", enableTunneling=True, enableIpConnect=True, scaleUnits=4)).result()
    assert up.sku.name == "Standard" and up.enable_tunneling and up.scale_units == 4
    assert up.dns_name == b.dns_name
    assert error_of(net.bastion_hosts.begin_create_or_update, rg, "VNet1-bastion", bastion_body(aznet, rg)) == \
        (400, "BastionHostSkuDowngradeNotSupported")
    assert error_of(net.subnets.begin_delete, rg, "VNet1", "AzureBastionSubnet")[1] == "InUseSubnetCannotBeDeleted"
    net.bastion_hosts.begin_delete(rg, "VNet1-bastion").result()
    net.public_ip_addresses.begin_delete(rg, "bastion-ip").result()


def test_developer_sku_needs_no_subnet_or_ip(aznet, network_client, rg):
    net = network_client
    make_vnet(net, rg, name="VNet1", prefixes=("10.1.0.0/16",), subnets={"default": "10.1.0.0/24"})
    b = net.bastion_hosts.begin_create_or_update(rg, "dev", {"location": LOC, "sku": {"name": "Developer"},
                                                            "properties": {"virtualNetwork": {
                                                                "id": rid(aznet, rg, "virtualNetworks", "VNet1")}}}
                                                 ).result()
    assert b.sku.name == "Developer" and b.ip_configurations == [] and b.virtual_network.id.endswith("/VNet1")
    assert error_of(net.bastion_hosts.begin_create_or_update, rg, "dev2", {
        "location": LOC, "sku": {"name": "Developer"}, "properties": {
            "virtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", "VNet1")}, "scaleUnits": 3}}) == \
        (400, "InvalidBastionHostScaleUnits")


def test_bastion_subnet_size_is_checked_on_the_host_not_the_subnet(aznet, network_client, rg):
    net = network_client
    vnet(net, rg, "10.1.1.0/27")                 # Azure accepts the /27 subnet ...
    pip(net, rg)
    assert net.subnets.get(rg, "VNet1", "AzureBastionSubnet").address_prefix == "10.1.1.0/27"
    assert error_of(net.bastion_hosts.begin_create_or_update, rg, "b", bastion_body(aznet, rg)) == \
        (400, "AzureBastionSubnetPrefixTooSmall")  # ... and refuses the Bastion host in it
    assert list(net.bastion_hosts.list_by_resource_group(rg)) == []


@pytest.mark.parametrize("change,code", [
    ({"sku": "Basic", "props": {"scaleUnits": 3}}, "InvalidBastionHostScaleUnits"),
    ({"sku": "Standard", "props": {"scaleUnits": 51}}, "InvalidBastionHostScaleUnits"),
    ({"sku": "Standard", "props": {"enableSessionRecording": True}}, "BastionHostFeatureNotSupportedOnSku"),
    ({"sku": "Gold"}, "InvalidRequestFormat"),
    ({"subnet": "FrontEnd"}, "BastionHostSubnetMustBeNamedAzureBastionSubnet"),
    ({"pip_name": None}, "BastionHostPublicIpRequired"),
    ({"pip_version": "IPv6"}, "BastionHostPublicIpMustBeStandardStatic"),
    ({"props": {"enableFileCopy": "maybe"}}, "InvalidRequestFormat"),
])
def test_bad_bastions_refused(aznet, network_client, rg, change, code):
    net = network_client
    vnet(net, rg)
    pip(net, rg, version=change.get("pip_version", "IPv4"))
    body = bastion_body(aznet, rg, change.get("sku", "Basic"), change.get("subnet", "AzureBastionSubnet"),
                        change.get("pip_name", "bastion-ip"), **change.get("props", {}))
    assert error_of(net.bastion_hosts.begin_create_or_update, rg, "b", body) == (400, code)
    assert list(net.bastion_hosts.list_by_resource_group(rg)) == []
    assert net.public_ip_addresses.get(rg, "bastion-ip").ip_configuration is None


def test_premium_private_only(aznet, network_client, rg):
    net = network_client
    vnet(net, rg)
    b = net.bastion_hosts.begin_create_or_update(rg, "b", bastion_body(
        aznet, rg, "Premium", pip_name=None, enablePrivateOnlyBastion=True, enableSessionRecording=True)).result()
    assert b.enable_private_only_bastion and b.ip_configurations[0].public_ip_address is None
    vnet2 = bastion_body(aznet, rg, "Premium", pip_name=None, enablePrivateOnlyBastion=True)
    assert error_of(net.bastion_hosts.begin_create_or_update, rg, "second", vnet2) == (400, "BastionHostSubnetInUse")


# The rules of "Working with NSG access and Azure Bastion"
BASTION_RULES = [
    ("AllowHttpsInbound", 120, "Inbound", "Internet", "*", ["443"]),
    ("AllowGatewayManagerInbound", 130, "Inbound", "GatewayManager", "*", ["443"]),
    ("AllowAzureLoadBalancerInbound", 140, "Inbound", "AzureLoadBalancer", "*", ["443"]),
    ("AllowBastionHostCommunication", 150, "Inbound", "VirtualNetwork", "VirtualNetwork", ["8080", "5701"]),
    ("AllowSshRdpOutbound", 100, "Outbound", "*", "VirtualNetwork", ["22", "3389"]),
    ("AllowAzureCloudOutbound", 110, "Outbound", "*", "AzureCloud", ["443"]),
    ("AllowBastionCommunication", 120, "Outbound", "VirtualNetwork", "VirtualNetwork", ["8080", "5701"]),
    ("AllowHttpOutbound", 130, "Outbound", "*", "Internet", ["80"]),
]


def nsg(net: Any, rg: str, name: str, rules: list[tuple[Any, ...]]) -> str:
    body = [{"name": n, "properties": {"priority": p, "direction": d, "protocol": "Tcp",
                                       "access": "Deny" if n.startswith("Deny") else "Allow",
                                        "sourceAddressPrefix": s, "sourcePortRange": "*",
                                        "destinationAddressPrefix": t, "destinationPortRanges": ports}}
            for n, p, d, s, t, ports in rules]
    return net.network_security_groups.begin_create_or_update(rg, name, {
        "location": LOC, "properties": {"securityRules": body}}).result().id


def test_nsg_on_bastion_subnet_must_allow_bastion_flows(aznet, network_client, rg):
    net = network_client
    vnet(net, rg)
    good = nsg(net, rg, "nsg-bastion", BASTION_RULES)
    no_gm = nsg(net, rg, "nsg-no-https", [r for r in BASTION_RULES if r[0] != "AllowHttpsInbound"])
    deny_out = nsg(net, rg, "nsg-deny-cloud", [*BASTION_RULES, ("DenyAll", 105, "Outbound", "*", "*", ["443"])])
    sub = net.subnets.get(rg, "VNet1", "AzureBastionSubnet")
    for bad_nsg in (no_gm, deny_out):
        assert error_of(net.subnets.begin_create_or_update, rg, "VNet1", "AzureBastionSubnet", {"properties": {
            "addressPrefix": "10.1.1.0/26", "networkSecurityGroup": {"id": bad_nsg}}}) == \
            (400, "NetworkSecurityGroupNotCompliantForAzureBastionSubnet")
        assert net.subnets.get(rg, "VNet1", "AzureBastionSubnet").etag == sub.etag
    # the same NSGs are fine on an ordinary subnet
    net.subnets.begin_create_or_update(rg, "VNet1", "FrontEnd", {"properties": {
        "addressPrefix": "10.1.0.0/24", "networkSecurityGroup": {"id": no_gm}}}).result()
    done = net.subnets.begin_create_or_update(rg, "VNet1", "AzureBastionSubnet", {"properties": {
        "addressPrefix": "10.1.1.0/26", "networkSecurityGroup": {"id": good}}}).result()
    assert done.network_security_group.id.lower() == good.lower()
    pip(net, rg)
    b = net.bastion_hosts.begin_create_or_update(rg, "b", bastion_body(aznet, rg)).result()
    assert b.provisioning_state == "Succeeded"


def test_rules_of_an_nsg_on_the_bastion_subnet_stay_compliant(aznet, network_client, rg):
    """Best reading of Azure: a rule change that would break Bastion's flows on an associated NSG is refused."""
    net = network_client
    vnet(net, rg)
    good = nsg(net, rg, "nsg-bastion", BASTION_RULES)
    net.subnets.begin_create_or_update(rg, "VNet1", "AzureBastionSubnet", {"properties": {
        "addressPrefix": "10.1.1.0/26", "networkSecurityGroup": {"id": good}}}).result()
    assert error_of(net.security_rules.begin_delete, rg, "nsg-bastion", "AllowHttpsInbound") == \
        (400, "NetworkSecurityGroupNotCompliantForAzureBastionSubnet")
    assert net.security_rules.get(rg, "nsg-bastion", "AllowHttpsInbound").priority == 120
    deny = {"properties": {"priority": 105, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
                           "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
                           "destinationPortRange": "443"}}
    assert error_of(net.security_rules.begin_create_or_update, rg, "nsg-bastion", "DenyHttpsOut", deny) == \
        (400, "NetworkSecurityGroupNotCompliantForAzureBastionSubnet")
    assert [r.name for r in net.security_rules.list(rg, "nsg-bastion") if r.name == "DenyHttpsOut"] == []
    # an unrelated allow rule is fine
    extra = {"properties": {**deny["properties"], "access": "Allow", "priority": 200, "destinationPortRange": "8443"}}
    assert net.security_rules.begin_create_or_update(rg, "nsg-bastion", "AllowMore", extra).result().priority == 200
