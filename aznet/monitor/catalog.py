"""Azure's metric definitions, one table per resource type: names, units,
aggregations and dimensions as Azure Monitor publishes them ("Supported
metrics for Microsoft.Network/…" on learn.microsoft.com).

A data plane that reports metrics adds its resource type's rows here (or calls
``define`` from its own package): ``METRIC_TABLE["microsoft.network/loadbalancers"]
= (Metric("ByteCount", "Byte Count", …), …)``. Keys are lower-case ARM types."""

from __future__ import annotations

from dataclasses import dataclass

AGGREGATIONS = ("Average", "Count", "Maximum", "Minimum", "Total")
ALL_AGGREGATIONS = ("None", "Average", "Minimum", "Maximum", "Total", "Count")
TIME_GRAINS = ("PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "P1D")


@dataclass(frozen=True)
class Metric:
    name: str                                # the name in the REST API, e.g. "QueryVolume"
    display: str                             # the display name, e.g. "Query Volume"
    description: str
    unit: str                                # Count | Percent | Bytes | BytesPerSecond | MilliSeconds | …
    primary: str                             # the default aggregation: Total | Maximum | Average | …
    dimensions: tuple[tuple[str, str], ...] = ()   # (name, display name)
    kind: str = "counter"                    # counter (add) | gauge (set_gauge): how empty minutes read
    category: str = "Traffic"
    aggregations: tuple[str, ...] = ALL_AGGREGATIONS
    time_grains: tuple[str, ...] = TIME_GRAINS

    def dimension(self, name: str) -> str | None:
        """The declared spelling of a dimension, matched case-insensitively."""
        low = name.lower()
        return next((d for d, _ in self.dimensions if d.lower() == low), None)


def _count(name: str, display: str, description: str, **kw: object) -> Metric:
    return Metric(name, display, description, "Count", "Total", **kw)  # type: ignore[arg-type]


def _gauge(name: str, display: str, description: str, unit: str = "Count", **kw: object) -> Metric:
    return Metric(name, display, description, unit, "Maximum", kind="gauge", **kw)  # type: ignore[arg-type]


_ENDPOINT = (("EndpointName", "Endpoint Name"),)

METRIC_TABLE: dict[str, tuple[Metric, ...]] = {
    # learn.microsoft.com: Supported metrics for Microsoft.Network/dnszones
    "microsoft.network/dnszones": (
        _count("QueryVolume", "Query Volume", "Number of queries served for a DNS zone"),
        _gauge("RecordSetCapacityUtilization", "Record Set Capacity Utilization",
               "Percent of Record Set capacity utilized by a DNS zone", "Percent"),
        _gauge("RecordSetCount", "Record Set Count", "Number of Record Sets in a DNS zone"),
    ),
    # learn.microsoft.com: Supported metrics for Microsoft.Network/privateDnsZones
    "microsoft.network/privatednszones": (
        _count("QueryVolume", "Query Volume", "Number of queries served for a Private DNS zone"),
        _gauge("RecordSetCapacityUtilization", "Record Set Capacity Utilization",
               "Percent of Record Set capacity utilized by a Private DNS zone", "Percent"),
        _gauge("RecordSetCount", "Record Set Count", "Number of Record Sets in a Private DNS zone"),
        _gauge("VirtualNetworkLinkCapacityUtilization", "Virtual Network Link Capacity Utilization",
               "Percent of Virtual Network Link capacity utilized by a Private DNS zone", "Percent"),
        _gauge("VirtualNetworkLinkCount", "Virtual Network Link Count",
               "Number of Virtual Networks linked to a Private DNS zone"),
        _gauge("VirtualNetworkWithRegistrationCapacityUtilization",
               "Virtual Network Registration Link Capacity Utilization",
               "Percent of Virtual Network Link with auto-registration capacity utilized by a Private DNS zone",
               "Percent"),
        _gauge("VirtualNetworkWithRegistrationLinkCount", "Virtual Network Registration Link Count",
               "Number of Virtual Networks linked to a Private DNS zone with auto-registration enabled"),
    ),
    # learn.microsoft.com: Supported metrics for Microsoft.Network/trafficManagerProfiles
    "microsoft.network/trafficmanagerprofiles": (
        _gauge("ProbeAgentCurrentEndpointStateByProfileResourceId", "Endpoint Status by Endpoint",
               "1 if an endpoint's probe status is \"Enabled\", 0 otherwise.", dimensions=_ENDPOINT,
               time_grains=("PT1M", "PT1H")),
        _count("QpsByEndpoint", "Queries by Endpoint Returned",
               "Number of times a Traffic Manager endpoint was returned in the given time frame",
               dimensions=_ENDPOINT, time_grains=("PT1M", "PT1H")),
    ),
}


def define(rtype: str, *metrics: Metric) -> None:
    """Add (or replace, by name) metric definitions of a resource type."""
    key = rtype.lower()
    rows = {m.name.lower(): m for m in METRIC_TABLE.get(key, ())}
    rows.update({m.name.lower(): m for m in metrics})
    METRIC_TABLE[key] = tuple(rows.values())


def metrics_of(rtype: str) -> tuple[Metric, ...]:
    return METRIC_TABLE.get(rtype.lower(), ())


def find(rtype: str, name: str) -> Metric | None:
    low = name.lower()
    return next((m for m in metrics_of(rtype) if m.name.lower() == low), None)
