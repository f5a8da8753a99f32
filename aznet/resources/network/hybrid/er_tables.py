"""The tables of an ExpressRoute peering (long-running POSTs, as Azure answers them) and the admin
actions that play the other side of the circuit.

Azure's actions (``{peering}/arpTables|routeTables|routeTablesSummary/{primary|secondary}``):
- ``arpTables``: Microsoft's router on the link, and the customer's router once its edge is up;
- ``routeTables``: the routes the MSEE holds on that link: the customer edge's announcements (next hop
  the customer router, AS path as announced) and, on private peering, the prefixes of the VNets linked
  to the circuit (AS 65515, next hop the ExpressRoute gateway);
- ``routeTablesSummary``: the BGP neighbour on the link: its ASN, up/down and prefixes received.

Admin actions (``aznet expressroute advertise | validate-prefixes``), under ``/_aznet/expressroute``:
- ``.../{circuit}/peerings/{peering}/edge`` ``{"routes": [{"network": "10.200.0.0/16", "path": "65020"}],
  "up": true}``: the customer edge announces these prefixes over the peering (the peer ASN is put first
  on the AS path when missing); ``{"up": false}`` takes the edge down (its routes are withdrawn);
- ``.../{circuit}/peerings/{peering}/validate``: the routing registry check of a Microsoft peering's
  advertised public prefixes passes (ValidationNeeded -> Configured)."""

from __future__ import annotations

import ipaddress
import time
import uuid
from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.provider_actions import provider_action
from . import er_circuits, er_peerings
from .er_circuits import API_VERSIONS

if TYPE_CHECKING:
    from ....arm.context import Ctx

BASE = ("subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/expressroutecircuits/{circuit}/"
        "peerings/{peering}")
ADMIN = "_aznet/expressroute/{sub}/{rg}/{circuit}/peerings/{peering}"
MAX_EDGE_ROUTES = 10000        # a private peering takes 4000 (10000 with Premium); more would be refused


def _peering(ctx: Ctx, params: dict[str, str]) -> dict[str, Any]:
    pid = (f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/{er_circuits.TYPE}/"
           f"{params['circuit']}/peerings/{params['peering']}")
    rec = ctx.record(pid)
    if rec is None or rec.type.lower() != er_peerings.TYPE.lower():
        circuit = ctx.record(er_circuits.circuit_of(pid))
        if circuit is None:
            raise ArmError(404, "ResourceNotFound", f"The Resource '{er_circuits.TYPE}/{params['circuit']}' under "
                                                    f"resource group '{params['rg']}' was not found.")
        raise ArmError(404, "NotFound", f"Peering {params['peering']} of circuit {circuit.id} was not found.")
    return rec.body


