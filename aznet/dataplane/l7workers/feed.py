"""The aznet process side of L7 workers: start them, feed them every commit, the probes' results and the names
DNS resolves, and fold what they send back into the metrics registry and the diagnostic logs.

``L7Workers`` is itself an engine on the reconcile seam (sync delivery, registered right after the engine it
feeds, so it runs after that engine in the same commit): its resync sends every record the engine watches, each
commit sends the records the commit wrote (or ``None`` for a delete). When a commit changes where the engine
listens (a new frontend, a stopped gateway), the commit waits until every worker has applied it (``barrier``,
bounded): the socket is bound when the PUT returns, as in the single-process engine. A purge waits the same way,
so it has reached every worker's cache before the operation reports success.

Health and names are polled every ``POLL_SECONDS`` and sent when they differ from what was sent last."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from ...store.base import Change
from ..procpool import ProcessPool
from ..reconcile import Snapshot

if TYPE_CHECKING:
    from .adapters import MainSide

log = logging.getLogger("aznet.l7workers")
POLL_SECONDS = 0.2
NAMES_EVERY = 5                  # polls (names are resolved once a second)
BARRIER_SECONDS = 10.0
MAX_RESPAWNS = 5                 # a worker that exits this often within RESPAWN_WINDOW seconds is left dead
RESPAWN_WINDOW = 60.0


class L7Workers:
    delivery: Literal["sync", "queued"] = "sync"

    def __init__(self, svc: Any, count: int, side: MainSide) -> None:
        self.svc = svc
        self.count = count
        self.side = side
        self.name = f"{side.kind}-workers"
        self.watches = frozenset(svc.watches)
        self.pool: ProcessPool | None = None
        self.keys: Any = None
        self.health: Any = None
        self.names: Any = None
        self._task: asyncio.Task[None] | None = None
        self.served: list[float] = [0.0] * count        # requests each worker reported (tests, status)
        self.respawned = 0
        self._respawns: dict[int, list[float]] = {}

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        from .runtime import worker_main

        self.side.prepare(self.svc)
        self.pool = ProcessPool(self.count, worker_main, (self.side.kind, self.svc.settings), f"aznet-{self.side.kind}",
                                self._message)
        self.pool.attach(loop)
        log.warning("%s: %d worker process(es) serve the frontends (SO_REUSEPORT)", self.side.kind, self.count)
        if not self.pool.barrier(BARRIER_SECONDS * 6):   # the workers booted
            log.warning("%s: a worker did not start within %ss", self.side.kind, BARRIER_SECONDS * 6)
        self.svc.platform.reconciler.register(self)     # the full set of records now, then every commit
        self._task = loop.create_task(self._poll())

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.svc.platform.reconciler.unregister(self)
        if self._task is not None:
            self._task.cancel()
        if self.pool is not None:
            self.pool.stop()
            self.pool = None

    @property
    def pids(self) -> list[int]:
        return self.pool.pids if self.pool is not None else []

    # -- the reconcile seam ----------------------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        if self.pool is None:
            return
        self.side.prepare(self.svc)
        self._send_names()
        self.pool.send("records", list(snapshot.watched(self.watches)))
        self._after()

    def apply(self, changes: Sequence[Change]) -> None:
        if self.pool is None:
            return
        store = self.svc.platform.reconciler.store
        items = []
        for ch in changes:
            key = ch.id.lower()
            items.append((key, store.get(key) if ch.kind == "put" and store is not None else None))
        self.side.prepare(self.svc)
        self._send_names()             # before the records: a worker may look a name up while it applies them
        self.pool.send("changes", items)
        self._after()

    def _after(self) -> None:
        self._send_state(names=False)
        keys = self.side.listening(self.svc)
        if keys != self.keys:
            self.keys = keys
            assert self.pool is not None
            if not self.pool.barrier(BARRIER_SECONDS):
                log.warning("%s: a worker did not apply the configuration within %ss", self.side.kind,
                            BARRIER_SECONDS)

    # -- what the control plane tells the data plane ------------------------------------------------------
    def broadcast(self, kind: str, data: Any, wait: bool = False) -> bool:
        """Send to every worker; with ``wait``, return once each has handled it."""
        if self.pool is None:
            return False
        self.pool.send(kind, data)
        return self.pool.barrier(BARRIER_SECONDS) if wait else True

    # -- health and names --------------------------------------------------------------------------------
    def _send_state(self, names: bool) -> None:
        assert self.pool is not None
        digest, payload = self.side.health(self.svc)
        if digest != self.health:
            self.health = digest
            self.pool.send("health", payload)
        if names:
            self._send_names()

    def _send_names(self) -> None:
        assert self.pool is not None
        got = self.side.names(self.svc)
        if got != self.names:
            self.names = got
            self.pool.send("names", got)

    async def _poll(self) -> None:
        n = 0
        while True:
            await asyncio.sleep(POLL_SECONDS)
            n += 1
            if self.pool is None:
                return
            try:
                if n % NAMES_EVERY == 0:
                    self._replace_dead()
                self._send_state(names=n % NAMES_EVERY == 0)
            except Exception:   # the next poll tries again
                log.exception("%s: feeding the workers failed", self.side.kind)

    def _replace_dead(self) -> None:
        """A worker that exited (crashed, killed) is replaced and sent the whole state (checked once a second; a
        worker that exits MAX_RESPAWNS times within RESPAWN_WINDOW waits out the window)."""
        assert self.pool is not None
        store = self.svc.platform.reconciler.store
        now = time.monotonic()
        for i in self.pool.dead():
            recent = [t for t in self._respawns.get(i, []) if now - t < RESPAWN_WINDOW]
            if len(recent) >= MAX_RESPAWNS:
                if len(recent) == MAX_RESPAWNS:
                    log.error("%s: worker %d keeps exiting; not restarted for %ss", self.side.kind, i,
                              RESPAWN_WINDOW)
                    recent.append(now)
                self._respawns[i] = recent
                continue
            self._respawns[i] = [*recent, now]
            log.warning("%s: worker %d exited (code %s); starting another", self.side.kind, i,
                        self.pool.procs[i].exitcode)
            self.pool.respawn(i)
            self.side.merge(self.svc, i, {"current": {}})      # its connections went with it
            self.pool.send_to(i, "names", self.names if self.names is not None else self.side.names(self.svc))
            if store is not None:
                self.pool.send_to(i, "records", list(Snapshot(store).watched(self.watches)))
            self.pool.send_to(i, "health", self.side.health(self.svc)[1])
            self.respawned += 1

    # -- what the workers send ---------------------------------------------------------------------------
    def _message(self, index: int, kind: str, data: Any) -> None:
        if kind != "telemetry":
            return
        reg = self.svc.platform.metrics
        for (rid, metric, dims), acc in data["metrics"].items():
            reg.merge(rid, metric, dims, acc)
        logs = self.svc.telemetry.logs
        for rid, category, record in data["logs"]:
            logs.emit(rid, category, record)
        extra = data.get("extra") or {}
        self.served[index] += float(extra.get("requests", 0))
        self.side.merge(self.svc, index, extra)
