"""The asyncio shell: UDP and TCP listeners in front of a ``DnsEngine``.

One pair of listeners (UDP + TCP) serves the public view on ``host:port``.
Each VNet with private-zone links gets its own pair — the VNet's
168.63.129.16 as seen from the host — on ``vnet_host`` and a port from
``vnet_port_base`` upwards (or a free port the OS picks when it is 0); they
come and go as links appear and disappear. ``endpoints()`` lists them all for
``aznet status``. Any exception while answering turns into SERVFAIL (or a
dropped datagram); it never stops a listener. Works on uvloop and on the
default event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dns.rcode

from .answer import answer, udp_limit
from .engine import DnsEngine
from .ports import PortBook
from .render import error_reply
from .view import View
from .wire import parse_simple, pop_tcp_message

log = logging.getLogger(__name__)
TCP_IDLE_SECONDS = 10.0
TCP_MAX_BUFFER = 65535 + 2
TCP_MAX_CONNECTIONS = 512          # per listener; past it the longest-idle connection is closed
RAW_CACHE_BYTES = 16 << 20         # the exact-bytes answer cache of the UDP hot path, by bytes
UDP_RCVBUF = 4 << 20


def _safe_answer(view: View, data: bytes, source: str, tcp: bool) -> bytes | None:
    try:
        return answer(view, data, source, tcp)
    except Exception:  # noqa: BLE001 - one bad packet must never stop the server
        log.exception("DNS query failed")
        try:
            return error_reply(data, dns.rcode.SERVFAIL)
        except Exception:  # noqa: BLE001
            return None


# A VNet listener's forwarder (DNS private resolver rules): forward(data, addr, transport) -> True when it
# took the query (and answers it itself), False to answer from the view.
Forward = Callable[[bytes, tuple[str, int], Any], bool]


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, view: View, forward: Forward | None = None) -> None:
        self.view = view
        self.forward = forward
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        if self.forward is not None and self.forward(data, addr, self.transport):
            return
        # the hot path of answer.answer, inlined: this runs once per query. A query seen before
        # (same bytes but the id) is a single dictionary look-up.
        raw = self.view.raw
        rest = data[2:]
        known = raw.get(rest)
        if known is not None:
            hits = self.view.hits
            hits[rest] = hits.get(rest, 0) + 1
            self.transport.sendto(data[:2] + known, addr)  # type: ignore[union-attr]
            return
        try:
            simple = parse_simple(data)
            if simple is not None:
                key, qend, payload = simple
                entry = self.view.table.get(key)
                if entry is not None:
                    v = entry.edns if payload else entry.plain
                    if v.size <= udp_limit(payload):
                        resp = b"".join((data[:2], v.head[((data[2] & 1) << 1) | ((data[3] >> 4) & 1)],
                                         data[12:qend - 4], v.tail))
                        self.view.remember_raw(rest, resp[2:], RAW_CACHE_BYTES)
                        hits = self.view.hits
                        hits[rest] = hits.get(rest, 0) + 1
                        self.transport.sendto(resp, addr)  # type: ignore[union-attr]
                        return
        except Exception:  # noqa: BLE001 - fall through to the guarded slow path
            pass
        resp = _safe_answer(self.view, data, addr[0], False)
        if resp is not None and self.transport is not None:
            self.transport.sendto(resp, addr)

    def error_received(self, exc: Exception) -> None:
        pass                              # ICMP port unreachable from a client that went away


class _Tcp(asyncio.Protocol):
    """RFC 7766: length-prefixed messages, several per connection, closed when idle. Only a complete
    message counts as activity: a client that trickles a byte at a time is closed when the idle time
    runs out all the same. ``conns`` is the listener's set of open connections (for its cap)."""

    def __init__(self, view: View, idle: float, conns: dict[_Tcp, float] | None = None,
                 max_conns: int = TCP_MAX_CONNECTIONS) -> None:
        self.view = view
        self.idle = idle
        self.conns = conns if conns is not None else {}
        self.max_conns = max_conns
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.peer = "127.0.0.1"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = peer[0]
        loop = asyncio.get_running_loop()
        if len(self.conns) >= self.max_conns:
            oldest = min(self.conns, key=self.conns.__getitem__)
            log.warning("DNS TCP: %d connections open on one listener (the cap); closing the longest idle",
                        len(self.conns))
            oldest._close()
            self.conns.pop(oldest, None)
        self.conns[self] = loop.time()
        self._arm()

    def _arm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        loop = asyncio.get_running_loop()
        self.conns[self] = loop.time()
        self.timer = loop.call_later(self.idle, self._close)

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) > TCP_MAX_BUFFER * 4:
            self._close()
            return
        out: list[bytes] = []
        while (msg := pop_tcp_message(self.buf)) is not None:
            resp = _safe_answer(self.view, msg, self.peer, True)
            if resp is not None:
                out.append(len(resp).to_bytes(2, "big") + resp)
        if out and self.transport is not None:
            self.transport.write(b"".join(out))
            self._arm()                        # activity is a whole message answered, not a byte

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.conns.pop(self, None)
        self.transport = None


