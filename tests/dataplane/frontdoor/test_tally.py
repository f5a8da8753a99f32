"""The edge's batched request metrics (``frontdoor.tally``): what a flush merges is exactly what adding each sample
to the registry would have given, in the platform's registry and in a worker's shipping one."""

from __future__ import annotations

import random
from typing import Any

import pytest

from aznet.dataplane.frontdoor.tally import ClientTally, OriginTally, Tallies
from aznet.dataplane.l7workers.runtime import ShippedMetrics
from aznet.monitor.metrics import MetricsRegistry

RID = "/subscriptions/s/resourcegroups/rg/providers/microsoft.cdn/profiles/p"
DIMS = (("Endpoint", "e.z01.azurefd.net"), ("ClientCountry", "Unknown"), ("ClientRegion", "Unknown"),
        ("HttpStatus", "404"), ("HttpStatusGroup", "4XX"))
GEO = DIMS[:3]
ODIMS = (("Endpoint", "e.z01.azurefd.net"), ("Origin", "o.test"), ("HttpStatus", "200"), ("HttpStatusGroup", "2XX"))
OLDIMS = ODIMS[:2]


def _samples(n: int, seed: int) -> list[tuple[float, float, float, float]]:
    rng = random.Random(seed)
    return [(float(rng.randint(50, 900)), float(rng.randint(100, 5000)), rng.uniform(0.1, 40.0),
             rng.uniform(0.05, 30.0)) for _ in range(n)]


def _current(reg: MetricsRegistry, metric: str, dims: Any) -> list[float]:
    pts = reg.points(RID, metric, dims, reg.now_minute(), reg.now_minute() + 1)
    assert len(pts) == 1, (metric, pts)
    return pts[0][1]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 250])
@pytest.mark.parametrize("shipped", [False, True])
def test_a_flush_gives_the_aggregates_of_adding_each_sample(n: int, shipped: bool) -> None:
    clock = [6000.0]
    direct = MetricsRegistry(clock=lambda: clock[0])
    batched = MetricsRegistry(clock=lambda: clock[0])
    flushed: list[int] = []
    ship = ShippedMetrics()
    tallies = Tallies(ship if shipped else batched, lambda: flushed.append(1))
    for req, sent, took, olat in _samples(n, n):
        for name, value in (("RequestCount", 1.0), ("RequestSize", req), ("ResponseSize", sent),
                            ("TotalLatency", took)):
            direct.add(RID, name, value, DIMS)
        direct.add(RID, "Percentage4XX", 100.0, GEO)
        direct.add(RID, "Percentage5XX", 0.0, GEO)
        direct.add(RID, "OriginRequestCount", 1.0, ODIMS)
        direct.add(RID, "OriginLatency", olat, OLDIMS)
        t = tallies.client(("k",), lambda: ClientTally(RID, DIMS, GEO, 404))
        t.req.append(req)
        t.sent.append(sent)
        t.took.append(took)
        tallies.origin(("o",), lambda: OriginTally(RID, ODIMS, OLDIMS, False)).took.append(olat)
    assert batched.keys(RID, "RequestCount") == [] and not ship.acc    # nothing is added before the flush
    tallies.flush()
    if shipped:                                              # a worker's batch, merged in the aznet process
        for (rid, metric, dims), acc in ship.take().items():
            batched.merge(rid, metric, dims, acc)
    assert flushed == [1]
    for name, dims in (("RequestCount", DIMS), ("RequestSize", DIMS), ("ResponseSize", DIMS), ("TotalLatency", DIMS),
                       ("Percentage4XX", GEO), ("Percentage5XX", GEO), ("OriginRequestCount", ODIMS),
                       ("OriginLatency", OLDIMS)):
        want, got = _current(direct, name, dims), _current(batched, name, dims)
        assert got[1:] == want[1:], name                     # count, min, max, last exactly
        assert got[0] == pytest.approx(want[0], rel=1e-12), name
    tallies.flush()                                          # nothing new: nothing added twice
    assert not ship.take() and _current(batched, "RequestCount", DIMS)[1] == n


def test_a_classic_tally_has_no_percentages_and_backend_names() -> None:
    reg = MetricsRegistry()
    tallies = Tallies(reg, lambda: None)
    t = tallies.client(("c",), lambda: ClientTally(RID, DIMS[1:], None, 200))
    t.req.append(10.0)
    t.sent.append(20.0)
    t.took.append(1.5)
    tallies.origin(("b",), lambda: OriginTally(RID, ODIMS[1:], (("Backend", "o.test"),), True)).took.append(2.0)
    tallies.flush()
    assert reg.keys(RID, "Percentage4XX") == [] and reg.keys(RID, "OriginLatency") == []
    assert [d for d, _ in reg.keys(RID, "BackendRequestLatency")] == [(("Backend", "o.test"),)]
    assert _current(reg, "RequestCount", DIMS[1:])[:2] == [1.0, 1.0]


def test_a_workers_shipping_registry_takes_the_edges_batch_with_each_take() -> None:
    ship = ShippedMetrics()
    tallies = Tallies(ship, lambda: None)
    ship.add_collector(tallies.flush)
    t = tallies.client(("k",), lambda: ClientTally(RID, DIMS, GEO, 404))
    t.req.append(1.0)
    t.sent.append(2.0)
    t.took.append(3.0)
    got = ship.take()
    assert got[(RID, "RequestCount", DIMS)] == [1.0, 1.0, 1.0, 1.0, 1.0]
    assert got[(RID, "TotalLatency", DIMS)] == [3.0, 1.0, 3.0, 3.0, 3.0]
    ship.remove_collector(tallies.flush)
