"""Azure's routing for one subnet: system routes, gateway (BGP) routes, user
routes, their Active/Invalid states, and longest-prefix match with Azure's
tie-break, compiled into one ``RangeMap``.

System routes (source Default): each VNet prefix -> VnetLocal; each prefix of a
connected peering's remote VNet -> VNetPeering (VNetGlobalPeering across
regions); service endpoints -> VirtualNetworkServiceEndpoint (that subnet only);
0.0.0.0/0 -> Internet (and ::/0 when the VNet has IPv6 space); 10/8, 172.16/12,
192.168/16, 100.64/10 -> None unless a VNet prefix covers them, and removed
when a user route for 0.0.0.0/0 is associated (as in Azure's routing example).

Gateway routes (source VirtualNetworkGateway): on-premises prefixes of the
connections of the VNet's gateway (or the peer's, with useRemoteGateways), and the
prefixes its gateways and Route Server learned over BGP (``bgp_routes``: one route
per prefix after Azure's ExpressRoute / VPN / AS-path choice, ECMP next hops merged), and
what a Virtual WAN hub gives a connected VNet (``hub_routes``: next hop the hub router, or the hub
firewall), all dropped when the route table has disableBgpRoutePropagation. The hub's own prefix shows
as VNetPeering (a hub connection is a peering with the hub).

Same prefix: User beats gateway beats Default, the loser becomes Invalid; a
gateway route inside a VnetLocal/peering/service-endpoint prefix is Invalid
(those system routes are preferred even when BGP is more specific)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .addr import RangeMap, parse_prefix
from .bgp_routes import LearnedRoute
from .objects import Prefix, Route, Subnet
from .service_tags import ENDPOINT_TAGS, lookup, tag_rank

if TYPE_CHECKING:
    from .model import NetworkModel

RESERVED = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]
SOURCE_RANK = {"User": 0, "VirtualNetworkGateway": 1, "Default": 2}
PREFERRED_SYSTEM = {"VnetLocal", "VNetPeering", "VNetGlobalPeering", "VirtualNetworkServiceEndpoint"}


def _pfx(text: str) -> Prefix:
    lo, hi, plen = parse_prefix(text)
    return Prefix(text, lo, hi, plen)


@dataclass(slots=True)
class EffectiveRoute:
    source: str  # Default | User | VirtualNetworkGateway
    prefixes: list[Prefix]
    next_hop_type: str
    next_hop_ips: list[str]
    name: str | None = None
    route_table_id: str | None = None
    tag: str | None = None
    state: str = "Active"
    remote_vnet_key: str | None = None  # for peering routes
    gateway_key: str | None = None

    def wire(self) -> dict[str, object]:
        """Azure's EffectiveRoute shape."""
        out: dict[str, object] = {"source": self.source, "state": self.state,
                                  "addressPrefix": [p.text for p in self.prefixes],
                                  "nextHopIpAddress": list(self.next_hop_ips), "nextHopType": self.next_hop_type}
        if self.name is not None:
            out = {"name": self.name, "disableBgpRoutePropagation": False, **out}
        return out


@dataclass(slots=True)
class SubnetRoutes:
    subnet_key: str
    routes: list[EffectiveRoute]
    lpm: RangeMap = field(default_factory=RangeMap)

    def lookup(self, ip: int) -> EffectiveRoute | None:
        return self.lpm.get(ip)


def _user_route(r: Route, rt_id: str) -> EffectiveRoute:
    ips = [r.next_hop_ip] if r.next_hop_ip else []
    return EffectiveRoute("User", r.prefixes, r.next_hop_type, ips, name=r.name, route_table_id=rt_id, tag=r.tag)


def _hops(model: NetworkModel, r: LearnedRoute) -> list[str]:
    """A VPN / ExpressRoute path shows the gateway's addresses; a Route Server path the NVA's (its BGP next hop)."""
    if r.source == "RouteServer":
        return [r.next_hop] if r.next_hop else []
    gw = model.gateways.get(r.gateway)
    return list(gw.ips) if gw is not None and gw.ips else ([r.next_hop] if r.next_hop else [])


