"""Whether an origin response may be stored, for how long, and the ``X-Cache`` value the client sees.

Azure ("Caching with Azure Front Door", "How caching works", "Debug HTTP headers for Azure CDN from Microsoft"):
- TTL order: ``Cache-Control: s-maxage``, then ``max-age``, then ``Expires``; none of them: the route's default
  (Front Door: random 1–3 days; CDN: 2 days). Capped at 366 days.
- ``private``, ``no-cache`` and ``no-store`` are honoured even when a rule overrides the caching behaviour;
  OverrideAlways / CacheExpiration Override only apply to cacheable responses.
- A cacheable response loses its ``Set-Cookie`` header before it is sent to the client (Set-Cookie does not
  prevent caching).
- Cacheable status codes (Azure CDN from Microsoft): 200, 203, 206, 300, 301, 410, 416.
- X-Cache: TCP_HIT (served from the edge cache), TCP_REMOTE_HIT (regional cache; one machine has one cache, so it
  never occurs here), TCP_MISS, PRIVATE_NOSTORE (Cache-Control private or no-store), CONFIG_NOCACHE (the
  configuration does not cache this request). UNCACHEABLE (inferred) for the other responses that cannot be
  stored (no-cache, a status or method that is not cacheable, ``Vary: *``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from .policy import IF_MISSING, MAX_TTL, OVERRIDE, CachePolicy

TCP_HIT = "TCP_HIT"
TCP_REMOTE_HIT = "TCP_REMOTE_HIT"
TCP_MISS = "TCP_MISS"
PRIVATE_NOSTORE = "PRIVATE_NOSTORE"
CONFIG_NOCACHE = "CONFIG_NOCACHE"
UNCACHEABLE = "UNCACHEABLE"

CACHEABLE_STATUS = frozenset({200, 203, 206, 300, 301, 410, 416})


def cache_control(headers: list[tuple[str, str]]) -> dict[str, str | None]:
    """Directives of every Cache-Control header, names lower-cased (``max-age`` -> "60", ``private`` -> None)."""
    out: dict[str, str | None] = {}
    for k, v in headers:
        if k.lower() != "cache-control":
            continue
        for part in v.split(","):
            name, sep, value = part.strip().partition("=")
            if name:
                out[name.strip().lower()] = value.strip().strip('"') if sep else None
    return out


def _seconds(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return max(0, int(value.strip()))
    except ValueError:
        return None


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    low = name.lower()
    for k, v in headers:
        if k.lower() == low:
            return v
    return None


def origin_ttl(headers: list[tuple[str, str]], now: float | None = None) -> int | None:
    """The TTL the origin asks for (s-maxage > max-age > Expires), None when it names none."""
    cc = cache_control(headers)
    for directive in ("s-maxage", "max-age"):
        if directive in cc:
            secs = _seconds(cc[directive])
            if secs is not None:
                return secs
    expires = _header(headers, "expires")
    if expires is not None:
        try:
            when = parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return 0  # an invalid Expires means already expired (RFC 9111 5.3)
        date = _header(headers, "date")
        base = now if now is not None else time.time()
        if date is not None:
            try:
                base = parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
        return max(0, int(when - base))
    return None


@dataclass(frozen=True, slots=True)
class Storability:
    store: bool
    ttl: int
    x_cache: str  # what the client sees when this response is not a hit


def decide(policy: CachePolicy, method: str, status: int, headers: list[tuple[str, str]],
           now: float | None = None) -> Storability:
    """Whether (and for how long) an origin response to a request the policy caches may be stored."""
    if method.upper() not in policy.methods:
        return Storability(False, 0, UNCACHEABLE)
    cc = cache_control(headers)
    if "private" in cc or "no-store" in cc:
        return Storability(False, 0, PRIVATE_NOSTORE)
    if "no-cache" in cc:
        return Storability(False, 0, UNCACHEABLE)
    if status not in CACHEABLE_STATUS:
        return Storability(False, 0, UNCACHEABLE)
    vary = _header(headers, "vary")
    if vary is not None and "*" in vary:
        return Storability(False, 0, UNCACHEABLE)
    origin = origin_ttl(headers, now)
    if policy.behaviour == OVERRIDE and policy.duration is not None:
        ttl = policy.duration
    elif policy.behaviour == IF_MISSING and policy.duration is not None:
        ttl = origin if origin is not None else policy.duration
    elif policy.flavour == "classic" and policy.duration is not None:
        ttl = max(origin, policy.duration) if origin is not None else policy.duration
    else:
        ttl = origin if origin is not None else policy.default_ttl()
    ttl = min(ttl, MAX_TTL)
    return Storability(ttl > 0, ttl, TCP_MISS)
