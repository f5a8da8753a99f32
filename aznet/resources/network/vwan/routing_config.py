"""A connection's ``routingConfiguration`` (hub VNet connections, VPN connections, point-to-site
configurations, hub BGP connections), checked as Azure does:

- ``associatedRouteTable``: a hub route table of the connection's own hub (default: its
  ``defaultRouteTable``); branch connections (VPN, point-to-site) are associated with the default one.
- ``propagatedRouteTables``: ``ids`` name hub route tables of hubs in the same virtual WAN; ``labels``
  are free text (with neither, the connection propagates to ``defaultRouteTable`` and label ``default``).
- ``vnetRoutes.staticRoutes`` (VNet connections only): name, CIDR prefixes, and a next hop IP inside
  the connected VNet (an NVA there); ``staticRoutesConfig.vnetLocalRouteOverrideCriteria`` Contains |
  Equal, ``propagateStaticRoutes`` (default true).
- ``inboundRouteMap`` / ``outboundRouteMap`` must name existing route maps.
- With routing intent on the hub, connections stay associated with ``defaultRouteTable``."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....jsondata import props_of
from .. import cidr
from ..ref_checks import boolean, cannot_parse, enum, ref_id, resolve, unique_name

if TYPE_CHECKING:
    from ....arm.context import Ctx

TABLE_TYPE = "Microsoft.Network/virtualHubs/hubRouteTables"
INTENT_TYPE = "Microsoft.Network/virtualHubs/routingIntent"
ROUTE_MAP_TYPE = "Microsoft.Network/virtualHubs/routeMaps"
DEFAULT_TABLE = "defaultRouteTable"
NONE_TABLE = "noneRouteTable"
MAX_STATIC_ROUTES = 1000
MAX_LABELS = 100


def hub_of(rid: str) -> str:
    return rid.rstrip("/").rsplit("/", 2)[0]


def default_table(hub_id: str) -> str:
    return f"{hub_id}/hubRouteTables/{DEFAULT_TABLE}"


def wan_of_hub(ctx: Ctx, hub_id: str) -> str | None:
    return ref_id(props_of(ctx.body(hub_id)).get("virtualWan"), "")


def has_intent(ctx: Ctx, hub_id: str) -> bool:
    return bool(ctx.children(hub_id, INTENT_TYPE))


def check(ctx: Ctx, raw: Any, owner: str, hub_id: str, *, branch: bool, vnet_space: list[Any] | None = None,
          path: str = "properties.routingConfiguration") -> dict[str, Any]:
    """The routing configuration as stored (defaults filled), or ArmError."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise cannot_parse(path, raw, "RoutingConfiguration")
    out: dict[str, Any] = {}
    assoc = ref_id(raw.get("associatedRouteTable"), f"{path}.associatedRouteTable") or default_table(hub_id)
    body = resolve(ctx, assoc, owner, TABLE_TYPE)
    if normalize(hub_of(body["id"])) != normalize(hub_id):
        raise bad("AssociatedRouteTableNotInVirtualHub",
                  f"Connection {owner} can only be associated with a route table of its own virtual hub {hub_id}; "
                  f"{assoc} is not one.")
    is_default = body["id"].rsplit("/", 1)[-1].lower() == DEFAULT_TABLE.lower()
    if branch and not is_default:
        raise bad("BranchConnectionMustAssociateToDefaultRouteTable",
                  f"Branch connection {owner} must be associated with the defaultRouteTable of virtual hub {hub_id}.")
    if not is_default and has_intent(ctx, hub_id):
        raise bad("RoutingIntentRequiresDefaultRouteTable",
                  f"Virtual hub {hub_id} has routing intent: connection {owner} must be associated with its "
                  "defaultRouteTable.")
    out["associatedRouteTable"] = {"id": body["id"]}
    out["propagatedRouteTables"] = _propagated(ctx, raw.get("propagatedRouteTables"), owner, hub_id,
                                               f"{path}.propagatedRouteTables")
    for key in ("inboundRouteMap", "outboundRouteMap"):
        rm = ref_id(raw.get(key), f"{path}.{key}")
        if rm is not None:
            out[key] = {"id": resolve(ctx, rm, owner, ROUTE_MAP_TYPE)["id"]}
    if raw.get("vnetRoutes") is not None:
        if vnet_space is None:
            raise bad("VnetRoutesNotSupportedOnConnection",
                      f"Connection {owner} is not a virtual network connection: it cannot have vnetRoutes.")
        out["vnetRoutes"] = _vnet_routes(raw["vnetRoutes"], owner, vnet_space, f"{path}.vnetRoutes")
    elif vnet_space is not None:
        out["vnetRoutes"] = {"staticRoutes": [], "staticRoutesConfig": {"propagateStaticRoutes": True,
                                                                        "vnetLocalRouteOverrideCriteria": "Contains"}}
    return out


