"""Virtual WAN hub routing as Azure defines it ("About virtual hub routing", "How to configure routing
intent"), computed from ARM bodies: a pure core the ``effectiveRoutes`` action and the network model
both use.

- Every hub has ``defaultRouteTable`` (label ``default``) and ``noneRouteTable`` (label ``none``).
- A connection (hub VNet connection, VPN connection, point-to-site configuration, ExpressRoute
  connection) is associated with one route table and propagates its prefixes to route tables named by
  id or by label, in any hub of the same virtual WAN. Its prefixes: the VNet's address space (plus the
  connection's static ``vnetRoutes``), the VPN site's address space, the point-to-site client pool,
  what the customer edge announces over the circuit's private peering.
- A route table holds its static routes and, for every connection propagating to it, that
  connection's prefixes: next hop the connection (Virtual Network Connection), the VPN gateway
  (VPN_S2S_Gateway, AS path the site's ASN), the point-to-site gateway or the ExpressRoute gateway
  (ExpressRouteGateway, AS path 12076 and the edge's) when the connection is in the same hub; the other hub (Remote Hub, AS path 65520-65520) when it is in another hub of the virtual
  WAN. A static route wins over a learned one for the same prefix; among learned routes to one prefix the
  hub keeps the best by its ``hubRoutingPreference`` ("Virtual hub routing preference": local before remote
  hubs, then ExpressRoute or VPN as preferred (VPN among remote routes), then the shortest AS path; with
  ASPath the shortest path first), each remote hub offering only its own best routes; ties stay (ECMP).
- What a connection learns is its associated table's routes, except its own prefixes; branches do not
  learn other branches unless the virtual WAN allows branch-to-branch traffic; in a Basic virtual WAN
  VNets do not learn other VNets and hubs do not learn other hubs; 0.0.0.0/0 only reaches a connection
  with ``enableInternetSecurity``.
- An NVA in a connected VNet that peers with the hub router over BGP (a ``bgpConnections`` child naming
  that VNet's hub connection; "Scenario: BGP peering with a virtual hub"): the routes its sessions hold
  (``bgp``: hub key -> (peer IP, prefix, AS path) from the BGP speakers) are a connection of their own
  (next hop type HubBgpConnection, next hop the bgpConnection, AS path the NVA's) that associates and
  propagates as the VNet's hub connection does; that VNet's connection does not learn them back.
- Routing intent: a PrivateTraffic policy puts the RFC 1918 aggregates (``_policy_PrivateTraffic``) and
  an Internet policy 0.0.0.0/0 (``_policy_PublicTraffic``) in the default route table with the hub's
  firewall as next hop; with a PrivateTraffic policy the connections' own prefixes no longer propagate
  (the firewall carries private traffic between them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .parse import props, ref_key

WAN = "microsoft.network/virtualwans"
HUB = "microsoft.network/virtualhubs"
TABLE = "microsoft.network/virtualhubs/hubroutetables"
VNET_CONN = "microsoft.network/virtualhubs/hubvirtualnetworkconnections"
INTENT = "microsoft.network/virtualhubs/routingintent"
VNET = "microsoft.network/virtualnetworks"
FIREWALL = "microsoft.network/azurefirewalls"
VPN_GW = "microsoft.network/vpngateways"
VPN_CONN = "microsoft.network/vpngateways/vpnconnections"
SITE = "microsoft.network/vpnsites"
P2S_GW = "microsoft.network/p2svpngateways"
ER_GW = "microsoft.network/expressroutegateways"
ER_CONN = "microsoft.network/expressroutegateways/expressrouteconnections"
CIRCUIT = "microsoft.network/expressroutecircuits"
CIRCUIT_PEERING = "microsoft.network/expressroutecircuits/peerings"
BGP_CONN = "microsoft.network/virtualhubs/bgpconnections"
INPUT_TYPES = frozenset({WAN, HUB, TABLE, VNET_CONN, INTENT, VNET, FIREWALL, VPN_GW, VPN_CONN, SITE, P2S_GW, ER_GW,
                         ER_CONN, CIRCUIT, CIRCUIT_PEERING, BGP_CONN})

PRIVATE_AGGREGATES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
DEFAULT_TABLE, NONE_TABLE = "defaultroutetable", "noneroutetable"
REMOTE_HUB_PATH = "65520-65520"
BRANCH_KINDS = frozenset({"vpn", "p2s", "er"})
NEXT_HOP_TYPE = {"vnet": "Virtual Network Connection", "vpn": "VPN_S2S_Gateway", "p2s": "VPN_P2S_Gateway",
                 "er": "ExpressRouteGateway", "bgp": "HubBgpConnection"}
SPOKE_KINDS = frozenset({"vnet", "bgp"})      # routes that come from (or through) a connected VNet


@dataclass(frozen=True, slots=True)
class HubRoute:
    prefixes: tuple[str, ...]
    next_hop_type: str
    next_hops: tuple[str, ...]
    origin: str
    as_path: str = ""
    source_kind: str = ""          # the kind of connection it came from ("" for static / policy routes)
    source_key: str = ""           # that connection's key

    def wire(self) -> dict[str, Any]:
        """Azure's VirtualHubEffectiveRoute."""
        return {"addressPrefixes": list(self.prefixes), "nextHops": list(self.next_hops),
                "nextHopType": self.next_hop_type, "asPath": self.as_path, "routeOrigin": self.origin}


