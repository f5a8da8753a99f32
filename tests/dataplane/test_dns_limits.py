"""Hostile input against the DNS server (issue 8, items 3, 4 and 16): floods of names in no zone or
missing from a zone stay within a byte budget, UDP answers are never larger than the size we
advertise (no amplification), slow TCP clients are closed, TCP connections are capped, and the
per-VNet resolver ports survive a restart."""

from __future__ import annotations

import random
import socket
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode

from aznet.dataplane.dns import DnsEngine
from aznet.dataplane.dns.ports import PortBook
from aznet.dataplane.dns.render import OUR_PAYLOAD
from aznet.dataplane.dns.view import entry_cost

from .helpers import ServerThread, a, link, record_set, zone


def _random_names(n: int, suffix: str, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    return [f"{rnd.getrandbits(48):x}.{suffix}" for _ in range(n)]


def test_names_in_no_zone_are_answered_but_never_kept(server: ServerThread) -> None:
    server.resync([zone("contoso.com"), a("contoso.com", "www", "10.1.2.3")])
    view = server.engine.public_view
    before = len(view.table)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        for name in _random_names(3000, "example.net"):
            s.sendto(dns.message.make_query(name, "A").to_wire(), ("127.0.0.1", server.port))
            r = dns.message.from_wire(s.recv(4096))
            assert r.rcode() == dns.rcode.REFUSED
    assert len(view.table) == before
    ok = server.query("www.contoso.com")
    assert ok.rcode() == dns.rcode.NOERROR and ok.answer[0][0].address == "10.1.2.3"


def test_negative_answers_inside_a_zone_stay_within_the_byte_budget() -> None:
    budget = 64 * 1024
    engine = DnsEngine()
    engine.public_view.negative_budget = budget
    engine.resync([zone("contoso.com"), a("contoso.com", "www", "10.1.2.3")])
    view = engine.public_view
    positive = len(view.table)
    names = _random_names(2000, "contoso.com")
    for name in names:
        r = dns.message.from_wire(engine.answer(dns.message.make_query(name, "A").to_wire()))
        assert r.rcode() == dns.rcode.NXDOMAIN
    kept_negative = len(view.table) - positive
    assert 0 < kept_negative < len(names)
    assert view._negative_bytes <= budget
    assert sum(entry_cost(view.table[k]) for k in view._negative) == view._negative_bytes
    # the positive answers were never evicted by the flood
    r = dns.message.from_wire(engine.answer(dns.message.make_query("www.contoso.com", "A").to_wire()))
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].address == "10.1.2.3"
    # a record set created later under a kept negative name drops that answer
    last = names[-1]
    engine.apply([_put(a("contoso.com", last.split(".")[0], "10.9.9.9"))])
    r = dns.message.from_wire(engine.answer(dns.message.make_query(last, "A").to_wire()))
    assert r.answer[0][0].address == "10.9.9.9"


def _put(body):  # type: ignore[no-untyped-def]
    from .helpers import put
    return put(body)


def _big_txt() -> list[dict]:  # type: ignore[type-arg]
    return [zone("contoso.com"),
            record_set("contoso.com", "TXT", "big", {"TTL": 60, "TXTRecords": [
                {"value": [f"{i:03d}" + "x" * 250]} for i in range(40)]})]


def test_udp_answers_never_exceed_the_advertised_size(server: ServerThread) -> None:
    server.resync(_big_txt())
    for payload in (65535, 4096, 1232, 600):
        q = dns.message.make_query("big.contoso.com", "TXT", use_edns=0, payload=payload)
        wire = q.to_wire()
        for _ in range(2):                     # the second time takes the hot path
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(2)
                s.sendto(wire, ("127.0.0.1", server.port))
                data = s.recv(65535)
            assert len(data) <= min(payload, OUR_PAYLOAD)
            r = dns.message.from_wire(data)
            assert r.flags & dns.flags.TC
            assert len(data) < 20 * len(wire)   # amplification bounded
    full = server.tcp(dns.message.make_query("big.contoso.com", "TXT", use_edns=0, payload=65535))
    assert not full.flags & dns.flags.TC and len(full.answer[0]) == 40


def test_small_answers_within_the_clients_size_are_not_truncated(server: ServerThread) -> None:
    server.resync([zone("contoso.com"), a("contoso.com", "www", "10.1.2.3")])
    r = server.udp(dns.message.make_query("www.contoso.com", "A", use_edns=0, payload=65535))
    assert not r.flags & dns.flags.TC and r.answer[0][0].address == "10.1.2.3"


