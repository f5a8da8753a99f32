"""``POST virtualHubs/{hub}/effectiveRoutes`` (LRO): the effective routes of a hub route table or of a
connection, computed by the hub routing model (netmodel/hub_routes.py).

The body (EffectiveRoutesParameters) names ``resourceId`` (a hub route table, a hub VNet connection, a
VPN connection or a point-to-site configuration of this hub) and ``virtualWanResourceType``
(RouteTable | HubVirtualNetworkConnection | VpnConnection | P2SConnection | ExpressRouteConnection);
without one, the hub's defaultRouteTable. As Azure documents, a route table shows routes only once the
hub has a connection. The answer carries Azure's shape (``properties.output.value``, as the REST spec's
example) and the SDK's (``value``, VirtualHubEffectiveRouteList) side by side.

``inboundRoutes`` / ``outboundRoutes`` (LRO; GetInboundRoutesParameters: ``resourceUri`` + ``connectionType``):
the routes the hub receives from one connection (its prefixes and AS path) and the routes it announces to
it (what the connection learns, 65515 in front of the AS path).

Also what a Virtual WAN hub announces to an NVA peer (its BGP connection's hub VNet connection's
associated table): ``bgp_connections.HUB_ADVERTISED``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Action
from ....contracts import route_exchange
from ....netmodel import hub_routes
from ..ref_checks import ref_id
from . import bgp_connections
from . import routing_config as rc
from . import virtual_hubs as hubs

if TYPE_CHECKING:
    from ....arm.context import Ctx

KINDS = {"routetable": "hubroutetables", "hubvirtualnetworkconnection": "hubvirtualnetworkconnections",
         "vpnconnection": "vpnconnections", "p2sconnection": "p2sconnectionconfigurations",
         "expressrouteconnection": "expressrouteconnections"}
GATHERED = (hub_routes.WAN, hub_routes.HUB, hub_routes.TABLE, hub_routes.VNET_CONN, hub_routes.INTENT,
            hub_routes.FIREWALL, hub_routes.VPN_GW, hub_routes.VPN_CONN, hub_routes.SITE, hub_routes.P2S_GW,
            hub_routes.ER_GW, hub_routes.ER_CONN, hub_routes.CIRCUIT, hub_routes.CIRCUIT_PEERING,
            hub_routes.BGP_CONN)


def routing_model(ctx: Ctx) -> hub_routes.HubRouting:
    """The hub routing of the virtual WANs in the store (with the VNets their connections name, and the routes
    the hubs' BGP peers announced, from the live sessions)."""
    bodies: dict[str, dict[str, Any]] = {}
    types: dict[str, str] = {}
    bgp: dict[str, list[tuple[str, str, str]]] = {}
    for rtype in GATHERED:
        for rec in ctx.of_type(rtype):
            bodies[rec.key] = rec.body
            types[rec.key] = rtype
            if rtype == hub_routes.BGP_CONN:
                peer = str(rc.props_of(rec.body).get("peerIp") or "")
                held = bgp.setdefault(normalize(hubs.hub_of(rec.id)), [])
                for routes in route_exchange.learned_routes(ctx.platform, rec.id).values():
                    held.extend((peer, r.network, r.as_path) for r in routes)
    for key in [k for k, t in types.items() if t == hub_routes.VNET_CONN]:
        vnet = ref_id(rc.props_of(bodies[key]).get("remoteVirtualNetwork"), "")
        rec = ctx.record(vnet) if vnet else None
        if rec is not None:
            bodies[rec.key] = rec.body
            types[rec.key] = hub_routes.VNET
    circuits: dict[str, list[tuple[str, str]]] = {}
    if any(t == hub_routes.ER_CONN for t in types.values()):
        # what customer routers announce over circuit peerings' BGP sessions (the network model holds it)
        from ....netmodel.engine import model_engine

        circuits = {k: [(r.prefix, "-".join(map(str, r.as_path))) for r in routes]
                    for k, routes in model_engine(ctx.platform).model.circuit_learned().items()}
    return hub_routes.HubRouting(bodies, types, bgp, circuits)


def _param(payload: Any, name: str) -> Any:
    if not isinstance(payload, dict):
        return None
    return next((v for k, v in payload.items() if k.lower() == name.lower()), None)


def effective_routes(ctx: Ctx, hub: dict[str, Any], payload: Any) -> tuple[int, Any]:
    hid = hub["id"]
    if hubs.is_route_server(hub):
        raise ArmError(400, "InvalidOperation", f"Effective routes are answered for Virtual WAN hubs; {hid} is a "
                       "Route Server (see its BGP connections' learned and advertised routes).")
    if payload is not None and not isinstance(payload, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    for key in payload or {}:
        if key.lower() not in ("resourceid", "virtualwanresourcetype"):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", details=[{
                "code": "InvalidJson", "message": f"Could not find member '{key}' on object of type "
                f"'EffectiveRoutesParameters'. Path '{key}'."}])
    resource = _param(payload, "resourceId")
    kind = _param(payload, "virtualWanResourceType")
    if resource is not None and not isinstance(resource, str):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    if kind is not None and (not isinstance(kind, str) or kind.lower() not in KINDS):
        raise ArmError(400, "InvalidVirtualWanResourceType",
                       f"virtualWanResourceType {kind!r} is not one of RouteTable, HubVirtualNetworkConnection, "
                       "VpnConnection, P2SConnection, ExpressRouteConnection.")
    target = resource or rc.default_table(hid)
    low = normalize(target)
    if kind is not None and f"/{KINDS[kind.lower()]}/" not in low:
        raise ArmError(400, "InvalidEffectiveRoutesResource",
                       f"Resource {target} is not a {kind}.")
    model = routing_model(ctx)
    hub_key = normalize(hid)
    if "/hubroutetables/" in low:
        if not low.startswith(hub_key + "/") or low not in model.tables:
            raise _not_of_hub(target, hid)
        has_connection = any(c.hub_key == hub_key for c in model.connections.values())
        routes = model.table_routes(low) if has_connection else []
    elif low in model.connections and model.connections[low].hub_key == hub_key:
        routes = model.connection_routes(low)
    else:
        raise _not_of_hub(target, hid)
    value = [r.wire() for r in routes]
    return 200, {"value": value, "status": "Succeeded", "properties": {"output": {"value": value}}}