@dataclass(slots=True)
class Hub:
    key: str
    id: str
    wan_key: str
    router_ips: list[str]
    policies: dict[str, str] = field(default_factory=dict)   # "PrivateTraffic"/"Internet" -> firewall key
    preference: str = "ExpressRoute"                           # hubRoutingPreference


@dataclass(slots=True)
class Table:
    key: str
    id: str
    hub_key: str
    name: str
    labels: frozenset[str]
    statics: list[dict[str, Any]]


@dataclass(slots=True)
class Connection:
    key: str
    id: str
    kind: str                      # vnet | vpn | p2s
    hub_key: str
    prefixes: list[str]
    associated: str                # route table key
    propagate_ids: frozenset[str]
    propagate_labels: frozenset[str]
    internet_security: bool
    next_hop_id: str               # the connection (vnet) or its gateway
    as_path: str = ""
    vnet_key: str | None = None
    via: str = ""                  # bgp: the hub VNet connection of the VNet the NVA is in


def _labels(items: Any) -> frozenset[str]:
    return frozenset(str(x).lower() for x in items or [] if isinstance(x, str))


def _strs(items: Any) -> list[str]:
    return [x for x in items or [] if isinstance(x, str)]


def _parent(key: str, levels: int = 1) -> str:
    return key.rsplit("/", 2 * levels)[0]


