"""Routing answers: ``networkInterfaces/{nic}/effectiveRouteTable`` and
``networkWatchers/{nw}/nextHop``."""

from __future__ import annotations

from typing import Any

from ..netmodel import EffectiveRoute, NetworkModel, key_of
from . import params
from .errors import error, not_found

SYSTEM_ROUTE = "System Route"


def effective_route_table(model: NetworkModel, nic_id: str) -> dict[str, Any]:
    """EffectiveRouteListResult for the subnet of the NIC's primary IP configuration."""
    nic = model.nics.get(key_of(nic_id))
    if nic is None:
        raise not_found(nic_id)
    routes = model.subnet_routes(nic.subnet_key or "")
    if routes is None:
        return {"value": []}
    rt = model.subnets[nic.subnet_key or ""].route_table_key
    disable = bool(rt and rt in model.route_tables and model.route_tables[rt].disable_bgp)
    value = []
    for r in routes.routes:
        w = r.wire()
        if "disableBgpRoutePropagation" in w:
            w["disableBgpRoutePropagation"] = disable
        value.append(w)
    return {"value": value}


def route_for(model: NetworkModel, subnet_key: str | None, dst: int) -> EffectiveRoute | None:
    routes = model.subnet_routes(subnet_key or "")
    return routes.lookup(dst) if routes else None


def next_hop_result(route: EffectiveRoute | None) -> dict[str, Any]:
    if route is None:
        return {"nextHopType": "None", "routeTableId": SYSTEM_ROUTE}
    out: dict[str, Any] = {"nextHopType": route.next_hop_type}
    if route.next_hop_ips:
        out["nextHopIpAddress"] = route.next_hop_ips[0]
    out["routeTableId"] = route.route_table_id if route.source == "User" and route.route_table_id else SYSTEM_ROUTE
    return out


def next_hop(model: NetworkModel, body: dict[str, Any]) -> dict[str, Any]:
    """NextHopParameters -> NextHopResult."""
    target = params.resource_id(body, "targetResourceId")
    assert target is not None
    src = params.ip(body, "sourceIPAddress")
    dst = params.ip(body, "destinationIPAddress")
    nic_id = params.resource_id(body, "targetNicResourceId", required=False)
    assert src is not None and dst is not None
    _, nics = params.target_nics(model, target, nic_id)
    params.require_single_nic(nics, nic_id, target)
    cfg = params.ipconfig_with(nics, src[0], src[1], "sourceIPAddress", target)
    if (src[0] >= 1 << 32) != (dst[0] >= 1 << 32):
        raise error("bad_format", "sourceIPAddress and destinationIPAddress must be of the same IP version.",
                    "destinationIPAddress")
    return next_hop_result(route_for(model, cfg.subnet_key, dst[0]))
