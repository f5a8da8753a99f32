"""The counters registry every engine reports to.

``METRICS.add(resource_id, metric, value=1.0, dims=())`` adds to a counter and
``METRICS.set_gauge(resource_id, metric, value, dims=())`` sets a level. Both
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

``METRICS`` is the process's default registry: a platform uses it unless it is
given a registry of its own (two platforms in one process do that)."""

from __future__ import annotations

import bisect
import logging
import sqlite3
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("aznet.monitor")

Dims = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, str, Dims]            # (resource id, lower case; metric name; dims)
MAX_RETENTION_MINUTES = 93 * 24 * 60
POINT_BYTES = 6 * 8                          # minute + five doubles
SERIES_BYTES = 600                           # dict slot, key tuple, six arrays (roughly)
FLUSH_SECONDS = 5.0

# a minute's aggregates: [total, count, min, max, last]
Acc = list[float]


def _merge(a: Acc, b: Acc) -> Acc:
    return [a[0] + b[0], a[1] + b[1], min(a[2], b[2]), max(a[3], b[3]), b[4]]


@dataclass
class Series:
    kind: str                                 # "counter" | "gauge"
    minutes: array = field(default_factory=lambda: array("q"))
    total: array = field(default_factory=lambda: array("d"))
    count: array = field(default_factory=lambda: array("d"))
    low: array = field(default_factory=lambda: array("d"))
    high: array = field(default_factory=lambda: array("d"))
    last: array = field(default_factory=lambda: array("d"))

    def __len__(self) -> int:
        return len(self.minutes)

    def put(self, minute: int, acc: Acc) -> None:
        """Add a minute's aggregates (merged into the point when the minute is already there)."""
        n = len(self.minutes)
        if n and self.minutes[-1] >= minute:
            i = bisect.bisect_left(self.minutes, minute)
            if i < n and self.minutes[i] == minute:
                old = [self.total[i], self.count[i], self.low[i], self.high[i], self.last[i]]
                new = _merge(old, acc) if self.kind == "counter" or old[1] else acc
                self.total[i], self.count[i], self.low[i], self.high[i], self.last[i] = new
                return
            for arr, v in zip(self._arrays(), [minute, *acc], strict=True):
                arr.insert(i, v)
            return
        self.minutes.append(minute)
        self.total.append(acc[0])
        self.count.append(acc[1])
        self.low.append(acc[2])
        self.high.append(acc[3])
        self.last.append(acc[4])

    def _arrays(self) -> tuple[array, ...]:
        return (self.minutes, self.total, self.count, self.low, self.high, self.last)

    def trim(self, before: int) -> int:
        """Drop points older than minute ``before``; returns how many went."""
        i = bisect.bisect_left(self.minutes, before)
        if i:
            for arr in self._arrays():
                del arr[:i]
        return i

    def points(self, start: int, end: int) -> Iterator[tuple[int, Acc]]:
        """(minute, aggregates) for minutes in [start, end); a gauge carries its last value into
        minutes without a sample (from its first point on)."""
        i = bisect.bisect_left(self.minutes, start)
        if self.kind == "gauge":
            carry = self.last[i - 1] if i > 0 else None
            m = start
            while m < end:
                if i < len(self.minutes) and self.minutes[i] == m:
                    yield m, [self.total[i], self.count[i], self.low[i], self.high[i], self.last[i]]
                    carry = self.last[i]
                    i += 1
                elif carry is not None:
                    yield m, [carry, 1.0, carry, carry, carry]
                m += 1
            return
        while i < len(self.minutes) and self.minutes[i] < end:
            yield self.minutes[i], [self.total[i], self.count[i], self.low[i], self.high[i], self.last[i]]
            i += 1


