"""Microsoft.Network/virtualHubs/ipConfigurations: where a Route Server lives.

Rules (Route Server docs, Azure's responses quoted in public issues; codes: docs/hybrid.md):
- Only a Route Server (a hub without a virtual WAN) takes one, and only one.
- ``subnet``: required, the VNet's ``RouteServerSubnet``, /26 or larger ("Route Server requires a
  dedicated subnet named RouteServerSubnet with a minimum size of /26"), in the hub's region.
  ``GatewaySubnet`` is refused with Azure's own code and message. One Route Server per VNet.
- ``publicIPAddress``: required, Standard SKU, IPv4, not used by anything else (Azure: InvalidOperation
  "Route Server creation requires a public ip address of Standard SKU").
- The two instances take the lowest two free addresses of the subnet (Azure shows .4 and .5): the
  first is ``privateIPAddress``, both become the hub's ``virtualRouterIps``."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .. import public_ip_addresses as pips
from ..ip_allocation import allocator, subnet_prefixes
from ..ref_checks import enum, ref_id, resolve, since
from . import virtual_hubs as hubs

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = hubs.IPCONFIG_TYPE
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
SUBNET_NAME = "RouteServerSubnet"
MIN_PREFIX = 26


def vnet_of(subnet_id: str) -> str:
    return subnet_id[: subnet_id.lower().rfind("/subnets/")]


def subnet_of(body: dict[str, Any] | None) -> str | None:
    sub = hubs.props_of(body).get("subnet")
    return sub.get("id") if isinstance(sub, dict) else None


def route_server_of_vnet(ctx: Ctx, vnet_id: str) -> str | None:
    """The id of the Route Server whose ipConfiguration is in the VNet (None: it has none)."""
    for rec in ctx.of_type(TYPE):
        sub = subnet_of(rec.body)
        if sub and normalize(vnet_of(sub)) == normalize(vnet_id):
            return hubs.hub_of(rec.id)
    return None


class HubIpConfigurationHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        hub_id = hubs.hub_of(cid)
        hub = ctx.body(hub_id) or {}
        if not hubs.is_route_server(hub):
            raise bad("InvalidOperation", "The specified operation 'PutHubIpConfiguration' is not supported on "
                      f"virtual hub {hub_id}: it is a Virtual WAN hub, whose router Azure places itself.")
        for rec in ctx.children(hub_id, TYPE):
            if normalize(rec.id) != normalize(cid):
                raise bad("VirtualHubCanHaveOnlyOneIpConfiguration",
                          f"Route Server {hub_id} already has IP configuration {rec.id}; it can have only one.")
        sub_id = ref_id(props.get("subnet"), "properties.subnet")
        if sub_id is None:
            raise bad("SubnetRequiredForHubIpConfiguration",
                      f"IP configuration {cid} of Route Server {hub_id} needs properties.subnet.")
        sbody = resolve(ctx, sub_id, cid, SUBNET_TYPE, hub.get("location"))
        name = sub_id.rstrip("/").rsplit("/", 1)[-1]
        if name.lower() == "gatewaysubnet":
            raise bad("GatewaySubnet", "Subnet with name 'GatewaySubnet' can be used only for the Gateway resource.")
        if name.lower() != SUBNET_NAME.lower():
            raise bad("RouteServerSubnetRequired",
                      f"Route Server {hub_id} must be deployed in a dedicated subnet named {SUBNET_NAME}; "
                      f"subnet {name} was given.")
        nets = [n for n in subnet_prefixes(sbody) if n.version == 4]
        if not nets or any(n.prefixlen > MIN_PREFIX for n in nets):
            shown = ", ".join(str(n) for n in nets) or "none"
            raise bad("RouteServerSubnetTooSmall",
                      f"{SUBNET_NAME} of Route Server {hub_id} must be /{MIN_PREFIX} or larger; its prefix is {shown}.")
        if old is not None and normalize(subnet_of(old) or "") != normalize(sub_id):
            raise bad("HubIpConfigurationSubnetCannotBeChanged",
                      f"The subnet of IP configuration {cid} of Route Server {hub_id} cannot be changed.")
        other = route_server_of_vnet(ctx, vnet_of(sub_id))
        if other is not None and normalize(other) != normalize(hub_id):
            raise bad("VirtualNetworkAlreadyHasRouteServer",
                      f"Virtual network {vnet_of(sub_id)} already has Route Server {other}; a virtual network can "
                      "have only one.")
        props["subnet"] = {"id": sbody["id"]}
        self._public_ip(ctx, new, hub)
        props["privateIPAllocationMethod"] = enum(props.get("privateIPAllocationMethod"), ("Dynamic", "Static"),
                                                  "properties.privateIPAllocationMethod", "IPAllocationMethod",
                                                  "Dynamic")
        self._addresses(ctx, new, nets)

    def _public_ip(self, ctx: Ctx, new: dict[str, Any], hub: dict[str, Any]) -> None:
        props = new["properties"]
        pip = ref_id(props.get("publicIPAddress"), "properties.publicIPAddress")
        message = ("The specified operation 'PutHubIpConfiguration' is not supported. Route Server creation "
                   "requires a public ip address of Standard SKU. Please recreate Route Server with Standard SKU "
                   "public ip address.")
        if pip is None:
            raise bad("InvalidOperation", message)
        body = pips.check_usable(ctx, pip, new["id"], hub.get("location") or "", new["id"])
        if ((body.get("sku") or {}).get("name") or "Basic") != "Standard":
            raise bad("InvalidOperation", message)
        if hubs.props_of(body).get("publicIPAddressVersion", "IPv4") != "IPv4":
            raise bad("RouteServerPublicIpMustBeIPv4", f"Public IP address {pip} of Route Server "
                      f"{hubs.hub_of(new['id'])} must be an IPv4 address (Route Server does not support IPv6).")
        props["publicIPAddress"] = {"id": body["id"]}

    def _addresses(self, ctx: Ctx, new: dict[str, Any], nets: list[Any]) -> None:
        """The two instances' addresses: kept across updates, else the lowest two free ones."""
        props = new["properties"]
        cid = new["id"]
        sub_id = props["subnet"]["id"]
        old_ips = hubs.props_of(ctx.body(hubs.hub_of(cid))).get("virtualRouterIps") or []
        alloc = allocator(ctx)
        ips: list[str] = []
        taken: set[Any] = set()
        for i in range(2):
            kept = old_ips[i] if i < len(old_ips) and ctx.record(cid) is not None else None
            if kept:
                ip = alloc.static(sub_id, nets, ipaddress.ip_address(kept), cid, cid, exclude=taken)
            else:
                ip = alloc.dynamic(sub_id, SUBNET_NAME, nets, 4, cid, cid, exclude=taken)
            taken.add(ip)
            ips.append(str(ip))
        props["privateIPAddress"] = ips[0]
        new.setdefault("_aznet", {})["ipClaims"] = [{"subnet": sub_id, "ip": ips[1], "ipConfiguration": cid}]
        ctx.scratch[f"route-server-ips:{normalize(cid)}"] = ips

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        pips.attach(ctx, new["properties"]["publicIPAddress"]["id"])
        ips = ctx.scratch.get(f"route-server-ips:{normalize(new['id'])}") or []
        hubs.set_router(ctx, hubs.hub_of(new["id"]), list(ips))

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        pip = (hubs.props_of(body).get("publicIPAddress") or {}).get("id")
        if pip:
            pips.detach(ctx, pip)
        hubs.set_router(ctx, hubs.hub_of(body["id"]), [])


REGISTRY.add(ResourceType(TYPE, since("2020-05-01"), model="HubIpConfiguration", location="none",
                          hooks=HubIpConfigurationHooks(), names=NameRule(1, 80)))
