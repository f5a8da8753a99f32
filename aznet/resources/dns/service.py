"""The DNS data plane as an aznet service (``platform.services["dns"]``): the
engine built from the store at start (full resync), kept current from the
store's change batches (applied in the committing request, so an answer
changes before the PUT returns), the public listener on
127.0.0.1:``settings.dns_port`` (0 picks a free port; the real one is written
back to the settings) and one listener per VNet that has private-zone links.
``endpoints()`` lists them for ``aznet status``; ``vnet_endpoint(vnet_id)``
tells a host-side client where to ask as that VNet.

Traffic Manager: the engine's ``TrafficManager`` answers ``*.trafficmanager.net``
and its health monitor probes endpoints (loopback only); Azure endpoints' targets
(public IP FQDNs) are mapped to the public IPs' loopback addresses for the probes.
``endpoint_monitor_status`` is what the ARM GET of an endpoint shows."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ... import services
from ...dataplane.dns import DnsEngine, DnsServerShell
from ...dataplane.dns.ports import PortBook
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
        self.shell = DnsServerShell(self.engine, HOST, platform.settings.dns_port,
                                    port_book=PortBook(platform.settings.data_dir / "dns-vnet-ports.json"))
        self._subscribed = False
        self._pip_names: dict[str, str] = {}     # public IP FQDN -> public IP id (lower case)

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        self.resync()
        if not self._subscribed:
            self.platform.store.subscribe(self._on_changes)
            self._subscribed = True
        await self.shell.start()
        self.platform.settings.dns_port = self.shell.port
        if self.tm is not None:
            await self.tm.monitor.start()

    async def stop(self) -> None:
        if self.tm is not None:
            await self.tm.monitor.stop()
        await self.shell.stop()

    @property
    def tm(self) -> Any:
        return self.engine.traffic_manager

    def resync(self) -> None:
        bodies = list(feed.resync_bodies(self.platform.store))
        if self.tm is not None:
            self.tm.hosts.clear()
            for body in bodies:
                self._map_public_ip(body["id"], body)
        self.engine.resync(bodies)

    def _on_changes(self, changes: list[Change]) -> None:
        batch = feed.translate(self.platform.store, changes)
        if not batch:
            return
        if self.tm is not None:
            for ch in batch:
                self._map_public_ip(ch.id, ch.body, ch.kind == "delete")
        self.engine.apply(batch)

    def _map_public_ip(self, rid: str, body: dict[str, Any] | None, deleted: bool = False) -> None:
        """Probes of Azure endpoints reach the public IP's address through its FQDN."""
        if feed.PUBLIC_IP not in rid.lower():
            return
        hosts = self.tm.hosts
        for name in [n for n, owner in self._pip_names.items() if owner == rid.lower()]:
            hosts.pop(name, None)
            del self._pip_names[name]
        props = (body or {}).get("properties") or {}
        fqdn = (props.get("dnsSettings") or {}).get("fqdn")
        ip = props.get("ipAddress")
        if not deleted and fqdn and ip:
            name = str(fqdn).lower().rstrip(".")
            hosts[name] = str(ip)
            self._pip_names[name] = rid.lower()

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


@services.register
def _factory(platform: Platform) -> DnsService:
    return DnsService(platform)
