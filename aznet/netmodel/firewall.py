"""Azure Firewall as the network model sees it: its private and public
addresses, and its rules compiled into three ordered lists, evaluated as Azure
does (pure core, no ARM calls while answering).

Processing order (Azure Firewall "rule processing logic"):
- DNAT rules first, then network rules, then application rules; the first
  matching rule decides and processing stops.
- With a firewall policy: the base (parent) policy's rule collection groups
  before the child's whatever their priority; within a policy, groups by
  priority, then collections by priority, then rules in order.
- Classic rules: collections of each kind by priority.
- A DNAT match is allowed (an implicit network rule allows the translated flow).
- Application rules see TCP flows on the ports their protocols name; they
  match by target FQDN, so a flow without a host name matches only ``*``.
- Nothing matched: denied by default."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import typenames
from .addr import IntervalSet, parse_prefix, try_ip, try_prefix
from .parse import props, ref_key
from .service_tags import lookup

FIREWALL = typenames.AZURE_FIREWALL.lower()
POLICY = typenames.FIREWALL_POLICY.lower()
RCG = "microsoft.network/firewallpolicies/rulecollectiongroups"
IP_GROUP = "microsoft.network/ipgroups"
PIP = typenames.PUBLIC_IP.lower()
FIREWALL_INPUTS = frozenset({FIREWALL, POLICY, RCG, IP_GROUP, PIP})
ANY = None  # an address or port set that matches everything


@dataclass(slots=True)
class FwRule:
    kind: str                       # nat | network | application
    name: str                       # where it lives: "[policy/]group/collection/rule"
    action: str                     # Allow | Deny | Dnat
    protocols: frozenset[str]       # TCP UDP ICMP ANY (network / NAT rules)
    sources: IntervalSet | None
    dests: IntervalSet | None
    ports: list[tuple[int, int]] | None
    fqdns: tuple[str, ...] = ()     # network rules' destination FQDNs, application rules' targets
    app_ports: tuple[tuple[str, int], ...] = ()
    translated: tuple[str, int] | None = None


@dataclass(slots=True)
class Verdict:
    allowed: bool
    stage: str                      # DNAT | Network | Application | Default
    rule: str | None
    translated: tuple[int, int] | None = None
    snat: bool = False              # application rules are proxied: the source becomes the firewall

    @property
    def display(self) -> str:
        return self.rule or "no rule matched: default deny"


@dataclass(slots=True)
class Firewall:
    key: str
    id: str
    name: str
    private_ip: int | None
    subnet_key: str | None
    public_ips: set[int] = field(default_factory=set)
    nat: list[FwRule] = field(default_factory=list)
    network: list[FwRule] = field(default_factory=list)
    application: list[FwRule] = field(default_factory=list)

    def evaluate(self, proto: str, src: int, dst: int, dport: int | None, host: str | None = None) -> Verdict:
        p = proto.upper()
        if dst in self.public_ips:
            for r in self.nat:
                if _l4(r, p, src, dst, dport):
                    assert r.translated is not None
                    ip = try_ip(r.translated[0])
                    return Verdict(True, "DNAT", r.name, (ip, r.translated[1]) if ip is not None else None)
        for r in self.network:
            if _l4(r, p, src, dst, dport, host):
                return Verdict(r.action == "Allow", "Network", r.name)
        if p == "TCP":
            for r in self.application:
                if _app(r, src, dport, host):
                    return Verdict(r.action == "Allow", "Application", r.name, snat=True)
        return Verdict(False, "Default", None)


def _l4(r: FwRule, proto: str, src: int, dst: int, dport: int | None, host: str | None = None) -> bool:
    if "ANY" not in r.protocols and proto not in r.protocols:
        return False
    if r.sources is not None and src not in r.sources:
        return False
    dest_ok = r.dests is None or dst in r.dests
    if not dest_ok and not (host and any(_fqdn_match(f, host) for f in r.fqdns)):
        return False
    if proto == "ICMP" or r.ports is None:
        return True
    return dport is not None and any(lo <= dport <= hi for lo, hi in r.ports)


def _app(r: FwRule, src: int, dport: int | None, host: str | None) -> bool:
    if r.sources is not None and src not in r.sources:
        return False
    if r.app_ports and (dport is None or all(port != dport for _, port in r.app_ports)):
        return False
    if "*" in r.fqdns:
        return True
    return bool(host) and any(_fqdn_match(f, host or "") for f in r.fqdns)


def _fqdn_match(pattern: str, host: str) -> bool:
    return fnmatch.fnmatchcase(host.lower().rstrip("."), pattern.lower().rstrip("."))


# -- compiling from ARM bodies ------------------------------------------------------------------

def _addresses(texts: list[Any], groups: list[Any], resolve_group: Callable[[str], list[str]]
               ) -> IntervalSet | None:
    ranges: list[tuple[int, int]] = []
    for t in [*texts, *(a for g in groups if isinstance(g, str) for a in resolve_group(g))]:
        if not isinstance(t, str):
            continue
        t = t.strip()
        if t == "*":
            return ANY
        one = try_ip(t)
        if one is not None:
            ranges.append((one, one))
            continue
        pfx = try_prefix(t)
        if pfx is not None:
            ranges.append((pfx[0], pfx[1]))
            continue
        if "-" in t:
            lo, _, hi = t.partition("-")
            a, b = try_ip(lo.strip()), try_ip(hi.strip())
            if a is not None and b is not None:
                ranges.append((a, b))
                continue
        tag = lookup(t)
        if tag is not None:
            for p in tag[1]:
                try:
                    lo2, hi2, _ = parse_prefix(p)
                except ValueError:
                    continue
                ranges.append((lo2, hi2))
    return IntervalSet(ranges)


def _ports(texts: list[Any]) -> list[tuple[int, int]] | None:
    out = []
    for t in texts:
        t = str(t).strip()
        if t == "*":
            return ANY
        lo, sep, hi = t.partition("-")
        try:
            out.append((int(lo), int(hi) if sep else int(lo)))
        except ValueError:
            continue
    return out


def _rule(kind: str, name: str, action: str, raw: dict[str, Any], resolve_group: Callable[[str], list[str]]
          ) -> FwRule:
    protos = raw.get("ipProtocols") or raw.get("protocols") or []
    sources = _addresses(raw.get("sourceAddresses") or [], raw.get("sourceIpGroups") or [], resolve_group)
    if kind == "application":
        app = tuple((str(p.get("protocolType")), int(p.get("port") or 0)) for p in protos if isinstance(p, dict))
        return FwRule(kind, name, action, frozenset(), sources, ANY, ANY,
                      tuple(raw.get("targetFqdns") or []), app)
    dests = _addresses(raw.get("destinationAddresses") or [], raw.get("destinationIpGroups") or [], resolve_group)
    if kind == "network" and dests is not None and not dests and raw.get("destinationFqdns"):
        dests = IntervalSet()          # only FQDNs: matched by host name
    translated = None
    if kind == "nat":
        port = str(raw.get("translatedPort") or "0")
        translated = (str(raw.get("translatedAddress") or raw.get("translatedFqdn") or ""),
                      int(port) if port.isdigit() else 0)
    return FwRule(kind, name, action, frozenset(str(p).upper() for p in protos if isinstance(p, str)),
                  sources, dests, _ports(raw.get("destinationPorts") or []),
                  tuple(raw.get("destinationFqdns") or []), (), translated)


def compile_firewall(body: dict[str, Any], raw: dict[str, dict[str, Any]], rtype: dict[str, str]) -> Firewall:
    """A firewall from its stored body; ``raw``/``rtype`` are the model's resources by key (for public IPs,
    IP groups, its policy chain and their rule collection groups)."""
    p = props(body)
    key = body["id"].rstrip("/").lower()
    private_ip, subnet_key = None, None
    public: set[int] = set()
    for cfg in p.get("ipConfigurations") or []:
        cp = props(cfg)
        if cp.get("subnet") and private_ip is None:
            private_ip = try_ip(cp.get("privateIPAddress"))
            subnet_key = ref_key(cp.get("subnet"))
        pip = raw.get(ref_key(cp.get("publicIPAddress")) or "")
        ip = try_ip(props(pip).get("ipAddress")) if pip else None
        if ip is not None:
            public.add(ip)
    fw = Firewall(key, body["id"], str(body.get("name") or key.rsplit("/", 1)[-1]), private_ip, subnet_key, public)

    def group(gid: str) -> list[str]:
        return list(props(raw.get(gid.rstrip("/").lower())).get("ipAddresses") or [])

    lists = {"nat": fw.nat, "network": fw.network, "application": fw.application}
    classic = {"natRuleCollections": "nat", "networkRuleCollections": "network",
               "applicationRuleCollections": "application"}
    for prop, kind in classic.items():
        colls = sorted((c for c in p.get(prop) or [] if isinstance(c, dict)),
                       key=lambda c: props(c).get("priority") or 65000)
        for c in colls:
            action = str((props(c).get("action") or {}).get("type") or "Deny")
            for r in props(c).get("rules") or []:
                if isinstance(r, dict):
                    lists[kind].append(_rule(kind, f"{c.get('name')}/{r.get('name')}", action, r, group))
    policy_key = ref_key(p.get("firewallPolicy"))
    chain: list[str] = []
    while policy_key and policy_key in raw and policy_key not in chain:
        chain.insert(0, policy_key)                  # parents first
        policy_key = ref_key(props(raw[policy_key]).get("basePolicy"))
    for pk in chain:
        pname = str(raw[pk].get("name") or pk.rsplit("/", 1)[-1])
        groups = sorted((b for k, b in raw.items() if rtype.get(k) == RCG and k.startswith(pk + "/")),
                        key=lambda b: props(b).get("priority") or 65000)
        for g in groups:
            colls = sorted((c for c in props(g).get("ruleCollections") or [] if isinstance(c, dict)),
                           key=lambda c: c.get("priority") or 65000)
            for c in colls:
                action = str((c.get("action") or {}).get("type") or "Deny")
                for r in c.get("rules") or []:
                    if not isinstance(r, dict):
                        continue
                    kind = {"NatRule": "nat", "NetworkRule": "network"}.get(str(r.get("ruleType")), "application")
                    name = f"{pname}/{g.get('name') or g['id'].rsplit('/', 1)[-1]}/{c.get('name')}/{r.get('name')}"
                    lists[kind].append(_rule(kind, name, "Dnat" if kind == "nat" else action, r, group))
    return fw


def firewalls(raw: dict[str, dict[str, Any]], rtype: dict[str, str]) -> list[Firewall]:
    return [compile_firewall(b, raw, rtype) for k, b in raw.items() if rtype.get(k) == FIREWALL]