class HubRouting:
    """The hub routing of every virtual WAN in ``bodies`` (key -> ARM body), ``types`` (key -> type)."""

    def __init__(self, bodies: Mapping[str, dict[str, Any]], types: Mapping[str, str],
                 bgp: Mapping[str, Iterable[tuple[str, str, str]]] | None = None,
                 circuits: Mapping[str, Iterable[tuple[str, str]]] | None = None) -> None:
        self.bodies = bodies
        self.circuits = circuits or {}    # peering key -> (prefix, customer AS path) its BGP sessions hold
        by_type: dict[str, list[str]] = {}
        for k, t in types.items():
            if t in INPUT_TYPES:
                by_type.setdefault(t, []).append(k)
        self.wans = {k: props(bodies[k]) for k in by_type.get(WAN, [])}
        self.hubs: dict[str, Hub] = {}
        for k in by_type.get(HUB, []):
            p = props(bodies[k])
            wan = ref_key(p.get("virtualWan"))
            if wan:
                self.hubs[k] = Hub(k, str(bodies[k].get("id") or k), wan, _strs(p.get("virtualRouterIps")),
                                   preference=str(p.get("hubRoutingPreference") or "ExpressRoute"))
        self.tables: dict[str, Table] = {}
        for k in by_type.get(TABLE, []):
            hub = _parent(k)
            if hub in self.hubs:
                p = props(bodies[k])
                self.tables[k] = Table(k, str(bodies[k].get("id") or k), hub, k.rsplit("/", 1)[-1],
                                       _labels(p.get("labels")), [r for r in p.get("routes") or []
                                                                  if isinstance(r, dict)])
        for k in by_type.get(INTENT, []):
            hub = self.hubs.get(_parent(k))
            for pol in props(bodies[k]).get("routingPolicies") or [] if hub else []:
                hop = ref_key({"id": pol.get("nextHop")}) if isinstance(pol, dict) else None
                for dest in pol.get("destinations") or [] if hop else []:
                    hub.policies[str(dest)] = hop      # type: ignore[union-attr,index]
        self.connections: dict[str, Connection] = {}
        for k in by_type.get(VNET_CONN, []):
            self._vnet_connection(k)
        for k in by_type.get(VPN_CONN, []):
            self._vpn_connection(k)
        for k in by_type.get(P2S_GW, []):
            self._p2s(k)
        for k in by_type.get(ER_CONN, []):
            self._er_connection(k)
        for k in by_type.get(BGP_CONN, []):
            self._bgp_connection(k, (bgp or {}).get(_parent(k), ()))
        self._table_cache: dict[str, list[HubRoute]] = {}
        self._by_vnet: dict[str, list[Connection]] = {}
        for conn in self.connections.values():
            if conn.kind == "vnet" and conn.vnet_key:
                self._by_vnet.setdefault(conn.vnet_key, []).append(conn)

    # -- parsing ------------------------------------------------------------------------------

    def _routing(self, hub_key: str, raw: Any) -> tuple[str, frozenset[str], frozenset[str]]:
        cfg = raw if isinstance(raw, dict) else {}
        default = f"{hub_key}/hubroutetables/{DEFAULT_TABLE}"
        assoc = ref_key(cfg.get("associatedRouteTable")) or default
        prop = cfg.get("propagatedRouteTables") if isinstance(cfg.get("propagatedRouteTables"), dict) else None
        if prop is None:
            return assoc, frozenset({default}), frozenset({"default"})
        ids = frozenset(k for k in (ref_key(x) for x in prop.get("ids") or []) if k)
        labels = _labels(prop.get("labels")) or (frozenset() if ids else frozenset({"default"}))
        return assoc, ids, labels

    def _vnet_connection(self, k: str) -> None:
        hub = _parent(k)
        if hub not in self.hubs:
            return
        p = props(self.bodies[k])
        vnet = ref_key(p.get("remoteVirtualNetwork"))
        space = _strs((props(self.bodies.get(vnet or "")).get("addressSpace") or {}).get("addressPrefixes"))
        cfg = p.get("routingConfiguration") if isinstance(p.get("routingConfiguration"), dict) else {}
        vroutes = (cfg.get("vnetRoutes") or {}) if isinstance(cfg.get("vnetRoutes"), dict) else {}
        statics_cfg = vroutes.get("staticRoutesConfig") if isinstance(vroutes.get("staticRoutesConfig"), dict) else {}
        if statics_cfg.get("propagateStaticRoutes", True) is not False:
            for r in vroutes.get("staticRoutes") or []:
                if isinstance(r, dict):
                    space = space + [x for x in _strs(r.get("addressPrefixes")) if x not in space]
        assoc, ids, labels = self._routing(hub, cfg)
        self.connections[k] = Connection(k, str(self.bodies[k].get("id") or k), "vnet", hub, space, assoc, ids,
                                         labels, p.get("enableInternetSecurity", True) is not False,
                                         str(self.bodies[k].get("id") or k), vnet_key=vnet)

    def _vpn_connection(self, k: str) -> None:
        gw = _parent(k)
        hub = ref_key(props(self.bodies.get(gw)).get("virtualHub"))
        if hub not in self.hubs or gw not in self.bodies:
            return
        p = props(self.bodies[k])
        site = self.bodies.get(ref_key(p.get("remoteVpnSite")) or "")
        sp = props(site)
        prefixes = _strs((sp.get("addressSpace") or {}).get("addressPrefixes"))
        asn = ""
        if p.get("enableBgp") or any(props(x).get("enableBgp") for x in p.get("vpnLinkConnections") or []
                                     if isinstance(x, dict)):
            asns = [str((props(link).get("bgpProperties") or {}).get("asn") or "") for link in
                    sp.get("vpnSiteLinks") or [] if isinstance(link, dict)]
            asn = next((a for a in asns if a), str((sp.get("bgpProperties") or {}).get("asn") or ""))
        assoc, ids, labels = self._routing(hub, p.get("routingConfiguration"))
        self.connections[k] = Connection(k, str(self.bodies[k].get("id") or k), "vpn", hub, prefixes, assoc, ids,
                                         labels, bool(p.get("enableInternetSecurity")),
                                         str(self.bodies[gw].get("id") or gw), as_path=asn)

    def _p2s(self, k: str) -> None:
        p = props(self.bodies[k])
        hub = ref_key(p.get("virtualHub"))
        if hub not in self.hubs:
            return
        for i, cfg in enumerate(p.get("p2SConnectionConfigurations") or []):
            if not isinstance(cfg, dict):
                continue
            cp = props(cfg)
            pool = _strs((cp.get("vpnClientAddressPool") or {}).get("addressPrefixes"))
            assoc, ids, labels = self._routing(hub, cp.get("routingConfiguration"))
            ck = f"{k}/p2sconnectionconfigurations/{str(cfg.get('name') or i).lower()}"
            self.connections[ck] = Connection(ck, str(cfg.get("id") or ck), "p2s", hub, pool, assoc, ids, labels,
                                              bool(cp.get("enableInternetSecurity")),
                                              str(self.bodies[k].get("id") or k))

    def _er_connection(self, k: str) -> None:
        """A hub's ExpressRoute connection: the prefixes the customer edge announces over the circuit's
        private peering (once the circuit is provisioned, the peering enabled and the edge up), AS path
        12076 (the MSEE) and the edge's path."""
        gw = _parent(k)
        hub = ref_key(props(self.bodies.get(gw)).get("virtualHub"))
        if hub not in self.hubs or gw not in self.bodies:
            return
        p = props(self.bodies[k])
        peering_key = ref_key(p.get("expressRouteCircuitPeering")) or ""
        peering = self.bodies.get(peering_key)
        circuit = self.bodies.get(peering_key.rsplit("/peerings/", 1)[0]) if "/peerings/" in peering_key else None
        prefixes: list[str] = []
        as_path = "12076"
        if peering is not None and props(circuit).get("serviceProviderProvisioningState") == "Provisioned" and \
                props(peering).get("state") != "Disabled":
            edge = (peering.get("_aznet") or {}).get("edge") or {}
            for r in edge.get("routes") or [] if edge.get("up") else []:
                if isinstance(r, dict) and isinstance(r.get("network"), str):
                    prefixes.append(r["network"])
                    path = "-".join(a for a in str(r.get("path") or "").split() if a.isdigit())
                    as_path = "-".join(x for x in ("12076", path) if x)
            for prefix, path in self.circuits.get(peering_key, ()):       # the customer router's BGP sessions
                if prefix not in prefixes:
                    prefixes.append(prefix)
                    as_path = "-".join(x for x in ("12076", path) if x)
        assoc, ids, labels = self._routing(hub, p.get("routingConfiguration"))
        self.connections[k] = Connection(k, str(self.bodies[k].get("id") or k), "er", hub, prefixes, assoc, ids,
                                         labels, bool(p.get("enableInternetSecurity")),
                                         str(self.bodies[gw].get("id") or gw), as_path=as_path)

    def _bgp_connection(self, k: str, learned: Iterable[tuple[str, str, str]]) -> None:
        """The routes an NVA announced to the hub router over the bgpConnection ``k``: one connection per AS
        path, routed as the NVA's VNet connection is (association and propagation)."""
        hub = _parent(k)
        p = props(self.bodies.get(k))
        via = ref_key(p.get("hubVirtualNetworkConnection")) or ""
        owner = self.connections.get(via)
        peer = p.get("peerIp")
        if hub not in self.hubs or owner is None or not isinstance(peer, str):
            return
        paths: dict[str, list[str]] = {}
        seen: set[str] = set()
        for src, prefix, path in learned:
            if src == peer and prefix not in seen:       # both router instances hold the same routes
                seen.add(prefix)
                paths.setdefault(path, []).append(prefix)
        rid = str(self.bodies[k].get("id") or k)
        for path, prefixes in sorted(paths.items()):
            ck = f"{k}#{path}"
            self.connections[ck] = Connection(ck, rid, "bgp", hub, prefixes, owner.associated, owner.propagate_ids,
                                              owner.propagate_labels, owner.internet_security, rid, as_path=path,
                                              via=via)

    # -- questions ----------------------------------------------------------------------------

    def wan_of(self, hub_key: str) -> dict[str, Any]:
        hub = self.hubs.get(hub_key)
        return self.wans.get(hub.wan_key, {}) if hub else {}

    def basic(self, hub_key: str) -> bool:
        return self.wan_of(hub_key).get("type") == "Basic"

    def firewall_ip(self, fw_key: str) -> str | None:
        hub_ips = props(self.bodies.get(fw_key)).get("hubIPAddresses") or {}
        ip = (hub_ips.get("privateIPAddress") if isinstance(hub_ips, dict) else None)
        return ip if isinstance(ip, str) else None

    def _propagates_to(self, conn: Connection, table: Table) -> bool:
        return table.key in conn.propagate_ids or bool(conn.propagate_labels & table.labels)

    def policy_routes(self, hub_key: str) -> list[HubRoute]:
        hub = self.hubs.get(hub_key)
        out: list[HubRoute] = []
        for dest, name, prefixes in (("PrivateTraffic", "_policy_PrivateTraffic", PRIVATE_AGGREGATES),
                                     ("Internet", "_policy_PublicTraffic", ("0.0.0.0/0",))):
            fw = hub.policies.get(dest) if hub else None
            if fw:
                fw_id = str((self.bodies.get(fw) or {}).get("id") or fw)
                out.append(HubRoute(tuple(prefixes), "Azure Firewall", (fw_id,), name))
        return out

    def table_routes(self, table_key: str) -> list[HubRoute]:
        """The effective routes of a hub route table."""
        hit = self._table_cache.get(table_key)
        if hit is not None:
            return hit
        table = self.tables.get(table_key)
        if table is None:
            return []
        hub = self.hubs[table.hub_key]
        statics: list[HubRoute] = []
        for r in table.statics:
            hop = ref_key({"id": r.get("nextHop")}) or ""
            kind = "Azure Firewall" if "/azurefirewalls/" in hop else "Virtual Network Connection"
            statics.append(HubRoute(tuple(_strs(r.get("destinations"))), kind,
                                    (str(r.get("nextHop") or ""),), table.id))
        private_intent = "PrivateTraffic" in hub.policies
        if table.name == DEFAULT_TABLE:
            statics.extend(self.policy_routes(hub.key))
        static_prefixes = {p for s in statics for p in s.prefixes}
        dynamic: list[HubRoute] = []
        if not (private_intent and table.name == DEFAULT_TABLE):
            for conn in self.connections.values():
                if not conn.prefixes or not self._propagates_to(conn, table):
                    continue
                if conn.hub_key != hub.key and ("PrivateTraffic" in self.hubs[conn.hub_key].policies):
                    continue
                prefixes = tuple(p for p in conn.prefixes if p not in static_prefixes)
                if not prefixes:
                    continue
                if conn.hub_key == hub.key:
                    dynamic.append(HubRoute(prefixes, NEXT_HOP_TYPE[conn.kind], (conn.next_hop_id,),
                                            conn.next_hop_id, conn.as_path, conn.kind, conn.key))
                elif self.hubs[conn.hub_key].wan_key == hub.wan_key and not self.basic(hub.key):
                    remote = self.hubs[conn.hub_key].id
                    path = "-".join(x for x in (REMOTE_HUB_PATH, conn.as_path) if x)
                    dynamic.append(HubRoute(prefixes, "Remote Hub", (remote,), remote, path, conn.kind, conn.key))
        routes = statics + select(hub, dynamic, self.hubs)
        self._table_cache[table_key] = routes
        return routes

    def connection_routes(self, conn_key: str) -> list[HubRoute]:
        """What a connection learns from its hub (its associated table's routes, filtered)."""
        conn = self.connections.get(conn_key)
        if conn is None:
            return []
        b2b = self.wan_of(conn.hub_key).get("allowBranchToBranchTraffic", True) is not False
        basic = self.basic(conn.hub_key)
        own = set(conn.prefixes)
        out = []
        for r in self.table_routes(conn.associated):
            source = self.connections.get(r.source_key)
            if r.source_key == conn.key or (source is not None and source.via and source.via == conn.key):
                continue
            if conn.kind in BRANCH_KINDS and r.source_kind in BRANCH_KINDS and not b2b:
                continue
            if basic and conn.kind in SPOKE_KINDS and r.source_kind in SPOKE_KINDS:
                continue
            prefixes = tuple(p for p in r.prefixes if p not in own and (p != "0.0.0.0/0" or conn.internet_security))
            if prefixes:
                out.append(HubRoute(prefixes, r.next_hop_type, r.next_hops, r.origin, r.as_path, r.source_kind,
                                    r.source_key))
        return out

    def vnet_learned(self, vnet_key: str) -> list[tuple[str, list[str]]]:
        """(prefix, next hop IPs) a VNet connected to a hub learns: each shows in its subnets as a
        VirtualNetworkGateway route, next hop the hub router (or the hub firewall the route points at)."""
        out: list[tuple[str, list[str]]] = []
        for conn in self._by_vnet.get(vnet_key, ()):
            hub = self.hubs[conn.hub_key]
            for r in self.connection_routes(conn.key):
                hops = list(hub.router_ips)
                if r.next_hop_type == "Azure Firewall":
                    ip = self.firewall_ip(ref_key({"id": r.next_hops[0]}) or "")
                    hops = [ip] if ip else hops
                out.extend((p, hops) for p in r.prefixes)
        return out

    def hub_prefix_of_vnet(self, vnet_key: str) -> list[str]:
        """The address prefix of the hub a VNet is connected to (the spoke reaches it like a peering)."""
        out = []
        for conn in self._by_vnet.get(vnet_key, ()):
            prefix = props(self.bodies.get(conn.hub_key)).get("addressPrefix")
            if isinstance(prefix, str):
                out.append(prefix)
        return out


