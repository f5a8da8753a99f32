"""Network interfaces through the real SDK: private IP allocation as Azure
does it, static IP rules, secondary and IPv6 configurations, references. The per-field rules (reserved
addresses, bad references, bad field values) go through the in-process client, where the SDK adds nothing."""

from __future__ import annotations

import pytest

from .inprocess_support import code_of
from .nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id
from .vnet_support import vnet_body


@pytest.fixture
def inproc_vnet(inproc, inproc_group):  # type: ignore[no-untyped-def]
    """The ``vnet`` fixture's network on the in-process client (for the rule tests): its default subnet's id."""
    path = inproc.network(inproc_group, "virtualNetworks", "vnet")
    status, body = inproc.call("PUT", path, vnet_body(subnets={"default": "10.0.0.0/24", "small": "10.0.1.0/29",
                                                                "other": "10.0.2.0/24"},
                                                       dhcpOptions={"dnsServers": ["10.0.0.53"]}))
    assert status == 201, body
    return f"{path}/subnets/default"


@pytest.fixture
def vnet(aznet, network_client, rg):  # type: ignore[no-untyped-def]
    make_vnet(network_client, rg, subnets={"default": "10.0.0.0/24", "small": "10.0.1.0/29",
                                           "other": "10.0.2.0/24"},
              dhcpOptions={"dnsServers": ["10.0.0.53"]})
    return subnet_id(aznet, rg)


def create(net, rg, name, body):  # type: ignore[no-untyped-def]
    return net.network_interfaces.begin_create_or_update(rg, name, body).result()


def test_dynamic_ips_are_lowest_free_after_reserved(network_client, rg, vnet):
    a = create(network_client, rg, "a", nic_body(vnet))
    b = create(network_client, rg, "b", nic_body(vnet))
    assert a.ip_configurations[0].private_ip_address == "10.0.0.4"
    assert b.ip_configurations[0].private_ip_address == "10.0.0.5"
    cfg = a.ip_configurations[0]
    assert cfg.private_ip_allocation_method == "Dynamic" and cfg.primary is True
    assert cfg.private_ip_address_version == "IPv4"
    assert cfg.id.endswith("/networkInterfaces/a/ipConfigurations/ipconfig1")
    network_client.network_interfaces.begin_delete(rg, "a").result()
    c = create(network_client, rg, "c", nic_body(vnet))
    assert c.ip_configurations[0].private_ip_address == "10.0.0.4"     # freed address is reused


def test_update_keeps_dynamic_address_and_static_switch_keeps_it(network_client, rg, vnet):
    create(network_client, rg, "pad", nic_body(vnet))
    nic = create(network_client, rg, "n", nic_body(vnet))
    ip = nic.ip_configurations[0].private_ip_address
    body = nic_body(vnet)
    body["properties"]["enableIPForwarding"] = True          # a NIC property (Azure rejects it on an ipConfiguration)
    again = create(network_client, rg, "n", body)
    assert again.ip_configurations[0].private_ip_address == ip
    static = create(network_client, rg, "n", nic_body(vnet, privateIPAllocationMethod="Static", privateIPAddress=ip))
    assert static.ip_configurations[0].private_ip_address == ip


def test_static_ip_inside_subnet(network_client, rg, vnet):
    nic = create(network_client, rg, "s", nic_body(vnet, privateIPAllocationMethod="Static",
                                                   privateIPAddress="10.0.0.100"))
    assert nic.ip_configurations[0].private_ip_address == "10.0.0.100"
    assert nic.ip_configurations[0].private_ip_allocation_method == "Static"
    dyn = create(network_client, rg, "d", nic_body(vnet))
    assert dyn.ip_configurations[0].private_ip_address == "10.0.0.4"


def test_static_ip_outside_subnet(network_client, rg, vnet):
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "x",
                    nic_body(vnet, privateIPAllocationMethod="Static", privateIPAddress="10.0.1.10")) == \
        (400, "PrivateIPAddressNotInSubnet")
    assert error_of(network_client.network_interfaces.get, rg, "x")[0] == 404


