"""Private DNS zones, record sets, virtual network links and auto-registration
through azure-mgmt-privatedns (and azure-mgmt-network / -compute for VNets, NICs, VMs)."""

from __future__ import annotations

from tests.compute.test_vm import vm_body
from tests.network.nic_support import make_vnet, nic_body, rid, subnet_id

from .conftest import error_of


def pzone(pdns, rg, name="internal.contoso.com"):  # type: ignore[no-untyped-def]
    return pdns.private_zones.begin_create_or_update(rg, name, {"location": "global"}).result()


def link(pdns, rg, name, vnet_id, registration=False, zone="internal.contoso.com", **props):  # type: ignore[no-untyped-def]
    body = {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id},
                                                 "registrationEnabled": registration, **props}}
    return pdns.virtual_network_links.begin_create_or_update(rg, zone, name, body).result()


def a_records(pdns, rg, zone="internal.contoso.com"):  # type: ignore[no-untyped-def]
    return {r.name: ([x.ipv4_address for x in r.a_records], r.is_auto_registered)
            for r in pdns.record_sets.list_by_type(rg, zone, "A")}


def test_zone_soa_records_and_counters(private_dns_client, rg):
    z = pzone(private_dns_client, rg)
    assert z.location == "global" and z.max_number_of_record_sets == 25000 and z.number_of_record_sets == 1
    assert z.max_number_of_virtual_network_links == 1000 and z.number_of_virtual_network_links == 0
    assert z.internal_id and z.provisioning_state == "Succeeded"
    soa = private_dns_client.record_sets.get(rg, "internal.contoso.com", "SOA", "@")
    assert soa.soa_record.host == "azureprivatedns.net" and soa.soa_record.minimum_ttl == 10
    got = private_dns_client.record_sets.create_or_update(
        rg, "internal.contoso.com", "A", "db", {"properties": {"ttl": 30, "aRecords": [{"ipv4Address": "10.0.0.9"}]}})
    assert got.fqdn == "db.internal.contoso.com." and got.ttl == 30 and got.is_auto_registered is False
    private_dns_client.record_sets.create_or_update(
        rg, "internal.contoso.com", "CNAME", "www", {"properties": {"ttl": 30, "cnameRecord": {"cname": "db.internal.contoso.com"}}})
    assert error_of(private_dns_client.record_sets.create_or_update, rg, "internal.contoso.com", "A", "www",
                    {"properties": {"ttl": 30, "aRecords": [{"ipv4Address": "10.0.0.1"}]}}) == (409, "Conflict")
    assert error_of(private_dns_client.record_sets.create_or_update, rg, "internal.contoso.com", "A", "bad",
                    {"properties": {"ttl": 30, "aRecords": [{"ipv4Address": "10.0.0.300"}]}}) == (400, "BadRequest")
    assert len(list(private_dns_client.record_sets.list(rg, "internal.contoso.com"))) == 3
    assert private_dns_client.private_zones.get(rg, "internal.contoso.com").number_of_record_sets == 3
    assert error_of(private_dns_client.record_sets.delete, rg, "internal.contoso.com", "SOA", "@")[0] == 400


def test_links_rules(aznet, private_dns_client, network_client, rg):
    pzone(private_dns_client, rg)
    pzone(private_dns_client, rg, "other.contoso.com")
    make_vnet(network_client, rg, "vnet1")
    vnet1 = rid(aznet, rg, "virtualNetworks", "vnet1")
    got = link(private_dns_client, rg, "l1", vnet1, registration=True)
    assert got.virtual_network_link_state == "Completed" and got.registration_enabled is True
    assert got.resolution_policy == "Default" and got.location == "global"
    z = private_dns_client.private_zones.get(rg, "internal.contoso.com")
    assert z.number_of_virtual_network_links == 1 and z.number_of_virtual_network_links_with_registration == 1
    assert error_of(link, private_dns_client, rg, "l2", vnet1) == (409, "Conflict")          # linked twice
    assert error_of(link, private_dns_client, rg, "o1", vnet1, True, "other.contoso.com") == (409, "Conflict")
    link(private_dns_client, rg, "o1", vnet1, False, "other.contoso.com", resolutionPolicy="NxDomainRedirect")
    assert private_dns_client.virtual_network_links.get(rg, "other.contoso.com", "o1").resolution_policy == \
        "NxDomainRedirect"
    assert error_of(link, private_dns_client, rg, "l3", vnet1 + "-missing")[0] == 400
    make_vnet(network_client, rg, "vnet2")
    assert error_of(link, private_dns_client, rg, "l1", rid(aznet, rg, "virtualNetworks", "vnet2"), True)[0] == 400
    assert error_of(private_dns_client.private_zones.begin_delete, rg, "internal.contoso.com") == (409, "Conflict")
    private_dns_client.virtual_network_links.begin_delete(rg, "internal.contoso.com", "l1").result()
    private_dns_client.private_zones.begin_delete(rg, "internal.contoso.com").result()


