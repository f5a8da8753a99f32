"""Azure DNS public zones and record sets through azure-mgmt-dns."""

from __future__ import annotations

import pytest

from .conftest import error_of


def zone(dns, rg, name="contoso.com", **kw):  # type: ignore[no-untyped-def]
    return dns.zones.create_or_update(rg, name, {"location": "global", **kw})


def rs(dns, rg, name, rtype, props, zone_name="contoso.com", **kw):  # type: ignore[no-untyped-def]
    return dns.record_sets.create_or_update(rg, zone_name, name, rtype, {"ttl": 300, **props}, **kw)


def test_zone_has_soa_and_ns_and_name_servers(dns_client, rg):
    z = zone(dns_client, rg, tags={"env": "test"})
    assert z.location == "global" and z.zone_type == "Public" and z.tags == {"env": "test"}
    assert len(z.name_servers) == 4
    assert [s.split(".", 1)[1] for s in z.name_servers] == ["azure-dns.com.", "azure-dns.net.", "azure-dns.org.",
                                                            "azure-dns.info."]
    assert z.name_servers[0].startswith("ns1-") and z.name_servers[3].startswith("ns4-")
    assert z.number_of_record_sets == 2 and z.max_number_of_record_sets == 10000
    soa = dns_client.record_sets.get(rg, "contoso.com", "@", "SOA")
    assert soa.soa_record.host == z.name_servers[0] and soa.soa_record.email == "azuredns-hostmaster.microsoft.com"
    assert soa.fqdn == "contoso.com." and soa.type == "Microsoft.Network/dnszones/SOA"
    ns = dns_client.record_sets.get(rg, "contoso.com", "@", "NS")
    assert [r.nsdname for r in ns.ns_records] == z.name_servers and ns.ttl == 172800
    listed = [(r.name, r.type.rsplit("/", 1)[1]) for r in dns_client.record_sets.list_by_dns_zone(rg, "contoso.com")]
    assert sorted(listed) == [("@", "NS"), ("@", "SOA")]
    assert error_of(dns_client.record_sets.delete, rg, "contoso.com", "@", "SOA") == (400, "BadRequest")
    assert error_of(dns_client.record_sets.delete, rg, "contoso.com", "@", "NS") == (400, "BadRequest")


def test_zone_location_and_name(dns_client, rg):
    assert error_of(zone, dns_client, rg, "contoso.com", location="westeurope")[0] == 400
    assert error_of(dns_client.zones.create_or_update, rg, "com", {"location": "global"}) == (400, "BadRequest")
    assert error_of(dns_client.zones.create_or_update, rg, "bad_-.x..com", {"location": "global"})[0] == 400


def test_record_sets_crud_and_counts(dns_client, rg):
    zone(dns_client, rg)
    a = rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.1.2.3"}, {"ipv4_address": "10.1.2.4"}],
                                        "metadata": {"owner": "me"}})
    assert a.fqdn == "www.contoso.com." and a.ttl == 300 and a.provisioning_state == "Succeeded"
    assert sorted(r.ipv4_address for r in a.a_records) == ["10.1.2.3", "10.1.2.4"] and a.metadata == {"owner": "me"}
    assert a.etag and "/dnszones/contoso.com/A/www" in a.id
    rs(dns_client, rg, "@", "MX", {"mx_records": [{"preference": 10, "exchange": "mail.contoso.com."}]})
    rs(dns_client, rg, "_sip._tcp", "SRV", {"srv_records": [{"priority": 1, "weight": 2, "port": 5060,
                                                             "target": "sip.contoso.com"}]})
    rs(dns_client, rg, "@", "TXT", {"txt_records": [{"value": ["v=spf1 -all"]}]})
    rs(dns_client, rg, "@", "CAA", {"caa_records": [{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}]})
    rs(dns_client, rg, "v6", "AAAA", {"aaaa_records": [{"ipv6_address": "2001:db8::1"}]})
    rs(dns_client, rg, "*.wild", "A", {"a_records": [{"ipv4_address": "10.9.9.9"}]})
    rs(dns_client, rg, "4", "PTR", {"ptr_records": [{"ptrdname": "host.contoso.com"}]})
    rs(dns_client, rg, "sub", "NS", {"ns_records": [{"nsdname": "ns1.other.net."}]})
    assert dns_client.zones.get(rg, "contoso.com").number_of_record_sets == 11
    assert len(list(dns_client.record_sets.list_all_by_dns_zone(rg, "contoso.com"))) == 11
    assert [r.name for r in dns_client.record_sets.list_by_type(rg, "contoso.com", "A")] == ["www", "*.wild"]
    suffixed = [r.name for r in dns_client.record_sets.list_by_dns_zone(rg, "contoso.com", recordsetnamesuffix="_tcp")]
    assert suffixed == ["_sip._tcp"]
    assert len(list(dns_client.record_sets.list_by_dns_zone(rg, "contoso.com", top=3))) == 11   # paged
    dns_client.record_sets.delete(rg, "contoso.com", "www", "A")
    assert error_of(dns_client.record_sets.get, rg, "contoso.com", "www", "A")[0] == 404
    assert dns_client.zones.get(rg, "contoso.com").number_of_record_sets == 10
    dns_client.zones.begin_delete(rg, "contoso.com").result()
    assert error_of(dns_client.zones.get, rg, "contoso.com")[0] == 404
    zone(dns_client, rg)     # a new zone starts with its SOA and NS again
    assert dns_client.zones.get(rg, "contoso.com").number_of_record_sets == 2


