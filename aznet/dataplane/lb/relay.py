"""The thin asyncio shell of the L4 load balancer: TCP and UDP relays (uvloop when installed).

TCP: a frontend ``ClientSide`` accepts, asks the engine for a backend (``engine.choose``: the rule's
current route, so a rule or pool change takes effect on the next connection), connects and relays both
ways with flow control (each side's write buffer pauses the other side's reads) and half-close. Both
sides are closed once both are done.

The client's source address is kept where it can be expressed: the relay binds its backend socket to the
client's IP (with IP_BIND_ADDRESS_NO_PORT, so no port is reserved until connect) when the client is a
loopback address of the same family, so the backend sees the client's real IP (not its port). Otherwise the
backend sees the relay's address. No proxy header is invented.

A flow with no backend (all down, no members) is reset at once; Azure drops the SYN, so the client
would time out instead (a quick RST is kinder and says the same thing).

UDP: one backend socket per client address (a flow), idle flows dropped after the rule's idle timeout."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import Route, Target

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
DEFAULT_SOURCE = "127.0.0.1"


@functools.lru_cache(maxsize=4096)
def source_for(client_ip: str, backend_host: str) -> str | None:
    """The address to bind toward the backend so it sees the client's IP (None: let the kernel choose)."""
    try:
        c, b = ipaddress.ip_address(client_ip), ipaddress.ip_address(backend_host)
    except ValueError:
        return None
    return client_ip if c.version == b.version and c.is_loopback and b.is_loopback else None


def backend_socket(client_ip: str, host: str, kind: int = socket.SOCK_STREAM) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, kind)
    sock.setblocking(False)
    src = source_for(client_ip, host)
    try:
        if src is not None:
            if kind == socket.SOCK_STREAM and family == socket.AF_INET:
                sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((src, 0))
    except OSError:
        sock.close()
        sock = socket.socket(family, kind)
        sock.setblocking(False)
    if kind == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


_LINGER_RST = struct.pack("ii", 1, 0)


def reset_transport(transport: Any) -> None:
    """Close with a TCP RST (SO_LINGER 0), not a FIN: what enableTcpReset and refused flows send."""
    if transport is None or transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
        except OSError:
            pass
    transport.abort()


class Flow:
    """One TCP connection through the load balancer (for idle timeouts, resets and counters)."""

    __slots__ = ("route", "target", "client", "backend", "last", "bytes_in", "bytes_out", "done")

    def __init__(self, route: Route, target: Target) -> None:
        self.route, self.target = route, target
        self.client: Any = None
        self.backend: Any = None
        self.last = 0.0
        self.bytes_in = 0
        self.bytes_out = 0
        self.done = 0            # sides that finished sending (2: close)

    def reset(self) -> None:
        """Reset both sides."""
        for t in (self.client, self.backend):
            reset_transport(t)


class BackendSide(asyncio.Protocol):
    __slots__ = ("front", "transport")

    def __init__(self, front: ClientSide) -> None:
        self.front = front
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        f = self.front
        f.transport.write(data)
        flow = f.flow
        flow.bytes_out += len(data)
        flow.last = f.engine.now

    def eof_received(self) -> bool:
        self.front.half_closed(self.front.transport)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.backend_lost(exc)

    def pause_writing(self) -> None:
        self.front.transport.pause_reading()

    def resume_writing(self) -> None:
        self.front.transport.resume_reading()


class ClientSide(asyncio.Protocol):
    """The frontend side of a TCP flow."""

    def __init__(self, engine: Any, listener: Any) -> None:
        self.engine, self.listener = engine, listener
        self.transport: Any = None
        self.backend: Any = None
        self.flow: Any = None
        self.pending: list[bytes] = []
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("", 0)
        route = self.listener.route
        target = self.engine.choose(route, peer[0], peer[1], "tcp") if route is not None else None
        if target is None:
            self.engine.dropped(route)
            reset_transport(transport)
            return
        self.flow = Flow(route, target)
        self.flow.client = transport
        self.flow.last = self.engine.now
        self.engine.flow_started(self.flow)
        asyncio.get_running_loop().create_task(self._connect(peer[0], target))

    async def _connect(self, client_ip: str, target: Target) -> None:
        loop = asyncio.get_running_loop()
        sock: socket.socket | None = None
        try:
            if client_ip == DEFAULT_SOURCE and source_for(client_ip, target.host) is not None:
                # the kernel picks 127.0.0.1 toward a loopback backend anyway: no bind needed
                transport, _ = await loop.create_connection(lambda: BackendSide(self), target.host, target.port)
            else:
                sock = backend_socket(client_ip, target.host)
                await loop.sock_connect(sock, (target.host, target.port))
                transport, _ = await loop.create_connection(lambda: BackendSide(self), sock=sock)
        except OSError as exc:
            if sock is not None:
                sock.close()
            self.engine.connect_failed(self.flow, f"{target.host}:{target.port}: {exc}")
            reset_transport(self.transport)
            return
        self.backend = transport
        self.flow.backend = transport
        if self.closed:
            transport.close()
            return
        if self.pending:
            transport.write(b"".join(self.pending))
            self.pending = []
        if self.flow.done:     # the client already sent its FIN
            transport.write_eof()

    def data_received(self, data: bytes) -> None:
        flow = self.flow
        flow.bytes_in += len(data)
        flow.last = self.engine.now
        if self.backend is not None:
            self.backend.write(data)
        else:
            self.pending.append(data)
            if sum(map(len, self.pending)) > 256 * 1024:
                self.transport.pause_reading()

    def eof_received(self) -> bool:
        if self.backend is not None:
            self.half_closed(self.backend)
        elif self.flow is not None:
            self.flow.done += 1
        return True

    def half_closed(self, other: Any) -> None:
        """One side sent FIN: pass it on; once both have, close both."""
        flow = self.flow
        flow.done += 1
        if flow.done >= 2:
            self._close_both()
        elif not other.is_closing() and other.can_write_eof():
            other.write_eof()

    def _close_both(self) -> None:
        for t in (self.transport, self.backend):
            if t is not None and not t.is_closing():
                t.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.backend is not None and not self.backend.is_closing():
            if exc is not None:
                self.backend.abort()
            else:
                self.backend.close()
        if self.flow is not None:
            self.engine.flow_ended(self.flow)

    def backend_lost(self, exc: Exception | None) -> None:
        if self.transport is not None and not self.transport.is_closing():
            if exc is not None:
                self.transport.abort()
            else:
                self.transport.close()

    def pause_writing(self) -> None:
        if self.backend is not None:
            self.backend.pause_reading()

    def resume_writing(self) -> None:
        if self.backend is not None:
            self.backend.resume_reading()


