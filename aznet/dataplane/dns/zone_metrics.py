"""Azure Monitor's zone gauges for Azure DNS and Private DNS: RecordSetCount,
RecordSetCapacityUtilization and, for private zones, VirtualNetworkLinkCount,
VirtualNetworkWithRegistrationLinkCount and their capacity utilizations.

An engine on the reconcile seam: it watches zones, record sets and virtual
network links, and sets the gauges of each zone a change touches (a zone's
record-set count is the counter the record-set hooks keep in the zone's
private state; links are counted from the snapshot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import limits
from . import resources as res

if TYPE_CHECKING:
    from ...monitor.metrics import MetricsRegistry
    from ...store.base import Change, Record
    from ..reconcile import Snapshot


def record_set_count(body: dict[str, Any] | None) -> int:
    return int(((body or {}).get("_aznet") or {}).get("recordSets", 0))


class ZoneMetrics:
    name = "dns-zone-metrics"
    watches = frozenset({res.PUBLIC_ZONE, res.PUBLIC_ZONE + "/*", res.PRIVATE_ZONE, res.PRIVATE_ZONE + "/*"})
    delivery = "sync"

    def __init__(self, metrics: MetricsRegistry) -> None:
        self.metrics = metrics
        self._snapshot: Snapshot | None = None

    def resync(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        for rtype in (res.PUBLIC_ZONE, res.PRIVATE_ZONE):
            for rec in snapshot.of_type(rtype):
                self._report(rec)

    def apply(self, changes: Sequence[Change]) -> None:
        snap = self._snapshot
        assert snap is not None
        zones: set[str] = set()
        for ch in changes:
            t = ch.type.lower()
            if t in (res.PUBLIC_ZONE, res.PRIVATE_ZONE):
                if ch.kind == "delete":
                    self.metrics.drop(ch.id)
                    continue
                zones.add(ch.id.lower())
            else:
                zones.add(res.link_parent(ch.id) if t == res.VNET_LINK else _zone_of(ch.id))
        for key in zones:
            rec = snap.get(key)
            if rec is not None:
                self._report(rec)

    def _report(self, zone: Record) -> None:
        private = zone.type.lower() == res.PRIVATE_ZONE
        count = record_set_count(zone.body)
        cap = limits.PRIVATE_MAX_RECORD_SETS if private else limits.PUBLIC_MAX_RECORD_SETS
        gauge = self.metrics.set_gauge
        gauge(zone.id, "RecordSetCount", count)
        gauge(zone.id, "RecordSetCapacityUtilization", 100.0 * count / cap)
        if not private:
            return
        assert self._snapshot is not None
        links = [c for c in self._snapshot.children(zone.key) if c.type.lower() == res.VNET_LINK]
        registering = sum(1 for c in links if res.props(c.body).get("registrationEnabled"))
        gauge(zone.id, "VirtualNetworkLinkCount", len(links))
        gauge(zone.id, "VirtualNetworkLinkCapacityUtilization", 100.0 * len(links) / limits.PRIVATE_MAX_LINKS)
        gauge(zone.id, "VirtualNetworkWithRegistrationLinkCount", registering)
        gauge(zone.id, "VirtualNetworkWithRegistrationCapacityUtilization",
              100.0 * registering / limits.PRIVATE_MAX_REGISTRATION_LINKS)


def _zone_of(record_set_id: str) -> str:
    """``…/dnszones/z/A/www`` -> ``…/dnszones/z`` (lower case)."""
    return record_set_id.rstrip("/").rsplit("/", 2)[0].lower()
