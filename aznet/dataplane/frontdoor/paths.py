"""Route matching as Azure Front Door does it ("How requests get matched to a route configuration").

Order: protocol, then host, then path, always the most specific match:
- host: an exact host name first; else the longest wildcard domain (``*.contoso.com``) that covers it
  (Standard/Premium wildcard domains); else no route;
- path: a pattern without ``*`` is an exact path (a trailing ``/`` included: ``/abc/`` matches only ``/abc/``);
  ``/abc/*`` matches every path that starts with ``/abc/``; ``/*`` matches everything. An exact match wins,
  then the wildcard with the longest prefix. Patterns compare case-insensitively (documented for classic,
  inferred for Standard/Premium, whose control plane also treats ``/FOO`` and ``/foo`` as duplicates).

``originPath`` / classic ``customForwardingPath``: the part of the request path after a wildcard pattern's prefix
is appended to it (``/foo/*`` with ``/fwd/``: ``/foo/a/b`` -> ``/fwd/a/b``); an exact pattern forwards to the
forwarding path itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    item: T
    pattern: str        # the pattern as configured
    remainder: str      # the part of the path a wildcard pattern covered ("" for exact patterns)


class PathTable(Generic[T]):
    """Patterns of the routes of one (host, protocol); ``match(path)`` is the most specific."""

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        self.exact: dict[str, tuple[str, T]] = {}
        wild: list[tuple[str, str, T]] = []
        for pattern, item in entries:
            low = pattern.lower()
            if low.endswith("*"):
                prefix = low[:-1]
                if not any(p == prefix for p, _, _ in wild):
                    wild.append((prefix, pattern, item))
            else:
                self.exact.setdefault(low, (pattern, item))
        wild.sort(key=lambda w: len(w[0]), reverse=True)
        self.wild = wild

    def exact_items(self) -> list[T]:
        return [item for _, item in self.exact.values()]

    def wild_items(self) -> list[T]:
        return [item for _, _, item in self.wild]

    def match(self, path: str) -> Match[T] | None:
        low = path.lower()
        hit = self.exact.get(low)
        if hit is not None:
            return Match(hit[1], hit[0], "")
        for prefix, pattern, item in self.wild:
            if low.startswith(prefix):
                return Match(item, pattern, path[len(prefix):])
        return None


def host_lookup(table: dict[str, T], host: str) -> T | None:
    """Exact host first, then the most specific wildcard domain (``*.a.b`` covers ``x.a.b``, not ``a.b``)."""
    hit = table.get(host)
    if hit is not None:
        return hit
    parts = host.split(".")
    for i in range(1, len(parts) - 1):
        hit = table.get("*." + ".".join(parts[i:]))
        if hit is not None:
            return hit
    return None


def forward_path(path: str, pattern: str, remainder: str, origin_path: str | None) -> str:
    """The path sent to the origin (see the module docstring)."""
    if not origin_path:
        return path
    if not pattern.endswith("*"):
        return origin_path
    return origin_path.rstrip("/") + "/" + remainder
