"""Microsoft.Network/virtualHubs/hubRouteTables: a Virtual WAN hub's route tables.

Rules ("About virtual hub routing", "How to configure virtual hub routing", routing intent docs):
- Only a Virtual WAN hub has them. Each hub has ``defaultRouteTable`` (label ``default``, always kept)
  and ``noneRouteTable`` (label ``none``, no routes); neither can be deleted (only with the hub).
- A Basic virtual WAN has no custom route tables; a hub with routing intent has none either ("routing
  intent can't be used alongside custom route tables").
- ``routes``: a unique ``name``; ``destinationType`` CIDR | ResourceId | Service; ``destinations``
  (CIDR prefixes for CIDR); ``nextHopType`` ResourceId; ``nextHop`` a hub VNet connection of this hub or
  an Azure Firewall in this hub. ``_policy_*`` routes belong to routing intent: shown, never stored.
- ``associatedConnections`` / ``propagatingConnections`` are read-only, computed from the connections of
  the virtual WAN; a custom table cannot be deleted while a connection is associated with it or
  propagates to it by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ....netmodel import hub_routes
from .. import cidr
from ..ref_checks import cannot_parse, enum, ref_id, resolve, since
from . import routing_config as rc
from . import virtual_wans

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = rc.TABLE_TYPE
VNET_CONN_TYPE = "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections"
FIREWALL_TYPE = "Microsoft.Network/azureFirewalls"
MAX_ROUTES = 1000
MAX_DESTINATIONS = 1000
BUILT_IN = {rc.DEFAULT_TABLE.lower(): "default", rc.NONE_TABLE.lower(): "none"}


class HubRouteTableHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        tid = new["id"]
        hub_id = rc.hub_of(tid)
        hub = ctx.body(hub_id) or {}
        wan_id = ref_id(rc.props_of(hub).get("virtualWan"), "")
        if not wan_id:
            raise bad("InvalidOperation", f"Route tables belong to Virtual WAN hubs; {hub_id} is a Route Server.")
        name = tid.rsplit("/", 1)[-1]
        built_in = BUILT_IN.get(name.lower())
        if built_in is None and old is None:
            if virtual_wans.wan_type(ctx.body(wan_id)) == "Basic":
                raise bad("CustomRouteTablesNotSupportedOnBasicVirtualWan",
                          f"Virtual hub {hub_id} is in a Basic virtual WAN: custom route tables need a Standard "
                          "virtual WAN.")
            if rc.has_intent(ctx, hub_id):
                raise bad("CustomRouteTablesNotSupportedWithRoutingIntent",
                          f"Virtual hub {hub_id} has routing intent, which cannot be used alongside custom route "
                          "tables.")
        labels = props.get("labels") or []
        if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
            raise cannot_parse("properties.labels", labels, "System.String[]")
        if len(labels) > rc.MAX_LABELS:
            raise bad("TooManyRouteTableLabels", f"Route table {tid} has more than {rc.MAX_LABELS} labels.")
        if built_in is not None and built_in not in [x.lower() for x in labels]:
            labels = [built_in, *labels]
        props["labels"] = list(dict.fromkeys(labels))
        routes = props.get("routes") or []
        if not isinstance(routes, list):
            raise cannot_parse("properties.routes", routes, "HubRoute[]")
        routes = [r for r in routes if not (isinstance(r, dict) and str(r.get("name", "")).startswith("_policy_"))]
        if built_in == "none" and routes:
            raise bad("NoneRouteTableCannotHaveRoutes", f"The noneRouteTable of virtual hub {hub_id} cannot have "
                      "routes.")
        if len(routes) > MAX_ROUTES:
            raise bad("TooManyRoutesInRouteTable", f"Route table {tid} has more than {MAX_ROUTES} routes.")
        names: set[str] = set()
        props["routes"] = [self._route(ctx, r, i, tid, hub_id, names) for i, r in enumerate(routes)]
        for key in ("associatedConnections", "propagatingConnections"):
            props.pop(key, None)

    def _route(self, ctx: Ctx, r: Any, i: int, tid: str, hub_id: str, names: set[str]) -> dict[str, Any]:
        path = f"properties.routes[{i}]"
        if not isinstance(r, dict):
            raise cannot_parse(path, r, "HubRoute")
        name = r.get("name")
        if not isinstance(name, str) or not name:
            raise bad("HubRouteNameRequired", f"Route {i} of route table {tid} needs a name.")
        if name.lower() in names:
            raise bad("DuplicateHubRouteName", f"Route table {tid} has two routes named {name}.")
        names.add(name.lower())
        dtype = enum(r.get("destinationType"), ("CIDR", "ResourceId", "Service"), f"{path}.destinationType",
                     "System.String")
        if dtype is None:
            raise bad("InvalidHubRoute", f"Route {name} of route table {tid} needs a destinationType.")
        dests = r.get("destinations") or []
        if not isinstance(dests, list) or not dests or not all(isinstance(d, str) for d in dests):
            raise bad("InvalidHubRoute", f"Route {name} of route table {tid} needs destinations.")
        if len(dests) > MAX_DESTINATIONS:
            raise bad("InvalidHubRoute", f"Route {name} of route table {tid} has more than {MAX_DESTINATIONS} "
                      "destinations.")
        if dtype == "CIDR":
            dests = [str(n) for n in cidr.parse_prefixes(dests, tid)]
        hop_type = enum(r.get("nextHopType"), ("ResourceId",), f"{path}.nextHopType", "System.String", "ResourceId")
        hop = r.get("nextHop")
        if not isinstance(hop, str) or not hop:
            raise bad("InvalidHubRouteNextHop", f"Route {name} of route table {tid} needs a nextHop resource id.")
        low = hop.lower()
        if "/hubvirtualnetworkconnections/" in low:
            body = resolve(ctx, hop, tid, VNET_CONN_TYPE)
            if normalize(rc.hub_of(body["id"])) != normalize(hub_id):
                raise bad("InvalidHubRouteNextHop", f"The next hop {hop} of route {name} is a connection of another "
                          "virtual hub.")
        elif "/azurefirewalls/" in low:
            body = resolve(ctx, hop, tid, FIREWALL_TYPE)
            if normalize(ref_id(rc.props_of(body).get("virtualHub"), "") or "") != normalize(hub_id):
                raise bad("InvalidHubRouteNextHop", f"The next hop {hop} of route {name} is not an Azure Firewall in "
                          f"virtual hub {hub_id}.")
        else:
            raise bad("InvalidHubRouteNextHop",
                      f"The next hop {hop} of route {name} of route table {tid} must be a virtual network connection "
                      "or an Azure Firewall of the virtual hub.")
        return {"name": name, "destinationType": dtype, "destinations": dests, "nextHopType": hop_type,
                "nextHop": body["id"]}

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        tid = body["id"]
        if normalize(rc.hub_of(tid)) in ctx.scratch_set("deleting-hubs"):
            return
        if tid.rsplit("/", 1)[-1].lower() in BUILT_IN:
            raise bad("BuiltInRouteTableCannotBeDeleted",
                      f"Route table {tid} is built into its virtual hub and cannot be deleted.")
        assoc, _ = rc.using_table(ctx, tid)
        by_id = [cid for cid, cfg in _by_id(ctx, tid)]
        users = assoc + by_id
        if users:
            raise bad("InUseHubRouteTableCannotBeDeleted",
                      f"Route table {tid} cannot be deleted because connection {users[0]} is associated with it or "
                      "propagates to it.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        assoc, prop = rc.using_table(ctx, body["id"])
        hub_id = rc.hub_of(body["id"])
        if rc.has_intent(ctx, hub_id):
            prop = []           # routing intent takes over propagation
            if body["id"].rsplit("/", 1)[-1].lower() == rc.DEFAULT_TABLE.lower():
                props["routes"] = list(props.get("routes") or []) + intent_routes(ctx, hub_id)
        props["associatedConnections"] = assoc
        props["propagatingConnections"] = prop


def _by_id(ctx: Ctx, tid: str) -> list[tuple[str, dict[str, Any]]]:
    from . import connections_index

    out = []
    for cid, cfg in connections_index.routing_of_wan(ctx, rc.hub_of(tid)):
        ids = {normalize((x or {}).get("id") or "") for x in (cfg.get("propagatedRouteTables") or {}).get("ids") or []}
        if normalize(tid) in ids:
            out.append((cid, cfg))
    return out


def intent_routes(ctx: Ctx, hub_id: str) -> list[dict[str, Any]]:
    """The routes routing intent puts in defaultRouteTable (``_policy_PrivateTraffic``, ``_policy_PublicTraffic``)."""
    out = []
    for rec in ctx.children(hub_id, rc.INTENT_TYPE):
        for pol in rc.props_of(rec.body).get("routingPolicies") or []:
            for dest in pol.get("destinations") or []:
                name, prefixes = (("_policy_PrivateTraffic", list(hub_routes.PRIVATE_AGGREGATES))
                                  if dest == "PrivateTraffic" else ("_policy_PublicTraffic", ["0.0.0.0/0"]))
                out.append({"name": name, "destinationType": "CIDR", "destinations": prefixes,
                            "nextHopType": "ResourceId", "nextHop": pol.get("nextHop")})
    return out


REGISTRY.add(ResourceType(TYPE, since("2020-04-01"), model="HubRouteTable", location="none",
                          hooks=HubRouteTableHooks(), names=NameRule(1, 80)))
