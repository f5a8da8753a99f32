"""The counters registry: per-minute aggregation, gauges carried forward,
retention by age and by memory, and persistence across a restart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aznet.monitor import query
from aznet.monitor.metrics import POINT_BYTES, MetricsRegistry

ZONE = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/dnszones/a.example"
TM = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/trafficManagerProfiles/p"


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def minute(clock: Clock) -> int:
    return int(clock.t // 60)


def test_counter_aggregates_per_minute_and_is_case_insensitive_on_ids():
    clock = Clock()
    reg = MetricsRegistry(clock=clock)
    m0 = minute(clock)
    reg.add(ZONE, "QueryVolume")
    reg.add(ZONE.upper().replace("PROVIDERS", "providers"), "QueryVolume", 4.0)
    clock.t += 60
    reg.add(ZONE, "QueryVolume", 2.0)
    pts = reg.points(ZONE, "QueryVolume", (), m0, m0 + 5)
    assert [(m - m0, acc[0], acc[1], acc[2], acc[3]) for m, acc in pts] == [(0, 5.0, 2.0, 1.0, 4.0),
                                                                            (1, 2.0, 1.0, 2.0, 2.0)]


def test_gauge_carries_its_last_value_into_silent_minutes():
    clock = Clock()
    reg = MetricsRegistry(clock=clock)
    m0 = minute(clock)
    reg.set_gauge(ZONE, "RecordSetCount", 2)
    reg.set_gauge(ZONE, "RecordSetCount", 3)
    clock.t += 180
    reg.collect()
    pts = reg.points(ZONE, "RecordSetCount", (), m0 - 2, m0 + 4)
    # nothing before the first sample; the minute with two samples averages them; later minutes carry 3
    assert [(m - m0, acc[1], acc[2], acc[3], acc[4]) for m, acc in pts] == [
        (0, 2.0, 2.0, 3.0, 3.0), (1, 1.0, 3.0, 3.0, 3.0), (2, 1.0, 3.0, 3.0, 3.0), (3, 1.0, 3.0, 3.0, 3.0)]


def test_retention_by_age_and_by_memory_budget():
    clock = Clock()
    reg = MetricsRegistry(retention_minutes=10, clock=clock)
    m0 = minute(clock)
    for _ in range(30):
        reg.add(ZONE, "QueryVolume")
        clock.t += 60
    reg.collect()
    kept = [m - m0 for m, _ in reg.points(ZONE, "QueryVolume", (), m0, m0 + 60)]
    assert kept and min(kept) >= 30 - 10 and max(kept) == 29

    small = MetricsRegistry(max_bytes=1 << 16, clock=clock)
    for i in range(3000):
        small.add(ZONE, "QueryVolume", dims=(("n", str(i % 50)),))
        clock.t += 60
    small.collect()
    assert small.bytes_used() <= 1 << 16
    assert small.bytes_used() >= (1 << 16) // 2      # it keeps the newest points up to the budget
    assert POINT_BYTES > 0


def test_persisted_points_survive_a_restart(tmp_path):
    clock = Clock()
    reg = MetricsRegistry(clock=clock)
    reg.open(tmp_path, flush_seconds=3600)
    m0 = minute(clock)
    reg.add(ZONE, "QueryVolume", 7.0)
    reg.set_gauge(ZONE, "RecordSetCount", 2)
    clock.t += 60
    reg.add(ZONE, "QueryVolume", 1.0)
    reg.add(TM, "QpsByEndpoint", dims=(("EndpointName", "east"),))
    reg.close()

    again = MetricsRegistry(clock=clock)
    again.open(tmp_path, flush_seconds=3600)
    try:
        assert [(m - m0, a[0]) for m, a in again.points(ZONE, "QueryVolume", (), m0, m0 + 2)] == [(0, 7.0), (1, 1.0)]
        assert again.keys(TM, "QpsByEndpoint") == [((("EndpointName", "east"),), "counter")]
        clock.t += 120
        gauge = again.points(ZONE, "RecordSetCount", (), m0, m0 + 4)
        assert [a[4] for _, a in gauge] == [2.0, 2.0, 2.0, 2.0]
        again.drop(ZONE)
    finally:
        again.close()
    third = MetricsRegistry(clock=clock)
    third.open(tmp_path, flush_seconds=3600)
    try:
        assert third.keys(ZONE, "QueryVolume") == [] and third.keys(TM, "QpsByEndpoint")
    finally:
        third.close()


def test_query_answers_with_grains_filters_and_top():
    clock = Clock(1_800_000_000.0 - 1_800_000_000.0 % 3600)
    reg = MetricsRegistry(clock=clock)
    start = datetime.fromtimestamp(clock.t, UTC)
    for i, name in enumerate(["east", "west", "north"]):
        for _ in range(i + 1):
            reg.add(TM, "QpsByEndpoint", dims=(("EndpointName", name),))
    clock.t += 300
    reg.add(TM, "QpsByEndpoint", dims=(("EndpointName", "east"),))
    args = {"timespan": f"{start.isoformat()}/PT10M", "interval": "PT5M", "metricnames": "qpsbyendpoint",
            "aggregation": "Total,Count", "$filter": "EndpointName eq '*'", "top": "2", "orderby": "sum desc"}
    q = query.parse_query("Microsoft.Network/trafficManagerProfiles", args, start)
    body = query.answer(reg, TM, "Microsoft.Network/trafficManagerProfiles", q, "global")
    assert body["interval"] == "PT5M" and body["namespace"] == "Microsoft.Network/trafficManagerProfiles"
    [metric] = body["value"]
    assert metric["name"]["value"] == "QpsByEndpoint" and metric["unit"] == "Count"
    got = {ts["metadatavalues"][0]["value"]: [(d["total"], d["count"]) for d in ts["data"]]
           for ts in metric["timeseries"]}
    assert got == {"north": [(3.0, 3.0), (0.0, 0.0)], "east": [(1.0, 1.0), (1.0, 1.0)]}

    one = query.parse_query("Microsoft.Network/trafficManagerProfiles",
                            dict(args, **{"$filter": "EndpointName eq 'west' or EndpointName eq 'EAST'"}), start)
    series = query.answer(reg, TM, "Microsoft.Network/trafficManagerProfiles", one, "global")["value"][0]["timeseries"]
    assert sorted(ts["metadatavalues"][0]["value"] for ts in series) == ["east", "west"]

    whole = query.parse_query("Microsoft.Network/trafficManagerProfiles",
                              {"timespan": f"{start.isoformat()}/PT10M", "metricnames": "QpsByEndpoint"}, start)
    [ts] = query.answer(reg, TM, "Microsoft.Network/trafficManagerProfiles", whole, "global")["value"][0]["timeseries"]
    assert ts["metadatavalues"] == [] and sum(d["total"] for d in ts["data"]) == 7.0 and len(ts["data"]) == 10


@pytest.mark.parametrize("args, message", [
    ({"metricnames": "Nope"}, "Valid metrics: QueryVolume,RecordSetCapacityUtilization,RecordSetCount"),
    ({"aggregation": "median"}, "is not valid"),
    ({"interval": "PT30S"}, "whole minutes"),
    ({"timespan": "2026-01-02T00:00:00Z/2026-01-01T00:00:00Z"}, "end is not after"),
    ({"timespan": "P93D", "interval": "PT1M"}, "more than"),
    ({"$filter": "Nope eq 'x'"}, "does not support requested dimension"),
    ({"$filter": "garbage"}, "not valid"),
    ({"top": "x"}, "not an integer"),
])
def test_bad_queries_are_refused(args, message):
    with pytest.raises(query.QueryError, match=message):
        query.parse_query("Microsoft.Network/dnszones", args, datetime(2026, 1, 1, tzinfo=UTC))


def test_timespans_as_the_clients_send_them():
    now = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    # az quotes the timespan itself (quote_plus), then its HTTP client quotes it again
    start, end = query.parse_timespan("2026-12-04T17%3A00%3A00.123456%2F2026-12-04T18%3A00%3A00.123456", now)
    assert (start.hour, end.hour) == (17, 18)
    assert query.parse_timespan("PT2H", now) == (datetime(2026, 12, 4, 16, 0, tzinfo=UTC), now)
    s, e = query.parse_timespan("2026-12-04T10:00:00+02:00/PT1H", now)
    assert (s.hour, e.hour) == (8, 9)


def test_durations_in_iso_and_dotnet_forms():
    from datetime import timedelta

    assert query.parse_duration("PT5M") == timedelta(minutes=5)
    assert query.parse_duration("P1DT2H") == timedelta(days=1, hours=2)
    assert query.parse_duration("0:05:00") == timedelta(minutes=5)          # azure-mgmt-monitor's timedelta
    assert query.parse_duration("1.00:00:00") == timedelta(days=1)
    with pytest.raises(query.QueryError):
        query.parse_duration("5 minutes")


def test_merge_adds_a_batch_as_if_each_sample_were_added_here():
    """A worker process's batch (total, count, min, max, last) folds into the minute like the same adds."""
    from aznet.dataplane.l7workers.runtime import ShippedMetrics

    clock = Clock()
    here, merged = MetricsRegistry(clock=clock), MetricsRegistry(clock=clock)
    worker = ShippedMetrics()
    dims = (("Listener", "l80"),)
    for v in (3.0, 1.0, 7.0):
        here.add(TM, "Latency", v, dims)
        worker.add(TM, "Latency", v, dims)
    merged.add(TM, "Latency", 2.0, dims)
    here.add(TM, "Latency", 2.0, dims)
    for (rid, metric, d), acc in worker.take().items():
        merged.merge(rid, metric, d, acc)
    assert worker.take() == {}
    m0 = minute(clock)
    got = merged.points(TM, "Latency", dims, m0, m0 + 1)
    want = here.points(TM, "Latency", dims, m0, m0 + 1)
    assert [(m, acc[:4]) for m, acc in got] == [(m, acc[:4]) for m, acc in want] == [(m0, [13.0, 4.0, 1.0, 7.0])]
