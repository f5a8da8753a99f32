"""NSG views in Azure's shapes: ``effectiveNetworkSecurityGroups`` of a NIC,
``securityGroupView`` of a VM, and ``networkConfigurationDiagnostic``."""

from __future__ import annotations

from typing import Any

from ..netmodel import Acl, NetworkModel, Nic, Rule, key_of
from ..netmodel.acl import ALL_PORTS, AddrMatch, compile_addr, default_rules
from ..netmodel.addr import IntervalSet, parse_prefix
from ..netmodel.parse import props
from . import params
from .errors import error, not_found
from .security import PROTO_WIRE, Packet, nsg_chain

EFFECTIVE_PROTO = {"*": "All", "Tcp": "Tcp", "Udp": "Udp", "Icmp": "Icmp", "Esp": "Esp", "Ah": "Ah"}


def _ports(ranges: tuple[tuple[int, int], ...]) -> list[str]:
    return [f"{lo}-{hi}" for lo, hi in (ALL_PORTS if ranges is ALL_PORTS else ranges)]


def _addr(m: AddrMatch, space: IntervalSet, asg_ranges: dict[str, list[tuple[int, int]]]) -> tuple[list[str], list[str]]:
    """(prefixes as Azure shows them, expanded prefixes)."""
    if m.any:
        return ["0.0.0.0/0"], []
    shown = list(m.texts) + sorted(m.asgs)
    expanded: list[str] = []
    tagged = any(t.lower() not in ("*",) and _is_tag(t) for t in m.texts) or m.asgs
    if tagged:
        for t in m.texts:
            if t.lower() == "virtualnetwork":
                expanded.extend(space.prefixes())
            elif _is_tag(t):
                expanded.extend(IntervalSet(_ranges_of(t)).prefixes())
            else:
                expanded.append(t)
        for a in sorted(m.asgs):
            expanded.extend(IntervalSet(asg_ranges.get(a, [])).prefixes())
    return shown, expanded


def _is_tag(t: str) -> bool:
    try:
        parse_prefix(t)
        return False
    except ValueError:
        return True


def _ranges_of(tag: str) -> list[tuple[int, int]]:
    return list(compile_addr([tag], []).ranges.ranges)


def effective_rule(rule: Rule, space: IntervalSet, asg_ranges: dict[str, list[tuple[int, int]]]) -> dict[str, Any]:
    """Azure's EffectiveNetworkSecurityRule for one compiled rule."""
    out: dict[str, Any] = {"name": rule.display, "protocol": EFFECTIVE_PROTO.get(rule.protocol, rule.protocol)}
    for side, ranges in (("source", rule.sports), ("destination", rule.dports)):
        shown = _ports(ranges)
        if len(shown) == 1:
            out[f"{side}PortRange"] = shown[0]
        else:
            out[f"{side}PortRanges"] = shown
    for side, m in (("source", rule.src), ("destination", rule.dst)):
        shown, expanded = _addr(m, space, asg_ranges)
        if len(shown) == 1:
            out[f"{side}AddressPrefix"] = shown[0]
        else:
            out[f"{side}AddressPrefixes"] = shown
        out[f"expanded{side.capitalize()}AddressPrefix"] = expanded
    out.update({"access": rule.access, "priority": rule.priority, "direction": rule.direction})
    return out


def _nic(model: NetworkModel, nic_id: str) -> Nic:
    nic = model.nics.get(key_of(nic_id))
    if nic is None:
        raise not_found(nic_id)
    return nic


def _applied(model: NetworkModel, nic: Nic) -> list[tuple[Acl, dict[str, Any]]]:
    out: list[tuple[Acl, dict[str, Any]]] = []
    if nic.nsg_key and nic.nsg_key in model.acls:
        out.append((model.acls[nic.nsg_key], {"networkInterface": {"id": nic.id}}))
    sub = model.subnets.get(nic.subnet_key or "")
    if sub is not None and sub.nsg_key and sub.nsg_key in model.acls:
        out.append((model.acls[sub.nsg_key], {"subnet": {"id": sub.id}}))
    return out


def effective_network_security_groups(model: NetworkModel, nic_id: str) -> dict[str, Any]:
    """``networkInterfaces/{nic}/effectiveNetworkSecurityGroups`` -> EffectiveNetworkSecurityGroupListResult."""
    nic = _nic(model, nic_id)
    space = model.vnet_space(model.subnet_vnet(nic.subnet_key))
    asg_ranges = model.asg_ranges()
    value = []
    for acl, assoc in _applied(model, nic):
        rules = [effective_rule(r, space, asg_ranges) for r in acl.inbound + acl.outbound]
        tag_map: dict[str, list[str]] = {}
        for r in rules:
            for side in ("source", "destination"):
                name = r.get(f"{side}AddressPrefix")
                if isinstance(name, str) and r[f"expanded{side.capitalize()}AddressPrefix"]:
                    tag_map[name] = r[f"expanded{side.capitalize()}AddressPrefix"]
        value.append({"networkSecurityGroup": {"id": acl.id}, "association": assoc,
                      "effectiveSecurityRules": rules, "tagMap": tag_map})
    return {"value": value}


def _raw_rules(acl: Acl, default: bool) -> list[dict[str, Any]]:
    out = []
    for r in acl.inbound + acl.outbound:
        if r.is_default != default:
            continue
        body = dict(r.body)
        body.setdefault("id", f"{acl.id}/{'defaultSecurityRules' if default else 'securityRules'}/{r.name}")
        out.append(body)
    return sorted(out, key=lambda b: (props(b).get("direction", ""), props(b).get("priority", 0)))


