"""Helpers for the Virtual WAN tests (SDK bodies)."""

from __future__ import annotations

from typing import Any

from .nic_support import LOC, make_vnet, rid


def make_wan(net: Any, rg: str, name: str = "myVirtualWan", kind: str = "Standard", **props: Any) -> Any:
    return net.virtual_wans.begin_create_or_update(rg, name, {"location": LOC, "properties": {
        "type": kind, **props}}).result()


def make_hub(aznet: Any, net: Any, rg: str, name: str = "hub1", prefix: str = "10.100.0.0/24",
             wan: str = "myVirtualWan", location: str = LOC, **props: Any) -> Any:
    return net.virtual_hubs.begin_create_or_update(rg, name, {"location": location, "properties": {
        "virtualWan": {"id": rid(aznet, rg, "virtualWans", wan)}, "addressPrefix": prefix, **props}}).result()


def spoke(net: Any, rg: str, name: str, second: int) -> None:
    make_vnet(net, rg, name=name, prefixes=(f"10.{second}.0.0/16",), subnets={"default": f"10.{second}.0.0/24"})


def connect(aznet: Any, net: Any, rg: str, hub: str, name: str, vnet: str, **props: Any) -> Any:
    return net.hub_virtual_network_connections.begin_create_or_update(rg, hub, name, {"properties": {
        "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", vnet)}, **props}}).result()


def hub_with_spoke(aznet: Any, net: Any, rg: str) -> None:
    """The virtual WAN myVirtualWan, hub1 (10.100.0.0/24) and spoke VNet1 (10.1.0.0/16) connected to it as conn1."""
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    spoke(net, rg, "VNet1", 1)
    connect(aznet, net, rg, "hub1", "conn1", "VNet1")


def table_id(aznet: Any, rg: str, hub: str, table: str) -> str:
    return f"{rid(aznet, rg, 'virtualHubs', hub)}/hubRouteTables/{table}"


def routes_of(result: Any) -> dict[str, tuple[str, str, str]]:
    """prefix -> (next hop type, last segment of the next hop, AS path) of an effective routes answer."""
    out = {}
    for r in result.value or []:
        for p in r.address_prefixes:
            out[p] = (r.next_hop_type, r.next_hops[0].rsplit("/", 1)[-1], r.as_path or "")
    return out
