"""The BGP speakers as an aznet service (``platform.services.get(BgpService)``) and reconcile engine.

After each commit touching gateways, connections, local network gateways, VNets or peerings, the plan
(``plan.vpn_speakers``) is recompiled: speakers start, stop or are reconfigured inside the commit.
Each speaker listens on its loopback address, port 179 (``AZNET_PRIVILEGED_PORT_OFFSET`` is added where
this process cannot bind ports below 1024: 179 -> 8179), and ``aznet status --json`` lists it under the
gateway's resource id with address and port.

Learned routes leave through the reconcile seam: a change of type ``aznet.bgp/learnedroutes`` per
gateway (all its instances' sessions), coalesced to one per loop turn, which the network model turns
into the VNet's effective routes (``netmodel.bgp_routes``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from ... import services
from ...netmodel import hub_routes
from ...netmodel.bgp_routes import LEARNED_TYPE, LearnedRoute
from ...netmodel.engine import model_engine
from ...store.base import Change
from ..ports import listen_port
from ..reconcile import Snapshot
from ..workloads.service import WorkloadsService
from ..workloads.table import WorkloadTable
from . import er_plan, plan
from . import metrics as bgp_metrics
from .plan import SpeakerSpec
from .speaker import Speaker

if TYPE_CHECKING:
    from ...services import Host

log = logging.getLogger("aznet.bgp")
BGP_PORT = 179
DEFAULT_HOLD = 180      # Azure's gateways: keepalive 60 s, hold 180 s (the peer may negotiate lower)


class BgpService:
    name = "bgp"
    watches = frozenset({plan.GW, plan.LNG, plan.CONN, plan.VNET, plan.PEERING, plan.HUB, plan.HUB_IPCONFIG,
                         plan.HUB_BGP, plan.HUB_VNET_CONN, "microsoft.network/networkinterfaces",
                         f"{plan.GW}/natrules"}
                        | hub_routes.INPUT_TYPES)     # what a Virtual WAN hub announces follows its routing
    delivery: Literal["sync", "queued"] = "sync"

    def __init__(self, platform: Host) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.port = listen_port(BGP_PORT, self.settings.privileged_port_offset)
        self.hold_time = DEFAULT_HOLD
        self.specs: dict[str, SpeakerSpec] = {}
        self.speakers: dict[str, Speaker] = {}
        self.snapshot: Snapshot | None = None
        self.workloads: WorkloadsService | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._dirty: set[str] = set()          # gateway keys whose learned routes changed
        self._readvertise_pending = False
        self._flush_scheduled = False
        self.published = 0                       # learned-route changes published (figures, tests)
        self._collector = bgp_metrics.Collector(self, platform.metrics)

    # -- reconcile ------------------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if not self.speakers and not snapshot.of_type(plan.GW) and not snapshot.of_type(plan.HUB) and \
                not snapshot.of_type(er_plan.CIRCUIT_PEERING):
            self.specs = {}
            return                      # nothing can speak BGP: skip the plan (most commits)
        table = self.workloads.table if self.workloads is not None else WorkloadTable(self.settings.private_ip_pool)
        recs = plan.Records(snapshot)
        specs = {s.key: s for s in plan.vpn_speakers(recs, table) + plan.route_server_speakers(recs, table)
                 + plan.wan_hub_speakers(recs, table) + er_plan.expressroute_speakers(recs, table)}
        self._converge(specs)

    def apply(self, changes: Sequence[Change]) -> None:
        if self.snapshot is not None:
            self.resync(self.snapshot)
        if self.loop is not None and not self._readvertise_pending and \
                any(s.kind == "VpnGateway" for s in self.specs.values()):
            self._readvertise_pending = True
            self.loop.call_soon_threadsafe(self._readvertise_vpn)

    def _converge(self, specs: dict[str, SpeakerSpec]) -> None:
        if self.loop is None:
            self.specs = specs
            return
        for key in [k for k in self.speakers if k not in specs]:
            sp = self.speakers.pop(key)
            sp.stop()
            self._mark(sp.resource_id)
        for key, spec in specs.items():
            sp = self.speakers.get(key)
            if sp is not None and (sp.address, sp.asn, sp.azure_address) != (spec.local, spec.asn,
                                                                               spec.azure_address):
                self.speakers.pop(key).stop()
                self._mark(sp.resource_id)
                sp = None
            if sp is None:
                sp = Speaker(key, spec.resource_id, spec.local, spec.azure_address, self.port, spec.asn,
                             self.hold_time, self._learned_changed)
                self.speakers[key] = sp
                sock = sp.bind()              # listening before the PUT returns
                if sock is not None:
                    self.loop.create_task(sp.start(sock))
            sp.configure(spec.neighbors)
        self.specs = specs
        for gw in {s.resource_id.lower() for s in specs.values()}:
            self._advertise(gw)

    # -- routes --------------------------------------------------------------------------------
    def instances(self, gateway_id: str) -> list[Speaker]:
        key = gateway_id.lower()
        return [sp for sp in self.speakers.values() if sp.resource_id.lower() == key]

    def learned(self, gateway_id: str) -> list[tuple[Speaker, str, str, Any]]:
        """(speaker, neighbour, prefix, attrs) of every route the gateway's sessions hold."""
        return [(sp, n, p, a) for sp in self.instances(gateway_id) for n, p, a in sp.learned()]

    def _advertise(self, gateway_key: str) -> None:
        learned = self.learned(gateway_key)
        for sp in self.instances(gateway_key):
            spec = self.specs.get(sp.key)
            if spec is None:
                continue
            if spec.kind == "VirtualWanHub":
                self._advertise_hub(sp, spec)
                continue
            if spec.kind == "ExpressRoute":
                self._advertise_er(sp, spec)
                continue
            branch = self._branch_routes(spec)
            nat = self._nat(gateway_key)
            for n in spec.neighbors:
                routes = {q: (ap, spec.azure_address) for p, ap in spec.base.get(n.address, {}).items()
                          for q in (nat.translate_advertised(n.address, p) if nat is not None else (p,))}
                for _sp, peer, prefix, attrs in learned:   # transit: what the other BGP peers taught us
                    if peer == n.address or prefix == "0.0.0.0/0" or prefix in routes or \
                            plan.overlaps_any(prefix, spec.vnet_prefixes):
                        continue
                    for q in nat.translate_learned(peer, prefix) if nat is not None else (prefix,):
                        routes.setdefault(q, ((spec.asn, *attrs.as_path), spec.azure_address))
                for prefix, path in branch:
                    if prefix not in routes and n.asn not in path:
                        routes[prefix] = ((spec.asn, *path), spec.azure_address)
                sp.set_advertised(n.address, routes)

    def _nat(self, gateway_key: str) -> Any:
        """The VPN gateway's NAT as the network model holds it (``vpn_nat.GatewayNat``) when its
        ``enableBgpRouteTranslationForNat`` is on: the prefixes announced to a site-to-site peer go out through
        that peer's connection's EgressSnat rules, and transit routes learned from another peer go out post-NAT
        (its IngressSnat rules), as Azure's NAT documentation describes BGP route translation."""
        nat = model_engine(self.platform).model.gateway_nat(gateway_key)
        return nat if nat is not None and nat.route_translation and nat.connections else None

    def _readvertise_vpn(self) -> None:
        """After a commit, once every engine applied it (the network model too): NAT rules may have changed."""
        self._readvertise_pending = False
        for gw in {s.resource_id.lower() for s in self.specs.values() if s.kind == "VpnGateway"}:
            self._advertise(gw)

    def _advertise_hub(self, sp: Speaker, spec: SpeakerSpec) -> None:
        """A Virtual WAN hub router announces to an NVA peer what the NVA's VNet connection learns from the hub
        (its associated route table, as the hub routing model filters it: other spokes, branches per
        branch-to-branch, remote hubs, the NVA's own routes left out) and the hub's address prefix; AS path
        65515 in front of the route's; next hop the instance's address."""
        hubs = model_engine(self.platform).model.hub_routing()
        for n in spec.neighbors:
            routes: dict[str, tuple[tuple[int, ...], str]] = {}
            if spec.hub_prefix:
                routes[spec.hub_prefix] = ((spec.asn,), spec.azure_address)
            for r in hubs.connection_routes(spec.via.get(n.address, "")):
                path = (spec.asn, *(int(a) for a in r.as_path.split("-") if a.isdigit()))
                for prefix in r.prefixes:
                    routes.setdefault(plan._canon(prefix), (path, spec.azure_address))
            sp.set_advertised(n.address, routes)

    def _advertise_er(self, sp: Speaker, spec: SpeakerSpec) -> None:
        """An MSEE announces to the customer router the VNets of the gateways linked to the circuit (and their
        gateway-transit spokes), AS path 12076 65515, and for each Virtual WAN hub's ExpressRoute connection
        to the peering the hub's prefix and what that connection learns from the hub; next hop the MSEE."""
        branch = self._branch_routes(spec)
        for n in spec.neighbors:
            routes = {p: (path, spec.azure_address) for p, path in spec.base.get(n.address, {}).items()}
            for prefix, path in branch:      # a Route Server's NVAs, with branch-to-branch: 12076 65515 <path>
                if prefix not in routes and n.asn not in path:
                    routes[prefix] = ((spec.asn, er_plan.GATEWAY_ASN, *path), spec.azure_address)
            hub_conns = [k for k in spec.via.get(n.address, "").split(",") if k]
            if hub_conns:
                hubs = model_engine(self.platform).model.hub_routing()
                for key in hub_conns:
                    conn = hubs.connections.get(key)
                    prefix = hub_routes.props(hubs.bodies.get(conn.hub_key)).get("addressPrefix") if conn else None
                    if isinstance(prefix, str):
                        routes.setdefault(plan._canon(prefix), ((spec.asn, er_plan.GATEWAY_ASN), spec.azure_address))
                    for r in hubs.connection_routes(key):
                        path = (spec.asn, er_plan.GATEWAY_ASN, *(int(a) for a in r.as_path.split("-") if a.isdigit()))
                        for prefix in r.prefixes:
                            routes.setdefault(plan._canon(prefix), (path, spec.azure_address))
            sp.set_advertised(n.address, routes)

    def _branch_routes(self, spec: SpeakerSpec) -> list[tuple[str, tuple[int, ...]]]:
        """Branch-to-branch (a Route Server with ``allowBranchToBranchTraffic`` exchanges what it learned with
        the VPN gateway and the ExpressRoute gateway of its VNet, and lets those two exchange theirs): for a
        Route Server, the VPN gateway's BGP routes and the customer routes of the circuits linked to the
        ExpressRoute gateway (12076 in front); for a VPN gateway, the Route Server's NVA routes and the
        circuits' customer routes; for a circuit's MSEE, the NVA routes and the VPN gateway's BGP routes."""
        if spec.kind == "RouteServer":
            if not spec.branch_to_branch:
                return []
            others = [s for s in self.specs.values() if s.instance == 0 and (
                (s.kind == "VpnGateway" and s.vnet_id == spec.vnet_id)
                or (s.kind == "ExpressRoute" and spec.vnet_id in s.er_vnets))]
        else:       # a VPN gateway or an MSEE: through a Route Server with branch-to-branch in the (a linked) VNet
            vnets = spec.er_vnets if spec.kind == "ExpressRoute" else (spec.vnet_id,)
            others = [s for s in self.specs.values() if s.kind == "RouteServer" and s.instance == 0
                      and s.vnet_id in vnets and s.branch_to_branch]
            transit = {o.vnet_id for o in others}
            if spec.kind == "ExpressRoute":       # ... and the VPN gateway of that VNet (ExpressRoute <-> VPN)
                others += [s for s in self.specs.values() if s.kind == "VpnGateway" and s.instance == 0
                           and s.vnet_id in transit]
            else:
                others += [s for s in self.specs.values() if s.kind == "ExpressRoute" and s.instance == 0
                           and transit & set(s.er_vnets)]
        vnet_prefixes = spec.vnet_prefixes or tuple(p for o in others for p in o.vnet_prefixes)
        out: list[tuple[str, tuple[int, ...]]] = []
        for other in others:
            prefix_asn = (er_plan.MSEE_ASN,) if other.kind == "ExpressRoute" else ()
            for _sp, _peer, prefix, attrs in self.learned(other.resource_id):
                if prefix != "0.0.0.0/0" and not plan.overlaps_any(prefix, vnet_prefixes):
                    out.append((prefix, (*prefix_asn, *attrs.as_path)))
        return out

    def _learned_changed(self, sp: Speaker) -> None:
        self._mark(sp.resource_id)

    def _mark(self, resource_id: str) -> None:
        self._dirty.add(resource_id)
        if not self._flush_scheduled and self.loop is not None:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, set()
        changes: list[Any] = []
        for rid in dirty:
            spec = next((s for s in self.specs.values() if s.resource_id.lower() == rid.lower()), None)
            routes = tuple(LearnedRoute(prefix, attrs.next_hop, attrs.as_path, spec.kind if spec else "VpnGateway",
                                        peer, rid.lower()) for _sp, peer, prefix, attrs in self.learned(rid))
            lid = f"{rid}/providers/aznet.bgp/learnedRoutes/default"
            if routes and spec is not None:
                changes.append(Change("put", lid, LEARNED_TYPE,
                                      {"id": lid, "learned": routes, "vnet": spec.vnet_id,
                                       "preference": spec.preference}))
            else:
                changes.append(Change("delete", lid, LEARNED_TYPE, None))
        for gw in {s.resource_id.lower() for s in self.specs.values()}:
            self._advertise(gw)         # transit and branch-to-branch follow what changed
        if changes:
            self.published += len(changes)
            self.platform.reconciler.on_commit(changes)

    # -- the hubs' route exchange (aznet.contracts.route_exchange) -----------------------
    def _owned(self, connection_id: str) -> list[tuple[Any, Any, Any]]:
        """(spec or None, speaker, neighbor) of each neighbor the connection ``connection_id`` owns."""
        cid = connection_id.lower()
        return [(self.specs.get(key), sp, n) for key, sp in self.speakers.items() for n in sp.neighbors.values()
                if n.owner.lower() == cid]

    def connection_state(self, connection_id: str) -> str | None:
        """Connected / Connecting of a Route Server bgpConnection (any instance up: Connected)."""
        found = self._owned(connection_id)
        if not found:
            return None
        up = any((s := sp.sessions.get(n.address)) is not None and s.state == "Connected" for _, sp, n in found)
        return "Connected" if up else "Connecting"

    def connection_learned(self, connection_id: str) -> dict[int, list[Any]] | None:
        from ...contracts import route_exchange

        found = [(spec, sp, n) for spec, sp, n in self._owned(connection_id) if spec is not None]
        if not found:
            return None
        out: dict[int, list[Any]] = {}
        for spec, sp, n in found:
            sess = sp.sessions.get(n.address)
            out[spec.instance] = [route_exchange.LearnedRoute(p, a.next_hop, "-".join(map(str, a.as_path)))
                                  for p, a in (sess.rib.items() if sess is not None else ())]
        return out

    def connection_advertised(self, connection_id: str) -> dict[int, list[tuple[str, str, str]]] | None:
        """(prefix, AS path, next hop) each instance announces to the peer of a hub bgpConnection: what the
        session sent when it is up, else what it will send."""
        found = [(spec, sp, n) for spec, sp, n in self._owned(connection_id) if spec is not None]
        if not found:
            return None
        out: dict[int, list[tuple[str, str, str]]] = {}
        for spec, sp, n in found:
            sess = sp.sessions.get(n.address)
            table = sess.sent if sess is not None and sess.state == "Connected" else sp.advertised.get(n.address, {})
            out[spec.instance] = [(p, "-".join(map(str, path)), hop) for p, (path, hop) in table.items()]
        return out

    def link_state(self, peering_id: str, link: int) -> dict[str, Any] | None:
        """An ExpressRoute peering link's session as the circuit's tables show it (None: no speaker):
        up, seconds since established, routes held from the customer {prefix: AS path}, bytes in and out."""
        sp = self.speakers.get(f"{peering_id.lower()}#{link}")
        if sp is None:
            return None
        n = next(iter(sp.neighbors.values()), None)
        sess = sp.sessions.get(n.address) if n is not None else None
        st = sp.stats_for(n.address) if n is not None else None
        up = sess is not None and sess.state == "Connected"
        return {"up": up, "customer": n.address if n else "", "asn": n.asn if n else None,
                "seconds": time.monotonic() - st.established_at if up and st and st.established_at else 0.0,
                "routes": {p: " ".join(map(str, a.as_path)) for p, a in sess.rib.items()} if up and sess else {},
                "bytesIn": st.bytes_in if st else 0, "bytesOut": st.bytes_out if st else 0,
                "microsoft": sp.azure_address}

    # -- status -----------------------------------------------------------------------------------
    def endpoints(self) -> list[dict[str, Any]]:
        out = []
        for key, sp in sorted(self.speakers.items()):
            spec = self.specs.get(key)
            name = f"bgp:{sp.resource_id.rsplit('/', 1)[-1]}/{spec.instance if spec else 0}"
            if spec is not None and spec.kind == "ExpressRoute":      # circuit/peering/link
                parts = sp.resource_id.split("/")
                name = f"bgp:{parts[-3]}/{parts[-1]}/{('primary', 'secondary')[spec.instance]}"
            ep: dict[str, Any] = {
                "name": name,
                "host": sp.address, "port": BGP_PORT, "protocol": "tcp", "resourceId": sp.resource_id,
                "address": sp.address, "bgpPeeringAddress": sp.azure_address, "asn": sp.asn,
                "description": f"BGP speaker ({spec.kind if spec else 'gateway'}, AS {sp.asn})",
                "neighbors": [{"address": n.address, "asn": n.asn, "connectFrom": n.source,
                               "state": sp.stats_for(n.address).state} for n in sp.neighbors.values()]}
            if self.port != BGP_PORT:
                ep["listenPort"] = self.port
                ep["description"] += f"; privileged port {BGP_PORT} mapped to {self.port}"
            if sp.error:
                ep["error"] = sp.error
            out.append(ep)
        return out

    # -- lifecycle -----------------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.workloads = self.platform.services.get(WorkloadsService)
        model_engine(self.platform)           # the network model hears our learned routes from now on
        try:
            from ...contracts import route_exchange
        except ImportError:       # the hubs' control plane is not there
            pass
        else:
            route_exchange.register(self.platform, _Exchange(self))
        self.platform.reconciler.register(self)
        self.platform.metrics.add_collector(self._collector)

    async def stop(self) -> None:
        self.platform.reconciler.unregister(self)
        self.platform.metrics.remove_collector(self._collector)
        for sp in self.speakers.values():
            sp.stop()
        self.speakers.clear()


class _Exchange:
    """The BGP service as the hubs' RouteExchange (a separate object: the service's endpoints are listed once)."""

    def __init__(self, svc: BgpService) -> None:
        self.svc = svc

    def state(self, connection_id: str) -> str | None:
        return self.svc.connection_state(connection_id)

    def learned(self, connection_id: str) -> dict[int, list[Any]] | None:
        return self.svc.connection_learned(connection_id)

    def advertised(self, connection_id: str) -> dict[int, list[tuple[str, str, str]]] | None:
        return self.svc.connection_advertised(connection_id)


@services.register
def _factory(platform: Host) -> BgpService:
    return BgpService(platform)