def security_group_view(model: NetworkModel, body: dict[str, Any]) -> dict[str, Any]:
    """``networkWatchers/{nw}/securityGroupView`` -> SecurityGroupViewResult."""
    target = params.resource_id(body, "targetResourceId")
    assert target is not None
    _, nics = params.target_nics(model, target)
    asg_ranges = model.asg_ranges()
    out = []
    for nic in nics:
        assoc: dict[str, Any] = {}
        space = model.vnet_space(model.subnet_vnet(nic.subnet_key))
        defaults: list[dict[str, Any]] = []
        effective: list[dict[str, Any]] = []
        for acl, where in _applied(model, nic):
            entry = {"id": where.get("networkInterface", where.get("subnet", {})).get("id"),
                     "securityRules": _raw_rules(acl, False)}
            assoc["networkInterfaceAssociation" if "networkInterface" in where else "subnetAssociation"] = entry
            defaults = _raw_rules(acl, True) or default_rules(acl.id)
            effective.extend(effective_rule(r, space, asg_ranges) for r in acl.inbound + acl.outbound)
        assoc["defaultSecurityRules"] = defaults
        assoc["effectiveSecurityRules"] = effective
        out.append({"id": nic.id, "securityRuleAssociations": assoc})
    return {"networkInterfaces": out}


def _endpoint(value: Any, name: str) -> tuple[int | None, str]:
    """A profile's source/destination: an IP, a prefix (its first address) or * (wildcard -> None)."""
    s = str(value).strip()
    if s in ("*", ""):
        return None, s or "*"
    try:
        lo, _, _ = parse_prefix(s)
    except ValueError:
        raise error("bad_format", f"The value '{value}' of parameter '{name}' is not a valid IP address "
                    "or prefix.", name) from None
    return lo, s


def _rule_eval(rule: Rule, pkt: Packet, src_w: bool, dst_w: bool, sa: frozenset[str], da: frozenset[str],
               space: IntervalSet) -> dict[str, Any]:
    proto_ok = rule.protocol == "*" or rule.protocol == pkt.proto or pkt.proto == "*"
    dport_ok = pkt.dport is None or rule.dports is ALL_PORTS or any(lo <= pkt.dport <= hi for lo, hi in rule.dports)
    return {"name": rule.display, "protocolMatched": proto_ok, "sourceMatched": src_w or rule.src.matches(pkt.src, sa, space),
            "sourcePortMatched": True, "destinationMatched": dst_w or rule.dst.matches(pkt.dst, da, space),
            "destinationPortMatched": dport_ok}


def network_configuration_diagnostic(model: NetworkModel, body: dict[str, Any]) -> dict[str, Any]:
    """``networkWatchers/{nw}/networkConfigurationDiagnostic`` -> NetworkConfigurationDiagnosticResponse."""
    target = params.resource_id(body, "targetResourceId")
    assert target is not None
    _, nics = params.target_nics(model, target)
    profiles = params.field(body, "profiles")
    if not isinstance(profiles, list) or not profiles:
        raise error("bad_format", "Required property 'profiles' must be a non-empty array.", "profiles")
    results = []
    for prof in profiles:
        direction = params.enum(prof, "direction", ["Inbound", "Outbound"])
        proto = params.enum(prof, "protocol", ["TCP", "UDP", "ICMP", "*"])
        src, _ = _endpoint(params.field(prof, "source"), "source")
        dst, _ = _endpoint(params.field(prof, "destination"), "destination")
        dport = params.port({"p": params.field(prof, "destinationPort")}, "p")
        assert direction is not None and proto is not None
        local = dst if direction == "Inbound" else src
        cfg = next((c for n in nics for c in n.ipconfigs if local is not None and c.ip == local), None)
        cfg = cfg or nics[0].primary_ipconfig
        if cfg is None:
            raise error("bad_reference", f"'{target}' has no IP configuration.", "targetResourceId")
        vnet = model.subnet_vnet(cfg.subnet_key)
        space = model.vnet_space(vnet)
        pkt = Packet(PROTO_WIRE[proto], src if src is not None else 0, None, dst if dst is not None else 0, dport)
        sa = cfg.asgs if direction == "Outbound" else frozenset()
        da = cfg.asgs if direction == "Inbound" else frozenset()
        evaluated = []
        allowed = True
        for acl, applied, _level in nsg_chain(model, cfg, direction):
            rules = acl.rules(direction)
            evals = [_rule_eval(r, pkt, src is None, dst is None, sa, da, space) for r in rules]
            matched = next((r for r, e in zip(rules, evals, strict=True)
                            if all(v for k, v in e.items() if k != "name")), None)
            entry: dict[str, Any] = {"networkSecurityGroupId": acl.id, "appliedTo": applied,
                                     "rulesEvaluationResult": evals}
            if matched is not None:
                entry["matchedRule"] = {"ruleName": matched.display, "action": matched.access}
            evaluated.append(entry)
            if matched is None or not matched.allow:
                allowed = False
                break
        results.append({"profile": prof, "networkSecurityGroupResult": {
            "securityRuleAccessResult": "Allow" if allowed else "Deny",
            "evaluatedNetworkSecurityGroups": evaluated}})
    return {"results": results}
