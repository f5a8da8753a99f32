"""Metrics on disk: ``metrics.db`` (SQLite, WAL) in the data dir, written by a background thread
every few seconds and loaded at start, so the registry's points survive a restart. A mixin of
``MetricsRegistry`` (it reads the registry's series and dirty minutes under the registry's lock)."""

from __future__ import annotations

import bisect
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .series import Dims, Series, SeriesKey

if TYPE_CHECKING:
    from .series import Acc

log = logging.getLogger("aznet.monitor")
FLUSH_SECONDS = 5.0


class Persistence:
    _db: sqlite3.Connection | None
    _path: Path | None
    _thread: threading.Thread | None
    _stop: threading.Event
    _series_ids: dict[SeriesKey, int]
    _db_cutoff: int
    # the registry's state (see MetricsRegistry)
    _lock: Any
    _cur: dict[SeriesKey, Acc]
    _gauges: set[SeriesKey]
    _series: dict[SeriesKey, Series]
    _dirty: dict[SeriesKey, set[int]]
    _dropped: set[str]
    _points: int
    _minute: int
    retention_minutes: int

    def _clock(self) -> float: ...          # provided by the registry

    def _roll(self, minute: int) -> None: ...

    def _enforce(self) -> None: ...

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
    return json.dumps([list(d) for d in dims], separators=(",", ":"))


def _dims_from_text(text: str) -> Dims:
    try:
        return tuple((str(n), str(v)) for n, v in json.loads(text))
    except (ValueError, TypeError):
        return ()


