"""Microsoft.Network/virtualHubs/routeTables: the older (V2) route tables of a Virtual WAN hub
(VirtualHubRouteTableV2), kept for the templates that still declare them.

Rules (REST specs; "Route tables for pre-existing routes"):
- Only a hub of a Standard virtual WAN ("upgrade your Basic virtual WAN to a Standard virtual WAN").
- ``routes``: ``destinationType`` CIDR with CIDR ``destinations``; ``nextHopType`` IPAddress with IPv4
  ``nextHops`` (at least one).
- ``attachedConnections``: All_Vnets and/or All_Branches; each group attaches to one table of the hub.

They are validated and stored; the hub routing model (netmodel/hub_routes.py) follows hubRouteTables,
association and propagation, not these pre-existing tables."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .. import cidr
from ..ref_checks import cannot_parse, enum, ref_id, since
from . import routing_config as rc
from . import virtual_wans

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/virtualHubs/routeTables"
GROUPS = ("All_Vnets", "All_Branches")
MAX_ROUTES = 1000


class RouteTableV2Hooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        tid = new["id"]
        hub_id = rc.hub_of(tid)
        wan = ref_id(rc.props_of(ctx.body(hub_id)).get("virtualWan"), "")
        if not wan:
            raise bad("InvalidOperation", f"Route tables belong to Virtual WAN hubs; {hub_id} is a Route Server.")
        if virtual_wans.wan_type(ctx.body(wan)) == "Basic":
            raise bad("CustomRouteTablesNotSupportedOnBasicVirtualWan",
                      f"Virtual hub {hub_id} is in a Basic virtual WAN: route tables need a Standard virtual WAN.")
        routes = props.get("routes") or []
        if not isinstance(routes, list):
            raise cannot_parse("properties.routes", routes, "VirtualHubRouteV2[]")
        if len(routes) > MAX_ROUTES:
            raise bad("TooManyRoutesInRouteTable", f"Route table {tid} has more than {MAX_ROUTES} routes.")
        out = []
        for i, r in enumerate(routes):
            path = f"properties.routes[{i}]"
            if not isinstance(r, dict):
                raise cannot_parse(path, r, "VirtualHubRouteV2")
            if enum(r.get("destinationType"), ("CIDR",), f"{path}.destinationType", "System.String") is None:
                raise bad("InvalidHubRoute", f"Route {i} of route table {tid} needs destinationType CIDR.")
            dests = r.get("destinations") or []
            if not isinstance(dests, list) or not dests:
                raise bad("InvalidHubRoute", f"Route {i} of route table {tid} needs destinations.")
            nets = cidr.parse_prefixes(dests, tid)
            if enum(r.get("nextHopType"), ("IPAddress",), f"{path}.nextHopType", "System.String") is None:
                raise bad("InvalidHubRoute", f"Route {i} of route table {tid} needs nextHopType IPAddress.")
            hops = r.get("nextHops") or []
            if not isinstance(hops, list) or not hops:
                raise bad("InvalidHubRouteNextHop", f"Route {i} of route table {tid} needs nextHops.")
            for h in hops:
                try:
                    ok = ipaddress.ip_address(str(h)).version == 4
                except ValueError:
                    ok = False
                if not ok:
                    raise bad("InvalidHubRouteNextHop", f"Next hop {h!r} of route {i} of route table {tid} is not an "
                              "IPv4 address.")
            out.append({"destinationType": "CIDR", "destinations": [str(n) for n in nets], "nextHopType": "IPAddress",
                        "nextHops": [str(ipaddress.ip_address(str(h))) for h in hops]})
        props["routes"] = out
        attached = props.get("attachedConnections") or []
        if not isinstance(attached, list):
            raise cannot_parse("properties.attachedConnections", attached, "System.String[]")
        groups = []
        for a in attached:
            g = next((x for x in GROUPS if isinstance(a, str) and a.lower() == x.lower()), None)
            if g is None:
                raise bad("InvalidAttachedConnections", f"attachedConnections of route table {tid} take All_Vnets "
                          f"and All_Branches; {a!r} was given.")
            groups.append(g)
        for rec in ctx.children(hub_id, TYPE):
            if normalize(rec.id) == normalize(tid):
                continue
            clash = set(groups) & set(rc.props_of(rec.body).get("attachedConnections") or [])
            if clash:
                raise bad("ConnectionsAlreadyAttachedToRouteTable",
                          f"{sorted(clash)[0]} of virtual hub {hub_id} is already attached to route table {rec.id}.")
        props["attachedConnections"] = list(dict.fromkeys(groups))


REGISTRY.add(ResourceType(TYPE, since("2020-04-01"), model="VirtualHubRouteTableV2", location="none",
                          hooks=RouteTableV2Hooks(), names=NameRule(1, 80)))
