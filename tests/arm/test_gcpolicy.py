"""The garbage-collector policy of ``aznet up``: survivors of a full collection are frozen, so the next
full collection walks only what was allocated since."""

from __future__ import annotations

import gc

from aznet import gcpolicy


def test_full_collection_survivors_are_frozen_and_compact_reclaims_frozen_cycles():
    was_installed = gcpolicy._installed
    try:
        gcpolicy.install()
        keep = [{"n": [i]} for i in range(20_000)]
        gc.collect()                                  # a full collection: its survivors are frozen now
        assert gc.get_freeze_count() >= 40_000
        tracked = {id(o) for o in gc.get_objects()}
        assert id(keep) not in tracked                # frozen objects are not walked any more

        cycle: list[object] = []
        cycle.append(cycle)
        gc.collect()                                  # the cycle is alive: frozen with the rest
        del cycle
        assert gc.collect() == 0                      # frozen garbage is not collected...
        assert gcpolicy.compact() >= 1                # ...until compact() unfreezes and collects
    finally:
        if not was_installed:
            gc.callbacks.remove(gcpolicy._after_collection)
            gcpolicy._installed = False
            gc.unfreeze()


def test_the_idle_compactor_compacts_only_when_idle_due_and_grown():
    frozen = [1000]
    c = gcpolicy.IdleCompactor(every=60.0, idle_after=2.0, frozen=lambda: frozen[0])
    start = c.last_compact
    assert not c.due(start + 61)                       # idle and due, but nothing froze since
    frozen[0] = 1500                                   # a full collection froze more
    assert not c.due(start + 30)                       # not due yet (every 60 s)
    c.last_activity = start + 59.5                     # a request half a second before it is due
    assert not c.due(start + 60.5)                     # due, but not idle
    assert c.due(start + 62)                           # idle for 2.5 s, due, grown
    assert gcpolicy.IdleCompactor(every=0, frozen=lambda: frozen[0] + 1).due(start + 10_000) is False  # 0: never


def test_the_idle_compactor_reclaims_frozen_cycles():
    was_installed = gcpolicy._installed
    try:
        gcpolicy.install()
        counts: list[int] = []

        def frozen() -> int:      # the real count, remembered: other threads of this process (the session's
            counts.append(gc.get_freeze_count())   # aznet) free and freeze objects at any moment, so the count
            return counts[-1]                      # read later by the test may differ from the compactor's
        c = gcpolicy.IdleCompactor(every=60.0, idle_after=2.0, frozen=frozen)
        cycle: list[object] = []
        cycle.append(cycle)
        gc.collect()                                       # frozen with the rest
        del cycle
        c.frozen_after_compact = -1                        # whatever froze before: count it as growth
        found = c.maybe_compact(c.last_activity + 120)     # idle for two minutes: compacts
        assert found is not None and found >= 1 and c.compactions == 1 and c.reclaimed == found
        assert c.frozen_after_compact == counts[-1]        # the count taken right after the compaction
        assert c.maybe_compact(c.last_compact + 30) is None    # not due again so soon
    finally:
        if not was_installed:
            gc.callbacks.remove(gcpolicy._after_collection)
            gcpolicy._installed = False
            gc.unfreeze()
