"""The gateway's WAF: the legacy ``webApplicationFirewallConfiguration`` and
the ``firewallPolicy`` links (gateway, listener, path rule) to
ApplicationGatewayWebApplicationFirewallPolicies; WAF SKU rules."""

from __future__ import annotations

from typing import Any

from ....arm.errors import ArmError
from ..ref_checks import boolean, cannot_parse, enum, integer, objects, ref_id, resolve
from .catalogue import known_rule_sets
from .model import WAF_POLICY_TYPE, Gateway, bounded, text

EXCLUSION_VARIABLES = ("RequestHeaderNames", "RequestCookieNames", "RequestArgNames", "RequestHeaderKeys",
                       "RequestHeaderValues", "RequestCookieKeys", "RequestCookieValues", "RequestArgKeys",
                       "RequestArgValues")
SELECTOR_OPERATORS = ("Equals", "StartsWith", "EndsWith", "Contains", "EqualsAny")


def not_for_sku(gw: Gateway) -> ArmError:
    return ArmError(400, "ApplicationGatewayFirewallCannotBeEnabledForSelectedSku",
                    f"Application Gateway {gw.id} does not support WebApplicationFirewall with the selected SKU tier "
                    f"{gw.tier}")


def check_waf_config(gw: Gateway) -> None:
    cfg = gw.props.get("webApplicationFirewallConfiguration")
    if cfg is None:
        return
    path = "properties.webApplicationFirewallConfiguration"
    if not isinstance(cfg, dict):
        raise cannot_parse(path, cfg, "ApplicationGatewayWebApplicationFirewallConfiguration")
    enabled = boolean(cfg.get("enabled"), f"{path}.enabled")
    if enabled is None:
        raise ArmError(400, "ApplicationGatewayFirewallConfigurationEnabledMustBeSpecified",
                       "webApplicationFirewallConfiguration.enabled must be specified.", target=f"{path}.enabled")
    if enabled and not gw.waf:
        raise not_for_sku(gw)
    mode = enum(cfg.get("firewallMode"), ("Detection", "Prevention"), f"{path}.firewallMode",
                "ApplicationGatewayFirewallMode", "Detection")
    set_type = enum(cfg.get("ruleSetType"), ("OWASP",), f"{path}.ruleSetType", "System.String", "OWASP")
    version = text(cfg.get("ruleSetVersion"), f"{path}.ruleSetVersion", 16) or ("3.0" if not gw.v2 else "3.2")
    allowed = ("2.2.9", "3.0") if not gw.v2 else ("3.0", "3.1", "3.2")
    if version not in allowed:
        raise ArmError(400, "ApplicationGatewayFirewallRuleSetVersionNotSupported",
                       f"Rule set {set_type} {version} is not supported for SKU {gw.sku_name}. Supported versions "
                       f"are {', '.join(allowed)}.", target=f"{path}.ruleSetVersion")
    groups = known_rule_sets().get(("owasp", version), {})
    clean_disabled = []
    for gpath, g in objects(cfg.get("disabledRuleGroups") or [], f"{path}.disabledRuleGroups",
                            "ApplicationGatewayFirewallDisabledRuleGroup"):
        name = text(g.get("ruleGroupName"), f"{gpath}.ruleGroupName", 128) or ""
        if groups and name.lower() not in groups:
            raise ArmError(400, "ApplicationGatewayFirewallRuleGroupNotFound",
                           f"Rule group {name!r} is not part of rule set {set_type} {version}.",
                           target=f"{gpath}.ruleGroupName")
        rules = g.get("rules") or []
        if not isinstance(rules, list):
            raise cannot_parse(f"{gpath}.rules", rules, "System.Int32[]")
        ids = [integer(r, f"{gpath}.rules") for r in rules]
        for r in ids:
            if groups and str(r) not in groups[name.lower()]:
                raise ArmError(400, "ApplicationGatewayFirewallRuleNotFound",
                               f"Rule {r} is not part of rule group {name} of rule set {set_type} {version}.",
                               target=f"{gpath}.rules")
        clean_disabled.append({"ruleGroupName": name, "rules": ids} if ids else {"ruleGroupName": name})
    max_body = 2000 if version == "3.2" else 128
    upload = 4000 if gw.v2 else 500
    clean: dict[str, Any] = {
        "enabled": enabled, "firewallMode": mode, "ruleSetType": set_type, "ruleSetVersion": version,
        "disabledRuleGroups": clean_disabled,
        "requestBodyCheck": boolean(cfg.get("requestBodyCheck"), f"{path}.requestBodyCheck", True),
        "maxRequestBodySizeInKb": bounded(cfg.get("maxRequestBodySizeInKb"), f"{path}.maxRequestBodySizeInKb", 8,
                                          max_body, "ApplicationGatewayFirewallMaxRequestBodySizeInvalid",
                                          "Max request body size {value} KB is invalid. Supported range is "
                                          "[{low}, {high}].", 128),
        "fileUploadLimitInMb": bounded(cfg.get("fileUploadLimitInMb"), f"{path}.fileUploadLimitInMb", 0, upload,
                                       "ApplicationGatewayFirewallFileUploadLimitInvalid",
                                       "File upload limit {value} MB is invalid. Supported range is [{low}, {high}].",
                                       100),
    }
    clean["exclusions"] = []
    excl = objects(cfg.get("exclusions") or [], f"{path}.exclusions", "ApplicationGatewayFirewallExclusion")
    for i, (epath, e) in enumerate(excl):
        var = enum(e.get("matchVariable"), EXCLUSION_VARIABLES, f"{epath}.matchVariable", "System.String")
        op = enum(e.get("selectorMatchOperator"), SELECTOR_OPERATORS, f"{epath}.selectorMatchOperator",
                  "System.String")
        sel = text(e.get("selector"), f"{epath}.selector", 256)
        if var is None or (op != "EqualsAny" and not sel):
            raise ArmError(400, "ApplicationGatewayFirewallExclusionInvalid",
                           f"Exclusion {i} must name a match variable, an operator and a selector (EqualsAny "
                           "needs no selector).", target=epath)
        clean["exclusions"].append({"matchVariable": var, "selectorMatchOperator": op, "selector": sel or "*"})
    gw.props["webApplicationFirewallConfiguration"] = clean


