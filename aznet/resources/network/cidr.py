"""CIDR and address-prefix helpers shared by the network resource types.

Pure functions over ``ipaddress`` values, raising Azure's errors where a
client's input is at fault:

- ``parse_prefix(value, resource_id)`` -> network. ``InvalidAddressPrefixFormat``
  when the text is not CIDR, ``InvalidCIDRNotation`` when host bits are set
  (Azure names the aligned prefix it expected).
- ``parse_prefixes(values, resource_id)`` -> list of networks (same errors).
- ``overlaps(a, b)``, ``first_overlap(xs, ys)``: overlap across two lists (same
  IP version only).
- ``contained(inner, outers)``: is ``inner`` inside one of ``outers``.
- ``reserved_addresses(net)``, ``is_reserved(net, ip)``, ``usable_count(net)``:
  Azure keeps the first four and the last address of every subnet prefix.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from ...arm.errors import ArmError
from ...netmodel.address_book import IPAddress, IPNetwork, parse_ip  # noqa: F401 - part of this module's API

RESERVED_AT_START = 4   # network address, default gateway, two DNS addresses
RESERVED_AT_END = 1     # broadcast (kept for IPv6 as well)


def invalid_format(value: Any, resource_id: str) -> ArmError:
    return ArmError(400, "InvalidAddressPrefixFormat",
                    f"Address prefix {value} of resource {resource_id} is not formatted correctly. "
                    "It should follow CIDR notation, for example 10.0.0.0/24.")


def parse_prefix(value: Any, resource_id: str) -> IPNetwork:
    """A CIDR prefix as Azure accepts it: ``a.b.c.d/n`` (or IPv6) with no host bits."""
    if not isinstance(value, str) or value.count("/") != 1:
        raise invalid_format(value, resource_id)
    text = value.strip()
    addr, _, length = text.partition("/")
    if not length.isdigit():
        raise invalid_format(value, resource_id)
    try:
        net = ipaddress.ip_network(text, strict=False)
        given = ipaddress.ip_address(addr)
    except ValueError:
        raise invalid_format(value, resource_id) from None
    if given != net.network_address:
        raise ArmError(400, "InvalidCIDRNotation",
                       f"The address prefix {value} in resource {resource_id} has an invalid CIDR notation. "
                       f"For the given prefix length, the address prefix should be {net}.")
    return net


def parse_prefixes(values: Iterable[Any], resource_id: str) -> list[IPNetwork]:
    return [parse_prefix(v, resource_id) for v in values]


def try_parse(value: Any) -> IPNetwork | None:
    """A prefix or None, without raising (for reading stored bodies)."""
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return None


def overlaps(a: IPNetwork, b: IPNetwork) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]


def first_overlap(xs: Iterable[IPNetwork], ys: Iterable[IPNetwork]) -> tuple[IPNetwork, IPNetwork] | None:
    ys = list(ys)
    for x in xs:
        for y in ys:
            if overlaps(x, y):
                return x, y
    return None


def self_overlap(xs: list[IPNetwork]) -> tuple[IPNetwork, IPNetwork] | None:
    """Two prefixes of one list that overlap."""
    for i, x in enumerate(xs):
        for y in xs[i + 1:]:
            if overlaps(x, y):
                return x, y
    return None


def contained(inner: IPNetwork, outers: Iterable[IPNetwork]) -> bool:
    return any(inner.version == o.version and inner.subnet_of(o) for o in outers)  # type: ignore[arg-type]


def reserved_addresses(net: IPNetwork) -> list[IPAddress]:
    base = int(net.network_address)
    first = [ipaddress.ip_address(base + i) for i in range(min(RESERVED_AT_START, net.num_addresses))]
    last = ipaddress.ip_address(base + net.num_addresses - 1)
    return first + ([last] if last not in first else [])


def is_reserved(net: IPNetwork, ip: IPAddress) -> bool:
    off = int(ip) - int(net.network_address)
    return off < RESERVED_AT_START or off >= net.num_addresses - RESERVED_AT_END


def usable_count(net: IPNetwork) -> int:
    return max(0, net.num_addresses - RESERVED_AT_START - RESERVED_AT_END)
