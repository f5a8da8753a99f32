"""Which forwarding rule a query name falls under (pure core).

Azure DNS Private Resolver: a query matches a rule when its name is the rule's
domain or a name under it; the longest (most specific) domain wins; the wildcard
rule ``.`` matches every name, last. Targets must be loopback addresses here: a
rule that names only other addresses cannot be followed on this machine."""

from __future__ import annotations

import ipaddress
from typing import Any

from ... import typenames
from ...ids import normalize

Rule = tuple[str, list[tuple[str, int]]]


def resolver_of(child_id: str) -> str:
    """The resolver (or ruleset) an endpoint (or rule, or link) belongs to."""
    return child_id.rsplit("/", 2)[0]


def _vnet_of(body: dict[str, Any]) -> str:
    ref = (body.get("properties") or {}).get("virtualNetwork")
    return str(ref.get("id") or "") if isinstance(ref, dict) else ""


def rules_for_vnet(snapshot: Any, vnet_id: str) -> list[Rule]:
    """(domain, [(ip, port)]) of the enabled forwarding rules of the rulesets linked to ``vnet_id``;
    ``snapshot`` is anything with ``of_type`` (the reconcile seam's snapshot, the store)."""
    key = normalize(vnet_id)
    out: list[Rule] = []
    for link in snapshot.of_type(typenames.DNS_FORWARDING_LINK):
        if normalize(_vnet_of(link.body)) != key:
            continue
        ruleset = normalize(resolver_of(link.id))
        for rec in snapshot.of_type(typenames.DNS_FORWARDING_RULE):
            if not rec.key.startswith(ruleset + "/"):
                continue
            p = rec.body.get("properties") or {}
            if p.get("forwardingRuleState", "Enabled") == "Enabled":
                out.append((p["domainName"], [(t["ipAddress"], int(t.get("port", 53)))
                                              for t in p.get("targetDnsServers") or []]))
    return out


def match(rules: list[Rule], qname: str) -> Rule | None:
    name = qname.lower().rstrip(".") + "."
    best: Rule | None = None
    for domain, targets in rules:
        d = domain.lower()
        if d == "." or name == d or name.endswith("." + d):
            if best is None or len(d) > len(best[0]):
                best = (d, targets)
    return best


def reachable(targets: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The targets this machine may send to: loopback addresses only."""
    out = []
    for ip, port in targets:
        try:
            if ipaddress.ip_address(ip).is_loopback:
                out.append((ip, port))
        except ValueError:
            continue
    return out