@dataclass
class Endpoint:
    name: str
    host: str
    port: int
    proto: str


class _Listener:
    def __init__(self, name: str, view: View, max_conns: int = TCP_MAX_CONNECTIONS,
                 forward: Forward | None = None) -> None:
        self.name = name
        self.view = view
        self.forward = forward
        self.max_conns = max_conns
        self.host = ""
        self.port = 0
        self.udp: asyncio.DatagramTransport | None = None
        self.tcp: asyncio.base_events.Server | None = None
        self.tcp_conns: dict[_Tcp, float] = {}

    async def start(self, host: str, port: int, idle: float) -> None:
        loop = asyncio.get_running_loop()
        # TCP first so port 0 picks a port free for both protocols
        self.tcp = await loop.create_server(lambda: _Tcp(self.view, idle, self.tcp_conns, self.max_conns), host, port,
                                           reuse_address=True)
        self.port = self.tcp.sockets[0].getsockname()[1]
        self.host = host
        try:
            self.udp, _ = await loop.create_datagram_endpoint(lambda: _Udp(self.view, self.forward),
                                                              local_addr=(host, self.port))
            sock = self.udp.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):    # room for bursts while the loop is busy
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RCVBUF)
        except OSError:
            self.tcp.close()
            raise

    async def stop(self) -> None:
        if self.udp is not None:
            self.udp.close()
        if self.tcp is not None:
            self.tcp.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.tcp.wait_closed(), 1.0)

    def endpoints(self) -> list[Endpoint]:
        return [Endpoint(self.name, self.host, self.port, p) for p in ("udp", "tcp")]


