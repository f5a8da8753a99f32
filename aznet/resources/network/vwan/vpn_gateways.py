"""Microsoft.Network/vpnGateways: the site-to-site VPN gateway of a Virtual WAN hub.

Rules (Virtual WAN gateway settings, "Configure BGP on a VPN gateway in Virtual WAN", REST specs):
- ``virtualHub``: required, a Virtual WAN hub (not a Route Server) in the gateway's region; one VPN
  gateway per hub.
- ``vpnGatewayScaleUnit`` 1-20 (default 1; 500 Mbps each).
- ``bgpSettings.asn`` is the hub's 65515 and cannot be changed; ``peerWeight`` 0-100; two instances
  (Instance0, Instance1), each with a default BGP address in the hub prefix, a public tunnel address from
  aznet's public pool, and optional custom APIPA addresses (169.254.21.0-169.254.22.255).
- ``connections`` are the vpnConnections children (vpn_connections.py), ``natRules`` the natRules children
  (vpn_nat_rules.py), both also inline.
- Action ``reset`` (LRO; ``ipConfigurationId`` Instance0 / Instance1 when given)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ....jsondata import props_of
from .. import ip_pool
from ..hybrid import bgp, custom_bgp
from ..ref_checks import boolean, cannot_parse, integer, ref_id, resolve, since
from . import connections_index as index

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/vpnGateways"
CONN_TYPE = "Microsoft.Network/vpnGateways/vpnConnections"
NAT_TYPE = "Microsoft.Network/vpnGateways/natRules"
HUB_TYPE = "Microsoft.Network/virtualHubs"
INSTANCES = ("Instance0", "Instance1")
BGP_OFFSETS = (12, 13)
MAX_SCALE_UNITS = 20


def hub_of_gateway(ctx: Ctx, new: dict[str, Any], kind: str) -> dict[str, Any]:
    """The Virtual WAN hub a (VPN / point-to-site) gateway names, checked: exists, same region, a WAN hub,
    no other gateway of the same type in it."""
    props = new["properties"]
    gid = new["id"]
    hid = ref_id(props.get("virtualHub"), "properties.virtualHub")
    if hid is None:
        raise bad("VirtualHubRequired", f"{kind} {gid} needs properties.virtualHub.")
    hub = resolve(ctx, hid, gid, HUB_TYPE, new["location"])
    if not ref_id(props_of(hub).get("virtualWan"), ""):
        raise bad("InvalidVirtualHubForGateway", f"{kind} {gid} needs a Virtual WAN hub; {hid} is a Route Server.")
    props["virtualHub"] = {"id": hub["id"]}
    for rec in index.gateways_of_hub(ctx, hub["id"], new["type"].lower()):
        if normalize(rec.id) != normalize(gid):
            raise bad("VirtualHubAlreadyHasGatewayOfType",
                      f"Virtual hub {hub['id']} already has {kind} {rec.id}; a hub has one of each gateway type.")
    return hub


def scale_units(props: dict[str, Any], gid: str, top: int) -> None:
    units = integer(props.get("vpnGatewayScaleUnit"), "properties.vpnGatewayScaleUnit", 1)
    if units is None or not 1 <= units <= top:
        raise bad("InvalidVpnGatewayScaleUnit", f"vpnGatewayScaleUnit {units} of gateway {gid} must be 1 to {top}.")
    props["vpnGatewayScaleUnit"] = units


class VpnGatewayHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        gid = new["id"]
        hub = hub_of_gateway(ctx, new, "VPN gateway")
        old_hub = ref_id(props_of(old).get("virtualHub"), "") if old else None
        if old_hub and normalize(old_hub) != normalize(hub["id"]):
            raise bad("VirtualHubCannotBeChanged", f"The virtual hub of VPN gateway {gid} cannot be changed.")
        scale_units(props, gid, MAX_SCALE_UNITS)
        for key in ("isRoutingPreferenceInternet", "enableBgpRouteTranslationForNat"):
            props[key] = boolean(props.get(key), f"properties.{key}", False)
        raw = props.get("bgpSettings") or {}
        if not isinstance(raw, dict):
            raise cannot_parse("properties.bgpSettings", raw, "BgpSettings")
        asn = integer(raw.get("asn"), "properties.bgpSettings.asn", bgp.GATEWAY_DEFAULT_ASN)
        if asn != bgp.GATEWAY_DEFAULT_ASN:
            raise bad("VirtualWanVpnGatewayAsnCannotBeChanged",
                      f"The ASN of Virtual WAN VPN gateway {gid} is {bgp.GATEWAY_DEFAULT_ASN} and cannot be changed.")
        weight = integer(raw.get("peerWeight"), "properties.bgpSettings.peerWeight", 0)
        if weight is None or not 0 <= weight <= 100:
            raise bad("InvalidBgpPeerWeight", f"peerWeight {weight} of VPN gateway {gid} must be 0-100.")
        custom: dict[str, list[str]] = {}
        given = raw.get("bgpPeeringAddresses") or []
        if not isinstance(given, list):
            raise cannot_parse("properties.bgpSettings.bgpPeeringAddresses", given, "IPConfigurationBgpPeeringAddress[]")
        for i, item in enumerate(given):
            path = f"properties.bgpSettings.bgpPeeringAddresses[{i}]"
            if not isinstance(item, dict):
                raise cannot_parse(path, item, "IPConfigurationBgpPeeringAddress")
            inst = next((x for x in INSTANCES if str(item.get("ipconfigurationId", "")).lower() == x.lower()), None)
            if inst is None:
                raise bad("InvalidBgpPeeringAddressIpConfiguration",
                          f"{path}.ipconfigurationId must be Instance0 or Instance1 for VPN gateway {gid}.")
            addrs = item.get("customBgpIpAddresses") or []
            if not isinstance(addrs, list):
                raise cannot_parse(f"{path}.customBgpIpAddresses", addrs, "System.String[]")
            custom[inst] = [bgp.check_apipa(a, f"{path}.customBgpIpAddresses", f"VPN gateway {gid}") for a in addrs]
        self._instances(ctx, new, old, hub, weight, custom)

    def _instances(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None, hub: dict[str, Any],
                   weight: int, custom: dict[str, list[str]]) -> None:
        props = new["properties"]
        net = ipaddress.ip_network(props_of(hub)["addressPrefix"], strict=False)
        old_cfgs = {c.get("id"): c for c in props_of(old).get("ipConfigurations") or [] if isinstance(c, dict)}
        cfgs, peering = [], []
        taken = {c.get("publicIpAddress") for c in old_cfgs.values() if c.get("publicIpAddress")}
        for inst, off in zip(INSTANCES, BGP_OFFSETS, strict=True):
            private = str(net.network_address + off)
            public = (old_cfgs.get(inst) or {}).get("publicIpAddress") or \
                ip_pool.allocate_address(ctx, 4, new["id"], exclude=taken)
            taken.add(public)
            cfgs.append({"id": inst, "publicIpAddress": public, "privateIpAddress": private})
            peering.append({"ipconfigurationId": inst, "defaultBgpIpAddresses": [private],
                            "customBgpIpAddresses": custom.get(inst, []), "tunnelIpAddresses": [public]})
        props["ipConfigurations"] = cfgs
        props["bgpSettings"] = {"asn": bgp.GATEWAY_DEFAULT_ASN, "peerWeight": weight,
                                "bgpPeeringAddress": ",".join(c["privateIpAddress"] for c in cfgs),
                                "bgpPeeringAddresses": peering}
        held = custom_bgp.gateway_custom(new)
        custom_bgp.check_unique(held, f"VPN gateway {new['id']}")
        custom_bgp.check_in_use(ctx, new["id"], held, link_custom_users(ctx, new["id"]))

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        ctx.scratch_set("deleting-vpn-gateways").add(normalize(body["id"]))


def link_custom_users(ctx: Ctx, gw_id: str) -> list[tuple[str, dict[str, str]]]:
    """(link connection id, instance -> custom BGP address) of the gateway's link connections that name one."""
    out = []
    for rec in ctx.children(gw_id, CONN_TYPE):
        for link in props_of(rec.body).get("vpnLinkConnections") or []:
            chosen = {normalize(c["ipConfigurationId"]): c["customBgpIpAddress"]
                      for c in props_of(link).get("vpnGatewayCustomBgpAddresses") or []
                      if isinstance(c, dict) and c.get("ipConfigurationId") and c.get("customBgpIpAddress")}
            if chosen:
                out.append((str(link.get("id") or rec.id), chosen))
    return out


def reset(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    cfg = ctx.arg("ipConfigurationId")
    if cfg and cfg.lower() not in ("none", "null") and cfg.lower() not in (x.lower() for x in INSTANCES):
        raise bad("InvalidIpConfigurationId", f"{cfg} is not an instance (Instance0, Instance1) of VPN gateway "
                  f"{gw['id']}.")
    return 200, ctx.rendered(gw["id"]) or gw


REGISTRY.add(ResourceType(TYPE, since("2018-04-01"), model="VpnGateway", hooks=VpnGatewayHooks(),
                          names=NameRule(1, 80),
                          inline_children={"connections": CONN_TYPE, "natRules": NAT_TYPE},
                          keep_children_when_absent=True,
                          actions=[Action("reset", reset, long_running=True)]))
