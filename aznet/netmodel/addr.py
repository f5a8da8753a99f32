"""Addresses as integers in one space, prefixes as integer ranges, and the two
interval structures the model answers from.

IPv4 address ``x`` is the integer ``x``; IPv6 address ``y`` is ``V6_BASE + y``.
The two families never overlap, so one sorted interval list covers both, and
"any address" (NSG ``*``) is simply ``ANY``. ``0.0.0.0/0`` is IPv4 only.

- ``IntervalSet``: sorted, merged, disjoint ``(lo, hi)`` ranges; ``contains`` is a bisect.
- ``RangeMap``: first-match map painted from ranges in priority order; ``get(x)``
  is a bisect. Used for NSG rule lists (first matching rule) and route tables
  (longest prefix first).
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

V4_MAX = (1 << 32) - 1
V6_BASE = 1 << 32
V6_MAX = V6_BASE + (1 << 128) - 1
ANY = (0, V6_MAX)
ANY_V4 = (0, V4_MAX)
ANY_V6 = (V6_BASE, V6_MAX)

Range = tuple[int, int]


class AddressError(ValueError):
    pass


def _v4(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    n = 0
    for p in parts:
        if not p.isdigit() or len(p) > 3:
            return None
        v = int(p)
        if v > 255:
            return None
        n = (n << 8) | v
    return n


@lru_cache(maxsize=65536)
def parse_ip(text: str) -> int:
    """An IPv4 or IPv6 address to its integer in the unified space."""
    s = text.strip()
    v = _v4(s)
    if v is not None:
        return v
    try:
        a = ipaddress.ip_address(s)
    except ValueError:
        raise AddressError(f"'{text}' is not a valid IP address") from None
    return int(a) if a.version == 4 else V6_BASE + int(a)


def try_ip(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_ip(text)
    except AddressError:
        return None


@lru_cache(maxsize=65536)
def parse_prefix(text: str) -> tuple[int, int, int]:
    """``a.b.c.d/n`` (or a bare address) -> (lo, hi, prefix length). Host bits are masked off."""
    s = text.strip()
    addr, slash, plen = s.partition("/")
    v = _v4(addr)
    if v is not None:
        n = int(plen) if slash and plen.isdigit() else (32 if not slash else -1)
        if not 0 <= n <= 32:
            raise AddressError(f"'{text}' is not a valid prefix")
        size = 1 << (32 - n)
        lo = v & ~(size - 1) & V4_MAX
        return lo, lo + size - 1, n
    try:
        net = ipaddress.ip_network(s, strict=False)
    except ValueError:
        raise AddressError(f"'{text}' is not a valid prefix") from None
    lo = int(net.network_address)
    hi = int(net.broadcast_address)
    if net.version == 6:
        lo, hi = lo + V6_BASE, hi + V6_BASE
    return lo, hi, net.prefixlen


def prefix_ranges(texts: Iterable[str]) -> list[Range]:
    """The (first, last) address ranges of the prefixes in ``texts`` that parse; the others are skipped."""
    out: list[Range] = []
    for text in texts:
        try:
            lo, hi, _ = parse_prefix(text)
        except ValueError:
            continue
        out.append((lo, hi))
    return out


def try_prefix(text: Any) -> tuple[int, int, int] | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_prefix(text)
    except AddressError:
        return None


def is_v6(x: int) -> bool:
    return x >= V6_BASE


def format_ip(x: int) -> str:
    if x >= V6_BASE:
        return str(ipaddress.IPv6Address(x - V6_BASE))
    return f"{x >> 24}.{(x >> 16) & 255}.{(x >> 8) & 255}.{x & 255}"


def format_prefix(lo: int, plen: int) -> str:
    return f"{format_ip(lo)}/{plen}"


def range_to_prefixes(lo: int, hi: int) -> list[str]:
    """A range as the fewest CIDR prefixes (for expanded-prefix displays)."""
    if hi >= V6_BASE and lo < V6_BASE:
        return range_to_prefixes(lo, V4_MAX) + range_to_prefixes(V6_BASE, hi)
    if lo >= V6_BASE:
        a, b = ipaddress.IPv6Address(lo - V6_BASE), ipaddress.IPv6Address(hi - V6_BASE)
    else:
        a, b = ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi)
    return [str(n) for n in ipaddress.summarize_address_range(a, b)]  # type: ignore[arg-type]


def merge(ranges: Iterable[Range]) -> list[Range]:
    out: list[Range] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def subtract(ranges: Sequence[Range], holes: Sequence[Range]) -> list[Range]:
    """``ranges`` minus ``holes`` (both merged and sorted)."""
    out: list[Range] = []
    j = 0
    for lo, hi in ranges:
        cur = lo
        while j < len(holes) and holes[j][1] < cur:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] <= hi:
            hlo, hhi = holes[k]
            if hlo > cur:
                out.append((cur, hlo - 1))
            cur = max(cur, hhi + 1)
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return out


class IntervalSet:
    """Disjoint sorted ranges with O(log n) membership."""

    __slots__ = ("ranges", "_starts")

    def __init__(self, ranges: Iterable[Range] = ()) -> None:
        self.ranges: list[Range] = merge(ranges)
        self._starts = [r[0] for r in self.ranges]

    def __contains__(self, x: int) -> bool:
        i = bisect_right(self._starts, x) - 1
        return i >= 0 and x <= self.ranges[i][1]

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __repr__(self) -> str:
        return f"IntervalSet({self.ranges!r})"

    def union(self, other: IntervalSet) -> IntervalSet:
        return IntervalSet(self.ranges + other.ranges)

    def prefixes(self) -> list[str]:
        out: list[str] = []
        for lo, hi in self.ranges:
            out.extend(range_to_prefixes(lo, hi))
        return out


class RangeMap:
    """Paint ranges in priority order; each point keeps the value of the first
    range that covered it. ``get(x)`` returns that value or None."""

    __slots__ = ("_bounds", "_values", "_painted")

    def __init__(self) -> None:
        self._painted: list[tuple[int, int, Any]] = []  # disjoint, unsorted while painting
        self._bounds: list[int] = []
        self._values: list[Any] = []

    @classmethod
    def build(cls, items: Iterable[tuple[Sequence[Range], Any]]) -> RangeMap:
        """``items`` in priority order: (ranges, value)."""
        m = cls()
        covered: list[Range] = []
        for ranges, value in items:
            new = subtract(merge(ranges), covered)
            if not new:
                continue
            m._painted.extend((lo, hi, value) for lo, hi in new)
            covered = merge(covered + new)
            if covered == [ANY]:
                break
        m._painted.sort(key=lambda t: t[0])
        bounds: list[int] = []
        values: list[Any] = []
        nxt = 0
        for lo, hi, v in m._painted:
            if lo > nxt:
                bounds.append(nxt)
                values.append(None)
            bounds.append(lo)
            values.append(v)
            nxt = hi + 1
        if nxt <= V6_MAX:
            bounds.append(nxt)
            values.append(None)
        m._bounds, m._values = bounds, values
        return m

    def get(self, x: int) -> Any:
        i = bisect_right(self._bounds, x) - 1
        return self._values[i] if i >= 0 else None

    def get_sorted(self, xs: Sequence[int]) -> list[Any]:
        """``[get(x) for x in xs]`` for ascending ``xs``, in time linear in the map's segments."""
        out: list[Any] = [None] * len(xs)
        b, v = self._bounds, self._values
        last = len(b) - 1
        for k, val in enumerate(v):
            if val is None:
                continue
            lo = bisect_left(xs, b[k])
            hi = bisect_left(xs, b[k + 1]) if k < last else len(xs)
            if hi > lo:
                out[lo:hi] = [val] * (hi - lo)
        return out

    def segments(self) -> list[tuple[int, int, Any]]:
        return list(self._painted)
