"""The vendor-neutral model's values: nodes (VMs), interfaces (NIC IP
configurations), subnets, VNets with their peerings, gateways and route
tables. Plain slotted dataclasses; ``key`` is the lower-cased ARM id, ``id``
keeps Azure's spelling for answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .addr import Range


def key_of(rid: str) -> str:
    return rid.strip().rstrip("/").lower()


def name_of(rid: str) -> str:
    return rid.rstrip("/").rsplit("/", 1)[-1]


def parent_of(rid: str) -> str:
    """``.../virtualNetworks/v/subnets/s`` -> ``.../virtualNetworks/v``."""
    return rid.rstrip("/").rsplit("/", 2)[0]


def resource_group_of(rid: str) -> str | None:
    parts = rid.strip("/").split("/")
    for i, p in enumerate(parts[:-1]):
        if p.lower() == "resourcegroups":
            return parts[i + 1]
    return None


@dataclass(slots=True)
class Prefix:
    text: str
    lo: int
    hi: int
    plen: int

    @property
    def range(self) -> Range:
        return (self.lo, self.hi)


@dataclass(slots=True)
class IpConfig:
    key: str
    id: str
    name: str
    nic_key: str
    ip: int | None
    ip_text: str | None
    subnet_key: str | None
    asgs: frozenset[str]
    public_ip_key: str | None
    lb_pools: tuple[str, ...]
    primary: bool


@dataclass(slots=True)
class Nic:
    key: str
    id: str
    name: str
    location: str | None
    vm_key: str | None
    nsg_key: str | None
    ip_forwarding: bool
    ipconfigs: list[IpConfig]
    primary: bool = True

    @property
    def primary_ipconfig(self) -> IpConfig | None:
        for c in self.ipconfigs:
            if c.primary:
                return c
        return self.ipconfigs[0] if self.ipconfigs else None

    @property
    def subnet_key(self) -> str | None:
        c = self.primary_ipconfig
        return c.subnet_key if c else None


@dataclass(slots=True)
class Vm:
    key: str
    id: str
    name: str
    location: str | None
    nic_keys: list[str]
    primary_nic_key: str | None


@dataclass(slots=True)
class ServiceEndpoint:
    service: str
    locations: list[str]


@dataclass(slots=True)
class Subnet:
    key: str
    id: str
    name: str
    vnet_key: str
    prefixes: list[Prefix]
    nsg_key: str | None
    route_table_key: str | None
    service_endpoints: list[ServiceEndpoint]
    nat_gateway_key: str | None
    default_outbound_access: bool | None = None   # properties.defaultOutboundAccess (None: not set)


@dataclass(slots=True)
class Peering:
    key: str
    id: str
    name: str
    vnet_key: str
    remote_key: str | None
    remote_id: str | None
    state: str
    allow_vnet_access: bool
    allow_forwarded: bool
    allow_gateway_transit: bool
    use_remote_gateways: bool
    remote_prefixes: list[str]


@dataclass(slots=True)
class VNet:
    key: str
    id: str
    name: str
    location: str | None
    prefixes: list[Prefix]
    subnet_keys: list[str]
    peerings: list[Peering]


@dataclass(slots=True)
class Gateway:
    key: str
    id: str
    name: str
    vnet_key: str | None
    gateway_type: str
    ips: list[str]
    onprem_prefixes: list[str] = field(default_factory=list)
    # ExpressRoute: the paths learned over its circuits' private peering (bgp_routes.LearnedRoute)
    er_routes: list[Any] = field(default_factory=list)
    # VPN: NAT on its site-to-site connections (vpn_nat.GatewayNat), None without connections
    nat: Any = None


@dataclass(slots=True)
class Route:
    name: str
    id: str
    prefix_text: str
    prefixes: list[Prefix]
    tag: str | None
    next_hop_type: str
    next_hop_ip: str | None


@dataclass(slots=True)
class RouteTableDef:
    key: str
    id: str
    name: str
    routes: list[Route]
    disable_bgp: bool
