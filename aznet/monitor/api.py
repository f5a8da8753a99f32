"""Azure Monitor's metrics API on every resource:
``GET {resourceUri}/providers/Microsoft.Insights/metricDefinitions``,
``.../metrics`` and ``.../metricNamespaces`` (what ``az monitor metrics list``,
``list-definitions``, ``list-namespaces``, azure-mgmt-monitor and
azure-monitor-query's ``MetricsQueryClient`` call), answered from the
platform's counters registry and the metric table of the resource's type."""

from __future__ import annotations

from datetime import UTC, datetime

from ..arm.errors import ArmError, resource_not_found
from ..arm.http import Request, Response
from ..arm.ids import is_guid, parse_resource_id
from ..arm.platform import Platform
from ..arm.router import ROUTES
from ..arm.versions import supported
from . import query

API_VERSIONS = supported("monitor")


def _resource(p: Platform, req: Request) -> tuple[str, str, str]:
    """(the resource's id as stored, its canonical type, its location) or Azure's error."""
    api = req.api_version
    if not api:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
    if api not in API_VERSIONS:
        raise ArmError(400, "InvalidApiVersionParameter",
                       f"The api-version '{api}' is invalid. The supported versions are "
                       f"'{','.join(API_VERSIONS)}'.")
    uri = req.params["resourceUri"]
    rid = parse_resource_id(uri)
    if rid is None or rid.is_collection:
        raise ArmError(400, "InvalidResourceId", f"The resource id '{uri}' is not valid.")
    if not is_guid(rid.subscription):
        raise ArmError(400, "InvalidSubscriptionId",
                       f"The provided subscription identifier '{rid.subscription}' is malformed or invalid.")
    rec = p.store.get(uri.lower().rstrip("/"))
    if rec is None:
        raise resource_not_found("/".join([rid.namespace, *rid.types]), rid.names[-1], rid.resource_group)
    return rec.id, rec.type, str(rec.body.get("location") or "global")


def _args(req: Request) -> dict[str, str | None]:
    return {name: req.arg(name) for name in ("timespan", "interval", "metricnames", "aggregation", "$filter",
                                              "filter", "top", "orderby", "resultType", "metricnamespace")}


def metrics(p: Platform, req: Request) -> Response:
    rid, rtype, region = _resource(p, req)
    # "now" is read from the registry's clock after the engines' counts are collected: counts drained at
    # read time land in the registry's current minute, which a timespan ending at an earlier "now" (read
    # from another clock, before collecting) could leave out when the minute turned in between.
    p.metrics.collect()
    try:
        q = query.parse_query(rtype, _args(req), datetime.fromtimestamp(p.metrics.now(), UTC))
    except query.QueryError as exc:
        raise ArmError(400, "BadRequest", str(exc)) from None
    return Response(200, query.answer(p.metrics, rid, rtype, q, region))


def metric_definitions(p: Platform, req: Request) -> Response:
    rid, rtype, _ = _resource(p, req)
    return Response(200, query.definitions(rid, rtype, p.metrics.retention_minutes // 1440 or 1))


def metric_namespaces(p: Platform, req: Request) -> Response:
    rid, rtype, _ = _resource(p, req)
    return Response(200, query.namespaces(rid, rtype))


ROUTES.add_extension("providers/Microsoft.Insights/metrics", "GET", metrics)
ROUTES.add_extension("providers/Microsoft.Insights/metricDefinitions", "GET", metric_definitions)
ROUTES.add_extension("providers/Microsoft.Insights/metricNamespaces", "GET", metric_namespaces)
