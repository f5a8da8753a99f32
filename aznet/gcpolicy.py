"""The cyclic garbage collector's policy for a long-running aznet.

aznet holds every resource in memory as JSON-shaped dicts, and engines keep
models of many small objects: a full (generation 2) collection walks all of
them, and its pause grows with the store. Measured on NSG PUTs in-process, a
store of 5,000 NSGs paused 50-240 ms per full collection: the p99 stall of
bench/arm_bench.py's PUT figure.

Objects that survive a full collection are long-lived by definition, so the
policy freezes them (``gc.freeze``: later collections skip them); the next
full collection walks only what was allocated since. Garbage cycles among
frozen objects are not collected while frozen; ``compact()`` (unfreeze,
collect, freeze) reclaims them, a full pause. ``IdleCompactor`` runs it when
the process is idle (no request for ``idle_after`` seconds), at most once per
``every`` seconds (``AZNET_GC_COMPACT_SECONDS``) and only if a full collection
froze more objects since the last compaction. ``aznet up`` installs the policy
and runs the compactor; a process that embeds aznet (the tests) keeps Python's
default."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("aznet.gc")

_installed = False
_frozen_at = 0.0


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    global _frozen_at
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()
        _frozen_at = time.monotonic()


def install() -> None:
    """Freeze what exists now (the modules, schemas and store loaded at start) and the survivors of
    every later full collection (idempotent)."""
    global _installed
    if _installed:
        return
    gc.freeze()
    gc.callbacks.append(_after_collection)
    _installed = True


def compact() -> int:
    """Collect the frozen objects' garbage cycles too (a full pause: call it when idle)."""
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    return found


def frozen_count() -> int:
    return gc.get_freeze_count()


class IdleCompactor:
    """Compacts the frozen generation when the process is idle. ``touch()`` on every request (a store of
    the time); ``run()`` is the task that checks every ``check_every`` seconds."""

    def __init__(self, every: float = 600.0, idle_after: float = 2.0, check_every: float = 5.0,
                 frozen: Callable[[], int] = frozen_count) -> None:
        self.frozen = frozen                 # the size of the frozen generation (a test gives its own)
        self.every = every
        self.idle_after = idle_after
        self.check_every = check_every
        now = time.monotonic()
        self.last_activity = now
        self.last_compact = now
        self.frozen_after_compact = frozen()
        self.compactions = 0
        self.reclaimed = 0

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def due(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return (self.every > 0 and now - self.last_compact >= self.every
                and now - self.last_activity >= self.idle_after
                and self.frozen() > self.frozen_after_compact)

    def maybe_compact(self, now: float | None = None) -> int | None:
        """Compact if due; the number of objects reclaimed, or None when it was not due."""
        if not self.due(now):
            return None
        started = time.monotonic()
        found = compact()
        self.last_compact = time.monotonic()
        self.frozen_after_compact = self.frozen()
        self.compactions += 1
        self.reclaimed += found
        log.info("gc compaction: %d unreachable objects in %.0f ms", found, (self.last_compact - started) * 1000)
        return found

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.check_every)
            self.maybe_compact()
