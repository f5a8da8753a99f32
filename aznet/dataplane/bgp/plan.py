"""What BGP speakers should run, compiled from the store (pure: no sockets).

VPN gateways (route-based, a BGP-capable SKU, ``enableBgp``) with at least one BGP site-to-site (IPsec)
connection or BGP VNet-to-VNet connection (the reverse connection in place with the same key, the two
ASNs different; the other gateway's instances are the neighbours, the lower loopback address dials)
get one speaker per gateway instance (``bgpSettings.bgpPeeringAddresses``, two when
active-active), on the loopback address the local address table gives the instance's
``defaultBgpIpAddresses``; its neighbours are the connections' local network gateways
(``bgpSettings.bgpPeeringAddress`` / ``asn``), each connecting from the loopback address the table gives
it. The gateway's ASN is ``bgpSettings.asn``.

What a VPN gateway advertises to a neighbour (Azure's VPN Gateway BGP FAQ): the VNet's prefixes, the
prefixes of peered VNets that use it as remote gateway (gateway transit), the static prefixes of its
other connections' local network gateways, and what it learned from its other BGP peers except the
default route and prefixes overlapping the VNet; AS path = the gateway's ASN (prepended to a learned
path); next hop = the instance's BGP address."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ..workloads.table import WorkloadTable
from .session import NeighborConfig

GW = "microsoft.network/virtualnetworkgateways"
LNG = "microsoft.network/localnetworkgateways"
CONN = "microsoft.network/connections"
VNET = "microsoft.network/virtualnetworks"
PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
HUB = "microsoft.network/virtualhubs"
HUB_IPCONFIG = "microsoft.network/virtualhubs/ipconfigurations"
HUB_BGP = "microsoft.network/virtualhubs/bgpconnections"
HUB_VNET_CONN = "microsoft.network/virtualhubs/hubvirtualnetworkconnections"
VPN_MAX_PREFIXES = 4000
ROUTE_SERVER_MAX_PREFIXES = 1000
ROUTE_SERVER_ASN = 65515
HUB_ROUTER_ASN = 65515            # a Virtual WAN hub router's ASN, as a Route Server's
WAN_HUB_MAX_PREFIXES = 10000      # inferred: the hub router's route limit per peer
# ExpressRoute circuits, their peerings, hubs' ExpressRoute connections (er_plan.py)
ER_TYPES = ("microsoft.network/expressroutecircuits", "microsoft.network/expressroutecircuits/peerings",
            "microsoft.network/expressroutegateways/expressrouteconnections")
NO_BGP_SKUS = {"basic"}


def _props(body: dict[str, Any] | None) -> dict[str, Any]:
    p = (body or {}).get("properties")
    return p if isinstance(p, dict) else {}


def _ref(node: Any) -> str:
    rid = node.get("id") if isinstance(node, dict) else None
    return rid.lower() if isinstance(rid, str) else ""


@dataclass
class SpeakerSpec:
    key: str                     # "<gateway id lower>#<instance>"
    resource_id: str
    instance: int
    azure_address: str
    local: str
    asn: int
    kind: str                    # VpnGateway | RouteServer | VirtualWanHub | ExpressRoute (an MSEE link)
    vnet_id: str
    neighbors: list[NeighborConfig] = field(default_factory=list)
    # neighbour address -> {prefix: as_path} announced besides learned transit routes
    base: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    vnet_prefixes: tuple[str, ...] = ()
    preference: str = "ExpressRoute"
    branch_to_branch: bool = False   # Route Server: exchange routes with the VNet's VPN gateway
    hub_prefix: str = ""             # Virtual WAN hub: its address prefix (announced to its NVA peers)
    # Virtual WAN hub: neighbour address -> the hub VNet connection (lower-case key) of the NVA's VNet
    via: dict[str, str] = field(default_factory=dict)
    # ExpressRoute (an MSEE link): the linked VNet gateways' ids -> how many prefixes each announces to it
    er_gateways: dict[str, int] = field(default_factory=dict)
    er_vnets: tuple[str, ...] = ()    # ExpressRoute: the (lower-case) VNets of those gateways


class Records:
    def __init__(self, snapshot: Any) -> None:
        self.snapshot = snapshot
        self.by_key: dict[str, Any] = {}
        for t in (GW, LNG, CONN, VNET, PEERING, HUB, HUB_IPCONFIG, HUB_BGP, HUB_VNET_CONN, *ER_TYPES):
            for r in snapshot.of_type(t):
                self.by_key[r.key] = r

    def of_type(self, t: str) -> list[Any]:
        return [r for r in self.by_key.values() if r.type.lower() == t]

    def body(self, key: str) -> dict[str, Any] | None:
        r = self.by_key.get(key.lower()) if key else None
        return r.body if r is not None else None


def vnet_prefixes(recs: Records, vnet_id: str) -> list[str]:
    space = (_props(recs.body(vnet_id)).get("addressSpace") or {}).get("addressPrefixes") or []
    return [p for p in space if isinstance(p, str)]


def _peerings(recs: Records, vnet_id: str) -> list[dict[str, Any]]:
    out = [p for p in _props(recs.body(vnet_id)).get("virtualNetworkPeerings") or [] if isinstance(p, dict)]
    names = {str(p.get("name", "")).lower() for p in out}
    for r in recs.of_type(PEERING):
        if r.key.startswith(vnet_id.lower() + "/virtualnetworkpeerings/") and r.body.get("name", "").lower() \
                not in names:
            out.append(r.body)
    return out


def transit_spokes(recs: Records, hub_id: str) -> list[str]:
    """Prefixes of VNets peered with ``hub_id`` that use its gateway (hub allows transit, spoke uses it)."""
    out: list[str] = []
    for p in _peerings(recs, hub_id):
        pp = _props(p)
        remote = _ref(pp.get("remoteVirtualNetwork"))
        if not remote or not pp.get("allowGatewayTransit"):
            continue
        back = [q for q in _peerings(recs, remote) if _ref(_props(q).get("remoteVirtualNetwork")) == hub_id.lower()]
        if any(_props(q).get("useRemoteGateways") for q in back):
            out.extend(vnet_prefixes(recs, remote))
    return out


def _vnet_of_gateway(body: dict[str, Any]) -> str:
    for c in _props(body).get("ipConfigurations") or []:
        sub = _ref(_props(c).get("subnet"))
        if "/subnets/" in sub:
            return sub.split("/subnets/")[0]
    return ""


def vpn_speakers(recs: Records, table: WorkloadTable) -> list[SpeakerSpec]:
    out: list[SpeakerSpec] = []
    conns = recs.of_type(CONN)
    for gw in recs.of_type(GW):
        p = _props(gw.body)
        bgp = p.get("bgpSettings") or {}
        sku = str((p.get("sku") or {}).get("name") or "").lower()
        if p.get("gatewayType") != "Vpn" or p.get("vpnType") == "PolicyBased" or sku in NO_BGP_SKUS or not bgp \
                or not p.get("enableBgp"):
            continue
        mine = [c for c in conns if _ref(_props(c.body).get("virtualNetworkGateway1")) == gw.key
                and _props(c.body).get("connectionType") == "IPsec"]
        neighbors: list[NeighborConfig] = []
        statics: dict[str, list[str]] = {}      # connection key -> its LNG's static prefixes
        vnet_id = _vnet_of_gateway(gw.body)
        own = vnet_prefixes(recs, vnet_id)
        for c in mine:
            cp = _props(c.body)
            lng_id = _ref(cp.get("localNetworkGateway2"))
            lp = _props(recs.body(lng_id))
            statics[c.key] = [x for x in (lp.get("localNetworkAddressSpace") or {}).get("addressPrefixes") or []
                              if isinstance(x, str)]
            lbgp = lp.get("bgpSettings") or {}
            addr, asn = lbgp.get("bgpPeeringAddress"), lbgp.get("asn")
            source = table.onprem_source(lng_id)
            if cp.get("enableBgp") and isinstance(addr, str) and isinstance(asn, int) and source:
                neighbors.append(NeighborConfig(address=addr.strip(), source=source, asn=asn,
                                                max_prefixes=VPN_MAX_PREFIXES, owner=c.body.get("id", c.id),
                                                rejected=frozenset(_canon(x) for x in own)))
        asn = int(bgp.get("asn") or 65515)
        neighbors += _vnet_to_vnet(recs, table, gw, conns, asn, own)
        if not neighbors:
            continue
        common = own + transit_spokes(recs, vnet_id)
        for i, entry in enumerate(bgp.get("bgpPeeringAddresses") or []):
            cfg_id = entry.get("ipconfigurationId") if isinstance(entry, dict) else None
            ips = entry.get("defaultBgpIpAddresses") if isinstance(entry, dict) else None
            loc = table.by_ipconfig(cfg_id) if isinstance(cfg_id, str) else None
            if loc is None or not ips:
                continue
            mine_nbs = [dataclasses.replace(n, connect=_lower(loc.local, n.source)) if n.remote_gateway else n
                        for n in neighbors]
            spec = SpeakerSpec(key=f"{gw.key}#{i}", resource_id=gw.body.get("id", gw.id), instance=i,
                               azure_address=str(ips[0]), local=loc.local, asn=asn, kind="VpnGateway",
                               vnet_id=vnet_id, neighbors=mine_nbs, vnet_prefixes=tuple(own))
            for n in neighbors:
                routes: dict[str, tuple[int, ...]] = {}
                for pfx in common:
                    routes.setdefault(_canon(pfx), (asn,))
                for c in mine:
                    if c.body.get("id", c.id) != n.owner:
                        for pfx in statics.get(c.key, []):
                            routes.setdefault(_canon(pfx), (asn,))
                spec.base[n.address] = routes
            out.append(spec)
    return out


def _lower(a: str, b: str) -> bool:
    return int(ipaddress.IPv4Address(a)) < int(ipaddress.IPv4Address(b))


def _vnet_to_vnet(recs: Records, table: WorkloadTable, gw: Any, conns: list[Any], asn: int,
                  own: list[str]) -> list[NeighborConfig]:
    """BGP over VNet-to-VNet: each instance of the other gateway is a neighbour, once the reverse connection
    exists with the same shared key and BGP on both, and the two ASNs differ (eBGP)."""
    out: list[NeighborConfig] = []
    for c in conns:
        cp = _props(c.body)
        if cp.get("connectionType") != "Vnet2Vnet" or not cp.get("enableBgp") or \
                _ref(cp.get("virtualNetworkGateway1")) != gw.key:
            continue
        other_key = _ref(cp.get("virtualNetworkGateway2"))
        other = recs.by_key.get(other_key)
        if other is None or not any(
                _ref(_props(r.body).get("virtualNetworkGateway1")) == other_key
                and _ref(_props(r.body).get("virtualNetworkGateway2")) == gw.key
                and _props(r.body).get("connectionType") == "Vnet2Vnet" and _props(r.body).get("enableBgp")
                and _props(r.body).get("sharedKey") == cp.get("sharedKey") for r in conns):
            continue
        op = _props(other.body)
        obgp = op.get("bgpSettings") or {}
        other_asn = int(obgp.get("asn") or 65515)
        if not op.get("enableBgp") or other_asn == asn:
            continue
        for entry in obgp.get("bgpPeeringAddresses") or []:
            cfg_id = entry.get("ipconfigurationId") if isinstance(entry, dict) else None
            ips = entry.get("defaultBgpIpAddresses") if isinstance(entry, dict) else None
            loc = table.by_ipconfig(cfg_id) if isinstance(cfg_id, str) else None
            if loc is not None and ips:
                out.append(NeighborConfig(address=str(ips[0]), source=loc.local, asn=other_asn,
                                          max_prefixes=VPN_MAX_PREFIXES, owner=c.body.get("id", c.id),
                                          rejected=frozenset(_canon(x) for x in own), remote_gateway=True))
    return out


def _children(recs: Records, parent: Any, rtype: str) -> list[Any]:
    prefix = parent.key + "/"
    return [r for r in recs.of_type(rtype) if r.key.startswith(prefix)]


def route_server_speakers(recs: Records, table: WorkloadTable) -> list[SpeakerSpec]:
    """Route Servers (virtual hubs without a virtual WAN) with bgpConnections: one speaker per instance
    (``virtualRouterIps``), ASN 65515; each bgpConnection's peer (``peerIp`` / ``peerAsn``, an NVA) connects
    from the loopback address of the NIC holding ``peerIp`` in the VNet. Announced: the VNet's prefixes,
    gateway-transit spokes, and with ``allowBranchToBranchTraffic`` the VNet gateways' on-premises prefixes;
    plus what the other peers taught it (AS path prepended with 65515)."""
    out: list[SpeakerSpec] = []
    for hub in recs.of_type(HUB):
        p = _props(hub.body)
        if _ref(p.get("virtualWan")):
            continue                       # a Virtual WAN hub: not a Route Server
        ips = [ip for ip in p.get("virtualRouterIps") or [] if isinstance(ip, str)]
        cfgs = _children(recs, hub, HUB_IPCONFIG)
        subnet = next((_ref(_props(c.body).get("subnet")) for c in cfgs if _ref(_props(c.body).get("subnet"))), "")
        vnet_id = subnet.split("/subnets/")[0] if "/subnets/" in subnet else ""
        if not ips or not vnet_id:
            continue
        own = vnet_prefixes(recs, vnet_id)
        neighbors: list[NeighborConfig] = []
        for conn in _children(recs, hub, HUB_BGP):
            cp = _props(conn.body)
            peer, asn = cp.get("peerIp"), cp.get("peerAsn")
            source = table.local_address_for_private_ip(vnet_id, peer) if isinstance(peer, str) else None
            if isinstance(peer, str) and isinstance(asn, int) and source:
                neighbors.append(NeighborConfig(address=peer, source=source, asn=asn,
                                                max_prefixes=ROUTE_SERVER_MAX_PREFIXES, count_update=True,
                                                owner=conn.body.get("id", conn.id),
                                                rejected=frozenset(_canon(x) for x in own)))
        if not neighbors:
            continue
        common = own + transit_spokes(recs, vnet_id)
        if p.get("allowBranchToBranchTraffic"):
            common += _gateway_branches(recs, vnet_id)
        for i, ip in enumerate(ips):
            loc = table.by_ipconfig(f"{hub.body.get('id', hub.id)}/virtualRouterIps/{i}")
            if loc is None:
                continue
            spec = SpeakerSpec(key=f"{hub.key}#{i}", resource_id=hub.body.get("id", hub.id), instance=i,
                               azure_address=ip, local=loc.local, asn=ROUTE_SERVER_ASN, kind="RouteServer",
                               vnet_id=vnet_id, neighbors=list(neighbors), vnet_prefixes=tuple(own),
                               preference=str(p.get("hubRoutingPreference") or "ExpressRoute"),
                               branch_to_branch=bool(p.get("allowBranchToBranchTraffic")))
            for n in neighbors:
                spec.base[n.address] = {_canon(x): (ROUTE_SERVER_ASN,) for x in common}
            out.append(spec)
    return out


def wan_hub_speakers(recs: Records, table: WorkloadTable) -> list[SpeakerSpec]:
    """Virtual WAN hubs with bgpConnections ("Scenario: BGP peering with a virtual hub"): one speaker per hub
    router instance (``virtualRouterIps``, in the hub's address prefix), ASN 65515; each peer is an NVA in a
    VNet connected to the hub (the bgpConnection's ``hubVirtualNetworkConnection``) and connects from the
    loopback address of the NIC holding ``peerIp`` in that VNet. What the hub announces to it comes from the
    hub routing model at advertising time (``BgpService``): the routes that VNet connection learns, and the
    hub's own address prefix."""
    out: list[SpeakerSpec] = []
    for hub in recs.of_type(HUB):
        p = _props(hub.body)
        if not _ref(p.get("virtualWan")):
            continue
        ips = [ip for ip in p.get("virtualRouterIps") or [] if isinstance(ip, str)]
        neighbors: list[NeighborConfig] = []
        via: dict[str, str] = {}
        for conn in _children(recs, hub, HUB_BGP):
            cp = _props(conn.body)
            peer, asn = cp.get("peerIp"), cp.get("peerAsn")
            vnet_conn = _ref(cp.get("hubVirtualNetworkConnection"))
            vnet_id = _ref(_props(recs.body(vnet_conn)).get("remoteVirtualNetwork"))
            source = table.local_address_for_private_ip(vnet_id, peer) if isinstance(peer, str) and vnet_id \
                else None
            if isinstance(peer, str) and isinstance(asn, int) and source:
                neighbors.append(NeighborConfig(address=peer, source=source, asn=asn,
                                                max_prefixes=WAN_HUB_MAX_PREFIXES, owner=conn.body.get("id", conn.id)))
                via[peer] = vnet_conn
        if not neighbors or not ips:
            continue
        for i, ip in enumerate(ips):
            loc = table.by_ipconfig(f"{hub.body.get('id', hub.id)}/virtualRouterIps/{i}")
            if loc is None:
                continue
            out.append(SpeakerSpec(key=f"{hub.key}#{i}", resource_id=hub.body.get("id", hub.id), instance=i,
                                   azure_address=ip, local=loc.local, asn=HUB_ROUTER_ASN, kind="VirtualWanHub",
                                   vnet_id="", neighbors=list(neighbors),
                                   preference=str(p.get("hubRoutingPreference") or "ExpressRoute"),
                                   hub_prefix=_canon(str(p.get("addressPrefix") or "")), via=dict(via)))
    return out


def _gateway_branches(recs: Records, vnet_id: str) -> list[str]:
    """On-premises prefixes of the VNet's gateways' connections (branch-to-branch)."""
    out: list[str] = []
    gws = {g.key for g in recs.of_type(GW) if _vnet_of_gateway(g.body) == vnet_id.lower()}
    for c in recs.of_type(CONN):
        cp = _props(c.body)
        if _ref(cp.get("virtualNetworkGateway1")) in gws:
            lp = _props(recs.body(_ref(cp.get("localNetworkGateway2"))))
            out.extend(x for x in (lp.get("localNetworkAddressSpace") or {}).get("addressPrefixes") or []
                       if isinstance(x, str))
    return out


def _canon(prefix: str) -> str:
    try:
        return str(ipaddress.ip_network(prefix.strip(), strict=False))
    except ValueError:
        return prefix


def overlaps_any(prefix: str, nets: tuple[str, ...]) -> bool:
    try:
        p = ipaddress.ip_network(prefix, strict=False)
        return any(p.overlaps(ipaddress.ip_network(n, strict=False)) for n in nets)
    except ValueError:
        return True
