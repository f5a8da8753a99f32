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
collect, freeze) reclaims them, a full pause, for a caller that knows the
process is idle. ``aznet up`` installs the policy; a process that embeds
aznet (the tests) keeps Python's default."""

from __future__ import annotations

import gc
import time
from typing import Any

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
