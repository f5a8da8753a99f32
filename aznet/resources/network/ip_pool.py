"""The pool emulated public IP addresses come from.

IPv4 addresses come from ``Settings.public_ip_pool`` (default 127.64.0.0/16:
loopback, so a data plane can really listen on them); IPv6 addresses from a
unique-local range (``Settings.public_ipv6_pool`` when set). An allocation is
stored in the owning resource's body (``properties.ipAddress`` of a public IP,
``properties.ipPrefix`` of a prefix), so it persists; a new allocation avoids
every address and prefix any stored resource holds, so none collide.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError

if TYPE_CHECKING:
    from ...arm.context import Ctx

PUBLIC_IPS = typenames.PUBLIC_IP
PUBLIC_PREFIXES = typenames.PUBLIC_IP_PREFIX
VWAN_VPN_GATEWAYS = "Microsoft.Network/vpnGateways"
DEFAULT_IPV6_POOL = "fd00:a2e7:6e74::/48"     # a ULA range: reachable nowhere but here

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def pool(settings: Any, version: int) -> IPNetwork:
    if version == 6:
        return ipaddress.ip_network(getattr(settings, "public_ipv6_pool", None) or DEFAULT_IPV6_POOL, strict=False)
    return ipaddress.ip_network(settings.public_ip_pool, strict=False)


def _used(ctx: Ctx, skip: str | None = None) -> tuple[set[int], list[tuple[int, int]]]:
    """(single addresses in use, [first, last] of prefixes in use)."""
    skip = skip.lower() if skip else None
    addrs: set[int] = set()
    blocks: list[tuple[int, int]] = []
    for rec in ctx.of_type(PUBLIC_PREFIXES):
        if rec.key == skip:
            continue
        prefix = (rec.body.get("properties") or {}).get("ipPrefix")
        if prefix:
            net = ipaddress.ip_network(prefix, strict=False)
            blocks.append((int(net.network_address), int(net.broadcast_address)))
    for rec in ctx.of_type(PUBLIC_IPS):
        if rec.key == skip:
            continue
        ip = (rec.body.get("properties") or {}).get("ipAddress")
        if ip:
            addrs.add(int(ipaddress.ip_address(ip)))
    for rec in ctx.of_type(VWAN_VPN_GATEWAYS):     # a Virtual WAN VPN gateway's instances hold public addresses
        if rec.key == skip:
            continue
        for cfg in (rec.body.get("properties") or {}).get("ipConfigurations") or []:
            ip = cfg.get("publicIpAddress") if isinstance(cfg, dict) else None
            if ip:
                addrs.add(int(ipaddress.ip_address(ip)))
    return addrs, blocks


def _exhausted(net: IPNetwork) -> ArmError:
    return ArmError(400, "PublicIPCountLimitReached",
                    f"Cannot allocate another public IP address: the aznet public IP pool {net} is exhausted. "
                    "Enlarge it with AZNET_PUBLIC_IP_POOL.")


def allocate_address(ctx: Ctx, version: int, owner: str | None = None, exclude: set[str] | None = None) -> str:
    """The lowest free address of the pool outside every allocated prefix (and ``exclude``: addresses
    the caller took in this request and has not stored yet)."""
    net = pool(ctx.settings, version)
    addrs, blocks = _used(ctx, owner)
    addrs |= {int(ipaddress.ip_address(a)) for a in exclude or ()}
    blocks.sort()
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - 1
    cur = first
    bi = 0
    while cur <= last:
        while bi < len(blocks) and blocks[bi][1] < cur:
            bi += 1
        if bi < len(blocks) and blocks[bi][0] <= cur:
            cur = blocks[bi][1] + 1
            continue
        if cur not in addrs:
            return str(ipaddress.ip_address(cur))
        cur += 1
    raise _exhausted(net)


def allocate_prefix(ctx: Ctx, version: int, length: int, owner: str | None = None) -> str:
    """The highest aligned /length block of the pool that holds no allocated address or prefix
    (prefixes grow down from the top, single addresses up from the bottom)."""
    net = pool(ctx.settings, version)
    if length < net.prefixlen:
        raise _exhausted(net)
    addrs, blocks = _used(ctx, owner)
    size = 1 << (net.max_prefixlen - length)
    start = int(net.network_address)
    occupied = blocks + [(a, a) for a in addrs if a in range(start, start + net.num_addresses)]
    cur = start + net.num_addresses - size
    while cur >= start:
        clash = [lo for lo, hi in occupied if lo <= cur + size - 1 and hi >= cur]
        if not clash:
            return f"{ipaddress.ip_address(cur)}/{length}"
        cur = start + ((min(clash) - start) // size) * size - size
    raise _exhausted(net)


def allocate_in_prefix(ctx: Ctx, prefix: str, prefix_id: str, owner: str, requested: str | None = None) -> str:
    """An address inside a public IP prefix: the requested one if free, else the lowest free."""
    net = ipaddress.ip_network(prefix, strict=False)
    taken: set[int] = set()
    for rec in ctx.of_type(PUBLIC_IPS):
        if rec.key == owner.lower():
            continue
        ip = (rec.body.get("properties") or {}).get("ipAddress")
        if ip and ipaddress.ip_address(ip) in net:
            taken.add(int(ipaddress.ip_address(ip)))
    if requested:
        try:
            want = ipaddress.ip_address(requested)
        except ValueError:
            want = None
        if want is not None and want in net and int(want) not in taken:
            return str(want)
    for cur in range(int(net.network_address), int(net.broadcast_address) + 1):
        if cur not in taken:
            return str(ipaddress.ip_address(cur))
    raise ArmError(400, "PublicIpPrefixOutOfIpAddressesForPublicIp",
                   f"Public IP prefix {prefix_id} ({prefix}) does not have enough free IP addresses for "
                   f"public IP address {owner}.")
