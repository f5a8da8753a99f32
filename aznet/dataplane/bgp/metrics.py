"""Azure Monitor metrics of the BGP speakers, reported to the platform's registry (``platform.metrics``).

Names, units, aggregations and dimensions as Azure publishes them ("Supported metrics for
Microsoft.Network/virtualNetworkGateways", "... /virtualHubs", "... /expressRouteCircuits"):
- VPN gateways: ``BgpPeerStatus`` (1 connected, 0 not; Average), ``BgpRoutesAdvertised`` and
  ``BgpRoutesLearned`` (Total), dimensions ``BgpPeerAddress`` and ``Instance``;
- ExpressRoute gateways: ``ExpressRouteGatewayCountOfRoutesLearnedFromPeer`` /
  ``ExpressRouteGatewayCountOfRoutesAdvertisedToPeer`` (Maximum), dimensions ``roleInstance`` and
  ``BgpPeerAddress`` (the MSEE links of the circuits the gateway is connected to);
- Route Server and Virtual WAN hubs: ``BgpPeerStatus``, ``CountOfRoutesAdvertisedToPeer``,
  ``CountOfRoutesLearnedFromPeer`` (Maximum), dimensions ``routeserviceinstance``, ``bgppeerip``,
  ``bgppeertype``;
- ExpressRoute circuits: ``BgpAvailability`` (Percent, Average; 100 while the link's session is up, else 0),
  dimensions ``PeeringType`` and ``Peer``.

Levels, not counts: a collector (run before each read) sets each gauge when its value changes; a gauge
carries its value into the minutes that follow. Inferred: the dimension values (``Instance`` as
``{gateway}_IN_{n}``, ``roleInstance`` as ``IN_{n}``, ``routeserviceinstance`` as ``IN_{n}``,
``bgppeertype`` as ``Nva`` / ``VpnGateway``, ``Peer`` as ``Primary`` / ``Secondary``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...monitor.catalog import Metric, define

if TYPE_CHECKING:
    from .service import BgpService

GW = "microsoft.network/virtualnetworkgateways"
HUB = "microsoft.network/virtualhubs"
CIRCUIT = "microsoft.network/expressroutecircuits"
_GW_DIMS = (("BgpPeerAddress", "BGP Peer Address"), ("Instance", "Instance"))
_ER_DIMS = (("roleInstance", "roleInstance"), ("BgpPeerAddress", "BgpPeerAddress"))
_HUB_DIMS = (("routeserviceinstance", "routeserviceinstance"), ("bgppeerip", "bgppeerip"),
             ("bgppeertype", "bgppeertype"))

define(GW,
       Metric("BgpPeerStatus", "BGP Peer Status", "Status of BGP peer", "Count", "Average", _GW_DIMS, kind="gauge",
              category="Routing"),
       Metric("BgpRoutesAdvertised", "BGP Routes Advertised", "Count of Bgp Routes Advertised through tunnel",
              "Count", "Total", _GW_DIMS, kind="gauge", category="Routing"),
       Metric("BgpRoutesLearned", "BGP Routes Learned", "Count of Bgp Routes Learned through tunnel", "Count",
              "Total", _GW_DIMS, kind="gauge", category="Routing"),
       Metric("ExpressRouteGatewayCountOfRoutesAdvertisedToPeer", "Count Of Routes Advertised to Peer",
              "Count Of Routes Advertised To Peer by ExpressRoute Gateway", "Count", "Maximum", _ER_DIMS,
              kind="gauge", category="Scalability"),
       Metric("ExpressRouteGatewayCountOfRoutesLearnedFromPeer", "Count Of Routes Learned from Peer",
              "Count Of Routes Learned From Peer by ExpressRoute Gateway", "Count", "Maximum", _ER_DIMS,
              kind="gauge", category="Scalability"))
define(HUB,
       Metric("BgpPeerStatus", "Bgp Peer Status", "1 - Connected, 0 - Not connected", "Count", "Maximum", _HUB_DIMS,
              kind="gauge", category="Scalability"),
       Metric("CountOfRoutesAdvertisedToPeer", "Count Of Routes Advertised To Peer",
              "Total number of routes advertised to peer", "Count", "Maximum", _HUB_DIMS, kind="gauge",
              category="Scalability"),
       Metric("CountOfRoutesLearnedFromPeer", "Count Of Routes Learned From Peer",
              "Total number of routes learned from peer", "Count", "Maximum", _HUB_DIMS, kind="gauge",
              category="Scalability"))
define(CIRCUIT,
       Metric("BgpAvailability", "Bgp Availability", "BGP Availability from MSEE towards all peers.", "Percent",
              "Average", (("PeeringType", "PeeringType"), ("Peer", "Peer")), kind="gauge",
              category="Circuit Availability", time_grains=("PT1M",)))

Sample = tuple[str, str, tuple[tuple[str, str], ...]]      # (resource id, metric, dims)


def samples(svc: BgpService) -> dict[Sample, float]:
    """Every gauge's current value, from the live speakers."""
    out: dict[Sample, float] = {}
    for key, sp in list(svc.speakers.items()):     # a copy: the loop thread may change them meanwhile
        spec = svc.specs.get(key)
        if spec is None:
            continue
        for n in list(sp.neighbors.values()):
            sess = sp.sessions.get(n.address)
            up = sess is not None and sess.state == "Connected"
            learned = float(len(sess.rib)) if up and sess is not None else 0.0
            sent = float(len(sess.sent)) if up and sess is not None else 0.0
            rid = sp.resource_id
            if spec.kind == "VpnGateway":
                dims = (("BgpPeerAddress", n.address), ("Instance", f"{rid.rsplit('/', 1)[-1]}_IN_{spec.instance}"))
                out[(rid, "BgpPeerStatus", dims)] = 1.0 if up else 0.0
                out[(rid, "BgpRoutesLearned", dims)] = learned
                out[(rid, "BgpRoutesAdvertised", dims)] = sent
            elif spec.kind in ("RouteServer", "VirtualWanHub"):
                dims = (("routeserviceinstance", f"IN_{spec.instance}"), ("bgppeerip", n.address),
                        ("bgppeertype", "Nva"))
                out[(rid, "BgpPeerStatus", dims)] = 1.0 if up else 0.0
                out[(rid, "CountOfRoutesLearnedFromPeer", dims)] = learned
                out[(rid, "CountOfRoutesAdvertisedToPeer", dims)] = sent
            elif spec.kind == "ExpressRoute":
                circuit = rid.rsplit("/peerings/", 1)[0]
                link = ("Primary", "Secondary")[spec.instance]
                out[(circuit, "BgpAvailability", (("PeeringType", "AzurePrivatePeering"), ("Peer", link)))] = \
                    100.0 if up else 0.0
                for gw, advertised in spec.er_gateways.items():   # the gateway's view of this MSEE link
                    dims = (("roleInstance", f"IN_{spec.instance}"), ("BgpPeerAddress", sp.azure_address))
                    out[(gw, "ExpressRouteGatewayCountOfRoutesLearnedFromPeer", dims)] = learned
                    out[(gw, "ExpressRouteGatewayCountOfRoutesAdvertisedToPeer", dims)] = \
                        float(advertised) if up else 0.0
    return out


class Collector:
    """Sets the registry's gauges from the speakers when they change (a series that disappears reads 0)."""

    def __init__(self, svc: BgpService, registry: Any) -> None:
        self.svc = svc
        self.registry = registry
        self.last: dict[Sample, float] = {}

    def __call__(self) -> None:
        now = samples(self.svc)
        for key in [k for k in self.last if k not in now]:
            now[key] = 0.0
        for (rid, metric, dims), value in now.items():
            if self.last.get((rid, metric, dims)) != value:
                self.registry.set_gauge(rid, metric, value, dims)
        self.last = now
