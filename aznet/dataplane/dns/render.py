"""Turning answers into wire bytes with dnspython, and pre-rendered entries.

An ``Entry`` is one question's response rendered once, without EDNS and with
EDNS, split around the question so the hot path can glue in the query's id,
its RD/CD bits and its own spelling of the name (RFC 1034 case preservation)
without parsing or rendering anything."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rrset

from .zone import Lookup

OUR_PAYLOAD = 1232          # the EDNS UDP size we advertise (DNS flag day 2020)
IN = dns.rdataclass.IN


@dataclass(frozen=True)
class Variant:
    head: tuple[bytes, bytes, bytes, bytes]    # header bytes 2-11 for each (RD, CD) of the query
    tail: bytes                                # everything after the question name
    size: int


@dataclass(frozen=True)
class Entry:
    plain: Variant
    edns: Variant
    qname: dns.name.Name
    touched: frozenset[dns.name.Name]
    synthetic: bool
    zone_id: str | None


def question_key(qname: dns.name.Name, qtype: int, qclass: int = IN) -> bytes:
    """The hot path's key: the question as it is on the wire, name in lower case."""
    return (qname.canonicalize().to_wire() + struct.pack("!HH", qtype, qclass)).lower()


def variant(wire: bytes, name_len: int) -> Variant:
    f2, f3 = wire[2], wire[3]
    heads = tuple(bytes((f2 | rd, f3 | cd)) + wire[4:12] for rd in (0, 1) for cd in (0, 0x10))
    return Variant(heads, wire[12 + name_len:], len(wire))  # type: ignore[arg-type]


def build_message(qname: dns.name.Name, qtype: int, found: Lookup, *, aa: bool, ra: bool,
                  qclass: int = IN) -> dns.message.Message:
    m = dns.message.Message(id=0)
    m.flags = dns.flags.QR | (dns.flags.AA if aa and found.aa else 0) | (dns.flags.RA if ra else 0)
    m.set_rcode(found.rcode)
    m.question = [dns.rrset.RRset(qname, qclass, qtype)]
    m.answer = list(found.answer)
    m.authority = list(found.authority)
    m.additional = list(found.additional)
    return m


OPT_RR = b"\x00" + struct.pack("!HHIH", 41, OUR_PAYLOAD, 0, 0)   # EDNS(0), our payload, no options


def render_plain(qname: dns.name.Name, qtype: int, found: Lookup, *, aa: bool, ra: bool) -> bytes:
    """The response without EDNS, rendered straight from the RRsets (what Message.to_wire does,
    without building a Message: pre-rendering a large zone spends most of its time here)."""
    buf = io.BytesIO()
    buf.write(b"\x00" * 12)
    compress: dict[dns.name.Name, int] = {}
    qname.to_wire(buf, compress)
    buf.write(struct.pack("!HH", qtype, IN))
    counts = []
    for section in (found.answer, found.authority, found.additional):
        n = 0
        for rrset in section:
            n += rrset.to_wire(buf, compress)
        counts.append(n)
    flags = dns.flags.QR | (dns.flags.AA if aa and found.aa else 0) | (dns.flags.RA if ra else 0) \
        | (found.rcode & 0xF)
    wire = bytearray(buf.getvalue())
    wire[2:12] = struct.pack("!HHHHH", flags, 1, *counts)
    return bytes(wire)


def with_opt(plain: bytes) -> bytes:
    """The same response with our OPT record appended (it is always the last additional record)."""
    arcount = (plain[10] << 8 | plain[11]) + 1
    return plain[:10] + struct.pack("!H", arcount) + plain[12:] + OPT_RR


def entry_for(qname: dns.name.Name, qtype: int, found: Lookup, *, aa: bool, ra: bool,
              zone_id: str | None) -> Entry:
    name = qname.canonicalize()
    plain = render_plain(name, qtype, found, aa=aa, ra=ra)
    n = len(name.to_wire())
    return Entry(variant(plain, n), variant(with_opt(plain), n), name, frozenset(found.touched), found.synthetic,
                 zone_id)


def patch(entry_variant: Variant, query: bytes, qend: int) -> bytes:
    """The response to ``query``: its id, RD and CD copied, its question name's casing kept."""
    return b"".join((query[:2], entry_variant.head[((query[2] & 1) << 1) | ((query[3] >> 4) & 1)],
                     query[12:qend - 4], entry_variant.tail))


def to_wire_limited(m: dns.message.Message, limit: int) -> bytes:
    """Render within ``limit`` octets (RFC 2181 §9): drop the additional section first; when the
    answer or authority still does not fit, send the question alone with TC so the client retries on TCP."""
    try:
        return m.to_wire(max_size=limit)
    except dns.exception.TooBig:
        pass
    m.additional = []
    try:
        return m.to_wire(max_size=limit)
    except dns.exception.TooBig:
        pass
    m.answer, m.authority = [], []
    m.flags |= dns.flags.TC
    return m.to_wire(max_size=max(limit, 512))


def error_reply(query: bytes, rcode: int) -> bytes | None:
    """A header-only reply (FORMERR for what cannot be parsed); None when there is no header to answer."""
    if len(query) < 12 or query[2] & 0x80:
        return None
    flags2 = 0x80 | (query[2] & 0x79)          # QR, same opcode, RD copied
    return query[:2] + bytes((flags2, rcode & 0x0F)) + b"\x00" * 8

