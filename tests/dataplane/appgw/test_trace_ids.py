"""X-AppGW-Trace-Id values (``telemetry.trace_id``): 32 lowercase hex digits each, drawn in blocks of 512; across
several blocks every value is well formed and none repeats."""

from __future__ import annotations

import re

from aznet.dataplane.appgw.telemetry import _TRACE_IDS, trace_id


def test_trace_ids_are_32_hex_digits_and_distinct_across_blocks() -> None:
    _TRACE_IDS.clear()
    ids = [trace_id() for _ in range(512 * 3 + 7)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t in ids)
    assert len(set(ids)) == len(ids)
    assert len(_TRACE_IDS) == 512 - 7
