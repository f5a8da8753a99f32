"""The WAF on the application gateway data plane: which policy applies to a request, compiled off the hot path.

Which policy (Azure, "Azure Web Application Firewall policy overview" / "per-site and per-URI policies"):
a policy linked to the path rule that routed the request (scope ``Location``) wins over the listener's
(``Listener``), which wins over the gateway's ``firewallPolicy`` (``Global``); a gateway without a policy but
with an enabled legacy ``webApplicationFirewallConfiguration`` runs that configuration as its global policy
(mode, OWASP rule set and version, disabled rule groups and rules, body check and limits, exclusions). Only
WAF SKUs (WAF_v2, WAF) run a WAF; redirects and requests that match no listener never reach it (Azure:
redirect rules bypass the WAF's custom rules).

Compilation runs on a worker thread, never on the event loop (``waf.compile_cache.PolicyCache``, shared with
Front Door): the reconcile seam (``resync``) starts it for every policy a gateway links, as soon as the policy
or the gateway changes; a request that needs a policy still compiling awaits it.

Rate-limit counters: Azure counts "independently for each endpoint the policy is attached to" (one policy on
five listeners keeps five counters), so the counter belongs to (gateway, listener, policy) and survives a
recompile of the policy.

Client address: App Gateway's RemoteAddr is the client IP it takes the connection from (inferred: the
``client_ip`` server variable is that address; X-Forwarded-For is matched through RequestHeaders), used
for IPMatch, GeoMatch (Traffic Manager's offline IP-to-country table; an unknown or private address is
``ZZ``) and rate-limit grouping.

Verdict: Prevention answers the policy's ``customBlockResponseStatusCode`` (default 403) with its
``customBlockResponseBody``, else the listener's or the gateway's custom 403 page, else Azure's page; a
body over ``maxRequestBodySizeInKb`` (or a file upload over ``fileUploadLimitInMb``) answers 413. Detection
passes the request on and logs. Firewall log records (``ApplicationGatewayFirewallLog``) go where the
gateway's diagnostic settings send them; the WAF metrics (``AzwafTotalRequests``, ``AzwafCustomRule``,
``AzwafSecRule``) go to the gateway's metrics."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..waf.compile_cache import BoundPolicies, PolicyCache, fingerprint
from ..waf.policy import DEFAULT_BLOCK_BODY, Verdict, WafPolicy

if TYPE_CHECKING:
    from ..reconcile import Snapshot
    from ..waf.request import HttpRequest
    from .model import GatewayPlan
    from .router import Decision

log = logging.getLogger("aznet.appgw.waf")
POLICY_TYPE = "microsoft.network/applicationgatewaywebapplicationfirewallpolicies"
AG = "microsoft.network/applicationgateways"
MAX_HOT = 4096                      # hot-path answers remembered (scopes x listeners x path rules)
LEGACY_VERSIONS = {"2.2.9": "3.0"}   # v1's CRS 2.2.9 runs as OWASP 3.0 (aznet has no CRS 2.x rules; inferred)


@dataclass(frozen=True, slots=True)
class Binding:
    """The policy one scope runs: its content key (for the compiled cache) and its log scope."""
    fingerprint: str
    policy_id: str
    scope: str                  # Global | Listener | Location
    scope_name: str


@dataclass(slots=True)
class GatewayWaf:
    default: Binding | None
    listeners: dict[str, Binding]
    path_rules: dict[str, Binding]

    def binding(self, listener_id: str | None, path_rule_id: str | None) -> Binding | None:
        if path_rule_id:
            b = self.path_rules.get(path_rule_id.lower())
            if b is not None:
                return b
        if listener_id:
            b = self.listeners.get(listener_id.lower())
            if b is not None:
                return b
        return self.default


def legacy_policy(cfg: Any) -> dict[str, Any] | None:
    """The legacy ``webApplicationFirewallConfiguration`` as the policy document it stands for."""
    if not isinstance(cfg, dict) or not cfg.get("enabled"):
        return None
    version = str(cfg.get("ruleSetVersion") or "3.2")
    groups = []
    for g in cfg.get("disabledRuleGroups") or []:
        if isinstance(g, dict) and g.get("ruleGroupName"):
            groups.append({"ruleGroupName": g["ruleGroupName"],
                           "rules": [{"ruleId": str(r), "state": "Disabled"} for r in g.get("rules") or []]})
    exclusions = [{"matchVariable": e.get("matchVariable"), "selectorMatchOperator": e.get("selectorMatchOperator"),
                   "selector": e.get("selector")} for e in cfg.get("exclusions") or [] if isinstance(e, dict)]
    settings: dict[str, Any] = {"state": "Enabled", "mode": cfg.get("firewallMode") or "Detection",
                                "requestBodyCheck": cfg.get("requestBodyCheck", True) is not False}
    for key in ("maxRequestBodySizeInKb", "fileUploadLimitInMb"):
        if cfg.get(key) is not None:
            settings[key] = cfg[key]
    return {"properties": {"policySettings": settings, "managedRules": {
        "managedRuleSets": [{"ruleSetType": str(cfg.get("ruleSetType") or "OWASP"),
                             "ruleSetVersion": LEGACY_VERSIONS.get(version, version),
                             "ruleGroupOverrides": groups}],
        "exclusions": exclusions}, "customRules": []}}


class WafGlue:
    """What the application gateway service holds: per gateway, which policy each scope runs."""

    def __init__(self) -> None:
        self.gateways: dict[str, GatewayWaf] = {}
        self.cache = PolicyCache("ApplicationGateway")
        # (gateway, listener, policy) -> the policy with that endpoint's own rate counter
        self.bound: BoundPolicies[tuple[str, str, str]] = BoundPolicies(self.cache)
        # (gateway, listener, path rule) -> what ``ready`` answered for the hot path, until the next resync
        self._hot: dict[tuple[str, str | None, str | None], tuple[WafPolicy, Binding]] = {}

    # -- reconcile ------------------------------------------------------------------------------
    def resync(self, snapshot: Snapshot, plans: dict[str, GatewayPlan]) -> None:
        policies = {r.id.lower(): r.body for r in snapshot.of_type(POLICY_TYPE)}
        gateways: dict[str, GatewayWaf] = {}
        for rec in snapshot.of_type(AG):
            gid = rec.id.lower()
            plan = plans.get(gid)
            if plan is None or not plan.waf:
                continue
            props = rec.body.get("properties") or {}

            def bind(ref: Any, scope: str, name: str) -> Binding | None:
                pid = ref.get("id") if isinstance(ref, dict) else None
                doc = policies.get(pid.lower()) if isinstance(pid, str) else None
                if doc is None:
                    return None
                fp = fingerprint(doc)
                self.cache.want(fp, {**doc, "id": doc.get("id") or pid})
                return Binding(fp, str(doc.get("id") or pid), scope, name)

            default = bind(props.get("firewallPolicy"), "Global", "Global")
            if default is None:
                legacy = legacy_policy(props.get("webApplicationFirewallConfiguration"))
                if legacy is not None:
                    legacy["id"] = rec.id
                    fp = fingerprint(legacy)
                    self.cache.want(fp, legacy)
                    default = Binding(fp, "", "Global", "Global")
            listeners = {}
            for lst in props.get("httpListeners") or []:
                b = bind((lst.get("properties") or {}).get("firewallPolicy"), "Listener", str(lst.get("name", "")))
                if b is not None and isinstance(lst.get("id"), str):
                    listeners[lst["id"].lower()] = b
            path_rules = {}
            for pm in props.get("urlPathMaps") or []:
                for pr in (pm.get("properties") or {}).get("pathRules") or []:
                    b = bind((pr.get("properties") or {}).get("firewallPolicy"), "Location", str(pr.get("name", "")))
                    if b is not None and isinstance(pr.get("id"), str):
                        path_rules[pr["id"].lower()] = b
            if default or listeners or path_rules:
                gateways[gid] = GatewayWaf(default, listeners, path_rules)
        self.gateways = gateways
        self.bound.rebind()
        self._hot = {}

    # -- the request ----------------------------------------------------------------------------
    def applies(self, gateway_id: str) -> bool:
        return gateway_id.lower() in self.gateways

    async def inspect(self, plan: GatewayPlan, d: Decision, request: HttpRequest
                      ) -> tuple[Verdict, WafPolicy, Binding] | None:
        gw = self.gateways.get(plan.id.lower())
        if gw is None:
            return None
        lst_id = d.listener.id if d.listener is not None else None
        b = gw.binding(lst_id, d.target.path_rule if d.target is not None else None)
        if b is None:
            return None
        key = (plan.id.lower(), (lst_id or "").lower(), b.policy_id.lower() or "legacy")
        bound = await self.bound.obtain(b.fingerprint, key, b.policy_id)
        if bound is None:
            return None
        return bound.evaluate(request, b.scope, b.scope_name), bound, b

    def ready(self, gw: GatewayWaf, gateway_id: str, listener_id: str | None, path_rule: str | None
              ) -> tuple[WafPolicy, Binding] | None | bool:
        """``inspect``'s policy for the hot path, without waiting: (policy, binding); None when no policy applies;
        False while it is still compiling (the request takes the general path, which waits for it)."""
        key = (gateway_id, listener_id, path_rule)
        got = self._hot.get(key)
        if got is not None:
            return got
        b = gw.binding(listener_id, path_rule)
        if b is None:
            return None
        bound = self.bound.ready(b.fingerprint, (gateway_id, (listener_id or "").lower(), b.policy_id.lower() or "legacy"),
                                 b.policy_id)
        if bound is None:
            return False
        if len(self._hot) >= MAX_HOT:
            self._hot.clear()
        got = self._hot[key] = (bound, b)
        return got

    def close(self) -> None:
        self.cache.close()


def custom_body(policy: WafPolicy) -> bool:
    """Whether the policy names its own block body (else a custom 403 page may answer)."""
    return policy.block_body is not DEFAULT_BLOCK_BODY
