"""Public IP addresses and prefixes through the real SDK: SKU and allocation
rules, DNS labels, idle timeout, the aznet pool, prefixes, in-use rules. The per-field rules (labels, idle
timeout, enums, prefix lengths) go through the in-process client, where the SDK adds nothing."""

from __future__ import annotations

import ipaddress

import pytest

from .inprocess_support import code_of
from .nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id

POOL = ipaddress.ip_network("127.64.0.0/16")


def std(**props):  # type: ignore[no-untyped-def]
    return {"location": LOC, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static", **props}}


def test_standard_static_gets_pool_address_and_fqdn(network_client, rg):
    pip = network_client.public_ip_addresses.begin_create_or_update(
        rg, "pip1", std(dnsSettings={"domainNameLabel": f"lbl-{rg}"})).result()
    assert ipaddress.ip_address(pip.ip_address) in POOL
    assert pip.sku.name == "Standard" and pip.sku.tier == "Regional"
    assert pip.public_ip_address_version == "IPv4"
    assert pip.idle_timeout_in_minutes == 4
    assert pip.dns_settings.fqdn == f"lbl-{rg}.westeurope.cloudapp.azure.com"
    again = network_client.public_ip_addresses.begin_create_or_update(rg, "pip1", std(
        dnsSettings={"domainNameLabel": f"lbl-{rg}"}, idleTimeoutInMinutes=10)).result()
    assert again.ip_address == pip.ip_address          # the allocation persists across updates
    assert again.idle_timeout_in_minutes == 10
    got = network_client.public_ip_addresses.get(rg, "pip1")
    assert got.ip_address == pip.ip_address and got.resource_guid == pip.resource_guid


def test_standard_dynamic_is_refused_and_nothing_written(network_client, rg):
    body = std()
    body["properties"]["publicIPAllocationMethod"] = "Dynamic"
    assert error_of(network_client.public_ip_addresses.begin_create_or_update, rg, "bad", body) == \
        (400, "StandardSkuPublicIPAddressesMustBeStatic")
    assert error_of(network_client.public_ip_addresses.get, rg, "bad")[0] == 404


def test_addresses_never_collide(network_client, rg):
    ips = set()
    for i in range(6):
        ips.add(network_client.public_ip_addresses.begin_create_or_update(rg, f"p{i}", std()).result().ip_address)
    assert len(ips) == 6 and all(ipaddress.ip_address(i) in POOL for i in ips)


def test_ipv6_comes_from_a_ula_range(network_client, rg):
    pip = network_client.public_ip_addresses.begin_create_or_update(
        rg, "v6", std(publicIPAddressVersion="IPv6")).result()
    addr = ipaddress.ip_address(pip.ip_address)
    assert addr.version == 6 and addr.is_private


def test_basic_dynamic_gets_address_only_when_attached(aznet, network_client, rg, allow_retired):
    pip = network_client.public_ip_addresses.begin_create_or_update(
        rg, "dyn", {"location": LOC, "sku": {"name": "Basic"},
                    "properties": {"publicIPAllocationMethod": "Dynamic"}}).result()
    assert pip.public_ip_allocation_method == "Dynamic" and pip.ip_address is None
    make_vnet(network_client, rg)
    pip_id = rid(aznet, rg, "publicIPAddresses", "dyn")
    nic = network_client.network_interfaces.begin_create_or_update(
        rg, "nic", nic_body(subnet_id(aznet, rg), publicIPAddress={"id": pip_id})).result()
    attached = network_client.public_ip_addresses.get(rg, "dyn")
    assert ipaddress.ip_address(attached.ip_address) in POOL
    assert attached.ip_configuration.id.lower() == nic.ip_configurations[0].id.lower()
    network_client.network_interfaces.begin_create_or_update(rg, "nic", nic_body(subnet_id(aznet, rg))).result()
    detached = network_client.public_ip_addresses.get(rg, "dyn")
    assert detached.ip_address is None and detached.ip_configuration is None


def test_in_use_public_ip_cannot_be_deleted(aznet, network_client, rg):
    network_client.public_ip_addresses.begin_create_or_update(rg, "used", std()).result()
    make_vnet(network_client, rg)
    network_client.network_interfaces.begin_create_or_update(
        rg, "nic", nic_body(subnet_id(aznet, rg), publicIPAddress={"id": rid(aznet, rg, "publicIPAddresses", "used")})
    ).result()
    assert error_of(network_client.public_ip_addresses.begin_delete, rg, "used") == \
        (400, "PublicIPAddressCannotBeDeleted")
    assert network_client.public_ip_addresses.get(rg, "used").ip_address


@pytest.mark.parametrize("label", ["1abc", "ab", "Upper", "ends-", "a" * 64, "has_underscore"])
def test_invalid_dns_labels(inproc, inproc_group, label):
    assert code_of(inproc.call("PUT", inproc.network(inproc_group, "publicIPAddresses", "l"),
                               std(dnsSettings={"domainNameLabel": label}))) == (400, "InvalidDomainNameLabel")


def test_dns_label_unique_per_region(network_client, rg):
    label = f"uniq-{rg}"
    network_client.public_ip_addresses.begin_create_or_update(rg, "a", std(dnsSettings={"domainNameLabel": label})
                                                              ).result()
    assert error_of(network_client.public_ip_addresses.begin_create_or_update, rg, "b",
                    std(dnsSettings={"domainNameLabel": label})) == (400, "DnsRecordInUse")
    other = std(dnsSettings={"domainNameLabel": label})
    other["location"] = "northeurope"
    pip = network_client.public_ip_addresses.begin_create_or_update(rg, "c", other).result()
    assert pip.dns_settings.fqdn == f"{label}.northeurope.cloudapp.azure.com"
    assert network_client.check_dns_name_availability(LOC, domain_name_label=label).available is False
    assert network_client.check_dns_name_availability(LOC, domain_name_label=f"free-{rg}").available is True


@pytest.mark.parametrize("timeout", [3, 31])
def test_idle_timeout_out_of_range(inproc, inproc_group, timeout):
    pip = inproc.network(inproc_group, "publicIPAddresses", "t")
    status, _ = code_of(inproc.call("PUT", pip, std(idleTimeoutInMinutes=timeout)))
    assert status == 400
    assert inproc.call("GET", pip)[0] == 404


@pytest.mark.parametrize("body", [
    {"location": LOC, "sku": {"name": "Premium"}},
    {"location": LOC, "properties": {"publicIPAllocationMethod": "Sometimes"}},
    {"location": LOC, "properties": {"publicIPAddressVersion": "IPv5"}},
    {"location": LOC, "properties": {"idleTimeoutInMinutes": "soon"}},
])
def test_bad_enum_and_type_values(inproc, inproc_group, body):
    assert code_of(inproc.call("PUT", inproc.network(inproc_group, "publicIPAddresses", "e"), body)) == \
        (400, "InvalidRequestFormat")


def test_prefix_allocation_and_backreference(aznet, network_client, rg):
    prefix = network_client.public_ip_prefixes.begin_create_or_update(
        rg, "pfx", {"location": LOC, "sku": {"name": "Standard"}, "properties": {"prefixLength": 30}}).result()
    net = ipaddress.ip_network(prefix.ip_prefix)
    assert net.prefixlen == 30 and net.subnet_of(POOL)
    pfx_id = rid(aznet, rg, "publicIPPrefixes", "pfx")
    addrs = set()
    for i in range(4):
        pip = network_client.public_ip_addresses.begin_create_or_update(
            rg, f"fp{i}", std(publicIPPrefix={"id": pfx_id})).result()
        assert ipaddress.ip_address(pip.ip_address) in net
        addrs.add(pip.ip_address)
    assert len(addrs) == 4
    assert error_of(network_client.public_ip_addresses.begin_create_or_update, rg, "fp4",
                    std(publicIPPrefix={"id": pfx_id})) == (400, "PublicIpPrefixOutOfIpAddressesForPublicIp")
    single = network_client.public_ip_addresses.begin_create_or_update(rg, "single", std()).result()
    assert ipaddress.ip_address(single.ip_address) not in net
    got = network_client.public_ip_prefixes.get(rg, "pfx")
    assert {p.id.lower() for p in got.public_ip_addresses} == \
        {rid(aznet, rg, "publicIPAddresses", f"fp{i}").lower() for i in range(4)}
    assert error_of(network_client.public_ip_prefixes.begin_delete, rg, "pfx")[0] == 400


@pytest.mark.parametrize("length", [27, 32])
def test_prefix_length_rules(inproc, inproc_group, length):
    assert code_of(inproc.call("PUT", inproc.network(inproc_group, "publicIPPrefixes", "bad"),
                               {"location": LOC, "sku": {"name": "Standard"},
                                "properties": {"prefixLength": length}}))[0] == 400


def test_prefixes_do_not_overlap(network_client, rg):
    nets = [ipaddress.ip_network(network_client.public_ip_prefixes.begin_create_or_update(
        rg, f"px{i}", {"location": LOC, "sku": {"name": "Standard"}, "properties": {"prefixLength": 28 + i % 3}}
    ).result().ip_prefix) for i in range(5)]
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            assert not a.overlaps(b)


def test_reference_to_missing_prefix(aznet, network_client, rg):
    assert error_of(network_client.public_ip_addresses.begin_create_or_update, rg, "x",
                    std(publicIPPrefix={"id": rid(aznet, rg, "publicIPPrefixes", "nope")})) == \
        (400, "InvalidResourceReference")
