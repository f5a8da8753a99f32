"""Microsoft.Cdn/profiles/endpoints: classic CDN endpoints (``<name>.azureedge.net``)
of the retired classic CDN profiles, which exist only when created under
AZNET_ALLOW_RETIRED=1 or imported. Origins and origin groups live in the
endpoint's body and are readable and writable as ``endpoints/{e}/origins/{o}``
and ``.../originGroups/{g}``; custom domains are child resources that need a
CNAME to the endpoint in aznet's DNS. Actions: start, stop, purge, load,
validateCustomDomain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm import crud
from ...arm.errors import ArmError
from ...arm.provider_actions import LongRunning, provider_action
from ...arm.registry import REGISTRY, Action, Hooks, ResourceType
from .afd_endpoints import notify_load, notify_purge
from .common import (
    API_VERSIONS,
    CHILD_NAMES,
    CLASSIC_SKUS,
    ENDPOINT,
    ENDPOINT_NAMES,
    bad,
    choice,
    number,
    profile_sku,
)
from .dns_lookup import cname_target
from .name_checks import HOST, host_taken
from .origins import check_host
from .rules import check_action, check_condition

if TYPE_CHECKING:
    from ...arm.context import Ctx

CUSTOM_DOMAIN = "Microsoft.Cdn/profiles/endpoints/customDomains"
QUERY = ("IgnoreQueryString", "BypassCaching", "UseQueryString", "NotSet")
OPTIMIZATION = ("GeneralWebDelivery", "GeneralMediaStreaming", "VideoOnDemandMediaStreaming", "LargeFileDownload",
                "DynamicSiteAcceleration")


def _origins(ep_id: str, nodes: Any) -> list[dict[str, Any]]:
    if not isinstance(nodes, list) or not nodes:
        raise bad("A CDN endpoint needs at least one origin.", "properties.origins")
    if len(nodes) > 10:
        raise bad("A CDN endpoint has at most 10 origins.", "properties.origins")
    out = []
    seen: set[str] = set()
    for i, o in enumerate(nodes):
        path = f"properties.origins[{i}]"
        if not isinstance(o, dict) or not isinstance(o.get("name"), str) or not o["name"]:
            raise bad("Each origin needs a name.", path)
        if o["name"].lower() in seen:
            raise bad(f"Two origins are named {o['name']}.", path)
        seen.add(o["name"].lower())
        p = o.get("properties") or {}
        if not isinstance(p, dict):
            raise bad("An origin's properties must be an object.", f"{path}.properties")
        clean = {"hostName": check_host(p.get("hostName"), f"{path}.properties.hostName"),
                 "httpPort": number(p.get("httpPort"), f"{path}.properties.httpPort", 1, 65535, 80),
                 "httpsPort": number(p.get("httpsPort"), f"{path}.properties.httpsPort", 1, 65535, 443),
                 "priority": number(p.get("priority"), f"{path}.properties.priority", 1, 5, 1),
                 "weight": number(p.get("weight"), f"{path}.properties.weight", 1, 1000, 1000),
                 "enabled": bool(p.get("enabled", True))}
        if p.get("originHostHeader") is not None:
            clean["originHostHeader"] = check_host(p["originHostHeader"], f"{path}.properties.originHostHeader")
        out.append({"name": o["name"], "properties": clean})
    return out


def _groups(ep_id: str, nodes: Any, origin_names: set[str]) -> list[dict[str, Any]]:
    if nodes is None:
        return []
    if not isinstance(nodes, list):
        raise bad("originGroups must be a list.", "properties.originGroups")
    out = []
    for i, g in enumerate(nodes):
        path = f"properties.originGroups[{i}]"
        if not isinstance(g, dict) or not isinstance(g.get("name"), str):
            raise bad("Each origin group needs a name.", path)
        p = g.get("properties") or {}
        refs = p.get("origins") or []
        if not isinstance(refs, list) or not refs:
            raise bad(f"Origin group {g['name']} needs at least one origin.", f"{path}.properties.origins")
        clean_refs = []
        for j, r in enumerate(refs):
            rid = r.get("id") if isinstance(r, dict) else None
            name = rid.rsplit("/origins/", 1)[-1] if isinstance(rid, str) and "/origins/" in rid else None
            if name is None or name.lower() not in origin_names or not rid.lower().startswith(ep_id.lower()):  # type: ignore[union-attr]
                raise bad(f"The origin {rid} of origin group {g['name']} is not an origin of this endpoint.",
                          f"{path}.properties.origins[{j}]")
            clean_refs.append({"id": f"{ep_id}/origins/{name}"})
        clean: dict[str, Any] = {"origins": clean_refs}
        probe = p.get("healthProbeSettings")
        if probe is not None:
            clean["healthProbeSettings"] = probe
        out.append({"name": g["name"], "properties": clean})
    return out


class EndpointHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sku = profile_sku(ctx, new["id"])
        if sku not in CLASSIC_SKUS:
            raise bad(f"That action isn't allowed in this profile: classic CDN endpoints need a classic CDN profile, "
                      f"not {sku}. Use afdEndpoints.")
        props = new["properties"]
        ep_id = new["id"]
        props["origins"] = _origins(ep_id, props.get("origins"))
        names = {o["name"].lower() for o in props["origins"]}
        props["originGroups"] = _groups(ep_id, props.get("originGroups"), names)
        default = props.get("defaultOriginGroup")
        groups = {g["name"].lower(): g["name"] for g in props["originGroups"]}
        if default is not None:
            did = default.get("id") if isinstance(default, dict) else None
            gname = did.rsplit("/originGroups/", 1)[-1].lower() if isinstance(did, str) else ""
            if gname not in groups:
                raise bad(f"The default origin group {did} is not an origin group of this endpoint.",
                          "properties.defaultOriginGroup")
            props["defaultOriginGroup"] = {"id": f"{ep_id}/originGroups/{groups[gname]}"}
        elif len(props["origins"]) > 1 and props["originGroups"]:
            raise bad("An endpoint with several origins and origin groups needs a defaultOriginGroup.",
                      "properties.defaultOriginGroup")
        props["isHttpAllowed"] = bool(props.get("isHttpAllowed", True))
        props["isHttpsAllowed"] = bool(props.get("isHttpsAllowed", True))
        if not props["isHttpAllowed"] and not props["isHttpsAllowed"]:
            raise bad("At least one of isHttpAllowed and isHttpsAllowed must be true.", "properties.isHttpsAllowed")
        props["queryStringCachingBehavior"] = choice(props.get("queryStringCachingBehavior"), QUERY,
                                                     "properties.queryStringCachingBehavior", "IgnoreQueryString")
        if props.get("optimizationType") is not None:
            props["optimizationType"] = choice(props["optimizationType"], OPTIMIZATION, "properties.optimizationType")
        for key in ("originPath",):
            value = props.get(key)
            if value is not None and (not isinstance(value, str) or not value.startswith("/")):
                raise bad(f"{key} '{value}' must start with '/'.", f"properties.{key}")
        policy = props.get("deliveryPolicy")
        if policy is not None:
            rules = policy.get("rules") if isinstance(policy, dict) else None
            if not isinstance(rules, list):
                raise bad("deliveryPolicy.rules must be a list.", "properties.deliveryPolicy.rules")
            for i, r in enumerate(rules):
                rpath = f"properties.deliveryPolicy.rules[{i}]"
                if not isinstance(r, dict):
                    raise bad("A delivery rule must be an object.", rpath)
                r["conditions"] = [check_condition(c, f"{rpath}.conditions[{j}]", False)
                                   for j, c in enumerate(r.get("conditions") or [])]
                r["actions"] = [check_action(ctx, new["id"], a, f"{rpath}.actions[{j}]", False)
                                for j, a in enumerate(r.get("actions") or [])]
        props["hostName"] = f"{new['name']}.azureedge.net"
        taken = host_taken(ctx, props["hostName"], new["id"])
        if taken:
            raise bad(f"The endpoint name {new['name']} is already in use ({props['hostName']}).")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["resourceState"] = ((old or {}).get("properties") or {}).get("resourceState", "Running")
        props.pop("customDomains", None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["customDomains"] = [{"name": c.id.rsplit("/", 1)[1], "id": c.id,
                                   "properties": {"hostName": (c.body.get("properties") or {}).get("hostName")}}
                                  for c in ctx.children(body["id"], CUSTOM_DOMAIN)]


def _state(state: str) -> Any:
    def handler(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
        rec = ctx.record(body["id"])
        if rec is None:
            raise ArmError(404, "NotFound", f"Endpoint {body['id']} was not found.")
        stored = dict(rec.body)
        stored["properties"] = {**(stored.get("properties") or {}), "resourceState": state}
        ctx.write_raw(rec.id, stored)
        return 200, crud.render(ctx, ctx.record(body["id"]))  # type: ignore[arg-type]
    return handler


def _paths(payload: Any, wildcards: bool) -> list[str]:
    paths = payload.get("contentPaths") if isinstance(payload, dict) else None
    if not isinstance(paths, list) or not paths or len(paths) > 100:
        raise bad("contentPaths must list between 1 and 100 paths.", "contentPaths")
    for p in paths:
        if not isinstance(p, str) or not p.startswith("/"):
            raise bad(f"The content path '{p}' must start with '/'.", "contentPaths")
        if not wildcards and "*" in p:
            raise bad(f"Load takes file paths without wildcards: '{p}'.", "contentPaths")
    return paths


def _purge(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    notify_purge(ctx, body["id"], _paths(payload, True), [body["properties"]["hostName"]])
    return 200, None


def _load(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    notify_load(ctx, body["id"], _paths(payload, False), [body["properties"]["hostName"]])
    return 200, None


def _validate_domain(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    host = payload.get("hostName") if isinstance(payload, dict) else None
    if not isinstance(host, str) or not HOST.match(host):
        raise bad(f"The host name '{host}' is not valid.", "hostName")
    if cname_target(ctx, host) == body["properties"]["hostName"].lower():
        return 200, {"customDomainValidated": True, "reason": None, "message": None}
    return 200, {"customDomainValidated": False, "reason": "NoCNameRecord",
                 "message": cname_missing(host, body["properties"]["hostName"])}


def cname_missing(host: str, endpoint_host: str) -> str:
    return (f"We couldn't find a DNS record for custom domain that points to endpoint. To map a domain to this "
            f"endpoint, create a CNAME record with your DNS provider for custom domain {host} that points to "
            f"endpoint {endpoint_host}.")


class EndpointCustomDomainHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        host = props.get("hostName")
        if not isinstance(host, str) or not HOST.match(host):
            raise bad(f"The host name '{host}' is not valid.", "properties.hostName")
        endpoint = ctx.body(new["id"].rsplit("/customDomains/", 1)[0]) or {}
        ep_host = (endpoint.get("properties") or {}).get("hostName", "")
        if old is None and cname_target(ctx, host) != ep_host.lower():
            raise bad(cname_missing(host, ep_host), "properties.hostName")
        taken = host_taken(ctx, host, new["id"])
        if taken:
            raise bad(f"The host name {host} is already used by {taken}.", "properties.hostName")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props.update({"resourceState": "Active",
                      "customHttpsProvisioningState": oldp.get("customHttpsProvisioningState", "Disabled"),
                      "customHttpsProvisioningSubstate": oldp.get("customHttpsProvisioningSubstate", "None"),
                      "validationData": None})


# -- origins and origin groups addressed as children of the endpoint ---------------------------------

_EP = "subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.cdn/profiles/{p}/endpoints/{e}/"


@provider_action(_EP + "origins", "GET", api_versions=API_VERSIONS, name="profiles/endpoints/origins")
@provider_action(_EP + "origins/{name}", ("GET", "PUT", "PATCH", "DELETE"), api_versions=API_VERSIONS,
                 name="profiles/endpoints/origins", body="required", writes=True)
def _origins_child(ctx: Ctx, payload: Any, params: dict[str, str]) -> Any:
    return _child(ctx, payload, params, "origins")


@provider_action(_EP + "origingroups", "GET", api_versions=API_VERSIONS, name="profiles/endpoints/origins")
@provider_action(_EP + "origingroups/{name}", ("GET", "PUT", "PATCH", "DELETE"), api_versions=API_VERSIONS,
                 name="profiles/endpoints/origins", body="required", writes=True)
def _origin_groups_child(ctx: Ctx, payload: Any, params: dict[str, str]) -> Any:
    return _child(ctx, payload, params, "originGroups")


def _child(ctx: Ctx, payload: Any, params: dict[str, str], kind: str) -> Any:
    """Origins and origin groups are kept in the endpoint's body; Azure also addresses them as children."""
    sub, rg, prof, ep = params["sub"], params["rg"], params["p"], params["e"]
    ep_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cdn/profiles/{prof}/endpoints/{ep}"
    body = crud.get_resource(ctx, ep_id)
    items = body["properties"].get(kind) or []
    shown = [{"name": i["name"], "id": f"{body['id']}/{kind}/{i['name']}", "type": f"{ENDPOINT}/{kind}",
              "properties": {**i["properties"], "provisioningState": "Succeeded", "resourceState": "Active"}}
             for i in items]
    name = params.get("name")
    if name is None:
        return 200, {"value": shown}
    current = next((i for i in shown if i["name"].lower() == name.lower()), None)
    if ctx.method in ("GET", "HEAD"):
        if current is None:
            raise ArmError(404, "NotFound", f"The {kind[:-1]} {name} was not found on endpoint {ep}.")
        return 200, current
    if ctx.method == "DELETE":
        if current is None:
            return 204, None
        if kind == "origins" and len(items) == 1:
            raise bad("The last origin of an endpoint cannot be deleted.")
        body["properties"][kind] = [i for i in items if i["name"].lower() != name.lower()]
    else:
        if not isinstance(payload, dict):
            raise bad("The request body must be an object.")
        if ctx.method == "PATCH" and current is not None:
            payload = crud.merge_patch({"properties": dict(current["properties"])}, payload)
        new_item = {"name": current["name"] if current else name, "properties": payload.get("properties") or {}}
        body["properties"][kind] = [i for i in items if i["name"].lower() != name.lower()] + [new_item]
    crud.put_resource(ctx, ep_id, {k: v for k, v in body.items() if k in ("location", "tags", "properties")})
    if ctx.method == "DELETE":
        return LongRunning(202, None, namespace="Microsoft.Cdn", location=body.get("location"), result_status=204)
    result = next(i for i in crud.get_resource(ctx, ep_id)["properties"][kind] if i["name"].lower() == name.lower())
    shown_one = {"name": result["name"], "id": f"{ep_id}/{kind}/{result['name']}", "type": f"{ENDPOINT}/{kind}",
                 "properties": {**result["properties"], "provisioningState": "Succeeded"}}
    return LongRunning(200 if current else 201, shown_one, namespace="Microsoft.Cdn", location=body.get("location"),
                       location_header=False)


REGISTRY.add(ResourceType(ENDPOINT, API_VERSIONS, model="Endpoint", schema_package="cdn", etag=False, hooks=EndpointHooks(),
                          names=ENDPOINT_NAMES,
                          actions=[Action("start", _state("Running"), long_running=True),
                                   Action("stop", _state("Stopped"), long_running=True),
                                   Action("purge", _purge, long_running=True),
                                   Action("load", _load, long_running=True),
                                   Action("validateCustomDomain", _validate_domain)]))
REGISTRY.add(ResourceType(CUSTOM_DOMAIN, API_VERSIONS, model="CustomDomainParameters", schema_package="cdn", etag=False,
                          hooks=EndpointCustomDomainHooks(), location="none", names=CHILD_NAMES))