class MetricsRegistry:
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
        value = float(value)
        m = int(self._clock() // 60)
        if m != self._minute:
            self._roll(m)
        key = (resource_id.lower(), metric, dims)
        self._gauges.add(key)
        a = self._cur.get(key)
        if a is None:
            self._cur[key] = [value, 1.0, value, value, value]
            return
        a[0] += value
        a[1] += 1.0
        a[2] = min(a[2], value)
        a[3] = max(a[3], value)
        a[4] = value

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

    # -- persistence -------------------------------------------------------------------------------
    def open(self, data_dir: Path | str, flush_seconds: float = FLUSH_SECONDS) -> None:
        """Load what ``data_dir/metrics.db`` holds and keep writing to it."""
        path = Path(data_dir) / "metrics.db"
        if self._path == path:
            return
        self.close()
        with self._lock:
            self._cur.clear()
            self._gauges.clear()
            self._series.clear()
            self._dirty.clear()
            self._dropped.clear()
            self._points = 0
            self._minute = int(self._clock() // 60)
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            cutoff = self._minute - self.retention_minutes
            db.execute("DELETE FROM points WHERE minute < ?", (cutoff,))
            names = {sid: (rid, metric, _dims_from_text(dims), kind)
                     for sid, rid, metric, dims, kind in db.execute("SELECT id, resource, metric, dims, kind FROM series")}
            for sid, minute, total, count, low, high, last in db.execute(
                    "SELECT series, minute, total, count, low, high, last FROM points ORDER BY minute"):
                if sid not in names:
                    continue
                rid, metric, dims, kind = names[sid]
                key = (rid, metric, dims)
                s = self._series.get(key)
                if s is None:
                    s = self._series[key] = Series(kind)
                s.put(minute, [total, count, low, high, last])
                self._points += 1
            self._series_ids = {(rid, metric, dims): sid for sid, (rid, metric, dims, _k) in names.items()}
            self._db = db
            self._path = path
            self._enforce()
        self._stop.clear()
        self._thread = threading.Thread(target=self._flusher, args=(flush_seconds,), name="aznet-metrics",
                                        daemon=True)
        self._thread.start()

    def _flusher(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.flush()
            except Exception:  # the disk may be full; the memory copy stays right
                log.exception("writing metrics failed")

    def flush(self) -> None:
        """Write the minutes not yet on disk (the current minute too; it is merged again later)."""
        db = self._db
        if db is None:
            return
        m = int(self._clock() // 60)
        if m != self._minute:
            self._roll(m)
        with self._lock:
            dirty, self._dirty = self._dirty, {}
            dropped, self._dropped = self._dropped, set()
            rows = []
            for key, minutes in dirty.items():
                s = self._series.get(key)
                if s is None:
                    continue
                sid = self._series_id(db, key, s.kind)
                for minute in minutes:
                    i = bisect.bisect_left(s.minutes, minute)
                    if i < len(s.minutes) and s.minutes[i] == minute:
                        rows.append((sid, minute, s.total[i], s.count[i], s.low[i], s.high[i], s.last[i]))
            current = []
            for key, acc in self._cur.items():
                kind = "gauge" if key in self._gauges else "counter"
                current.append((self._series_id(db, key, kind), self._minute, *acc))
            cutoff = max(self._minute - self.retention_minutes, getattr(self, "_db_cutoff", 0))
        db.execute("BEGIN")
        try:
            for rid in dropped:
                db.execute("DELETE FROM points WHERE series IN (SELECT id FROM series WHERE resource = ?)", (rid,))
                db.execute("DELETE FROM series WHERE resource = ?", (rid,))
            db.executemany("INSERT OR REPLACE INTO points VALUES (?,?,?,?,?,?,?)", rows)
            # the current minute is still open: stored as it stands, and loaded back merged with what follows
            db.executemany("INSERT OR REPLACE INTO points VALUES (?,?,?,?,?,?,?)", current)
            db.execute("DELETE FROM points WHERE minute < ?", (cutoff,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        with self._lock:
            for rid in dropped:
                self._series_ids = {k: v for k, v in self._series_ids.items() if k[0] != rid}

    def _series_id(self, db: sqlite3.Connection, key: SeriesKey, kind: str) -> int:
        sid = self._series_ids.get(key)
        if sid is None:
            cur = db.execute("INSERT OR IGNORE INTO series (resource, metric, dims, kind) VALUES (?,?,?,?)",
                             (key[0], key[1], _dims_to_text(key[2]), kind))
            if cur.lastrowid and cur.rowcount:
                sid = int(cur.lastrowid)
            else:
                sid = int(db.execute("SELECT id FROM series WHERE resource = ? AND metric = ? AND dims = ?",
                                     (key[0], key[1], _dims_to_text(key[2]))).fetchone()[0])
            self._series_ids[key] = sid
        return sid

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
            self._thread = None
        if self._db is not None:
            try:
                self.flush()
            finally:
                self._db.close()
                self._db = None
                self._path = None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, resource TEXT NOT NULL, metric TEXT NOT NULL, dims TEXT NOT NULL,
    kind TEXT NOT NULL, UNIQUE (resource, metric, dims));
CREATE TABLE IF NOT EXISTS points (
    series INTEGER NOT NULL, minute INTEGER NOT NULL, total REAL, count REAL, low REAL, high REAL, last REAL,
    PRIMARY KEY (series, minute)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS points_by_minute ON points (minute);
"""


def _dims_to_text(dims: Dims) -> str:
    import json

    return json.dumps([list(d) for d in dims], separators=(",", ":"))


def _dims_from_text(text: str) -> Dims:
    import json

    try:
        return tuple((str(n), str(v)) for n, v in json.loads(text))
    except (ValueError, TypeError):
        return ()


class _DefaultRegistry:
    """``METRICS``: forwards to the registry of the running platform (a plain one until a platform starts)."""

    def __init__(self) -> None:
        self.target = MetricsRegistry()

    def use(self, registry: MetricsRegistry) -> None:
        self.target = registry

    def add(self, resource_id: str, metric: str, value: float = 1.0, dims: Dims = ()) -> None:
        self.target.add(resource_id, metric, value, dims)

    def set_gauge(self, resource_id: str, metric: str, value: float, dims: Dims = ()) -> None:
        self.target.set_gauge(resource_id, metric, value, dims)

    def __getattr__(self, name: str) -> object:
        return getattr(self.target, name)


METRICS = _DefaultRegistry()