def test_auto_registration_follows_nics_and_vms(aznet, private_dns_client, network_client, compute, rg):
    pzone(private_dns_client, rg)
    make_vnet(network_client, rg, "vnet1")
    nic1 = network_client.network_interfaces.begin_create_or_update(
        rg, "nic1", nic_body(subnet_id(aznet, rg, "vnet1"))).result()
    ip1 = nic1.ip_configurations[0].private_ip_address
    link(private_dns_client, rg, "l1", rid(aznet, rg, "virtualNetworks", "vnet1"), registration=True)
    assert a_records(private_dns_client, rg) == {"nic1": ([ip1], True)}      # registered when the link comes
    nic2 = network_client.network_interfaces.begin_create_or_update(
        rg, "nic2", nic_body(subnet_id(aznet, rg, "vnet1"))).result()
    ip2 = nic2.ip_configurations[0].private_ip_address
    assert a_records(private_dns_client, rg) == {"nic1": ([ip1], True), "nic2": ([ip2], True)}
    compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nic2.id)).result()
    assert a_records(private_dns_client, rg) == {"nic1": ([ip1], True), "vm1": ([ip2], True)}
    rec = private_dns_client.record_sets.get(rg, "internal.contoso.com", "A", "vm1")
    assert rec.ttl == 10 and rec.fqdn == "vm1.internal.contoso.com."
    assert error_of(private_dns_client.record_sets.create_or_update, rg, "internal.contoso.com", "A", "vm1",
                    {"properties": {"ttl": 5, "aRecords": [{"ipv4Address": "10.9.9.9"}]}}) == (400, "BadRequest")
    assert error_of(private_dns_client.record_sets.delete, rg, "internal.contoso.com", "A", "vm1") == \
        (400, "BadRequest")
    compute.virtual_machines.begin_delete(rg, "vm1").result()
    network_client.network_interfaces.begin_delete(rg, "nic2").result()
    assert a_records(private_dns_client, rg) == {"nic1": ([ip1], True)}
    assert private_dns_client.private_zones.get(rg, "internal.contoso.com").number_of_record_sets == 2
    link(private_dns_client, rg, "l1", rid(aznet, rg, "virtualNetworks", "vnet1"), registration=False)
    assert a_records(private_dns_client, rg) == {}
    assert private_dns_client.private_zones.get(rg, "internal.contoso.com").number_of_record_sets == 1


def test_unlinked_vnet_does_not_register(aznet, private_dns_client, network_client, rg):
    pzone(private_dns_client, rg)
    make_vnet(network_client, rg, "vnet1")
    make_vnet(network_client, rg, "vnet2", prefixes=("10.1.0.0/16",), subnets={"default": "10.1.0.0/24"})
    link(private_dns_client, rg, "l1", rid(aznet, rg, "virtualNetworks", "vnet1"), registration=False)
    link(private_dns_client, rg, "l2", rid(aznet, rg, "virtualNetworks", "vnet2"), registration=True)
    network_client.network_interfaces.begin_create_or_update(
        rg, "nic-a", nic_body(subnet_id(aznet, rg, "vnet1"))).result()
    nic_b = network_client.network_interfaces.begin_create_or_update(
        rg, "nic-b", nic_body(subnet_id(aznet, rg, "vnet2"))).result()
    assert a_records(private_dns_client, rg) == {"nic-b": ([nic_b.ip_configurations[0].private_ip_address], True)}


def test_link_keeps_tags_and_location(aznet, private_dns_client, network_client, rg):
    pzone(private_dns_client, rg)
    vnet = make_vnet(network_client, rg, "vnet-tags")
    got = private_dns_client.virtual_network_links.begin_create_or_update(
        rg, "internal.contoso.com", "tagged", {"location": "global", "tags": {"team": "net"},
                                                "properties": {"virtualNetwork": {"id": vnet.id},
                                                               "registrationEnabled": False}}).result()
    assert got.tags == {"team": "net"} and got.location == "global"
    again = private_dns_client.virtual_network_links.get(rg, "internal.contoso.com", "tagged")
    assert again.tags == {"team": "net"}
