"""NSGs compiled into ACLs: rules in priority order, addresses as integer
interval sets, ports as ranges, service tags expanded, ASGs as id sets.

``VirtualNetwork`` depends on where the NSG is applied (the NIC's VNet), so a
rule keeps it as a flag and the caller passes that VNet's space when
evaluating. Azure's six default rules are synthesised when a body has no
``defaultSecurityRules``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .addr import ANY, AddressError, IntervalSet, Range, parse_prefix
from .objects import key_of
from .service_tags import AZURE_LB, INTERNET, lookup

PROTOCOLS = {"*": "*", "tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "esp": "Esp", "ah": "Ah"}
ALL_PORTS: tuple[Range, ...] = ((0, 65535),)

DEFAULT_RULES: list[dict[str, Any]] = [
    {"name": "AllowVnetInBound", "description": "Allow inbound traffic from all VMs in VNET",
     "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork",
     "access": "Allow", "priority": 65000, "direction": "Inbound"},
    {"name": "AllowAzureLoadBalancerInBound", "description": "Allow inbound traffic from azure load balancer",
     "sourceAddressPrefix": "AzureLoadBalancer", "destinationAddressPrefix": "*",
     "access": "Allow", "priority": 65001, "direction": "Inbound"},
    {"name": "DenyAllInBound", "description": "Deny all inbound traffic",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
     "access": "Deny", "priority": 65500, "direction": "Inbound"},
    {"name": "AllowVnetOutBound", "description": "Allow outbound traffic from all VMs to all VMs in VNET",
     "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork",
     "access": "Allow", "priority": 65000, "direction": "Outbound"},
    {"name": "AllowInternetOutBound", "description": "Allow outbound traffic from all VMs to Internet",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "Internet",
     "access": "Allow", "priority": 65001, "direction": "Outbound"},
    {"name": "DenyAllOutBound", "description": "Deny all outbound traffic",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
     "access": "Deny", "priority": 65500, "direction": "Outbound"},
]


def default_rules(nsg_id: str) -> list[dict[str, Any]]:
    """Azure's default security rules as ARM returns them in ``defaultSecurityRules``."""
    out = []
    for r in DEFAULT_RULES:
        props = {k: v for k, v in r.items() if k != "name"}
        props.update({"protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                      "sourcePortRanges": [], "destinationPortRanges": [], "sourceAddressPrefixes": [],
                      "destinationAddressPrefixes": [], "provisioningState": "Succeeded"})
        out.append({"name": r["name"], "id": f"{nsg_id}/defaultSecurityRules/{r['name']}",
                    "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules", "properties": props})
    return out


@dataclass(slots=True)
class AddrMatch:
    any: bool = False
    ranges: IntervalSet = field(default_factory=IntervalSet)
    vnet: bool = False
    asgs: frozenset[str] = frozenset()
    texts: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    def matches(self, ip: int, asgs: frozenset[str], vnet_space: IntervalSet) -> bool:
        if self.any or ip in self.ranges:
            return True
        if self.vnet and ip in vnet_space:
            return True
        return bool(self.asgs) and not self.asgs.isdisjoint(asgs)

    def concrete(self, vnet_space: IntervalSet, asg_ranges: dict[str, list[Range]] | None = None) -> list[Range]:
        """All matched addresses as ranges (ASGs as their members' addresses when given)."""
        if self.any:
            return [ANY]
        out = list(self.ranges.ranges)
        if self.vnet:
            out.extend(vnet_space.ranges)
        if asg_ranges:
            for a in self.asgs:
                out.extend(asg_ranges.get(a, ()))
        return out


_ADDR_CACHE: dict[tuple[str, ...], AddrMatch] = {}


def compile_addr(texts: list[str], asg_ids: list[str]) -> AddrMatch:
    ckey = tuple(texts) + ("|",) + tuple(asg_ids)
    hit = _ADDR_CACHE.get(ckey)
    if hit is not None:
        return hit
    anyflag = vnet = False
    ranges: list[Range] = []
    unknown: list[str] = []
    for t in texts:
        low = t.strip().lower()
        if low in ("*", "any"):
            anyflag = True
        elif low == "virtualnetwork":
            vnet = True
        elif low == "internet":
            ranges.extend(INTERNET)
        elif low == "azureloadbalancer":
            p = parse_prefix(AZURE_LB)
            ranges.append((p[0], p[1]))
        else:
            try:
                p = parse_prefix(t)
                ranges.append((p[0], p[1]))
            except AddressError:
                tag = lookup(t)
                if tag is None:
                    unknown.append(t)
                else:
                    for q in tag[1]:
                        pp = parse_prefix(q)
                        ranges.append((pp[0], pp[1]))
    m = AddrMatch(anyflag, IntervalSet(ranges), vnet, frozenset(key_of(a) for a in asg_ids),
                  tuple(texts), tuple(unknown))
    if len(_ADDR_CACHE) < 200_000:
        _ADDR_CACHE[ckey] = m
    return m


def parse_ports(texts: Iterable[str]) -> tuple[Range, ...]:
    out: list[Range] = []
    for t in texts:
        s = str(t).strip()
        if s in ("*", "any", "Any"):
            return ALL_PORTS
        lo, dash, hi = s.partition("-")
        if not lo.strip().isdigit() or (dash and not hi.strip().isdigit()):
            raise ValueError(f"invalid port or port range '{t}'")
        a, b = int(lo), int(hi) if dash else int(lo)
        if not 0 <= a <= b <= 65535:
            raise ValueError(f"invalid port or port range '{t}'")
        out.append((a, b))
    return tuple(out)


