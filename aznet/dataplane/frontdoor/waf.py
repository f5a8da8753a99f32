"""The WAF on the edge: Front Door WAF policies (``Microsoft.Network/frontDoorWebApplicationFirewallPolicies``)
linked to a domain through a security policy (Standard/Premium) or to a classic frontend endpoint / routing rule
(``webApplicationFirewallPolicyLink``) run in the shared WAF engine (``dataplane/waf``: custom rules with rate
limits and geo filters, DefaultRuleSet / Microsoft_DefaultRuleSet, BotManagerRuleSet) once per request, before the
rules engine and the cache (Azure's order).

The client address the WAF matches (RemoteAddr, GeoMatch) is Front Door's client IP: the first address of
X-Forwarded-For when the request carries one, else the socket address; SocketAddr is always the socket address.
Each policy is compiled once per configuration (its rate-limit counters live as long as the policy is unchanged).
Firewall log records go to the diagnostic settings of the profile (``FrontDoorWebApplicationFirewallLog``) or of
the classic Front Door (``FrontdoorWebApplicationFirewallLog``); each request the policy evaluated counts in
``WebApplicationFirewallRequestCount`` (PolicyName, RuleName, Action)."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from ..waf.policy import PolicyError, WafPolicy, compile_policy, country_lookup
from ..waf.request import HttpRequest

if TYPE_CHECKING:
    from .model import EdgeConfig, HostSpec, RouteSpec
    from .proxy import Exchange
    from .service import FrontDoorService

log = logging.getLogger("aznet.frontdoor.waf")


class EdgeWaf:
    def __init__(self, svc: FrontDoorService) -> None:
        self.svc = svc
        self.compiled: dict[str, tuple[str, WafPolicy]] = {}
        self.errors: dict[str, str] = {}

    def refresh(self, cfg: EdgeConfig) -> None:
        wanted = {h.waf_policy for h in cfg.hosts.values() if h.waf_policy}
        for h in cfg.hosts.values():
            for table in h.tables.values():
                wanted |= {r.waf_policy for r in table.exact_items() if r.waf_policy}
                wanted |= {r.waf_policy for r in table.wild_items() if r.waf_policy}
        out: dict[str, tuple[str, WafPolicy]] = {}
        for pid in wanted:
            assert pid is not None
            body = cfg.bodies.get(pid)
            if body is None:
                continue
            digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
            old = self.compiled.get(pid)
            if old is not None and old[0] == digest:
                out[pid] = old
                continue
            try:
                out[pid] = (digest, compile_policy(body, "FrontDoor", body.get("id") or pid, country_lookup()))
                self.errors.pop(pid, None)
            except (PolicyError, ValueError) as exc:
                self.errors[pid] = str(exc)
                log.warning("frontdoor: WAF policy %s cannot be compiled: %s", pid, exc)
        self.compiled = out

    def inspect(self, ex: Exchange, spec: HostSpec, route: RouteSpec, req: Any
                ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        pid = route.waf_policy or spec.waf_policy
        got = self.compiled.get(pid) if pid else None
        if got is None:
            return None
        policy = got[1]
        uri = ex.path + (f"?{ex.query}" if ex.query else "")
        hreq = HttpRequest(req.method, uri, f"HTTP/{req.version}", list(req.headers), bytes(req.body), ex.client_ip,
                           ex.client_port, ex.socket_ip, self.svc.address, ex.port, ex.host, ex.ref)
        verdict = policy.evaluate(hreq)
        owner = spec.owner
        classic = owner.kind == "classic"
        category = "FrontdoorWebApplicationFirewallLog" if classic else "FrontDoorWebApplicationFirewallLog"
        logs = self.svc.telemetry.logs
        wants = logs.wants(owner.resource_id, category)
        name = policy.policy_id.rsplit("/", 1)[-1]
        for rec in verdict.records:
            action = str((rec.get("properties") or {}).get("action") or "")
            rule = str((rec.get("properties") or {}).get("ruleName") or "")
            self.svc.platform.metrics.add(owner.resource_id, "WebApplicationFirewallRequestCount", 1.0,
                                          (("PolicyName", name), ("RuleName", rule), ("Action", action)))
            if wants:
                logs.emit(owner.resource_id, category, {**rec, "resourceId": owner.resource_id.upper(),
                                                        "category": category})
        ex.waf = {"policy": name, "rule": verdict.rule_id or "", "action": verdict.action,
                  "detected": verdict.detected}
        if verdict.blocked and not verdict.detected:
            ex.error = "ClientGeoBlocked" if "geo" in (verdict.rule_id or "").lower() else ex.error
            return verdict.status, list(verdict.headers), verdict.body
        return None
