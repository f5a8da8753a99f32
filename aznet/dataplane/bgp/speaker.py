"""One BGP speaker: a gateway instance (or Route Server instance) listening on its own loopback address.

It accepts a connection only from a configured neighbour's loopback address (its ``source``) and dials
the neighbours it initiates (another aznet gateway, VNet-to-VNet: the lower loopback address dials), runs one
``Session`` per neighbour (a second connection from the same neighbour replaces the first) and tells
its owner (``BgpService``) when learned routes change or a session ends."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from .codec import PathAttrs
from .session import NeighborConfig, Session, SessionStats

log = logging.getLogger("aznet.bgp")

Advertised = dict[str, tuple[tuple[int, ...], str]]
CONNECT_RETRY = 1.0     # seconds between attempts to open the sessions this speaker initiates


class Speaker:
    def __init__(self, key: str, resource_id: str, address: str, azure_address: str, port: int, asn: int,
                 hold_time: int, on_learned: Callable[[Speaker], None]) -> None:
        self.key = key                      # resource id (lower) + instance
        self.resource_id = resource_id
        self.address = address              # loopback address it listens on
        self.azure_address = azure_address  # the private address Azure reports for it
        self.port = port
        self.asn = asn
        self.hold_time = hold_time
        self.router_id = address
        self.neighbors: dict[str, NeighborConfig] = {}      # source address -> config
        self.sessions: dict[str, Session] = {}              # neighbour azure address -> live session
        self.stats: dict[str, SessionStats] = {}
        self.advertised: dict[str, Advertised] = {}          # neighbour azure address -> routes
        self.server: asyncio.AbstractServer | None = None
        self._dialer: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None     # bound, not yet served
        self.stopped = False
        self.error = ""
        self.on_learned = on_learned

    # -- lifecycle ---------------------------------------------------------------------------
    def bind(self) -> socket.socket | None:
        """Bind and listen now (inside the commit that created the speaker: read-your-write)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.address, self.port))
            sock.listen(64)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            self.error = f"cannot listen on {self.address}:{self.port}: {exc.strerror or exc}"
            log.warning("bgp: %s", self.error)
            return None
        self._sock = sock
        return sock

    async def start(self, sock: socket.socket | None = None) -> None:
        sock = sock if sock is not None else self.bind()
        if sock is None or self.stopped:
            return
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self._accept, sock=sock)
        self._sock = None
        if self.stopped:                 # stopped while the server was being created
            self.server.close()
            self.server = None
            return
        self._dialer = loop.create_task(self._dial())

    async def _dial(self) -> None:
        """Open the sessions this speaker initiates (VNet-to-VNet: the lower address dials), retrying."""
        loop = asyncio.get_running_loop()
        while self.server is not None:
            for n in list(self.neighbors.values()):
                if n.connect and n.address not in self.sessions:
                    try:
                        await loop.create_connection(lambda n=n: _Gate(self, n), host=n.source, port=self.port,
                                                     local_addr=(self.address, 0))
                    except OSError:
                        pass
            await asyncio.sleep(CONNECT_RETRY)

    def _accept(self) -> asyncio.Protocol:
        return _Gate(self)

    def stop(self) -> None:
        self.stopped = True
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        for s in list(self.sessions.values()):
            s.cease(3, "peer de-configured")
        if self.server is not None:
            self.server.close()
            self.server = None
        if self._dialer is not None:
            self._dialer.cancel()
            self._dialer = None

    # -- configuration -------------------------------------------------------------------------
    def configure(self, neighbors: list[NeighborConfig]) -> None:
        new = {n.source: n for n in neighbors}
        for addr, sess in list(self.sessions.items()):
            cfg = new.get(sess.cfg.source)
            if cfg is None or cfg.asn != sess.cfg.asn or cfg.address != addr:
                sess.cease(3, "peer de-configured")
            else:
                sess.cfg = cfg
        self.neighbors = new
        live = {n.address for n in neighbors}
        for addr in [a for a in self.stats if a not in live]:
            del self.stats[addr]
        for n in neighbors:
            self.stats_for(n.address)

    def set_advertised(self, neighbor: str, routes: Advertised) -> None:
        self.advertised[neighbor] = routes
        sess = self.sessions.get(neighbor)
        if sess is not None:
            sess.advertise(routes)

    def stats_for(self, neighbor: str) -> SessionStats:
        st = self.stats.get(neighbor)
        if st is None:
            st = self.stats[neighbor] = SessionStats()
        return st

    # -- session events --------------------------------------------------------------------------
    def established(self, sess: Session) -> None:
        log.info("bgp %s: session with %s (AS %d) established", self.address, sess.cfg.address, sess.cfg.asn)
        sess.advertise(self.advertised.get(sess.cfg.address, {}))

    def learned_changed(self, sess: Session) -> None:
        self.on_learned(self)

    def session_ended(self, sess: Session, why: str) -> None:
        if self.sessions.get(sess.cfg.address) is sess:
            del self.sessions[sess.cfg.address]
            if sess.rib:
                sess.rib = {}
                self.on_learned(self)

    # -- questions --------------------------------------------------------------------------------
    def learned(self) -> list[tuple[str, str, PathAttrs]]:
        """(neighbour, prefix, attrs) of every route held from established sessions."""
        return [(addr, p, a) for addr, s in self.sessions.items() for p, a in s.rib.items()]

    def peer_status(self) -> list[dict[str, Any]]:
        out = []
        now = time.monotonic()
        for n in self.neighbors.values():
            st = self.stats_for(n.address)
            sess = self.sessions.get(n.address)
            up = sess is not None and sess.state == "Connected"
            secs = now - st.established_at if up and st.established_at is not None else 0.0
            out.append({"localAddress": self.azure_address, "neighbor": n.address, "asn": n.asn,
                        "state": st.state if sess is not None else "Connecting",
                        "connectedDuration": timespan(secs),
                        "routesReceived": len(sess.rib) if up and sess is not None else 0,
                        "messagesSent": st.messages_sent, "messagesReceived": st.messages_received})
        return out


def timespan(seconds: float) -> str:
    """A .NET TimeSpan as Azure prints connectedDuration: ``[d.]hh:mm:ss[.fffffff]``."""
    ticks = int(seconds * 10_000_000)
    whole, frac = divmod(ticks, 10_000_000)
    days, rest = divmod(whole, 86400)
    text = f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
    if days:
        text = f"{days}.{text}"
    return f"{text}.{frac:07d}" if frac else text


class _Gate(asyncio.Protocol):
    """Who is calling? A configured neighbour's source address gets a Session; anyone else is closed."""

    def __init__(self, speaker: Speaker, dialed: NeighborConfig | None = None) -> None:
        self.speaker = speaker
        self.dialed = dialed
        self.inner: Session | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        cfg = self.dialed or (self.speaker.neighbors.get(peer[0]) if peer else None)
        if cfg is None:
            log.info("bgp %s: connection from %s, not a configured neighbour: closed", self.speaker.address, peer)
            transport.close()
            return
        old = self.speaker.sessions.get(cfg.address)
        if old is not None:
            old.cease(7, "connection collision resolution")
        self.inner = Session(self.speaker, cfg)
        self.speaker.sessions[cfg.address] = self.inner
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.inner is not None:
            self.inner.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.inner is not None:
            self.inner.connection_lost(exc)
