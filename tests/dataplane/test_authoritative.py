"""Public Azure DNS zones answered over UDP/TCP: the RFC 1034/1035/2181/4592/8482 behaviours."""

from __future__ import annotations

import shutil
import subprocess

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from .helpers import ServerThread, a, delete, put, record_set, zone

Z = "contoso.com"


def contoso() -> list[dict]:
    return [
        zone(Z),
        record_set(Z, "SOA", "@", {"TTL": 3600, "SOARecord": {
            "host": "ns1-07.azure-dns.com.", "email": "azuredns-hostmaster.microsoft.com", "serialNumber": 1,
            "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTTL": 300}}),
        record_set(Z, "NS", "@", {"TTL": 172800, "NSRecords": [{"nsdname": "ns1-07.azure-dns.com."},
                                                              {"nsdname": "ns2-07.azure-dns.net."}]}),
        a(Z, "www", "10.1.2.3", ttl=120),
        record_set(Z, "AAAA", "www", {"TTL": 120, "AAAARecords": [{"ipv6Address": "2001:db8::1"}]}),
        record_set(Z, "CNAME", "app", {"TTL": 60, "CNAMERecord": {"cname": "web.contoso.com"}}),
        record_set(Z, "CNAME", "web", {"TTL": 60, "CNAMERecord": {"cname": "www.contoso.com"}}),
        record_set(Z, "CNAME", "ext", {"TTL": 60, "CNAMERecord": {"cname": "example.net"}}),
        record_set(Z, "CNAME", "loop1", {"TTL": 60, "CNAMERecord": {"cname": "loop2.contoso.com"}}),
        record_set(Z, "CNAME", "loop2", {"TTL": 60, "CNAMERecord": {"cname": "loop1.contoso.com"}}),
        a(Z, "*.apps", "10.9.9.9"),
        record_set(Z, "TXT", "*.apps", {"TTL": 300, "TXTRecords": [{"value": ["wild"]}]}),
        a(Z, "fixed.apps", "10.8.8.8"),
        a(Z, "deep.empty.tree", "10.7.7.7"),
        record_set(Z, "MX", "@", {"TTL": 300, "MXRecords": [{"preference": 10, "exchange": "mail.contoso.com"}]}),
        a(Z, "mail", "10.0.0.25"),
        record_set(Z, "TXT", "@", {"TTL": 300, "TXTRecords": [{"value": ["v=spf1 -all"]}]}),
        record_set(Z, "SRV", "_sip._tcp", {"TTL": 300, "SRVRecords": [
            {"priority": 10, "weight": 5, "port": 5060, "target": "mail.contoso.com"}]}),
        record_set(Z, "CAA", "@", {"TTL": 300, "caaRecords": [{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}]}),
        record_set(Z, "PTR", "ptr", {"TTL": 300, "PTRRecords": [{"ptrdname": "www.contoso.com"}]}),
        record_set(Z, "NS", "child", {"TTL": 300, "NSRecords": [{"nsdname": "ns1.child.contoso.com"},
                                                                {"nsdname": "ns.elsewhere.net"}]}),
        a(Z, "ns1.child", "10.53.0.1"),
        a(Z, "big", *[f"10.20.{i // 250}.{i % 250}" for i in range(60)]),
    ]


@pytest.fixture
def srv(server: ServerThread) -> ServerThread:
    server.resync(contoso())
    return server


def rrs(msg: dns.message.Message, section: str = "answer") -> list[tuple[str, str, str]]:
    return sorted((str(r.name), dns.rdatatype.to_text(r.rdtype), rd.to_text())
                  for r in getattr(msg, section) for rd in r)


