"""Helpers for the VPN gateway / local network gateway / connection tests."""

from __future__ import annotations

from typing import Any

from .nic_support import LOC, make_vnet, rid, subnet_id


def gw_vnet(net: Any, rg: str, name: str = "VNet1", space: str = "10.1.0.0/16", gw_prefix: str = "10.1.255.0/27",
            front: str = "10.1.0.0/24") -> None:
    make_vnet(net, rg, name=name, prefixes=(space,), subnets={"FrontEnd": front, "GatewaySubnet": gw_prefix})


def pip(net: Any, rg: str, name: str, sku: str = "Standard") -> str:
    return net.public_ip_addresses.begin_create_or_update(rg, name, {
        "location": LOC, "sku": {"name": sku},
        "properties": {"publicIPAllocationMethod": "Static" if sku == "Standard" else "Dynamic"}}).result().id


def gw_body(aznet: Any, rg: str, vnet: str = "VNet1", pips: tuple[str, ...] = ("VNet1GWpip",), sku: str = "VpnGw2",
            subnet: str = "GatewaySubnet", **props: Any) -> dict[str, Any]:
    cfgs = [{"name": f"ipconfig{i + 1}", "properties": {
        "subnet": {"id": subnet_id(aznet, rg, vnet, subnet)},
        "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", p)}}} for i, p in enumerate(pips)]
    return {"location": LOC, "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased",
                                            "sku": {"name": sku, "tier": sku}, "ipConfigurations": cfgs, **props}}