def build_subnet_routes(model: NetworkModel, subnet: Subnet) -> SubnetRoutes:
    vnet = model.vnets.get(subnet.vnet_key)
    rt = model.route_tables.get(subnet.route_table_key) if subnet.route_table_key else None
    user = [_user_route(r, rt.id) for r in rt.routes] if rt else []
    user_any = {(p.lo, p.hi) for u in user for p in u.prefixes}

    system: list[EffectiveRoute] = []
    vnet_pfx = list(vnet.prefixes) if vnet else list(subnet.prefixes)
    for p in vnet_pfx:
        system.append(EffectiveRoute("Default", [p], "VnetLocal", []))
    for peer in (vnet.peerings if vnet else []):
        if peer.state != "Connected":
            continue
        remote = model.vnets.get(peer.remote_key) if peer.remote_key else None
        texts = [p.text for p in remote.prefixes] if remote else peer.remote_prefixes
        global_ = bool(remote and vnet and remote.location and vnet.location
                       and remote.location.replace(" ", "").lower() != vnet.location.replace(" ", "").lower())
        hop = "VNetGlobalPeering" if global_ else "VNetPeering"
        for t in texts:
            try:
                system.append(EffectiveRoute("Default", [_pfx(t)], hop, [], remote_vnet_key=peer.remote_key))
            except ValueError:
                continue
    peered = {p.range for s in system if s.next_hop_type in ("VNetPeering", "VNetGlobalPeering") for p in s.prefixes}
    for t in model.hub_prefixes_for_vnet(subnet.vnet_key):      # a Virtual WAN hub connection is a peering
        try:
            pfx = _pfx(t)
        except ValueError:
            continue
        if pfx.range not in peered:         # the spoke's RemoteVnetToHubPeering_ peering already gave it
            system.append(EffectiveRoute("Default", [pfx], "VNetPeering", []))
    for se in subnet.service_endpoints:
        tag = ENDPOINT_TAGS.get(se.service.lower())
        if tag is None:
            continue
        names = [tag] if not se.locations or "*" in se.locations else [f"{tag}.{loc}" for loc in se.locations]
        pfx: list[Prefix] = []
        for n in names:
            hit = lookup(n)
            for t in hit[1] if hit else ():
                pfx.append(_pfx(t))
        if pfx:
            system.append(EffectiveRoute("Default", pfx, "VirtualNetworkServiceEndpoint", [], tag=tag))
    system.append(EffectiveRoute("Default", [_pfx("0.0.0.0/0")], "Internet", []))
    if any(p.lo >= (1 << 32) for p in vnet_pfx):
        system.append(EffectiveRoute("Default", [_pfx("::/0")], "Internet", []))
    drop_reserved = any(p.plen == 0 and p.lo == 0 for u in user for p in u.prefixes)
    if not drop_reserved:
        for t in RESERVED:
            r = _pfx(t)
            if any(p.lo <= r.lo and r.hi <= p.hi for p in vnet_pfx):
                continue  # the VNet's own prefix covers it: VnetLocal instead
            system.append(EffectiveRoute("Default", [r], "None", []))

    gateway: list[EffectiveRoute] = []
    if not (rt and rt.disable_bgp):
        learned = model.learned_routes(subnet.vnet_key)
        # ExpressRoute and VPN coexisting: a prefix whose chosen path is ExpressRoute goes through the
        # ExpressRoute gateway, even when a site-to-site connection lists it as a static prefix
        via_er = set()
        for p, paths in learned.items():
            if paths and paths[0].source == "ExpressRoute":
                try:
                    via_er.add(_pfx(p).range)
                except ValueError:
                    continue
        for gw in model.gateways_for_vnet(subnet.vnet_key):
            for t in gw.onprem_prefixes:
                try:
                    pfx = _pfx(t)
                except ValueError:
                    continue
                if pfx.range in via_er:
                    continue
                gateway.append(EffectiveRoute("VirtualNetworkGateway", [pfx], "VirtualNetworkGateway",
                                              list(gw.ips), gateway_key=gw.key))
        static = {(p.lo, p.hi) for g in gateway for p in g.prefixes}
        for prefix, paths in learned.items():
            try:
                pfx = _pfx(prefix)
            except ValueError:
                continue
            if (pfx.lo, pfx.hi) in static:
                continue            # a connection's static prefix is already there
            hops = list(dict.fromkeys(h for r in paths for h in _hops(model, r)))
            gateway.append(EffectiveRoute("VirtualNetworkGateway", [pfx], "VirtualNetworkGateway", hops,
                                          gateway_key=paths[0].gateway))
        known = {(p.lo, p.hi) for g in gateway for p in g.prefixes}
        for prefix, hops in model.hub_routes_for_vnet(subnet.vnet_key):   # routes a Virtual WAN hub gives
            try:
                pfx = _pfx(prefix)
            except ValueError:
                continue
            if (pfx.lo, pfx.hi) not in known:
                known.add((pfx.lo, pfx.hi))
                gateway.append(EffectiveRoute("VirtualNetworkGateway", [pfx], "VirtualNetworkGateway", hops))
    gw_exact = {(p.lo, p.hi) for g in gateway for p in g.prefixes}
    preferred = [p for s in system if s.next_hop_type in PREFERRED_SYSTEM for p in s.prefixes]

    for s in system:
        ranges = {(p.lo, p.hi) for p in s.prefixes}
        if ranges & user_any:
            s.state = "Invalid"
        elif s.next_hop_type not in PREFERRED_SYSTEM and ranges & gw_exact:
            s.state = "Invalid"
    for g in gateway:
        ranges = {(p.lo, p.hi) for p in g.prefixes}
        if ranges & user_any:
            g.state = "Invalid"
        elif any(q.lo <= p.lo and p.hi <= q.hi for p in g.prefixes for q in preferred):
            g.state = "Invalid"

    routes = system + gateway + user
    items = []
    for r in routes:
        if r.state != "Active":
            continue
        for p in r.prefixes:
            trank = tag_rank(r.tag) if r.tag and r.source == "User" else -1
            items.append((-p.plen, SOURCE_RANK[r.source], trank, (p.lo, p.hi), r))
    items.sort(key=lambda t: t[:3])
    lpm = RangeMap.build(([it[3]], it[4]) for it in items)
    return SubnetRoutes(subnet.key, routes, lpm)
