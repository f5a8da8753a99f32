"""Microsoft.Network/frontDoors (classic Azure Front Door): frontend
endpoints, backend pools, health probe and load balancing settings, routing
rules (forwarding or redirect), WAF links; every sub-resource inline with its
own id, references checked inside the same Front Door. New classic Front
Doors are refused as Azure refuses them (retired), unless
AZNET_ALLOW_RETIRED=1; existing ones keep working. Actions: purge,
validateCustomDomain; checkFrontDoorNameAvailability."""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from ...arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..cdn.afd_endpoints import sinks
from ..cdn.dns_lookup import cname_target
from ..retirements import CLASSIC_FRONT_DOOR, refuse_new
from .common import FRONT_DOOR, FRONT_DOOR_API, RULES_ENGINE, WAF_POLICY, bad, integer, pick

if TYPE_CHECKING:
    from ...arm.context import Ctx

KINDS = ("frontendEndpoints", "backendPools", "healthProbeSettings", "loadBalancingSettings", "routingRules")
FORWARDING = "#Microsoft.Azure.FrontDoor.Models.FrontdoorForwardingConfiguration"
REDIRECT = "#Microsoft.Azure.FrontDoor.Models.FrontdoorRedirectConfiguration"
HOST = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$")


class FrontDoor:
    def __init__(self, ctx: Ctx, new: dict[str, Any]) -> None:
        self.ctx = ctx
        self.id = new["id"]
        self.props = new["properties"]
        self.names = {k: {i["name"].lower(): i["name"] for i in self.items(k)} for k in KINDS}

    def items(self, kind: str) -> list[dict[str, Any]]:
        items = self.props.get(kind) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
            raise bad(f"properties.{kind} must be a list of named objects.", f"properties.{kind}")
        return items

    def ref(self, node: Any, kind: str, path: str, owner: str, required: bool = True) -> str | None:
        rid = node.get("id") if isinstance(node, dict) else None
        if rid is None:
            if required:
                raise bad(f"{owner} must reference a {kind[:-1]}.", path)
            return None
        prefix = normalize(self.id) + f"/{kind.lower()}/"
        key = normalize(str(rid))
        if not key.startswith(prefix) or key[len(prefix):] not in self.names[kind]:
            raise bad(f"The {kind[:-1]} {rid} referenced by {owner} was not found in Front Door {self.id}.", path)
        return f"{self.id}/{kind}/{self.names[kind][key[len(prefix):]]}"


def _waf_link(ctx: Ctx, node: Any, path: str) -> dict[str, str] | None:
    rid = node.get("id") if isinstance(node, dict) else None
    if rid is None:
        return None
    body = ctx.body(rid)
    if body is None or not normalize(rid).split("/providers/")[-1].startswith(WAF_POLICY.lower()):
        raise bad(f"The WAF policy {rid} was not found.", path)
    if (body.get("sku") or {}).get("name", "Classic_AzureFrontDoor") != "Classic_AzureFrontDoor":
        raise bad(f"The WAF policy {rid} has sku {body['sku']['name']}; classic Front Door needs a "
                  "Classic_AzureFrontDoor policy.", path)
    return {"id": ctx.record(rid).id}  # type: ignore[union-attr]


class FrontDoorHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        refuse_new(ctx, CLASSIC_FRONT_DOOR, new, old)
        fd = FrontDoor(ctx, new)
        props = fd.props
        default_host = f"{new['name']}.azurefd.net".lower()
        fes = fd.items("frontendEndpoints")
        if not any(str((f.get("properties") or {}).get("hostName", "")).lower() == default_host for f in fes):
            raise bad(f"A Front Door needs a frontend endpoint with its default host name {default_host}.",
                      "properties.frontendEndpoints")
        old_hosts = {str((f.get("properties") or {}).get("hostName", "")).lower()
                     for f in ((old or {}).get("properties") or {}).get("frontendEndpoints") or []}
        for i, fe in enumerate(fes):
            path = f"properties.frontendEndpoints[{i}].properties"
            fp = fe.setdefault("properties", {})
            host = fp.get("hostName")
            if not isinstance(host, str) or not HOST.match(host):
                raise bad(f"The frontend host name '{host}' is not valid.", f"{path}.hostName")
            if host.lower() != default_host and host.lower() not in old_hosts:
                if not ctx.platform.settings.allow_retired:
                    raise bad("Azure Front Door (classic) no longer supports new domain onboarding; add custom "
                              "domains to an Azure Front Door Standard or Premium profile.", f"{path}.hostName")
                if cname_target(ctx, host) != default_host:
                    raise bad(f"{host} does not have a CNAME record to {default_host}; Front Door cannot verify the "
                              "custom domain.", f"{path}.hostName")
            fp["sessionAffinityEnabledState"] = pick(fp.get("sessionAffinityEnabledState"), ("Enabled", "Disabled"),
                                                     f"{path}.sessionAffinityEnabledState", "Disabled")
            fp["sessionAffinityTtlSeconds"] = integer(fp.get("sessionAffinityTtlSeconds"),
                                                      f"{path}.sessionAffinityTtlSeconds", 0, 2_147_483_647, 0)
            link = _waf_link(ctx, fp.get("webApplicationFirewallPolicyLink"), f"{path}.webApplicationFirewallPolicyLink")
            if link:
                fp["webApplicationFirewallPolicyLink"] = link
            else:
                fp.pop("webApplicationFirewallPolicyLink", None)
        for i, p in enumerate(fd.items("healthProbeSettings")):
            path = f"properties.healthProbeSettings[{i}].properties"
            pp = p.setdefault("properties", {})
            probe_path = pp.get("path", "/")
            if not isinstance(probe_path, str) or not probe_path.startswith("/"):
                raise bad(f"The probe path '{probe_path}' must start with '/'.", f"{path}.path")
            pp.update({"path": probe_path,
                       "protocol": pick(pp.get("protocol"), ("Http", "Https"), f"{path}.protocol", "Https"),
                       "intervalInSeconds": integer(pp.get("intervalInSeconds"), f"{path}.intervalInSeconds", 5, 255, 30),
                       "healthProbeMethod": pick(pp.get("healthProbeMethod"), ("GET", "HEAD"), f"{path}.healthProbeMethod",
                                                 "HEAD"),
                       "enabledState": pick(pp.get("enabledState"), ("Enabled", "Disabled"), f"{path}.enabledState",
                                            "Enabled")})
        for i, lb in enumerate(fd.items("loadBalancingSettings")):
            path = f"properties.loadBalancingSettings[{i}].properties"
            lp = lb.setdefault("properties", {})
            sample = integer(lp.get("sampleSize"), f"{path}.sampleSize", 1, 255, 4)
            need = integer(lp.get("successfulSamplesRequired"), f"{path}.successfulSamplesRequired", 1, 255, 2)
            if need > sample:  # type: ignore[operator]
                raise bad("successfulSamplesRequired cannot exceed sampleSize.", f"{path}.successfulSamplesRequired")
            lp.update({"sampleSize": sample, "successfulSamplesRequired": need,
                       "additionalLatencyMilliseconds": integer(lp.get("additionalLatencyMilliseconds"),
                                                                f"{path}.additionalLatencyMilliseconds", 0, 1000, 0)})
        for i, pool in enumerate(fd.items("backendPools")):
            path = f"properties.backendPools[{i}].properties"
            pp = pool.setdefault("properties", {})
            owner = f"backend pool {pool['name']}"
            pp["loadBalancingSettings"] = {"id": fd.ref(pp.get("loadBalancingSettings"), "loadBalancingSettings",
                                                        f"{path}.loadBalancingSettings", owner)}
            pp["healthProbeSettings"] = {"id": fd.ref(pp.get("healthProbeSettings"), "healthProbeSettings",
                                                      f"{path}.healthProbeSettings", owner)}
            backends = pp.get("backends") or []
            if not isinstance(backends, list) or not backends or len(backends) > 100:
                raise bad(f"Backend pool {pool['name']} needs between 1 and 100 backends.", f"{path}.backends")
            for j, b in enumerate(backends):
                bpath = f"{path}.backends[{j}]"
                if not isinstance(b, dict):
                    raise bad("A backend must be an object.", bpath)
                addr = b.get("address")
                ok = isinstance(addr, str) and (HOST.match(addr) or _is_ip(addr))
                if not ok:
                    raise bad(f"The backend address '{addr}' is not a host name or IP address.", f"{bpath}.address")
                b.update({"httpPort": integer(b.get("httpPort"), f"{bpath}.httpPort", 1, 65535, 80),
                          "httpsPort": integer(b.get("httpsPort"), f"{bpath}.httpsPort", 1, 65535, 443),
                          "priority": integer(b.get("priority"), f"{bpath}.priority", 1, 5, 1),
                          "weight": integer(b.get("weight"), f"{bpath}.weight", 1, 1000, 50),
                          "enabledState": pick(b.get("enabledState"), ("Enabled", "Disabled"), f"{bpath}.enabledState",
                                               "Enabled"),
                          "backendHostHeader": b.get("backendHostHeader") or addr})
        seen: dict[tuple[str, str], str] = {}
        engines = {normalize(r.id) for r in ctx.children(new["id"], RULES_ENGINE)}
        for i, rule in enumerate(fd.items("routingRules")):
            path = f"properties.routingRules[{i}].properties"
            rp = rule.setdefault("properties", {})
            owner = f"routing rule {rule['name']}"
            fes_ref = rp.get("frontendEndpoints") or []
            if not isinstance(fes_ref, list) or not fes_ref:
                raise bad(f"Routing rule {rule['name']} must reference at least one frontend endpoint.",
                          f"{path}.frontendEndpoints")
            rp["frontendEndpoints"] = [{"id": fd.ref(f, "frontendEndpoints", f"{path}.frontendEndpoints[{j}]", owner)}
                                       for j, f in enumerate(fes_ref)]
            protocols = rp.get("acceptedProtocols") or ["Http", "Https"]
            rp["acceptedProtocols"] = [pick(p, ("Http", "Https"), f"{path}.acceptedProtocols") for p in protocols]
            patterns = rp.get("patternsToMatch") or ["/*"]
            if not isinstance(patterns, list) or not all(isinstance(p, str) and p.startswith("/") for p in patterns):
                raise bad("patternsToMatch must list paths starting with '/'.", f"{path}.patternsToMatch")
            rp["patternsToMatch"] = patterns
            for f in rp["frontendEndpoints"]:
                for p in patterns:
                    key = (normalize(f["id"]), p.lower())
                    if key in seen:
                        raise bad(f"Routing rules {seen[key]} and {rule['name']} both map pattern {p} on frontend "
                                  f"{f['id'].rsplit('/', 1)[1]}.", f"{path}.patternsToMatch")
                    seen[key] = rule["name"]
            rp["enabledState"] = pick(rp.get("enabledState"), ("Enabled", "Disabled"), f"{path}.enabledState", "Enabled")
            self._route_configuration(fd, rp, path, owner)
            engine = (rp.get("rulesEngine") or {}).get("id") if isinstance(rp.get("rulesEngine"), dict) else None
            if engine is not None and normalize(engine) not in engines:
                raise bad(f"The rules engine {engine} was not found in Front Door {new['id']}.", f"{path}.rulesEngine")
            link = _waf_link(ctx, rp.get("webApplicationFirewallPolicyLink"), f"{path}.webApplicationFirewallPolicyLink")
            if link:
                rp["webApplicationFirewallPolicyLink"] = link
        settings = props.get("backendPoolsSettings") or {}
        if not isinstance(settings, dict):
            raise bad("backendPoolsSettings must be an object.", "properties.backendPoolsSettings")
        props["backendPoolsSettings"] = {
            "enforceCertificateNameCheck": pick(settings.get("enforceCertificateNameCheck"), ("Enabled", "Disabled"),
                                                "properties.backendPoolsSettings.enforceCertificateNameCheck", "Enabled"),
            "sendRecvTimeoutSeconds": integer(settings.get("sendRecvTimeoutSeconds"),
                                              "properties.backendPoolsSettings.sendRecvTimeoutSeconds", 16, 240, 30)}
        props["enabledState"] = pick(props.get("enabledState"), ("Enabled", "Disabled"), "properties.enabledState",
                                     "Enabled")

    def _route_configuration(self, fd: FrontDoor, rp: dict[str, Any], path: str, owner: str) -> None:
        conf = rp.get("routeConfiguration")
        cpath = f"{path}.routeConfiguration"
        if not isinstance(conf, dict):
            raise bad(f"Routing rule {owner} needs a routeConfiguration.", cpath)
        kind = conf.get("@odata.type")
        if kind == FORWARDING:
            conf["backendPool"] = {"id": fd.ref(conf.get("backendPool"), "backendPools", f"{cpath}.backendPool", owner)}
            conf["forwardingProtocol"] = pick(conf.get("forwardingProtocol"), ("HttpOnly", "HttpsOnly", "MatchRequest"),
                                              f"{cpath}.forwardingProtocol", "MatchRequest")
            fwd = conf.get("customForwardingPath")
            if fwd is not None and (not isinstance(fwd, str) or not fwd.startswith("/")):
                raise bad(f"customForwardingPath '{fwd}' must start with '/'.", f"{cpath}.customForwardingPath")
            cache = conf.get("cacheConfiguration")
            if cache is not None:
                if not isinstance(cache, dict):
                    raise bad("cacheConfiguration must be an object.", f"{cpath}.cacheConfiguration")
                cache["queryParameterStripDirective"] = pick(
                    cache.get("queryParameterStripDirective"), ("StripNone", "StripAll", "StripOnly", "StripAllExcept"),
                    f"{cpath}.cacheConfiguration.queryParameterStripDirective", "StripAll")
                cache["dynamicCompression"] = pick(cache.get("dynamicCompression"), ("Enabled", "Disabled"),
                                                   f"{cpath}.cacheConfiguration.dynamicCompression", "Enabled")
        elif kind == REDIRECT:
            conf["redirectType"] = pick(conf.get("redirectType"), ("Moved", "Found", "TemporaryRedirect",
                                                                   "PermanentRedirect"), f"{cpath}.redirectType", "Moved")
            conf["redirectProtocol"] = pick(conf.get("redirectProtocol"), ("HttpOnly", "HttpsOnly", "MatchRequest"),
                                            f"{cpath}.redirectProtocol", "MatchRequest")
            custom_path = conf.get("customPath")
            if custom_path is not None and (not isinstance(custom_path, str) or not custom_path.startswith("/")):
                raise bad(f"customPath '{custom_path}' must start with '/'.", f"{cpath}.customPath")
        else:
            raise bad(f"routeConfiguration @odata.type must be {FORWARDING} or {REDIRECT}.", f"{cpath}.@odata.type")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["cname"] = f"{new['name']}.azurefd.net"
        props["frontdoorId"] = oldp.get("frontdoorId") or str(uuid.uuid4())
        props["resourceState"] = "Enabled" if props.get("enabledState") == "Enabled" else "Disabled"
        for key in ("rulesEngines", "extendedProperties"):
            props.pop(key, None)
        for kind in KINDS:
            props[kind] = [{"name": i["name"], "id": f"{new['id']}/{kind}/{i['name']}", "type": f"{FRONT_DOOR}/{kind}",
                            "properties": {**(i.get("properties") or {}), "resourceState": "Enabled"}}
                           for i in props.get(kind) or []]

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        engines = ctx.children(body["id"], RULES_ENGINE)
        props["rulesEngines"] = [ctx.rendered(r.id) for r in engines]


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def _purge(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    paths = payload.get("contentPaths") if isinstance(payload, dict) else None
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise bad("contentPaths must be a non-empty list of paths starting with '/'.", "contentPaths")
    for sink in sinks(ctx):
        sink.purge_front_door(body["id"], list(paths))
    return 200, None


def _validate_domain(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    host = payload.get("hostName") if isinstance(payload, dict) else None
    if not isinstance(host, str) or not HOST.match(host):
        raise bad(f"The host name '{host}' is not valid.", "hostName")
    want = f"{body['name']}.azurefd.net".lower()
    if cname_target(ctx, host) == want:
        return 200, {"customDomainValidated": True, "reason": None, "message": None}
    return 200, {"customDomainValidated": False, "reason": "NoCNameRecord",
                 "message": f"{host} does not have a CNAME record to {want}."}


@provider_action("subscriptions/{sub}/providers/microsoft.network/checkfrontdoornameavailability",
                 api_versions=FRONT_DOOR_API, name="checkFrontDoorNameAvailability", body="required")
@provider_action("providers/microsoft.network/checkfrontdoornameavailability",
                 api_versions=FRONT_DOOR_API, name="checkFrontDoorNameAvailability", body="required")
def check_name(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    name = payload.get("name") if isinstance(payload, dict) else None
    rtype = payload.get("type") if isinstance(payload, dict) else None
    if not isinstance(name, str) or not isinstance(rtype, str) or rtype.lower() not in (
            "microsoft.network/frontdoors", "microsoft.network/frontdoors/frontendendpoints"):
        raise ArmError(400, "BadRequest", "The request needs name and type (Microsoft.Network/frontDoors or "
                                          "Microsoft.Network/frontDoors/frontendEndpoints).")
    host = name.lower() if "." in name else f"{name.lower()}.azurefd.net"
    for rec in ctx.of_type(FRONT_DOOR):
        for fe in (rec.body.get("properties") or {}).get("frontendEndpoints") or []:
            if str((fe.get("properties") or {}).get("hostName", "")).lower() == host:
                return 200, {"nameAvailability": "Unavailable", "reason": "Name is already in use",
                             "message": f"{host} is already used by {rec.id}."}
    if not re.match(r"^[a-zA-Z0-9]+([-a-zA-Z0-9]?[a-zA-Z0-9])*$", name.split(".")[0]) or len(name.split(".")[0]) < 5:
        return 200, {"nameAvailability": "Unavailable", "reason": "Invalid",
                     "message": "A Front Door name has 5 to 64 letters, digits and hyphens."}
    return 200, {"nameAvailability": "Available"}


_FE = "subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/frontdoors/{fd}/frontendendpoints"


@provider_action(_FE, "GET", api_versions=FRONT_DOOR_API, name="frontDoors/frontendEndpoints")
@provider_action(_FE + "/{fe}", "GET", api_versions=FRONT_DOOR_API, name="frontDoors/frontendEndpoints")
def _inline(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    """GET of a classic Front Door's frontend endpoints (list or one), as the SDK reads them."""
    from ...arm import crud

    sub, rg, name = params["sub"], params["rg"], params["fd"]
    fd_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/frontDoors/{name}"
    body = crud.get_resource(ctx, fd_id)
    items = (body.get("properties") or {}).get("frontendEndpoints") or []
    one = params.get("fe")
    if one is None:
        return 200, {"value": items}
    for item in items:
        if item["name"].lower() == one.lower():
            return 200, item
    raise ArmError(404, "NotFound", f"Frontend endpoint {one} was not found in Front Door {name}.")


REGISTRY.add(ResourceType(FRONT_DOOR, FRONT_DOOR_API, model="FrontDoor", schema_package="frontdoor", etag=False,
                          hooks=FrontDoorHooks(), global_location=True,
                          names=NameRule(5, 64, r"^[a-zA-Z0-9]+([-a-zA-Z0-9]?[a-zA-Z0-9])*$",
                                         "The name has letters, digits and hyphens, starting and ending with a letter "
                                         "or digit."),
                          actions=[Action("purge", _purge, long_running=True),
                                   Action("validateCustomDomain", _validate_domain)]))
