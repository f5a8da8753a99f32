"""The counters registry every engine reports to.

``platform.metrics.add(resource_id, metric, value=1.0, dims=())`` adds to a counter and
``platform.metrics.set_gauge(resource_id, metric, value, dims=())`` sets a level. Both
are a dictionary update on the hot path: values accumulate in the current
minute's bucket (total, count, min, max, last) and move into per-series
arrays when the minute turns. ``dims`` are (name, value) pairs, e.g.
``(("EndpointName", "east"),)``.

Retention is bounded twice: by age (``retention_minutes``, at most 93 days of
1-minute points, as Azure keeps platform metrics) and by a fixed memory budget
(``max_bytes``; past it the oldest minutes go first). With a data directory
(``open(path)``) the points are written to ``metrics.db`` there by a
background thread every few seconds and loaded again at start, so they
survive a restart.

Each platform has a registry of its own (``platform.metrics``) and engines report to their own
platform's: there is no process-wide registry (several platforms run in one process)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .persist import FLUSH_SECONDS, Persistence  # noqa: F401 - FLUSH_SECONDS is part of this module's API
from .series import Acc, Dims, Series, SeriesKey, _merge

log = logging.getLogger("aznet.monitor")

MAX_RETENTION_MINUTES = 93 * 24 * 60
POINT_BYTES = 6 * 8                          # minute + five doubles
SERIES_BYTES = 600                           # dict slot, key tuple, six arrays (roughly)


class MetricsRegistry(Persistence):
    def __init__(self, retention_minutes: int = MAX_RETENTION_MINUTES, max_bytes: int = 64 << 20,
                 clock: Callable[[], float] = time.time) -> None:
        self.retention_minutes = max(1, min(int(retention_minutes), MAX_RETENTION_MINUTES))
        self.max_bytes = max(1 << 16, int(max_bytes))
        self._clock = clock
        self._minute = int(clock() // 60)
        self._cur: dict[SeriesKey, Acc] = {}
        self._gauges: set[SeriesKey] = set()      # keys of the current bucket that are gauges
        self._series: dict[SeriesKey, Series] = {}
        self._points = 0
        self._dirty: dict[SeriesKey, set[int]] = {}     # minutes not yet written to disk
        self._dropped: set[str] = set()                  # resources whose series went, not yet on disk
        self._lock = threading.RLock()
        self._collectors: list[Callable[[], None]] = []
        self._db: sqlite3.Connection | None = None
        self._path: Path | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the hot path ------------------------------------------------------------------------
    def add(self, resource_id: str, metric: str, value: float = 1.0, dims: Dims = ()) -> None:
        m = int(self._clock() // 60)
        if m != self._minute:
            self._roll(m)
        key = (resource_id.lower(), metric, dims)
        a = self._cur.get(key)
        if a is None:
            self._cur[key] = [value, 1.0, value, value, value]
            return
        a[0] += value
        a[1] += 1.0
        if value < a[2]:
            a[2] = value
        if value > a[3]:
            a[3] = value
        a[4] = value

    def set_gauge(self, resource_id: str, metric: str, value: float, dims: Dims = ()) -> None:
        """A level: the minute's bucket takes it as ``add`` does; its series is marked a gauge, not a counter."""
        self.add(resource_id, metric, float(value), dims)
        self._gauges.add((resource_id.lower(), metric, dims))

    def merge(self, resource_id: str, metric: str, dims: Dims, acc: Acc) -> None:
        """Add samples aggregated elsewhere (a worker process's batch: total, count, min, max, last) to the
        current minute, as if each had been ``add``ed here."""
        m = int(self._clock() // 60)
        if m != self._minute:
            self._roll(m)
        key = (resource_id.lower(), metric, dims)
        a = self._cur.get(key)
        self._cur[key] = [float(x) for x in acc] if a is None else _merge(a, acc)

    def drop(self, resource_id: str) -> None:
        """Forget every series of a resource (it was deleted)."""
        rid = resource_id.lower()
        with self._lock:
            for key in [k for k in self._cur if k[0] == rid]:
                del self._cur[key]
                self._gauges.discard(key)
            for key in [k for k in self._series if k[0] == rid]:
                self._points -= len(self._series.pop(key))
                self._dirty.pop(key, None)
            self._dropped.add(rid)

    # -- minutes ------------------------------------------------------------------------------
    def _roll(self, minute: int) -> None:
        with self._lock:
            if minute == self._minute:
                return
            cur, gauges, self._cur, self._gauges = self._cur, self._gauges, {}, set()
            done = self._minute
            self._minute = minute
            for key, acc in cur.items():
                self._store(key, done, acc, "gauge" if key in gauges else "counter")
            self._enforce()

    def _store(self, key: SeriesKey, minute: int, acc: Acc, kind: str) -> None:
        s = self._series.get(key)
        if s is None:
            s = self._series[key] = Series(kind)
        before = len(s)
        s.put(minute, acc)
        self._points += len(s) - before
        self._dirty.setdefault(key, set()).add(minute)

    def bytes_used(self) -> int:
        return self._points * POINT_BYTES + len(self._series) * SERIES_BYTES

    def _enforce(self) -> None:
        """Age and memory limits: drop points past retention, then the oldest minutes while over budget."""
        cutoff = self._minute - self.retention_minutes
        self._trim(cutoff)
        if self.bytes_used() <= self.max_bytes:
            return
        target = self.max_bytes * 9 // 10
        counts: dict[int, int] = {}
        for s in self._series.values():
            for m in s.minutes:
                counts[m] = counts.get(m, 0) + 1
        excess = (self.bytes_used() - target) // POINT_BYTES + 1
        for m in sorted(counts):
            if excess <= 0:
                break
            excess -= counts[m]
            cutoff = m + 1
        self._trim(cutoff)
        for key in [k for k, s in self._series.items() if not len(s)]:
            del self._series[key]
        if self._db is not None:
            self._db_cutoff = max(getattr(self, "_db_cutoff", cutoff), cutoff)

    def _trim(self, cutoff: int) -> None:
        for s in self._series.values():
            if s.minutes and s.minutes[0] < cutoff:
                self._points -= s.trim(cutoff)

    # -- reading --------------------------------------------------------------------------------
    def add_collector(self, fn: Callable[[], None]) -> None:
        """``fn`` moves counts an engine keeps on its own into the registry; run before each read."""
        self._collectors.append(fn)

    def remove_collector(self, fn: Callable[[], None]) -> None:
        if fn in self._collectors:
            self._collectors.remove(fn)

    def collect(self) -> None:
        for fn in list(self._collectors):
            try:
                fn()
            except Exception:  # a broken collector must not break reading the others
                log.exception("metrics collector failed")
        m = int(self._clock() // 60)
        if m != self._minute:
            self._roll(m)

    def now(self) -> float:
        """The registry's clock (seconds since the epoch): the time queries end at and samples are bucketed by."""
        return self._clock()

    def now_minute(self) -> int:
        return int(self._clock() // 60)

    def keys(self, resource_id: str, metric: str) -> list[tuple[Dims, str]]:
        """The series of a resource's metric: (dims, kind) of each."""
        rid = resource_id.lower()
        low = metric.lower()
        with self._lock:
            found: dict[Dims, str] = {}
            for k, s in self._series.items():
                if k[0] == rid and k[1].lower() == low:
                    found[k[2]] = s.kind
            for k in self._cur:
                if k[0] == rid and k[1].lower() == low and k[2] not in found:
                    found[k[2]] = "gauge" if k in self._gauges else "counter"
        return list(found.items())

    def points(self, resource_id: str, metric: str, dims: Dims, start: int, end: int) -> list[tuple[int, Acc]]:
        """The points of one series for minutes in [start, end), the current minute included."""
        rid = resource_id.lower()
        low = metric.lower()
        m = int(self._clock() // 60)
        if m != self._minute:
            self._roll(m)
        with self._lock:
            key = next((k for k in (*self._series, *self._cur)
                        if k[0] == rid and k[1].lower() == low and k[2] == dims), None)
            if key is None:
                return []
            s = self._series.get(key)
            cur = self._cur.get(key)
            now = self._minute
            kind = s.kind if s is not None else ("gauge" if key in self._gauges else "counter")
            out = list(s.points(start, min(end, now))) if s is not None else []
            if start <= now < end:
                stored = next(iter(s.points(now, now + 1)), None) if s is not None else None
                if stored is not None and stored[0] == now and cur is not None:
                    out.append((now, _merge(stored[1], cur) if kind == "counter" else list(cur)))
                elif cur is not None:
                    out.append((now, list(cur)))
                elif stored is not None:
                    out.append(stored)
            return out

