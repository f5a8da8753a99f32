"""Microsoft.Network/trafficManagerProfiles: location 'global'; profileStatus,
trafficRoutingMethod, dnsConfig (relativeName unique across every subscription,
``<relativeName>.trafficmanager.net``, TTL), monitorConfig (protocol, port, path,
interval, timeout, tolerated failures, custom headers, expected status codes),
MultiValue's maxReturn. ``endpoints`` are child resources of three types
(endpoints.py); a profile PUT with ``endpoints`` replaces them all, one without
keeps them. Monitor status is computed at read time (monitor_status.py).

Monitoring intervals: Azure accepts 10 and 30 seconds; aznet also accepts
1–9 seconds so tests of failover run fast (an aznet extension)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm import crud
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..dns.api_versions import TRAFFIC_MANAGER
from . import monitor_status
from .validation import bad, enum, integer

if TYPE_CHECKING:
    from ...arm.context import Ctx

# a DELETE answers 200 with DeleteOperationResult, as Traffic Manager does
DELETE_RESULT = {"boolean": True}
TYPE = typenames.TM_PROFILE
ENDPOINT_KINDS = ("azureEndpoints", "externalEndpoints", "nestedEndpoints")
METHODS = ("Performance", "Priority", "Weighted", "Geographic", "MultiValue", "Subnet")
SUFFIX = "trafficmanager.net"
LABEL_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def fqdn(relative_name: str) -> str:
    return f"{relative_name.lower()}.{SUFFIX}"


def name_taken(ctx: Ctx, relative_name: str, own_key: str | None = None) -> str | None:
    """The id of the profile that holds ``relative_name`` (any subscription), if another does."""
    low = relative_name.lower()
    for rec in ctx.of_type(TYPE):
        rel = ((rec.body.get("properties") or {}).get("dnsConfig") or {}).get("relativeName", "")
        if rel.lower() == low and rec.key != own_key:
            return rec.id
    return None


def endpoint_records(ctx: Ctx, profile_id: str) -> list[Any]:
    recs = [r for r in ctx.children(profile_id) if r.type.rsplit("/", 1)[-1] in ENDPOINT_KINDS]
    recs.sort(key=lambda r: r.seq)
    return recs


def _pending(ctx: Ctx) -> dict[str, list[Any]]:
    """Endpoints of profile PUTs in this request, between validate and after_write."""
    store: dict[str, list[Any]] | None = getattr(ctx, "_tm_pending_endpoints", None)
    if store is None:
        store = {}
        ctx._tm_pending_endpoints = store  # type: ignore[attr-defined]
    return store


def check_monitor(props: dict[str, Any]) -> None:
    mon = props.get("monitorConfig") or {}
    if not isinstance(mon, dict):
        raise bad("The monitorConfig of a profile must be an object.", "properties.monitorConfig")
    mon.pop("profileMonitorStatus", None)
    protocol = enum(mon.get("protocol"), ("HTTP", "HTTPS", "TCP"), "monitorConfig.protocol", "HTTP")
    mon["protocol"] = protocol
    mon["port"] = integer(mon.get("port"), "monitorConfig.port", 1, 65535, 443 if protocol == "HTTPS" else 80)
    path = mon.get("path")
    if protocol == "TCP":
        if path:
            raise bad("The monitor path must not be set when the monitor protocol is TCP.", "monitorConfig.path")
        mon.pop("path", None)
        if mon.get("expectedStatusCodeRanges"):
            raise bad("Expected status code ranges are not supported with the TCP monitor protocol.",
                      "monitorConfig.expectedStatusCodeRanges")
    else:
        path = "/" if path is None else path
        if not isinstance(path, str) or not path.startswith("/"):
            raise bad("The monitor path must start with '/'.", "monitorConfig.path")
        mon["path"] = path
    interval = integer(mon.get("intervalInSeconds"), "monitorConfig.intervalInSeconds", 1, 30, 30)
    if interval not in (10, 30) and interval > 9:
        raise bad("The monitor interval must be 10 or 30 seconds.", "monitorConfig.intervalInSeconds")
    mon["intervalInSeconds"] = interval
    default_timeout = 10 if interval == 30 else (9 if interval == 10 else max(1, interval - 1) if interval > 1 else 1)
    timeout = integer(mon.get("timeoutInSeconds"), "monitorConfig.timeoutInSeconds", 1, 10, default_timeout)
    if interval in (10, 30) and not 5 <= timeout <= (10 if interval == 30 else 9):
        raise bad(f"The monitor timeout must be between 5 and {10 if interval == 30 else 9} seconds for an "
                  f"interval of {interval} seconds.", "monitorConfig.timeoutInSeconds")
    if interval < 10 and timeout > interval:
        raise bad("The monitor timeout cannot exceed the monitor interval.", "monitorConfig.timeoutInSeconds")
    mon["timeoutInSeconds"] = timeout
    mon["toleratedNumberOfFailures"] = integer(mon.get("toleratedNumberOfFailures"),
                                               "monitorConfig.toleratedNumberOfFailures", 0, 9, 3)
    headers = mon.get("customHeaders")
    if headers is not None:
        mon["customHeaders"] = check_headers(headers, "monitorConfig.customHeaders")
    ranges = mon.get("expectedStatusCodeRanges")
    if ranges is not None:
        if not isinstance(ranges, list) or len(ranges) > 8:
            raise bad("At most 8 expected status code ranges are allowed.", "monitorConfig.expectedStatusCodeRanges")
        out = []
        for i, r in enumerate(ranges):
            path_i = f"monitorConfig.expectedStatusCodeRanges[{i}]"
            if not isinstance(r, dict):
                raise bad("An expected status code range needs 'min' and 'max'.", path_i)
            lo = integer(r.get("min"), f"{path_i}.min", 100, 999)
            hi = integer(r.get("max"), f"{path_i}.max", 100, 999)
            if lo > hi:
                raise bad("The minimum of an expected status code range cannot exceed its maximum.", path_i)
            out.append({"min": lo, "max": hi})
        mon["expectedStatusCodeRanges"] = out
    props["monitorConfig"] = mon


def check_headers(headers: Any, path: str) -> list[dict[str, str]]:
    if not isinstance(headers, list) or len(headers) > 8:
        raise bad("At most 8 custom headers are allowed.", path)
    out = []
    for i, h in enumerate(headers):
        if not isinstance(h, dict) or not isinstance(h.get("name"), str) or not h["name"] \
                or not isinstance(h.get("value"), str):
            raise bad("A custom header needs a 'name' and a 'value'.", f"{path}[{i}]")
        out.append({"name": h["name"], "value": h["value"]})
    return out


class ProfileHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["profileStatus"] = enum(props.get("profileStatus"), ("Enabled", "Disabled"), "profileStatus", "Enabled")
        method = props.get("trafficRoutingMethod")
        if method is None:
            raise bad("The traffic routing method of the profile is required.", "properties.trafficRoutingMethod")
        props["trafficRoutingMethod"] = enum(method, METHODS, "trafficRoutingMethod")
        dns = props.get("dnsConfig")
        if not isinstance(dns, dict) or not isinstance(dns.get("relativeName"), str):
            raise bad("The relative DNS name of the profile (dnsConfig.relativeName) is required.",
                      "properties.dnsConfig.relativeName")
        rel = dns["relativeName"]
        if not LABEL_RE.match(rel):
            raise bad(f"The relative DNS name '{rel}' is invalid: it must be 1-63 letters, digits and hyphens, "
                      "starting and ending with a letter or digit.", "properties.dnsConfig.relativeName")
        if old is not None and ((old["properties"].get("dnsConfig") or {}).get("relativeName", "")).lower() \
                != rel.lower():
            raise bad("The relative DNS name of a profile cannot be changed.", "properties.dnsConfig.relativeName")
        holder = name_taken(ctx, rel, normalize(new["id"]))
        if holder is not None:
            raise ArmError(409, "Conflict", f"Domain name {fqdn(rel)} is not available. Please choose a different "
                                            "DNS prefix.")
        props["dnsConfig"] = {"relativeName": rel,
                              "ttl": integer(dns.get("ttl"), "dnsConfig.ttl", 0, 2147483647, 60)}
        check_monitor(props)
        props["trafficViewEnrollmentStatus"] = enum(props.get("trafficViewEnrollmentStatus"), ("Enabled", "Disabled"),
                                                    "trafficViewEnrollmentStatus", "Disabled")
        if props["trafficRoutingMethod"] == "MultiValue":
            props["maxReturn"] = integer(props.get("maxReturn"), "maxReturn", 1, 8, None)
            if props["maxReturn"] is None:
                props.pop("maxReturn")
        elif props.get("maxReturn") is not None:
            raise bad("maxReturn is only allowed with the MultiValue routing method.", "properties.maxReturn")
        endpoints = props.pop("endpoints", None)
        if endpoints is not None:
            if not isinstance(endpoints, list) or len(endpoints) > 200:
                raise bad("The endpoints of a profile must be a list of at most 200 endpoints.",
                          "properties.endpoints")
            _pending(ctx)[normalize(new["id"])] = endpoints

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["dnsConfig"]["fqdn"] = fqdn(new["properties"]["dnsConfig"]["relativeName"])

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        from .endpoints import kind_of_type, recheck

        items = _pending(ctx).pop(normalize(new["id"]), None)
        if items is None:
            recheck(ctx, new)
            return
        for rec in endpoint_records(ctx, new["id"]):
            crud.delete_resource(ctx, rec.id, nested=True, force=True)
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise bad("Each endpoint needs a name.", f"properties.endpoints[{i}]")
            kind = kind_of_type(item.get("type"), f"properties.endpoints[{i}].type")
            body = {k: v for k, v in item.items() if k not in ("id", "type", "etag")}
            ctx.put(f"{new['id']}/{kind}/{item['name']}", body)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        endpoints = [crud.render(ctx, r) for r in endpoint_records(ctx, body["id"])]
        props["endpoints"] = endpoints
        statuses = [(e.get("properties") or {}).get("endpointMonitorStatus", "") for e in endpoints]
        props.setdefault("monitorConfig", {})["profileMonitorStatus"] = monitor_status.profile_status(body, statuses)


REGISTRY.add(ResourceType(TYPE, TRAFFIC_MANAGER, model="Profile", schema_package="trafficmanager",
                          hooks=ProfileHooks(), global_location=True, long_running=False, provisioning_state=False,
                          names=NameRule(1, 63, r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$"),
                          delete_result=DELETE_RESULT))
