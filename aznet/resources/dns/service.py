"""The DNS data plane as an aznet service (``platform.services["dns"]``): the
engine built from the store at start (full resync), kept current from the
store's change batches (applied in the committing request, so an answer
changes before the PUT returns), the public listener on
127.0.0.1:``settings.dns_port`` (0 picks a free port; the real one is written
back to the settings) and one listener per VNet that has private-zone links.
``endpoints()`` lists them for ``aznet status``; ``vnet_endpoint(vnet_id)``
tells a host-side client where to ask as that VNet."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ... import services
from ...dataplane.dns import DnsEngine, DnsServerShell
from ...store.base import Change
from . import feed

if TYPE_CHECKING:
    from ...arm.platform import Platform

log = logging.getLogger("aznet.dns")
HOST = "127.0.0.1"


class DnsService:
    name = "dns"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.engine = DnsEngine()
        self.shell = DnsServerShell(self.engine, HOST, platform.settings.dns_port)
        self._subscribed = False

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        self.resync()
        if not self._subscribed:
            self.platform.store.subscribe(self._on_changes)
            self._subscribed = True
        await self.shell.start()
        self.platform.settings.dns_port = self.shell.port

    async def stop(self) -> None:
        await self.shell.stop()

    def resync(self) -> None:
        self.engine.resync(list(feed.resync_bodies(self.platform.store)))

    def _on_changes(self, changes: list[Change]) -> None:
        batch = feed.translate(self.platform.store, changes)
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
        """The Traffic Manager monitor's status of an endpoint (None until probed, or without a monitor)."""
        return None

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


@services.register
def _factory(platform: Platform) -> DnsService:
    return DnsService(platform)
