"""Traffic Manager endpoints, child resources of a profile in three types:
``azureEndpoints`` (targetResourceId: a public IP with a DNS name; target is its
FQDN), ``externalEndpoints`` (target: an FQDN or IP address) and
``nestedEndpoints`` (targetResourceId: another profile; target is its FQDN).
endpointStatus, weight 1–1000, priority 1–1000 unique in the profile (assigned
in order when absent), endpointLocation (required for Performance routing),
geoMapping (codes of the geographic hierarchy, each in one endpoint only;
required for Geographic routing), subnets (Subnet routing), minChildEndpoints,
customHeaders, alwaysServe. ``endpointMonitorStatus`` comes from the monitor."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.regions import REGION_NAMES
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..dns.api_versions import TRAFFIC_MANAGER
from . import geographic_hierarchy, monitor_status, profiles
from .validation import bad, enum, integer

if TYPE_CHECKING:
    from ...arm.context import Ctx

PIP_TYPE = typenames.PUBLIC_IP.lower()
HOST_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
                     r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$")


def kind_of_type(value: Any, path: str) -> str:
    """``Microsoft.Network/trafficManagerProfiles/azureEndpoints`` (or ``azureEndpoints``) -> ``azureEndpoints``."""
    if isinstance(value, str):
        tail = value.rsplit("/", 1)[-1].lower()
        for kind in profiles.ENDPOINT_KINDS:
            if kind.lower() == tail:
                return kind
    raise bad(f"The endpoint type '{value}' is invalid. Allowed types are "
              + ", ".join(f"{profiles.TYPE}/{k}" for k in profiles.ENDPOINT_KINDS) + ".", path)


def profile_of(endpoint_id: str) -> str:
    parsed = parse_resource_id(endpoint_id)
    assert parsed is not None and parsed.parent() is not None
    return str(parsed.parent())


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def check_subnets(subnets: Any) -> list[dict[str, Any]]:
    if not isinstance(subnets, list):
        raise bad("The subnets of an endpoint must be a list.", "properties.subnets")
    out = []
    for i, s in enumerate(subnets):
        path = f"properties.subnets[{i}]"
        first = _ip(s.get("first", "")) if isinstance(s, dict) and isinstance(s.get("first"), str) else None
        if first is None:
            raise bad("A subnet needs 'first', an IP address.", path)
        item: dict[str, Any] = {"first": str(first)}
        if s.get("scope") is not None:
            item["scope"] = integer(s["scope"], f"{path}.scope", 0, 32 if first.version == 4 else 128)
        elif s.get("last") is not None:
            last = _ip(s["last"]) if isinstance(s["last"], str) else None
            if last is None or last.version != first.version or last < first:
                raise bad("The 'last' address of a subnet must be an IP address not below 'first'.", path)
            item["last"] = str(last)
        out.append(item)
    return out


def check_against_profile(profile: dict[str, Any], kind: str, props: dict[str, Any]) -> None:
    """The rules that depend on the profile's routing method."""
    method = (profile.get("properties") or {}).get("trafficRoutingMethod")
    if method == "Performance" and not props.get("endpointLocation"):
        raise bad("The endpoint location is required for endpoints of a profile with the Performance routing "
                  "method.", "properties.endpointLocation")
    if method == "Geographic" and not props.get("geoMapping"):
        raise bad("An endpoint of a profile with the Geographic routing method must map at least one geographic "
                  "region (geoMapping).", "properties.geoMapping")
    if method == "MultiValue":
        target = _ip(props.get("target") or "")
        if kind != "externalEndpoints" or target is None:
            raise bad("A profile with the MultiValue routing method accepts only external endpoints whose target "
                      "is an IPv4 or IPv6 address.", "properties.target")


def _cycle(ctx: Ctx, start: str, parent: str) -> bool:
    """Does profile ``start`` reach ``parent`` through nested endpoints?"""
    seen, todo = set(), [normalize(start)]
    while todo:
        pid = todo.pop()
        if pid == normalize(parent):
            return True
        if pid in seen:
            continue
        seen.add(pid)
        for rec in ctx.children(pid, f"{profiles.TYPE}/nestedEndpoints"):
            tid = (rec.body.get("properties") or {}).get("targetResourceId")
            if isinstance(tid, str):
                todo.append(normalize(tid))
    return False


