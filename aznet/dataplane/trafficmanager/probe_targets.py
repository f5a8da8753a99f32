"""Where Traffic Manager's probes reach an Azure endpoint: the public IP's
FQDN -> its loopback address. An engine on the reconcile seam watching public
IP addresses; it fills the ``hosts`` table of a ``TrafficManager``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..dns import resources as res

if TYPE_CHECKING:
    from ...store.base import Change
    from ..reconcile import Snapshot
    from .names import TrafficManager


class ProbeTargets:
    name = "trafficmanager-probe-targets"
    watches = frozenset({res.PUBLIC_IP})
    delivery = "sync"

    def __init__(self, tm: TrafficManager) -> None:
        self.tm = tm
        self._names: dict[str, str] = {}     # public IP FQDN -> public IP id (lower case)

    def resync(self, snapshot: Snapshot) -> None:
        for name in self._names:
            self.tm.hosts.pop(name, None)
        self._names.clear()
        for rec in snapshot.of_type(res.PUBLIC_IP):
            self._map(rec.id, rec.body)

    def apply(self, changes: Sequence[Change]) -> None:
        for ch in changes:
            self._map(ch.id, ch.body, ch.kind == "delete")

    def _map(self, rid: str, body: dict[str, Any] | None, deleted: bool = False) -> None:
        hosts = self.tm.hosts
        key = rid.lower()
        for name in [n for n, owner in self._names.items() if owner == key]:
            hosts.pop(name, None)
            del self._names[name]
        props = res.props(body)
        fqdn = (props.get("dnsSettings") or {}).get("fqdn")
        ip = props.get("ipAddress")
        if not deleted and fqdn and ip:
            name = str(fqdn).lower().rstrip(".")
            hosts[name] = str(ip)
            self._names[name] = key
