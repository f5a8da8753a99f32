"""One BGP session on the passive side (RFC 4271's FSM from Connect on): an asyncio protocol.

OpenSent -> OpenConfirm -> Established. The hold time is the smaller of ours and the peer's (0 = none);
KEEPALIVEs go every third of it. What ends a session, as in Azure:
- a wrong peer AS in the OPEN (NOTIFICATION 2/2), a malformed message (1/x, 2/x, 3/x);
- the hold timer (4/0);
- more prefixes than the gateway accepts from one peer (Cease 6/1, "maximum number of prefixes
  reached"): VPN gateway 4000 learned prefixes; Route Server counts the routes it holds from the peer
  plus those in the UPDATE and drops the session above 1000 (its FAQ's counting);
- the gateway being removed or reconfigured (Cease 6/3 peer de-configured).
Routes whose AS path holds the gateway's own ASN are dropped (loop prevention), and so are routes
identical to a prefix of the gateway's VNet (Azure rejects those). When a session ends, all its
routes are withdrawn at once."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import codec
from .codec import BgpError, PathAttrs

log = logging.getLogger("aznet.bgp")


@dataclass
class NeighborConfig:
    address: str                 # the peer's address as Azure shows it (bgpPeeringAddress / peerIp)
    source: str                  # the loopback address the peer connects from
    asn: int
    max_prefixes: int
    count_update: bool = False   # Route Server: held + in this UPDATE > max drops the session
    owner: str = ""              # the connection / bgpConnection resource id
    rejected: frozenset[str] = frozenset()   # prefixes never accepted (the VNet's own)
    connect: bool = False        # this speaker opens the TCP connection (another aznet gateway, VNet-to-VNet)
    remote_gateway: bool = False  # the peer is another aznet gateway's speaker


@dataclass
class SessionStats:
    state: str = "Connecting"
    established_at: float | None = None
    messages_sent: int = 0
    messages_received: int = 0
    last_error: str = ""
    flaps: int = 0
    updates: int = 0
    last_update_at: float | None = None
    bytes_in: int = 0            # what crossed the session's TCP connection (an ExpressRoute link's counters)
    bytes_out: int = 0


@dataclass
class Rib:
    routes: dict[str, PathAttrs] = field(default_factory=dict)


class Session(asyncio.Protocol):
    def __init__(self, speaker: Any, cfg: NeighborConfig) -> None:
        self.speaker = speaker
        self.cfg = cfg
        self.peer = codec.Peer(speaker.asn, speaker.hold_time, speaker.router_id)
        self.state = "Connect"
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.rib: dict[str, PathAttrs] = {}
        self.sent: dict[str, tuple[tuple[int, ...], str]] = {}
        self.stats = speaker.stats_for(cfg.address)
        self.last_rx = time.monotonic()
        self._timer: asyncio.Task[None] | None = None
        self.closed = False

    # -- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]   (uvloop's transports are not asyncio.Transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:      # eBGP multihop: Azure's speakers are not on the peer's link
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self._send(self.peer.open_message())
        self._set_state("OpenSent")
        self._timer = asyncio.get_running_loop().create_task(self._timers())

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self.stats.bytes_in += len(data)
        self.last_rx = time.monotonic()
        try:
            while len(self.buf) >= codec.HEADER:
                length, kind = codec.split_header(bytes(self.buf[:codec.HEADER]))
                if len(self.buf) < length:
                    break
                body = bytes(self.buf[codec.HEADER:length])
                del self.buf[:length]
                self.stats.messages_received += 1
                self._message(kind, body)
                if self.closed:
                    return
        except BgpError as exc:
            self.fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended(f"connection closed{': ' + str(exc) if exc else ''}")

    # -- messages ---------------------------------------------------------------------------
    def _message(self, kind: int, body: bytes) -> None:
        if kind == codec.NOTIFICATION:
            code, sub = (body[0], body[1]) if len(body) >= 2 else (0, 0)
            self.stats.last_error = f"NOTIFICATION {code}/{sub} from the peer"
            self.close()
            return
        if self.state == "OpenSent":
            if kind != codec.OPEN:
                raise BgpError(5, 1, "expected OPEN")
            self.peer.received_open(body)
            if self.peer.peer_asn != self.cfg.asn:
                raise BgpError(2, 2, f"peer AS {self.peer.peer_asn}, expected {self.cfg.asn}")
            self._send(codec.keepalive())
            self._set_state("OpenConfirm")
            return
        if self.state == "OpenConfirm":
            if kind != codec.KEEPALIVE:
                raise BgpError(5, 2, "expected KEEPALIVE")
            self._set_state("Connected")
            self.stats.established_at = time.monotonic()
            self.speaker.established(self)
            return
        if kind == codec.UPDATE:
            self._update(body)
        elif kind == codec.OPEN:
            raise BgpError(5, 3, "OPEN in Established")

    def _update(self, body: bytes) -> None:
        announced, withdrawn, _eor = self.peer.decode_update(body)
        if self.cfg.count_update and len(self.rib) + len(announced) > self.cfg.max_prefixes:
            raise BgpError(6, 1, f"{len(self.rib)} held + {len(announced)} announced > {self.cfg.max_prefixes}")
        changed: list[str] = []
        for p in withdrawn:
            if self.rib.pop(p, None) is not None:
                changed.append(p)
        own = self.speaker.asn
        local_hop: PathAttrs | None = None
        for p, attrs in announced:
            if attrs.next_hop == self.cfg.source:
                # the peer's next hop is its loopback address here: Azure shows the peer's own address
                if local_hop is None or local_hop.as_path != attrs.as_path:
                    local_hop = dataclasses.replace(attrs, next_hop=self.cfg.address)
                attrs = local_hop
            if own in attrs.as_path or p in self.cfg.rejected:
                if self.rib.pop(p, None) is not None:
                    changed.append(p)
                continue
            self.rib[p] = attrs
            changed.append(p)
        if len(self.rib) > self.cfg.max_prefixes:
            raise BgpError(6, 1, f"{len(self.rib)} prefixes > {self.cfg.max_prefixes}")
        self.stats.updates += 1
        self.stats.last_update_at = time.monotonic()
        if changed:
            self.speaker.learned_changed(self)

    # -- what we announce ---------------------------------------------------------------------
    def advertise(self, routes: dict[str, tuple[tuple[int, ...], str]]) -> None:
        """Bring the peer's view to ``routes`` {prefix: (as_path, next_hop)}: withdraw, then announce."""
        if self.state != "Connected" or self.closed:
            return
        gone = [p for p in self.sent if p not in routes]
        new = [(p, ap, hop) for p, (ap, hop) in routes.items() if self.sent.get(p) != (ap, hop)]
        for m in self.peer.encode_withdraw(gone):
            self._send(m)
        for m in self.peer.encode_announce(new):
            self._send(m)
        self.sent = dict(routes)

    # -- timers ---------------------------------------------------------------------------------
    async def _timers(self) -> None:
        try:
            while not self.closed:
                hold = self.peer.hold_time if self.state in ("OpenConfirm", "Connected") else 240
                interval = max(hold / 3, 0.2) if hold else 30.0
                await asyncio.sleep(min(interval, 1.0) if hold else interval)
                if self.closed:
                    return
                now = time.monotonic()
                if hold and now - self.last_rx > hold:
                    self.fail(BgpError(4, 0, "hold timer expired"))
                    return
                if hold and self.state in ("OpenConfirm", "Connected") and \
                        now - getattr(self, "_last_ka", 0.0) >= hold / 3:
                    self._last_ka = now
                    self._send(codec.keepalive())
        except asyncio.CancelledError:
            pass

    # -- ending ---------------------------------------------------------------------------------
    def fail(self, exc: BgpError) -> None:
        self.stats.last_error = f"{exc} (NOTIFICATION {exc.code}/{exc.subcode} sent)"
        log.info("bgp %s <- %s: %s", self.speaker.address, self.cfg.address, self.stats.last_error)
        self._send(codec.notification(exc.code, exc.subcode, exc.data))
        self.close()

    def cease(self, subcode: int, why: str) -> None:
        self.fail(BgpError(6, subcode, why))

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()
        self._ended("closed")

    def _ended(self, why: str) -> None:
        if self.closed:
            return
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        was = self.state
        self._set_state("Idle" if was != "Connected" else "Connecting")
        if was == "Connected":
            self.stats.flaps += 1
        self.stats.established_at = None
        self.speaker.session_ended(self, why)

    def _send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)
            self.stats.messages_sent += 1
            self.stats.bytes_out += len(data)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.stats.state = "Connected" if state == "Connected" else "Connecting"


Callback = Callable[..., None]
