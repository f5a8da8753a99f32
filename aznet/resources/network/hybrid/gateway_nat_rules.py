"""Microsoft.Network/virtualNetworkGateways/natRules: NAT on a VPN gateway, and the connections that use it
(``ingressNatRules`` / ``egressNatRules``).

Confirmed (Azure's "About NAT on VPN Gateway"): NAT runs on VpnGw2-5 and VpnGw2AZ-5AZ; rules are Static
(a fixed 1:1 mapping) or Dynamic (a smaller target pool); IngressSnat translates an on-premises space,
EgressSnat the VNet's; internal mappings are the space before translation, external after; the external
mappings of all rules must not overlap each other; NAT is for IPsec cross-premises connections only (not
VNet-to-VNet). Inferred: the error codes; Static rules' internal and external mappings pair up one to one with
equal prefix lengths; a connection's ingress list holds IngressSnat rules of its own gateway, the egress list
EgressSnat ones; a rule a connection uses cannot be deleted."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..ref_checks import enum, ref_id, since

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/virtualNetworkGateways/natRules"
CONNECTION_TYPE = "microsoft.network/connections"
NAT_SKUS = {f"vpngw{n}{az}" for n in range(2, 6) for az in ("", "az")}
MAX_MAPPINGS = 64
MAX_RULES = 100


def _net(value: Any, where: str, rule: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(value, str):
        raise bad("InvalidNatRuleMapping", f"NAT rule {rule}: {where}.addressSpace must be a CIDR prefix string.")
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError:
        raise bad("InvalidNatRuleMapping", f"NAT rule {rule}: {where}.addressSpace '{value}' is not a valid "
                  "CIDR prefix (the host bits must be zero).") from None


def _port_range(value: Any, where: str, rule: str) -> None:
    if value is None:
        return
    text = value if isinstance(value, str) else ""
    lo, _, hi = text.partition("-")
    try:
        a, b = int(lo), int(hi or lo)
    except ValueError:
        a, b = -1, -1
    if not (1 <= a <= b <= 65535):
        raise bad("InvalidNatRulePortRange", f"NAT rule {rule}: {where}.portRange '{value}' must be a port or a "
                  "range 'start-end' between 1 and 65535.")


def _mappings(props: dict[str, Any], key: str, rule: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = props.get(key)
    if raw is None or raw == []:
        raise bad("NatRuleMappingRequired", f"NAT rule {rule} needs at least one entry in properties.{key}.")
    if not isinstance(raw, list) or len(raw) > MAX_MAPPINGS:
        raise bad("InvalidNatRuleMapping", f"NAT rule {rule}: properties.{key} must be a list of at most "
                  f"{MAX_MAPPINGS} mappings.")
    out = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict):
            raise bad("InvalidNatRuleMapping", f"NAT rule {rule}: properties.{key}[{i}] must be an object.")
        out.append(_net(m.get("addressSpace"), f"properties.{key}[{i}]", rule))
        _port_range(m.get("portRange"), f"properties.{key}[{i}]", rule)
    return out


def gateway_of(rule_id: str) -> str:
    return rule_id.rsplit("/natRules/", 1)[0]


class NatRuleHooks(Hooks):
    rule_type = TYPE

    def check_gateway(self, gw: dict[str, Any], rid: str) -> None:
        gp = gw.get("properties") or {}
        sku = str((gp.get("sku") or {}).get("name") or "")
        if gp.get("gatewayType") != "Vpn" or gp.get("vpnType") == "PolicyBased" or sku.lower() not in NAT_SKUS:
            raise bad("NatRuleNotSupportedOnGateway",
                      f"NAT rule {rid}: NAT is supported on route-based VPN gateways of SKU VpnGw2-5 and "
                      f"VpnGw2AZ-5AZ; gateway {gw.get('id', gateway_of(rid))} is {gp.get('gatewayType')} "
                      f"{gp.get('vpnType')} {sku}.")

    def users(self, ctx: Ctx, rule_id: str) -> list[str]:
        return users_of(ctx, rule_id)

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new.setdefault("properties", {})
        rid = new["id"]
        gw = ctx.body(gateway_of(rid)) or {}
        gp = gw.get("properties") or {}
        self.check_gateway(gw, rid)
        props["type"] = enum(props.get("type"), ("Static", "Dynamic"), "properties.type", "VpnNatRuleType", "Static")
        props["mode"] = enum(props.get("mode"), ("EgressSnat", "IngressSnat"), "properties.mode", "VpnNatRuleMode",
                             "EgressSnat")
        internal = _mappings(props, "internalMappings", rid)
        external = _mappings(props, "externalMappings", rid)
        if props["type"] == "Static":
            if len(internal) != len(external) or any(a.prefixlen != b.prefixlen or a.version != b.version
                                                     for a, b in zip(internal, external, strict=False)):
                raise bad("StaticNatRuleMappingsMismatch",
                          f"Static NAT rule {rid} maps addresses one to one: its internal and external mappings "
                          "must pair up with address spaces of the same size.")
        cfg = ref_id({"id": props["ipConfigurationId"]} if isinstance(props.get("ipConfigurationId"), str)
                     else props.get("ipConfigurationId"), "properties.ipConfigurationId")
        if cfg is not None:
            known = {normalize(str(c.get("id") or f"{gw.get('id')}/ipConfigurations/{c.get('name')}"))
                     for c in gp.get("ipConfigurations") or []}
            if normalize(cfg) not in known:
                raise bad("InvalidNatRuleIpConfiguration",
                          f"NAT rule {rid}: ipConfigurationId {cfg} is not an IP configuration of its gateway.")
        self._external_overlap(ctx, rid, external)
        if props["type"] == "Dynamic":
            for e in external:
                if e.prefixlen < (26 if e.version == 4 else 122):
                    raise bad("DynamicNatRuleExternalMappingTooLarge",
                              f"Dynamic NAT rule {rid}: external mapping {e} is larger than /26, the largest pool a "
                              "dynamic NAT rule supports.")
        count = sum(1 for rec in ctx.txn.children(normalize(gateway_of(rid)), self.rule_type)
                    if rec.key != normalize(rid))
        if count >= MAX_RULES:
            raise bad("MaximumNatRulesPerGatewayReached",
                      f"NAT rule {rid}: a VPN gateway holds at most {MAX_RULES} NAT rules (ingress and egress).")

    def _external_overlap(self, ctx: Ctx, rid: str, external: list[Any]) -> None:
        for rec in ctx.txn.children(normalize(gateway_of(rid)), self.rule_type):
            if rec.key == normalize(rid):
                continue
            for m in (rec.body.get("properties") or {}).get("externalMappings") or []:
                try:
                    other = ipaddress.ip_network(str(m.get("addressSpace")))
                except ValueError:
                    continue
                for mine in external:
                    if mine.version == other.version and mine.overlaps(other):
                        raise bad("NatRuleExternalMappingsOverlap",
                                  f"NAT rule {rid}: external mapping {mine} overlaps external mapping {other} of "
                                  f"NAT rule {rec.id}; external mappings of a gateway's rules must not overlap.")

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        users = self.users(ctx, body["id"])
        if users:
            raise bad("NatRuleInUse", f"NAT rule {body['id']} cannot be deleted because connection {users[0]} "
                      "uses it.")


def users_of(ctx: Ctx, rule_id: str) -> list[str]:
    out = []
    for rec in ctx.referrers(rule_id):
        if rec.type.lower() == CONNECTION_TYPE:
            out.append(rec.id)
    return out


def check_connection(ctx: Ctx, new: dict[str, Any], ctype: str, gw1: dict[str, Any]) -> None:
    """A connection's ingressNatRules / egressNatRules: NAT rules of its own gateway, of the matching mode, on an
    IPsec connection only."""
    props = new["properties"]
    cid = new["id"]
    for key, mode in (("ingressNatRules", "IngressSnat"), ("egressNatRules", "EgressSnat")):
        raw = props.get(key)
        if raw is None or raw == []:
            continue
        if ctype != "IPsec":
            raise bad("NatRuleNotSupportedOnConnectionType",
                      f"Connection {cid}: NAT rules apply to IPsec site-to-site connections only, not {ctype}.")
        props[key] = check_refs(ctx, raw, key, mode, gw1["id"], f"Connection {cid}")
    if ctype == "IPsec" and (props.get("ingressNatRules") or props.get("egressNatRules")):
        if props.get("usePolicyBasedTrafficSelectors") is True:
            raise bad("NatRuleNotSupportedWithPolicyBasedTrafficSelectors",
                      f"Connection {cid}: NAT rules are not supported on a connection with policy-based traffic "
                      "selectors (usePolicyBasedTrafficSelectors).")
        _spaces_clear(ctx, new, gw1)


def check_refs(ctx: Ctx, raw: Any, key: str, mode: str, gw_id: str, owner: str) -> list[dict[str, str]]:
    """A connection's list ``key`` of NAT rule references: rules of gateway ``gw_id`` of mode ``mode``, each once."""
    if raw is None or raw == []:
        return []
    if not isinstance(raw, list):
        raise bad("InvalidNatRuleReference", f"{owner}: {key} must be a list of references.")
    seen: list[dict[str, str]] = []
    for i, item in enumerate(raw):
        ref = ref_id(item, f"{key}[{i}]") or ""
        if normalize(gateway_of(ref)) != normalize(gw_id) or "/natrules/" not in ref.lower():
            raise bad("InvalidNatRuleReference", f"{owner}: {key}[{i}] {ref} is not a NAT rule of gateway {gw_id}.")
        rule = ctx.body(ref)
        if rule is None:
            raise bad("InvalidNatRuleReference", f"{owner}: NAT rule {ref} was not found.")
        if (rule.get("properties") or {}).get("mode") != mode:
            raise bad("NatRuleModeMismatch",
                      f"{owner}: {key} holds {mode} rules; NAT rule {rule['id']} is "
                      f"{(rule.get('properties') or {}).get('mode')}.")
        if any(normalize(s["id"]) == normalize(rule["id"]) for s in seen):
            raise bad("DuplicateNatRuleReference", f"{owner}: NAT rule {rule['id']} is listed twice.")
        seen.append({"id": rule["id"]})
    return seen


