"""Microsoft.Network/virtualHubs/bgpConnections: a hub's BGP peers (a Route Server's NVAs, or an NVA
in a VNet connected to a Virtual WAN hub), and their ``learnedRoutes`` / ``advertisedRoutes`` actions.

Rules (Route Server FAQ and limits, Azure's REST specs; codes: docs/hybrid.md):
- ``peerIp``: an IPv4 address (Route Server has no IPv6), not one of the hub's own router addresses,
  not the peer of another connection of the same hub.
- ``peerAsn``: 1-4294967295, none of the ASNs Azure reserves (8074, 8075, 12076, 65515, 65517-65520)
  or IANA reserves (23456, 64496-64511, 65535-65551, 4294967295): the BGP rules of hybrid/bgp.py.
- A Route Server takes its peers once it is provisioned (has its ipConfiguration), at most 8 of them
  (Route Server limits), and no ``hubVirtualNetworkConnection``; a Virtual WAN hub's peer names the
  hub VNet connection of the VNet it is in (hub_rules.py).
- ``connectionState`` comes from the BGP speaker (aznet/contracts/route_exchange.py): Connecting until one reports.

Actions (LRO, Azure's PeerRouteList: one list per hub instance, ``RouteServiceRole_IN_0`` / ``_IN_1``):
- ``learnedRoutes``: what the speaker learned from the peer (nothing while no session is up).
- ``advertisedRoutes``: what the hub announces to the peer, from the configuration: the VNet's address
  space, the peered VNets that use the Route Server (useRemoteGateways with gateway transit on the hub
  side), the on-premises prefixes of the VNet's gateways when ``allowBranchToBranchTraffic`` is on,
  and what the other peers announced (AS path prefixed with 65515)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ....contracts import route_exchange
from .. import peerings
from ..hybrid import bgp
from ..ref_checks import cannot_parse, ref_id, since
from . import virtual_hubs as hubs
from .hub_ip_configurations import TYPE as IPCONFIG_TYPE
from .hub_ip_configurations import subnet_of, vnet_of

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = hubs.BGP_TYPE
MAX_ROUTE_SERVER_PEERS = 8
MAX_ROUTES_PER_PEER = 1000      # Route Server limits: a peer announcing more loses its session (speaker's rule)
GW_TYPE = "microsoft.network/virtualnetworkgateways"
CONN_TYPE = "microsoft.network/connections"

# Extra checks a Virtual WAN hub's connection needs (hub_rules.py): check(ctx, new, hub_body).
VWAN_RULES: list[Any] = []


def peer_ip(value: Any, cid: str) -> str:
    if value is None:
        raise bad("BgpConnectionPeerIpRequired", f"BGP connection {cid} needs properties.peerIp.")
    if not isinstance(value, str):
        raise cannot_parse("properties.peerIp", value, "System.String")
    try:
        addr = ipaddress.ip_address(value.strip())
    except ValueError:
        raise bad("InvalidBgpPeerIp", f"The peer IP {value!r} of BGP connection {cid} is not a valid IP address.") \
            from None
    if addr.version != 4:
        raise bad("InvalidBgpPeerIp", f"The peer IP {value} of BGP connection {cid} must be an IPv4 address.")
    return str(addr)


class BgpConnectionHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        hub_id = hubs.hub_of(cid)
        hub = ctx.body(hub_id) or {}
        ip = peer_ip(props.get("peerIp"), cid)
        if props.get("peerAsn") is None:
            raise bad("BgpConnectionPeerAsnRequired", f"BGP connection {cid} needs properties.peerAsn.")
        asn = bgp.check_asn(props.get("peerAsn"), "properties.peerAsn", f"BGP connection {cid}", on_premises=True)
        props["peerIp"], props["peerAsn"] = ip, asn
        routers = hubs.props_of(hub).get("virtualRouterIps") or []
        if ip in routers:
            raise bad("InvalidBgpPeerIp", f"The peer IP {ip} of BGP connection {cid} is an address of virtual hub "
                      f"{hub_id} itself.")
        siblings = [r for r in ctx.children(hub_id, TYPE) if normalize(r.id) != normalize(cid)]
        for r in siblings:
            if hubs.props_of(r.body).get("peerIp") == ip:
                raise bad("BgpConnectionWithSamePeerIpExists",
                          f"Virtual hub {hub_id} already has BGP connection {r.id} to peer {ip}.")
        if hubs.is_route_server(hub):
            if not ctx.children(hub_id, IPCONFIG_TYPE):
                raise bad("RouteServerNotProvisioned",
                          f"Route Server {hub_id} has no IP configuration yet: create it before its BGP peers.")
            if ref_id(props.get("hubVirtualNetworkConnection"), "properties.hubVirtualNetworkConnection"):
                raise bad("InvalidHubVirtualNetworkConnection",
                          f"BGP connection {cid} of Route Server {hub_id} cannot name a hub virtual network "
                          "connection.")
            props.pop("hubVirtualNetworkConnection", None)
            if props.get("routingConfiguration") is not None:
                raise bad("RoutingConfigurationNotSupportedOnRouteServer",
                          f"BGP connection {cid} of Route Server {hub_id} cannot have a routing configuration.")
            if len(siblings) >= MAX_ROUTE_SERVER_PEERS:
                raise bad("MaximumBgpConnectionsPerRouteServerReached",
                          f"Route Server {hub_id} already has {len(siblings)} BGP peers; it supports at most "
                          f"{MAX_ROUTE_SERVER_PEERS}.")
        else:
            for rule in VWAN_RULES:
                rule(ctx, new, hub)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"].pop("connectionState", None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        body.setdefault("properties", {})["connectionState"] = route_exchange.connection_state(ctx.platform,
                                                                                               body["id"])


# -- actions ------------------------------------------------------------------------------------

def _hub_vnet(ctx: Ctx, hub_id: str) -> str | None:
    for rec in ctx.children(hub_id, IPCONFIG_TYPE):
        sub = subnet_of(rec.body)
        if sub:
            return vnet_of(sub)
    return None


def _space(ctx: Ctx, vnet_id: str | None) -> list[str]:
    body = ctx.body(vnet_id) if vnet_id else None
    return list((hubs.props_of(body).get("addressSpace") or {}).get("addressPrefixes") or [])


def _spokes(ctx: Ctx, vnet_id: str) -> list[str]:
    """Address spaces of the VNets peered with the hub VNet that use its Route Server: their peering has
    useRemoteGateways and the hub's peering back allows gateway transit."""
    out: list[str] = []
    for rec in ctx.children(vnet_id, peerings.TYPE):
        p = hubs.props_of(rec.body)
        remote = (p.get("remoteVirtualNetwork") or {}).get("id")
        if not remote or not p.get("allowGatewayTransit"):
            continue
        back = [r for r in ctx.children(remote, peerings.TYPE)
                if normalize((hubs.props_of(r.body).get("remoteVirtualNetwork") or {}).get("id") or "")
                == normalize(vnet_id)]
        if any(hubs.props_of(r.body).get("useRemoteGateways") for r in back):
            out.extend(_space(ctx, remote))
    return out