@pytest.mark.parametrize("ip", ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.255"])
def test_static_ip_reserved(inproc, inproc_group, inproc_vnet, ip):
    assert code_of(inproc.call("PUT", inproc.network(inproc_group, "networkInterfaces", "r"),
                               nic_body(inproc_vnet, privateIPAllocationMethod="Static", privateIPAddress=ip))) == \
        (400, "PrivateIPAddressInReservedRange")


def test_static_ip_taken(network_client, rg, vnet):
    create(network_client, rg, "first", nic_body(vnet, privateIPAllocationMethod="Static",
                                                 privateIPAddress="10.0.0.50"))
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "second",
                    nic_body(vnet, privateIPAllocationMethod="Static", privateIPAddress="10.0.0.50")) == \
        (400, "PrivateIPAddressIsAllocated")
    dyn_first = create(network_client, rg, "dyn", nic_body(vnet))
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "third",
                    nic_body(vnet, privateIPAllocationMethod="Static",
                             privateIPAddress=dyn_first.ip_configurations[0].private_ip_address)) == \
        (400, "PrivateIPAddressIsAllocated")


def test_subnet_is_full(aznet, network_client, rg, vnet):
    small = subnet_id(aznet, rg, subnet="small")          # /29: .4 .5 .6 usable
    got = [create(network_client, rg, f"f{i}", nic_body(small)).ip_configurations[0].private_ip_address
           for i in range(3)]
    assert got == ["10.0.1.4", "10.0.1.5", "10.0.1.6"]
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "f3", nic_body(small)) == \
        (400, "SubnetIsFull")


def test_secondary_ip_configurations(aznet, network_client, rg, vnet):
    body = {"location": LOC, "properties": {"ipConfigurations": [
        {"name": "primary", "properties": {"subnet": {"id": vnet}, "primary": True}},
        {"name": "second", "properties": {"subnet": {"id": vnet}, "privateIPAllocationMethod": "Static",
                                          "privateIPAddress": "10.0.0.4"}},
        {"name": "third", "properties": {"subnet": {"id": subnet_id(aznet, rg, subnet="other")}}},
    ]}}
    nic = create(network_client, rg, "multi", body)
    ips = {c.name: c.private_ip_address for c in nic.ip_configurations}
    assert ips == {"primary": "10.0.0.5", "second": "10.0.0.4", "third": "10.0.2.4"}
    assert [c.primary for c in nic.ip_configurations] == [True, False, False]
    one = network_client.network_interface_ip_configurations.get(rg, "multi", "second")
    assert one.private_ip_address == "10.0.0.4"
    assert {c.name for c in network_client.network_interface_ip_configurations.list(rg, "multi")} == \
        {"primary", "second", "third"}


def test_primary_rule(network_client, rg, vnet):
    body = {"location": LOC, "properties": {"ipConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": vnet}}},
        {"name": "b", "properties": {"subnet": {"id": vnet}}}]}}
    status, _ = error_of(network_client.network_interfaces.begin_create_or_update, rg, "p", body)
    assert status == 400


def test_ipv6_secondary_configuration(aznet, network_client, rg):
    make_vnet(network_client, rg, prefixes=("10.1.0.0/16", "fd00:db8:deca::/48"),
              subnets={"ds": {"addressPrefixes": ["10.1.0.0/24", "fd00:db8:deca::/64"]}})
    sub = subnet_id(aznet, rg, subnet="ds")
    body = {"location": LOC, "properties": {"ipConfigurations": [
        {"name": "v4", "properties": {"subnet": {"id": sub}, "primary": True}},
        {"name": "v6", "properties": {"subnet": {"id": sub}, "privateIPAddressVersion": "IPv6"}}]}}
    nic = create(network_client, rg, "ds", body)
    ips = {c.name: c.private_ip_address for c in nic.ip_configurations}
    assert ips == {"v4": "10.1.0.4", "v6": "fd00:db8:deca::4"}


def test_ipconfigs_in_different_vnets(aznet, network_client, rg, vnet):
    make_vnet(network_client, rg, name="vnet2", prefixes=("10.9.0.0/16",), subnets={"s": "10.9.0.0/24"})
    body = {"location": LOC, "properties": {"ipConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": vnet}, "primary": True}},
        {"name": "b", "properties": {"subnet": {"id": subnet_id(aznet, rg, "vnet2", "s")}}}]}}
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "v", body)[0] == 400
    assert error_of(network_client.network_interfaces.get, rg, "v")[0] == 404