class EndpointHooks(Hooks):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props.pop("endpointMonitorStatus", None)
        profile_id = profile_of(new["id"])
        profile = ctx.body(profile_id) or {}
        props["endpointStatus"] = enum(props.get("endpointStatus"), ("Enabled", "Disabled"), "endpointStatus",
                                       "Enabled")
        props["weight"] = integer(props.get("weight"), "weight", 1, 1000, 1)
        self._check_target(ctx, new, profile_id)
        loc = props.get("endpointLocation")
        if loc is not None:
            if not isinstance(loc, str) or loc.replace(" ", "").lower() not in REGION_NAMES:
                raise bad(f"The endpoint location '{loc}' is not a valid Azure region.", "properties.endpointLocation")
        if props.get("geoMapping") is not None:
            codes = props["geoMapping"]
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes) or len(codes) > 350:
                raise bad("geoMapping must be a list of geographic region codes.", "properties.geoMapping")
            for c in codes:
                if not geographic_hierarchy.is_code(c):
                    raise bad(f"The geographic region code '{c}' is not in the Traffic Manager geographic "
                              "hierarchy.", "properties.geoMapping")
            if len({c.upper() for c in codes}) != len(codes):
                raise bad("geoMapping lists a region more than once.", "properties.geoMapping")
        if props.get("subnets") is not None:
            props["subnets"] = check_subnets(props["subnets"])
        if props.get("customHeaders") is not None:
            props["customHeaders"] = profiles.check_headers(props["customHeaders"], "properties.customHeaders")
        if props.get("alwaysServe") is not None:
            props["alwaysServe"] = enum(props["alwaysServe"], ("Enabled", "Disabled"), "alwaysServe")
        if self.kind == "nestedEndpoints":
            props["minChildEndpoints"] = integer(props.get("minChildEndpoints"), "minChildEndpoints", 1, 1000, 1)
            for key in ("minChildEndpointsIPv4", "minChildEndpointsIPv6"):
                if props.get(key) is not None:
                    props[key] = integer(props[key], key, 0, 1000)
        self._check_siblings(ctx, new, profile_id)
        check_against_profile(profile, self.kind, props)

    def _check_target(self, ctx: Ctx, new: dict[str, Any], profile_id: str) -> None:
        props = new["properties"]
        tid = props.get("targetResourceId")
        if self.kind == "externalEndpoints":
            if tid:
                raise bad("External endpoints take a 'target', not a 'targetResourceId'.",
                          "properties.targetResourceId")
            props.pop("targetResourceId", None)
            target = props.get("target")
            if not isinstance(target, str) or not (HOST_RE.match(target) or _ip(target)):
                raise bad("An external endpoint needs a 'target': a fully qualified domain name or an IP address.",
                          "properties.target")
            return
        parsed = parse_resource_id(tid) if isinstance(tid, str) else None
        body = ctx.body(tid) if parsed is not None and not parsed.is_collection else None
        if body is None:
            raise bad(f"The target resource '{tid}' of the endpoint was not found.", "properties.targetResourceId")
        rec = ctx.record(tid)
        props["targetResourceId"] = rec.id if rec else tid
        ttype = parsed.full_type.lower() if parsed else ""
        if self.kind == "nestedEndpoints":
            if ttype != profiles.TYPE.lower():
                raise bad("A nested endpoint's target must be a Traffic Manager profile.", "properties.targetResourceId")
            if normalize(tid) == normalize(profile_id) or _cycle(ctx, tid, profile_id):
                raise bad("Nesting this profile would create a cycle of nested profiles.",
                          "properties.targetResourceId")
            props["target"] = ((body.get("properties") or {}).get("dnsConfig") or {}).get("fqdn")
            return
        if ttype != PIP_TYPE:
            raise bad("An Azure endpoint's target resource must be a public IP address (the other Azure endpoint "
                      "kinds are not emulated).", "properties.targetResourceId")
        fqdn = ((body.get("properties") or {}).get("dnsSettings") or {}).get("fqdn")
        if not fqdn:
            raise bad(f"The public IP address '{tid}' has no DNS name. Assign a DNS name label to it before using "
                      "it as an Azure endpoint.", "properties.targetResourceId")
        props["target"] = fqdn
        if not props.get("endpointLocation") and body.get("location"):
            props["endpointLocation"] = body["location"]

    def _check_siblings(self, ctx: Ctx, new: dict[str, Any], profile_id: str) -> None:
        props = new["properties"]
        own = normalize(new["id"])
        siblings = [r for r in profiles.endpoint_records(ctx, profile_id) if r.key != own]
        if any(r.body["name"].lower() == new["name"].lower() for r in siblings):
            raise ArmError(409, "Conflict", f"An endpoint named '{new['name']}' already exists in the profile.")
        if len(siblings) >= 200:
            raise bad("A profile can have at most 200 endpoints.")
        used = {(r.body.get("properties") or {}).get("priority") for r in siblings}
        prio = integer(props.get("priority"), "priority", 1, 1000, None)
        if prio is None:
            prio = next(p for p in range(1, 1002) if p not in used)
            if prio > 1000:
                raise bad("No endpoint priority is left in 1-1000.", "properties.priority")
        elif prio in used:
            raise bad(f"The priority {prio} is already used by another endpoint of the profile. Endpoint priorities "
                      "must be unique.", "properties.priority")
        props["priority"] = prio
        mine = {c.upper() for c in props.get("geoMapping") or []}
        for r in siblings:
            theirs = {c.upper() for c in (r.body.get("properties") or {}).get("geoMapping") or []}
            both = mine & theirs
            if both:
                raise bad(f"The geographic region '{sorted(both)[0]}' is already mapped to endpoint "
                          f"'{r.body['name']}'. A region can be mapped to one endpoint only.", "properties.geoMapping")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        profile = ctx.body(profile_of(body["id"])) or {}
        body.setdefault("properties", {})["endpointMonitorStatus"] = \
            monitor_status.endpoint_status(ctx, profile, body)


def recheck(ctx: Ctx, profile: dict[str, Any]) -> None:
    """A profile changed without new endpoints: its endpoints must still fit it."""
    for rec in profiles.endpoint_records(ctx, profile["id"]):
        check_against_profile(profile, rec.type.rsplit("/", 1)[-1], rec.body.get("properties") or {})


for _kind in profiles.ENDPOINT_KINDS:
    REGISTRY.add(ResourceType(f"{profiles.TYPE}/{_kind}", TRAFFIC_MANAGER, model="Endpoint",
                              schema_package="trafficmanager", hooks=EndpointHooks(_kind), location="none",
                              long_running=False, provisioning_state=False,
                              names=NameRule(1, 260, r"^[^/\\?#]+$", "The endpoint name is invalid."),
                              delete_result=profiles.DELETE_RESULT))
