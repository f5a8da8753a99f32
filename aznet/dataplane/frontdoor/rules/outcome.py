"""What a rules-engine evaluation decides for one request, and helpers that apply header operations.

The shell acts on an ``Outcome`` in this order: ``redirect`` (answer at once, no origin), then the origin group and
forwarding overrides, ``rewrite_path`` (the path sent to the origin; the query string is kept) or, for classic
Front Door, ``forwarding_path`` (a custom forwarding path used as the routing rule's own would be), request header
operations, the cache overrides (``CachePolicy.with_rules(outcome.cache)``), and the response header operations
on whatever goes back to the client (also on a redirect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REDIRECT_STATUS = {"Moved": 301, "Found": 302, "TemporaryRedirect": 307, "PermanentRedirect": 308}


@dataclass(slots=True)
class HeaderOp:
    action: str  # "Append" | "Overwrite" | "Delete"
    name: str
    value: str = ""


@dataclass(slots=True)
class Redirect:
    status: int
    location: str


@dataclass(slots=True)
class CacheOverride:
    """Caching decided by a rule.

    ``configuration`` is a RouteConfigurationOverride's (or a classic forwarding override's) cache configuration:
    ``None`` with ``replaced=True`` means the override turned caching off (Azure: "when you override the route
    configuration you must configure caching, otherwise caching is disabled for the request").
    ``expiration`` is a CacheExpiration action: ("BypassCache" | "Override" | "SetIfMissing", seconds or None).
    ``key_query`` is a CacheKeyQueryString action: ("Include" | "IncludeAll" | "Exclude" | "ExcludeAll", names).
    ``flavour`` tells which configuration format ``configuration`` has: "afd" or "classic"."""

    replaced: bool = False
    configuration: dict[str, Any] | None = None
    flavour: str = "afd"
    expiration: tuple[str, int | None] | None = None
    key_query: tuple[str, tuple[str, ...]] | None = None

    @property
    def empty(self) -> bool:
        return not self.replaced and self.expiration is None and self.key_query is None


@dataclass(slots=True)
class Outcome:
    matched: list[str] = field(default_factory=list)  # names of the rules whose conditions matched, in order
    redirect: Redirect | None = None
    rewrite_path: str | None = None
    # classic forwarding override's customForwardingPath: it replaces the routing rule's (the part of the path
    # the rule's wildcard matched is appended, as for the rule's own custom forwarding path)
    forwarding_path: str | None = None
    request_headers: list[HeaderOp] = field(default_factory=list)
    response_headers: list[HeaderOp] = field(default_factory=list)
    origin_group: str | None = None  # resource id of the origin group (AFD/CDN) or backend pool (classic)
    forwarding_protocol: str | None = None  # "HttpOnly" | "HttpsOnly" | "MatchRequest"
    cache: CacheOverride = field(default_factory=CacheOverride)


def apply_header_ops(headers: list[tuple[str, str]], ops: list[HeaderOp]) -> list[tuple[str, str]]:
    """Azure's header actions: Append adds the value to an existing header (comma-joined) or adds the header;
    Overwrite replaces every occurrence (or adds it); Delete removes it. Names match without regard to case."""
    out = list(headers)
    for op in ops:
        low = op.name.lower()
        present = [i for i, (k, _) in enumerate(out) if k.lower() == low]
        if op.action == "Delete":
            out = [h for h in out if h[0].lower() != low]
        elif op.action == "Overwrite":
            out = [h for h in out if h[0].lower() != low]
            out.append((op.name, op.value))
        elif op.action == "Append":
            if present:
                i = present[-1]
                k, v = out[i]
                out[i] = (k, f"{v},{op.value}" if v else op.value)
            else:
                out.append((op.name, op.value))
    return out
