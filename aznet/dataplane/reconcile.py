"""The reconcile seam: one path from the store to every engine.

An engine declares the ARM resource types it ``watches`` (lower case; ``"*"``
watches every type, ``"prefix/*"`` every type under a prefix) and implements
``resync(snapshot)`` (the full state of the watched types) and
``apply(changes)`` (the store's committed changes of those types, in commit
order). The ``Reconciler`` gives every registered engine:

- a full resync when it is registered (or when the reconciler starts), and
  again after any failure;
- the incremental changes of each commit;
- failure isolation: an engine that raises is logged, counted and resynced;
  it never fails the commit, nor the other engines;
- two delivery modes: ``"sync"`` engines run inside the committing request
  (read-your-write: a DNS answer changes before the PUT returns); ``"queued"``
  engines run on a worker thread of their own, fed through a queue (an engine
  that hands work to another process puts that behind ``apply``).

A queued engine's resync reads a frozen copy of the store (``Snapshot.frozen``),
so the worker never reads records the request thread is changing. Changes
queued before that copy was taken may be applied again after the resync:
engines treat a put of the current body and a delete of a missing resource as
no-ops (every reconcile engine must be idempotent anyway)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from ..store.base import Change, Record, Store

log = logging.getLogger("aznet.reconcile")

ALL_TYPES = "*"
Delivery = Literal["sync", "queued"]


@runtime_checkable
class Engine(Protocol):
    name: str
    watches: frozenset[str]
    delivery: Delivery

    def resync(self, snapshot: Snapshot) -> None: ...

    def apply(self, changes: Sequence[Change]) -> None: ...


class Snapshot:
    """A read-only view of the store's committed records (live, or a frozen copy)."""

    def __init__(self, store: Store | None = None, records: dict[str, Record] | None = None) -> None:
        self._store = store
        self._records = records
        self._by_type: dict[str, list[Record]] | None = None

    @classmethod
    def frozen(cls, store: Store) -> Snapshot:
        """A copy that later commits do not change (for engines on other threads)."""
        return cls(records={r.key: r for r in store.all()})

    def get(self, key: str) -> Record | None:
        key = key.lower()
        if self._records is not None:
            return self._records.get(key)
        assert self._store is not None
        return self._store.get(key)

    def of_type(self, rtype: str) -> list[Record]:
        rtype = rtype.lower()
        if self._records is None:
            assert self._store is not None
            return self._store.of_type(rtype)
        if self._by_type is None:
            by_type: dict[str, list[Record]] = {}
            for rec in sorted(self._records.values(), key=lambda r: r.seq):
                by_type.setdefault(rec.type.lower(), []).append(rec)
            self._by_type = by_type
        return list(self._by_type.get(rtype, ()))

    def all(self) -> Iterator[Record]:
        """Every record, in creation order."""
        if self._records is None:
            assert self._store is not None
            return self._store.all()
        return iter(sorted(self._records.values(), key=lambda r: r.seq))

    def children(self, parent_key: str) -> list[Record]:
        """Child records of ``parent_key`` (in creation order)."""
        parent_key = parent_key.lower()
        if self._records is None:
            assert self._store is not None
            return self._store.transaction().children(parent_key)
        return [r for r in self.all() if r.parent == parent_key]

    def watched(self, watches: frozenset[str]) -> Iterator[Record]:
        """The records of the watched types, in creation order."""
        match = TypeMatcher(watches)
        return (r for r in self.all() if match(r.type))


class TypeMatcher:
    """Does a type fall under ``watches``? (exact lower-case types, ``*``, ``prefix/*``; cached)."""

    def __init__(self, watches: Iterable[str]) -> None:
        ws = {w.lower() for w in watches}
        self.everything = ALL_TYPES in ws
        self.exact = frozenset(w for w in ws if not w.endswith("/*"))
        self.prefixes = tuple(w[:-1] for w in ws if w.endswith("/*"))
        self._cache: dict[str, bool] = {}

    def __call__(self, rtype: str) -> bool:
        hit = self._cache.get(rtype)
        if hit is None:
            t = rtype.lower()
            hit = self.everything or t in self.exact or t.startswith(self.prefixes)
            if len(self._cache) < 4096:
                self._cache[rtype] = hit
        return hit


@dataclass
class EngineStats:
    applied: int = 0          # change batches applied
    failures: int = 0         # apply/resync calls that raised
    resyncs: int = 0          # full resyncs done (the first one included)
    last_error: str | None = None


