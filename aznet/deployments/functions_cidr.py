"""CIDR template functions: parseCidr(), cidrSubnet(), cidrHost() (ARM's ``sys`` namespace)."""

from __future__ import annotations

import ipaddress
from typing import Any

from .errors import ExpressionError
from .evaluate import Ctx
from .registry import fn, want, want_int

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(name: str, text: Any) -> Network:
    text = want(name, text, str)
    if "/" not in text:
        raise ExpressionError(f"The template language function '{name}' expects an IP address range in CIDR "
                              f"notation; '{text}' has no prefix length.")
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ExpressionError(f"The template language function '{name}' cannot parse '{text}' as an IP address "
                              "range in CIDR notation.") from None


@fn("parseCidr", 1)
def _parse_cidr(ctx: Ctx, text: Any) -> dict[str, Any]:
    net = _network("parseCidr", text)
    last = net.broadcast_address
    out: dict[str, Any] = {"network": str(net.network_address), "netmask": str(net.netmask)}
    if net.version == 4:
        out["broadcast"] = str(last)
        small = net.prefixlen >= 31            # /31 and /32 have no network or broadcast address to skip
        out["firstUsable"] = str(net.network_address if small else net.network_address + 1)
        out["lastUsable"] = str(last if small else last - 1)
    else:
        out["firstUsable"] = str(net.network_address)
        out["lastUsable"] = str(last)
    out["cidr"] = net.prefixlen
    return out


@fn("cidrSubnet", 3)
def _cidr_subnet(ctx: Ctx, text: Any, new_prefix: Any, index: Any) -> str:
    net = _network("cidrSubnet", text)
    new_prefix = want_int("cidrSubnet", new_prefix, "new CIDR")
    index = want_int("cidrSubnet", index, "subnet index")
    if not net.prefixlen <= new_prefix <= net.max_prefixlen:
        raise ExpressionError(f"The template language function 'cidrSubnet' expects the new CIDR to be from "
                              f"{net.prefixlen} to {net.max_prefixlen}; it is {new_prefix}.")
    count = 1 << (new_prefix - net.prefixlen)
    if not 0 <= index < count:
        raise ExpressionError(f"The template language function 'cidrSubnet' got subnet index {index}, but "
                              f"'{net}' splits into {count} subnets of /{new_prefix} (indexes 0 to {count - 1}).")
    size = 1 << (net.max_prefixlen - new_prefix)
    start = int(net.network_address) + index * size
    return f"{ipaddress.ip_address(start) if net.version == 6 else ipaddress.IPv4Address(start)}/{new_prefix}"


@fn("cidrHost", 2)
def _cidr_host(ctx: Ctx, text: Any, index: Any) -> str:
    net = _network("cidrHost", text)
    index = want_int("cidrHost", index, "host index")
    if net.version == 4:
        usable = max(net.num_addresses - 2, 0) if net.prefixlen < 31 else net.num_addresses
        first = int(net.network_address) + (1 if net.prefixlen < 31 else 0)
    else:
        usable = net.num_addresses - 1
        first = int(net.network_address) + 1
    if not 0 <= index < usable:
        raise ExpressionError(f"The template language function 'cidrHost' got host index {index}, but '{net}' "
                              f"has {usable} usable host addresses (indexes 0 to {usable - 1}).")
    addr = first + index
    return str(ipaddress.IPv4Address(addr) if net.version == 4 else ipaddress.IPv6Address(addr))
