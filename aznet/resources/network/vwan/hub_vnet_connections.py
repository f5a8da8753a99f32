"""Microsoft.Network/virtualHubs/hubVirtualNetworkConnections: a VNet connected to a Virtual WAN hub.

Rules ("Connect a virtual network to a virtual hub", "About virtual hub routing"; codes: docs/hybrid.md):
- Only a Virtual WAN hub takes them. ``remoteVirtualNetwork``: required, an existing VNet; its address
  space must not overlap the hub's address prefix nor a VNet already connected to the same hub; a VNet
  connects to one hub only; a VNet with a virtual network gateway cannot be connected.
- ``routingConfiguration`` (routing_config.py): association, propagation, static ``vnetRoutes`` whose
  next hop lies in the connected VNet.
- ``enableInternetSecurity`` (propagate the default route) defaults to true for VNet connections;
  ``allowHubToRemoteVnetTransit`` and ``allowRemoteVnetToUseHubVnetGateways`` default to true.
- The remote VNet cannot change; the connection is refused while the hub is a Route Server."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .. import cidr
from ..ref_checks import boolean, ref_id, resolve, since
from . import bgp_connections, hidden_peering
from . import routing_config as rc

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
GW_TYPE = "microsoft.network/virtualnetworkgateways"
FLAGS = {"enableInternetSecurity": True, "allowHubToRemoteVnetTransit": True,
         "allowRemoteVnetToUseHubVnetGateways": True, "enableOnlyIPv6Peering": False}


def remote_of(body: dict[str, Any] | None) -> str | None:
    return ref_id(rc.props_of(body).get("remoteVirtualNetwork"), "")


def connection_of_vnet(ctx: Ctx, vnet_id: str) -> str | None:
    """The hub VNet connection of a VNet (None: it is not connected to a hub)."""
    for rec in ctx.referrers(vnet_id):
        if rec.type.lower() == TYPE.lower() and normalize(remote_of(rec.body) or "") == normalize(vnet_id):
            return rec.id
    return None


def space_of(body: dict[str, Any] | None) -> list[cidr.IPNetwork]:
    raw = (rc.props_of(body).get("addressSpace") or {}).get("addressPrefixes") or []
    return [n for n in (cidr.try_parse(p) for p in raw) if n is not None]


class HubVnetConnectionHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        hub_id = rc.hub_of(cid)
        hub = ctx.body(hub_id) or {}
        if not ref_id(rc.props_of(hub).get("virtualWan"), ""):
            raise bad("InvalidOperation", f"Virtual network connections belong to Virtual WAN hubs; {hub_id} is a "
                      "Route Server (peer its VNet instead).")
        vid = ref_id(props.get("remoteVirtualNetwork"), "properties.remoteVirtualNetwork")
        if vid is None:
            raise bad("RemoteVirtualNetworkRequired", f"Virtual network connection {cid} needs "
                      "properties.remoteVirtualNetwork.")
        vnet = resolve(ctx, vid, cid, VNET_TYPE)
        if old is not None and normalize(remote_of(old) or "") != normalize(vnet["id"]):
            raise bad("RemoteVirtualNetworkCannotBeChanged",
                      f"The remote virtual network of connection {cid} cannot be changed.")
        props["remoteVirtualNetwork"] = {"id": vnet["id"]}
        space = space_of(vnet)
        other = connection_of_vnet(ctx, vnet["id"])
        if other is not None and normalize(other) != normalize(cid):
            raise bad("VirtualNetworkAlreadyConnectedToVirtualHub",
                      f"Virtual network {vnet['id']} is already connected to a virtual hub by {other}; a virtual "
                      "network can connect to one hub.")
        hub_net = cidr.try_parse(rc.props_of(hub).get("addressPrefix"))
        hit = cidr.first_overlap(space, [hub_net] if hub_net else [])
        if hit:
            raise bad("VirtualNetworkAddressSpaceOverlapsWithVirtualHub",
                      f"The address space {hit[0]} of virtual network {vnet['id']} overlaps the address prefix "
                      f"{hit[1]} of virtual hub {hub_id}.")
        for rec in ctx.children(hub_id, TYPE):
            if normalize(rec.id) == normalize(cid):
                continue
            theirs = space_of(ctx.body(remote_of(rec.body) or ""))
            hit = cidr.first_overlap(space, theirs)
            if hit:
                raise bad("VirtualNetworkAddressSpaceOverlapsWithConnectedVirtualNetwork",
                          f"The address space {hit[0]} of virtual network {vnet['id']} overlaps {hit[1]} of a virtual "
                          f"network already connected to virtual hub {hub_id} ({rec.id}).")
        for rec in ctx.referrers(vnet["id"]):
            if rec.type.lower() == GW_TYPE:
                raise bad("VirtualNetworkWithGatewayCannotConnectToVirtualHub",
                          f"Virtual network {vnet['id']} has virtual network gateway {rec.id}; a virtual network with "
                          "a gateway cannot be connected to a virtual hub.")
        for key, default in FLAGS.items():
            props[key] = boolean(props.get(key), f"properties.{key}", default)
        policy = ref_id(props.get("connectionPolicy"), "properties.connectionPolicy")
        if policy is not None:
            raise bad("InvalidResourceReference", f"Resource {policy} referenced by resource {cid} was not found.")
        props["routingConfiguration"] = rc.check(ctx, props.get("routingConfiguration"), cid, hub_id, branch=False,
                                                 vnet_space=space)

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        # the spoke shows the hub connection as a peering of its own (RemoteVnetToHubPeering_...)
        hub = ctx.body(rc.hub_of(new["id"])) or {"id": rc.hub_of(new["id"])}
        hidden_peering.sync(ctx, new, remote_of(new) or "", hub)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        hidden_peering.remove(ctx, body, remote_of(body) or "")


def check_bgp_peer(ctx: Ctx, new: dict[str, Any], hub: dict[str, Any]) -> None:
    """A Virtual WAN hub's BGP peer is an NVA in a VNet connected to the hub: ``hubVirtualNetworkConnection``
    names that connection (of this hub) and ``peerIp`` lies in that VNet."""
    props = new["properties"]
    cid = new["id"]
    conn_id = ref_id(props.get("hubVirtualNetworkConnection"), "properties.hubVirtualNetworkConnection")
    if conn_id is None:
        raise bad("HubVirtualNetworkConnectionRequired",
                  f"BGP connection {cid} of a Virtual WAN hub needs properties.hubVirtualNetworkConnection (the "
                  "connection of the VNet the NVA is in).")
    conn = resolve(ctx, conn_id, cid, TYPE)
    if normalize(rc.hub_of(conn["id"])) != normalize(rc.hub_of(cid)):
        raise bad("InvalidHubVirtualNetworkConnection",
                  f"Virtual network connection {conn_id} of BGP connection {cid} belongs to another virtual hub.")
    props["hubVirtualNetworkConnection"] = {"id": conn["id"]}
    if isinstance(props.get("peerAsn"), int) and props["peerAsn"] > 65535:
        # "The virtual hub router only supports 16-bit (2 bytes) ASN." (Scenario: BGP peering with a virtual hub)
        raise bad("InvalidBgpAsn", f"The peer ASN {props['peerAsn']} of BGP connection {cid} is not valid: a "
                  "virtual hub router supports 16-bit (2-byte) ASNs only (1 to 65535).")
    addr = ipaddress.ip_address(props["peerIp"])
    if not any(addr.version == n.version and addr in n for n in space_of(ctx.body(remote_of(conn) or ""))):
        raise bad("BgpPeerIpNotInConnectedVirtualNetwork",
                  f"The peer IP {addr} of BGP connection {cid} is not in the virtual network of {conn['id']}.")
    props.pop("routingConfiguration", None)


bgp_connections.VWAN_RULES[:] = [check_bgp_peer]

REGISTRY.add(ResourceType(TYPE, since("2020-05-01"), model="HubVirtualNetworkConnection", location="none",
                          hooks=HubVnetConnectionHooks(), names=NameRule(1, 80)))
