"""The metrics API's query language and answers, as Azure Monitor speaks it
(``GET {resourceUri}/providers/Microsoft.Insights/metrics``, api-version
2018-01-01 and later): ``timespan`` (start/end, start/duration or a duration
ending now), ``interval`` (an ISO 8601 duration in whole minutes, or FULL),
``metricnames`` (comma separated), ``aggregation`` (comma separated: average,
count, minimum, maximum, total), ``$filter`` on dimensions
(``EndpointName eq 'a' or EndpointName eq 'b' and Other eq '*'``), ``top``,
``orderby`` and ``resultType=Metadata``. Pure functions over a
``MetricsRegistry``; errors are ``QueryError`` (the API turns them into 400)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

from .catalog import Metric, metrics_of
from .metrics import Acc, Dims, MetricsRegistry

MAX_POINTS = 50_000                       # data points per time series in one answer
AGG_FIELDS = {"average": "average", "count": "count", "minimum": "minimum", "maximum": "maximum",
              "total": "total"}
AGG_NAMES = {"average": "Average", "count": "Count", "minimum": "Minimum", "maximum": "Maximum",
             "total": "Total"}
_ORDER_ALIASES = {"sum": "total", "avg": "average", "min": "minimum", "max": "maximum"}


class QueryError(ValueError):
    pass


_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.I)


_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$")


def parse_duration(text: str) -> timedelta:
    """ISO 8601 (``PT5M``), or .NET's TimeSpan form (``0:05:00``, ``1.00:00:00``) that
    azure-mgmt-monitor sends for a ``timedelta`` interval."""
    dotnet = _TIMESPAN.match(text.strip())
    if dotnet is not None:
        days, hours, minutes, seconds = dotnet.groups()
        return timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=float(seconds or 0))
    m = _DURATION.match(text.strip())
    if m is None or text.strip().upper() in ("P", "PT"):
        raise QueryError(f"'{text}' is not a valid ISO 8601 duration.")
    weeks, days, hours, minutes, seconds = m.groups()
    return timedelta(weeks=int(weeks or 0), days=int(days or 0), hours=int(hours or 0),
                     minutes=int(minutes or 0), seconds=float(seconds or 0))


def format_duration(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    if minutes and minutes % 1440 == 0:
        return f"P{minutes // 1440}D"
    if minutes and minutes % 60 == 0:
        return f"PT{minutes // 60}H"
    return f"PT{minutes}M"


def _parse_time(text: str) -> datetime:
    t = text.strip()
    if t.endswith(("z", "Z")):
        t = t[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise QueryError(f"'{text}' is not a valid ISO 8601 date and time.") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _unquote(text: str) -> str:
    """``az monitor metrics list`` quotes its timespan before the client quotes it again."""
    for _ in range(3):
        if "%" not in text:
            break
        text = unquote_plus(text)
    return text


def parse_timespan(text: str | None, now: datetime) -> tuple[datetime, datetime]:
    if not text:
        return now - timedelta(hours=1), now
    text = _unquote(text)
    if "/" not in text:
        return now - parse_duration(text), now
    a, _, b = text.partition("/")
    if a.upper().startswith("P"):
        end = _parse_time(b)
        return end - parse_duration(a), end
    start = _parse_time(a)
    end = start + parse_duration(b) if b.upper().startswith("P") else _parse_time(b)
    if end <= start:
        raise QueryError(f"The timespan '{text}' is invalid: its end is not after its start.")
    return start, end


def fmt_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class DimFilter:
    eq: list[str] = field(default_factory=list)     # '*' = any value, split by it
    ne: list[str] = field(default_factory=list)

    def matches(self, value: str | None) -> bool:
        v = (value or "").lower()
        if any(v == x.lower() for x in self.ne):
            return False
        return not self.eq or any(x == "*" or v == x.lower() for x in self.eq)


_CLAUSE = re.compile(r"\s*\(*\s*([^\s()']+(?:\s+[^\s()']+)*?)\s+(eq|ne)\s+'((?:[^']|'')*)'\s*\)*\s*", re.I)


def parse_filter(text: str | None) -> dict[str, DimFilter]:
    """``A eq 'a1' and B eq 'b1' or B eq 'b2'`` -> {A: eq [a1], B: eq [b1, b2]} (names as written)."""
    out: dict[str, DimFilter] = {}
    if not text or not text.strip():
        return out
    if len(text) > 4096:
        raise QueryError("The $filter is too long.")
    pos = 0
    while True:
        m = _CLAUSE.match(text, pos)
        if m is None:
            raise QueryError(f"The $filter '{text}' is not valid: expected `Dimension eq 'value'` clauses "
                             "joined by 'and' or 'or'.")
        name = unquote_plus(m.group(1)).strip()
        f = out.setdefault(name, DimFilter())
        value = unquote_plus(m.group(3).replace("''", "'"))
        (f.eq if m.group(2).lower() == "eq" else f.ne).append(value)
        pos = m.end()
        if pos >= len(text):
            return out
        joiner = re.match(r"(and|or)\b", text[pos:], re.I)
        if joiner is None:
            raise QueryError(f"The $filter '{text}' is not valid near '{text[pos:pos + 20]}'.")
        pos += joiner.end()


@dataclass
class Query:
    start: datetime
    end: datetime
    grain: timedelta | None                   # None: FULL (one point for the whole timespan)
    metrics: list[Metric]
    aggregations: list[str] | None            # lower case; None: each metric's primary
    filters: dict[str, DimFilter]
    top: int
    orderby: tuple[str, bool] | None          # (aggregation, descending)
    metadata_only: bool


def parse_query(rtype: str, args: dict[str, str | None], now: datetime) -> Query:
    start, end = parse_timespan(args.get("timespan"), now)
    interval = (args.get("interval") or "PT1M").strip()
    grain: timedelta | None
    if interval.upper() == "FULL":
        grain = None
    else:
        grain = parse_duration(interval)
        secs = grain.total_seconds()
        if secs < 60 or secs % 60:
            raise QueryError(f"The interval '{interval}' is not supported: use whole minutes (PT1M and up) or "
                             "FULL.")
        if (end - start) / grain > MAX_POINTS:
            raise QueryError(f"The timespan and interval ask for more than {MAX_POINTS} data points per time "
                             "series; use a larger interval or a shorter timespan.")
    defined = metrics_of(rtype)
    names = [n.strip() for n in (args.get("metricnames") or "").split(",") if n.strip()]
    chosen: list[Metric] = []
    if not names:
        if defined:
            chosen.append(defined[0])
    for n in names:
        m = next((d for d in defined if d.name.lower() == n.lower()), None)
        if m is None:
            ns, _, rest = rtype.partition("/")
            raise QueryError(f"Failed to find metric configuration for provider: {ns}, resource Type: {rest}, "
                             f"metric: {n}, Valid metrics: {','.join(d.name for d in defined)}")
        if m not in chosen:
            chosen.append(m)
    aggs = None
    if args.get("aggregation"):
        aggs = []
        for a in (args.get("aggregation") or "").split(","):
            low = a.strip().lower()
            if not low:
                continue
            if low not in AGG_FIELDS:
                raise QueryError(f"The aggregation '{a.strip()}' is not valid. Valid aggregations are: "
                                 "Average, Count, Minimum, Maximum, Total.")
            if low not in aggs:
                aggs.append(low)
    filters = parse_filter(args.get("$filter") or args.get("filter"))
    for m in chosen:
        for name in filters:
            if m.dimension(name) is None:
                raise QueryError(f"Metric: {m.name} does not support requested dimension combination: {name}, "
                                 f"supported ones are: {','.join(d for d, _ in m.dimensions) or 'none'}")
    top_text = args.get("top")
    try:
        top = int(top_text) if top_text not in (None, "") else 10
    except ValueError:
        raise QueryError(f"The top value '{top_text}' is not an integer.") from None
    if top < 1:
        raise QueryError("The top value must be a positive integer.")
    order = None
    if args.get("orderby"):
        parts = (args.get("orderby") or "").split()
        agg = _ORDER_ALIASES.get(parts[0].lower(), parts[0].lower())
        if agg not in AGG_FIELDS or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
            raise QueryError(f"The orderby '{args.get('orderby')}' is not valid: use '<aggregation> asc|desc'.")
        order = (agg, len(parts) < 2 or parts[1].lower() == "desc")
    return Query(start, end, grain, chosen, aggs, filters, top, order,
                 (args.get("resultType") or "").lower() == "metadata")


def minute_after(ts: float) -> int:
    """The first minute a timespan ending at ``ts`` (seconds) leaves out: the minute holding ``ts`` is in
    unless ``ts`` is exactly on its start. (Truncating ``ts`` to whole seconds first, as this once did, left
    the current minute out of every query made in a minute's first second.)"""
    whole, part = divmod(ts, 60)
    return int(whole) + (1 if part else 0)


def _value(acc: Acc, agg: str) -> float | None:
    total, count, low, high, _last = acc
    if agg == "total":
        return total
    if agg == "count":
        return count
    if not count:
        return None
    return {"average": total / count, "minimum": low, "maximum": high}[agg]


def _combine(a: Acc | None, b: Acc) -> Acc:
    if a is None:
        return list(b)
    return [a[0] + b[0], a[1] + b[1], min(a[2], b[2]), max(a[3], b[3]), b[4]]


def answer(reg: MetricsRegistry, resource_uri: str, rtype: str, q: Query, region: str) -> dict[str, Any]:
    """The metrics of ``resource_uri`` (whose canonical type is ``rtype``: the metric namespace)."""
    reg.collect()
    start_min = int(q.start.timestamp() // 60)
    end_min = minute_after(q.end.timestamp())
    grain_min = int(q.grain.total_seconds() // 60) if q.grain is not None else max(1, end_min - start_min)
    buckets = list(range(start_min, end_min, grain_min))
    ns = rtype
    out = []
    for m in q.metrics:
        aggs = q.aggregations or [m.primary.lower()]
        split = {m.dimension(n) or n: f for n, f in q.filters.items()}
        groups: dict[Dims, dict[int, Acc]] = {}
        for dims, _kind in reg.keys(resource_uri, m.name):
            values = dict(dims)
            if not all(f.matches(values.get(d)) for d, f in split.items()):
                continue
            gkey = tuple((d, values.get(d, "")) for d in split)
            per = groups.setdefault(gkey, {})
            for minute, acc in reg.points(resource_uri, m.name, dims, start_min, end_min):
                b = start_min + (minute - start_min) // grain_min * grain_min
                per[b] = _combine(per.get(b), acc)
        if not split and not groups:
            groups[()] = {}
        ordered = list(groups.items())
        if split:
            agg, desc = q.orderby or (aggs[0], True)
            ordered.sort(key=lambda kv: sum(_value(a, agg) or 0.0 for a in kv[1].values()), reverse=desc)
            ordered = ordered[:q.top]
        series = []
        for gkey, per in ordered:
            ts: dict[str, Any] = {"metadatavalues": [{"name": {"value": d, "localizedValue": d}, "value": v}
                                                     for d, v in gkey]}
            if not q.metadata_only:
                data = []
                for b in buckets:
                    point: dict[str, Any] = {"timeStamp": fmt_time(datetime.fromtimestamp(b * 60, UTC))}
                    acc = per.get(b)
                    for agg in aggs:
                        v = _value(acc, agg) if acc is not None else (
                            0.0 if m.kind == "counter" and agg in ("total", "count") else None)
                        if v is not None:
                            point[AGG_FIELDS[agg]] = v
                    data.append(point)
                ts["data"] = data
            series.append(ts)
        out.append({
            "id": f"{resource_uri}/providers/Microsoft.Insights/metrics/{m.name}",
            "type": "Microsoft.Insights/metrics",
            "name": {"value": m.name, "localizedValue": m.display},
            "displayDescription": m.description,
            "unit": m.unit,
            "timeseries": series,
            "errorCode": "Success",
        })
    interval = format_duration(timedelta(minutes=grain_min)) if q.grain is not None else "FULL"
    return {"cost": max(0, end_min - start_min) * max(1, len(q.metrics)),
            "timespan": f"{fmt_time(q.start)}/{fmt_time(q.end)}", "interval": interval, "value": out,
            "namespace": ns, "resourceregion": region}


def definitions(resource_uri: str, rtype: str, retention_days: int) -> dict[str, Any]:
    ns = rtype
    retention = f"P{retention_days}D"
    return {"value": [{
        "id": f"{resource_uri}/providers/microsoft.insights/metricdefinitions/{m.name}",
        "resourceId": resource_uri,
        "namespace": ns,
        "name": {"value": m.name, "localizedValue": m.display},
        "displayDescription": m.description,
        "category": m.category,
        "isDimensionRequired": False,
        "unit": m.unit,
        "primaryAggregationType": m.primary,
        "supportedAggregationTypes": list(m.aggregations),
        "metricAvailabilities": [{"timeGrain": g, "retention": retention} for g in m.time_grains],
        "dimensions": [{"value": d, "localizedValue": shown} for d, shown in m.dimensions],
    } for m in metrics_of(rtype)]}


def namespaces(resource_uri: str, rtype: str) -> dict[str, Any]:
    if not metrics_of(rtype):
        return {"value": []}
    ns = rtype
    flat = ns.replace("/", "-")
    return {"value": [{"id": f"{resource_uri}/providers/microsoft.insights/metricNamespaces/{flat}",
                       "name": flat, "type": "Microsoft.Insights/metricNamespaces", "classification": "Platform",
                       "properties": {"metricNamespaceName": ns}}]}