def _table(kind: str):  # type: ignore[no-untyped-def]
    compute = {"arptables": er_peerings.arp_table, "routetables": er_peerings.route_table,
               "routetablessummary": er_peerings.route_summary}[kind]

    def handler(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
        body = _peering(ctx, params)
        device = er_peerings._device(params["device"])
        return 200, {"value": compute(ctx, body, device)}
    return handler


for _kind, _name in (("arptables", "arpTables"), ("routetables", "routeTables"),
                     ("routetablessummary", "routeTablesSummary")):
    provider_action(f"{BASE}/{_kind}/{{device}}", "POST", api_versions=API_VERSIONS,
                    name=f"expressRouteCircuits/peerings/{_name}", long_running="Microsoft.Network")(_table(_kind))


def _write_private(ctx: Ctx, body: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    stored = dict(body)
    stored["_aznet"] = {**(body.get("_aznet") or {}), **update}
    stored["etag"] = f'W/"{uuid.uuid4()}"'
    ctx.write_raw(body["id"], stored)
    return stored


def _as_path(value: Any, peer_asn: int) -> str:
    if value is None:
        value = ""
    parts = value.split() if isinstance(value, str) else value if isinstance(value, list) else None
    if parts is None:
        raise ArmError(400, "InvalidParameter", "path must be a string of ASNs separated by spaces, or a list.")
    asns = []
    for a in parts:
        try:
            n = int(a)
        except (TypeError, ValueError):
            raise ArmError(400, "InvalidParameter", f"AS path element {a!r} is not an ASN.") from None
        if not 1 <= n <= 4294967295:
            raise ArmError(400, "InvalidParameter", f"AS path element {n} is not an ASN.")
        asns.append(n)
    if not asns or asns[0] != peer_asn:
        asns.insert(0, peer_asn)
    return " ".join(str(a) for a in asns)


@provider_action(f"{ADMIN}/edge", "POST", api_versions=None, name="expressRouteCircuits/peerings/edge",
                 body="required", writes=True, auth="admin")
def set_edge(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    body = _peering(ctx, params)
    if not isinstance(payload, dict):
        raise ArmError(400, "InvalidRequestContent", 'Expected {"routes": [{"network": "10.0.0.0/16"}], "up": true}.')
    up = payload.get("up", True)
    if not isinstance(up, bool):
        raise ArmError(400, "InvalidParameter", "up must be true or false.")
    props = body.get("properties") or {}
    if up and props.get("state") == "Disabled":
        raise ArmError(409, "PeeringDisabled", f"Peering {body['id']} is disabled: no BGP session comes up.")
    raw_routes = payload.get("routes")
    current = er_peerings.edge(body)
    routes = list(current.get("routes") or [])
    if raw_routes is not None:
        if not isinstance(raw_routes, list) or len(raw_routes) > MAX_EDGE_ROUTES:
            raise ArmError(400, "InvalidParameter", f"routes must be a list of at most {MAX_EDGE_ROUTES} routes.")
        routes = []
        for r in raw_routes:
            net = r.get("network") if isinstance(r, dict) else r
            try:
                parsed = ipaddress.ip_network(net, strict=True) if isinstance(net, str) else None
            except ValueError:
                parsed = None
            if parsed is None:
                raise ArmError(400, "InvalidParameter", f"Route {net!r} is not a prefix (network address/length).")
            path = _as_path(r.get("path") if isinstance(r, dict) else None, int(props.get("peerASN") or 0))
            routes.append({"network": str(parsed), "path": path})
    state = {"up": up, "routes": routes if up else [],
             "since": current.get("since") if current.get("up") and up else time.strftime("%H:%M:%S", time.gmtime())}
    _write_private(ctx, body, {"edge": state})
    return 200, {"id": body["id"], **state}


@provider_action(f"{ADMIN}/validate", "POST", api_versions=None, name="expressRouteCircuits/peerings/validate",
                 body="optional", writes=True, auth="admin")
def validate_prefixes(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    body = _peering(ctx, params)
    props = dict(body.get("properties") or {})
    if props.get("peeringType") != "MicrosoftPeering":
        raise ArmError(409, "NotMicrosoftPeering", f"Peering {body['id']} has no advertised public prefixes to validate.")
    states = {}
    if isinstance(props.get("ipv6PeeringConfig"), dict):
        props["ipv6PeeringConfig"] = dict(props["ipv6PeeringConfig"])
    for label, holder in (("IPv4", props), ("IPv6", props.get("ipv6PeeringConfig") or {})):
        cfg = holder.get("microsoftPeeringConfig")
        if isinstance(cfg, dict) and cfg.get("advertisedPublicPrefixes"):
            holder["microsoftPeeringConfig"] = {**cfg, "advertisedPublicPrefixesState": "Configured"}
            states[label] = "Configured"
    stored = dict(body)
    stored["properties"] = props
    stored["etag"] = f'W/"{uuid.uuid4()}"'
    ctx.write_raw(body["id"], stored)
    return 200, {"id": body["id"], "advertisedPublicPrefixesState": states}