def _in_ports(port: int, ranges: tuple[Range, ...]) -> bool:
    for lo, hi in ranges:
        if lo <= port <= hi:
            return True
    return False


def _list(props: dict[str, Any], single: str, plural: str) -> list[str]:
    many = props.get(plural) or []
    one = props.get(single)
    vals = [str(x) for x in many if x not in (None, "")]
    if one not in (None, "") and not vals:
        vals = [str(one)]
    return vals


@dataclass(slots=True, eq=False)
class Rule:
    name: str
    display: str  # "securityRules/X" | "defaultSecurityRules/X"
    priority: int
    direction: str  # Inbound | Outbound
    allow: bool
    protocol: str  # * Tcp Udp Icmp Esp Ah
    sports: tuple[Range, ...]
    dports: tuple[Range, ...]
    src: AddrMatch
    dst: AddrMatch
    is_default: bool
    body: dict[str, Any]

    @property
    def access(self) -> str:
        return "Allow" if self.allow else "Deny"

    def matches_proto_ports(self, proto: str, sport: int | None, dport: int | None) -> bool:
        if self.protocol != "*" and self.protocol != proto:
            return False
        if proto in ("Tcp", "Udp"):
            if sport is not None and self.sports is not ALL_PORTS and not _in_ports(sport, self.sports):
                return False
            if dport is not None and self.dports is not ALL_PORTS and not _in_ports(dport, self.dports):
                return False
        return True

    def matches(self, proto: str, src: int, sport: int | None, dst: int, dport: int | None,
                src_asgs: frozenset[str], dst_asgs: frozenset[str], vnet_space: IntervalSet) -> bool:
        return (self.matches_proto_ports(proto, sport, dport)
                and self.src.matches(src, src_asgs, vnet_space)
                and self.dst.matches(dst, dst_asgs, vnet_space))


def compile_rule(raw: dict[str, Any], is_default: bool) -> Rule:
    props = raw.get("properties", raw)
    name = str(raw.get("name") or props.get("name") or "")
    proto = PROTOCOLS.get(str(props.get("protocol", "*")).lower())
    if proto is None:
        raise ValueError(f"unknown protocol {props.get('protocol')!r}")
    direction = str(props.get("direction", "")).capitalize()
    if direction not in ("Inbound", "Outbound"):
        raise ValueError(f"unknown direction {props.get('direction')!r}")
    access = str(props.get("access", "")).lower()
    if access not in ("allow", "deny"):
        raise ValueError(f"unknown access {props.get('access')!r}")
    sports = parse_ports(_list(props, "sourcePortRange", "sourcePortRanges") or ["*"])
    dports = parse_ports(_list(props, "destinationPortRange", "destinationPortRanges") or ["*"])
    sasg = [a.get("id", "") for a in props.get("sourceApplicationSecurityGroups") or [] if isinstance(a, dict)]
    dasg = [a.get("id", "") for a in props.get("destinationApplicationSecurityGroups") or [] if isinstance(a, dict)]
    stexts = _list(props, "sourceAddressPrefix", "sourceAddressPrefixes")
    dtexts = _list(props, "destinationAddressPrefix", "destinationAddressPrefixes")
    src = compile_addr(stexts if (stexts or sasg) else ["*"], sasg)
    dst = compile_addr(dtexts if (dtexts or dasg) else ["*"], dasg)
    prefix = "defaultSecurityRules/" if is_default else "securityRules/"
    return Rule(name, prefix + name, int(props.get("priority", 0)), direction, access == "allow", proto,
                sports, dports, src, dst, is_default, raw)


@dataclass(slots=True)
class Acl:
    key: str
    id: str
    name: str
    inbound: list[Rule]
    outbound: list[Rule]
    errors: list[str]
    body: dict[str, Any]

    def rules(self, direction: str) -> list[Rule]:
        return self.inbound if direction == "Inbound" else self.outbound

    def evaluate(self, direction: str, proto: str, src: int, sport: int | None, dst: int, dport: int | None,
                 src_asgs: frozenset[str], dst_asgs: frozenset[str], vnet_space: IntervalSet) -> Rule | None:
        for r in self.inbound if direction == "Inbound" else self.outbound:
            if r.matches(proto, src, sport, dst, dport, src_asgs, dst_asgs, vnet_space):
                return r
        return None


def compile_nsg(nsg_id: str, body: dict[str, Any], rules: list[dict[str, Any]],
                defaults: list[dict[str, Any]] | None) -> Acl:
    """``rules``: the merged securityRules (inline + child resources)."""
    errors: list[str] = []
    compiled: list[Rule] = []
    for raw in rules:
        try:
            compiled.append(compile_rule(raw, False))
        except (ValueError, TypeError) as exc:
            errors.append(f"securityRules/{raw.get('name')}: {exc}")
    for raw in defaults if defaults else default_rules(nsg_id):
        try:
            compiled.append(compile_rule(raw, True))
        except (ValueError, TypeError) as exc:
            errors.append(f"defaultSecurityRules/{raw.get('name')}: {exc}")
    compiled.sort(key=lambda r: r.priority)
    inbound = [r for r in compiled if r.direction == "Inbound"]
    outbound = [r for r in compiled if r.direction == "Outbound"]
    return Acl(key_of(nsg_id), nsg_id, str(body.get("name") or nsg_id.rsplit("/", 1)[-1]),
               inbound, outbound, errors, body)
