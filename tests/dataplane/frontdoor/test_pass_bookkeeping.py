"""The pass-through fast path's per-request bookkeeping, in process: ``X-Azure-Ref`` values (``refs``: unique,
the second and the counter they encode), what a header name as sent is to the fast paths (``headerkinds``), and
the metrics ``Telemetry.passed`` counts through the tallies it remembers between flushes (every request counted
once, across flushes, full tallies and a cleared ByteHitRatio table)."""

from __future__ import annotations

import base64
import itertools
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from aznet.dataplane.frontdoor import headerkinds, refs, telemetry
from aznet.dataplane.frontdoor.model import Owner
from aznet.dataplane.frontdoor.telemetry import Telemetry
from aznet.monitor.metrics import MetricsRegistry

RID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.cdn/profiles/p"
HOST = "e-abc.z01.azurefd.net"


def _decode(ref: bytes) -> tuple[int, bytes, int]:
    assert ref[:1] == b"0" and len(ref) == 37
    head, tail = base64.b64decode(ref[1:25]), base64.b64decode(ref[25:])
    return int.from_bytes(head[:4], "big"), head[4:], int.from_bytes(tail, "big")


def test_refs_are_unique_and_encode_the_second_and_a_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refs, "_COUNT", itertools.count(4096 * 7 - 50))     # across a 4096 block
    before = int(time.time())
    got = [refs.new_ref_bytes() for _ in range(200)]
    after = int(time.time())
    assert len(set(got)) == 200
    decoded = [_decode(r) for r in got]
    assert [c for _, _, c in decoded] == list(range(4096 * 7 - 50, 4096 * 7 + 150))
    assert all(before <= s <= after for s, _, _ in decoded)
    assert {seed for _, seed, _ in decoded} == {refs._SEED}
    text = refs.new_ref()                            # the same value as text
    assert isinstance(text, str) and _decode(text.encode("ascii"))[2] == 4096 * 7 + 150


def test_a_new_second_changes_the_encoded_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_800_000_000.2]
    monkeypatch.setattr(refs, "_clock", lambda: now[0])
    monkeypatch.setattr(refs, "_state", (-1, 0.0, b""))
    first = _decode(refs.new_ref_bytes())
    now[0] += 1.0
    second = _decode(refs.new_ref_bytes())
    assert (first[0], second[0]) == (1_800_000_000, 1_800_000_001) and second[2] == first[2] + 1


def test_header_names_are_read_case_insensitively_and_remembered_within_bounds() -> None:
    assert [headerkinds.role(n) for n in ("HOST", "x-forwarded-for", "If-None-Match", "X-Azure-RequestChain",
                                          "x-azure-debuginfo", "Accept")] == [
        headerkinds.HOST, headerkinds.XFF, headerkinds.CONDITIONAL, headerkinds.CHAIN, headerkinds.DEBUG,
        headerkinds.OTHER]
    assert [headerkinds.passed(n) for n in ("Accept", "Connection", "HOST", "X-FD-Thing", "x-azure-ref",
                                            "Content-Length", "X-Custom")] == [
        True, False, False, False, False, False, True]
    for i in range(headerkinds.MAX_NAMES + 10):
        assert headerkinds.passed(f"X-Name-{i}")
    assert 0 < len(headerkinds.PASSES) <= headerkinds.MAX_NAMES
    long = "X-" + "a" * headerkinds.MAX_NAME
    assert headerkinds.passed(long) and long not in headerkinds.PASSES
    assert headerkinds.role(long) == headerkinds.OTHER and long not in headerkinds.ROLES


def _telemetry(tmp_path: Path) -> tuple[Telemetry, MetricsRegistry]:
    reg = MetricsRegistry()
    svc = SimpleNamespace(platform=SimpleNamespace(metrics=reg), settings=SimpleNamespace(data_dir=tmp_path))
    return Telemetry(svc), reg  # type: ignore[arg-type]


def _total(reg: MetricsRegistry, metric: str) -> float:
    return sum(acc[1] for dims, _ in reg.keys(RID, metric)
               for _, acc in reg.points(RID, metric, dims, reg.now_minute() - 1, reg.now_minute() + 1))


def test_passed_counts_every_request_once_across_flushes_and_full_tallies(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    tel, reg = _telemetry(tmp_path)
    owner = Owner("afd", RID, RID + "/afdendpoints/e", HOST, "fdid", 30.0)
    monkeypatch.setattr(telemetry, "MAX_SAMPLES", 4)
    for _ in range(10):                             # a full tally (4 samples) is flushed at once
        tel.passed(owner, "127.0.0.1", 200, 100, 1000, 1.0, "o.test", 0.5)
        assert all(len(t.req) <= 4 for t in tel.tallies.clients.values())
    tel.passed(owner, "127.0.0.1", 503, 100, 200, 1.0, "o.test", 0.5)
    tel.flush()
    tel.passed(owner, "127.0.0.2", 200, 100, 1000, 1.0, "o.test", 0.5)    # after a flush: new tallies
    tel.flush()
    assert _total(reg, "RequestCount") == 12 and _total(reg, "OriginRequestCount") == 12
    assert _total(reg, "ResponseSize") == 12
    statuses = sorted(dict(d)["HttpStatus"] for d, _ in reg.keys(RID, "RequestCount"))
    assert statuses == ["200", "503"]
    assert tel.byte_hits[(RID, HOST)] == [0, 11 * 1000 + 200]


def test_passed_counts_into_the_live_byte_hit_counters_after_the_table_is_cleared(tmp_path: Path) -> None:
    tel, reg = _telemetry(tmp_path)
    owner = Owner("afd", RID, RID + "/afdendpoints/e", HOST, "fdid", 30.0)
    tel.passed(owner, "127.0.0.1", 200, 100, 1000, 1.0, "o.test", 0.5)
    for i in range(4096):                           # the ByteHitRatio table at its bound
        tel.byte_hits[(f"r{i}", "h")] = [0, 1]
    other = Owner("afd", RID, RID + "/afdendpoints/f", "f.z01.azurefd.net", "fdid", 30.0)
    tel.count(other, "127.0.0.1", 200, 10, 10, 1.0, "TCP_HIT")          # clears it
    tel.passed(owner, "127.0.0.1", 200, 100, 700, 1.0, "o.test", 0.5)
    assert tel.byte_hits[(RID, HOST)] == [0, 700]
    tel.flush()
    assert _total(reg, "RequestCount") == 3


def test_a_prefix_kept_for_another_block_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # what a thread that renewed the prefix for the next block leaves behind for one still in the previous block
    monkeypatch.setattr(refs, "_COUNT", itertools.count(4096 * 3 + 4095))
    monkeypatch.setattr(refs, "_state", (4, time.time() + 60, b"0PREFIX-OF-BLOCK-4"))
    second, seed, counter = _decode(refs.new_ref_bytes())
    assert counter == 4096 * 3 + 4095 and seed == refs._SEED and abs(second - time.time()) <= 1
