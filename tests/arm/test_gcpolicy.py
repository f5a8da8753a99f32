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
