"""The rules of a Virtual WAN hub (a virtualHubs resource with ``virtualWan``), used by virtual_hubs.py.

- ``virtualWan`` must exist (any region: a virtual WAN spans regions).
- ``addressPrefix``: required, IPv4 CIDR, /24 or larger ("The minimum address space is /24 to create a
  hub"), not overlapping another hub of the same virtual WAN, fixed once created. Several hubs of one
  virtual WAN may share a region ("Multiple virtual hubs can be created in the same region").
- ``sku`` follows the virtual WAN's type (Basic or Standard).
- The hub router's two instances take addresses in the hub prefix (``virtualRouterIps``).
- ``vpnGateway``, ``p2SVpnGateway``, ``expressRouteGateway``, ``azureFirewall``: shown from the gateways
  and firewall that name the hub as their ``virtualHub`` (Azure sets them; a value sent is ignored).
- Creating the hub creates its ``defaultRouteTable`` (label ``default``) and ``noneRouteTable``
  (label ``none``). A hub with VNet connections, BGP connections or gateways cannot be deleted."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....jsondata import props_of
from .. import cidr
from ..ref_checks import ref_id, resolve
from . import connections_index as index
from . import virtual_wans
from .routing_config import DEFAULT_TABLE, NONE_TABLE

if TYPE_CHECKING:
    from ....arm.context import Ctx

MIN_PREFIX = 24
ROUTER_OFFSETS = (68, 69)
GATEWAY_REFS = {"vpnGateway": "microsoft.network/vpngateways", "p2SVpnGateway": "microsoft.network/p2svpngateways",
                "expressRouteGateway": "microsoft.network/expressroutegateways",
                "azureFirewall": "microsoft.network/azurefirewalls"}
VNET_CONN_TYPE = "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections"
BGP_TYPE = "Microsoft.Network/virtualHubs/bgpConnections"


def validate(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None, sku_given: str | None) -> None:
    props = new["properties"]
    hid = new["id"]
    wan_id = ref_id(props.get("virtualWan"), "properties.virtualWan") or ""
    wan = resolve(ctx, wan_id, hid, virtual_wans.TYPE)
    props["virtualWan"] = {"id": wan["id"]}
    kind = virtual_wans.wan_type(wan)
    if sku_given is not None and sku_given != kind:
        raise bad("VirtualHubSkuMustMatchVirtualWanType",
                  f"Virtual hub {hid} has SKU {sku_given}, but its virtual WAN {wan['id']} is of type {kind}.")
    props["sku"] = kind
    raw = props.get("addressPrefix")
    if raw in (None, ""):
        raise bad("VirtualHubAddressPrefixRequired", f"Virtual hub {hid} needs properties.addressPrefix.")
    net = cidr.parse_prefix(raw, hid)
    if net.version != 4:
        raise bad("InvalidVirtualHubAddressPrefix", f"The address prefix {raw} of virtual hub {hid} must be IPv4.")
    if net.prefixlen > MIN_PREFIX:
        raise bad("VirtualHubAddressPrefixTooSmall",
                  f"The address prefix {net} of virtual hub {hid} is too small: the minimum address space is "
                  f"/{MIN_PREFIX}.")
    old_prefix = props_of(old).get("addressPrefix")
    if old is not None and old_prefix and str(old_prefix) != str(net):
        raise bad("VirtualHubAddressPrefixCannotBeChanged",
                  f"The address prefix of virtual hub {hid} cannot be changed from {old_prefix} to {net}.")
    props["addressPrefix"] = str(net)
    for other in index.hubs_of_wan(ctx, wan["id"]):
        if normalize(other) == normalize(hid):
            continue
        theirs = cidr.try_parse(props_of(ctx.body(other)).get("addressPrefix"))
        if theirs is not None and cidr.overlaps(net, theirs):
            raise bad("VirtualHubAddressPrefixOverlaps",
                      f"The address prefix {net} of virtual hub {hid} overlaps {theirs} of virtual hub {other} in the "
                      "same virtual WAN.")
    for key in GATEWAY_REFS:
        props.pop(key, None)


def router_ips(prefix: str) -> list[str]:
    net = ipaddress.ip_network(prefix, strict=False)
    return [str(net.network_address + off) for off in ROUTER_OFFSETS]


def after_write(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    for name, label in ((DEFAULT_TABLE, "default"), (NONE_TABLE, "none")):
        rid = f"{new['id']}/hubRouteTables/{name}"
        if ctx.record(rid) is None:
            ctx.put(rid, {"properties": {"labels": [label], "routes": []}})


def _group_delete(ctx: Ctx) -> bool:
    """The request deletes a whole resource group (``DELETE /subscriptions/{s}/resourceGroups/{g}``)."""
    path = (ctx.path or "").split("?", 1)[0].rstrip("/").lower()
    return "/providers/" not in path and path.count("/resourcegroups/") == 1


def before_delete(ctx: Ctx, body: dict[str, Any]) -> None:
    hid = body["id"]
    # deleting the group deletes the hub's connections with it (ARM removes a group's resources whatever their
    # order); a gateway still naming the hub then lives in another group and keeps the hub
    users = [] if _group_delete(ctx) else \
        [r.id for r in ctx.children(hid, VNET_CONN_TYPE)] + [r.id for r in ctx.children(hid, BGP_TYPE)]
    for rtype in GATEWAY_REFS.values():
        users.extend(r.id for r in index.gateways_of_hub(ctx, hid, rtype))
    if users:
        raise bad("InUseVirtualHubCannotBeDeleted",
                  f"Virtual hub {hid} cannot be deleted because {users[0]} uses it. Delete its connections, gateways "
                  "and firewall first.")
    ctx.scratch_set("deleting-hubs").add(normalize(hid))


def render(ctx: Ctx, body: dict[str, Any]) -> None:
    props = body.setdefault("properties", {})
    wan = ctx.body(ref_id(props.get("virtualWan"), "") or "")
    if wan is not None:
        props["sku"] = virtual_wans.wan_type(wan)
    for key, rtype in GATEWAY_REFS.items():
        found = index.gateways_of_hub(ctx, body["id"], rtype)
        if found:
            props[key] = {"id": found[0].id}
