"""The ExpressRoute speakers, compiled from the store (pure: no sockets).

In Azure the customer's (or provider's) edge router holds two BGP sessions per circuit peering, one on each
link, with the Microsoft Enterprise Edge routers (MSEEs, AS 12076) at the second usable address of the
link's /30 (``primaryPeerAddressPrefix`` / ``secondaryPeerAddressPrefix``; the customer's router is the
first). The ExpressRoute gateways linked to the circuit (``connections`` of type ExpressRoute, a hub's
``expressRouteConnections``) learn the customer's routes from the MSEEs with 12076 in front of the
customer's AS path, and the MSEEs announce the linked VNets to the customer (AS path ``12076 65515``).

So each link of an AzurePrivatePeering of a provisioned circuit (peering not Disabled) gets one speaker,
ASN 12076, on the loopback address the local address table gives the MSEE's address
(``by_ipconfig(f"{peering id}/primary")``); its neighbour is the customer router (``peerASN``), which
connects from the loopback address of ``f"{peering id}/{link}/customer"``. The session holds at most 4000
prefixes (10000 with a Premium circuit): more brings it down (ExpressRoute limits: "If you exceed the
limit, the BGP session drops")."""

from __future__ import annotations

from typing import Any

from ..workloads.table import ER_LINKS, WorkloadTable
from .plan import (
    GW,
    Records,
    SpeakerSpec,
    _canon,
    _props,
    _ref,
    _vnet_of_gateway,
    transit_spokes,
    vnet_prefixes,
)
from .session import NeighborConfig

CIRCUIT = "microsoft.network/expressroutecircuits"
CIRCUIT_PEERING = "microsoft.network/expressroutecircuits/peerings"
ER_CONN = "microsoft.network/expressroutegateways/expressrouteconnections"
MSEE_ASN = 12076
GATEWAY_ASN = 65515               # an ExpressRoute gateway's ASN (fixed in Azure)
MAX_PREFIXES = {"Premium": 10000}
DEFAULT_MAX_PREFIXES = 4000
TYPES = (CIRCUIT, CIRCUIT_PEERING, ER_CONN)


def linked_gateways(recs: Records, circuit_key: str) -> list[Any]:
    """The VNet gateways an ExpressRoute connection links to the circuit."""
    out = []
    for c in recs.of_type("microsoft.network/connections"):
        cp = _props(c.body)
        if cp.get("connectionType") == "ExpressRoute" and _ref(cp.get("peer")) == circuit_key:
            gw = recs.by_key.get(_ref(cp.get("virtualNetworkGateway1")))
            if gw is not None and gw.type.lower() == GW:
                out.append(gw)
    return out


def hub_connections(recs: Records, peering_key: str) -> list[str]:
    """Keys of the Virtual WAN hubs' expressRouteConnections to this peering."""
    return [r.key for r in recs.of_type(ER_CONN)
            if _ref(_props(r.body).get("expressRouteCircuitPeering")) == peering_key]


def expressroute_speakers(recs: Records, table: WorkloadTable) -> list[SpeakerSpec]:
    out: list[SpeakerSpec] = []
    for peering in recs.of_type(CIRCUIT_PEERING):
        p = _props(peering.body)
        circuit_key = peering.key.rsplit("/peerings/", 1)[0]
        circuit = recs.body(circuit_key)
        cp = _props(circuit)
        if p.get("peeringType") != "AzurePrivatePeering" or p.get("state") == "Disabled" or \
                cp.get("serviceProviderProvisioningState") != "Provisioned":
            continue
        asn = p.get("peerASN")
        if not isinstance(asn, int):
            continue
        tier = str(((circuit or {}).get("sku") or {}).get("tier") or "")
        base: list[str] = []
        gateways: dict[str, int] = {}
        vnets: list[str] = []
        for gw in linked_gateways(recs, circuit_key):
            vnet = _vnet_of_gateway(gw.body)
            vnets.append(vnet)
            mine = vnet_prefixes(recs, vnet) + transit_spokes(recs, vnet)
            gateways[gw.body.get("id", gw.id)] = len(mine)
            base += mine
        pid = peering.body.get("id", peering.id)
        for i, link in enumerate(ER_LINKS):
            msee = table.by_ipconfig(f"{pid}/{link}")
            customer = table.by_ipconfig(f"{pid}/{link}/customer")
            if msee is None or customer is None or not msee.private_ip or not customer.private_ip:
                continue
            nb = NeighborConfig(address=customer.private_ip, source=customer.local, asn=asn,
                                max_prefixes=MAX_PREFIXES.get(tier, DEFAULT_MAX_PREFIXES), owner=pid)
            spec = SpeakerSpec(key=f"{peering.key}#{i}", resource_id=pid, instance=i, azure_address=msee.private_ip,
                               local=msee.local, asn=MSEE_ASN, kind="ExpressRoute", vnet_id="", neighbors=[nb])
            spec.base[nb.address] = {_canon(x): (MSEE_ASN, GATEWAY_ASN) for x in base}
            spec.via = {nb.address: ",".join(hub_connections(recs, peering.key))}
            spec.er_gateways = dict(gateways)
            spec.er_vnets = tuple(vnets)
            out.append(spec)
    return out
