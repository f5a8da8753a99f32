"""Virtual network gateway SKUs and their limits ("About VPN Gateway SKUs", "About ExpressRoute
virtual network gateways"): site-to-site tunnels, point-to-site connections, aggregate throughput,
BGP, active-active, zone redundancy, generation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sku:
    name: str
    gateway_type: str          # Vpn | ExpressRoute
    s2s_tunnels: int           # max site-to-site / VNet-to-VNet tunnels (ER: connections)
    p2s_connections: int       # max point-to-site connections (IKEv2/OpenVPN; Basic: SSTP)
    throughput_mbps: int
    bgp: bool
    active_active: bool
    zone_redundant: bool
    generations: tuple[str, ...]


def _vpn(name: str, tunnels: int, p2s: int, mbps: int, gens: tuple[str, ...]) -> list[Sku]:
    return [Sku(name, "Vpn", tunnels, p2s, mbps, True, True, False, gens),
            Sku(name + "AZ", "Vpn", tunnels, p2s, mbps, True, True, True, gens)]


SKUS: dict[str, Sku] = {s.name.lower(): s for s in [
    Sku("Basic", "Vpn", 10, 128, 100, False, False, False, ("Generation1",)),
    *_vpn("VpnGw1", 30, 250, 650, ("Generation1",)),
    *_vpn("VpnGw2", 30, 500, 1000, ("Generation1", "Generation2")),
    *_vpn("VpnGw3", 30, 1000, 1250, ("Generation1", "Generation2")),
    *_vpn("VpnGw4", 100, 5000, 5000, ("Generation2",)),
    *_vpn("VpnGw5", 100, 10000, 10000, ("Generation2",)),
    Sku("Standard", "ExpressRoute", 4, 0, 1000, True, False, False, ("None",)),
    Sku("HighPerformance", "ExpressRoute", 10, 0, 2000, True, False, False, ("None",)),
    Sku("UltraPerformance", "ExpressRoute", 16, 0, 10000, True, False, False, ("None",)),
    Sku("ErGw1AZ", "ExpressRoute", 4, 0, 1000, True, False, True, ("None",)),
    Sku("ErGw2AZ", "ExpressRoute", 8, 0, 2000, True, False, True, ("None",)),
    Sku("ErGw3AZ", "ExpressRoute", 16, 0, 10000, True, False, True, ("None",)),
    Sku("ErGwScale", "ExpressRoute", 16, 0, 40000, True, False, True, ("None",)),
]}


def allowed(gateway_type: str) -> list[str]:
    return [s.name for s in SKUS.values() if s.gateway_type == gateway_type]


def default_generation(sku: Sku) -> str:
    return sku.generations[0]
