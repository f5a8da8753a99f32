"""NAT on a VPN gateway's site-to-site connections, as the network model and the verifier apply it (pure: ARM
bodies in, translations out).

Azure's rules ("About NAT on VPN Gateway", its FAQ; confirmed):
- an ``IngressSnat`` rule maps an on-premises space (internal mapping) to the space the VNet sees (external
  mapping): the source of packets coming in from the site, the destination of packets the VNet sends to it;
- an ``EgressSnat`` rule maps the VNet's space (internal) to the space the site sees (external): the source of
  packets leaving for the site, the destination of packets coming in;
- ``Static`` rules map 1:1 by offset (internal and external of the same size); ``Dynamic`` rules map a space onto a
  smaller pool and only translate traffic the internal side starts: traffic towards the external side of a dynamic
  rule is not established;
- NAT applies to the connections that list the rules (``ingressNatRules`` / ``egressNatRules``) and to nothing else;
  a prefix outside every linked rule is not translated;
- "Once a NAT rule is defined for a connection, the effective address space for the connection will change with
  the rule": the VNet's routes to the site are the post-NAT prefixes;
- with ``enableBgpRouteTranslationForNat`` the routes learned over a connection with IngressSnat rules are translated
  internal -> external, and the gateway advertises the VNet's space as the external prefixes of the connection's
  EgressSnat rules (and the other connections' learned routes post-NAT).

Inferred: a prefix larger than a rule's internal mapping keeps its untranslated remainder; a dynamic rule's pool
address for a source is the pool's address at the source's offset modulo the pool size (Azure picks one from the
pool; which one is not documented).

``GatewayNat`` (one per VPN gateway, from ``NetworkModel.gateway_nat(gateway_key)``) is the function the BGP
speakers consume: ``translate_learned(peer, prefix)`` and ``translate_advertised(peer, prefix)``."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Mapping:
    rule: str            # the rule's name (shown in traces)
    rule_id: str
    internal: Net
    external: Net
    static: bool


@dataclass(slots=True)
class ConnectionNat:
    key: str                                 # the connection's lower-case id
    name: str
    ingress: list[Mapping] = field(default_factory=list)
    egress: list[Mapping] = field(default_factory=list)
    onprem: list[str] = field(default_factory=list)      # the local network gateway's prefixes, pre-NAT
    peer: str | None = None                               # its BGP peer address (the LNG's bgpPeeringAddress)
    site_post_nat: bool = False   # Virtual WAN: the VPN site's address space already holds the external mappings

    def onprem_post_nat(self) -> list[str]:
        """The site's space as the VNet sees it (the connection's effective address space)."""
        if self.site_post_nat:
            return list(self.onprem)
        return [p for x in self.onprem for p in translate_prefix(x, self.ingress)]


def _net(text: Any) -> Net | None:
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def mappings(rule: dict[str, Any]) -> list[Mapping]:
    """The (internal, external) pairs of a NAT rule body: a static rule pairs its mappings in order; a dynamic rule
    maps every internal space onto its (first) external pool."""
    p = rule.get("properties") or {}
    internal = [n for n in (_net(m.get("addressSpace")) for m in p.get("internalMappings") or []
                            if isinstance(m, dict)) if n is not None]
    external = [n for n in (_net(m.get("addressSpace")) for m in p.get("externalMappings") or []
                            if isinstance(m, dict)) if n is not None]
    if not internal or not external:
        return []
    static = p.get("type", "Static") != "Dynamic"
    name, rid = str(rule.get("name") or ""), str(rule.get("id") or "")
    if static:
        return [Mapping(name, rid, i, e, True) for i, e in zip(internal, external, strict=False)
                if i.version == e.version and i.prefixlen == e.prefixlen]
    return [Mapping(name, rid, i, external[0], False) for i in internal if i.version == external[0].version]


def _offset(addr: int, src: Net, dst: Net) -> int:
    return int(dst.network_address) + (addr - int(src.network_address))


def translate_prefix(prefix: str, maps: Iterable[Mapping]) -> list[str]:
    """``prefix`` as seen through ``maps`` (internal -> external): inside a static mapping, the same offset in the
    external space; inside a dynamic one, the whole pool; a prefix holding a mapping's internal space gives the
    external space and keeps the rest untranslated; outside every mapping, itself."""
    net = _net(prefix)
    if net is None:
        return [prefix]
    pending: list[Net] = [net]
    out: list[str] = []
    for m in maps:
        rest: list[Net] = []
        for n in pending:
            if n.version != m.internal.version or not n.overlaps(m.internal):
                rest.append(n)
            elif n.subnet_of(m.internal):  # type: ignore[arg-type]
                if m.static:
                    first = _offset(int(n.network_address), m.internal, m.external)
                    out.append(str(ipaddress.ip_network((first, n.prefixlen))))
                else:
                    out.append(str(m.external))
            else:                           # n holds the mapping's space: translate that part, keep the rest
                out.append(str(m.external))
                rest.extend(n.address_exclude(m.internal))  # type: ignore[arg-type]
        pending = rest
    out.extend(str(n) for n in pending)
    return list(dict.fromkeys(out))


def _to_external(addr: int, maps: Iterable[Mapping]) -> tuple[int, Mapping] | None:
    for m in maps:
        if int(m.internal.network_address) <= addr <= int(m.internal.broadcast_address):
            if m.static:
                return _offset(addr, m.internal, m.external), m
            size = m.external.num_addresses
            return int(m.external.network_address) + (addr - int(m.internal.network_address)) % size, m
    return None


def _to_internal(addr: int, maps: Iterable[Mapping]) -> tuple[int | None, Mapping] | None:
    """The internal address behind an external one (None: a dynamic rule, which the external side cannot reach)."""
    for m in maps:
        if int(m.external.network_address) <= addr <= int(m.external.broadcast_address):
            return (_offset(addr, m.external, m.internal) if m.static else None), m
    return None


@dataclass(slots=True)
class Outbound:
    """A packet from the VNet to a site through a connection, after the gateway's NAT."""

    connection: ConnectionNat
    src: int
    dst: int | None                 # None: the destination is a dynamic rule's pool, which the VNet cannot reach
    src_rule: Mapping | None
    dst_rule: Mapping | None


