"""Microsoft.Network/virtualHubs: a Virtual WAN hub, or a Route Server.

A hub with ``properties.virtualWan`` is a Virtual WAN hub (wan_hubs.py: its address prefix, SKU,
default route tables, delete rules). A hub without one is a Route Server (``kind`` RouteServer): it
gets its addresses from its one ``ipConfigurations`` child in the VNet's RouteServerSubnet
(hub_ip_configurations.py), which sets ``virtualRouterIps`` and ``routingState`` here.

Common rules (Azure's REST specs and the Route Server / Virtual WAN docs):
- ``sku`` Basic | Standard (default Standard); a Route Server is Standard.
- ``virtualRouterAsn`` is 65515 (Azure's, fixed); ``virtualRouterIps`` are computed (a value sent
  is replaced, as Azure ignores it).
- ``hubRoutingPreference`` ExpressRoute (default) | VpnGateway | ASPath;
  ``allowBranchToBranchTraffic`` (default false); ``virtualRouterAutoScaleConfiguration.minCapacity``
  2-50 routing infrastructure units (default 2).
- ``bgpConnections`` and ``ipConfigurations`` are read-only lists of the children.
- The LRO is real (``--lro-delay`` applies)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ....jsondata import props_of
from ..ref_checks import boolean, cannot_parse, enum, integer, ref_id, since
from . import wan_hubs

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/virtualHubs"
IPCONFIG_TYPE = "Microsoft.Network/virtualHubs/ipConfigurations"
BGP_TYPE = "Microsoft.Network/virtualHubs/bgpConnections"
ROUTER_ASN = 65515
ROUTING_PREFERENCES = ("ExpressRoute", "VpnGateway", "ASPath")
MIN_UNITS, MAX_UNITS = 2, 50
COMPUTED = ("virtualRouterIps", "routingState", "bgpConnections", "ipConfigurations", "routeMaps")

def is_route_server(body: dict[str, Any] | None) -> bool:
    return not props_of(body).get("virtualWan")


def hub_of(child_id: str) -> str:
    """``.../virtualHubs/h/bgpConnections/c`` -> ``.../virtualHubs/h``."""
    return child_id.rstrip("/").rsplit("/", 2)[0]


class VirtualHubHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        hid = new["id"]
        sku_given = enum(props.get("sku"), ("Basic", "Standard"), "properties.sku", "System.String")
        props["sku"] = sku_given or "Standard"
        props["allowBranchToBranchTraffic"] = boolean(props.get("allowBranchToBranchTraffic"),
                                                      "properties.allowBranchToBranchTraffic", False)
        props["hubRoutingPreference"] = enum(props.get("hubRoutingPreference"), ROUTING_PREFERENCES,
                                             "properties.hubRoutingPreference", "HubRoutingPreference",
                                             "ExpressRoute")
        if props.get("preferredRoutingGateway") is not None:
            props["preferredRoutingGateway"] = enum(props["preferredRoutingGateway"],
                                                    ("ExpressRoute", "VpnGateway", "None"),
                                                    "properties.preferredRoutingGateway", "PreferredRoutingGateway")
        asn = integer(props.get("virtualRouterAsn"), "properties.virtualRouterAsn", ROUTER_ASN)
        if asn != ROUTER_ASN:
            raise bad("InvalidVirtualRouterAsn",
                      f"The virtual router ASN of virtual hub {hid} is {ROUTER_ASN} and cannot be changed; "
                      f"{asn} was given.")
        props["virtualRouterAsn"] = ROUTER_ASN
        scale = props.get("virtualRouterAutoScaleConfiguration")
        if scale is not None and not isinstance(scale, dict):
            raise cannot_parse("properties.virtualRouterAutoScaleConfiguration", scale,
                               "VirtualRouterAutoScaleConfiguration")
        units = integer((scale or {}).get("minCapacity"), "properties.virtualRouterAutoScaleConfiguration.minCapacity",
                        MIN_UNITS)
        if units is None or not MIN_UNITS <= units <= MAX_UNITS:
            raise bad("InvalidVirtualRouterAutoScaleConfiguration",
                      f"minCapacity {units} of virtual hub {hid} must be {MIN_UNITS} to {MAX_UNITS} routing "
                      "infrastructure units.")
        props["virtualRouterAutoScaleConfiguration"] = {"minCapacity": units}
        self._legacy_route_table(props, hid)
        wan = ref_id(props.get("virtualWan"), "properties.virtualWan")
        old_wan = ref_id(props_of(old).get("virtualWan"), "") if old else None
        if old is not None and (wan or "").lower() != (old_wan or "").lower():
            raise bad("VirtualHubVirtualWanCannotBeChanged",
                      f"The virtual WAN of virtual hub {hid} cannot be changed (or added to a Route Server).")
        if wan is None:
            self._route_server(props, hid)
        else:
            wan_hubs.validate(ctx, new, old, sku_given)

    def _route_server(self, props: dict[str, Any], hid: str) -> None:
        if props["sku"] != "Standard":
            raise bad("RouteServerRequiresStandardSku",
                      f"Route Server {hid} (a virtual hub without a virtual WAN) must use the Standard SKU.")
        if props.get("addressPrefix") or props.get("addressPrefixV6"):
            raise bad("VirtualWanRequiredForVirtualHub",
                      f"Virtual hub {hid} has an address prefix but no virtual WAN: a Virtual WAN hub needs "
                      "properties.virtualWan; a Route Server has no address prefix.")
        for key in ("vpnGateway", "p2SVpnGateway", "expressRouteGateway", "azureFirewall", "securityPartnerProvider"):
            if ref_id(props.get(key), f"properties.{key}") is not None:
                raise bad("RouteServerDoesNotSupportGateways",
                          f"Route Server {hid} cannot have properties.{key}: only a Virtual WAN hub holds gateways "
                          "and firewalls.")

    def _legacy_route_table(self, props: dict[str, Any], hid: str) -> None:
        table = props.get("routeTable")
        if table is None:
            props["routeTable"] = {"routes": []}
            return
        if not isinstance(table, dict) or not isinstance(table.get("routes", []), list):
            raise cannot_parse("properties.routeTable", table, "VirtualHubRouteTable")
        props["routeTable"] = {"routes": list(table.get("routes") or [])}
        v2 = props.get("virtualHubRouteTableV2s")
        if v2 is not None and not isinstance(v2, list):
            raise cannot_parse("properties.virtualHubRouteTableV2s", v2, "VirtualHubRouteTableV2[]")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_props = props_of(old)
        for key in COMPUTED:
            props.pop(key, None)
        props.setdefault("virtualHubRouteTableV2s", [])
        if is_route_server(new):
            new["kind"] = "RouteServer"
            props["virtualRouterIps"] = list(old_props.get("virtualRouterIps") or [])
            props["routingState"] = old_props.get("routingState") or "None"
        else:
            new.pop("kind", None)
            props["virtualRouterIps"] = wan_hubs.router_ips(props["addressPrefix"])
            props["routingState"] = "Provisioned"

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if not is_route_server(new):
            wan_hubs.after_write(ctx, new, old)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if not is_route_server(body):
            wan_hubs.before_delete(ctx, body)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        if not is_route_server(body):
            wan_hubs.render(ctx, body)
        props["ipConfigurations"] = [{"id": r.id} for r in ctx.children(body["id"], IPCONFIG_TYPE)]
        props["bgpConnections"] = [{"id": r.id} for r in ctx.children(body["id"], BGP_TYPE)]


def set_router(ctx: Ctx, hub_id: str, ips: list[str]) -> None:
    """The hub's instances got (or lost) their addresses: store virtualRouterIps and routingState."""
    rec = ctx.record(hub_id)
    if rec is None:
        return
    body = dict(rec.body)
    props = dict(props_of(body))
    props["virtualRouterIps"] = ips
    if is_route_server(body):
        props["routingState"] = "Provisioned" if ips else "None"
    body["properties"] = props
    ctx.write_raw(rec.id, body)


REGISTRY.add(ResourceType(TYPE, since("2018-04-01"), model="VirtualHub", hooks=VirtualHubHooks(),
                          names=NameRule(1, 80)))
