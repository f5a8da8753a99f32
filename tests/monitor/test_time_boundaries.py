"""Metrics at a minute's boundary, with the clock patched in process (the CI flake of
tests/e2e/sdk/test_monitor_metrics.py: QueryVolume 0, no private-zone gauge point, QpsByEndpoint 0, all three
values of the registry's current minute left out of the answer).

Two causes, both in the product: the timespan's end was truncated to whole seconds before the minute it
falls in was rounded up, so a query made in a minute's first second left that (current) minute out; and the
query's "now" was read from the wall clock before the engines' counts were collected into the registry, so
counts drained at read time after the minute turned fell past the timespan's end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aznet.monitor import query
from aznet.monitor.metrics import MetricsRegistry
from aznet.testing.inprocess import InProcessClient

ZONE = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/dnszones/a.example"
BOUNDARY = 1_800_000_000.0                 # a minute's start (divisible by 60)


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _volume(reg: MetricsRegistry, now: float, timespan: str = "PT10M") -> float:
    q = query.parse_query("Microsoft.Network/dnszones", {"timespan": timespan, "metricnames": "QueryVolume",
                                                         "aggregation": "Total"},
                          datetime.fromtimestamp(now, UTC))
    ans = query.answer(reg, ZONE, "Microsoft.Network/dnszones", q, "global")
    return sum(p.get("total", 0.0) for p in ans["value"][0]["timeseries"][0]["data"])


@pytest.mark.parametrize("offset", [0.0, 0.4, 0.998, 1.0, 30.5, 59.998])
def test_a_sample_of_the_current_minute_is_in_a_query_made_in_the_same_minute(offset: float) -> None:
    clock = Clock(BOUNDARY + offset)
    reg = MetricsRegistry(clock=clock)
    reg.add(ZONE, "QueryVolume", 4.0)
    clock.t += 0.001                       # the query comes a millisecond after the sample
    assert _volume(reg, clock.t) == 4.0


def test_the_minute_holding_the_end_is_in_unless_the_end_is_its_start() -> None:
    assert query.minute_after(BOUNDARY) == BOUNDARY // 60
    assert query.minute_after(BOUNDARY + 0.25) == BOUNDARY // 60 + 1
    assert query.minute_after(BOUNDARY + 59.75) == BOUNDARY // 60 + 1
    clock = Clock(BOUNDARY - 30)           # a sample in the minute before BOUNDARY
    reg = MetricsRegistry(clock=clock)
    reg.add(ZONE, "QueryVolume", 2.0)
    clock.t = BOUNDARY + 5
    reg.add(ZONE, "QueryVolume", 3.0)      # one in the minute starting at BOUNDARY
    q = query.parse_query("Microsoft.Network/dnszones",
                          {"timespan": f"{query.fmt_time(datetime.fromtimestamp(BOUNDARY - 600, UTC))}/"
                                       f"{query.fmt_time(datetime.fromtimestamp(BOUNDARY, UTC))}",
                           "metricnames": "QueryVolume", "aggregation": "Total"}, datetime.fromtimestamp(clock.t, UTC))
    ans = query.answer(reg, ZONE, "Microsoft.Network/dnszones", q, "global")
    # an explicit end on a minute's start leaves that minute out: only the earlier sample
    assert sum(p.get("total", 0.0) for p in ans["value"][0]["timeseries"][0]["data"]) == 2.0


@pytest.fixture
def client(tmp_path: Path) -> InProcessClient:
    return InProcessClient.fresh(tmp_path)


def test_counts_collected_at_read_time_after_the_minute_turned_are_in_the_answer(client: InProcessClient) -> None:
    """An engine that keeps counts of its own (the DNS views' hits) moves them into the registry when the
    metrics are read; if the minute turns between the request's arrival and the collection, those counts
    are bucketed in the new minute and must still be inside a timespan ending "now"."""
    rg = client.group("boundary")
    zone = client.network(rg, "dnsZones", "b.example")
    status, body = client.call("PUT", zone, {"location": "global"}, "2018-05-01")
    assert status in (200, 201), body
    reg = client.platform.metrics
    clock = Clock(BOUNDARY + 59.9)         # the request comes in at the end of a minute
    reg._clock = clock
    reg.collect()
    pending = {"hits": 4.0}

    def drain() -> None:                   # the engine's collector: runs when the metrics are read
        clock.t = BOUNDARY + 60.2          # ... and by then the minute has turned
        if pending["hits"]:
            reg.add(zone, "QueryVolume", pending.pop("hits"))

    reg.add_collector(drain)
    status, body = client.call("GET", f"{zone}/providers/Microsoft.Insights/metrics?timespan=PT10M"
                                      "&metricnames=QueryVolume&aggregation=Total", None, "2018-01-01")
    assert status == 200, body
    assert sum(p.get("total", 0.0) for p in body["value"][0]["timeseries"][0]["data"]) == 4.0
    start, _, end = body["timespan"].partition("/")
    assert end == query.fmt_time(datetime.fromtimestamp(BOUNDARY + 60.2, UTC))
    assert datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(
        start.replace("Z", "+00:00")) == timedelta(minutes=10)
