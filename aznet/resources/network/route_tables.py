"""Microsoft.Network/routeTables and their routes (inline and as child
resources).

Rules: a route's addressPrefix is a CIDR or a service tag; nextHopType is one of
VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None;
nextHopIpAddress is required for VirtualAppliance and refused for the others
(InvalidNextHopIpAddress); two routes of a table may not share a prefix
(RouteConflict); a route table a subnet uses cannot be deleted
(InUseRouteTableCannotBeDeleted). ``subnets`` is computed at read time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from . import cidr, service_tags
from .ref_checks import API_VERSIONS, boolean, cannot_parse, enum

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.ROUTE_TABLE
ROUTE_TYPE = typenames.ROUTE
SUBNET_TYPE = typenames.SUBNET.lower()
NEXT_HOPS = ("VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None")



def table_of(route_id: str) -> str:
    return route_id[:route_id.lower().rfind("/routes/")]


SUBNETS = BackRef("subnets", SUBNET_TYPE, "InUseRouteTableCannotBeDeleted", via="routeTable",
                  message="Route table {name} is in use and cannot be deleted.")


def subnets_using(ctx: Ctx, table_id: str) -> list[str]:
    return SUBNETS.referrers(ctx, table_id)


def _prefix_key(value: str) -> str:
    net = cidr.try_parse(value)
    return str(net) if net is not None and "/" in value else value.lower()


def route_conflict(a: str, b: str) -> ArmError:
    return ArmError(400, "RouteConflict",
                    f"Route {a} conflicts with Route {b}. Routes cannot have the same AddressPrefix.")


def check_conflicts(ctx: Ctx, table_id: str) -> None:
    seen: dict[str, str] = {}
    for rec in ctx.children(table_id, ROUTE_TYPE):
        key = _prefix_key(str((rec.body.get("properties") or {}).get("addressPrefix")))
        if key in seen:
            raise route_conflict(rec.body["name"], seen[key])
        seen[key] = rec.body["name"]


class RouteTableHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["disableBgpRoutePropagation"] = boolean(props.get("disableBgpRoutePropagation"),
                                                      "properties.disableBgpRoutePropagation", False)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props.pop("subnets", None)
        props["resourceGuid"] = resource_guid(old)

    def validate_children(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        check_conflicts(ctx, new["id"])



class RouteHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        rid = new["id"]
        prefix = props.get("addressPrefix")
        if not isinstance(prefix, str) or not prefix:
            raise cidr.invalid_format(prefix, rid)
        tag = service_tags.canonical(prefix)
        props["addressPrefix"] = tag if tag is not None else str(cidr.parse_prefix(prefix, rid))
        hop = props.get("nextHopType")
        if hop is None:
            raise cannot_parse("properties.nextHopType", None, "RouteNextHopType")
        props["nextHopType"] = enum(hop, NEXT_HOPS, "properties.nextHopType", "RouteNextHopType")
        ip = props.get("nextHopIpAddress")
        if props["nextHopType"] == "VirtualAppliance":
            parsed = cidr.parse_ip(ip)
            if parsed is None:
                raise ArmError(400, "InvalidNextHopIpAddress",
                               f"The next hop IP address '{ip if ip is not None else ''}' of route {rid} is not "
                               "valid for the next hop type 'VirtualAppliance'.")
            props["nextHopIpAddress"] = str(parsed)
        elif ip not in (None, ""):
            raise ArmError(400, "InvalidNextHopIpAddress",
                           f"The next hop IP address '{ip}' of route {rid} is not valid for the next hop type "
                           f"'{props['nextHopType']}'. A next hop IP address is only allowed for VirtualAppliance.")
        else:
            props.pop("nextHopIpAddress", None)
        table = table_of(rid)
        if ctx.in_children_batch(table):           # the table PUT checks its routes together afterwards
            return
        mine = _prefix_key(props["addressPrefix"])
        for rec in ctx.children(table, ROUTE_TYPE):
            if rec.key != normalize(rid) and _prefix_key(str(rec.body["properties"].get("addressPrefix"))) == mine:
                raise route_conflict(new["name"], rec.body["name"])

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"].pop("hasBgpOverride", None)
        new["properties"]["hasBgpOverride"] = False


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="RouteTable", hooks=RouteTableHooks(),
                          inline_children={"routes": ROUTE_TYPE}, names=NameRule(1, 80), back_refs=(SUBNETS,)))
REGISTRY.add(ResourceType(ROUTE_TYPE, API_VERSIONS, model="Route", location="none", hooks=RouteHooks(),
                          names=NameRule(1, 80)))