@dataclass
class _Slot:
    engine: Engine
    match: TypeMatcher
    stats: EngineStats = field(default_factory=EngineStats)
    worker: _Worker | None = None


class _Worker:
    """The thread of a queued engine: resyncs and change batches, in order."""

    _STOP = object()

    def __init__(self, reconciler: Reconciler, slot: _Slot) -> None:
        self.reconciler = reconciler
        self.slot = slot
        self.queue: queue.Queue[object] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name=f"aznet-engine-{slot.engine.name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is self._STOP:
                    return
                if isinstance(item, Snapshot):
                    self.reconciler._resync(self.slot, item)
                else:
                    assert isinstance(item, list)
                    if not self.reconciler._apply(self.slot, item):
                        store = self.reconciler.store
                        if store is not None:
                            self.reconciler._resync(self.slot, Snapshot.frozen(store))
            finally:
                self.queue.task_done()

    def stop(self) -> None:
        self.queue.put(self._STOP)
        self.thread.join(timeout=5)


class Reconciler:
    """Feeds the store's commits to the registered engines (see the module docstring)."""

    def __init__(self) -> None:
        self.store: Store | None = None
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()

    # -- registration ----------------------------------------------------------------
    def register(self, engine: Engine) -> Engine:
        slot = _Slot(engine, TypeMatcher(engine.watches))
        with self._lock:
            self._slots.append(slot)
        if self.store is not None:
            self._begin(slot)
        return engine

    def unregister(self, engine: Engine) -> None:
        with self._lock:
            slots = [s for s in self._slots if s.engine is engine]
            self._slots = [s for s in self._slots if s.engine is not engine]
        for s in slots:
            if s.worker is not None:
                s.worker.stop()

    def start(self, store: Store) -> None:
        """Subscribe to ``store`` and resync every engine registered so far."""
        if self.store is not None:
            return
        self.store = store
        store.subscribe(self.on_commit)
        for slot in list(self._slots):
            self._begin(slot)

    def stop(self) -> None:
        for slot in list(self._slots):
            if slot.worker is not None:
                slot.worker.stop()
                slot.worker = None

    def _begin(self, slot: _Slot) -> None:
        assert self.store is not None
        if slot.engine.delivery == "queued":
            slot.worker = _Worker(self, slot)
            slot.worker.queue.put(Snapshot.frozen(self.store))
        else:
            self._resync(slot, Snapshot(self.store))

    # -- what engines hear ------------------------------------------------------------
    def on_commit(self, changes: list[Change]) -> None:
        """The store's subscriber: called after each commit with its changes."""
        for slot in self._slots:
            match = slot.match
            mine = [c for c in changes if match(c.type)]
            if not mine:
                continue
            if slot.worker is not None:
                slot.worker.queue.put(mine)
            elif not self._apply(slot, mine):
                assert self.store is not None
                self._resync(slot, Snapshot(self.store))

    def resync(self, engine: Engine) -> None:
        """Resync one engine now (sync engines) or next on its worker (queued engines)."""
        for slot in self._slots:
            if slot.engine is engine and self.store is not None:
                if slot.worker is not None:
                    slot.worker.queue.put(Snapshot.frozen(self.store))
                else:
                    self._resync(slot, Snapshot(self.store))

    def _apply(self, slot: _Slot, changes: list[Change]) -> bool:
        try:
            slot.engine.apply(changes)
        except Exception as exc:
            slot.stats.failures += 1
            slot.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("engine %s failed to apply %d change(s); resyncing it", slot.engine.name, len(changes))
            return False
        slot.stats.applied += 1
        return True

    def _resync(self, slot: _Slot, snapshot: Snapshot) -> None:
        slot.stats.resyncs += 1
        try:
            slot.engine.resync(snapshot)
        except Exception as exc:  # it stays stale until its next change; the failure is counted
            slot.stats.failures += 1
            slot.stats.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("engine %s failed to resync", slot.engine.name)

    # -- introspection -----------------------------------------------------------------
    def engines(self) -> list[Engine]:
        return [s.engine for s in self._slots]

    def stats(self, engine: Engine | str) -> EngineStats:
        for s in self._slots:
            if s.engine is engine or s.engine.name == engine:
                return s.stats
        raise KeyError(engine)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued engine has worked through its queue (tests, shutdown)."""
        import time

        deadline = time.monotonic() + timeout
        for s in self._slots:
            if s.worker is None:
                continue
            while s.worker.queue.unfinished_tasks:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.005)
        return True