def _propagated(ctx: Ctx, raw: Any, owner: str, hub_id: str, path: str) -> dict[str, Any]:
    if raw is None:
        return {"labels": ["default"], "ids": [{"id": default_table(hub_id)}]}
    if not isinstance(raw, dict):
        raise cannot_parse(path, raw, "PropagatedRouteTable")
    labels = raw.get("labels") or []
    ids = raw.get("ids") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise cannot_parse(f"{path}.labels", labels, "System.String[]")
    if not isinstance(ids, list):
        raise cannot_parse(f"{path}.ids", ids, "SubResource[]")
    if len(labels) > MAX_LABELS or len(ids) > MAX_LABELS:
        raise bad("TooManyPropagatedRouteTables", f"Connection {owner} propagates to more than {MAX_LABELS} route "
                  "tables or labels.")
    wan = wan_of_hub(ctx, hub_id)
    out_ids = []
    for i, item in enumerate(ids):
        rid = ref_id(item, f"{path}.ids[{i}]")
        if rid is None:
            continue
        body = resolve(ctx, rid, owner, TABLE_TYPE)
        other_wan = wan_of_hub(ctx, hub_of(body["id"]))
        if normalize(other_wan or "") != normalize(wan or ""):
            raise bad("PropagatedRouteTableNotInVirtualWan",
                      f"Connection {owner} can only propagate to route tables of hubs in its own virtual WAN; "
                      f"{rid} is not one.")
        out_ids.append({"id": body["id"]})
    if not labels and not out_ids:
        labels = ["default"]
    return {"labels": list(dict.fromkeys(labels)), "ids": out_ids}


def _vnet_routes(raw: Any, owner: str, space: list[Any], path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise cannot_parse(path, raw, "VnetRoute")
    routes = raw.get("staticRoutes") or []
    if not isinstance(routes, list):
        raise cannot_parse(f"{path}.staticRoutes", routes, "StaticRoute[]")
    if len(routes) > MAX_STATIC_ROUTES:
        raise bad("TooManyStaticRoutes", f"Connection {owner} has more than {MAX_STATIC_ROUTES} static routes.")
    names: set[str] = set()
    out = []
    for i, r in enumerate(routes):
        rpath = f"{path}.staticRoutes[{i}]"
        if not isinstance(r, dict):
            raise cannot_parse(rpath, r, "StaticRoute")
        name = unique_name(r, names, "InvalidStaticRoute",
                           f"Static route {i} of connection {owner} needs a unique name.")
        prefixes = r.get("addressPrefixes") or []
        if not isinstance(prefixes, list) or not prefixes:
            raise bad("InvalidStaticRoute", f"Static route {name} of connection {owner} needs addressPrefixes.")
        nets = cidr.parse_prefixes(prefixes, owner)
        hop = r.get("nextHopIpAddress")
        try:
            addr = ipaddress.ip_address(str(hop).strip())
        except ValueError:
            raise bad("InvalidStaticRouteNextHop", f"The next hop {hop!r} of static route {name} of connection {owner} "
                      "is not a valid IP address.") from None
        if not any(addr.version == n.version and addr in n for n in space):
            raise bad("StaticRouteNextHopNotInVirtualNetwork",
                      f"The next hop {addr} of static route {name} of connection {owner} must be an address in the "
                      "connected virtual network.")
        out.append({"name": name, "addressPrefixes": [str(n) for n in nets], "nextHopIpAddress": str(addr)})
    cfg = raw.get("staticRoutesConfig") or {}
    if not isinstance(cfg, dict):
        raise cannot_parse(f"{path}.staticRoutesConfig", cfg, "StaticRoutesConfig")
    return {"staticRoutes": out, "staticRoutesConfig": {
        "propagateStaticRoutes": boolean(cfg.get("propagateStaticRoutes"),
                                         f"{path}.staticRoutesConfig.propagateStaticRoutes", True),
        "vnetLocalRouteOverrideCriteria": enum(cfg.get("vnetLocalRouteOverrideCriteria"), ("Contains", "Equal"),
                                               f"{path}.staticRoutesConfig.vnetLocalRouteOverrideCriteria",
                                               "VnetLocalRouteOverrideCriteria", "Contains")}}


def using_table(ctx: Ctx, table_id: str) -> tuple[list[str], list[str]]:
    """(associated, propagating) connection ids of a hub route table: the connections of every hub in
    the virtual WAN (by id, or by one of the table's labels)."""
    from . import connections_index

    table = ctx.body(table_id) or {}
    labels = {str(x).lower() for x in props_of(table).get("labels") or []}
    assoc: list[str] = []
    prop: list[str] = []
    for cid, cfg in connections_index.routing_of_wan(ctx, hub_of(table_id)):
        if normalize((cfg.get("associatedRouteTable") or {}).get("id") or "") == normalize(table_id):
            assoc.append(cid)
        p = cfg.get("propagatedRouteTables") or {}
        ids = {normalize((x or {}).get("id") or "") for x in p.get("ids") or []}
        if normalize(table_id) in ids or labels & {str(x).lower() for x in p.get("labels") or []}:
            prop.append(cid)
    return assoc, prop
