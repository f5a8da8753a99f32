"""Answering one DNS message: the hot path, and dnspython for everything else.

``answer(view, data, source, tcp)`` returns the response bytes or None (drop).
Hot path: hand-parse the question, find the pre-rendered entry, patch the id,
flags and name casing in. Slow path: parse with dnspython and deal with what
the hot path does not — bad opcodes (NOTIMP), malformed messages (FORMERR),
EDNS versions (BADVERS), the DO bit, EDNS Client Subnet, other classes,
zone transfers, truncation — and render what it found into the view's table
when the answer is the same for every client, so the next one takes the hot
path."""

from __future__ import annotations

import ipaddress

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from .render import OUR_PAYLOAD, build_message, error_reply, patch, to_wire_limited
from .view import Client, View
from .wire import parse_simple

TCP_LIMIT = 65535
NOT_SERVED = (dns.rdatatype.AXFR, dns.rdatatype.IXFR)
MAX_HIT_KEYS = 100_000                   # distinct queries counted between two drains of ``View.hits``


def answer(view: View, data: bytes, source: str, tcp: bool = False) -> bytes | None:
    simple = parse_simple(data)
    if simple is not None:
        key, qend, payload = simple
        entry = view.table.get(key)
        if entry is not None:
            v = entry.edns if payload else entry.plain
            if tcp or v.size <= udp_limit(payload):
                hits = view.hits
                rest = data[2:]
                hits[rest] = hits.get(rest, 0) + 1
                if len(hits) > MAX_HIT_KEYS:
                    _fold_hits(view)
                return b"".join((data[:2], v.head[((data[2] & 1) << 1) | ((data[3] >> 4) & 1)],
                                 data[12:qend - 4], v.tail))
        refused = refuse_outside_zones(view, data, key, qend)
        if refused is not None:
            return refused
    return slow_answer(view, data, source, tcp, cacheable=simple is not None)


_OPT_REPLY = b"\x00\x00\x29" + OUR_PAYLOAD.to_bytes(2, "big") + b"\x00\x00\x00\x00\x00\x00"


def refuse_outside_zones(view: View, data: bytes, key: bytes, qend: int) -> bytes | None:
    """REFUSED for a plain IN question about a name in no zone this view serves, built from the query's own
    bytes: the same answer the slow path gives, for a few microseconds instead of a full parse, so a flood of
    random names costs little and the server keeps answering everyone else. None: not such a question."""
    if view.unknown_rcode != dns.rcode.REFUSED or key[-2:] != b"\x00\x01":
        return None
    labels: list[bytes] = []
    i = 0
    end = len(key) - 4
    while i < end and key[i]:
        n = key[i]
        labels.append(key[i + 1:i + 1 + n])
        i += 1 + n
    try:
        qname = dns.name.Name([*labels, b""])
    except dns.exception.DNSException:
        return None
    if view.zone_for(qname) is not None or (view.dynamic is not None and view.dynamic.owns(qname)):
        return None
    flags2 = 0x80 | (data[2] & 0x01)                                   # QR, RD copied
    flags3 = (0x80 if view.recursive else 0) | (data[3] & 0x10) | dns.rcode.REFUSED
    edns = data[11] == 1                                               # parse_simple: the one OPT it allows
    return b"".join((data[:2], bytes((flags2, flags3)), b"\x00\x01\x00\x00\x00\x00\x00",
                     b"\x01" if edns else b"\x00", data[12:qend], _OPT_REPLY if edns else b""))


def _fold_hits(view: View) -> None:
    """Bound the per-query counters between two drains: fold them into per-zone counts."""
    for zone_id, n in view.drain_hits().items():
        view.zone_hits[zone_id] = view.zone_hits.get(zone_id, 0) + n


def udp_limit(payload: int) -> int:
    """The largest UDP response for a query that asked for ``payload`` octets (0: no EDNS): the smaller of
    the client's size and the size we advertise, never below 512 (RFC 6891 §6.2.5, as BIND does). A larger
    answer goes out truncated (TC) so the client retries on TCP: no amplification past our advertised 1232."""
    if not payload:
        return 512
    return max(512, min(payload, OUR_PAYLOAD))


def slow_answer(view: View, data: bytes, source: str, tcp: bool, cacheable: bool = False) -> bytes | None:
    try:
        query = dns.message.from_wire(data)
    except dns.message.ShortHeader:
        return None
    except Exception:  # noqa: BLE001 - anything unparsable is a format error
        return error_reply(data, dns.rcode.FORMERR)
    if query.flags & dns.flags.QR:
        return None                                   # never answer a response
    limit = TCP_LIMIT if tcp else udp_limit(query.payload if query.edns >= 0 else 0)
    response = dns.message.make_response(query, recursion_available=view.recursive, our_payload=OUR_PAYLOAD)
    if query.edns >= 0 and query.ednsflags & dns.flags.DO:
        response.want_dnssec(True)
    if query.edns > 0:
        response.set_rcode(dns.rcode.BADVERS)
        return to_wire_limited(response, limit)
    if query.opcode() != dns.opcode.QUERY:
        response.set_rcode(dns.rcode.NOTIMP)
        return to_wire_limited(response, limit)
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return to_wire_limited(response, limit)
    q = query.question[0]
    if q.rdclass != dns.rdataclass.IN or q.rdtype in NOT_SERVED or (
            dns.rdatatype.is_metatype(q.rdtype) and q.rdtype != dns.rdatatype.ANY):
        response.set_rcode(dns.rcode.REFUSED)        # other classes, zone transfers, TKEY/TSIG as questions
        return to_wire_limited(response, limit)

    view.count_name(q.name)
    ecs = _client_subnet(query)
    client = Client(source, (str(ecs.address), ecs.srclen) if ecs is not None else None)
    if cacheable and ecs is None:
        found, entry = view.render(q.name, q.rdtype, client)
        if entry is not None:
            v = entry.edns if query.edns >= 0 else entry.plain
            if tcp or v.size <= limit:
                return patch(v, data, 12 + len(q.name.to_wire()) + 4)
    else:
        found, _ = view.resolve(q.name, q.rdtype, client)
    m = build_message(q.name, q.rdtype, found, aa=not view.recursive, ra=view.recursive)
    m.id = query.id
    m.flags |= query.flags & (dns.flags.RD | dns.flags.CD)
    if query.edns >= 0:
        options: list[dns.edns.Option] = []
        if ecs is not None:
            scope = found.scope if found.dynamic else 0
            options.append(dns.edns.ECSOption(str(ecs.address), ecs.srclen, scope))
        m.use_edns(0, response.ednsflags, OUR_PAYLOAD, options=options)
    return to_wire_limited(m, limit)


def _client_subnet(query: dns.message.Message) -> dns.edns.ECSOption | None:
    for opt in query.options:
        if isinstance(opt, dns.edns.ECSOption):
            try:
                ipaddress.ip_address(str(opt.address))
            except ValueError:
                return None
            return opt
    return None
