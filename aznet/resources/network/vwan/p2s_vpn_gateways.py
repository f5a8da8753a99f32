"""Microsoft.Network/p2sVpnGateways: the User VPN (point-to-site) gateway of a Virtual WAN hub.

Rules (Virtual WAN User VPN docs, "About client address pools", REST specs):
- ``virtualHub``: required, a hub of a Standard virtual WAN (Basic offers site-to-site only) in the
  gateway's region; one point-to-site gateway per hub.
- ``vpnServerConfiguration``: required, an existing VPN server configuration.
- ``vpnGatewayScaleUnit`` 1-200 (default 1).
- ``p2SConnectionConfigurations``: at least one, unique names; each ``vpnClientAddressPool`` (CIDR,
  required) must not overlap the hub's prefix, the VNets connected to the hub, or another pool;
  ``routingConfiguration`` as a branch (associated with defaultRouteTable); ``enableInternetSecurity``
  (default false).
- ``customDnsServers``: IP addresses. ``vpnClientConnectionHealth`` is read-only (no clients connect here:
  0 connections, 0 bytes).
- Actions: ``reset`` and ``getP2sVpnConnectionHealth`` (LRO, the gateway)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from .. import cidr
from ..ref_checks import boolean, cannot_parse, ref_id, resolve, since, unique_name
from . import routing_config as rc
from . import virtual_wans, vpn_server_configurations
from .hub_vnet_connections import TYPE as VNET_CONN_TYPE
from .hub_vnet_connections import remote_of, space_of
from .vpn_gateways import hub_of_gateway, scale_units

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/p2sVpnGateways"
MAX_SCALE_UNITS = 200


class P2SVpnGatewayHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        gid = new["id"]
        hub = hub_of_gateway(ctx, new, "Point-to-site gateway")
        wan = ctx.body(ref_id(rc.props_of(hub).get("virtualWan"), "") or "")
        if virtual_wans.wan_type(wan) == "Basic":
            raise bad("P2SVpnGatewayNotSupportedOnBasicVirtualWan",
                      f"Virtual hub {hub['id']} is in a Basic virtual WAN, which offers site-to-site VPN only: "
                      "point-to-site needs a Standard virtual WAN.")
        cfg = ref_id(props.get("vpnServerConfiguration"), "properties.vpnServerConfiguration")
        if cfg is None:
            raise bad("VpnServerConfigurationRequired", f"Point-to-site gateway {gid} needs "
                      "properties.vpnServerConfiguration.")
        props["vpnServerConfiguration"] = {"id": resolve(ctx, cfg, gid, vpn_server_configurations.TYPE)["id"]}
        scale_units(props, gid, MAX_SCALE_UNITS)
        props["isRoutingPreferenceInternet"] = boolean(props.get("isRoutingPreferenceInternet"),
                                                       "properties.isRoutingPreferenceInternet", False)
        dns = props.get("customDnsServers") or []
        if not isinstance(dns, list):
            raise cannot_parse("properties.customDnsServers", dns, "System.String[]")
        for d in dns:
            try:
                ipaddress.ip_address(str(d))
            except ValueError:
                raise bad("InvalidCustomDnsServer", f"DNS server {d!r} of point-to-site gateway {gid} is not an IP "
                          "address.") from None
        props["customDnsServers"] = dns
        self._configurations(ctx, new, hub)
        props.pop("vpnClientConnectionHealth", None)

    def _configurations(self, ctx: Ctx, new: dict[str, Any], hub: dict[str, Any]) -> None:
        props = new["properties"]
        gid = new["id"]
        items = props.get("p2SConnectionConfigurations") or []
        if not isinstance(items, list):
            raise cannot_parse("properties.p2SConnectionConfigurations", items, "P2SConnectionConfiguration[]")
        if not items:
            raise bad("P2SConnectionConfigurationRequired",
                      f"Point-to-site gateway {gid} needs a p2SConnectionConfigurations entry with a client address "
                      "pool.")
        taken = [n for n in (cidr.try_parse(rc.props_of(hub).get("addressPrefix")),) if n is not None]
        for rec in ctx.children(hub["id"], VNET_CONN_TYPE):
            taken.extend(space_of(ctx.body(remote_of(rec.body) or "")))
        names: set[str] = set()
        pools: list[Any] = []
        out = []
        for i, item in enumerate(items):
            path = f"properties.p2SConnectionConfigurations[{i}]"
            if not isinstance(item, dict):
                raise cannot_parse(path, item, "P2SConnectionConfiguration")
            name = unique_name(item, names, "InvalidP2SConnectionConfigurationName",
                               f"Connection configuration {i} of {gid} needs a unique name.")
            cp = item.get("properties") or {}
            if not isinstance(cp, dict):
                raise cannot_parse(f"{path}.properties", cp, "P2SConnectionConfigurationProperties")
            prefixes = (cp.get("vpnClientAddressPool") or {}).get("addressPrefixes") or []
            if not isinstance(prefixes, list) or not prefixes:
                raise bad("VpnClientAddressPoolRequired", f"Connection configuration {name} of point-to-site gateway "
                          f"{gid} needs vpnClientAddressPool.addressPrefixes.")
            nets = cidr.parse_prefixes(prefixes, gid)
            hit = cidr.first_overlap(nets, taken + pools)
            if hit:
                raise bad("VpnClientAddressPoolOverlaps",
                          f"Client address pool {hit[0]} of point-to-site gateway {gid} overlaps {hit[1]} (the hub, a "
                          "connected virtual network or another pool).")
            pools.extend(nets)
            cid = f"{gid}/p2sConnectionConfigurations/{name}"
            out.append({"name": name, "id": cid, "properties": {
                "vpnClientAddressPool": {"addressPrefixes": [str(n) for n in nets]},
                "enableInternetSecurity": boolean(cp.get("enableInternetSecurity"),
                                                  f"{path}.properties.enableInternetSecurity", False),
                "routingConfiguration": rc.check(ctx, cp.get("routingConfiguration"), cid, hub["id"], branch=True,
                                                 path=f"{path}.properties.routingConfiguration"),
                "configurationPolicyGroupAssociations": cp.get("configurationPolicyGroupAssociations") or [],
                "provisioningState": "Succeeded"}})
        props["p2SConnectionConfigurations"] = out

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        body.setdefault("properties", {})["vpnClientConnectionHealth"] = {
            "vpnClientConnectionsCount": 0, "allocatedIpAddresses": [], "totalIngressBytesTransferred": 0,
            "totalEgressBytesTransferred": 0}


def current(ctx: Ctx, gw: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    return 200, ctx.rendered(gw["id"]) or gw


REGISTRY.add(ResourceType(TYPE, since("2018-08-01"), model="P2SVpnGateway", hooks=P2SVpnGatewayHooks(),
                          names=NameRule(1, 80),
                          actions=[Action("reset", current, long_running=True),
                                   Action("getP2sVpnConnectionHealth", current, long_running=True)]))
