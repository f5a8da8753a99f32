"""Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies: policy
settings, custom rules (match and rate-limit rules), managed rule sets with
rule group overrides and exclusions checked against the rule set catalogue.
Back-references to the gateways, listeners and path rules that use a policy
are computed at read time; a policy in use cannot be deleted."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .application_gateways.catalogue import RULE_SETS, known_rule_sets
from .ref_checks import API_VERSIONS, boolean, cannot_parse, enum, integer, objects
from .waf_match import RULE_NAME, match_values, unique_priorities

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies"
GATEWAY_TYPE = "microsoft.network/applicationgateways"
VARIABLES = ("RemoteAddr", "RequestMethod", "QueryString", "PostArgs", "RequestUri", "RequestHeaders",
             "RequestBody", "RequestCookies")
SELECTOR_REQUIRED = ("RequestHeaders", "RequestCookies", "PostArgs")
OPERATORS = ("IPMatch", "Equal", "Contains", "LessThan", "GreaterThan", "LessThanOrEqual", "GreaterThanOrEqual",
             "BeginsWith", "EndsWith", "Regex", "GeoMatch", "Any")
TRANSFORMS = ("Uppercase", "Lowercase", "Trim", "UrlDecode", "UrlEncode", "RemoveNulls", "HtmlEntityDecode")
ACTIONS = ("Allow", "Block", "Log", "JSChallenge", "CAPTCHA")
RULE_ACTIONS = ("AnomalyScoring", "Allow", "Block", "Log", "JSChallenge", "CAPTCHA")
BLOCK_STATUS = (200, 403, 405, 406, 429, 990, 991, 992, 993, 994, 995, 996, 997, 998, 999)
EXCLUSION_VARIABLES = ("RequestHeaderNames", "RequestCookieNames", "RequestArgNames", "RequestHeaderKeys",
                       "RequestHeaderValues", "RequestCookieKeys", "RequestCookieValues", "RequestArgKeys",
                       "RequestArgValues")
EXCLUSION_OPERATORS = ("Equals", "Contains", "StartsWith", "EndsWith", "EqualsAny")
MAX_CUSTOM_RULES = 100


def _settings(node: Any, crs32: bool) -> dict[str, Any]:
    path = "properties.policySettings"
    if node is None:
        node = {}
    if not isinstance(node, dict):
        raise cannot_parse(path, node, "PolicySettings")
    out: dict[str, Any] = {
        "state": enum(node.get("state"), ("Enabled", "Disabled"), f"{path}.state", "WebApplicationFirewallEnabledState",
                      "Enabled"),
        "mode": enum(node.get("mode"), ("Prevention", "Detection"), f"{path}.mode", "WebApplicationFirewallMode",
                     "Detection"),
        "requestBodyCheck": boolean(node.get("requestBodyCheck"), f"{path}.requestBodyCheck", True),
        "requestBodyEnforcement": boolean(node.get("requestBodyEnforcement"), f"{path}.requestBodyEnforcement", True),
        "fileUploadEnforcement": boolean(node.get("fileUploadEnforcement"), f"{path}.fileUploadEnforcement", True),
    }
    high_body = 2000 if crs32 else 128
    for key, low, high, default in (("maxRequestBodySizeInKb", 8, high_body, 128),
                                    ("fileUploadLimitInMb", 1, 4000, 100),
                                    ("requestBodyInspectLimitInKB", 8, 2000 if crs32 else 128, 128),
                                    ("jsChallengeCookieExpirationInMins", 5, 1440, 30)):
        n = integer(node.get(key), f"{path}.{key}", default)
        if n is None or not low <= n <= high:
            raise ArmError(400, "ApplicationGatewayWafPolicySettingOutOfRange",
                           f"Policy setting {key} = {n} is out of range. Supported range is [{low}, {high}].",
                           target=f"{path}.{key}")
        out[key] = n
    status = node.get("customBlockResponseStatusCode")
    if status is not None:
        code = integer(status, f"{path}.customBlockResponseStatusCode")
        if code not in BLOCK_STATUS:
            raise ArmError(400, "ApplicationGatewayWafPolicyInvalidCustomBlockResponseStatusCode",
                           f"Custom block response status code {code} is not supported. Supported codes are "
                           f"{', '.join(map(str, BLOCK_STATUS))}.", target=f"{path}.customBlockResponseStatusCode")
        out["customBlockResponseStatusCode"] = code
    body = node.get("customBlockResponseBody")
    if body is not None:
        if not isinstance(body, str) or len(body) > 32768:
            raise ArmError(400, "ApplicationGatewayWafPolicyInvalidCustomBlockResponseBody",
                           "The custom block response body must be base64 text of at most 32768 characters.",
                           target=f"{path}.customBlockResponseBody")
        try:
            base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ArmError(400, "ApplicationGatewayWafPolicyInvalidCustomBlockResponseBody",
                           "The custom block response body must be base64-encoded.",
                           target=f"{path}.customBlockResponseBody") from None
        out["customBlockResponseBody"] = body
    scrub = node.get("logScrubbing")
    if scrub is not None:
        if not isinstance(scrub, dict):
            raise cannot_parse(f"{path}.logScrubbing", scrub, "PolicySettingsLogScrubbing")
        out["logScrubbing"] = scrub
    return out


def _custom_rules(nodes: Any) -> list[dict[str, Any]]:
    path = "properties.customRules"
    if nodes is None:
        return []
    if not isinstance(nodes, list):
        raise cannot_parse(path, nodes, "WebApplicationFirewallCustomRule[]")
    if len(nodes) > MAX_CUSTOM_RULES:
        raise ArmError(400, "ApplicationGatewayWafPolicyCustomRulesLimitReached",
                       f"A policy can have at most {MAX_CUSTOM_RULES} custom rules; {len(nodes)} were given.")
    out = []
    for i, r in enumerate(nodes):
        rpath = f"{path}[{i}]"
        if not isinstance(r, dict):
            raise cannot_parse(rpath, r, "WebApplicationFirewallCustomRule")
        name = r.get("name")
        if not isinstance(name, str) or not RULE_NAME.match(name):
            raise ArmError(400, "ApplicationGatewayWafPolicyInvalidCustomRuleName",
                           f"Custom rule name {name!r} is invalid: it starts with a letter and contains up to 128 "
                           "letters and digits.", target=f"{rpath}.name")
        prio = integer(r.get("priority"), f"{rpath}.priority")
        if prio is None or not 1 <= prio <= 100:
            raise ArmError(400, "ApplicationGatewayWafPolicyInvalidCustomRulePriority",
                           f"Priority {prio} of custom rule {name} is invalid. Supported range is [1, 100].",
                           target=f"{rpath}.priority")
        kind = enum(r.get("ruleType"), ("MatchRule", "RateLimitRule", "Invalid"), f"{rpath}.ruleType",
                    "WebApplicationFirewallRuleType")
        action = enum(r.get("action"), ACTIONS, f"{rpath}.action", "WebApplicationFirewallAction")
        if kind in (None, "Invalid") or action is None:
            raise ArmError(400, "ApplicationGatewayWafPolicyCustomRuleIncomplete",
                           f"Custom rule {name} must have a ruleType (MatchRule or RateLimitRule) and an action.",
                           target=rpath)
        rule: dict[str, Any] = {"name": name, "priority": prio, "ruleType": kind, "action": action,
                                "state": enum(r.get("state"), ("Enabled", "Disabled"), f"{rpath}.state",
                                              "WebApplicationFirewallState", "Enabled")}
        if kind == "RateLimitRule":
            rule["rateLimitDuration"] = enum(r.get("rateLimitDuration"), ("OneMin", "FiveMins"),
                                             f"{rpath}.rateLimitDuration", "ApplicationGatewayFirewallRateLimitDuration")
            threshold = integer(r.get("rateLimitThreshold"), f"{rpath}.rateLimitThreshold")
            if rule["rateLimitDuration"] is None or threshold is None or threshold < 1:
                raise ArmError(400, "ApplicationGatewayWafPolicyRateLimitRuleIncomplete",
                               f"Rate limit rule {name} needs a rateLimitDuration and a rateLimitThreshold of at "
                               "least 1.", target=rpath)
            rule["rateLimitThreshold"] = threshold
            groups = r.get("groupByUserSession") or []
            if not isinstance(groups, list):
                raise cannot_parse(f"{rpath}.groupByUserSession", groups, "GroupByUserSession[]")
            clean_groups = []
            for g_i, g in enumerate(groups):
                variables = (g or {}).get("groupByVariables") if isinstance(g, dict) else None
                if not isinstance(variables, list) or not variables:
                    raise cannot_parse(f"{rpath}.groupByUserSession[{g_i}]", g, "GroupByUserSession")
                clean_groups.append({"groupByVariables": [
                    {"variableName": enum((v or {}).get("variableName") if isinstance(v, dict) else v,
                                          ("ClientAddr", "GeoLocation", "None"),
                                          f"{rpath}.groupByUserSession[{g_i}].groupByVariables[{k}].variableName",
                                          "ApplicationGatewayFirewallUserSessionVariable")}
                    for k, v in enumerate(variables)]})
            if clean_groups:
                rule["groupByUserSession"] = clean_groups
        conds = r.get("matchConditions")
        if conds is None:
            conds = []      # Azure's CLI tutorial creates the rule first and adds its conditions after
        if not isinstance(conds, list):
            raise cannot_parse(f"{rpath}.matchConditions", conds, "MatchCondition[]")
        rule["matchConditions"] = [_condition(c, f"{rpath}.matchConditions[{k}]", name) for k, c in enumerate(conds)]
        out.append(rule)
    unique_priorities(out, "priority", "policy")
    return out


def _condition(c: Any, path: str, rule: str) -> dict[str, Any]:
    if not isinstance(c, dict):
        raise cannot_parse(path, c, "MatchCondition")
    op = enum(c.get("operator"), OPERATORS, f"{path}.operator", "WebApplicationFirewallOperator")
    if op is None:
        raise ArmError(400, "ApplicationGatewayWafPolicyMatchConditionMustHaveOperator",
                       f"A match condition of custom rule {rule} must have an operator.", target=f"{path}.operator")
    variables = c.get("matchVariables")
    if not isinstance(variables, list) or not variables:
        raise ArmError(400, "ApplicationGatewayWafPolicyMatchConditionMustHaveVariables",
                       f"A match condition of custom rule {rule} must have at least one match variable.",
                       target=f"{path}.matchVariables")
    clean_vars = []
    for k, v in enumerate(variables):
        vpath = f"{path}.matchVariables[{k}]"
        if not isinstance(v, dict):
            raise cannot_parse(vpath, v, "MatchVariable")
        name = enum(v.get("variableName"), VARIABLES, f"{vpath}.variableName", "WebApplicationFirewallMatchVariable")
        selector = v.get("selector")
        if selector is not None and not isinstance(selector, str):
            raise cannot_parse(f"{vpath}.selector", selector, "System.String")
        if name is None:
            raise cannot_parse(f"{vpath}.variableName", None, "WebApplicationFirewallMatchVariable")
        if name in SELECTOR_REQUIRED and not selector and op != "Any":
            raise ArmError(400, "ApplicationGatewayWafPolicyMatchVariableSelectorRequired",
                           f"Match variable {name} of custom rule {rule} needs a selector.", target=f"{vpath}.selector")
        if op == "IPMatch" and name != "RemoteAddr":
            raise ArmError(400, "ApplicationGatewayWafPolicyIPMatchRequiresRemoteAddr",
                           f"Custom rule {rule}: the IPMatch operator applies to RemoteAddr only, not {name}.",
                           target=f"{vpath}.variableName")
        if op == "GeoMatch" and name != "RemoteAddr":
            raise ArmError(400, "ApplicationGatewayWafPolicyGeoMatchRequiresRemoteAddr",
                           f"Custom rule {rule}: the GeoMatch operator applies to RemoteAddr only, not {name}.",
                           target=f"{vpath}.variableName")
        clean_vars.append({"variableName": name, **({"selector": selector} if selector else {})})
    transforms = c.get("transforms") or []
    if not isinstance(transforms, list):
        raise cannot_parse(f"{path}.transforms", transforms, "WebApplicationFirewallTransform[]")
    return {"matchVariables": clean_vars, "operator": op,
            "negationConditon": boolean(c.get("negationConditon"), f"{path}.negationConditon", False),
            "matchValues": match_values(op, c.get("matchValues"), f"{path}.matchValues", rule),
            "transforms": [enum(t, TRANSFORMS, f"{path}.transforms[{k}]", "WebApplicationFirewallTransform")
                           for k, t in enumerate(transforms)]}


def _rule_set_key(node: dict[str, Any], path: str) -> tuple[str, str, dict[str, set[str]]]:
    catalogue = known_rule_sets()
    set_type = node.get("ruleSetType")
    version = node.get("ruleSetVersion")
    if not isinstance(set_type, str) or not isinstance(version, str):
        raise ArmError(400, "ApplicationGatewayWafPolicyRuleSetMustBeSpecified",
                       "A managed rule set needs a ruleSetType and a ruleSetVersion.", target=path)
    key = (set_type.lower(), version)
    if key not in catalogue:
        offered = ", ".join(f"{t} {v}" for t, v in RULE_SETS)
        raise ArmError(400, "ApplicationGatewayFirewallRuleSetNotSupported",
                       f"Managed rule set {set_type} {version} is not supported. Supported rule sets are: {offered}.",
                       target=path)
    canon = next(t for t, _ in RULE_SETS if t.lower() == key[0])
    return canon, version, catalogue[key]


def _managed(node: Any) -> tuple[dict[str, Any], bool]:
    path = "properties.managedRules"
    if not isinstance(node, dict):
        raise ArmError(400, "ApplicationGatewayWafPolicyManagedRulesMustBeSpecified",
                       "A web application firewall policy must have managedRules with at least one managed rule set.",
                       target=path)
    sets = node.get("managedRuleSets")
    if not isinstance(sets, list) or not sets:
        raise ArmError(400, "ApplicationGatewayWafPolicyManagedRulesMustBeSpecified",
                       "A web application firewall policy must have at least one managed rule set.",
                       target=f"{path}.managedRuleSets")
    seen_types: set[str] = set()
    clean_sets = []
    crs32 = False
    for spath, s in objects(sets, f"{path}.managedRuleSets", "ManagedRuleSet"):
        set_type, version, groups = _rule_set_key(s, spath)
        family = "crs" if set_type in ("OWASP", "Microsoft_DefaultRuleSet") else set_type
        if family in seen_types:
            raise ArmError(400, "ApplicationGatewayWafPolicyDuplicateRuleSetType",
                           "A policy can have one OWASP or Microsoft_DefaultRuleSet set and one bot manager set.",
                           target=spath)
        seen_types.add(family)
        crs32 = crs32 or (set_type == "OWASP" and version == "3.2") or set_type == "Microsoft_DefaultRuleSet"
        clean_over = []
        for opath, o in objects(s.get("ruleGroupOverrides") or [], f"{spath}.ruleGroupOverrides",
                                "ManagedRuleGroupOverride"):
            if not isinstance(o.get("ruleGroupName"), str):
                raise cannot_parse(opath, o, "ManagedRuleGroupOverride")
            group = o["ruleGroupName"]
            if group.lower() not in groups:
                raise ArmError(400, "ApplicationGatewayFirewallRuleGroupNotFound",
                               f"Rule group {group} is not part of managed rule set {set_type} {version}.",
                               target=f"{opath}.ruleGroupName")
            clean_rules = []
            for rpath, rule in objects(o.get("rules") or [], f"{opath}.rules", "ManagedRuleOverride"):
                rid = str(rule.get("ruleId", ""))
                if rid not in groups[group.lower()]:
                    raise ArmError(400, "ApplicationGatewayFirewallRuleNotFound",
                                   f"Rule {rid} is not part of rule group {group} of managed rule set {set_type} "
                                   f"{version}.", target=f"{rpath}.ruleId")
                entry = {"ruleId": rid,
                         "state": enum(rule.get("state"), ("Enabled", "Disabled"), f"{rpath}.state",
                                       "ManagedRuleEnabledState", "Disabled")}
                if rule.get("action") is not None:
                    entry["action"] = enum(rule.get("action"), RULE_ACTIONS, f"{rpath}.action", "ActionType")
                if rule.get("sensitivity") is not None:
                    entry["sensitivity"] = enum(rule.get("sensitivity"), ("None", "Low", "Medium", "High"),
                                                f"{rpath}.sensitivity", "SensitivityType")
                clean_rules.append(entry)
            clean_over.append({"ruleGroupName": group, "rules": clean_rules})
        clean_sets.append({"ruleSetType": set_type, "ruleSetVersion": version, "ruleGroupOverrides": clean_over})
    clean_excl = []
    excl = objects(node.get("exclusions") or [], f"{path}.exclusions", "OwaspCrsExclusionEntry")
    for i, (epath, e) in enumerate(excl):
        var = enum(e.get("matchVariable"), EXCLUSION_VARIABLES, f"{epath}.matchVariable",
                   "OwaspCrsExclusionEntryMatchVariable")
        op = enum(e.get("selectorMatchOperator"), EXCLUSION_OPERATORS, f"{epath}.selectorMatchOperator",
                  "OwaspCrsExclusionEntrySelectorMatchOperator")
        sel = e.get("selector")
        if var is None or op is None or (op != "EqualsAny" and (not isinstance(sel, str) or not sel)):
            raise ArmError(400, "ApplicationGatewayWafPolicyExclusionInvalid",
                           f"Exclusion {i} needs a matchVariable, a selectorMatchOperator and a selector (EqualsAny "
                           "takes none).", target=epath)
        entry: dict[str, Any] = {"matchVariable": var, "selectorMatchOperator": op, "selector": sel or ""}
        scoped = e.get("exclusionManagedRuleSets")
        if scoped is not None:
            entry["exclusionManagedRuleSets"] = []
            for spath, s in objects(scoped, f"{epath}.exclusionManagedRuleSets", "ExclusionManagedRuleSet"):
                set_type, version, groups = _rule_set_key(s, spath)
                rgs = []
                for g in s.get("ruleGroups") or []:
                    gname = (g or {}).get("ruleGroupName") if isinstance(g, dict) else None
                    if not isinstance(gname, str) or gname.lower() not in groups:
                        raise ArmError(400, "ApplicationGatewayFirewallRuleGroupNotFound",
                                       f"Rule group {gname!r} is not part of managed rule set {set_type} {version}.",
                                       target=spath)
                    rules = [{"ruleId": str((r or {}).get("ruleId"))} for r in g.get("rules") or []]
                    for r in rules:
                        if r["ruleId"] not in groups[gname.lower()]:
                            raise ArmError(400, "ApplicationGatewayFirewallRuleNotFound",
                                           f"Rule {r['ruleId']} is not part of rule group {gname}.", target=spath)
                    rgs.append({"ruleGroupName": gname, "rules": rules} if rules else {"ruleGroupName": gname})
                entry["exclusionManagedRuleSets"].append({"ruleSetType": set_type, "ruleSetVersion": version,
                                                          "ruleGroups": rgs})
        clean_excl.append(entry)
    out: dict[str, Any] = {"managedRuleSets": clean_sets, "exclusions": clean_excl}
    if node.get("exceptions") is not None:
        out["exceptions"] = node["exceptions"]
    return out, crs32


def users(ctx: Ctx, policy_id: str) -> dict[str, list[str]]:
    """Which gateways, listeners and path rules link the policy."""
    want = normalize(policy_id)
    out: dict[str, list[str]] = {"applicationGateways": [], "httpListeners": [], "pathBasedRules": []}

    def linked(node: Any) -> bool:
        return isinstance(node, dict) and isinstance(node.get("id"), str) and normalize(node["id"]) == want

    for rec in ctx.referrers(policy_id):
        if rec.type.lower() != GATEWAY_TYPE:
            continue
        props = rec.body.get("properties") or {}
        if linked(props.get("firewallPolicy")):
            out["applicationGateways"].append(rec.id)
        for lst in props.get("httpListeners") or []:
            if linked((lst.get("properties") or {}).get("firewallPolicy")):
                out["httpListeners"].append(lst["id"])
        for upm in props.get("urlPathMaps") or []:
            for pr in (upm.get("properties") or {}).get("pathRules") or []:
                if linked((pr.get("properties") or {}).get("firewallPolicy")):
                    out["pathBasedRules"].append(pr["id"])
    return out


class WafPolicyHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        managed, crs32 = _managed(props.get("managedRules"))
        props["managedRules"] = managed
        props["policySettings"] = _settings(props.get("policySettings"), crs32)
        props["customRules"] = _custom_rules(props.get("customRules"))

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in ("applicationGateways", "httpListeners", "pathBasedRules", "resourceState",
                    "applicationGatewayForContainers"):
            props.pop(key, None)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        used = users(ctx, body["id"])
        holders = used["applicationGateways"] + used["httpListeners"] + used["pathBasedRules"]
        if holders:
            raise ArmError(400, "ApplicationGatewayFirewallPolicyInUse",
                           f"Web application firewall policy {body['id']} cannot be deleted because it is in use by "
                           f"{holders[0]}. Remove the association first.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        used = users(ctx, body["id"])
        for key, ids in used.items():
            props[key] = [{"id": i} for i in ids]
        props["resourceState"] = "Enabled" if props.get("policySettings", {}).get("state") != "Disabled" else "Disabled"


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="WebApplicationFirewallPolicy", hooks=WafPolicyHooks(),
                          names=NameRule(1, 128, r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")))
