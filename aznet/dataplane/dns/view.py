"""A view: the zones one listener answers from, and its table of rendered answers.

The public view is Azure DNS's authoritative servers: public zones, AA set, no
recursion, a CNAME chain stops at its zone's edge. A VNet view is the
Azure-provided resolver (168.63.129.16) inside that VNet: private zones linked
to the VNet first (a linked zone owns its namespace: a name missing there is
NXDOMAIN even if a public zone has it), then the public zones aznet serves; RA
set, AA clear, CNAMEs followed across zones. Names in no zone get REFUSED
(there is no recursion to the internet here) unless ``unknown_rcode`` says
otherwise.

``table`` maps question keys (see render.question_key) to pre-rendered
``Entry``s; the public view fills it eagerly when zones change, VNet views on
first use. Entries remember the names they read, so a change drops exactly the
answers it affects.

What the table may hold is bounded: answers for names in no zone are never kept (a
flood of random names costs nothing but the slow path); negative answers inside a
zone (NXDOMAIN, NODATA) are kept oldest-first within ``negative_budget`` bytes; the
positive answers are bounded by the zones' own data (which ARM bounds). ``raw``,
the exact-bytes cache of the UDP hot path, is bounded by bytes too."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import dns.name
import dns.rcode

from .render import Entry, entry_for, question_key
from .zone import MAX_CHAIN, Lookup, Zone, lookup

TRAFFIC_MANAGER = dns.name.from_text("trafficmanager.net.")
NEGATIVE_BUDGET = 8 << 20          # bytes of negative answers one view keeps
ENTRY_OVERHEAD = 512               # an entry's objects beyond its two wire renderings, roughly


def entry_cost(entry: Entry) -> int:
    return entry.plain.size + entry.edns.size + ENTRY_OVERHEAD


@dataclass(frozen=True)
class Client:
    address: str                           # the datagram's source address
    subnet: tuple[str, int] | None = None  # EDNS Client Subnet (address, source prefix), if sent


class DynamicNames(Protocol):
    """Names answered per client (Traffic Manager profiles)."""

    def owns(self, qname: dns.name.Name) -> bool: ...

    def lookup(self, qname: dns.name.Name, qtype: int, client: Client, out: Lookup) -> None: ...


class DynamicChain:
    """Several sources of dynamic names (Traffic Manager, the Front Door / CDN edge), asked in order; a source
    added later is seen by every view at once (views hold this object)."""

    def __init__(self, *sources: DynamicNames) -> None:
        self.sources: list[DynamicNames] = [s for s in sources if s is not None]

    def add(self, source: DynamicNames) -> None:
        if source not in self.sources:
            self.sources.append(source)

    def remove(self, source: DynamicNames) -> None:
        if source in self.sources:
            self.sources.remove(source)

    def owns(self, qname: dns.name.Name) -> bool:
        return any(s.owns(qname) for s in self.sources)

    def lookup(self, qname: dns.name.Name, qtype: int, client: Client, out: Lookup) -> None:
        for s in self.sources:
            if s.owns(qname):
                s.lookup(qname, qtype, client, out)
                return


class View:
    def __init__(self, name: str, *, recursive: bool, eager: bool, dynamic: DynamicNames | None = None,
                 unknown_rcode: int = dns.rcode.REFUSED, max_entries: int = 500_000,
                 negative_budget: int = NEGATIVE_BUDGET) -> None:
        self.name = name
        self.recursive = recursive
        self.eager = eager
        self.dynamic = dynamic
        self.unknown_rcode = unknown_rcode
        self.max_entries = max_entries
        self.public: dict[dns.name.Name, Zone] = {}
        self.private: dict[dns.name.Name, Zone] = {}
        self.table: dict[bytes, Entry] = {}
        # exact query bytes (after the id) → response bytes (after the id), filled by the UDP hot path;
        # emptied whenever the table changes
        self.raw: dict[bytes, bytes] = {}
        self.raw_bytes = 0
        # queries answered since the last ``drain_hits`` (Azure Monitor's QueryVolume): the hot paths count
        # the query bytes (after the id) in ``hits``, the slow path counts by zone id in ``zone_hits``
        self.hits: dict[bytes, int] = {}
        self.zone_hits: dict[str, int] = {}
        self.negative_budget = negative_budget
        self._negative: OrderedDict[bytes, int] = OrderedDict()   # key → cost, oldest first
        self._negative_bytes = 0
        self._deps: dict[dns.name.Name, set[bytes]] = {}
        self._by_zone: dict[str | None, set[bytes]] = {}

    # --- which zone answers ----------------------------------------------------------------------
    def zones(self) -> list[Zone]:
        return list(self.private.values()) + list(self.public.values())

    def zone_for(self, qname: dns.name.Name) -> Zone | None:
        for table in (self.private, self.public):
            if not table:
                continue
            name = qname
            while True:
                z = table.get(name)
                if z is not None:
                    return z
                if name == dns.name.root:
                    break
                name = name.parent()
        return None

    def count_name(self, qname: dns.name.Name) -> None:
        """One query for ``qname`` answered (by the slow path)."""
        zone = self.zone_for(qname)
        if zone is not None:
            self.zone_hits[zone.zone_id] = self.zone_hits.get(zone.zone_id, 0) + 1

    def drain_hits(self) -> dict[str, int]:
        """Queries answered per zone id since the last call."""
        hits, self.hits = self.hits, {}
        out, self.zone_hits = self.zone_hits, {}
        for rest, n in hits.items():
            try:
                qname = dns.name.from_wire(rest, 10)[0]
            except Exception:  # noqa: BLE001 - the hot path only counts queries it could parse
                continue
            zone = self.zone_for(qname)
            if zone is not None:
                out[zone.zone_id] = out.get(zone.zone_id, 0) + n
        return out

    def resolve(self, qname: dns.name.Name, qtype: int, client: Client | None = None) -> tuple[Lookup, Zone | None]:
        zone = self.zone_for(qname)
        if zone is None:
            out = Lookup(aa=not self.recursive)
            if self.dynamic is not None and self.dynamic.owns(qname):
                self.dynamic.lookup(qname, qtype, client or Client("127.0.0.1"), out)
                if out.dangling is not None and self.recursive:
                    target, out.dangling = out.dangling, None
                    self._chase(target, qtype, out, client)
            else:
                out.rcode = self.unknown_rcode
                out.aa = False
            return out, None
        chase = (lambda t, q, o: self._chase(t, q, o, client)) if self.recursive else None
        return lookup(zone, qname, qtype, chase), zone

    def _chase(self, target: dns.name.Name, qtype: int, out: Lookup, client: Client | None) -> None:
        if len(out.answer) > MAX_CHAIN * 2:
            return
        zone = self.zone_for(target)
        if zone is not None:
            sub = lookup(zone, target, qtype, lambda t, q, o: self._chase(t, q, o, client))
        elif self.dynamic is not None and self.dynamic.owns(target):
            sub = Lookup()
            self.dynamic.lookup(target, qtype, client or Client("127.0.0.1"), sub)
            if sub.dangling is not None:
                t2, sub.dangling = sub.dangling, None
                self._chase(t2, qtype, sub, client)
        else:
            return                                  # outside everything aznet serves: the chain ends here
        out.answer.extend(r for r in sub.answer if r not in out.answer)
        out.authority = sub.authority
        out.additional.extend(sub.additional)
        out.rcode = sub.rcode
        out.touched |= sub.touched
        out.dynamic = out.dynamic or sub.dynamic
        out.scope = max(out.scope, sub.scope)
        out.synthetic = out.synthetic or sub.synthetic

    # --- the rendered table ----------------------------------------------------------------------
    def render(self, qname: dns.name.Name, qtype: int, client: Client | None = None,
               zone: Zone | None = None) -> tuple[Lookup, Entry | None]:
        """Resolve and, when the answer is the same for every client, render and keep it.
        ``zone``: the zone known to answer ``qname`` in this view (saves finding it)."""
        if zone is not None:
            chase = (lambda t, q, o: self._chase(t, q, o, client)) if self.recursive else None
            found = lookup(zone, qname, qtype, chase)
        else:
            found, zone = self.resolve(qname, qtype, client)
        if found.dynamic:
            return found, None
        zid = zone.zone_id if zone is not None else None
        entry = entry_for(qname, qtype, found, aa=not self.recursive, ra=self.recursive, zone_id=zid)
        negative = found.rcode != dns.rcode.NOERROR or not found.answer
        if zone is None and negative:
            return found, entry                # a name in no zone: answered, never kept
        self.keep(question_key(qname, qtype), entry, negative=negative)
        return found, entry

    def remember_raw(self, query: bytes, response: bytes, budget: int) -> None:
        """The UDP hot path's exact-bytes cache; emptied when it would pass ``budget`` bytes."""
        cost = len(query) + len(response) + 160
        if self.raw_bytes + cost > budget:
            self._clear_raw()
        self.raw[query] = response
        self.raw_bytes += cost

    def _clear_raw(self) -> None:
        self.raw.clear()
        self.raw_bytes = 0

    def keep(self, key: bytes, entry: Entry, *, negative: bool = False) -> None:
        if self.raw:
            self._clear_raw()
        if key in self.table:
            self._forget(key)
        elif len(self.table) >= self.max_entries:
            return
        if negative:
            cost = entry_cost(entry)
            if cost > self.negative_budget:
                return
            while self._negative and self._negative_bytes + cost > self.negative_budget:
                self._forget(next(iter(self._negative)))
            self._negative[key] = cost
            self._negative_bytes += cost
        self.table[key] = entry
        for n in entry.touched:
            self._deps.setdefault(n, set()).add(key)
        self._by_zone.setdefault(entry.zone_id, set()).add(key)

    def _forget(self, key: bytes) -> None:
        if self.raw:
            self._clear_raw()
        cost = self._negative.pop(key, None)
        if cost is not None:
            self._negative_bytes -= cost
        entry = self.table.pop(key, None)
        if entry is None:
            return
        for n in entry.touched:
            keys = self._deps.get(n)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._deps[n]
        keys = self._by_zone.get(entry.zone_id)
        if keys is not None:
            keys.discard(key)

    def drop_names(self, names: set[dns.name.Name]) -> None:
        """Forget every answer that read one of ``names``."""
        for n in names:
            for key in list(self._deps.get(n, ())):
                self._forget(key)

    def drop_zone(self, zone_id: str | None, *, synthetic_only: bool = False,
                  under: dns.name.Name | None = None) -> None:
        for key in list(self._by_zone.get(zone_id, ())):
            e = self.table.get(key)
            if e is None:
                continue
            if synthetic_only and not e.synthetic:
                continue
            if under is not None and not e.qname.is_subdomain(under):
                continue
            self._forget(key)

    def clear(self) -> None:
        self._clear_raw()
        self._negative.clear()
        self._negative_bytes = 0
        self.table.clear()
        self._deps.clear()
        self._by_zone.clear()

    def warm(self, zone: Zone, owners: set[dns.name.Name] | None = None) -> None:
        """Render the answers for the record sets that exist (the eager public view)."""
        if not self.eager or self.zone_for(zone.origin) is not zone:
            return
        # zones inside this one answer for their own names
        inner = [z.origin for z in self.zones() if z.origin != zone.origin and z.origin.is_subdomain(zone.origin)]
        for owner in (list(zone.nodes) if owners is None else owners):
            if inner and any(owner.is_subdomain(o) for o in inner):
                continue
            node = zone.node(owner)
            if not node:
                continue
            for rdtype in node:
                key = question_key(owner, rdtype)
                if key not in self.table:
                    self.render(owner, rdtype, zone=zone)