def test_positive_answer_is_authoritative_with_ttl(srv: ServerThread) -> None:
    r = srv.query("www.contoso.com", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA and not r.flags & dns.flags.RA
    assert rrs(r) == [("www.contoso.com.", "A", "10.1.2.3")]
    assert r.answer[0].ttl == 120


def test_query_case_is_preserved_and_matching_is_case_insensitive(srv: ServerThread) -> None:
    q = dns.message.make_query("wWw.CoNtOsO.cOm", "A")
    r = srv.udp(q)
    assert str(r.question[0].name) == "wWw.CoNtOsO.cOm."
    assert r.id == q.id
    assert [rd.to_text() for rd in r.answer[0]] == ["10.1.2.3"]


def test_nxdomain_carries_soa_with_negative_ttl(srv: ServerThread) -> None:
    r = srv.query("missing.contoso.com", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AA
    assert not r.answer
    soa = r.authority[0]
    assert soa.rdtype == dns.rdatatype.SOA and str(soa.name) == "contoso.com."
    assert soa.ttl == 300           # min(SOA TTL 3600, minimum 300), RFC 2308


def test_nodata_for_existing_name_and_empty_non_terminal(srv: ServerThread) -> None:
    for name in ("www.contoso.com", "empty.tree.contoso.com", "tree.contoso.com"):
        r = srv.query(name, "MX")
        assert r.rcode() == dns.rcode.NOERROR, name
        assert not r.answer and r.authority[0].rdtype == dns.rdatatype.SOA


def test_cname_chain_is_followed_within_the_zone(srv: ServerThread) -> None:
    r = srv.query("app.contoso.com", "A")
    assert [(str(x.name), dns.rdatatype.to_text(x.rdtype)) for x in r.answer] == [
        ("app.contoso.com.", "CNAME"), ("web.contoso.com.", "CNAME"), ("www.contoso.com.", "A")]
    assert r.rcode() == dns.rcode.NOERROR


def test_cname_out_of_zone_and_loops_stop(srv: ServerThread) -> None:
    r = srv.query("ext.contoso.com", "A")
    assert rrs(r) == [("ext.contoso.com.", "CNAME", "example.net.")]
    r = srv.query("loop1.contoso.com", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert {str(x.name) for x in r.answer} == {"loop1.contoso.com.", "loop2.contoso.com."}
    r = srv.query("app.contoso.com", "CNAME")
    assert rrs(r) == [("app.contoso.com.", "CNAME", "web.contoso.com.")]


def test_wildcards_per_rfc4592(srv: ServerThread) -> None:
    r = srv.query("anything.apps.contoso.com", "A")
    assert rrs(r) == [("anything.apps.contoso.com.", "A", "10.9.9.9")]
    r = srv.query("x.y.apps.contoso.com", "TXT")
    assert rrs(r) == [("x.y.apps.contoso.com.", "TXT", '"wild"')]
    # an existing name is not covered by the wildcard
    r = srv.query("fixed.apps.contoso.com", "TXT")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    # the wildcard's own type set: NODATA for a type it lacks
    r = srv.query("other.apps.contoso.com", "MX")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer


def test_delegation_gives_a_referral_with_glue(srv: ServerThread) -> None:
    r = srv.query("host.child.contoso.com", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.flags & dns.flags.AA
    assert not r.answer
    assert rrs(r, "authority") == [("child.contoso.com.", "NS", "ns.elsewhere.net."),
                                   ("child.contoso.com.", "NS", "ns1.child.contoso.com.")]
    assert rrs(r, "additional") == [("ns1.child.contoso.com.", "A", "10.53.0.1")]


def test_mx_and_srv_get_additional_addresses(srv: ServerThread) -> None:
    r = srv.query("contoso.com", "MX")
    assert rrs(r) == [("contoso.com.", "MX", "10 mail.contoso.com.")]
    assert ("mail.contoso.com.", "A", "10.0.0.25") in rrs(r, "additional")
    r = srv.query("_sip._tcp.contoso.com", "SRV")
    assert rrs(r) == [("_sip._tcp.contoso.com.", "SRV", "10 5 5060 mail.contoso.com.")]


def test_every_record_type(srv: ServerThread) -> None:
    assert rrs(srv.query("contoso.com", "TXT")) == [("contoso.com.", "TXT", '"v=spf1 -all"')]
    assert rrs(srv.query("contoso.com", "CAA")) == [("contoso.com.", "CAA", '0 issue "letsencrypt.org"')]
    assert rrs(srv.query("ptr.contoso.com", "PTR")) == [("ptr.contoso.com.", "PTR", "www.contoso.com.")]
    assert rrs(srv.query("www.contoso.com", "AAAA")) == [("www.contoso.com.", "AAAA", "2001:db8::1")]
    soa = srv.query("contoso.com", "SOA")
    assert soa.answer[0][0].mname.to_text() == "ns1-07.azure-dns.com."
    assert soa.answer[0][0].rname.to_text() == "azuredns-hostmaster.microsoft.com."
    ns = srv.query("contoso.com", "NS")
    assert ns.answer[0].ttl == 172800 and len(ns.answer[0]) == 2


def test_zone_without_soa_gets_azure_defaults(server: ServerThread) -> None:
    server.resync([zone("bare.org"), a("bare.org", "x", "1.1.1.1")])
    soa = server.query("bare.org", "SOA").answer[0]
    rd = soa[0]
    assert soa.ttl == 3600
    assert rd.mname.to_text().endswith(".azure-dns.com.") and rd.serial == 1
    assert (rd.refresh, rd.retry, rd.expire, rd.minimum) == (3600, 300, 2419200, 300)
    ns = server.query("bare.org", "NS").answer[0]
    assert ns.ttl == 172800
    assert sorted(r.target.to_text().rsplit(".", 2)[-2] for r in ns) == ["com", "info", "net", "org"]


def test_any_is_answered_minimally(srv: ServerThread) -> None:
    r = srv.query("contoso.com", "ANY")
    assert r.rcode() == dns.rcode.NOERROR
    assert len(r.answer) == 1            # RFC 8482: one RRset, not everything at the name


def test_names_outside_every_zone_are_refused(srv: ServerThread) -> None:
    r = srv.query("www.example.org", "A")
    assert r.rcode() == dns.rcode.REFUSED and not r.flags & dns.flags.AA


def test_bad_opcode_and_multiple_questions(srv: ServerThread) -> None:
    q = dns.message.make_query("www.contoso.com", "A")
    q.set_opcode(dns.opcode.NOTIFY)
    assert srv.udp(q).rcode() == dns.rcode.NOTIMP
    q = dns.message.make_query("www.contoso.com", "A")
    q.question.append(dns.message.make_query("mail.contoso.com", "A").question[0])
    assert srv.udp(q).rcode() == dns.rcode.FORMERR
    q = dns.message.make_query("www.contoso.com", "A", use_edns=1)
    assert srv.udp(q).rcode() == dns.rcode.BADVERS


def test_edns_size_truncation_and_tcp_fallback(srv: ServerThread) -> None:
    plain = srv.udp(dns.message.make_query("big.contoso.com", "A", use_edns=False))
    assert plain.flags & dns.flags.TC            # 60 A records do not fit 512 octets
    big = srv.udp(dns.message.make_query("big.contoso.com", "A", use_edns=0, payload=4096))
    assert not big.flags & dns.flags.TC and len(big.answer[0]) == 60
    assert big.edns == 0 and big.payload == 1232
    over_tcp = srv.tcp(dns.message.make_query("big.contoso.com", "A", use_edns=False))
    assert not over_tcp.flags & dns.flags.TC and len(over_tcp.answer[0]) == 60
    # the stub resolver retries over TCP on its own
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = srv.port
    res.use_edns(-1)
    assert len(res.resolve("big.contoso.com", "A")) == 60


def test_do_bit_is_echoed(srv: ServerThread) -> None:
    r = srv.udp(dns.message.make_query("www.contoso.com", "A", want_dnssec=True))
    assert r.ednsflags & dns.flags.DO and rrs(r) == [("www.contoso.com.", "A", "10.1.2.3")]


def test_tcp_several_queries_on_one_connection(srv: ServerThread) -> None:
    import socket
    qs = [dns.message.make_query(n, "A") for n in ("www.contoso.com", "mail.contoso.com", "nope.contoso.com")]
    with socket.create_connection(("127.0.0.1", srv.port), timeout=2) as s:
        s.sendall(b"".join(len(w).to_bytes(2, "big") + w for w in (q.to_wire() for q in qs)))
        got = []
        for q in qs:
            (r, _) = dns.query.receive_tcp(s, expiration=None)
            got.append((r.id == q.id, r.rcode()))
    assert got == [(True, 0), (True, 0), (True, dns.rcode.NXDOMAIN)]


def test_apply_changes_are_visible_and_cheap(srv: ServerThread) -> None:
    srv.apply(put(a(Z, "www", "10.4.4.4", ttl=30)))
    assert rrs(srv.query("www.contoso.com")) == [("www.contoso.com.", "A", "10.4.4.4")]
    # the CNAME chain that reads www follows the change
    assert ("www.contoso.com.", "A", "10.4.4.4") in rrs(srv.query("app.contoso.com"))
    new = a(Z, "missing", "10.5.5.5")
    assert srv.query("missing.contoso.com").rcode() == dns.rcode.NXDOMAIN
    srv.apply(put(new))
    assert rrs(srv.query("missing.contoso.com")) == [("missing.contoso.com.", "A", "10.5.5.5")]
    srv.apply(delete(new))
    assert srv.query("missing.contoso.com").rcode() == dns.rcode.NXDOMAIN
    # a new wildcard covers names that were NXDOMAIN a moment ago
    assert srv.query("q.newwild.contoso.com").rcode() == dns.rcode.NXDOMAIN
    srv.apply(put(a(Z, "*.newwild", "10.6.6.6")))
    assert rrs(srv.query("q.newwild.contoso.com")) == [("q.newwild.contoso.com.", "A", "10.6.6.6")]


def test_soa_change_updates_negative_answers(srv: ServerThread) -> None:
    assert srv.query("nope.contoso.com").authority[0].ttl == 300
    srv.apply(put(record_set(Z, "SOA", "@", {"TTL": 3600, "SOARecord": {
        "host": "ns1-07.azure-dns.com.", "email": "azuredns-hostmaster.microsoft.com", "serialNumber": 2,
        "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTTL": 60}})))
    r = srv.query("nope.contoso.com")
    assert r.authority[0].ttl == 60 and r.authority[0][0].serial == 2


def test_delegation_added_and_removed(srv: ServerThread) -> None:
    assert srv.query("www.contoso.com").flags & dns.flags.AA
    ns = record_set(Z, "NS", "www", {"TTL": 60, "NSRecords": [{"nsdname": "ns.other.net"}]})
    srv.apply(put(ns))
    r = srv.query("www.contoso.com")
    assert not r.flags & dns.flags.AA and r.authority[0].rdtype == dns.rdatatype.NS
    srv.apply(delete(ns))
    assert rrs(srv.query("www.contoso.com")) == [("www.contoso.com.", "A", "10.1.2.3")]


def test_child_zone_hosted_here_answers_for_its_names(srv: ServerThread) -> None:
    assert not srv.query("www.child.contoso.com").flags & dns.flags.AA
    srv.apply(put(zone("child.contoso.com")), put(a("child.contoso.com", "www", "10.77.0.1")))
    r = srv.query("www.child.contoso.com")
    assert r.flags & dns.flags.AA and rrs(r) == [("www.child.contoso.com.", "A", "10.77.0.1")]
    srv.apply(delete(zone("child.contoso.com")))
    assert not srv.query("www.child.contoso.com").flags & dns.flags.AA


def test_zone_delete_refuses_its_names(srv: ServerThread) -> None:
    srv.apply(delete(zone(Z)))
    assert srv.query("www.contoso.com").rcode() == dns.rcode.REFUSED


def test_alias_record_set_follows_public_ip_and_record_set(srv: ServerThread) -> None:
    pip_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip1"
    pip = {"id": pip_id, "name": "pip1", "type": "Microsoft.Network/publicIPAddresses",
           "properties": {"ipAddress": "20.1.1.1", "publicIPAddressVersion": "IPv4"}}
    alias = record_set(Z, "A", "lb", {"TTL": 30, "targetResource": {"id": pip_id}})
    srv.apply(put(pip), put(alias))
    assert rrs(srv.query("lb.contoso.com")) == [("lb.contoso.com.", "A", "20.1.1.1")]
    pip["properties"]["ipAddress"] = "20.2.2.2"
    srv.apply(put(pip))
    assert rrs(srv.query("lb.contoso.com")) == [("lb.contoso.com.", "A", "20.2.2.2")]
    www_id = a(Z, "www", "x")["id"]
    alias2 = record_set(Z, "A", "apex-alias", {"TTL": 30, "targetResource": {"id": www_id}})
    srv.apply(put(alias2))
    assert rrs(srv.query("apex-alias.contoso.com")) == [("apex-alias.contoso.com.", "A", "10.1.2.3")]
    srv.apply(put(a(Z, "www", "10.3.3.3")))
    assert rrs(srv.query("apex-alias.contoso.com")) == [("apex-alias.contoso.com.", "A", "10.3.3.3")]
    srv.apply(delete(pip))
    r = srv.query("lb.contoso.com")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer


@pytest.mark.skipif(shutil.which("dig") is None, reason="dig not installed")
def test_dig(srv: ServerThread) -> None:
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(srv.port), "+short", "app.contoso.com", "A"],
                         capture_output=True, text=True, timeout=10).stdout.split()
    assert out == ["web.contoso.com.", "www.contoso.com.", "10.1.2.3"]
    full = subprocess.run(["dig", "@127.0.0.1", "-p", str(srv.port), "nope.contoso.com", "A"],
                          capture_output=True, text=True, timeout=10).stdout
    assert "status: NXDOMAIN" in full and "flags: qr aa rd" in full
    tcp = subprocess.run(["dig", "@127.0.0.1", "-p", str(srv.port), "+tcp", "+short", "www.contoso.com"],
                         capture_output=True, text=True, timeout=10).stdout.split()
    assert tcp == ["10.1.2.3"]
    big = subprocess.run(["dig", "@127.0.0.1", "-p", str(srv.port), "+noedns", "big.contoso.com", "A"],
                         capture_output=True, text=True, timeout=10).stdout
    assert big.count("\tA\t") == 60                # dig retried over TCP after TC
