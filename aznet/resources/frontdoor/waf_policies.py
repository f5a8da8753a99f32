"""Microsoft.Network/FrontDoorWebApplicationFirewallPolicies (azure-mgmt-frontdoor):
policy settings, custom rules (match and rate-limit, with Front Door's match
variables, operators and transforms), managed rule sets checked against the
catalogue ``FrontDoorWebApplicationFirewallManagedRuleSets``; managed rules
need the Premium (or Classic) SKU. Links from classic frontend endpoints and
Microsoft.Cdn security policies are shown at read time; a linked policy
cannot be deleted."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..network.application_gateways.catalogue import BOT_GROUPS, rule_groups
from ..network.waf_match import match_values, unique_priorities
from .common import FRONT_DOOR, WAF_API, WAF_POLICY, bad, integer, pick

if TYPE_CHECKING:
    from ...arm.context import Ctx

SKUS = ("Classic_AzureFrontDoor", "Standard_AzureFrontDoor", "Premium_AzureFrontDoor")
VARIABLES = ("RemoteAddr", "RequestMethod", "QueryString", "PostArgs", "RequestUri", "RequestHeader", "RequestBody",
             "Cookies", "SocketAddr")
OPERATORS = ("Any", "IPMatch", "GeoMatch", "Equal", "Contains", "LessThan", "GreaterThan", "LessThanOrEqual",
             "GreaterThanOrEqual", "BeginsWith", "EndsWith", "RegEx", "ServiceTagMatch")
TRANSFORMS = ("Lowercase", "Uppercase", "Trim", "UrlDecode", "UrlEncode", "RemoveNulls")
ACTIONS = ("Allow", "Block", "Log", "Redirect", "AnomalyScoring", "JSChallenge", "CAPTCHA")
BLOCK_STATUS = (200, 403, 405, 406, 429)
EXCLUSION_VARIABLES = ("RequestHeaderNames", "RequestCookieNames", "QueryStringArgNames", "RequestBodyPostArgNames",
                       "RequestBodyJsonArgNames")
EXCLUSION_OPERATORS = ("Equals", "Contains", "StartsWith", "EndsWith", "EqualsAny")
RULE_SETS = [("DefaultRuleSet", "1.0"), ("Microsoft_DefaultRuleSet", "1.1"), ("Microsoft_DefaultRuleSet", "2.0"),
             ("Microsoft_DefaultRuleSet", "2.1"), ("Microsoft_BotManagerRuleSet", "1.0"),
             ("Microsoft_BotManagerRuleSet", "1.1")]
NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9]{0,127}$")


def groups_of(set_type: str) -> dict[str, list[tuple[str, str]]]:
    if set_type == "Microsoft_BotManagerRuleSet":
        return BOT_GROUPS
    return rule_groups("Microsoft_DefaultRuleSet", "2.1")


def _settings(node: Any) -> dict[str, Any]:
    path = "properties.policySettings"
    node = node or {}
    if not isinstance(node, dict):
        raise bad("policySettings must be an object.", path)
    out: dict[str, Any] = {
        "enabledState": pick(node.get("enabledState"), ("Enabled", "Disabled"), f"{path}.enabledState", "Enabled"),
        "mode": pick(node.get("mode"), ("Prevention", "Detection"), f"{path}.mode", "Prevention"),
        "requestBodyCheck": pick(node.get("requestBodyCheck"), ("Enabled", "Disabled"), f"{path}.requestBodyCheck",
                                 "Enabled"),
    }
    url = node.get("redirectUrl")
    if url is not None:
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise bad(f"redirectUrl '{url}' must be an absolute http or https URL.", f"{path}.redirectUrl")
        out["redirectUrl"] = url
    code = node.get("customBlockResponseStatusCode")
    if code is not None:
        if code not in BLOCK_STATUS:
            raise bad(f"customBlockResponseStatusCode {code} is not supported; use one of "
                      f"{', '.join(map(str, BLOCK_STATUS))}.", f"{path}.customBlockResponseStatusCode")
        out["customBlockResponseStatusCode"] = code
    body = node.get("customBlockResponseBody")
    if body is not None:
        try:
            if not isinstance(body, str) or len(body) > 32768:
                raise ValueError
            base64.b64decode(body, validate=True)
        except (ValueError, binascii.Error):
            raise bad("customBlockResponseBody must be base64 text of at most 32768 characters.",
                      f"{path}.customBlockResponseBody") from None
        out["customBlockResponseBody"] = body
    for key, low, high in (("javascriptChallengeExpirationInMinutes", 5, 1440), ("captchaExpirationInMinutes", 5, 1440)):
        if node.get(key) is not None:
            out[key] = integer(node.get(key), f"{path}.{key}", low, high)
    if node.get("logScrubbing") is not None:
        out["logScrubbing"] = node["logScrubbing"]
    return out


def _custom_rules(node: Any, redirect_url: str | None) -> dict[str, Any]:
    path = "properties.customRules"
    if node is None:
        return {"rules": []}
    rules = node.get("rules") if isinstance(node, dict) else None
    if rules is None:
        rules = []
    if not isinstance(rules, list) or len(rules) > 100:
        raise bad("customRules.rules must be a list of at most 100 rules.", f"{path}.rules")
    out = []
    for i, r in enumerate(rules):
        rpath = f"{path}.rules[{i}]"
        if not isinstance(r, dict):
            raise bad("A custom rule must be an object.", rpath)
        name = r.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise bad(f"Custom rule name '{name}' is invalid: it starts with a letter and has up to 128 letters and "
                      "digits.", f"{rpath}.name")
        prio = r.get("priority")
        if isinstance(prio, bool) or not isinstance(prio, int) or prio < 0:
            raise bad(f"Custom rule {name} needs a non-negative integer priority.", f"{rpath}.priority")
        kind = pick(r.get("ruleType"), ("MatchRule", "RateLimitRule"), f"{rpath}.ruleType")
        action = pick(r.get("action"), ACTIONS, f"{rpath}.action")
        if kind is None or action is None:
            raise bad(f"Custom rule {name} needs a ruleType and an action.", rpath)
        if action == "Redirect" and not redirect_url:
            raise bad(f"Custom rule {name} redirects, which needs policySettings.redirectUrl.", f"{rpath}.action")
        rule: dict[str, Any] = {"name": name, "priority": prio, "ruleType": kind, "action": action,
                                "enabledState": pick(r.get("enabledState"), ("Enabled", "Disabled"),
                                                     f"{rpath}.enabledState", "Enabled")}
        if kind == "RateLimitRule":
            rule["rateLimitDurationInMinutes"] = integer(r.get("rateLimitDurationInMinutes"),
                                                         f"{rpath}.rateLimitDurationInMinutes", 0, 5, 1)
            if rule["rateLimitDurationInMinutes"] not in (1, 5):
                raise bad("rateLimitDurationInMinutes must be 1 or 5.", f"{rpath}.rateLimitDurationInMinutes")
            rule["rateLimitThreshold"] = integer(r.get("rateLimitThreshold"), f"{rpath}.rateLimitThreshold", 10,
                                                 10_000_000)
            if rule["rateLimitThreshold"] is None:
                raise bad(f"Rate limit rule {name} needs rateLimitThreshold (at least 10).",
                          f"{rpath}.rateLimitThreshold")
            groups = r.get("groupBy") or []
            if not isinstance(groups, list):
                raise bad("groupBy must be a list.", f"{rpath}.groupBy")
            rule["groupBy"] = [{"variableName": pick((g or {}).get("variableName") if isinstance(g, dict) else None,
                                                     ("SocketAddr", "GeoLocation", "None"),
                                                     f"{rpath}.groupBy[{k}].variableName", "None")}
                               for k, g in enumerate(groups)]
        conds = r.get("matchConditions")
        if not isinstance(conds, list) or not conds or len(conds) > 10:
            raise bad(f"Custom rule {name} needs between 1 and 10 match conditions.", f"{rpath}.matchConditions")
        clean = []
        for k, c in enumerate(conds):
            cpath = f"{rpath}.matchConditions[{k}]"
            if not isinstance(c, dict):
                raise bad("A match condition must be an object.", cpath)
            var = pick(c.get("matchVariable"), VARIABLES, f"{cpath}.matchVariable")
            op = pick(c.get("operator"), OPERATORS, f"{cpath}.operator")
            if var is None or op is None:
                raise bad("A match condition needs matchVariable and operator.", cpath)
            selector = c.get("selector")
            if var in ("RequestHeader", "Cookies", "PostArgs") and not selector:
                raise bad(f"The match variable {var} needs a selector.", f"{cpath}.selector")
            if op in ("IPMatch", "GeoMatch") and var not in ("RemoteAddr", "SocketAddr"):
                raise bad(f"The {op} operator applies to RemoteAddr and SocketAddr only.", f"{cpath}.operator")
            transforms = c.get("transforms") or []
            if not isinstance(transforms, list):
                raise bad("transforms must be a list.", f"{cpath}.transforms")
            entry: dict[str, Any] = {
                "matchVariable": var, "operator": op, "negateCondition": bool(c.get("negateCondition", False)),
                "matchValue": match_values("RegEx" if op == "RegEx" else op, c.get("matchValue"),
                                           f"{cpath}.matchValue", name) if op != "ServiceTagMatch"
                else list(c.get("matchValue") or []),
                "transforms": [pick(t, TRANSFORMS, f"{cpath}.transforms[{j}]") for j, t in enumerate(transforms)]}
            if selector is not None:
                entry["selector"] = selector
            clean.append(entry)
        rule["matchConditions"] = clean
        out.append(rule)
    unique_priorities(out, "priority", "policy")
    return {"rules": out}


def _exclusions(nodes: Any, path: str) -> list[dict[str, Any]]:
    if nodes is None:
        return []
    if not isinstance(nodes, list):
        raise bad("exclusions must be a list.", path)
    out = []
    for i, e in enumerate(nodes):
        if not isinstance(e, dict):
            raise bad("An exclusion must be an object.", f"{path}[{i}]")
        var = pick(e.get("matchVariable"), EXCLUSION_VARIABLES, f"{path}[{i}].matchVariable")
        op = pick(e.get("selectorMatchOperator"), EXCLUSION_OPERATORS, f"{path}[{i}].selectorMatchOperator")
        sel = e.get("selector")
        if var is None or op is None or (op != "EqualsAny" and (not isinstance(sel, str) or not sel)):
            raise bad("An exclusion needs matchVariable, selectorMatchOperator and selector.", f"{path}[{i}]")
        out.append({"matchVariable": var, "selectorMatchOperator": op, "selector": sel or ""})
    return out


def _managed(node: Any, sku: str) -> dict[str, Any]:
    path = "properties.managedRules"
    sets = (node or {}).get("managedRuleSets") if isinstance(node, dict) or node is None else None
    if sets is None:
        sets = []
    if not isinstance(sets, list):
        raise bad("managedRules.managedRuleSets must be a list.", f"{path}.managedRuleSets")
    if sets and sku == "Standard_AzureFrontDoor":
        raise bad("Managed rule sets need a Premium_AzureFrontDoor (or Classic) WAF policy; this policy's sku is "
                  "Standard_AzureFrontDoor.", f"{path}.managedRuleSets")
    out = []
    seen: set[str] = set()
    for i, s in enumerate(sets):
        spath = f"{path}.managedRuleSets[{i}]"
        if not isinstance(s, dict):
            raise bad("A managed rule set must be an object.", spath)
        key = (str(s.get("ruleSetType", "")), str(s.get("ruleSetVersion", "")))
        canon = next((k for k in RULE_SETS if k[0].lower() == key[0].lower() and k[1] == key[1]), None)
        if canon is None:
            raise bad(f"Managed rule set {key[0]} {key[1]} is not available. Available rule sets: "
                      f"{', '.join(f'{t} {v}' for t, v in RULE_SETS)}.", spath)
        family = "bot" if canon[0] == "Microsoft_BotManagerRuleSet" else "default"
        if family in seen:
            raise bad("A policy can have one default rule set and one bot manager rule set.", spath)
        seen.add(family)
        groups = {g.lower(): (g, {r for r, _ in rules}) for g, rules in groups_of(canon[0]).items()}
        overrides = []
        for j, o in enumerate(s.get("ruleGroupOverrides") or []):
            opath = f"{spath}.ruleGroupOverrides[{j}]"
            gname = (o or {}).get("ruleGroupName") if isinstance(o, dict) else None
            if not isinstance(gname, str) or gname.lower() not in groups:
                raise bad(f"Rule group '{gname}' is not part of {canon[0]} {canon[1]}.", f"{opath}.ruleGroupName")
            rules = []
            for k, r in enumerate(o.get("rules") or []):
                rid = str((r or {}).get("ruleId", "")) if isinstance(r, dict) else ""
                if rid not in groups[gname.lower()][1]:
                    raise bad(f"Rule '{rid}' is not part of rule group {gname}.", f"{opath}.rules[{k}].ruleId")
                entry = {"ruleId": rid, "enabledState": pick(r.get("enabledState"), ("Enabled", "Disabled"),
                                                              f"{opath}.rules[{k}].enabledState", "Enabled"),
                         "action": pick(r.get("action"), ACTIONS, f"{opath}.rules[{k}].action", "Block"),
                         "exclusions": _exclusions(r.get("exclusions"), f"{opath}.rules[{k}].exclusions")}
                rules.append(entry)
            overrides.append({"ruleGroupName": groups[gname.lower()][0], "rules": rules,
                              "exclusions": _exclusions(o.get("exclusions"), f"{opath}.exclusions")})
        entry = {"ruleSetType": canon[0], "ruleSetVersion": canon[1], "ruleGroupOverrides": overrides,
                 "exclusions": _exclusions(s.get("exclusions"), f"{spath}.exclusions")}
        if s.get("ruleSetAction") is not None:
            entry["ruleSetAction"] = pick(s.get("ruleSetAction"), ("Block", "Log", "Redirect"),
                                          f"{spath}.ruleSetAction")
        out.append(entry)
    return {"managedRuleSets": out}


def links(ctx: Ctx, policy_id: str) -> dict[str, list[dict[str, str]]]:
    want = normalize(policy_id)
    out: dict[str, list[dict[str, str]]] = {"frontendEndpointLinks": [], "securityPolicyLinks": [],
                                            "routingRuleLinks": []}
    for rec in ctx.referrers(policy_id):
        if rec.type.lower() == FRONT_DOOR.lower():
            for fe in (rec.body.get("properties") or {}).get("frontendEndpoints") or []:
                link = ((fe.get("properties") or {}).get("webApplicationFirewallPolicyLink") or {}).get("id")
                if isinstance(link, str) and normalize(link) == want:
                    out["frontendEndpointLinks"].append({"id": fe["id"]})
        elif rec.type.lower() == "microsoft.cdn/profiles/securitypolicies":
            out["securityPolicyLinks"].append({"id": rec.id})
    return out


class FrontDoorWafHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sku = new.get("sku") or {}
        if not isinstance(sku, dict):
            raise bad("sku must be an object.", "sku")
        name = pick(sku.get("name"), SKUS, "sku.name", "Classic_AzureFrontDoor")
        old_sku = ((old or {}).get("sku") or {}).get("name")
        if old_sku and old_sku != name:
            raise bad(f"The policy's sku cannot change from {old_sku} to {name}.", "sku.name")
        new["sku"] = {"name": name}
        if not NAME.match(new["name"]):
            raise bad(f"Policy name '{new['name']}' is invalid: it starts with a letter and has up to 128 letters and "
                      "digits.", code="InvalidResourceName")
        props = new["properties"]
        props["policySettings"] = _settings(props.get("policySettings"))
        props["customRules"] = _custom_rules(props.get("customRules"), props["policySettings"].get("redirectUrl"))
        props["managedRules"] = _managed(props.get("managedRules"), name)  # type: ignore[arg-type]

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        for key in ("frontendEndpointLinks", "routingRuleLinks", "securityPolicyLinks", "resourceState"):
            new["properties"].pop(key, None)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        used = links(ctx, body["id"])
        holders = used["frontendEndpointLinks"] + used["securityPolicyLinks"]
        if holders:
            raise bad(f"The policy {body['name']} cannot be deleted because it is linked to {holders[0]['id']}. "
                      "Remove the link first.", code="Conflict")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props.update(links(ctx, body["id"]))
        props["resourceState"] = "Enabled" if props.get("policySettings", {}).get("enabledState") != "Disabled" \
            else "Disabled"


@provider_action("subscriptions/{sub}/providers/microsoft.network/frontdoorwebapplicationfirewallmanagedrulesets",
                 "GET", api_versions=WAF_API, name="FrontDoorWebApplicationFirewallManagedRuleSets")
def managed_rule_sets(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    values = []
    for t, v in RULE_SETS:
        groups = [{"ruleGroupName": g, "description": "",
                   "rules": [{"ruleId": r, "defaultState": "Enabled",
                              "defaultAction": "AnomalyScoring" if t != "Microsoft_BotManagerRuleSet" else "Block",
                              "description": d} for r, d in rules]}
                  for g, rules in groups_of(t).items()]
        values.append({"id": f"/subscriptions/{params['sub']}/providers/Microsoft.Network/"
                             f"FrontDoorWebApplicationFirewallManagedRuleSets/{t}_{v}",
                       "name": f"{t}_{v}", "type": "Microsoft.Network/FrontDoorWebApplicationFirewallManagedRuleSets",
                       "properties": {"provisioningState": "Succeeded", "ruleSetId": f"{t}_{v}", "ruleSetType": t,
                                      "ruleSetVersion": v, "ruleGroups": groups}})
    return 200, {"value": values}


REGISTRY.add(ResourceType(WAF_POLICY, WAF_API, model="WebApplicationFirewallPolicy", schema_package="frontdoor",
                          hooks=FrontDoorWafHooks(), global_location=True,
                          names=NameRule(1, 128, r"^[a-zA-Z][a-zA-Z0-9]*$",
                                         "The name starts with a letter and contains only letters and numbers.")))