def test_cname_rules(dns_client, rg):
    zone(dns_client, rg)
    assert error_of(rs, dns_client, rg, "@", "CNAME", {"cname_record": {"cname": "x.net"}}) == (400, "BadRequest")
    rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}]})
    assert error_of(rs, dns_client, rg, "www", "CNAME", {"cname_record": {"cname": "x.net"}}) == (409, "Conflict")
    rs(dns_client, rg, "app", "CNAME", {"cname_record": {"cname": "x.net"}})
    assert error_of(rs, dns_client, rg, "app", "TXT", {"txt_records": [{"value": ["a"]}]}) == (409, "Conflict")
    rs(dns_client, rg, "app", "CNAME", {"cname_record": {"cname": "y.net"}})     # replacing the CNAME is fine
    assert dns_client.record_sets.get(rg, "contoso.com", "app", "CNAME").cname_record.cname == "y.net"


DNS_API = "2018-05-01"      # the api-version azure-mgmt-dns sends


@pytest.mark.parametrize("rtype,props", [
    ("A", {"ARecords": [{"ipv4Address": "300.1.1.1"}]}),
    ("A", {"ARecords": [{"ipv4Address": "2001:db8::1"}]}),
    ("AAAA", {"AAAARecords": [{"ipv6Address": "10.0.0.1"}]}),
    ("MX", {"MXRecords": [{"preference": 70000, "exchange": "mail.contoso.com"}]}),
    ("CNAME", {"CNAMERecord": {"cname": "\"quoted.example\""}}),
    ("SRV", {"SRVRecords": [{"priority": 1, "weight": 1, "port": -1, "target": "x.com"}]}),
    ("A", {"ARecords": [{"ipv4Address": f"10.0.0.{i}"} for i in range(21)]}),
    ("A", {"ARecords": [{"ipv4Address": "10.0.0.1"}], "MXRecords": [{"preference": 1, "exchange": "m.com"}]}),
    ("SOA", {"SOARecord": {"email": "x.com"}}),
])
def test_invalid_record_sets_are_refused_without_writes(inproc, inproc_group, rtype, props):
    """A record-set rule each, through the in-process client (the SDK adds nothing to a refusal): the wire
    names azure-mgmt-dns sends for a_records, aaaa_records, mx_records, cname_record, srv_records, soa_record."""
    zone_path = f"{inproc_group}/providers/Microsoft.Network/dnsZones/contoso.com"
    status, body = inproc.call("PUT", zone_path, {"location": "global"}, DNS_API)
    assert status in (200, 201), body
    status, body = inproc.call("PUT", f"{zone_path}/{rtype}/bad", {"properties": {"TTL": 300, **props}}, DNS_API)
    assert status == 400, body
    assert inproc.call("GET", zone_path, None, DNS_API)[1]["properties"]["numberOfRecordSets"] == 2
    assert inproc.call("GET", f"{zone_path}/{rtype}/bad", None, DNS_API)[0] == 404


