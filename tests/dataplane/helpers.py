"""Builders for ARM resource dicts and a DNS server running in a background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import dns.message
import dns.query
import uvloop

from aznet.dataplane.dns import DnsEngine, DnsServerShell

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers"
T = TypeVar("T")


def zone(name: str, private: bool = False) -> dict[str, Any]:
    kind = "privateDnsZones" if private else "dnszones"
    return {"id": f"{SUB}/Microsoft.Network/{kind}/{name}", "name": name,
            "type": f"Microsoft.Network/{kind}", "location": "global", "properties": {}}


def record_set(zone_name: str, rtype: str, name: str, props: dict[str, Any], private: bool = False
               ) -> dict[str, Any]:
    kind = "privateDnsZones" if private else "dnszones"
    return {"id": f"{SUB}/Microsoft.Network/{kind}/{zone_name}/{rtype}/{name}", "name": name,
            "type": f"Microsoft.Network/{kind}/{rtype}", "etag": "e", "properties": props}


def a(zone_name: str, name: str, *ips: str, ttl: int = 300, private: bool = False) -> dict[str, Any]:
    if private:
        return record_set(zone_name, "A", name, {"ttl": ttl, "aRecords": [{"ipv4Address": i} for i in ips]}, True)
    return record_set(zone_name, "A", name, {"TTL": ttl, "ARecords": [{"ipv4Address": i} for i in ips]})


def vnet_id(name: str) -> str:
    return f"{SUB}/Microsoft.Network/virtualNetworks/{name}"


def link(zone_name: str, name: str, vnet: str, registration: bool = False) -> dict[str, Any]:
    return {"id": f"{SUB}/Microsoft.Network/privateDnsZones/{zone_name}/virtualNetworkLinks/{name}", "name": name,
            "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
            "properties": {"virtualNetwork": {"id": vnet_id(vnet)}, "registrationEnabled": registration}}


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    type: str
    body: dict[str, Any] | None


def put(body: dict[str, Any]) -> Change:
    return Change("put", body["id"], body["type"], body)


def delete(body: dict[str, Any]) -> Change:
    return Change("delete", body["id"], body["type"], None)


class ServerThread:
    """A ``DnsServerShell`` on a free loopback port, its loop (uvloop) in a thread."""

    def __init__(self, engine: DnsEngine | None = None, **shell_kw: Any) -> None:
        self.engine = engine or DnsEngine()
        self.loop = uvloop.new_event_loop()
        self.shell = DnsServerShell(self.engine, "127.0.0.1", 0, **shell_kw)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.run(self.shell.start())
        self.port = self.shell.port

    def run(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        async def go() -> T:
            return fn()
        return self.run(go())

    def apply(self, *changes: Change) -> None:
        self.call(lambda: self.engine.apply(list(changes)))
        self.run(asyncio.sleep(0.05))       # let listener changes scheduled by the apply run

    def resync(self, resources: list[dict[str, Any]]) -> None:
        self.call(lambda: self.engine.resync(resources))
        self.run(asyncio.sleep(0.05))

    def udp(self, q: dns.message.Message, port: int | None = None, timeout: float = 2) -> dns.message.Message:
        return dns.query.udp(q, "127.0.0.1", port=port or self.port, timeout=timeout)

    def tcp(self, q: dns.message.Message, port: int | None = None, timeout: float = 2) -> dns.message.Message:
        return dns.query.tcp(q, "127.0.0.1", port=port or self.port, timeout=timeout)

    def query(self, name: str, rtype: str = "A", **kw: Any) -> dns.message.Message:
        return self.udp(dns.message.make_query(name, rtype, **kw))

    def stop(self) -> None:
        self.run(self.shell.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