@dataclass(slots=True)
class GatewayNat:
    gateway_key: str
    route_translation: bool                                      # enableBgpRouteTranslationForNat
    connections: dict[str, ConnectionNat] = field(default_factory=dict)
    gateway_id: str = ""
    name: str = ""
    hub_key: str = ""             # Virtual WAN: the hub the gateway is in

    def by_peer(self, peer: str) -> ConnectionNat | None:
        return next((c for c in self.connections.values() if c.peer == peer), None)

    def translate_learned(self, peer: str, prefix: str) -> list[str]:
        """A prefix learned over BGP from ``peer``, as the gateway uses it: with BGP route translation, through the
        IngressSnat rules of the peer's connection; else unchanged."""
        conn = self.by_peer(peer)
        if not self.route_translation or conn is None or not conn.ingress:
            return [prefix]
        return translate_prefix(prefix, conn.ingress)

    def translate_advertised(self, peer: str, prefix: str) -> list[str]:
        """A prefix the gateway announces to ``peer``: with BGP route translation, the VNet's space through the
        EgressSnat rules of the peer's connection (pass routes learned from other peers post-NAT:
        ``translate_learned``); else unchanged."""
        conn = self.by_peer(peer)
        if not self.route_translation or conn is None or not conn.egress:
            return [prefix]
        return translate_prefix(prefix, conn.egress)

    def outbound(self, src: int, dst: int) -> Outbound | None:
        """The connection a VNet packet to ``dst`` leaves by (the one whose post-NAT space holds it) and the packet
        after NAT; None when no connection with NAT rules holds ``dst``."""
        for conn in self.connections.values():
            if not (conn.ingress or conn.egress):
                continue
            if not any(_holds(p, dst) for p in conn.onprem_post_nat()):
                continue
            back = _to_internal(dst, conn.ingress)
            new_dst, dst_rule = (dst, None) if back is None else back
            fwd = _to_external(src, conn.egress)
            new_src, src_rule = (src, None) if fwd is None else fwd
            return Outbound(conn, new_src, new_dst, src_rule, dst_rule)
        return None


