"""DNS Private Resolver inbound endpoints as listeners (``platform.services.get(DnsResolverService)``).

An engine on the reconcile seam (sync delivery): each inbound endpoint gets a UDP
and TCP listener of its own on 127.0.0.1 (a port remembered in the data dir across
restarts, ``dns-resolver-ports.json``), shown in ``aznet status``. A query to it
is answered as the resolver's VNet's 168.63.129.16 answers (the DNS engine's view
of that VNet: its linked private zones, then public zones), except that names
under a forwarding rule of the ruleset linked to the VNet go to the rule's
targets (longest domain wins; loopback targets only; SERVFAIL when no target
answers within 2 s). The VNet's own 168.63.129.16 listener (the DNS shell's VNet
listener, created for a VNet linked to a ruleset even without private-zone links)
applies the same rules to UDP queries through ``forward_hook``; TCP queries to it
are answered from the view. The socket is bound inside the commit, so the listener answers as soon as
the PUT returns."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import dns.message
import dns.rcode

from ... import services, typenames
from ...ids import normalize
from ...store.base import Change
from ..dns.answer import answer
from ..dns.ports import PortBook
from ..dns.render import error_reply
from ..dns.wire import pop_tcp_message
from . import forwarding

if TYPE_CHECKING:
    from ...services import Host
    from ..reconcile import Snapshot

log = logging.getLogger("aznet.dns_resolver")
HOST = "127.0.0.1"
FORWARD_TIMEOUT = 2.0
TCP_MAX_BUFFER = 4 * (65535 + 2)
WATCHES = frozenset(t.lower() for t in (typenames.DNS_RESOLVER, typenames.DNS_RESOLVER_INBOUND,
                                       typenames.DNS_FORWARDING_RULESET, typenames.DNS_FORWARDING_RULE,
                                       typenames.DNS_FORWARDING_LINK))


class _Forward(asyncio.DatagramProtocol):
    def __init__(self, fut: asyncio.Future[bytes]) -> None:
        self.fut = fut

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if not self.fut.done():
            self.fut.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.fut.done():
            self.fut.set_exception(exc)


async def forward(data: bytes, targets: list[tuple[str, int]]) -> bytes | None:
    """Send the query to each target in turn; the first answer wins."""
    loop = asyncio.get_running_loop()
    for ip, port in targets:
        fut: asyncio.Future[bytes] = loop.create_future()
        try:
            transport, _ = await loop.create_datagram_endpoint(lambda f=fut: _Forward(f), remote_addr=(ip, port))
        except OSError:
            continue
        try:
            transport.sendto(data)
            return await asyncio.wait_for(fut, FORWARD_TIMEOUT)
        except (TimeoutError, OSError):
            continue
        finally:
            transport.close()
    return None


class _Inbound(asyncio.DatagramProtocol):
    def __init__(self, svc: DnsResolverService, vnet_id: str) -> None:
        self.svc, self.vnet_id = svc, vnet_id
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.svc.forward_hook(self.vnet_id, data, addr, self.transport):
            return
        try:
            resp = self.svc.answer_as_vnet(self.vnet_id, data, addr[0])
        except Exception:  # noqa: BLE001 - one bad packet must never stop the listener
            log.exception("DNS resolver query failed")
            resp = error_reply(data, dns.rcode.SERVFAIL)
        if resp is not None and self.transport is not None:
            self.transport.sendto(resp, addr)

    def error_received(self, exc: Exception) -> None:
        pass


class _InboundTcp(asyncio.Protocol):
    """RFC 7766 framing: length-prefixed messages; answers may come back out of order."""

    def __init__(self, svc: DnsResolverService, vnet_id: str) -> None:
        self.svc, self.vnet_id = svc, vnet_id
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) > TCP_MAX_BUFFER:
            if self.transport is not None:
                self.transport.close()
            return
        while (msg := pop_tcp_message(self.buf)) is not None:
            rule = self.svc.rule_for(self.vnet_id, msg)
            if rule is not None:
                asyncio.get_running_loop().create_task(self._forwarded(msg, rule))
                continue
            try:
                resp = self.svc.answer_as_vnet(self.vnet_id, msg, "127.0.0.1", tcp=True)
            except Exception:  # noqa: BLE001 - one bad message must never stop the listener
                log.exception("DNS resolver TCP query failed")
                resp = error_reply(msg, dns.rcode.SERVFAIL)
            self._send(resp)

    async def _forwarded(self, msg: bytes, rule: forwarding.Rule) -> None:
        targets = forwarding.reachable(rule[1])
        resp = await forward(msg, targets) if targets else None
        self._send(resp if resp is not None else error_reply(msg, dns.rcode.SERVFAIL))

    def _send(self, resp: bytes | None) -> None:
        if resp is not None and self.transport is not None and not self.transport.is_closing():
            self.transport.write(len(resp).to_bytes(2, "big") + resp)


class Listener:
    def __init__(self, endpoint_id: str, vnet_id: str, ip: str, sock: socket.socket, tcp: socket.socket) -> None:
        self.endpoint_id, self.vnet_id, self.ip, self.sock, self.tcp_sock = endpoint_id, vnet_id, ip, sock, tcp
        self.port = sock.getsockname()[1]
        self.transport: asyncio.DatagramTransport | None = None
        self.server: asyncio.base_events.Server | None = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        else:
            self.sock.close()
        if self.server is not None:
            self.server.close()
        else:
            self.tcp_sock.close()


class DnsResolverService:
    name = "dns-resolver"
    watches = WATCHES
    delivery: Literal["sync", "queued"] = "sync"

    def __init__(self, platform: Host) -> None:
        self.platform = platform
        self.loop: asyncio.AbstractEventLoop | None = None
        self.snapshot: Snapshot | None = None
        self.listeners: dict[str, Listener] = {}
        self.rules: dict[str, list[forwarding.Rule]] = {}
        self.port_book = PortBook(platform.settings.data_dir / "dns-resolver-ports.json")

    # -- reconcile ---------------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._converge()

    def apply(self, changes: Sequence[Change]) -> None:
        self._converge()

    def _converge(self) -> None:
        snap = self.snapshot
        if snap is None:
            return
        want: dict[str, tuple[str, str, str]] = {}
        vnets: dict[str, str] = {}
        for rec in snap.of_type(typenames.DNS_RESOLVER_INBOUND):
            resolver = snap.get(normalize(forwarding.resolver_of(rec.id)))
            vnet = ((resolver.body.get("properties") or {}).get("virtualNetwork") or {}).get("id") if resolver else None
            cfgs = (rec.body.get("properties") or {}).get("ipConfigurations") or []
            if vnet and cfgs:
                want[rec.key] = (rec.id, vnet, str(cfgs[0].get("privateIpAddress")))
                vnets[normalize(vnet)] = vnet
        for link in snap.of_type(typenames.DNS_FORWARDING_LINK):
            vnet = ((link.body.get("properties") or {}).get("virtualNetwork") or {}).get("id")
            if vnet:
                vnets[normalize(vnet)] = vnet
        self.rules = {key: forwarding.rules_for_vnet(snap, vid) for key, vid in vnets.items()}
        self._vnet_listeners({key: vnets[key] for key, rules in self.rules.items() if rules})
        for key in [k for k in self.listeners if k not in want]:
            self.listeners.pop(key).close()
        for key, (eid, vnet, ip) in want.items():
            if key not in self.listeners and self.loop is not None:
                self._open(key, eid, vnet, ip)

    def _dns(self) -> Any:
        from ..dns.service import DnsService

        return self.platform.services.get(DnsService)

    def _vnet_listeners(self, wanted: dict[str, str]) -> None:
        """VNets with forwarding rules get their own 168.63.129.16 listener from the DNS shell (if they have
        no private-zone link, they would have none), and the shell asks ``forward_hook`` first."""
        dns_svc = self._dns()
        if dns_svc is None or self.loop is None:
            return
        shell = dns_svc.shell
        shell.forwarder = self.forward_hook
        if shell.extra_vnets == wanted:
            return
        shell.extra_vnets = dict(wanted)
        self._in_loop(shell.sync_vnets())

    def _in_loop(self, coro: Any) -> None:
        loop = self.loop
        assert loop is not None
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(coro)
        else:
            asyncio.run_coroutine_threadsafe(coro, loop)

    @staticmethod
    def _bind_pair(port: int) -> tuple[socket.socket, socket.socket]:
        """A UDP and a TCP socket on the same port (a free one when ``port`` is 0)."""
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            tcp.bind((HOST, port))
            udp.bind((HOST, tcp.getsockname()[1]))
        except OSError:
            tcp.close()
            udp.close()
            raise
        tcp.listen(128)
        tcp.setblocking(False)
        udp.setblocking(False)
        return udp, tcp

    def _open(self, key: str, endpoint_id: str, vnet_id: str, ip: str) -> None:
        port = self.port_book.get(endpoint_id) or 0
        try:
            sock, tcp = self._bind_pair(port)
        except OSError:
            log.warning("the port %d of inbound endpoint %s is taken; picking a new one", port, endpoint_id)
            for _ in range(5):
                try:
                    sock, tcp = self._bind_pair(0)
                    break
                except OSError:
                    continue
            else:
                log.error("no free port pair for inbound endpoint %s", endpoint_id)
                return
        lst = Listener(endpoint_id, vnet_id, ip, sock, tcp)
        self.port_book.remember(endpoint_id, lst.port)
        self.listeners[key] = lst
        loop = self.loop
        assert loop is not None

        async def attach() -> None:
            transport, _ = await loop.create_datagram_endpoint(lambda: _Inbound(self, vnet_id), sock=sock)
            server = await loop.create_server(lambda: _InboundTcp(self, vnet_id), sock=tcp)
            if self.listeners.get(key) is lst:
                lst.transport, lst.server = transport, server  # type: ignore[assignment]
            else:
                transport.close()
                server.close()
        self._in_loop(attach())

    # -- answering -----------------------------------------------------------------------
    def forward_hook(self, vnet_id: str, data: bytes, addr: Any, transport: Any) -> bool:
        """Take the query when a forwarding rule covers its name (the inbound endpoints' listeners and the
        VNet's own 168.63.129.16 listener both ask); the answer is sent when a target replies."""
        rule = self.rule_for(vnet_id, data)
        if rule is None or transport is None:
            return False
        asyncio.get_running_loop().create_task(self._forward_reply(data, addr, transport, rule))
        return True

    async def _forward_reply(self, data: bytes, addr: Any, transport: Any, rule: forwarding.Rule) -> None:
        targets = forwarding.reachable(rule[1])
        resp = await forward(data, targets) if targets else None
        if resp is None:
            resp = error_reply(data, dns.rcode.SERVFAIL)
        if resp is not None and not transport.is_closing():
            transport.sendto(resp, addr)

    def rule_for(self, vnet_id: str, data: bytes) -> forwarding.Rule | None:
        rules = self.rules.get(normalize(vnet_id))
        if not rules:
            return None
        try:
            qname = dns.message.from_wire(data).question[0].name.to_text()
        except Exception:  # noqa: BLE001 - unparsable: let the DNS engine answer FORMERR
            return None
        return forwarding.match(rules, qname)

    def answer_as_vnet(self, vnet_id: str, data: bytes, source: str, tcp: bool = False) -> bytes | None:
        dns_svc = self._dns()
        if dns_svc is None:
            return error_reply(data, dns.rcode.SERVFAIL)
        return answer(dns_svc.engine.view_for_vnet(vnet_id), data, source, tcp)

    def endpoint_of(self, endpoint_id: str) -> tuple[str, int] | None:
        lst = self.listeners.get(normalize(endpoint_id))
        return (HOST, lst.port) if lst is not None else None

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.platform.reconciler.register(self)

    async def stop(self) -> None:
        self.platform.reconciler.unregister(self)
        dns_svc = self._dns()
        if dns_svc is not None:
            dns_svc.shell.forwarder = None
        for lst in self.listeners.values():
            lst.close()
        self.listeners.clear()

    def endpoints(self) -> list[dict[str, Any]]:
        return [{"name": f"dns-resolver-inbound-{proto}:{lst.endpoint_id.rsplit('/', 3)[-3]}/"
                         f"{lst.endpoint_id.rsplit('/', 1)[-1]}",
                 "host": HOST, "port": lst.port, "protocol": proto, "resourceId": lst.endpoint_id,
                 "address": lst.ip,
                 "description": f"DNS private resolver inbound endpoint {lst.ip} of VNet {lst.vnet_id}"}
                for lst in self.listeners.values() for proto in ("udp", "tcp")]


@services.register
def _factory(platform: Host) -> DnsResolverService:
    return DnsResolverService(platform)
