"""The edge's per-request metrics, gathered on the request path and handed to the metrics registry in batches.

A request adds its samples to the tally of its series group (endpoint, client country, status; or endpoint,
origin, origin status): three list appends, no registry call. ``flush`` turns each group's samples into the
registry's per-minute aggregates (total, count, min, max, last: exactly what adding each sample would give) and
merges them. It runs before every metrics read (a registry collector), about once a second while requests come
(``FLUSH_SECONDS``), and just before each minute turns, so a sample lands in the minute it was taken (at worst the
last ``EDGE_MARGIN`` seconds of a minute land in the next one)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

FLUSH_SECONDS = 1.0
EDGE_MARGIN = 0.02
MAX_SAMPLES = 65536          # a group holding this many samples is flushed at once (bounded memory)

Dims = tuple[tuple[str, str], ...]


class ClientTally:
    """The requests of one (owner, country, status) since the last flush."""
    __slots__ = ("rid", "dims", "geo", "p4", "p5", "req", "sent", "took")

    def __init__(self, rid: str, dims: Dims, geo: Dims | None, status: int) -> None:
        self.rid, self.dims, self.geo = rid, dims, geo      # geo None: no Percentage4XX/5XX (classic)
        self.p4 = 100.0 if 400 <= status < 500 else 0.0
        self.p5 = 100.0 if 500 <= status < 600 else 0.0
        self.req: list[float] = []
        self.sent: list[float] = []
        self.took: list[float] = []


class OriginTally:
    """The origin requests of one (owner, origin, origin status) since the last flush."""
    __slots__ = ("rid", "dims", "ldims", "count_name", "latency_name", "took")

    def __init__(self, rid: str, dims: Dims, ldims: Dims, classic: bool) -> None:
        self.rid, self.dims, self.ldims = rid, dims, ldims
        self.count_name = "BackendRequestCount" if classic else "OriginRequestCount"
        self.latency_name = "BackendRequestLatency" if classic else "OriginLatency"
        self.took: list[float] = []


def _acc(values: list[float]) -> list[float]:
    return [sum(values), float(len(values)), min(values), max(values), values[-1]]


def _same(value: float, n: int) -> list[float]:
    return [value * n, float(n), value, value, value]


class Tallies:
    def __init__(self, metrics: Any, gauges: Callable[[], None]) -> None:
        self.metrics = metrics
        self.gauges = gauges                  # sets the level metrics (ByteHitRatio) after each flush
        self.clients: dict[tuple[Any, ...], ClientTally] = {}
        self.origins: dict[tuple[Any, ...], OriginTally] = {}
        self.loop: Any = None
        self.armed: Any = None                # the pending flush (an asyncio TimerHandle)
        self.gen = 0                          # flushes so far (a tally looked up before a flush is not current)

    def client(self, key: tuple[Any, ...], make: Callable[[], ClientTally]) -> ClientTally:
        t = self.clients.get(key)
        if t is None:
            t = self.clients[key] = make()
            self._arm()
        elif len(t.req) >= MAX_SAMPLES:
            self.flush()
            t = self.clients[key] = make()
            self._arm()
        return t

    def origin(self, key: tuple[Any, ...], make: Callable[[], OriginTally]) -> OriginTally:
        t = self.origins.get(key)
        if t is None:
            t = self.origins[key] = make()
            self._arm()
        elif len(t.took) >= MAX_SAMPLES:
            self.flush()
            t = self.origins[key] = make()
            self._arm()
        return t

    def _arm(self) -> None:
        if self.armed is not None:
            return
        loop = self.loop
        if loop is None:
            try:
                loop = self.loop = asyncio.get_running_loop()
            except RuntimeError:
                return                        # no loop (a direct call outside one): flushed on the next read
        if loop.is_closed():
            return
        now = time.time()
        to_edge = 60.0 - now % 60.0 - EDGE_MARGIN
        self.armed = loop.call_later(max(0.0, min(FLUSH_SECONDS, to_edge)), self._timer)

    def _timer(self) -> None:
        self.armed = None
        self.flush()

    def cancel(self) -> None:
        if self.armed is not None:
            self.armed.cancel()
            self.armed = None

    def flush(self) -> None:
        self.gen += 1
        clients, self.clients = self.clients, {}
        origins, self.origins = self.origins, {}
        out = self.metrics.merge
        for t in clients.values():
            n = len(t.req)
            if not n:
                continue
            out(t.rid, "RequestCount", t.dims, _same(1.0, n))
            out(t.rid, "RequestSize", t.dims, _acc(t.req))
            out(t.rid, "ResponseSize", t.dims, _acc(t.sent))
            out(t.rid, "TotalLatency", t.dims, _acc(t.took))
            if t.geo is not None:
                out(t.rid, "Percentage4XX", t.geo, _same(t.p4, n))
                out(t.rid, "Percentage5XX", t.geo, _same(t.p5, n))
        for o in origins.values():
            n = len(o.took)
            if not n:
                continue
            out(o.rid, o.count_name, o.dims, _same(1.0, n))
            out(o.rid, o.latency_name, o.ldims, _acc(o.took))
        if clients:
            self.gauges()