def test_nic_must_be_in_vnet_region(network_client, rg, vnet):
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "far",
                    nic_body(vnet, location="eastus")) == (400, "InvalidResourceReference")


@pytest.mark.parametrize("ref", ["missing-subnet", "missing-nsg", "missing-asg", "missing-pool", "not-an-id"])
def test_bad_references(inproc, inproc_group, inproc_vnet, ref):
    body = nic_body(inproc_vnet)
    ipc = body["properties"]["ipConfigurations"][0]["properties"]
    if ref == "missing-subnet":
        ipc["subnet"] = {"id": inproc_vnet.rsplit("/", 1)[0] + "/nope"}
    elif ref == "missing-nsg":
        body["properties"]["networkSecurityGroup"] = {"id": inproc.network(inproc_group, "networkSecurityGroups",
                                                                           "nope")}
    elif ref == "missing-asg":
        ipc["applicationSecurityGroups"] = [{"id": inproc.network(inproc_group, "applicationSecurityGroups", "nope")}]
    elif ref == "missing-pool":
        ipc["loadBalancerBackendAddressPools"] = [
            {"id": inproc.network(inproc_group, "loadBalancers", "lb") + "/backendAddressPools/nope"}]
    else:
        ipc["subnet"] = {"id": "not-an-id"}
    nic = inproc.network(inproc_group, "networkInterfaces", "ref")
    status, code = code_of(inproc.call("PUT", nic, body))
    assert status == 400 and code in ("InvalidResourceReference", "LinkedInvalidPropertyId")
    assert inproc.call("GET", nic)[0] == 404


@pytest.mark.parametrize("ipprops", [
    {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.0.300"},
    {"privateIPAllocationMethod": "Static", "privateIPAddress": "not-an-ip"},
    {"privateIPAllocationMethod": "Sticky"},
    {"privateIPAddressVersion": "IPv5"},
    {"primary": "maybe"},
])
def test_bad_field_values(inproc, inproc_group, inproc_vnet, ipprops):
    nic = inproc.network(inproc_group, "networkInterfaces", "bad")
    status, _ = code_of(inproc.call("PUT", nic, nic_body(inproc_vnet, **ipprops)))
    assert status == 400
    assert inproc.call("GET", nic)[0] == 404


def test_public_ip_used_by_one_ipconfig_only(aznet, network_client, rg, vnet):
    network_client.public_ip_addresses.begin_create_or_update(
        rg, "pip", {"location": LOC, "sku": {"name": "Standard"},
                    "properties": {"publicIPAllocationMethod": "Static"}}).result()
    pip = {"id": rid(aznet, rg, "publicIPAddresses", "pip")}
    create(network_client, rg, "owner", nic_body(vnet, publicIPAddress=pip))
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "thief",
                    nic_body(vnet, publicIPAddress=pip)) == (400, "PublicIPAddressInUse")
    twice = {"location": LOC, "properties": {"ipConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": vnet}, "primary": True, "publicIPAddress": pip}},
        {"name": "b", "properties": {"subnet": {"id": vnet}, "publicIPAddress": pip}}]}}
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "owner", twice) == \
        (400, "PublicIPAddressInUse")


def test_computed_fields(network_client, rg, vnet):
    nic = create(network_client, rg, "c", nic_body(vnet))
    assert nic.dns_settings.applied_dns_servers == ["10.0.0.53"]
    assert nic.dns_settings.internal_domain_name_suffix.endswith(".internal.cloudapp.net")
    assert nic.enable_ip_forwarding is False and nic.enable_accelerated_networking is False
    assert nic.mac_address is None and nic.virtual_machine is None
    assert nic.nic_type == "Standard" and nic.resource_guid
    custom = create(network_client, rg, "c", {**nic_body(vnet), "properties": {
        **nic_body(vnet)["properties"], "dnsSettings": {"dnsServers": ["1.1.1.1"]}}})
    assert custom.dns_settings.applied_dns_servers == ["1.1.1.1"]