def test_a_trickling_tcp_client_is_closed_when_idle_time_runs_out() -> None:
    srv = ServerThread(tcp_idle=0.6)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            q = dns.message.make_query("www.contoso.com", "A").to_wire()
            framed = len(q).to_bytes(2, "big") + q
            closed = False
            deadline = time.monotonic() + 10
            i = 0
            while time.monotonic() < deadline:
                try:
                    s.sendall(framed[i % len(framed):i % len(framed) + 1])
                except OSError:
                    closed = True
                    break
                i += 1
                s.settimeout(0.25)
                try:
                    if s.recv(1) == b"":
                        closed = True
                        break
                except TimeoutError:
                    pass
            assert closed, "a client sending one byte at a time kept its connection open"
    finally:
        srv.stop()


def test_tcp_connections_are_capped() -> None:
    srv = ServerThread(tcp_max_connections=8)
    socks = []
    try:
        for _ in range(20):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        time.sleep(0.2)
        assert srv.call(lambda: len(srv.shell.public.tcp_conns)) <= 8
        # a normal client still gets its answer over TCP
        srv.resync([zone("contoso.com"), a("contoso.com", "www", "10.1.2.3")])
        r = srv.tcp(dns.message.make_query("www.contoso.com", "A"))
        assert r.answer[0][0].address == "10.1.2.3"
    finally:
        for s in socks:
            s.close()
        srv.stop()


def test_vnet_resolver_ports_are_stable_across_restarts(tmp_path: Path) -> None:
    book_path = tmp_path / "dns-vnet-ports.json"
    resources = [zone("corp.internal", private=True), a("corp.internal", "db", "10.0.0.4", private=True),
                 link("corp.internal", "l1", "vnet1"), link("corp.internal", "l2", "vnet2")]
    ports = []
    for _ in range(2):
        srv = ServerThread(port_book=PortBook(book_path))
        try:
            srv.resync(resources)
            deadline = time.monotonic() + 20      # the listeners start in a task the resync schedules
            while True:
                eps = srv.call(lambda s=srv: {v: s.shell.vnet_endpoint(v) for v in s.engine.linked_vnets()})
                if (len(eps) == 2 and all(ep is not None for ep in eps.values())) or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert len(eps) == 2 and all(ep is not None for ep in eps.values())
            ports.append({v.lower(): ep[1] for v, ep in eps.items()})  # type: ignore[index]
            vnet, (host, port) = next(iter(eps.items()))  # type: ignore[misc]
            r = dns.query.udp(dns.message.make_query("db.corp.internal", "A"), host, port=port, timeout=2)
            assert r.answer[0][0].address == "10.0.0.4"
        finally:
            srv.stop()
    assert ports[0] == ports[1]


def test_refusing_a_name_in_no_zone_takes_the_short_path_and_matches_the_slow_one() -> None:
    from aznet.dataplane.dns.answer import refuse_outside_zones, slow_answer
    from aznet.dataplane.dns.wire import parse_simple

    engine = DnsEngine()
    engine.resync([zone("contoso.com"), a("contoso.com", "www", "10.1.2.3")])
    vnet_view = engine.view_for_vnet("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v")
    for view in (engine.public_view, vnet_view):
        for q in (dns.message.make_query("Random.Example.NET", "A"),
                  dns.message.make_query("x.example.net", "AAAA", use_edns=0, payload=4096),
                  dns.message.make_query("x.example.net", "TXT", want_dnssec=False, use_edns=0)):
            q.flags |= dns.flags.CD
            wire = q.to_wire()
            simple = parse_simple(wire)
            assert simple is not None
            short = refuse_outside_zones(view, wire, simple[0], simple[1])
            assert short is not None and short == slow_answer(view, wire, "127.0.0.1", False)
            r = dns.message.from_wire(short)
            assert r.rcode() == dns.rcode.REFUSED and r.id == q.id and str(r.question[0].name) == str(q.question[0].name)
        # names a zone owns (or its parent zone's namespace) are not refused here
        for name in ("www.contoso.com", "nope.contoso.com", "contoso.com"):
            wire = dns.message.make_query(name, "A").to_wire()
            simple = parse_simple(wire)
            assert simple is not None and refuse_outside_zones(view, wire, simple[0], simple[1]) is None
