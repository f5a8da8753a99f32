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

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...store.base import Change
from ..trafficmanager.probe_targets import ProbeTargets
from . import feed
from .engine import DnsEngine
from .ports import PortBook
from .shell import DnsServerShell

if TYPE_CHECKING:
    from ...arm.platform import Platform
    from ..reconcile import Snapshot

log = logging.getLogger("aznet.dns")
HOST = "127.0.0.1"


class DnsService:
    name = "dns"
    watches = feed.WATCHES
    delivery = "sync"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.engine = DnsEngine()
        self.shell = DnsServerShell(self.engine, HOST, platform.settings.dns_port,
                                    port_book=PortBook(platform.settings.data_dir / "dns-vnet-ports.json"))
        self.probe_targets = ProbeTargets(self.tm) if self.tm is not None else None
        self._snapshot: Snapshot | None = None

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        reconciler = self.platform.reconciler
        if self.probe_targets is not None:
            reconciler.register(self.probe_targets)
        reconciler.register(self)          # a full resync now, then every commit
        await self.shell.start()
        self.platform.settings.dns_port = self.shell.port
        if self.tm is not None:
            await self.tm.monitor.start()

    async def stop(self) -> None:
        if self.tm is not None:
            await self.tm.monitor.stop()
        await self.shell.stop()
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

    def apply(self, changes: Sequence[Change]) -> None:
        assert self._snapshot is not None
        batch = feed.translate(self._snapshot, changes)
        if batch:
            self.engine.apply(batch)

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