def _path_len(route: HubRoute) -> int:
    """The AS path length the connection brought (the 65520s a remote hub adds are not counted)."""
    path = route.as_path[len(REMOTE_HUB_PATH):].lstrip("-") if route.as_path.startswith(REMOTE_HUB_PATH) \
        else route.as_path
    return len([a for a in path.split("-") if a])


def _kind_rank(route: HubRoute, all_remote: bool, preference: str) -> int:
    """ExpressRoute vs site-to-site VPN: the hub routing preference decides; among remote routes VPN wins
    (ExpressRoute-to-ExpressRoute transit needs Global Reach)."""
    if route.source_kind not in ("er", "vpn"):
        return 0
    if preference == "VpnGateway":
        return 0 if route.source_kind == "vpn" else 1
    if all_remote:
        return 0 if route.source_kind == "vpn" else 1
    return 0 if route.source_kind == "er" else 1


def _best(candidates: list[HubRoute], preference: str, at_origin: bool = False) -> list[HubRoute]:
    """Azure's route selection for one prefix ("Virtual hub routing preference"): the winners (ECMP ties kept).
    ``at_origin``: the choice the remote hub made among its own (local to it) routes."""
    def remote(r: HubRoute) -> int:
        return 0 if at_origin else (1 if r.next_hop_type == "Remote Hub" else 0)

    pool = candidates
    if preference == "ASPath":
        shortest = min(_path_len(r) for r in pool)
        pool = [r for r in pool if _path_len(r) == shortest]
    nearest = min(remote(r) for r in pool)
    pool = [r for r in pool if remote(r) == nearest]
    all_remote = nearest == 1
    top = min(_kind_rank(r, all_remote, preference) for r in pool)
    pool = [r for r in pool if _kind_rank(r, all_remote, preference) == top]
    shortest = min(_path_len(r) for r in pool)
    return [r for r in pool if _path_len(r) == shortest]


