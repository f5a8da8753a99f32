"""Microsoft.Cdn/profiles/originGroups and their origins (Front Door
Standard/Premium): load balancing and health probe settings with Azure's
ranges, origin ports, priority 1–5 and weight 1–1000; an origin group a route
uses cannot be deleted."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Action, Hooks, ResourceType
from .common import (
    API_VERSIONS,
    CHILD_NAMES,
    ORIGIN,
    ORIGIN_GROUP,
    ROUTE,
    bad,
    choice,
    enabled,
    number,
    profile_deleting,
    require_afd,
)
from .name_checks import HOST
from .usages import child_usages

if TYPE_CHECKING:
    from ...arm.context import Ctx


def users_of_group(ctx: Ctx, group_id: str) -> list[str]:
    out = []
    for rec in ctx.referrers(group_id):
        if rec.type.lower() == ROUTE.lower():
            ref = ((rec.body.get("properties") or {}).get("originGroup") or {}).get("id")
            if isinstance(ref, str) and normalize(ref) == normalize(group_id):
                out.append(rec.id)
        elif rec.type.lower() == "microsoft.cdn/profiles/rulesets/rules":
            out.append(rec.id)
    return out


class OriginGroupHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        require_afd(ctx, new["id"], "an origin group")
        props = new["properties"]
        lb = props.get("loadBalancingSettings")
        if lb is None:
            lb = {}
        if not isinstance(lb, dict):
            raise bad("loadBalancingSettings must be an object.", "properties.loadBalancingSettings")
        path = "properties.loadBalancingSettings"
        sample = number(lb.get("sampleSize"), f"{path}.sampleSize", 1, 255, 4)
        needed = number(lb.get("successfulSamplesRequired"), f"{path}.successfulSamplesRequired", 1, 255, 3)
        if needed > sample:  # type: ignore[operator]
            raise bad(f"successfulSamplesRequired ({needed}) cannot be greater than sampleSize ({sample}).",
                      f"{path}.successfulSamplesRequired")
        props["loadBalancingSettings"] = {
            "sampleSize": sample, "successfulSamplesRequired": needed,
            "additionalLatencyInMilliseconds": number(lb.get("additionalLatencyInMilliseconds"),
                                                      f"{path}.additionalLatencyInMilliseconds", 0, 1000, 50)}
        probe = props.get("healthProbeSettings")
        if probe is not None:
            ppath = "properties.healthProbeSettings"
            if not isinstance(probe, dict):
                raise bad("healthProbeSettings must be an object.", ppath)
            probe_path = probe.get("probePath", "/")
            if not isinstance(probe_path, str) or not probe_path.startswith("/") or len(probe_path) > 1024:
                raise bad(f"The probe path '{probe_path}' must start with '/'.", f"{ppath}.probePath")
            props["healthProbeSettings"] = {
                "probePath": probe_path,
                "probeRequestType": choice(probe.get("probeRequestType"), ("NotSet", "GET", "HEAD"),
                                           f"{ppath}.probeRequestType", "HEAD"),
                "probeProtocol": choice(probe.get("probeProtocol"), ("NotSet", "Http", "Https"),
                                        f"{ppath}.probeProtocol", "Http"),
                "probeIntervalInSeconds": number(probe.get("probeIntervalInSeconds"),
                                                 f"{ppath}.probeIntervalInSeconds", 1, 255, 100)}
        restore = props.get("trafficRestorationTimeToHealedOrNewEndpointsInMinutes")
        if restore is not None:
            props["trafficRestorationTimeToHealedOrNewEndpointsInMinutes"] = number(
                restore, "properties.trafficRestorationTimeToHealedOrNewEndpointsInMinutes", 0, 50)
        props["sessionAffinityState"] = enabled(props.get("sessionAffinityState"), "properties.sessionAffinityState",
                                                "Disabled")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["deploymentStatus"] = "NotStarted"

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if profile_deleting(ctx, body["id"]):
            return
        used = users_of_group(ctx, body["id"])
        if used:
            raise bad(f"Origin group {body['name']} cannot be deleted because it is used by {used[0]}. Remove the "
                      "association first.")


def check_host(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad("The origin's hostName is required.", path)
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    if not HOST.match(value) and value != "localhost":
        raise bad(f"The origin host name '{value}' is not a valid domain name or IP address.", path)
    return value


class OriginHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sku = require_afd(ctx, new["id"], "an origin")
        props = new["properties"]
        props["hostName"] = check_host(props.get("hostName"), "properties.hostName")
        props["httpPort"] = number(props.get("httpPort"), "properties.httpPort", 1, 65535, 80)
        props["httpsPort"] = number(props.get("httpsPort"), "properties.httpsPort", 1, 65535, 443)
        props["priority"] = number(props.get("priority"), "properties.priority", 1, 5, 1)
        props["weight"] = number(props.get("weight"), "properties.weight", 1, 1000, 1000)
        props["enabledState"] = enabled(props.get("enabledState"), "properties.enabledState")
        header = props.get("originHostHeader")
        if header is not None:
            props["originHostHeader"] = check_host(header, "properties.originHostHeader") if header else header
        else:
            props["originHostHeader"] = props["hostName"]
        if props.get("enforceCertificateNameCheck") is None:
            props["enforceCertificateNameCheck"] = True
        if props.get("sharedPrivateLinkResource") is not None and sku != "Premium_AzureFrontDoor":
            raise bad("Private link origins need an Azure Front Door Premium profile.",
                      "properties.sharedPrivateLinkResource")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["deploymentStatus"] = "NotStarted"
        new["properties"]["originGroupName"] = new["id"].split("/originGroups/")[1].split("/")[0] \
            if "/originGroups/" in new["id"] else None

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if profile_deleting(ctx, body["id"]):
            return
        group = body["id"].rsplit("/origins/", 1)[0]
        others = [c for c in ctx.children(group, ORIGIN) if c.key != normalize(body["id"])
                  and (c.body.get("properties") or {}).get("enabledState") != "Disabled"]
        used = users_of_group(ctx, group)
        if used and not others:
            raise bad(f"Origin {body['name']} is the last enabled origin of origin group {group.rsplit('/', 1)[1]}, "
                      f"which {used[0]} uses. Add another origin or remove the route first.")


REGISTRY.add(ResourceType(ORIGIN_GROUP, API_VERSIONS, model="AFDOriginGroup", schema_package="cdn", etag=False,
                          hooks=OriginGroupHooks(), location="none", names=CHILD_NAMES,
                          actions=[Action("usages", child_usages(ORIGIN))]))
REGISTRY.add(ResourceType(ORIGIN, API_VERSIONS, model="AFDOrigin", schema_package="cdn", etag=False, hooks=OriginHooks(),
                          location="none", names=CHILD_NAMES))
