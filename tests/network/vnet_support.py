"""Helpers for the VNet / subnet / NSG / route / peering tests: raw bodies,
ids, and reading a resource back after a failed request."""

from __future__ import annotations

from typing import Any

from .nic_support import LOC, error_of, rid

__all__ = ["LOC", "error_of", "rid", "vnet_body", "put_vnet", "sub_id", "nsg_id"]


def vnet_body(prefixes: tuple[str, ...] = ("10.0.0.0/16",), subnets: dict[str, Any] | None = None,
              location: str = LOC, **props: Any) -> dict[str, Any]:
    subs = []
    for name, spec in (subnets or {}).items():
        subs.append({"name": name, "properties": {"addressPrefix": spec} if isinstance(spec, str) else dict(spec)})
    return {"location": location, "properties": {"addressSpace": {"addressPrefixes": list(prefixes)},
                                                 "subnets": subs, **props}}


def put_vnet(net: Any, rg: str, name: str = "vnet", prefixes: tuple[str, ...] = ("10.0.0.0/16",),
             subnets: dict[str, Any] | None = None, location: str = LOC, **props: Any) -> Any:
    return net.virtual_networks.begin_create_or_update(rg, name, vnet_body(prefixes, subnets, location,
                                                                          **props)).result()


def sub_id(aznet: Any, rg: str, vnet: str, subnet: str) -> str:
    return rid(aznet, rg, "virtualNetworks", vnet) + f"/subnets/{subnet}"


def nsg_id(aznet: Any, rg: str, name: str) -> str:
    return rid(aznet, rg, "networkSecurityGroups", name)
