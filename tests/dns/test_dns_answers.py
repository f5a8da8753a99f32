"""End to end: resources PUT through the SDKs, answers read with dnspython and dig
from aznet's DNS listeners (the public one and the per-VNet resolvers)."""

from __future__ import annotations

import shutil
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from tests.network.nic_support import make_storage_account, make_vnet, nic_body, rid, subnet_id

from .test_dns_zones import rs, zone
from .test_private_dns import link, pzone


def dns_port(aznet) -> int:  # type: ignore[no-untyped-def]
    return aznet.platform.services["dns"].port


def ask(port: int, name: str, rtype: str = "A", tcp: bool = False) -> dns.message.Message:
    q = dns.message.make_query(name, rtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(q, "127.0.0.1", port=port, timeout=3)


def addresses(msg: dns.message.Message) -> list[str]:
    return sorted(r.address for rr in msg.answer if rr.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA) for r in rr)


def vnet_port(aznet, vnet_id: str) -> int:  # type: ignore[no-untyped-def]
    """The resolver port of a VNet (its listener starts just after the link is written)."""
    svc = aznet.platform.services["dns"]
    for _ in range(200):
        found = aznet.call(svc.vnet_endpoint, vnet_id)
        if found is not None:
            return int(found[1])
        time.sleep(0.01)
    raise AssertionError(f"no resolver listener for {vnet_id}")


def test_public_records_follow_put_and_delete(aznet, dns_client, rg):
    port = dns_port(aznet)
    z = zone(dns_client, rg, "answers.example")
    soa = ask(port, "answers.example", "SOA")
    assert soa.rcode() == dns.rcode.NOERROR and soa.flags & dns.flags.AA
    assert str(soa.answer[0][0].mname) == z.name_servers[0]
    assert ask(port, "www.answers.example").rcode() == dns.rcode.NXDOMAIN
    rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "192.0.2.1"}]}, zone_name="answers.example")
    assert addresses(ask(port, "www.answers.example")) == ["192.0.2.1"]
    rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "192.0.2.2"}, {"ipv4_address": "192.0.2.3"}]},
       zone_name="answers.example")
    assert addresses(ask(port, "www.answers.example", tcp=True)) == ["192.0.2.2", "192.0.2.3"]
    rs(dns_client, rg, "app", "CNAME", {"cname_record": {"cname": "www.answers.example"}},
       zone_name="answers.example")
    chained = ask(port, "app.answers.example")
    assert addresses(chained) == ["192.0.2.2", "192.0.2.3"]
    dns_client.record_sets.delete(rg, "answers.example", "www", "A")
    gone = ask(port, "www.answers.example")
    assert gone.rcode() == dns.rcode.NXDOMAIN and gone.authority       # SOA in the authority section
    dns_client.zones.begin_delete(rg, "answers.example").result()
    assert ask(port, "answers.example", "SOA").rcode() == dns.rcode.REFUSED


def test_alias_record_follows_public_ip(aznet, dns_client, network_client, rg):
    port = dns_port(aznet)
    pip = network_client.public_ip_addresses.begin_create_or_update(rg, "pip1", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    zone(dns_client, rg, "alias.example")
    rs(dns_client, rg, "@", "A", {"target_resource": {"id": rid(aznet, rg, "publicIPAddresses", "pip1")}},
       zone_name="alias.example")
    assert addresses(ask(port, "alias.example")) == [pip.ip_address]


@pytest.mark.skipif(shutil.which("dig") is None, reason="dig is not installed")
def test_dig(aznet, dns_client, rg):
    port = dns_port(aznet)
    zone(dns_client, rg, "dig.example")
    rs(dns_client, rg, "@", "MX", {"mx_records": [{"preference": 10, "exchange": "mail.dig.example"}]},
       zone_name="dig.example")
    rs(dns_client, rg, "@", "TXT", {"txt_records": [{"value": ["hello world"]}]}, zone_name="dig.example")
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+short", "dig.example", "MX"],
                         capture_output=True, text=True, timeout=10).stdout.split()
    assert out == ["10", "mail.dig.example."]
    txt = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+tcp", "+short", "dig.example", "TXT"],
                         capture_output=True, text=True, timeout=10).stdout.strip()
    assert txt == '"hello world"'


def test_private_zone_per_vnet_and_registration(aznet, private_dns_client, network_client, rg):
    pzone(private_dns_client, rg, "corp.internal")
    make_vnet(network_client, rg, "linked")
    make_vnet(network_client, rg, "other", prefixes=("10.1.0.0/16",), subnets={"default": "10.1.0.0/24"})
    linked_id, other_id = rid(aznet, rg, "virtualNetworks", "linked"), rid(aznet, rg, "virtualNetworks", "other")
    link(private_dns_client, rg, "l1", linked_id, registration=True, zone="corp.internal")
    private_dns_client.record_sets.create_or_update(
        rg, "corp.internal", "A", "db", {"properties": {"ttl": 30, "aRecords": [{"ipv4Address": "10.0.0.99"}]}})
    port = vnet_port(aznet, linked_id)
    assert addresses(ask(port, "db.corp.internal")) == ["10.0.0.99"]
    assert ask(dns_port(aznet), "db.corp.internal").rcode() == dns.rcode.REFUSED   # not public
    nic = network_client.network_interfaces.begin_create_or_update(
        rg, "web1", nic_body(subnet_id(aznet, rg, "linked"))).result()
    assert addresses(ask(port, "web1.corp.internal")) == [nic.ip_configurations[0].private_ip_address]
    network_client.network_interfaces.begin_delete(rg, "web1").result()
    assert ask(port, "web1.corp.internal").rcode() == dns.rcode.NXDOMAIN
    # a VNet with no link to the zone does not see it
    pzone(private_dns_client, rg, "elsewhere.internal")
    link(private_dns_client, rg, "o1", other_id, zone="elsewhere.internal")
    other_port = vnet_port(aznet, other_id)
    assert ask(other_port, "db.corp.internal").rcode() != dns.rcode.NOERROR
    assert not ask(other_port, "db.corp.internal").answer


def test_private_endpoint_zone_group_resolves_in_vnet(aznet, private_dns_client, network_client, rg):
    from tests.network.test_private_link import consumer, pe_body

    sub = consumer(aznet, network_client, rg)
    zone_name = "privatelink.blob.core.windows.net"
    pzone(private_dns_client, rg, zone_name)
    vnet_id = rid(aznet, rg, "virtualNetworks", "vnet-pe")
    link(private_dns_client, rg, "pe-link", vnet_id, zone=zone_name)
    storage = make_storage_account(aznet, rg, "mystorage")
    network_client.private_endpoints.begin_create_or_update(
        rg, "pe-blob", pe_body(sub, storage, conn={"groupIds": ["blob"]})).result()
    network_client.private_dns_zone_groups.begin_create_or_update(rg, "pe-blob", "default", {
        "properties": {"privateDnsZoneConfigs": [{"name": "blob", "properties": {
            "privateDnsZoneId": rid(aznet, rg, "privateDnsZones", zone_name)}}]}}).result()
    rec = private_dns_client.record_sets.get(rg, zone_name, "A", "mystorage")
    assert [a.ipv4_address for a in rec.a_records] == ["10.1.0.4"]
    assert addresses(ask(vnet_port(aznet, vnet_id), "mystorage.privatelink.blob.core.windows.net")) == ["10.1.0.4"]