def select(hub: Hub, dynamic: list[HubRoute], hubs: Mapping[str, Hub]) -> list[HubRoute]:
    """The learned routes a hub keeps per prefix: each remote hub offers only its own best routes, then the
    hub chooses by its ``hubRoutingPreference``."""
    by_prefix: dict[str, list[HubRoute]] = {}
    order: list[str] = []
    for r in dynamic:
        for p in r.prefixes:
            if p not in by_prefix:
                order.append(p)
            by_prefix.setdefault(p, []).append(HubRoute((p,), r.next_hop_type, r.next_hops, r.origin, r.as_path,
                                                        r.source_kind, r.source_key))
    if all(len(v) == 1 for v in by_prefix.values()):
        return dynamic
    kept: dict[tuple[Any, ...], list[str]] = {}
    for p in order:
        cands = by_prefix[p]
        if len(cands) > 1:
            local = [r for r in cands if r.next_hop_type != "Remote Hub"]
            remote: dict[str, list[HubRoute]] = {}
            for r in cands:
                if r.next_hop_type == "Remote Hub":
                    remote.setdefault(r.origin.lower(), []).append(r)
            offered = list(local)
            for origin, rs in remote.items():
                other = hubs.get(origin)
                offered.extend(_best(rs, other.preference, at_origin=True) if other is not None else rs)
            cands = _best(offered, hub.preference)
        for r in cands:
            kept.setdefault((r.next_hop_type, r.next_hops, r.origin, r.as_path, r.source_kind, r.source_key),
                            []).append(p)
    return [HubRoute(tuple(ps), *key) for key, ps in kept.items()]


def build(resources: Iterable[dict[str, Any]]) -> HubRouting:
    """HubRouting from a list of ARM bodies (each with ``id`` and ``type``)."""
    bodies: dict[str, dict[str, Any]] = {}
    types: dict[str, str] = {}
    for r in resources:
        rid = r.get("id")
        if isinstance(rid, str):
            key = rid.strip().rstrip("/").lower()
            bodies[key] = r
            types[key] = str(r.get("type") or "").lower()
    return HubRouting(bodies, types)
