"""The DNS engine: reconciles ARM resources into zones and views.

Feed it the store's changes (``apply``) or everything at once (``resync``).
Each change re-renders only what it touches: the record set's owner name, the
answers that read it (CNAME chains, glue, wildcards, negative answers carrying
the SOA), in the views that hold its zone. ARM resources it reads:

- ``Microsoft.Network/dnszones`` and their record sets (public view and every VNet view),
- ``Microsoft.Network/privateDnsZones``, their record sets and ``virtualNetworkLinks`` (VNet views),
- ``Microsoft.Network/publicIPAddresses`` (targets of alias record sets),
- ``Microsoft.Network/trafficManagerProfiles`` (handed to the Traffic Manager names, when given)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import dns.exception
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA

from ..trafficmanager.names import TrafficManager
from . import resources as res
from .answer import answer as answer_message
from .rdata import IN, RecordSetData, record_set
from .view import DynamicChain, DynamicNames, View
from .zone import Zone


class ChangeLike(Protocol):
    kind: str
    id: str
    type: str
    body: dict[str, Any] | None


class AliasSource(Protocol):
    """What alias record sets pointing at a Traffic Manager profile need from it."""

    def alias_fqdn(self, profile_id: str) -> str | None: ...

    def alias_addresses(self, profile_id: str, rdtype: int) -> list[str]: ...


@dataclass
class _Touched:
    owners: set[dns.name.Name] = field(default_factory=set)
    shape: bool = False
    cuts: set[dns.name.Name] = field(default_factory=set)


@dataclass(frozen=True)
class _Link:
    zone_id: str
    vnet_id: str
    registration: bool


@dataclass(frozen=True)
class _Change:
    kind: str
    id: str
    type: str
    body: dict[str, Any] | None


class DnsEngine:
    def __init__(self, *, traffic_manager: TrafficManager | bool = True, dynamic: DynamicNames | None = None,
                 aliases: AliasSource | None = None, unknown_rcode: int = dns.rcode.REFUSED) -> None:
        tm = TrafficManager() if traffic_manager is True else (traffic_manager or None)
        self.traffic_manager: TrafficManager | None = tm
        # every view asks this chain; ``add_names`` adds a source (the Front Door edge) after the views exist
        self.dynamic = DynamicChain(*[d for d in (dynamic if dynamic is not None else tm,) if d is not None])
        self.aliases = aliases if aliases is not None else tm
        dynamic = self.dynamic
        self.unknown_rcode = unknown_rcode
        self.public_view = View("public", recursive=False, eager=True, dynamic=dynamic)
        self._vnet_views: dict[str, View] = {}
        self.zones: dict[str, Zone] = {}
        self._zone_bodies: dict[str, dict[str, Any]] = {}
        self._sets: dict[str, tuple[str, dns.name.Name, int]] = {}     # record set id → zone, owner, type
        self._bodies: dict[str, tuple[str, dict[str, Any]]] = {}        # record set id → (type, body)
        self._pending: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}  # zone id → sets before their zone
        self._links: dict[str, _Link] = {}
        self._public_ips: dict[str, dict[str, Any]] = {}
        self._alias_deps: dict[str, set[str]] = {}                        # target id → alias record set ids
        self._vnet_listeners: list[Callable[[], None]] = []
        self.tm_listeners: list[Callable[[list[ChangeLike]], None]] = []
        if tm is not None:
            tm.resolver = self.address_of
            self.tm_listeners.append(tm.apply)
            tm.change_listeners.append(self.targets_changed)

    # --- queries ------------------------------------------------------------------------------------
    def answer(self, data: bytes, source: str = "127.0.0.1", tcp: bool = False, view: View | None = None
               ) -> bytes | None:
        return answer_message(view or self.public_view, data, source, tcp)

    def address_of(self, name: str) -> str | None:
        """The first address a name has in the public zones (for Traffic Manager probes)."""
        try:
            qname = dns.name.from_text(name.rstrip(".") + ".")
        except dns.exception.DNSException:
            return None
        found, _ = self.public_view.resolve(qname, dns.rdatatype.A)
        for rrset in found.answer:
            if rrset.rdtype == dns.rdatatype.A:
                return rrset[0].address
        return None

    def add_names(self, source: DynamicNames) -> None:
        """Another source of dynamic names (e.g. ``*.azurefd.net``), answered in every view."""
        self.dynamic.add(source)

    def remove_names(self, source: DynamicNames) -> None:
        self.dynamic.remove(source)

    def views(self) -> list[View]:
        return [self.public_view, *self._vnet_views.values()]

    def view_for_vnet(self, vnet_id: str) -> View:
        """The resolver view of one VNet (its linked private zones, then the public zones)."""
        key = vnet_id.lower()
        view = self._vnet_views.get(key)
        if view is None:
            view = View(f"vnet:{vnet_id}", recursive=True, eager=False, dynamic=self.dynamic,
                        unknown_rcode=self.unknown_rcode)
            view.public = dict(self.public_view.public)
            view.private = self._linked_zones(key)
            self._vnet_views[key] = view
        return view

    def linked_vnets(self) -> list[str]:
        """VNets with at least one private zone link (in the casing of the first link seen)."""
        seen: dict[str, str] = {}
        for link in self._links.values():
            seen.setdefault(link.vnet_id.lower(), link.vnet_id)
        return sorted(seen.values(), key=str.lower)

    def registration_links(self, vnet_id: str) -> list[str]:
        """Zone ids where ``vnet_id`` has a registration-enabled link (for the control plane's auto-registration)."""
        key = vnet_id.lower()
        return [link.zone_id for link in self._links.values() if link.vnet_id.lower() == key and link.registration]

    def on_vnets_changed(self, fn: Callable[[], None]) -> None:
        self._vnet_listeners.append(fn)

    # --- reconciling --------------------------------------------------------------------------------
    def resync(self, resources: Iterable[dict[str, Any]]) -> None:
        """Replace everything with ``resources`` (ARM GET bodies)."""
        for view in self.views():
            view.clear()
            view.public.clear()
            view.private.clear()
        self.zones.clear()
        self._zone_bodies.clear()
        self._sets.clear()
        self._bodies.clear()
        self._pending.clear()
        self._links.clear()
        self._public_ips.clear()
        self._alias_deps.clear()
        items = [_Change("put", r["id"], r.get("type", ""), r) for r in resources if isinstance(r, dict) and "id" in r]
        tm_reset = _Change("resync", "", res.TM_PROFILE, None)
        for fn in self.tm_listeners:
            fn([tm_reset])
        self.apply(items)

    def apply(self, changes: Iterable[ChangeLike]) -> None:
        touched: dict[str, _Touched] = {}
        links_changed = False
        alias_targets: set[str] = set()
        tm_changes: list[ChangeLike] = []
        ordered = sorted(changes, key=lambda c: 0 if res.classify(c.type).kind == "zone" else 1)
        for ch in ordered:
            cls = res.classify(ch.type)
            key = res.zone_key(ch.id)
            if cls.kind == "zone":
                if ch.kind == "put" and ch.body is not None:
                    self._put_zone(key, ch.body, cls.private, touched)
                else:
                    self._delete_zone(key)
                    links_changed = True
                alias_targets.add(key)
            elif cls.kind == "recordset":
                if ch.kind == "put" and ch.body is not None:
                    self._put_set(ch.id, ch.type, ch.body, touched)
                else:
                    self._delete_set(ch.id, touched)
                alias_targets.add(key)
            elif cls.kind == "link":
                self._apply_link(ch)
                links_changed = True
            elif cls.kind == "publicip":
                if ch.kind == "put" and ch.body is not None:
                    self._public_ips[key] = ch.body
                else:
                    self._public_ips.pop(key, None)
                alias_targets.add(key)
            elif cls.kind == "tmprofile":
                tm_changes.append(ch)
                alias_targets.add(key)
        if tm_changes:
            for fn in self.tm_listeners:
                fn(tm_changes)
        self._refresh_aliases(alias_targets, touched)
        self._publish(touched)
        if links_changed:
            self._relink()

    def targets_changed(self, target_ids: Iterable[str]) -> None:
        """A Traffic Manager decision or another alias target changed outside ``apply`` (health)."""
        touched: dict[str, _Touched] = {}
        self._refresh_aliases({t.lower() for t in target_ids}, touched)
        self._publish(touched)

    # --- zones and record sets ----------------------------------------------------------------------
    def _put_zone(self, key: str, body: dict[str, Any], private: bool, touched: dict[str, _Touched]) -> None:
        name = str(body.get("name") or res.zone_name_of(key)).lower().rstrip(".")
        origin = dns.name.from_text(name + ".")
        old = self.zones.get(key)
        self._zone_bodies[key] = body
        if old is not None and old.origin == origin:
            return
        if old is not None:
            self._delete_zone(key)
        zone = Zone(key, origin, private)
        self.zones[key] = zone
        if not private:
            for view in self.views():
                self._drop_covered(view, origin)
                view.public[origin] = zone
        else:
            for vnet, view in self._vnet_views.items():
                if any(lk.zone_id == key for lk in self._links.values() if lk.vnet_id.lower() == vnet):
                    self._drop_covered(view, origin)
                    view.private[origin] = zone
        t = touched.setdefault(key, _Touched())
        t.shape = True
        t.owners.add(origin)
        for rid, (rtype, rbody) in self._pending.pop(key, {}).items():
            self._put_set(rid, rtype, rbody, touched)

    def _drop_covered(self, view: View, origin: dns.name.Name) -> None:
        """A new zone takes over names a parent zone (or nobody) answered."""
        view.drop_zone(None)
        for z in view.zones():
            if origin.is_subdomain(z.origin) and origin != z.origin:
                view.drop_zone(z.zone_id, under=origin)

    def _delete_zone(self, key: str) -> None:
        zone = self.zones.pop(key, None)
        self._zone_bodies.pop(key, None)
        self._pending.pop(key, None)
        if zone is None:
            return
        for rid in [rid for rid, (zid, _, _) in self._sets.items() if zid == key]:
            self._sets.pop(rid, None)
            self._bodies.pop(rid, None)
        for view in self.views():
            for table in (view.public, view.private):
                if table.get(zone.origin) is zone:
                    del table[zone.origin]
            view.drop_zone(key)
            view.drop_names({zone.origin})
            view.drop_zone(None)
            for z in view.zones():
                if zone.origin.is_subdomain(z.origin):
                    view.drop_zone(z.zone_id, under=zone.origin)

    def _owner(self, zone: Zone, name: str) -> dns.name.Name:
        if name in ("@", ""):
            return zone.origin
        return dns.name.from_text(name, origin=zone.origin)

    def _put_set(self, rid: str, rtype: str, body: dict[str, Any], touched: dict[str, _Touched]) -> None:
        ref = res.record_set_ref(rid)
        if ref is None:
            return
        zone = self.zones.get(ref.zone_id)
        if zone is None:
            self._pending.setdefault(ref.zone_id, {})[rid] = (rtype, body)
            return
        key = rid.lower()
        try:
            owner = self._owner(zone, ref.name)
        except dns.exception.DNSException:
            return
        data = record_set(ref.rtype, body)
        self._untrack_alias(key)
        if data.alias:
            self._bodies[key] = (rtype, body)
            self._alias_deps.setdefault(data.alias, set()).add(key)
            data = self._resolve_alias(zone, ref.rtype, data)
        else:
            self._bodies.pop(key, None)
        t = touched.setdefault(ref.zone_id, _Touched())
        old = self._sets.get(key)
        if old is not None and (old[1] != owner or old[2] != data.rdtype):
            t.shape |= zone.remove(old[1], old[2])
        self._sets[key] = (ref.zone_id, owner, data.rdtype)
        t.shape |= zone.put(owner, data)
        t.owners.add(owner)
        if data.rdtype == dns.rdatatype.NS and owner != zone.origin:
            t.cuts.add(owner)

    def _delete_set(self, rid: str, touched: dict[str, _Touched]) -> None:
        key = rid.lower()
        self._untrack_alias(key)
        self._bodies.pop(key, None)
        ref = res.record_set_ref(rid)
        if ref is not None and ref.zone_id in self._pending:
            self._pending[ref.zone_id].pop(rid, None)
        old = self._sets.pop(key, None)
        if old is None:
            return
        zone_id, owner, rdtype = old
        zone = self.zones.get(zone_id)
        if zone is None:
            return
        t = touched.setdefault(zone_id, _Touched())
        t.shape |= zone.remove(owner, rdtype)
        t.owners.add(owner)
        if rdtype == dns.rdatatype.NS and owner != zone.origin:
            t.cuts.add(owner)

    # --- alias record sets --------------------------------------------------------------------------
    def _untrack_alias(self, key: str) -> None:
        prev = self._bodies.get(key)
        if prev is None:
            return
        target = record_set(res.classify(prev[0]).rtype or "A", prev[1]).alias
        if target and target in self._alias_deps:
            self._alias_deps[target].discard(key)
            if not self._alias_deps[target]:
                del self._alias_deps[target]

    def _resolve_alias(self, zone: Zone, rtype: str, data: RecordSetData) -> RecordSetData:
        target = data.alias or ""
        rdtype = data.rdtype
        rdatas: list[Any] = []
        kind = res.classify(_type_of(target)).kind
        if kind == "publicip":
            ip = res.props(self._public_ips.get(target)).get("ipAddress")
            if isinstance(ip, str) and ip:
                rdatas = _addresses(rdtype, [ip])
        elif kind == "recordset":
            found = self._sets.get(target)
            if found is not None and found[0] == zone.zone_id:
                tdata = zone.sets.get((found[1], found[2]))
                if tdata is not None and tdata.rdtype == rdtype:
                    rdatas = list(tdata.rdatas)
        elif kind == "tmprofile" and self.aliases is not None:
            if rdtype == dns.rdatatype.CNAME:
                fqdn = self.aliases.alias_fqdn(target)
                if fqdn:
                    rdatas = [dns.rdtypes.ANY.CNAME.CNAME(IN, rdtype, dns.name.from_text(fqdn))]
            else:
                rdatas = _addresses(rdtype, self.aliases.alias_addresses(target, rdtype))
        return RecordSetData(rdtype, data.ttl, tuple(rdatas), data.alias)

    def _refresh_aliases(self, targets: set[str], touched: dict[str, _Touched]) -> None:
        seen: set[str] = set()
        todo = [t for t in targets if t in self._alias_deps]
        while todo:
            target = todo.pop()
            for rid in list(self._alias_deps.get(target, ())):
                if rid in seen:
                    continue
                seen.add(rid)
                stored = self._bodies.get(rid)
                if stored is not None:
                    self._put_set(rid, stored[0], stored[1], touched)
                    if rid in self._alias_deps:
                        todo.append(rid)            # an alias of an alias follows too

    # --- private zone links -------------------------------------------------------------------------
    def _apply_link(self, ch: ChangeLike) -> None:
        key = ch.id.lower()
        if ch.kind != "put" or ch.body is None:
            self._links.pop(key, None)
            return
        p = res.props(ch.body)
        vnet = (p.get("virtualNetwork") or {}).get("id") if isinstance(p.get("virtualNetwork"), dict) else None
        if not isinstance(vnet, str) or not vnet:
            self._links.pop(key, None)
            return
        self._links[key] = _Link(res.link_parent(ch.id), vnet, bool(p.get("registrationEnabled")))

    def _linked_zones(self, vnet_key: str) -> dict[dns.name.Name, Zone]:
        out: dict[dns.name.Name, Zone] = {}
        for link in self._links.values():
            if link.vnet_id.lower() == vnet_key:
                zone = self.zones.get(link.zone_id)
                if zone is not None and zone.private:
                    out[zone.origin] = zone
        return out

    def _relink(self) -> None:
        for vnet, view in self._vnet_views.items():
            linked = self._linked_zones(vnet)
            if linked != view.private:
                view.private = linked
                view.clear()
        for fn in self._vnet_listeners:
            fn()

    # --- pushing changes into the views -------------------------------------------------------------
    def _publish(self, touched: dict[str, _Touched]) -> None:
        for zone_id, t in touched.items():
            zone = self.zones.get(zone_id)
            if zone is None:
                continue
            for view in self.views():
                if view.public.get(zone.origin) is not zone and view.private.get(zone.origin) is not zone:
                    continue
                view.drop_names(t.owners)
                if t.shape:
                    view.drop_zone(zone_id, synthetic_only=True)
                for cut in t.cuts:
                    view.drop_zone(zone_id, under=cut)
                if t.cuts:
                    view.warm(zone)
                else:
                    view.warm(zone, t.owners)


def _type_of(rid: str) -> str:
    """The resource type an id names, for classify (``…/providers/NS/type/name[/childtype/name]``)."""
    _, _, rest = rid.partition("/providers/")
    segs = rest.split("/")
    if len(segs) < 3:
        return ""
    types = [segs[0], segs[1]] + [segs[i] for i in range(3, len(segs), 2)]
    return "/".join(types)


def _addresses(rdtype: int, ips: list[str]) -> list[Any]:
    out: list[Any] = []
    for ip in ips:
        try:
            if rdtype == dns.rdatatype.A and ":" not in ip:
                out.append(dns.rdtypes.IN.A.A(IN, rdtype, ip))
            elif rdtype == dns.rdatatype.AAAA and ":" in ip:
                out.append(dns.rdtypes.IN.AAAA.AAAA(IN, rdtype, ip))
        except Exception:  # noqa: BLE001 - an unusable address is left out
            continue
    return out