class DnsServerShell:
    def __init__(self, engine: DnsEngine, host: str = "127.0.0.1", port: int = 8053, *,
                 vnet_host: str | None = None, vnet_port_base: int = 0, vnets: bool = True,
                 tcp_idle: float = TCP_IDLE_SECONDS, port_book: PortBook | None = None,
                 tcp_max_connections: int = TCP_MAX_CONNECTIONS) -> None:
        self.engine = engine
        self.tcp_max_connections = tcp_max_connections
        self.port_book = port_book or PortBook(None)
        self.host = host
        self.port = port
        self.vnet_host = vnet_host or host
        self.vnet_port_base = vnet_port_base
        self.auto_vnets = vnets
        self.tcp_idle = tcp_idle
        self.public: _Listener | None = None
        self.vnet_listeners: dict[str, _Listener] = {}
        # DNS private resolver: VNets linked to a forwarding ruleset get a listener too, and their UDP
        # queries go through ``forwarder(vnet_id, data, addr, transport)`` first (aznet.dataplane.dns_resolver)
        self.extra_vnets: dict[str, str] = {}
        self.forwarder: Callable[[str, bytes, tuple[str, int], Any], bool] | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._running = False

    async def start(self) -> None:
        self.public = _Listener("public", self.engine.public_view, self.tcp_max_connections)
        await self.public.start(self.host, self.port, self.tcp_idle)
        self.port = self.public.port
        self._running = True
        if self.engine.traffic_manager is not None:
            await self.engine.traffic_manager.monitor.start()
        if self.auto_vnets:
            self.engine.on_vnets_changed(self._vnets_changed)
            await self.sync_vnets()

    async def stop(self) -> None:
        self._running = False
        if self.engine.traffic_manager is not None:
            await self.engine.traffic_manager.monitor.stop()
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(BaseException):
                await self._sync_task
        for vnet in list(self.vnet_listeners):
            await self.remove_vnet(vnet)
        if self.public is not None:
            await self.public.stop()
            self.public = None

    # --- VNet listeners ----------------------------------------------------------------------------
    def vnets_changed(self) -> None:
        """Someone (the DNS private resolver) changed ``extra_vnets``: converge the VNet listeners."""
        self._vnets_changed()

    def _vnets_changed(self) -> None:
        if not self._running:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._sync_task = loop.create_task(self.sync_vnets())

    async def sync_vnets(self) -> None:
        """Listeners for exactly the VNets that have private-zone links (or a forwarding ruleset link)."""
        async with self._lock:
            wanted = {**self.extra_vnets, **{v.lower(): v for v in self.engine.linked_vnets()}}
            for key in [k for k in self.vnet_listeners if k not in wanted]:
                await self._remove(key)
            for key, vnet in wanted.items():
                if key not in self.vnet_listeners:
                    await self._add(vnet)

    async def add_vnet(self, vnet_id: str, host: str | None = None, port: int | None = None) -> Endpoint:
        async with self._lock:
            return await self._add(vnet_id, host, port)

    async def remove_vnet(self, vnet_id: str) -> None:
        async with self._lock:
            await self._remove(vnet_id.lower())

    async def _add(self, vnet_id: str, host: str | None = None, port: int | None = None) -> Endpoint:
        key = vnet_id.lower()
        existing = self.vnet_listeners.get(key)
        if existing is not None:
            return existing.endpoints()[0]
        def forward(data: bytes, addr: tuple[str, int], transport: Any) -> bool:
            return self.forwarder is not None and self.forwarder(vnet_id, data, addr, transport)

        listener = _Listener(f"vnet:{vnet_id}", self.engine.view_for_vnet(vnet_id), self.tcp_max_connections,
                             forward)
        if port is None:
            port = self.port_book.get(vnet_id) or 0
            if not port and self.vnet_port_base:
                used = {lst.port for lst in self.vnet_listeners.values()} | self.port_book.taken()
                port = next(p for p in range(self.vnet_port_base, 65536) if p not in used)
            try:
                await listener.start(host or self.vnet_host, port, self.tcp_idle)
            except OSError:
                if not port:
                    raise
                log.warning("the resolver port %d of VNet %s is taken by another process; picking a new one",
                            port, vnet_id)
                await listener.start(host or self.vnet_host, 0, self.tcp_idle)
            self.port_book.remember(vnet_id, listener.port)
        else:
            await listener.start(host or self.vnet_host, port, self.tcp_idle)
        self.vnet_listeners[key] = listener
        return listener.endpoints()[0]

    async def _remove(self, key: str) -> None:
        listener = self.vnet_listeners.pop(key, None)
        if listener is not None:
            await listener.stop()

    def vnet_endpoint(self, vnet_id: str) -> tuple[str, int] | None:
        lst = self.vnet_listeners.get(vnet_id.lower())
        return (lst.host, lst.port) if lst is not None else None

    def endpoints(self) -> list[tuple[str, str, int, str]]:
        """(name, host, port, proto) of every listener, for ``aznet status``."""
        out: list[Endpoint] = []
        if self.public is not None:
            out += self.public.endpoints()
        for lst in self.vnet_listeners.values():
            out += lst.endpoints()
        return [(e.name, e.host, e.port, e.proto) for e in out]
