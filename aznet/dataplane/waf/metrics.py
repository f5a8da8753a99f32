"""WAF metrics on aznet.monitor, with Azure's names and dimensions.

Application Gateway (WAF_v2): AzwafTotalRequests (Action, CountryCode, Method, Mode, PolicyName,
PolicyScope), AzwafCustomRule (Action, CountryCode, CustomRuleID, Mode, PolicyName, PolicyScope),
AzwafSecRule (Action, CountryCode, Mode, PolicyName, PolicyScope, RuleGroupID, RuleID, RuleSetName).
Front Door: WebApplicationFirewallRequestCount (PolicyName, RuleName, Action).
A data plane calls :func:`report` with the verdict of each request it asked the WAF about and its
platform's metrics registry.
"""

from __future__ import annotations

from typing import Any

from ...monitor.catalog import Metric, define
from .policy import Verdict, WafPolicy

AG = "microsoft.network/applicationgateways"
FD_TYPES = ("microsoft.cdn/profiles", "microsoft.network/frontdoors")
_AG_DIMS = (("Action", "Action"), ("CountryCode", "Country Code"), ("Mode", "Mode"),
            ("PolicyName", "Policy Name"), ("PolicyScope", "Policy Scope"))

define(AG,
       Metric("AzwafTotalRequests", "WAF Total Requests", "Count of successful requests that WAF engine has served",
              "Count", "Total", _AG_DIMS + (("Method", "Method"),)),
       Metric("AzwafCustomRule", "WAF Custom Rule Matches", "Matched custom rules", "Count", "Total",
              _AG_DIMS + (("CustomRuleID", "Custom Rule ID"),)),
       Metric("AzwafSecRule", "WAF Managed Rule Matches", "Matched managed rules", "Count", "Total",
              _AG_DIMS + (("RuleGroupID", "Rule Group ID"), ("RuleID", "Rule ID"), ("RuleSetName", "Rule Set Name"))))
for _t in FD_TYPES:
    define(_t, Metric("WebApplicationFirewallRequestCount", "Web Application Firewall Request Count",
                      "The number of client requests processed by the Web Application Firewall", "Count", "Total",
                      (("PolicyName", "Policy Name"), ("RuleName", "Rule Name"), ("Action", "Action"))))


def report(resource_id: str, policy: WafPolicy, verdict: Verdict, method: str = "GET",
           scope: str = "Global", country: str = "", *, metrics: Any) -> None:
    """``metrics``: the registry of the data plane's own platform (``platform.metrics``), never a
    process-wide one: several platforms may run in one process."""
    name = policy.policy_id.rsplit("/", 1)[-1]
    final = "Blocked" if verdict.action != "allow" else ("Detected" if verdict.detected else "Allowed")
    if policy.kind == "FrontDoor":
        action = {"Blocked": "Block", "Detected": "Log", "Allowed": "Allow"}[final]
        rule = verdict.rule_id or ""
        metrics.add(resource_id, "WebApplicationFirewallRequestCount", 1.0,
                    (("PolicyName", name), ("RuleName", rule), ("Action", action)))
        return
    base = (("Mode", policy.mode), ("PolicyName", name), ("PolicyScope", scope), ("CountryCode", country))
    metrics.add(resource_id, "AzwafTotalRequests", 1.0, base + (("Action", final), ("Method", method)))
    for rec in verdict.records:
        p = rec.get("properties", {})
        if p.get("ruleSetType") == "Custom":
            metrics.add(resource_id, "AzwafCustomRule", 1.0,
                        base + (("Action", p.get("action", "")), ("CustomRuleID", p.get("ruleId", ""))))
        elif p.get("ruleId"):
            group = ""
            for s in policy.sets:
                if p["ruleId"].isdigit():
                    group = s.group_of(int(p["ruleId"])) or group
            metrics.add(resource_id, "AzwafSecRule", 1.0,
                        base + (("Action", p.get("action", "")), ("RuleGroupID", group), ("RuleID", p["ruleId"]),
                                ("RuleSetName", f"{p.get('ruleSetType', '')}_{p.get('ruleSetVersion', '')}")))
