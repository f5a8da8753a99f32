"""Microsoft.Cdn/profiles/afdEndpoints/routes: domains (the endpoint's own
host via linkToDefaultDomain, and custom domains of the profile), an origin
group with at least one enabled origin, patterns to match (unique per domain
across the endpoint's routes), protocols, HTTPS redirect, forwarding protocol,
origin path, rule sets and the cache configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, ResourceType
from .common import (
    API_VERSIONS,
    CHILD_NAMES,
    CUSTOM_DOMAIN,
    ORIGIN,
    ORIGIN_GROUP,
    ROUTE,
    RULE_SET,
    bad,
    choice,
    enabled,
    require_afd,
    same_profile_ref,
)

if TYPE_CHECKING:
    from ...arm.context import Ctx

QUERY_BEHAVIOURS = ("IgnoreQueryString", "UseQueryString", "IgnoreSpecifiedQueryStrings",
                    "IncludeSpecifiedQueryStrings")
MAX_PATTERNS = 25


def cache_configuration(node: Any, path: str) -> dict[str, Any] | None:
    if node is None:
        return None
    if not isinstance(node, dict):
        raise bad("cacheConfiguration must be an object.", path)
    behaviour = choice(node.get("queryStringCachingBehavior"), QUERY_BEHAVIOURS,
                       f"{path}.queryStringCachingBehavior", "IgnoreQueryString")
    params = node.get("queryParameters")
    if behaviour in ("IgnoreSpecifiedQueryStrings", "IncludeSpecifiedQueryStrings"):
        if not isinstance(params, str) or not params.strip():
            raise bad(f"queryParameters are required when queryStringCachingBehavior is {behaviour}.",
                      f"{path}.queryParameters")
    out: dict[str, Any] = {"queryStringCachingBehavior": behaviour}
    if params is not None:
        out["queryParameters"] = params
    comp = node.get("compressionSettings")
    if comp is not None:
        if not isinstance(comp, dict):
            raise bad("compressionSettings must be an object.", f"{path}.compressionSettings")
        types = comp.get("contentTypesToCompress") or []
        if not isinstance(types, list) or not all(isinstance(t, str) and "/" in t for t in types):
            raise bad("contentTypesToCompress must be a list of MIME types.", f"{path}.compressionSettings")
        out["compressionSettings"] = {"contentTypesToCompress": types,
                                      "isCompressionEnabled": bool(comp.get("isCompressionEnabled", False))}
    for key in ("cacheBehavior", "cacheDuration", "isCompressionEnabled"):
        if node.get(key) is not None:
            out[key] = node[key]
    return out


def route_domains(body: dict[str, Any]) -> list[str]:
    """Keys of the domains a route serves ('' = the endpoint's own host name)."""
    props = body.get("properties") or {}
    out = [normalize(d["id"]) for d in props.get("customDomains") or [] if isinstance(d, dict) and d.get("id")]
    if props.get("linkToDefaultDomain", "Enabled") == "Enabled":
        out.append("")
    return out


class RouteHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        require_afd(ctx, new["id"], "a route")
        rid = new["id"]
        props = new["properties"]
        group = same_profile_ref(ctx, rid, props.get("originGroup"), "properties.originGroup", ORIGIN_GROUP,
                                 required=True)
        live = [o for o in ctx.children(group, ORIGIN)  # type: ignore[arg-type]
                if (o.body.get("properties") or {}).get("enabledState") != "Disabled"]
        if not live:
            raise bad("Please make sure that the originGroup is created successfully and at least one enabled "
                      "origin is created under the origin group.", "properties.originGroup")
        props["originGroup"] = {"id": group}
        domains = props.get("customDomains") or []
        if not isinstance(domains, list):
            raise bad("customDomains must be a list of references.", "properties.customDomains")
        props["customDomains"] = [{"id": same_profile_ref(ctx, rid, d, f"properties.customDomains[{i}]",
                                                          CUSTOM_DOMAIN, required=True)}
                                  for i, d in enumerate(domains)]
        sets = props.get("ruleSets") or []
        if not isinstance(sets, list):
            raise bad("ruleSets must be a list of references.", "properties.ruleSets")
        props["ruleSets"] = [{"id": same_profile_ref(ctx, rid, s, f"properties.ruleSets[{i}]", RULE_SET,
                                                     required=True)} for i, s in enumerate(sets)]
        props["linkToDefaultDomain"] = enabled(props.get("linkToDefaultDomain"), "properties.linkToDefaultDomain")
        if not props["customDomains"] and props["linkToDefaultDomain"] == "Disabled":
            raise bad("A route must have at least one domain: link the endpoint's default domain or add a custom "
                      "domain.", "properties.customDomains")
        protocols = props.get("supportedProtocols") or ["Http", "Https"]
        if not isinstance(protocols, list) or not protocols:
            raise bad("supportedProtocols must list Http, Https or both.", "properties.supportedProtocols")
        props["supportedProtocols"] = list(dict.fromkeys(
            choice(p, ("Http", "Https"), f"properties.supportedProtocols[{i}]") for i, p in enumerate(protocols)))
        props["httpsRedirect"] = enabled(props.get("httpsRedirect"), "properties.httpsRedirect", "Disabled")
        if props["httpsRedirect"] == "Enabled" and set(props["supportedProtocols"]) != {"Http", "Https"}:
            raise bad("HTTPS redirect needs both Http and Https in supportedProtocols.", "properties.httpsRedirect")
        props["forwardingProtocol"] = choice(props.get("forwardingProtocol"), ("HttpOnly", "HttpsOnly", "MatchRequest"),
                                             "properties.forwardingProtocol", "MatchRequest")
        patterns = props.get("patternsToMatch") or ["/*"]
        if not isinstance(patterns, list) or len(patterns) > MAX_PATTERNS:
            raise bad(f"patternsToMatch must be a list of at most {MAX_PATTERNS} paths.", "properties.patternsToMatch")
        for p in patterns:
            if not isinstance(p, str) or not p.startswith("/") or "*" in p[:-1] or len(p) > 260:
                raise bad(f"The pattern '{p}' is invalid: patterns start with '/' and may end with '*' only.",
                          "properties.patternsToMatch")
        props["patternsToMatch"] = list(dict.fromkeys(patterns))
        origin_path = props.get("originPath")
        if origin_path is not None and (not isinstance(origin_path, str) or not origin_path.startswith("/")):
            raise bad(f"The origin path '{origin_path}' must start with '/'.", "properties.originPath")
        cache = cache_configuration(props.get("cacheConfiguration"), "properties.cacheConfiguration")
        if cache is None:
            props.pop("cacheConfiguration", None)
        else:
            props["cacheConfiguration"] = cache
        props["enabledState"] = enabled(props.get("enabledState"), "properties.enabledState")
        self._conflicts(ctx, new)

    def _conflicts(self, ctx: Ctx, new: dict[str, Any]) -> None:
        endpoint = new["id"].rsplit("/routes/", 1)[0]
        mine = {(d, p.lower()) for d in route_domains(new) for p in new["properties"]["patternsToMatch"]}
        for other in ctx.children(endpoint, ROUTE):
            if other.key == normalize(new["id"]):
                continue
            theirs = {(d, p.lower()) for d in route_domains(other.body)
                      for p in (other.body.get("properties") or {}).get("patternsToMatch") or []}
            clash = mine & theirs
            if clash:
                domain, pattern = sorted(clash)[0]
                raise bad(f"The route conflicts with route {other.id.rsplit('/', 1)[1]}: both map pattern {pattern} "
                          f"on {domain.rsplit('/', 1)[-1] if domain else 'the endpoint domain'}.",
                          "properties.patternsToMatch")
        for d in new["properties"]["customDomains"]:
            for rec in ctx.referrers(d["id"]):
                if rec.type.lower() == ROUTE.lower() and not normalize(rec.id).startswith(normalize(endpoint) + "/"):
                    raise bad(f"The custom domain {d['id'].rsplit('/', 1)[1]} is already associated with endpoint "
                              f"{rec.id.split('/afdEndpoints/')[1].split('/')[0]}; a domain can be associated with "
                              "one endpoint only.", "properties.customDomains")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["deploymentStatus"] = "NotStarted"
        new["properties"]["endpointName"] = new["id"].split("/afdEndpoints/")[1].split("/")[0]


REGISTRY.add(ResourceType(ROUTE, API_VERSIONS, model="Route", schema_package="cdn", etag=False, hooks=RouteHooks(),
                          location="none", names=CHILD_NAMES))
