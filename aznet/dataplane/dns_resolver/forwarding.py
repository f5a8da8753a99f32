"""Which forwarding rule a query name falls under (pure core).

Azure DNS Private Resolver: a query matches a rule when its name is the rule's
domain or a name under it; the longest (most specific) domain wins; the wildcard
rule ``.`` matches every name, last. Targets must be loopback addresses here: a
rule that names only other addresses cannot be followed on this machine."""

from __future__ import annotations

import ipaddress

Rule = tuple[str, list[tuple[str, int]]]


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