def _branch_prefixes(ctx: Ctx, vnet_id: str) -> list[str]:
    """On-premises prefixes the VNet's VPN / ExpressRoute gateways know (their connections' local
    network gateways)."""
    out: list[str] = []
    for rec in ctx.of_type(GW_TYPE):
        subs = [((c.get("properties") or {}).get("subnet") or {}).get("id") or ""
                for c in hubs.props_of(rec.body).get("ipConfigurations") or []]
        if not any(s and normalize(vnet_of(s)) == normalize(vnet_id) for s in subs):
            continue
        for conn in ctx.referrers(rec.id):
            if conn.type.lower() != CONN_TYPE:
                continue
            lng = ctx.body((hubs.props_of(conn.body).get("localNetworkGateway2") or {}).get("id") or "")
            out.extend((hubs.props_of(lng).get("localNetworkAddressSpace") or {}).get("addressPrefixes") or [])
    return out


def _by_role(routers: list[str], build: Any) -> dict[str, list[dict[str, Any]]]:
    return {role: (build(i, routers[i]) if i < len(routers) else [])
            for i, role in enumerate(route_exchange.ROLES)}


def learned(ctx: Ctx, conn: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    hub = ctx.body(hubs.hub_of(conn["id"])) or {}
    routers = list(hubs.props_of(hub).get("virtualRouterIps") or [])
    peer = hubs.props_of(conn).get("peerIp", "")
    known = route_exchange.learned_routes(ctx.platform, conn["id"])

    def build(i: int, local: str) -> list[dict[str, Any]]:
        return [{"localAddress": local, "network": r.network, "nextHop": r.next_hop or peer, "sourcePeer": peer,
                 "origin": r.origin, "asPath": r.as_path, "weight": r.weight} for r in known.get(i, [])]

    return 200, _by_role(routers, build)


def advertised_prefixes(ctx: Ctx, hub: dict[str, Any], conn_id: str) -> list[tuple[str, str]]:
    """(prefix, AS path) a Route Server announces to the peer of ``conn_id``, from the configuration
    and what the other peers' sessions learned."""
    hub_asn = str(hubs.ROUTER_ASN)
    vnet = _hub_vnet(ctx, hub["id"])
    out: list[tuple[str, str]] = []
    if vnet:
        out.extend((p, hub_asn) for p in _space(ctx, vnet) + _spokes(ctx, vnet))
        if hubs.props_of(hub).get("allowBranchToBranchTraffic"):
            out.extend((p, hub_asn) for p in _branch_prefixes(ctx, vnet))
    for rec in ctx.children(hub["id"], TYPE):
        if normalize(rec.id) == normalize(conn_id):
            continue
        for routes in route_exchange.learned_routes(ctx.platform, rec.id).values():
            out.extend((r.network, "-".join(x for x in (hub_asn, r.as_path) if x)) for r in routes)
    seen: set[str] = set()
    unique = []
    for prefix, path in out:
        if prefix not in seen:
            seen.add(prefix)
            unique.append((prefix, path))
    return unique


def advertised(ctx: Ctx, conn: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    """From the live speaker when one runs for the connection (what its session announces), else from the
    configuration."""
    hub = ctx.body(hubs.hub_of(conn["id"])) or {}
    routers = list(hubs.props_of(hub).get("virtualRouterIps") or [])
    live = route_exchange.advertised_routes(ctx.platform, conn["id"])
    if live is not None:
        def from_session(i: int, local: str) -> list[dict[str, Any]]:
            return [{"localAddress": local, "network": p, "nextHop": hop or local, "sourcePeer": local,
                     "origin": "Igp", "asPath": path, "weight": 0} for p, path, hop in live.get(i, [])]
        return 200, _by_role(routers, from_session)
    prefixes = advertised_prefixes(ctx, hub, conn["id"]) if hubs.is_route_server(hub) else \
        hub_advertised(ctx, hub, conn)

    def build(i: int, local: str) -> list[dict[str, Any]]:
        return [{"localAddress": local, "network": p, "nextHop": local, "sourcePeer": local, "origin": "Igp",
                 "asPath": path, "weight": 0} for p, path in prefixes]

    return 200, _by_role(routers, build)


# What a Virtual WAN hub announces to a connection's peer (hub_effective_routes.py sets it):
# fn(ctx, hub, conn) -> [(prefix, AS path)].
HUB_ADVERTISED: list[Any] = []


def hub_advertised(ctx: Ctx, hub: dict[str, Any], conn: dict[str, Any]) -> list[tuple[str, str]]:
    return list(HUB_ADVERTISED[0](ctx, hub, conn)) if HUB_ADVERTISED else []


REGISTRY.add(ResourceType(TYPE, since("2020-05-01"), model="BgpConnection", location="none",
                          hooks=BgpConnectionHooks(), names=NameRule(1, 80),
                          actions=[Action("learnedRoutes", learned, long_running=True),
                                   Action("advertisedRoutes", advertised, long_running=True)]))
