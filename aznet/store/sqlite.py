"""The embedded default store: SQLite in WAL mode in the data dir, mirrored
in memory for reads. A commit is acknowledged only after SQLite committed it,
so it survives ``kill -9``; one process owns a data dir at a time."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .base import Change, DataDirLocked, Record, Store, Subscriber, Transaction
from .memory import MemoryIndex, resource_prefixes
from .refs import referenced_ids

CHECKPOINT_SECONDS = 0.5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
  key TEXT PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, parent TEXT, scope TEXT NOT NULL,
  body TEXT NOT NULL, seq INTEGER NOT NULL
);
"""


class MemoryTransaction(Transaction):
    def __init__(self, index: MemoryIndex, seq_start: int) -> None:
        self._index = index
        self.writes: dict[str, Record | None] = {}
        self._seq = seq_start
        self._refs_cache: dict[str, tuple[Record, set[str]]] = {}

    def get(self, key: str) -> Record | None:
        if key in self.writes:
            return self.writes[key]
        return self._index.records.get(key)

    def put(self, rid: str, rtype: str, parent: str | None, scope: str, body: dict[str, Any]) -> Record:
        key = rid.lower()
        old = self.get(key)
        if old is not None:
            seq, rid = old.seq, old.id
        else:
            self._seq += 1
            seq = self._seq
        rec = Record(rid, rtype, parent, scope, body, seq)
        self.writes[key] = rec
        return rec

    def delete(self, key: str) -> Record | None:
        old = self.get(key)
        if old is not None:
            self.writes[key] = None
        return old

    def _merge(self, keys: list[str], keep) -> list[Record]:  # type: ignore[no-untyped-def]
        seen = set(keys)
        out = [r for k in keys if (r := self.get(k)) is not None and keep(r)]
        out.extend(r for k, r in self.writes.items() if r is not None and k not in seen and keep(r))
        out.sort(key=lambda r: r.seq)
        return out

    def children(self, parent_key: str, rtype: str | None = None) -> list[Record]:
        low = rtype.lower() if rtype else None
        return self._merge(self._index.children(parent_key),
                           lambda r: r.parent == parent_key and (low is None or r.type.lower() == low))

    def in_scope(self, scope_prefix: str, rtype: str | None = None) -> list[Record]:
        low = rtype.lower() if rtype else None
        return self._merge(
            self._index.in_scope(scope_prefix),
            lambda r: r.parent is None and (r.scope == scope_prefix or r.scope.startswith(scope_prefix + "/"))
            and (low is None or r.type.lower() == low))

    def of_type(self, rtype: str) -> list[Record]:
        low = rtype.lower()
        return self._merge(self._index.of_type(rtype), lambda r: r.type.lower() == low)

    def referrers(self, key: str) -> list[str]:
        out = {k for k in self._index.referrers(key) if k not in self.writes}
        for k, rec in self.writes.items():
            if rec is not None and key in self._targets(k, rec):
                out.add(k)
        return sorted(out)

    def _targets(self, key: str, rec: Record) -> set[str]:
        """Every id (and enclosing resource id) a written record refers to, computed once per write."""
        cached = self._refs_cache.get(key)
        if cached is not None and cached[0] is rec:
            return cached[1]
        targets = {p for dst in referenced_ids(rec.body, key) for p in resource_prefixes(dst)}
        self._refs_cache[key] = (rec, targets)
        return targets


class SqliteStore(Store):
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(data_dir / "aznet.lock", "a+")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            pid = self._lock_file.read().strip() or "?"
            self._lock_file.close()
            raise DataDirLocked(
                f"data dir {data_dir} is in use by another aznet process (pid {pid}); "
                "stop it or start this one with another --data-dir") from None
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(str(os.getpid()))
        self._lock_file.flush()
        self._db = sqlite3.connect(data_dir / "aznet.db", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # WAL checkpoints (copying the log into the database, with an fsync) happen on a thread of their
        # own, never inside a request's commit, where they stalled PUTs for tens of milliseconds
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = Checkpointer(data_dir / "aznet.db")
        self._index = MemoryIndex()
        self._subscribers: list[Subscriber] = []
        for _key, rid, rtype, parent, scope, body, seq in self._db.execute(
                "SELECT key, id, type, parent, scope, body, seq FROM resources ORDER BY seq"):
            self._index.add(Record(rid, rtype, parent, scope, json.loads(body), seq))

    def transaction(self) -> MemoryTransaction:
        return MemoryTransaction(self._index, self._index.seq)

    def commit(self, txn: Transaction) -> list[Change]:
        assert isinstance(txn, MemoryTransaction)
        if not txn.writes:
            return []
        puts = [(k, r.id, r.type, r.parent, r.scope, json.dumps(r.body, separators=(",", ":")), r.seq)
                for k, r in txn.writes.items() if r is not None]
        dels = [(k,) for k, r in txn.writes.items() if r is None]
        db = self._db
        db.execute("BEGIN")
        try:
            if dels:
                db.executemany("DELETE FROM resources WHERE key = ?", dels)
            if puts:
                db.executemany("INSERT OR REPLACE INTO resources VALUES (?,?,?,?,?,?,?)", puts)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        changes: list[Change] = []
        for key, rec in txn.writes.items():
            if rec is None:
                old = self._index.remove(key)
                if old is not None:
                    changes.append(Change("delete", old.id, old.type, None))
            else:
                self._index.add(rec, txn._targets(key, rec))
                changes.append(Change("put", rec.id, rec.type, rec.body))
        txn.writes = {}
        self._notify(changes)
        return changes

    def _notify(self, changes: list[Change]) -> None:
        for fn in list(self._subscribers):
            try:
                fn(changes)
            except Exception:  # a broken subscriber must not fail the write that already committed
                import logging

                logging.getLogger("aznet.store").exception("store subscriber failed")

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def get(self, key: str) -> Record | None:
        return self._index.records.get(key)

    def of_type(self, rtype: str) -> list[Record]:
        return [self._index.records[k] for k in self._index.of_type(rtype)]

    def all(self) -> Iterator[Record]:
        return iter(sorted(self._index.records.values(), key=lambda r: r.seq))

    def replace_all(self, records: Iterable[Record]) -> None:
        recs = list(records)
        old = list(self._index.records.values())
        db = self._db
        db.execute("BEGIN")
        try:
            db.execute("DELETE FROM resources")
            db.executemany("INSERT INTO resources VALUES (?,?,?,?,?,?,?)",
                           [(r.key, r.id, r.type, r.parent, r.scope, json.dumps(r.body), r.seq) for r in recs])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._index.clear()
        for r in recs:
            self._index.add(r)
        changes = [Change("delete", r.id, r.type, None) for r in old]
        changes += [Change("put", r.id, r.type, r.body) for r in recs]
        self._notify(changes)

    def close(self) -> None:
        self._checkpointer.stop()
        self._db.close()
        self._lock_file.close()


class Checkpointer:
    """Checkpoints the WAL from a connection and thread of its own (sqlite3 releases the GIL meanwhile),
    every ``every`` seconds; the final one at ``stop``."""

    def __init__(self, path: Path, every: float = CHECKPOINT_SECONDS) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout=1000")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), name="aznet-wal-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.checkpoint("PASSIVE")

    def checkpoint(self, mode: str = "PASSIVE") -> None:
        try:
            self._db.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        except sqlite3.Error:   # busy or closing: the next round does it
            logging.getLogger("aznet.store").debug("WAL checkpoint skipped", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.checkpoint("TRUNCATE")
        self._db.close()
