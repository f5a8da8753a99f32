"""The DNS data plane as an aznet service (``platform.services.get(DnsService)``):
an engine on the reconcile seam (``aznet.dataplane.reconcile``), delivered
synchronously inside each commit so an answer changes before the PUT returns;
the public listener on 127.0.0.1:``settings.dns_port`` (0 picks a free port;
the real one is written back to the settings) and one listener per VNet that
has private-zone links. ``endpoints()`` lists them for ``aznet status``;
``vnet_endpoint(vnet_id)`` tells a host-side client where to ask as that VNet.

Traffic Manager: the engine's ``TrafficManager`` answers ``*.trafficmanager.net``
and its health monitor probes endpoints (loopback only); Azure endpoints' targets
(public IP FQDNs) are mapped to the public IPs' loopback addresses for the probes
by a second engine, ``ProbeTargets``. ``endpoint_monitor_status`` is what the ARM
GET of an endpoint shows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...store.base import Change
from ..trafficmanager.probe_targets import ProbeTargets
from . import feed
from .engine import DnsEngine
from .ports import PortBook
from .shell import DnsServerShell
from .zone_metrics import ZoneMetrics

if TYPE_CHECKING:
    from ...services import Host
    from ..reconcile import Snapshot

log = logging.getLogger("aznet.dns")
HOST = "127.0.0.1"
DRAIN_SECONDS = 5.0                 # how often the views' query counters move into the metrics registry


class DnsService:
    name = "dns"
    watches = feed.WATCHES
    delivery = "sync"

    def __init__(self, platform: Host) -> None:
        self.platform = platform
        self.engine = DnsEngine()
        self.shell = DnsServerShell(self.engine, HOST, platform.settings.dns_port,
                                    port_book=PortBook(platform.settings.data_dir / "dns-vnet-ports.json"))
        self.probe_targets = ProbeTargets(self.tm) if self.tm is not None else None
        self.zone_metrics = ZoneMetrics(platform.metrics)
        self._snapshot: Snapshot | None = None
        self._drain_task: asyncio.Task[None] | None = None
        if self.tm is not None:
            self.tm.on_returned = self._endpoint_returned
            self.tm.monitor.on_status_change(self._report_endpoint_states)

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        reconciler = self.platform.reconciler
        if self.probe_targets is not None:
            reconciler.register(self.probe_targets)
        reconciler.register(self)          # a full resync now, then every commit
        reconciler.register(self.zone_metrics)
        await self.shell.start()
        self.platform.settings.dns_port = self.shell.port
        if self.tm is not None:
            await self.tm.monitor.start()
        self.platform.metrics.add_collector(self.drain_query_counts)
        self._drain_task = asyncio.get_running_loop().create_task(self._drain_loop())

    async def stop(self) -> None:
        if self._drain_task is not None:
            self._drain_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain_task
        self.platform.metrics.remove_collector(self.drain_query_counts)
        self.drain_query_counts()
        if self.tm is not None:
            await self.tm.monitor.stop()
        await self.shell.stop()
        self.platform.reconciler.unregister(self.zone_metrics)
        self.platform.reconciler.unregister(self)
        if self.probe_targets is not None:
            self.platform.reconciler.unregister(self.probe_targets)

    @property
    def tm(self) -> Any:
        return self.engine.traffic_manager

    # -- the reconcile seam ----------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self.engine.resync(list(feed.resync_bodies(snapshot)))
        if self.tm is not None:
            for profile in list(self.tm.profiles.values()):
                self._report_endpoint_states(profile.id)

    def apply(self, changes: Sequence[Change]) -> None:
        assert self._snapshot is not None
        batch = feed.translate(self._snapshot, changes)
        if batch:
            self.engine.apply(batch)
            for ch in batch:
                if ch.type.lower() == feed.TM_PROFILE:
                    if ch.kind == "delete":
                        self.platform.metrics.drop(ch.id)
                    else:
                        self._report_endpoint_states(ch.id)

    # -- Azure Monitor metrics -------------------------------------------------------
    def drain_query_counts(self) -> None:
        """QueryVolume: the views' query counters, per zone, into the metrics registry."""
        add = self.platform.metrics.add
        for view in self.engine.views():
            for zone_id, n in view.drain_hits().items():
                add(zone_id, "QueryVolume", float(n))

    async def _drain_loop(self) -> None:
        while True:
            await asyncio.sleep(DRAIN_SECONDS)
            try:
                self.drain_query_counts()
            except Exception:  # noqa: BLE001 - counting must never stop the server
                log.exception("draining DNS query counts failed")

    def _endpoint_returned(self, profile_id: str, endpoint_name: str) -> None:
        self.platform.metrics.add(profile_id, "QpsByEndpoint", 1.0, (("EndpointName", endpoint_name),))

    def _report_endpoint_states(self, profile_id: str) -> None:
        """ProbeAgentCurrentEndpointStateByProfileResourceId: 1 for an endpoint probed Online, else 0."""
        tm = self.tm
        profile = tm.profiles.get(profile_id.lower()) if tm is not None else None
        if profile is None:
            return
        statuses = tm.monitor.status(profile_id)["endpoints"]
        for ep in profile.endpoints:
            self.platform.metrics.set_gauge(profile.id, "ProbeAgentCurrentEndpointStateByProfileResourceId",
                                            1.0 if statuses.get(ep.id) == "Online" else 0.0,
                                            (("EndpointName", ep.name),))

    # -- what others ask ----------------------------------------------------------
    @property
    def port(self) -> int:
        return self.shell.port

    def vnet_endpoint(self, vnet_id: str) -> tuple[str, int] | None:
        """(host, port) of the resolver listener of a VNet with private-zone links."""
        return self.shell.vnet_endpoint(vnet_id)

    def endpoint_monitor_status(self, endpoint_id: str) -> str | None:
        """The Traffic Manager monitor's status of an endpoint (None when the monitor does not know it)."""
        if self.tm is None:
            return None
        status: str | None = self.tm.monitor.endpoint_status(endpoint_id)
        return status

    def endpoints(self) -> list[dict[str, Any]]:
        out = []
        for name, host, port, proto in self.shell.endpoints():
            if name == "public":
                ep = {"name": f"dns-{proto}", "host": host, "port": port, "protocol": proto,
                      "description": "Azure DNS public zones, Traffic Manager names"}
            else:
                vnet = name.removeprefix("vnet:")
                ep = {"name": f"dns-vnet-{proto}:{vnet.rsplit('/', 1)[-1]}", "host": host, "port": port,
                      "protocol": proto, "description": f"resolver (168.63.129.16) of VNet {vnet}"}
            out.append(ep)
        return out