def _not_of_hub(target: str, hid: str) -> ArmError:
    return ArmError(400, "InvalidEffectiveRoutesResource",
                    f"Resource {target} is not a route table or connection of virtual hub {hid}.")


def advertised_to_peer(ctx: Ctx, hub: dict[str, Any], conn: dict[str, Any]) -> list[tuple[str, str]]:
    """(prefix, AS path) a Virtual WAN hub announces to the NVA of a BGP connection: the hub's address prefix
    and the routes its hub VNet connection learns (the table it is associated with, that VNet's own prefixes
    and its NVA's routes left out), 65515 in front of their AS path (as the BGP speaker sends them)."""
    vnet_conn = ref_id(rc.props_of(conn).get("hubVirtualNetworkConnection"), "")
    if not vnet_conn:
        return []
    asn = str(hubs.ROUTER_ASN)
    out: dict[str, str] = {}
    prefix = rc.props_of(hub).get("addressPrefix")
    if isinstance(prefix, str):
        out[prefix] = asn
    for r in routing_model(ctx).connection_routes(normalize(vnet_conn)):
        for p in r.prefixes:
            out.setdefault(p, "-".join(x for x in (asn, r.as_path) if x))
    return list(out.items())


bgp_connections.HUB_ADVERTISED[:] = [advertised_to_peer]

REGISTRY.add_actions(hubs.TYPE, [Action("effectiveRoutes", effective_routes, long_running=True)])


# -- inboundRoutes / outboundRoutes: what the hub hears from / announces to one connection ---------------

CONNECTION_TYPES = {"hubvirtualnetworkconnection": "hubvirtualnetworkconnections",
                    "vpnconnection": "vpnconnections", "p2sconnection": "p2sconnectionconfigurations",
                    "expressrouteconnection": "expressrouteconnections"}


def _connection_param(ctx: Ctx, hub: dict[str, Any], payload: Any) -> tuple[hub_routes.HubRouting, str]:
    if hubs.is_route_server(hub):
        raise ArmError(400, "InvalidOperation", f"{hub['id']} is a Route Server: it has no hub connections.")
    if not isinstance(payload, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    for key in payload:
        if key.lower() not in ("resourceuri", "connectiontype"):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", details=[{
                "code": "InvalidJson", "message": f"Could not find member '{key}' on object of type "
                f"'GetInboundRoutesParameters'. Path '{key}'."}])
    uri, kind = _param(payload, "resourceUri"), _param(payload, "connectionType")
    if not isinstance(uri, str) or not uri or not isinstance(kind, str) or not kind:
        raise ArmError(400, "MissingRequiredParameter", "The request needs resourceUri and connectionType.")
    segment = CONNECTION_TYPES.get(kind.lower())
    if segment is None:
        raise ArmError(400, "InvalidConnectionType",
                       f"connectionType {kind!r} is not one of HubVirtualNetworkConnection, VpnConnection, "
                       "P2SConnection, ExpressRouteConnection.")
    low = normalize(uri)
    model = routing_model(ctx)
    conn = model.connections.get(low)
    if f"/{segment}/" not in low or conn is None or conn.hub_key != normalize(hub["id"]):
        raise _not_of_hub(uri, hub["id"])
    return model, low


def inbound_routes(ctx: Ctx, hub: dict[str, Any], payload: Any) -> tuple[int, Any]:
    """The routes the hub receives from the connection (its prefixes, with the path they came with)."""
    model, key = _connection_param(ctx, hub, payload)
    conn = model.connections[key]
    return 200, {"value": [{"prefix": p, "bgpCommunities": "", "asPath": conn.as_path} for p in conn.prefixes]}


def outbound_routes(ctx: Ctx, hub: dict[str, Any], payload: Any) -> tuple[int, Any]:
    """The routes the hub announces to the connection (what it learns, the hub's ASN in front of the path)."""
    model, key = _connection_param(ctx, hub, payload)
    out: list[dict[str, Any]] = []
    for r in model.connection_routes(key):
        path = "-".join(x for x in (str(hubs.ROUTER_ASN), r.as_path) if x)
        out.extend({"prefix": p, "bgpCommunities": "", "asPath": path} for p in r.prefixes)
    return 200, {"value": out}


REGISTRY.add_actions(hubs.TYPE, [Action("inboundRoutes", inbound_routes, long_running=True),
                                 Action("outboundRoutes", outbound_routes, long_running=True)])