def _holds(prefix: str, addr: int) -> bool:
    net = _net(prefix)
    return net is not None and int(net.network_address) <= addr <= int(net.broadcast_address)


def gateway_nat(gw_key: str, gw_body: dict[str, Any], rules: dict[str, dict[str, Any]],
                connections: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> GatewayNat:
    """A VPN gateway's NAT: ``rules`` (lower-case rule id -> body: the natRules children and the gateway's inline
    ones), ``connections`` (lower-case id, connection body, its local network gateway body) of the gateway."""
    p = gw_body.get("properties") or {}
    out = GatewayNat(gw_key, p.get("enableBgpRouteTranslationForNat") is True, gateway_id=str(gw_body.get("id") or ""),
                     name=str(gw_body.get("name") or gw_key.rsplit("/", 1)[-1]))
    for ckey, body, lng in connections:
        cp = body.get("properties") or {}
        conn = ConnectionNat(ckey, str(body.get("name") or ckey.rsplit("/", 1)[-1]))
        for attr, prop in (("ingress", "ingressNatRules"), ("egress", "egressNatRules")):
            for ref in cp.get(prop) or []:
                rid = str((ref or {}).get("id") or "").lower().rstrip("/") if isinstance(ref, dict) else ""
                rule = rules.get(rid)
                if rule is not None:
                    getattr(conn, attr).extend(mappings(rule))
        lp = (lng or {}).get("properties") or {}
        conn.onprem = [x for x in (lp.get("localNetworkAddressSpace") or {}).get("addressPrefixes") or []
                       if isinstance(x, str)]
        peer = (lp.get("bgpSettings") or {}).get("bgpPeeringAddress")
        conn.peer = peer if isinstance(peer, str) else None
        out.connections[ckey] = conn
    return out


def wan_gateway_nat(gw_key: str, gw_body: dict[str, Any], rules: dict[str, dict[str, Any]],
                    connections: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> GatewayNat:
    """A Virtual WAN hub VPN gateway's NAT, one ConnectionNat per VPN site link connection: ``connections`` (VPN
    connection body, its VPN site body). The site's (or link's) space is taken as configured: Azure has the site's
    private address space hold the external mappings of its ingress rules."""
    p = gw_body.get("properties") or {}
    out = GatewayNat(gw_key, p.get("enableBgpRouteTranslationForNat") is True, gateway_id=str(gw_body.get("id") or ""),
                     name=str(gw_body.get("name") or gw_key.rsplit("/", 1)[-1]),
                     hub_key=str((p.get("virtualHub") or {}).get("id") or "").lower().rstrip("/"))
    for body, site in connections:
        sp = (site or {}).get("properties") or {}
        space = [x for x in (sp.get("addressSpace") or {}).get("addressPrefixes") or [] if isinstance(x, str)]
        links = {str(link.get("id") or "").lower(): link for link in sp.get("vpnSiteLinks") or [] if isinstance(link, dict)}
        for lc in (body.get("properties") or {}).get("vpnLinkConnections") or []:
            if not isinstance(lc, dict):
                continue
            lp = lc.get("properties") or {}
            key = str(lc.get("id") or "").lower()
            conn = ConnectionNat(key, str(lc.get("name") or key.rsplit("/", 1)[-1]), onprem=space, site_post_nat=True)
            for attr, prop in (("ingress", "ingressNatRules"), ("egress", "egressNatRules")):
                for ref in lp.get(prop) or []:
                    rule = rules.get(str((ref or {}).get("id") or "").lower().rstrip("/")) if isinstance(ref, dict) \
                        else None
                    if rule is not None:
                        getattr(conn, attr).extend(mappings(rule))
            link = links.get(str((lp.get("vpnSiteLink") or {}).get("id") or "").lower()) or {}
            peer = ((link.get("properties") or {}).get("bgpProperties") or {}).get("bgpPeeringAddress")
            conn.peer = peer if isinstance(peer, str) else None
            out.connections[key] = conn
    return out