class UdpBackend(asyncio.DatagramProtocol):
    def __init__(self, front: UdpFrontend, client: Any, flow: UdpFlow) -> None:
        self.front, self.client, self.flow = front, client, flow

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.flow.last = self.front.engine.now
        self.flow.bytes_out += len(data)
        if self.front.transport is not None:
            self.front.transport.sendto(data, self.client)

    def error_received(self, exc: Exception) -> None:
        pass


class UdpFlow:
    __slots__ = ("route", "target", "transport", "pending", "last", "bytes_in", "bytes_out")

    def __init__(self, route: Route, target: Target) -> None:
        self.route, self.target = route, target
        self.transport: Any = None
        self.pending: list[bytes] = []
        self.last = 0.0
        self.bytes_in = 0
        self.bytes_out = 0

    def reset(self) -> None:
        if self.transport is not None:
            self.transport.close()


class UdpFrontend(asyncio.DatagramProtocol):
    MAX_FLOWS = 65536
    MAX_PENDING = 64

    def __init__(self, engine: Any, listener: Any) -> None:
        self.engine, self.listener = engine, listener
        self.transport: Any = None
        self.flows: dict[Any, UdpFlow] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        flow = self.flows.get(addr)
        if flow is None or flow.transport is not None and flow.transport.is_closing():
            route = self.listener.route
            target = self.engine.choose(route, addr[0], addr[1], "udp") if route is not None else None
            if target is None or len(self.flows) >= self.MAX_FLOWS:
                self.engine.dropped(route)
                return
            flow = UdpFlow(route, target)
            self.flows[addr] = flow
            self.engine.flow_started(flow)
            asyncio.get_running_loop().create_task(self._open(addr, flow))
        flow.last = self.engine.now
        flow.bytes_in += len(data)
        if flow.transport is None:
            if len(flow.pending) < self.MAX_PENDING:
                flow.pending.append(data)
        else:
            flow.transport.sendto(data)

    async def _open(self, addr: Any, flow: UdpFlow) -> None:
        loop = asyncio.get_running_loop()
        sock = backend_socket(addr[0], flow.target.host, socket.SOCK_DGRAM)
        try:
            sock.connect((flow.target.host, flow.target.port))
            transport, _ = await loop.create_datagram_endpoint(lambda: UdpBackend(self, addr, flow), sock=sock)
        except OSError:
            sock.close()
            self.flows.pop(addr, None)
            self.engine.flow_ended(flow)
            return
        flow.transport = transport
        for d in flow.pending:
            transport.sendto(d)
        flow.pending = []

    def expire(self, now: float) -> None:
        for addr, flow in list(self.flows.items()):
            if now - flow.last > flow.route.idle_timeout or (flow.transport is not None and
                                                               flow.transport.is_closing()):
                self.flows.pop(addr, None)
                flow.reset()
                self.engine.flow_ended(flow)

    def drop_flows(self, predicate: Any) -> None:
        for addr, flow in list(self.flows.items()):
            if predicate(flow):
                self.flows.pop(addr, None)
                flow.reset()
                self.engine.flow_ended(flow)


def expire_idle(flows: set[Any], listeners: Any, now: float) -> None:
    """One idle sweep, for the in-process engine and the relay workers alike: a TCP flow idle past its rule's
    timeout is reset (enableTcpReset) or closed quietly; each UDP frontend drops its own idle flows."""
    for flow in [f for f in flows if hasattr(f, "client")]:
        if now - flow.last > flow.route.idle_timeout:
            flows.discard(flow)
            if flow.route.tcp_reset:
                flow.reset()
            else:
                for t in (flow.client, flow.backend):
                    if t is not None and not t.is_closing():
                        t.close()
    for lst in list(listeners):
        if lst.frontend is not None:
            lst.frontend.expire(now)
