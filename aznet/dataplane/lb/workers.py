"""Relay worker processes (``AZNET_LB_WORKERS``, default 0: the relay runs in the aznet process).

With N workers, every frontend listener is bound with SO_REUSEPORT in the aznet process and in each worker,
and the kernel spreads new connections over them, so relaying uses more than the one core that also serves
ARM. The aznet process stays the brain: it compiles the plan and runs the probes, and sends each worker
the routes and the set of backends that are up (over a pipe, after each change); workers count their
flows and send the counts back for the metrics.

Routes whose backends sit behind an NSG are served by the aznet process only (the NSG decisions come from
the network model, which lives there); the workers do not bind them. SO_REUSEPORT is used only when
workers run, so two independent aznet instances never share a frontend by accident."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import defaultdict
from multiprocessing.connection import Connection
from typing import Any

from ..procpool import ProcessPool, bind_listener, die_with_parent, new_loop, watch_pipe
from .plan import Route, Target
from .relay import ClientSide, UdpFrontend, expire_idle
from .select import select

log = logging.getLogger("aznet.lb.workers")
COUNT_SECONDS = 2.0


class _Listener:
    __slots__ = ("route", "server", "frontend")

    def __init__(self, route: Route) -> None:
        self.route = route
        self.server: Any = None
        self.frontend: UdpFrontend | None = None


class WorkerEngine:
    """The relay side of one worker process (the engine interface ``relay`` expects)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.listeners: dict[tuple[str, str, int], _Listener] = {}
        self.up: set[tuple[str, str]] = set()
        self.flows: set[Any] = set()
        self.now = 0.0
        self.counts: defaultdict[tuple[str, str, tuple[tuple[str, str], ...]], float] = defaultdict(float)
        self.done = asyncio.Event()

    # -- relay's engine interface ----------------------------------------------------------
    def choose(self, route: Route, src_ip: str, src_port: int, proto: str) -> Target | None:
        target = select(route, lambda p, k: (p, k) in self.up, src_ip, src_port, proto)
        if target is not None:
            dims = (("FrontendIPAddress", route.frontend_ip), ("FrontendPort", str(route.frontend_port)),
                    ("Direction", "In"))
            if proto == "tcp":
                self.counts[(route.lb, "SYNCount", dims)] += 1
            self.counts[(route.lb, "PacketCount", dims)] += 1
        return target

    def flow_started(self, flow: Any) -> None:
        self.flows.add(flow)

    def flow_ended(self, flow: Any) -> None:
        if flow in self.flows:
            self.flows.discard(flow)
            r = flow.route
            for direction, n in (("In", flow.bytes_in), ("Out", flow.bytes_out)):
                if n:
                    dims = (("FrontendIPAddress", r.frontend_ip), ("FrontendPort", str(r.frontend_port)),
                            ("Direction", direction))
                    self.counts[(r.lb, "ByteCount", dims)] += n

    def connect_failed(self, flow: Any, why: str = "") -> None:
        self.flow_ended(flow)

    def dropped(self, route: Route | None) -> None:
        return None

    # -- messages from the aznet process -----------------------------------------------------
    def on_message(self) -> None:
        while True:
            try:
                if not self.conn.poll(0):
                    return
                kind, data = self.conn.recv()
            except (EOFError, OSError):
                self.done.set()
                return
            self._handle(kind, data)

    def _handle(self, kind: str, data: Any) -> None:
        if kind == "plan":
            self._apply(data)
        elif kind == "up":
            self.up = data
        elif kind == "reset":       # a Basic pool went all-down: its TCP flows end
            for flow in [f for f in self.flows if getattr(f, "client", None) is not None
                         and f.route.probe == data]:
                self.flows.discard(flow)
                flow.reset()
        elif kind == "sync":
            self.conn.send(("synced", data))
        elif kind == "stop":
            self.done.set()

    def _apply(self, routes: dict[tuple[str, str, int], tuple[Route, int]]) -> None:
        for key in [k for k in self.listeners if k not in routes]:
            lst = self.listeners.pop(key)
            if lst.server is not None:
                lst.server.close()
        loop = asyncio.get_running_loop()
        for key, (route, lport) in routes.items():
            lst = self.listeners.get(key)
            if lst is not None:
                lst.route = route
                continue
            try:
                sock = bind_listener(key[0], key[1], lport, reuse_port=True)
            except OSError as exc:
                log.warning("lb worker: cannot listen on %s:%s: %s", key[1], lport, exc)
                continue
            lst = self.listeners[key] = _Listener(route)
            loop.create_task(self._serve(lst, key[0], sock))

    async def _serve(self, lst: _Listener, proto: str, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        if proto == "tcp":
            lst.server = await loop.create_server(lambda: ClientSide(self, lst), sock=sock)
        else:
            frontend = UdpFrontend(self, lst)
            lst.server, _ = await loop.create_datagram_endpoint(lambda: frontend, sock=sock)
            lst.frontend = frontend

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        watch_pipe(loop, self.conn, self.on_message)
        ticker = loop.create_task(self._tick())
        await self.done.wait()
        ticker.cancel()
        for lst in self.listeners.values():
            if lst.server is not None:
                lst.server.close()

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        elapsed = 0.0
        while True:
            self.now = loop.time()
            expire_idle(self.flows, self.listeners.values(), self.now)
            elapsed += 1.0
            if elapsed >= COUNT_SECONDS and self.counts:
                counts, self.counts = dict(self.counts), defaultdict(float)
                try:
                    self.conn.send(("counts", counts))
                except OSError:
                    self.done.set()
                elapsed = 0.0
            await asyncio.sleep(1.0)


def worker_main(conn: Connection, parent_pid: int, index: int = 0) -> None:
    die_with_parent(parent_pid)
    loop = new_loop()
    try:
        loop.run_until_complete(WorkerEngine(conn).run())
    finally:
        loop.close()


class WorkerPool(ProcessPool):
    """The aznet process's side: start N relay workers, feed them, collect their counts."""

    def __init__(self, count: int, on_counts: Any) -> None:
        self.on_counts = on_counts
        super().__init__(count, worker_main, (), "aznet-lb", self._message)

    def _message(self, _index: int, kind: str, data: Any) -> None:
        if kind == "counts":
            self.on_counts(data)


__all__ = ["WorkerPool", "WorkerEngine", "bind_listener", "worker_main"]
