"""Microsoft.Cdn/profiles/ruleSets and their rules: every condition and
action of Azure's rules engine, checked by type name, operator, selector,
match values, transforms and parameters; rule order unique within a set; a
rule set a route uses cannot be deleted."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Action, Hooks, ResourceType
from .common import (
    API_VERSIONS,
    ORIGIN_GROUP,
    ROUTE,
    RULE,
    RULE_NAMES,
    RULE_SET,
    bad,
    choice,
    profile_deleting,
    require_afd,
    same_profile_ref,
)
from .routes import cache_configuration
from .rule_tables import ACTIONS, AFD_ACTIONS, CONDITIONS, TRANSFORMS
from .usages import child_usages

if TYPE_CHECKING:
    from ...arm.context import Ctx

MAX_CONDITIONS = 10
MAX_ACTIONS = 5
DURATION = re.compile(r"^(\d{1,3}\.)?([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")


def _match_values(name: str, op: str, values: Any, allowed: tuple[str, ...] | None, path: str) -> list[str]:
    if values is None:
        values = []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad(f"matchValues of the {name} condition must be a list of strings.", path)
    if op == "Any":
        return values
    if not values:
        raise bad(f"The {name} condition with operator {op} needs at least one match value.", path)
    if len(values) > 25 and op != "IPMatch":
        raise bad(f"The {name} condition takes at most 25 match values.", path)
    if allowed is not None:
        canon = {a.lower(): a for a in allowed}
        bad_values = [v for v in values if v.lower() not in canon]
        if bad_values:
            raise bad(f"The value '{bad_values[0]}' is not valid for the {name} condition. Allowed values are: "
                      f"{', '.join(allowed)}.", path)
        return [canon[v.lower()] for v in values]
    if op == "IPMatch":
        for v in values:
            try:
                ipaddress.ip_network(v, strict=False)
            except ValueError:
                raise bad(f"The value '{v}' of the {name} condition is not an IP address or CIDR range.", path) \
                    from None
    if op == "GeoMatch":
        for v in values:
            if not re.match(r"^[A-Za-z]{2}$", v):
                raise bad(f"The value '{v}' of the {name} condition is not a two-letter country code.", path)
    if op == "RegEx":
        for v in values:
            try:
                re.compile(v)
            except re.error:
                raise bad(f"The value '{v}' of the {name} condition is not a valid regular expression.", path) \
                    from None
    if name in ("ClientPort", "ServerPort") and op not in ("RegEx", "Contains", "BeginsWith", "EndsWith"):
        for v in values:
            if not v.isdigit() or not 0 < int(v) < 65536:
                raise bad(f"The value '{v}' of the {name} condition is not a port number.", path)
    return values


def check_condition(cond: Any, path: str, afd: bool) -> dict[str, Any]:
    if not isinstance(cond, dict):
        raise bad("A condition must be an object with name and parameters.", path)
    name = choice(cond.get("name"), tuple(CONDITIONS), f"{path}.name")
    if name is None:
        raise bad("A condition needs a name.", f"{path}.name")
    type_name, operators, needs_selector, allowed = CONDITIONS[name]
    params = cond.get("parameters")
    if not isinstance(params, dict):
        raise bad(f"The {name} condition needs parameters.", f"{path}.parameters")
    if params.get("typeName") != type_name:
        raise bad(f"The parameters of the {name} condition must have typeName {type_name}.", f"{path}.parameters.typeName")
    op = choice(params.get("operator"), operators, f"{path}.parameters.operator")
    if op is None:
        raise bad(f"The {name} condition needs an operator.", f"{path}.parameters.operator")
    out: dict[str, Any] = {"typeName": type_name, "operator": op,
                           "negateCondition": bool(params.get("negateCondition", False)),
                           "matchValues": _match_values(name, op, params.get("matchValues"), allowed,
                                                        f"{path}.parameters.matchValues")}
    selector = params.get("selector")
    if needs_selector:
        if not isinstance(selector, str) or not selector:
            raise bad(f"The {name} condition needs a selector.", f"{path}.parameters.selector")
        out["selector"] = selector
    elif selector is not None:
        raise bad(f"The {name} condition takes no selector.", f"{path}.parameters.selector")
    transforms = params.get("transforms") or []
    if not isinstance(transforms, list):
        raise bad("transforms must be a list.", f"{path}.parameters.transforms")
    out["transforms"] = [choice(t, TRANSFORMS, f"{path}.parameters.transforms[{i}]") for i, t in enumerate(transforms)]
    del afd
    return {"name": name, "parameters": out}


def _header(params: dict[str, Any], path: str) -> dict[str, Any]:
    action = choice(params.get("headerAction"), ("Append", "Overwrite", "Delete"), f"{path}.headerAction")
    name = params.get("headerName")
    if action is None or not isinstance(name, str) or not re.match(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name):
        raise bad("A header action needs headerAction and a valid headerName.", path)
    value = params.get("value")
    if action != "Delete" and not isinstance(value, str):
        raise bad(f"The {action} header action needs a value.", f"{path}.value")
    out = {"headerAction": action, "headerName": name}
    if value is not None:
        out["value"] = value
    return out


def check_action(ctx: Ctx, rule_id: str, action: Any, path: str, afd: bool) -> dict[str, Any]:
    if not isinstance(action, dict):
        raise bad("An action must be an object with name and parameters.", path)
    name = choice(action.get("name"), tuple(ACTIONS), f"{path}.name")
    if name is None:
        raise bad("An action needs a name.", f"{path}.name")
    if afd and name not in AFD_ACTIONS:
        raise bad(f"The {name} action is not supported in Azure Front Door rule sets.", f"{path}.name")
    params = action.get("parameters")
    ppath = f"{path}.parameters"
    if not isinstance(params, dict) or params.get("typeName") != ACTIONS[name]:
        raise bad(f"The parameters of the {name} action must have typeName {ACTIONS[name]}.", ppath)
    out: dict[str, Any] = {"typeName": ACTIONS[name]}
    if name in ("ModifyRequestHeader", "ModifyResponseHeader"):
        out.update(_header(params, ppath))
    elif name == "UrlRedirect":
        out["redirectType"] = choice(params.get("redirectType"), ("Moved", "Found", "TemporaryRedirect",
                                                                  "PermanentRedirect"), f"{ppath}.redirectType")
        if out["redirectType"] is None:
            raise bad("The UrlRedirect action needs a redirectType.", f"{ppath}.redirectType")
        out["destinationProtocol"] = choice(params.get("destinationProtocol"), ("MatchRequest", "Http", "Https"),
                                            f"{ppath}.destinationProtocol", "MatchRequest")
        path_value = params.get("customPath")
        if path_value is not None and (not isinstance(path_value, str) or not path_value.startswith("/")):
            raise bad(f"customPath '{path_value}' must start with '/'.", f"{ppath}.customPath")
        query = params.get("customQueryString")
        if query is not None and (not isinstance(query, str) or query.startswith("?")):
            raise bad("customQueryString must not start with '?'.", f"{ppath}.customQueryString")
        fragment = params.get("customFragment")
        if fragment is not None and (not isinstance(fragment, str) or fragment.startswith("#")):
            raise bad("customFragment must not start with '#'.", f"{ppath}.customFragment")
        host = params.get("customHostname")
        if host is not None and (not isinstance(host, str) or "/" in host or ":" in host):
            raise bad(f"customHostname '{host}' must be a host name without scheme or path.", f"{ppath}.customHostname")
        for key, value in (("customPath", path_value), ("customQueryString", query), ("customFragment", fragment),
                           ("customHostname", host)):
            if value is not None:
                out[key] = value
    elif name == "UrlRewrite":
        source, dest = params.get("sourcePattern"), params.get("destination")
        for key, value in (("sourcePattern", source), ("destination", dest)):
            if not isinstance(value, str) or not value.startswith("/"):
                raise bad(f"The UrlRewrite action's {key} must start with '/'.", f"{ppath}.{key}")
        out.update({"sourcePattern": source, "destination": dest,
                    "preserveUnmatchedPath": bool(params.get("preserveUnmatchedPath", True))})
    elif name == "CacheExpiration":
        behaviour = choice(params.get("cacheBehavior"), ("BypassCache", "Override", "SetIfMissing"),
                           f"{ppath}.cacheBehavior")
        duration = params.get("cacheDuration")
        if behaviour is None:
            raise bad("The CacheExpiration action needs a cacheBehavior.", f"{ppath}.cacheBehavior")
        if behaviour != "BypassCache" and (not isinstance(duration, str) or not DURATION.match(duration)):
            raise bad(f"cacheDuration '{duration}' must be [d.]hh:mm:ss.", f"{ppath}.cacheDuration")
        out.update({"cacheBehavior": behaviour, "cacheType": choice(params.get("cacheType"), ("All",),
                                                                     f"{ppath}.cacheType", "All")})
        if duration is not None:
            out["cacheDuration"] = duration
    elif name == "CacheKeyQueryString":
        behaviour = choice(params.get("queryStringBehavior"), ("Include", "IncludeAll", "Exclude", "ExcludeAll"),
                           f"{ppath}.queryStringBehavior")
        if behaviour is None:
            raise bad("The CacheKeyQueryString action needs a queryStringBehavior.", f"{ppath}.queryStringBehavior")
        qp = params.get("queryParameters")
        if behaviour in ("Include", "Exclude") and (not isinstance(qp, str) or not qp):
            raise bad(f"queryParameters are required with queryStringBehavior {behaviour}.", f"{ppath}.queryParameters")
        out.update({"queryStringBehavior": behaviour, **({"queryParameters": qp} if qp is not None else {})})
    elif name == "RouteConfigurationOverride":
        over = params.get("originGroupOverride")
        if over is not None:
            if not isinstance(over, dict):
                raise bad("originGroupOverride must be an object.", f"{ppath}.originGroupOverride")
            group = same_profile_ref(ctx, rule_id, over.get("originGroup"), f"{ppath}.originGroupOverride.originGroup",
                                     ORIGIN_GROUP, required=True)
            out["originGroupOverride"] = {
                "originGroup": {"id": group},
                "forwardingProtocol": choice(over.get("forwardingProtocol"), ("HttpOnly", "HttpsOnly", "MatchRequest"),
                                             f"{ppath}.originGroupOverride.forwardingProtocol", "MatchRequest")}
        cache = params.get("cacheConfiguration")
        if cache is not None:
            clean = cache_configuration(cache, f"{ppath}.cacheConfiguration") or {}
            if cache.get("cacheBehavior") is not None:
                clean["cacheBehavior"] = choice(cache.get("cacheBehavior"), ("HonorOrigin", "OverrideAlways",
                                                                             "OverrideIfOriginMissing"),
                                                f"{ppath}.cacheConfiguration.cacheBehavior")
            duration = cache.get("cacheDuration")
            if duration is not None and (not isinstance(duration, str) or not DURATION.match(duration)):
                raise bad(f"cacheDuration '{duration}' must be [d.]hh:mm:ss.", f"{ppath}.cacheConfiguration.cacheDuration")
            if cache.get("isCompressionEnabled") is not None:
                clean["isCompressionEnabled"] = choice(cache.get("isCompressionEnabled"), ("Enabled", "Disabled"),
                                                       f"{ppath}.cacheConfiguration.isCompressionEnabled")
            clean.pop("compressionSettings", None)
            out["cacheConfiguration"] = clean
        if over is None and cache is None:
            raise bad("The RouteConfigurationOverride action needs originGroupOverride or cacheConfiguration.", ppath)
    elif name == "OriginGroupOverride":
        group = params.get("originGroup")
        if not isinstance(group, dict) or not isinstance(group.get("id"), str):
            raise bad("The OriginGroupOverride action needs originGroup.", f"{ppath}.originGroup")
        out["originGroup"] = {"id": group["id"]}
    elif name == "UrlSigning":
        out.update({k: params[k] for k in ("algorithm", "parameterNameOverride") if params.get(k) is not None})
    return {"name": name, "parameters": out}


class RuleSetHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        require_afd(ctx, new["id"], "a rule set")
        if len(new["name"]) > 60:
            raise bad("Rule set names are at most 60 characters.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["deploymentStatus"] = "NotStarted"
        new["properties"]["profileName"] = new["id"].split("/profiles/")[1].split("/")[0]

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if profile_deleting(ctx, body["id"]):
            return
        for rec in ctx.referrers(body["id"]):
            if rec.type.lower() == ROUTE.lower():
                raise bad(f"Rule set {body['name']} cannot be deleted because route {rec.id.rsplit('/', 1)[1]} uses "
                          "it. Remove it from the route first.")


class RuleHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        require_afd(ctx, new["id"], "a rule")
        props = new["properties"]
        order = props.get("order")
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 1000:
            raise bad("The rule's order is required: an integer from 0 to 1000.", "properties.order")
        rule_set = new["id"].rsplit("/rules/", 1)[0]
        for other in ctx.children(rule_set, RULE):
            if other.key != normalize(new["id"]) and (other.body.get("properties") or {}).get("order") == order:
                raise bad(f"Rule {other.id.rsplit('/', 1)[1]} of the rule set already has order {order}; orders must "
                          "be unique within a rule set.", "properties.order")
        conds = props.get("conditions") or []
        if not isinstance(conds, list) or len(conds) > MAX_CONDITIONS:
            raise bad(f"A rule has at most {MAX_CONDITIONS} conditions.", "properties.conditions")
        acts = props.get("actions")
        if not isinstance(acts, list) or not acts or len(acts) > MAX_ACTIONS:
            raise bad(f"A rule needs between 1 and {MAX_ACTIONS} actions.", "properties.actions")
        props["conditions"] = [check_condition(c, f"properties.conditions[{i}]", True) for i, c in enumerate(conds)]
        props["actions"] = [check_action(ctx, new["id"], a, f"properties.actions[{i}]", True)
                            for i, a in enumerate(acts)]
        props["matchProcessingBehavior"] = choice(props.get("matchProcessingBehavior"), ("Continue", "Stop"),
                                                  "properties.matchProcessingBehavior", "Continue")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["deploymentStatus"] = "NotStarted"
        new["properties"]["ruleSetName"] = new["id"].split("/ruleSets/")[1].split("/")[0]


# put_body_optional: Azure's SDKs create a rule set with an empty body (it has no settable properties)
REGISTRY.add(ResourceType(RULE_SET, API_VERSIONS, model="RuleSet", schema_package="cdn", etag=False, hooks=RuleSetHooks(),
                          location="none", names=RULE_NAMES, actions=[Action("usages", child_usages(RULE))],
                          put_body_optional=True))
REGISTRY.add(ResourceType(RULE, API_VERSIONS, model="Rule", schema_package="cdn", etag=False, hooks=RuleHooks(),
                          location="none", names=RULE_NAMES))

