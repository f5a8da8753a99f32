"""Hop-by-hop path trace, Batfish style: from a NIC IP configuration to a
destination address, through the source's outbound NSGs, its subnet's route
lookup, the next hop (VNet, peering, virtual appliance with IP forwarding,
gateway, Internet, None) and the destination's inbound NSGs.

Dispositions (Batfish names): ACCEPTED, DENIED_OUT, DENIED_IN, NO_ROUTE,
NULL_ROUTED (next hop None), EXITS_NETWORK (Internet, gateway, service
endpoint), NEIGHBOR_UNREACHABLE (no NIC holds the next-hop or destination IP,
or the appliance NIC does not forward), LOOP, NAT_DROPPED (a VPN gateway's
dynamic NAT rule cannot carry traffic started from its external side)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..netmodel import EffectiveRoute, IpConfig, NetworkModel
from ..netmodel.addr import format_ip, try_ip
from ..netmodel.firewall import Firewall
from .security import NsgStep, Packet, evaluate, verdict

ACCEPTED = "ACCEPTED"
DENIED_OUT = "DENIED_OUT"
DENIED_IN = "DENIED_IN"
NO_ROUTE = "NO_ROUTE"
NULL_ROUTED = "NULL_ROUTED"
EXITS_NETWORK = "EXITS_NETWORK"
NEIGHBOR_UNREACHABLE = "NEIGHBOR_UNREACHABLE"
LOOP = "LOOP"
NAT_DROPPED = "NAT_DROPPED"
MAX_HOPS = 16


@dataclass(slots=True)
class Step:
    action: str  # NSG_OUT, NSG_IN, ROUTE, FORWARD, DELIVER, DROP
    result: str  # allowed, denied, matched, ...
    detail: str
    resource_id: str | None = None
    rule: str | None = None


@dataclass(slots=True)
class Hop:
    kind: str  # Source, VirtualAppliance, Destination, Internet, VirtualNetworkGateway, ...
    name: str
    address: str | None
    resource_id: str | None
    steps: list[Step] = field(default_factory=list)


@dataclass(slots=True)
class Trace:
    hops: list[Hop]
    disposition: str
    reason: str
    deciding_rule: str | None = None  # "nsg-name: securityRules/X"
    deciding_resource: str | None = None
    route: EffectiveRoute | None = None

    @property
    def reachable(self) -> bool:
        return self.disposition == ACCEPTED

    def to_dict(self) -> dict[str, Any]:
        return {"disposition": self.disposition, "reason": self.reason, "decidingRule": self.deciding_rule,
                "hops": [{"kind": h.kind, "name": h.name, "address": h.address, "resourceId": h.resource_id,
                          "steps": [{"action": s.action, "result": s.result, "detail": s.detail,
                                     "resourceId": s.resource_id, "rule": s.rule} for s in h.steps]}
                         for h in self.hops]}


def _nsg_steps(steps: list[NsgStep], action: str) -> list[Step]:
    out = []
    for s in steps:
        rule = s.rule.display if s.rule else None
        res = "allowed" if s.allowed else "denied"
        out.append(Step(action, res, f"{s.level} NSG {s.acl.name}: {rule or 'no rule matched'} -> {res}",
                        s.acl.id, f"{s.acl.name}: {rule}" if rule else s.acl.name))
    return out


def _nsgs(model: NetworkModel, hops: list[Hop], hop: Hop, at: IpConfig, direction: str, pkt: Packet, denied: str,
          route: EffectiveRoute | None = None) -> Trace | None:
    """The NSGs on ``at`` for ``direction``: their steps go on ``hop``; a denial ends the trace (``denied``
    says where), else None."""
    steps = evaluate(model, at, direction, pkt)
    hop.steps.extend(_nsg_steps(steps, "NSG_OUT" if direction == "Outbound" else "NSG_IN"))
    ok, decide = verdict(steps)
    if ok or decide is None:
        return None
    rule = decide.rule.display if decide.rule else "no rule matched"
    return Trace(hops, DENIED_OUT if direction == "Outbound" else DENIED_IN, f"{denied} by {decide.acl.name}: {rule}",
                 f"{decide.acl.name}: {rule}", decide.acl.id, route)


def _route_step(r: EffectiveRoute) -> Step:
    pfx = ",".join(p.text for p in r.prefixes[:3]) + ("…" if len(r.prefixes) > 3 else "")
    via = f" {r.next_hop_ips[0]}" if r.next_hop_ips else ""
    name = f" ({r.name})" if r.name else ""
    return Step("ROUTE", "matched", f"{r.source} route {pfx} -> {r.next_hop_type}{via}{name}",
                r.route_table_id, r.name)


def _public_ip_target(model: NetworkModel, dst: int) -> IpConfig | None:
    pip = model.public_ip_at(dst)
    if pip is not None and pip.ipconfig_key:
        return model.ipconfigs.get(pip.ipconfig_key)
    return None


def _peering(model: NetworkModel, a: str | None, b: str | None) -> Any:
    v = model.vnets.get(a or "")
    return next((p for p in v.peerings if p.remote_key == b), None) if v else None


def _firewall_cfg(fw: Firewall) -> IpConfig:
    """The firewall as a forwarding interface in its AzureFirewallSubnet (no NIC, no NSG of its own)."""
    ip = fw.private_ip
    return IpConfig(f"{fw.key}/azurefirewallipconfigurations/data", fw.id, fw.name, "", ip,
                    format_ip(ip) if ip is not None else None, fw.subnet_key, frozenset(), None, (), True)


def _firewall_hop(fw: Firewall, pkt: Packet, host: str | None) -> tuple[Hop, Any]:
    hop = Hop("AzureFirewall", fw.name, format_ip(fw.private_ip) if fw.private_ip is not None else None, fw.id)
    v = fw.evaluate(pkt.proto, pkt.src, pkt.dst, pkt.dport, host)
    res = "allowed" if v.allowed else "denied"
    hop.steps.append(Step("FIREWALL", res, f"Azure Firewall {fw.name}: {v.stage} {v.display} -> {res}", fw.id,
                          f"{fw.name}: {v.display}"))
    return hop, v


def trace(model: NetworkModel, src: IpConfig, pkt: Packet, extra: dict[int, IpConfig] | None = None,
          host: str | None = None) -> Trace:
    """Trace ``pkt`` leaving ``src``. ``extra``: stand-in endpoints (address -> IpConfig) for addresses
    no NIC holds, e.g. a subnet's representative address in the reachability matrix. ``host``: the name
    the flow is for (TLS SNI / HTTP Host), which Azure Firewall's application rules match."""
    hops: list[Hop] = []
    nic = model.nics.get(src.nic_key)
    cur = src
    hop = Hop("Source", nic.name if nic else src.name, src.ip_text, src.id)
    hops.append(hop)
    visited = {cur.key}
    forwarded = False
    for _ in range(MAX_HOPS):
        if cur.ip == pkt.dst:
            hop.steps.append(Step("DELIVER", "accepted", "destination is this interface"))
            return Trace(hops, ACCEPTED, "delivered to the source interface itself")
        denied = _nsgs(model, hops, hop, cur, "Outbound", pkt, "denied outbound")
        if denied is not None:
            return denied
        vnet = model.subnet_vnet(cur.subnet_key)
        routes = model.subnet_routes(cur.subnet_key or "")
        route = routes.lookup(pkt.dst) if routes else None
        if route is None:
            hop.steps.append(Step("ROUTE", "no route", f"no route to {format_ip(pkt.dst)}"))
            return Trace(hops, NO_ROUTE, f"no route to {format_ip(pkt.dst)}")
        hop.steps.append(_route_step(route))
        t = route.next_hop_type
        rname = f"{route.source} route {route.prefixes[0].text} -> {t}"
        if t == "None":
            return Trace(hops, NULL_ROUTED, f"dropped: {rname}", route.name, route.route_table_id, route)
        fw_pub = model.firewall_with_public_ip(pkt.dst) if t == "Internet" else None
        if fw_pub is not None and fw_pub.key not in visited:
            hops.append(Hop("Internet", "Internet", None, None))
            hop, v = _firewall_hop(fw_pub, pkt, host)
            hops.append(hop)
            if not v.allowed or v.translated is None or fw_pub.private_ip is None:
                return Trace(hops, DENIED_IN, f"denied by Azure Firewall {fw_pub.name}: {v.display}",
                             f"{fw_pub.name}: {v.display}", fw_pub.id, route)
            hop.steps.append(Step("FORWARD", "translated", f"DNAT to {format_ip(v.translated[0])}:{v.translated[1]}"
                                  f" (source translated to {format_ip(fw_pub.private_ip)})"))
            visited.add(fw_pub.key)
            pkt = Packet(pkt.proto, fw_pub.private_ip, pkt.sport, v.translated[0], v.translated[1])
            cur = _firewall_cfg(fw_pub)
            forwarded = True
            continue
        if t in ("Internet", "VirtualNetworkServiceEndpoint"):
            target = _public_ip_target(model, pkt.dst) if t == "Internet" else None
            if target is None:
                hops.append(Hop(t if t == "Internet" else "AzureService", t, format_ip(pkt.dst), None))
                return Trace(hops, EXITS_NETWORK, f"exits the network: {rname}", route=route)
            hops.append(Hop("Internet", "Internet", None, None))
            dest_cfg: IpConfig | None = target
            dst_pkt = Packet(pkt.proto, pkt.src, pkt.sport, target.ip or 0, pkt.dport)
            return _deliver(model, hops, dest_cfg, dst_pkt, route)
        if t == "VirtualNetworkGateway":
            gw_ips = route.next_hop_ips
            if not gw_ips and not model.gateways_for_vnet(vnet or ""):
                return Trace(hops, NULL_ROUTED, f"dropped: {rname} but the VNet has no gateway", route.name,
                             route.route_table_id, route)
            gw = model.gateways.get(route.gateway_key or "")
            hop = Hop("VirtualNetworkGateway", gw.name if gw else "gateway", gw_ips[0] if gw_ips else None,
                      gw.id if gw else None)
            hops.append(hop)
            return _through_gateway(model, hops, hop, pkt, route, rname, vnet)
        if t in ("VnetLocal", "VNetPeering", "VNetGlobalPeering"):
            dvnet = vnet if t == "VnetLocal" else route.remote_vnet_key
            if t != "VnetLocal":
                mine, theirs = _peering(model, vnet, dvnet), _peering(model, dvnet, vnet)
                if (mine and not mine.allow_vnet_access) or (theirs and not theirs.allow_vnet_access):
                    return Trace(hops, DENIED_OUT, "peering does not allow virtual network access", None,
                                 (mine or theirs).id, route)
                if forwarded and theirs is not None and not theirs.allow_forwarded:
                    return Trace(hops, DENIED_IN, f"peering {theirs.name} does not allow forwarded traffic",
                                 None, theirs.id, route)
            dest = model.ipconfig_at(pkt.dst, dvnet) or (extra or {}).get(pkt.dst)
            if dest is None:
                sub = model.subnet_for_ip(dvnet, pkt.dst)
                where = f"subnet {sub.name}" if sub else "the address space"
                return Trace(hops, NEIGHBOR_UNREACHABLE, f"no interface holds {format_ip(pkt.dst)} in {where}",
                             route=route)
            return _deliver(model, hops, dest, pkt, route)
        if t == "VirtualAppliance":
            nva_ip = route.next_hop_ips[0] if route.next_hop_ips else None
            nva_int = try_ip(nva_ip) if nva_ip else None
            nva = model.ipconfig_at(nva_int) if nva_int is not None else None
            fw = model.firewall_at(nva_int) if nva is None and nva_int is not None else None
            if fw is not None:
                hop, v = _firewall_hop(fw, pkt, host)
                hops.append(hop)
                if not v.allowed:
                    return Trace(hops, DENIED_IN, f"denied by Azure Firewall {fw.name}: {v.display}",
                                 f"{fw.name}: {v.display}", fw.id, route)
                if fw.key in visited:
                    return Trace(hops, LOOP, f"routing loop through Azure Firewall {fw.name}", None, fw.id, route)
                visited.add(fw.key)
                if v.translated is not None and fw.private_ip is not None:
                    hop.steps.append(Step("FORWARD", "translated", f"DNAT to {format_ip(v.translated[0])}:"
                                          f"{v.translated[1]} (source translated to {format_ip(fw.private_ip)})"))
                    pkt = Packet(pkt.proto, fw.private_ip, pkt.sport, v.translated[0], v.translated[1])
                else:
                    hop.steps.append(Step("FORWARD", "forwarded", f"Azure Firewall {fw.name} forwards"))
                if v.snat and fw.private_ip is not None:
                    pkt = Packet(pkt.proto, fw.private_ip, pkt.sport, pkt.dst, pkt.dport)
                cur = _firewall_cfg(fw)
                forwarded = True
                continue
            if nva is None:
                return Trace(hops, NEIGHBOR_UNREACHABLE, f"next hop {nva_ip} ({rname}) is not an interface in "
                             "the network: traffic is dropped", route.name, route.route_table_id, route)
            nva_nic = model.nics[nva.nic_key]
            hop = Hop("VirtualAppliance", nva_nic.name, nva.ip_text, nva.id)
            hops.append(hop)
            denied = _nsgs(model, hops, hop, nva, "Inbound", pkt, "denied inbound at appliance", route)
            if denied is not None:
                return denied
            if nva.ip == pkt.dst:
                hop.steps.append(Step("DELIVER", "accepted", "destination is the appliance"))
                return Trace(hops, ACCEPTED, "delivered to the appliance", route=route)
            if not nva_nic.ip_forwarding:
                hop.steps.append(Step("DROP", "dropped", f"IP forwarding is disabled on {nva_nic.name}"))
                return Trace(hops, NEIGHBOR_UNREACHABLE, f"IP forwarding is disabled on {nva_nic.name}",
                             None, nva_nic.id, route)
            if nva.key in visited:
                return Trace(hops, LOOP, f"routing loop through {nva_nic.name}", None, nva_nic.id, route)
            visited.add(nva.key)
            hop.steps.append(Step("FORWARD", "forwarded", f"{nva_nic.name} forwards (IP forwarding enabled)"))
            cur = nva
            forwarded = True
            continue
        return Trace(hops, NO_ROUTE, f"unsupported next hop type {t}", route=route)
    return Trace(hops, LOOP, f"more than {MAX_HOPS} hops")


