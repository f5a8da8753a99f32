"""One zone's data and the authoritative lookup of RFC 1034 §4.3.2.

``Zone`` holds record sets by (owner, type) and keeps, per name, how many
owners sit at or below it, so empty non-terminals (RFC 8020: NODATA, not
NXDOMAIN) and closest enclosers (RFC 4592 wildcards) are dictionary look-ups.
``lookup`` answers one question from one zone and returns a ``Lookup``: the
sections, the rcode, and the names whose data it read (so a cache can drop the
answer when one of them changes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from .rdata import RecordSetData, default_ns, default_soa

A, AAAA, CNAME, NS, SOA, MX, SRV, ANY, DS = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.CNAME,
                                             dns.rdatatype.NS, dns.rdatatype.SOA, dns.rdatatype.MX,
                                             dns.rdatatype.SRV, dns.rdatatype.ANY, dns.rdatatype.DS)
IN = dns.rdataclass.IN
WILD = b"*"
MAX_CHAIN = 12
ANY_PREFERENCE = (A, AAAA, CNAME, MX, dns.rdatatype.TXT, SRV, dns.rdatatype.PTR, dns.rdatatype.CAA, NS, SOA)


@dataclass
class Lookup:
    rcode: int = 0                       # dns.rcode value
    aa: bool = True
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    additional: list[dns.rrset.RRset] = field(default_factory=list)
    touched: set[dns.name.Name] = field(default_factory=set)
    synthetic: bool = False              # NXDOMAIN, wildcard or empty non-terminal: depends on the zone's shape
    dangling: dns.name.Name | None = None  # a CNAME target outside the zone, for a resolver to follow
    dynamic: bool = False                # depends on the client (Traffic Manager): never cached as wire
    scope: int = 0                       # ECS scope prefix length the answer is valid for (RFC 7871)


Chase = Callable[[dns.name.Name, int, Lookup], None]


class Zone:
    def __init__(self, zone_id: str, origin: dns.name.Name, private: bool) -> None:
        self.zone_id = zone_id
        self.origin = origin
        self.private = private
        self.sets: dict[tuple[dns.name.Name, int], RecordSetData] = {}
        self.nodes: dict[dns.name.Name, dict[int, RecordSetData]] = {}
        self.below: dict[dns.name.Name, int] = {}       # owners at or below each name
        self.cuts: set[dns.name.Name] = set()            # non-apex owners with NS: delegations

    # --- data ---------------------------------------------------------------------------------
    def put(self, owner: dns.name.Name, data: RecordSetData) -> bool:
        """Add or replace one record set; returns True when the owner is new (the zone's shape changed)."""
        node = self.nodes.get(owner)
        created = node is None
        if node is None:
            node = self.nodes[owner] = {}
            self._count(owner, 1)
        node[data.rdtype] = data
        self.sets[(owner, data.rdtype)] = data
        if data.rdtype == NS and owner != self.origin:
            self.cuts.add(owner)
        return created

    def remove(self, owner: dns.name.Name, rdtype: int) -> bool:
        """Remove one record set; returns True when its owner disappeared."""
        self.sets.pop((owner, rdtype), None)
        node = self.nodes.get(owner)
        if node is None:
            return False
        node.pop(rdtype, None)
        if rdtype == NS:
            self.cuts.discard(owner)
        if node:
            return False
        del self.nodes[owner]
        self._count(owner, -1)
        return True

    def _count(self, owner: dns.name.Name, delta: int) -> None:
        name = owner
        while True:
            n = self.below.get(name, 0) + delta
            if n > 0:
                self.below[name] = n
            else:
                self.below.pop(name, None)
            if name == self.origin or name == dns.name.root:
                return
            name = name.parent()

    def exists(self, name: dns.name.Name) -> bool:
        return name in self.below

    def rrset(self, owner: dns.name.Name, rdtype: int, data: RecordSetData | None = None
              ) -> dns.rrset.RRset | None:
        data = data or (self.nodes.get(owner) or {}).get(rdtype)
        if data is None or not data.rdatas:
            return None
        return dns.rrset.from_rdata_list(owner, data.ttl, list(data.rdatas))

    def soa(self) -> RecordSetData:
        return (self.nodes.get(self.origin) or {}).get(SOA) or default_soa(self.private)

    def apex_ns(self) -> RecordSetData | None:
        found = (self.nodes.get(self.origin) or {}).get(NS)
        return found if found is not None else (None if self.private else default_ns())

    def negative_soa(self) -> dns.rrset.RRset:
        data = self.soa()
        minimum = data.rdatas[0].minimum if data.rdatas else 300
        return dns.rrset.from_rdata_list(self.origin, min(data.ttl, minimum), list(data.rdatas))

    def node(self, owner: dns.name.Name) -> dict[int, RecordSetData] | None:
        node = self.nodes.get(owner)
        if owner == self.origin:
            # Azure creates SOA and NS at the apex; a zone that came without them still answers them
            node = dict(node or {})
            node.setdefault(SOA, self.soa())
            ns = self.apex_ns()
            if ns is not None:
                node.setdefault(NS, ns)
        return node

    def cut_for(self, qname: dns.name.Name) -> dns.name.Name | None:
        """The highest delegation point at or above ``qname`` (below the apex), if any."""
        if not self.cuts:
            return None
        found = None
        name = qname
        while name != self.origin and name != dns.name.root:
            if name in self.cuts:
                found = name
            name = name.parent()
        return found

    def closest_encloser(self, qname: dns.name.Name) -> dns.name.Name:
        name = qname
        while name != self.origin and not self.exists(name):
            name = name.parent()
        return name


def lookup(zone: Zone, qname: dns.name.Name, qtype: int, chase: Chase | None = None) -> Lookup:
    out = Lookup()
    _resolve(zone, qname, qtype, out, chase, depth=0)
    return out


def _resolve(zone: Zone, qname: dns.name.Name, qtype: int, out: Lookup, chase: Chase | None, depth: int) -> None:
    out.touched.add(qname)
    cut = zone.cut_for(qname)
    if cut is not None and not (cut == qname and qtype == DS):
        _referral(zone, cut, out)
        return
    node = zone.node(qname)
    if node:
        _positive(zone, qname, qname, node, qtype, out, chase, depth)
        return
    out.synthetic = True
    if zone.exists(qname):                       # empty non-terminal
        _negative(zone, out, nxdomain=False)
        return
    encloser = zone.closest_encloser(qname)
    wild = dns.name.Name((WILD,) + encloser.labels)
    out.touched.add(wild)
    wnode = zone.nodes.get(wild)
    if wnode:
        _positive(zone, qname, wild, wnode, qtype, out, chase, depth)
        return
    _negative(zone, out, nxdomain=True)


def _positive(zone: Zone, qname: dns.name.Name, source: dns.name.Name, node: dict[int, RecordSetData],
              qtype: int, out: Lookup, chase: Chase | None, depth: int) -> None:
    if qtype == ANY:
        # RFC 8482: answer ANY with one RRset rather than everything at the name
        for t in ANY_PREFERENCE + tuple(sorted(node)):
            rs = zone.rrset(qname, t, node.get(t)) if t in node else None
            if rs is not None:
                out.answer.append(rs)
                return
        _negative(zone, out, nxdomain=False)
        return
    data = node.get(qtype)
    if data is not None and data.rdatas:
        rs = zone.rrset(qname, qtype, data)
        assert rs is not None
        out.answer.append(rs)
        _additional(zone, rs, out)
        return
    cname = node.get(CNAME)
    if cname is not None and cname.rdatas and qtype != CNAME:
        rs = zone.rrset(qname, CNAME, cname)
        assert rs is not None
        out.answer.append(rs)
        target = cname.rdatas[0].target
        if depth >= MAX_CHAIN or any(r.name == target for r in out.answer[:-1]):
            return                              # a loop or an over-long chain: stop with what we have
        if target.is_subdomain(zone.origin):
            _resolve(zone, target, qtype, out, chase, depth + 1)
        elif chase is not None:
            chase(target, qtype, out)
        else:
            out.dangling = target
        return
    _negative(zone, out, nxdomain=False)


def _negative(zone: Zone, out: Lookup, nxdomain: bool) -> None:
    # after a CNAME the rcode describes the last name of the chain (RFC 6604)
    out.rcode = 3 if nxdomain else 0
    out.touched.add(zone.origin)
    out.authority.append(zone.negative_soa())


def _referral(zone: Zone, cut: dns.name.Name, out: Lookup) -> None:
    out.aa = False
    out.touched.add(cut)
    ns = zone.rrset(cut, NS)
    if ns is None:
        return
    out.authority.append(ns)
    for rd in ns:
        target = rd.target
        if target.is_subdomain(cut):            # glue: only addresses the parent must hold
            _glue(zone, target, out)


def _glue(zone: Zone, target: dns.name.Name, out: Lookup) -> None:
    out.touched.add(target)
    node = zone.nodes.get(target) or {}
    for t in (A, AAAA):
        rs = zone.rrset(target, t, node.get(t)) if t in node else None
        if rs is not None and rs not in out.additional:
            out.additional.append(rs)


def _additional(zone: Zone, rs: dns.rrset.RRset, out: Lookup) -> None:
    """RFC 1035 additional processing: addresses of in-zone MX, SRV and NS targets."""
    if rs.rdtype not in (MX, SRV, NS):
        return
    for rd in rs:
        target = rd.exchange if rs.rdtype == MX else rd.target
        if target.is_subdomain(zone.origin) and zone.cut_for(target) is None:
            _glue(zone, target, out)