def _nets(prefixes: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for p in prefixes or []:
        try:
            out.append(ipaddress.ip_network(str(p), strict=False))
        except ValueError:
            continue
    return out


def _external(ctx: Ctx, refs: list[dict[str, str]]) -> list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    out = []
    for ref in refs:
        rule = ctx.body(ref["id"]) or {}
        for m in (rule.get("properties") or {}).get("externalMappings") or []:
            out.extend((rule.get("name", ""), n) for n in _nets([m.get("addressSpace")]))
    return out


def _post_nat(ctx: Ctx, conn: dict[str, Any]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A site-to-site connection's site space as the VNet sees it (through its IngressSnat rules)."""
    from ....netmodel import vpn_nat

    p = conn.get("properties") or {}
    lng = ctx.body(((p.get("localNetworkGateway2") or {}).get("id")) or "") or {}
    space = ((lng.get("properties") or {}).get("localNetworkAddressSpace") or {}).get("addressPrefixes") or []
    maps = [m for ref in p.get("ingressNatRules") or [] if isinstance(ref, dict)
            for m in vpn_nat.mappings(ctx.body(str(ref.get("id") or "")) or {})]
    return _nets(t for x in space for t in vpn_nat.translate_prefix(str(x), maps))


def _site_space(ctx: Ctx, conn_props: dict[str, Any]) -> list[str]:
    lng = ctx.body(((conn_props.get("localNetworkGateway2") or {}).get("id")) or "") or {}
    return sorted(str(n) for n in _nets(((lng.get("properties") or {}).get("localNetworkAddressSpace") or {})
                                        .get("addressPrefixes")))


def _spaces_clear(ctx: Ctx, new: dict[str, Any], gw1: dict[str, Any]) -> None:
    """Azure: "the address spaces for all External Mappings must not overlap with each other and with the networks
    connected without NAT": an IngressSnat external mapping neither overlaps the VNet nor what the gateway's other
    sites are seen as; an EgressSnat external mapping does not overlap the site it is shown to. And (FAQ) one
    IngressSnat rule serves the connections to one on-premises network (several, for redundancy), not to different
    networks; connections to the same network (the same local network gateway, or one with the same address space)
    are not "other sites"."""
    props = new["properties"]
    cid = new["id"]
    subnet = next((((c.get("properties") or {}).get("subnet") or {}).get("id") for c in
                   (gw1.get("properties") or {}).get("ipConfigurations") or []), None) or ""
    vnet = ctx.body(subnet[: subnet.lower().rfind("/subnets/")]) if "/subnets/" in subnet.lower() else None
    vnet_space = _nets((((vnet or {}).get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes"))
    lng_id = normalize(((props.get("localNetworkGateway2") or {}).get("id")) or "")
    site = _site_space(ctx, props)
    mine = {normalize(r["id"]) for r in props.get("ingressNatRules") or []}
    others: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for rec in ctx.referrers(gw1["id"]):
        p = rec.body.get("properties") or {}
        if rec.type.lower() != CONNECTION_TYPE or rec.key == normalize(cid) or p.get("connectionType") != "IPsec":
            continue
        same_network = normalize(((p.get("localNetworkGateway2") or {}).get("id")) or "") == lng_id or \
            _site_space(ctx, p) == site
        shared = mine & {normalize(str(r.get("id") or "")) for r in p.get("ingressNatRules") or []
                         if isinstance(r, dict)}
        if shared and not same_network:
            raise bad("IngressNatRuleUsedForAnotherNetwork",
                      f"Connection {cid}: IngressSnat rule {sorted(shared)[0]} is used by connection {rec.id} to "
                      "another on-premises network; an ingress rule serves the connections to one on-premises "
                      "network.")
        if not (same_network and shared):
            others.extend((f"the site of connection {rec.id}", n) for n in _post_nat(ctx, rec.body))
    against = [(f"the address space of virtual network {vnet.get('id') if vnet else ''}", n) for n in vnet_space]
    for name, ext in _external(ctx, props.get("ingressNatRules") or []):
        for what, n in against + others:
            if ext.version == n.version and ext.overlaps(n):
                raise bad("NatRuleExternalMappingOverlapsAddressSpace",
                          f"Connection {cid}: external mapping {ext} of IngressSnat rule {name} overlaps {n}, "
                          f"{what}; external mappings must not overlap the networks connected to the gateway.")
    lng = ctx.body(lng_id) or {}
    site = _nets(((lng.get("properties") or {}).get("localNetworkAddressSpace") or {}).get("addressPrefixes"))
    for name, ext in _external(ctx, props.get("egressNatRules") or []):
        for n in site:
            if ext.version == n.version and ext.overlaps(n):
                raise bad("NatRuleExternalMappingOverlapsAddressSpace",
                          f"Connection {cid}: external mapping {ext} of EgressSnat rule {name} overlaps {n}, the "
                          "address space of its local network gateway.")


REGISTRY.add(ResourceType(TYPE, since("2021-02-01"), model="VirtualNetworkGatewayNatRule", location="none",
                          hooks=NatRuleHooks(), names=NameRule(1, 80)))