def test_ttl_and_names(dns_client, rg):
    zone(dns_client, rg)
    assert error_of(dns_client.record_sets.create_or_update, rg, "contoso.com", "x", "A",
                    {"ttl": -5, "a_records": [{"ipv4_address": "10.0.0.1"}]})[0] == 400
    assert error_of(rs, dns_client, rg, "a.*", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}]})[0] == 400
    assert error_of(rs, dns_client, rg, "bad label!", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}]})[0] == 400


def test_etags_and_create_only(dns_client, rg):
    zone(dns_client, rg)
    first = rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}]})
    assert error_of(rs, dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.0.0.2"}]}, if_none_match="*") == (412, "PreconditionFailed")
    second = rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.0.0.2"}]}, if_match=first.etag)
    assert second.etag != first.etag
    assert error_of(rs, dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.0.0.3"}]},
                    if_match=first.etag) == (412, "PreconditionFailed")
    assert error_of(dns_client.record_sets.delete, rg, "contoso.com", "www", "A", if_match=first.etag)[0] == 412


def test_patch_merges(dns_client, rg):
    zone(dns_client, rg)
    rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}], "metadata": {"a": "1"}})
    got = dns_client.record_sets.update(rg, "contoso.com", "www", "A", {"ttl": 60})
    assert got.ttl == 60 and [r.ipv4_address for r in got.a_records] == ["10.0.0.1"] and got.metadata == {"a": "1"}


def test_soa_update_keeps_host(dns_client, rg):
    z = zone(dns_client, rg)
    got = rs(dns_client, rg, "@", "SOA", {"soa_record": {"host": "evil.example.", "email": "admin.contoso.com",
                                                         "refresh_time": 1800, "retry_time": 300,
                                                         "expire_time": 100000, "minimum_ttl": 60}})
    assert got.soa_record.host == z.name_servers[0] and got.soa_record.email == "admin.contoso.com"
    assert got.soa_record.minimum_ttl == 60 and got.soa_record.refresh_time == 1800
    assert error_of(rs, dns_client, rg, "other", "SOA", {"soa_record": {"email": "a.b"}}) == (400, "BadRequest")


def test_alias_record_sets_and_references(aznet, dns_client, network_client, rg):
    zone(dns_client, rg)
    network_client.public_ip_addresses.begin_create_or_update(rg, "pip4", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    pip_id = (f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/"
              "publicIPAddresses/pip4")
    got = rs(dns_client, rg, "@", "A", {"target_resource": {"id": pip_id}})
    assert got.target_resource.id.lower() == pip_id.lower() and not got.a_records
    assert error_of(rs, dns_client, rg, "v6", "AAAA", {"target_resource": {"id": pip_id}}) == (400, "BadRequest")
    assert error_of(rs, dns_client, rg, "mx", "MX", {"target_resource": {"id": pip_id}}) == (400, "BadRequest")
    assert error_of(rs, dns_client, rg, "x", "A", {"target_resource": {"id": pip_id + "-missing"}})[0] == 400
    assert error_of(rs, dns_client, rg, "y", "A", {"target_resource": {"id": pip_id},
                                                   "a_records": [{"ipv4_address": "10.0.0.1"}]})[0] == 400
    rs(dns_client, rg, "www", "A", {"a_records": [{"ipv4_address": "10.0.0.1"}]})
    www_id = got.id.rsplit("/", 2)[0] + "/A/www"
    rs(dns_client, rg, "alias", "A", {"target_resource": {"id": www_id}})
    assert error_of(rs, dns_client, rg, "bad", "AAAA", {"target_resource": {"id": www_id}})[0] == 400
    refs = dns_client.dns_resource_reference.get_by_target_resources({"target_resources": [{"id": pip_id}]})
    found = refs.dns_resource_references[0]
    assert [r.id for r in found.dns_resources] == [got.id]