def _through_gateway(model: NetworkModel, hops: list[Hop], hop: Hop, pkt: Packet, route: EffectiveRoute, rname: str,
                     vnet: str | None) -> Trace:
    """Leaving by a VPN gateway: the NAT rules of the site-to-site connection the destination is behind
    (netmodel/vpn_nat.py) translate the packet, or drop it (the pool of a dynamic IngressSnat rule)."""
    nat = model.gateway_nat(route.gateway_key) if route.gateway_key else None
    out = nat.outbound(pkt.src, pkt.dst) if nat is not None else None
    if out is None and not route.gateway_key:
        # a Virtual WAN hub route: the hub VPN gateway whose site link connection holds the destination
        for wan_nat in model.wan_gateway_nats_for_vnet(vnet):
            out = wan_nat.outbound(pkt.src, pkt.dst)
            if out is not None:
                hop.steps.append(Step("FORWARD", "forwarded", f"hub VPN gateway {wan_nat.name}", wan_nat.gateway_id))
                break
    if out is None:
        return Trace(hops, EXITS_NETWORK, f"exits the network through the gateway: {rname}", route=route)
    conn = out.connection
    if out.dst is None:
        assert out.dst_rule is not None
        reason = (f"dropped at the gateway: {format_ip(pkt.dst)} is in the pool of dynamic IngressSnat rule "
                  f"{out.dst_rule.rule} of connection {conn.name}; dynamic NAT carries only traffic the site starts")
        hop.steps.append(Step("NAT", "dropped", reason, out.dst_rule.rule_id, out.dst_rule.rule))
        return Trace(hops, NAT_DROPPED, reason, f"{conn.name}: {out.dst_rule.rule}", out.dst_rule.rule_id,
                     route)
    parts = []
    if out.src_rule is not None:
        parts.append(f"source {format_ip(pkt.src)} -> {format_ip(out.src)} (EgressSnat rule {out.src_rule.rule}, "
                     f"{'Static' if out.src_rule.static else 'Dynamic'})")
    if out.dst_rule is not None:
        parts.append(f"destination {format_ip(pkt.dst)} -> {format_ip(out.dst)} (IngressSnat rule "
                     f"{out.dst_rule.rule}, {'Static' if out.dst_rule.static else 'Dynamic'})")
    detail = f"connection {conn.name}: " + ("; ".join(parts) if parts else "no NAT rule matches the packet")
    rule = out.dst_rule or out.src_rule
    hop.steps.append(Step("NAT", "translated" if parts else "unchanged", detail, rule.rule_id if rule else None,
                          rule.rule if rule else None))
    return Trace(hops, EXITS_NETWORK, f"exits the network through the gateway: {rname}; {detail}",
                 route=route)


def _deliver(model: NetworkModel, hops: list[Hop], dest: IpConfig, pkt: Packet, route: EffectiveRoute) -> Trace:
    dnic = model.nics.get(dest.nic_key)
    dname = dnic.name if dnic else dest.name
    hop = Hop("Destination", dname, dest.ip_text, dest.id)
    hops.append(hop)
    denied = _nsgs(model, hops, hop, dest, "Inbound", pkt, "denied inbound", route)
    if denied is not None:
        return denied
    hop.steps.append(Step("DELIVER", "accepted", f"delivered to {dname}"))
    return Trace(hops, ACCEPTED, f"delivered to {dname} ({dest.ip_text})", route=route)
