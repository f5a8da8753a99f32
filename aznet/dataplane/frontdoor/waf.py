"""The WAF on the edge: Front Door WAF policies (``Microsoft.Network/frontDoorWebApplicationFirewallPolicies``)
linked to a domain through a security policy (Standard/Premium) or to a classic frontend endpoint / routing rule
(``webApplicationFirewallPolicyLink``) run in the shared WAF engine (``dataplane/waf``: custom rules with rate
limits and geo filters, DefaultRuleSet / Microsoft_DefaultRuleSet, BotManagerRuleSet) once per request, before the
rules engine and the cache (Azure's order).

The client address the WAF matches (RemoteAddr, GeoMatch) is Front Door's client IP: the first address of
X-Forwarded-For when the request carries one, else the socket address; SocketAddr is always the socket address.
Policies compile on a worker thread (``waf.compile_cache.PolicyCache``), never inside the commit or on the event
loop: a security policy PUT returns at once and the first request that needs the policy awaits its compile. Each
linked policy keeps its own rate-limit counters while its compiled form is unchanged.
Firewall log records go to the diagnostic settings of the profile (``FrontDoorWebApplicationFirewallLog``) or of
the classic Front Door (``FrontdoorWebApplicationFirewallLog``); each request the policy evaluated counts in
``WebApplicationFirewallRequestCount`` (PolicyName, RuleName, Action)."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from ..waf.compile_cache import BoundPolicies, PolicyCache
from ..waf.policy import WafPolicy
from ..waf.request import HttpRequest

if TYPE_CHECKING:
    from .model import EdgeConfig, HostSpec, RouteSpec
    from .proxy import Exchange
    from .service import FrontDoorService

log = logging.getLogger("aznet.frontdoor.waf")


def digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class EdgeWaf:
    def __init__(self, svc: FrontDoorService) -> None:
        self.svc = svc
        self.cache = PolicyCache("FrontDoor")
        self.linked: dict[str, str] = {}                 # policy id (lower) -> content fingerprint
        self.bound: BoundPolicies[str] = BoundPolicies(self.cache)   # policy id -> its policy with its own counters

    @property
    def errors(self) -> dict[str, str]:
        """Why a linked policy could not be compiled, by policy id."""
        return {pid: self.cache.failed[fp] for pid, fp in self.linked.items() if fp in self.cache.failed}

    def refresh(self, cfg: EdgeConfig) -> None:
        wanted = {h.waf_policy for h in cfg.hosts.values() if h.waf_policy}
        for h in cfg.hosts.values():
            for table in h.tables.values():
                wanted |= {r.waf_policy for r in table.exact_items() if r.waf_policy}
                wanted |= {r.waf_policy for r in table.wild_items() if r.waf_policy}
        linked: dict[str, str] = {}
        for pid in wanted:
            assert pid is not None
            body = cfg.bodies.get(pid)
            if body is None:
                continue
            fp = digest(body)
            self.cache.want(fp, {**body, "id": body.get("id") or pid})
            linked[pid] = fp
        self.linked = linked
        self.bound.keep(linked.__contains__)

    async def policy_for(self, pid: str) -> WafPolicy | None:
        fp = self.linked.get(pid)
        if fp is None:
            return None
        return await self.bound.obtain(fp, pid)

    def close(self) -> None:
        self.cache.close()

    async def inspect(self, ex: Exchange, spec: HostSpec, route: RouteSpec, req: Any
                      ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        pid = route.waf_policy or spec.waf_policy
        policy = await self.policy_for(pid) if pid else None
        if policy is None:
            return None
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