def check_policy_link(gw: Gateway, node: Any, path: str) -> dict[str, str] | None:
    rid = ref_id(node, path)
    if rid is None:
        return None
    if not gw.waf:
        raise not_for_sku(gw)
    resolve(gw.ctx, rid, gw.id, WAF_POLICY_TYPE, gw.location)
    rec = gw.ctx.record(rid)
    return {"id": rec.id if rec else rid}


def _relink(gw: Gateway, props: dict[str, Any], path: str) -> dict[str, str] | None:
    """``props.firewallPolicy`` checked and kept as ``{"id": ...}``, or dropped when it names none."""
    link = check_policy_link(gw, props.get("firewallPolicy"), path)
    if link:
        props["firewallPolicy"] = link
    else:
        props.pop("firewallPolicy", None)
    return link


def check_policy_links(gw: Gateway, old: dict[str, Any] | None = None) -> None:
    link = _relink(gw, gw.props, "properties.firewallPolicy")
    if not link and (((old or {}).get("properties") or {}).get("firewallPolicy") or {}).get("id"):
        raise ArmError(400, "ApplicationGatewayFirewallPolicyCannotBeDisassociated",
                       f"Application gateway {gw.id} has a WAF policy. Once a firewall policy is associated, "
                       "there must always be one: replace it with another policy instead of removing it.",
                       target="properties.firewallPolicy")
    force = boolean(gw.props.get("forceFirewallPolicyAssociation"), "properties.forceFirewallPolicyAssociation")
    if force is not None:
        gw.props["forceFirewallPolicyAssociation"] = force
    if link and (gw.props.get("webApplicationFirewallConfiguration") or {}).get("enabled") and not force:
        raise ArmError(400, "ApplicationGatewayWafPolicyAndWafConfigurationBothSpecified",
                       f"Application gateway {gw.id} has both a WAF policy and an enabled WAF configuration. "
                       "Remove the WAF configuration, or set forceFirewallPolicyAssociation.")
    for j, item in enumerate(gw.items("httpListeners")):
        _relink(gw, item["properties"], f"properties.httpListeners[{j}].properties.firewallPolicy")
    for j, item in enumerate(gw.items("urlPathMaps")):
        for k, rule in enumerate(item["properties"].get("pathRules") or []):
            _relink(gw, rule["properties"],
                    f"properties.urlPathMaps[{j}].properties.pathRules[{k}].properties.firewallPolicy")
