"""How one request is cached: the policy built from a route's (or classic forwarding rule's, or CDN endpoint's)
cache configuration, with the rules engine's overrides folded in, and the cache key it forms.

Sources (Azure docs, "Caching with Azure Front Door", "Control Azure CDN caching behavior with query strings",
"How caching works", REST models CacheConfiguration / AfdRouteCacheConfiguration / classic CacheConfiguration):
- Front Door Standard/Premium: a route without ``cacheConfiguration`` does not cache. Query string behaviours
  IgnoreQueryString, UseQueryString (parameter order does not matter), IgnoreSpecifiedQueryStrings,
  IncludeSpecifiedQueryStrings (``queryParameters`` comma-separated). Compression from ``compressionSettings``.
  Only GET is cacheable. Without origin TTL: a random duration between one and three days.
- Classic Front Door: forwarding ``cacheConfiguration`` absent = no caching; ``queryParameterStripDirective``
  StripNone (every unique URL) / StripAll (ignore) / StripOnly / StripAllExcept; ``dynamicCompression``;
  ``cacheDuration`` (ISO 8601) is a minimum: an origin TTL larger than it wins.
- CDN (classic Microsoft endpoints): IgnoreQueryString / BypassCaching (requests with a query string are not
  cached) / UseQueryString; ``isCompressionEnabled`` + ``contentTypesToCompress``; GET and HEAD cacheable; default
  duration two days.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote

from ..rules.conditions import member
from ..rules.engine import duration_seconds
from ..rules.outcome import CacheOverride

DAY = 86400
MAX_TTL = 366 * DAY  # "Cache expiration can't be greater than 366 days"

# Front Door's (classic and Standard/Premium default) list of MIME types compressed at the edge.
DEFAULT_COMPRESSIBLE = frozenset((
    "application/eot", "application/font", "application/font-sfnt", "application/javascript", "application/json",
    "application/opentype", "application/otf", "application/pkcs7-mime", "application/truetype", "application/ttf",
    "application/vnd.ms-fontobject", "application/xhtml+xml", "application/xml", "application/xml+rss",
    "application/x-font-opentype", "application/x-font-truetype", "application/x-font-ttf",
    "application/x-httpd-cgi", "application/x-mpegurl", "application/x-opentype", "application/x-otf",
    "application/x-perl", "application/x-ttf", "application/x-javascript", "font/eot", "font/ttf", "font/otf",
    "font/opentype", "image/svg+xml", "text/css", "text/csv", "text/html", "text/javascript", "text/js",
    "text/plain", "text/richtext", "text/tab-separated-values", "text/xml", "text/x-script", "text/x-component",
    "text/x-java-source"))

# query modes: how the query string enters the cache key
IGNORE, USE, EXCLUDE, INCLUDE, BYPASS = "ignore", "use", "exclude", "include", "bypass"
_AFD_QUERY = {"IgnoreQueryString": IGNORE, "UseQueryString": USE, "IgnoreSpecifiedQueryStrings": EXCLUDE,
              "IncludeSpecifiedQueryStrings": INCLUDE}
_CLASSIC_QUERY = {"StripAll": IGNORE, "StripNone": USE, "StripOnly": EXCLUDE, "StripAllExcept": INCLUDE}
_CDN_QUERY = {"IgnoreQueryString": IGNORE, "UseQueryString": USE, "BypassCaching": BYPASS, "NotSet": IGNORE}
_RULE_QUERY = {"Include": INCLUDE, "IncludeAll": USE, "Exclude": EXCLUDE, "ExcludeAll": IGNORE}

HONOR, OVERRIDE, IF_MISSING = "HonorOrigin", "OverrideAlways", "OverrideIfOriginMissing"


def _afd_default_ttl(rng: random.Random | None = None) -> int:
    return int((rng or random).uniform(1 * DAY, 3 * DAY))


def _names(text: Any) -> frozenset[str]:
    if not isinstance(text, str):
        return frozenset()
    return frozenset(p.strip() for p in text.split(",") if p.strip())


@dataclass(frozen=True, slots=True)
class CachePolicy:
    enabled: bool = False
    flavour: str = "afd"  # "afd" | "classic" | "cdn"
    query_mode: str = IGNORE
    query_names: frozenset[str] = frozenset()
    compression: bool = False
    compress_types: frozenset[str] = DEFAULT_COMPRESSIBLE
    behaviour: str = HONOR
    duration: int | None = None  # seconds for OverrideAlways / OverrideIfOriginMissing / classic minimum
    bypass: bool = False  # a rule's CacheExpiration BypassCache
    methods: frozenset[str] = frozenset({"GET"})
    default_ttl: Callable[[], int] = field(default=_afd_default_ttl, compare=False)

    # -- builders from the stored configuration ---------------------------------------------------------------

    @classmethod
    def disabled(cls, flavour: str = "afd") -> CachePolicy:
        return cls(enabled=False, flavour=flavour)

    @classmethod
    def from_afd_route(cls, cache: dict[str, Any] | None) -> CachePolicy:
        """A Front Door Standard/Premium route's ``cacheConfiguration`` (None: caching off) or a rule's
        RouteConfigurationOverride ``cacheConfiguration``."""
        if not isinstance(cache, dict):
            return cls.disabled()
        comp = member(cache, "compressionSettings")
        compression = False
        types: frozenset[str] = DEFAULT_COMPRESSIBLE
        if isinstance(comp, dict):
            compression = bool(member(comp, "isCompressionEnabled", False))
            listed = member(comp, "contentTypesToCompress")
            if isinstance(listed, list) and listed:
                types = frozenset(str(t).strip().lower() for t in listed)
        flag = member(cache, "isCompressionEnabled")
        if flag is not None:
            compression = flag == "Enabled" or flag is True
        behaviour = member(cache, "cacheBehavior") or HONOR
        return cls(enabled=True, flavour="afd",
                   query_mode=_AFD_QUERY.get(member(cache, "queryStringCachingBehavior") or "", IGNORE),
                   query_names=_names(member(cache, "queryParameters")), compression=compression,
                   compress_types=types, behaviour=behaviour,
                   duration=duration_seconds(member(cache, "cacheDuration")) if behaviour != HONOR else None)

    @classmethod
    def from_classic(cls, cache: dict[str, Any] | None) -> CachePolicy:
        """A classic Front Door forwarding configuration's ``cacheConfiguration`` (None: caching off)."""
        if not isinstance(cache, dict):
            return cls.disabled("classic")
        return cls(enabled=True, flavour="classic",
                   query_mode=_CLASSIC_QUERY.get(member(cache, "queryParameterStripDirective") or "StripAll", IGNORE),
                   query_names=_names(member(cache, "queryParameters")),
                   compression=(member(cache, "dynamicCompression") or "Enabled") == "Enabled",
                   duration=duration_seconds(member(cache, "cacheDuration")))

    @classmethod
    def from_cdn_endpoint(cls, props: dict[str, Any]) -> CachePolicy:
        """A classic CDN endpoint's properties (caching is always on for General web delivery)."""
        listed = member(props, "contentTypesToCompress")
        types = frozenset(str(t).strip().lower() for t in listed) if isinstance(listed, list) and listed \
            else DEFAULT_COMPRESSIBLE
        return cls(enabled=True, flavour="cdn",
                   query_mode=_CDN_QUERY.get(member(props, "queryStringCachingBehavior") or "", IGNORE),
                   compression=bool(member(props, "isCompressionEnabled", False)), compress_types=types,
                   methods=frozenset({"GET", "HEAD"}), default_ttl=lambda: 2 * DAY)

    # -- rules engine overrides -------------------------------------------------------------------------------

    def with_rules(self, over: CacheOverride | None) -> CachePolicy:
        """Fold a rules-engine outcome's cache decisions in: a route configuration override replaces the caching
        configuration (no configuration = caching off); CacheExpiration and CacheKeyQueryString adjust it."""
        if over is None or over.empty:
            return self
        policy = self
        if over.replaced:
            if over.flavour == "classic":
                policy = CachePolicy.from_classic(over.configuration)
            else:
                base = CachePolicy.from_afd_route(over.configuration)
                # a rule's override keeps the route's compressible types (the override has only an on/off flag)
                policy = replace(base, compress_types=self.compress_types, methods=self.methods,
                                 default_ttl=self.default_ttl) if base.enabled else base
        if over.expiration is not None:
            behaviour, seconds = over.expiration
            if behaviour == "BypassCache":
                policy = replace(policy, bypass=True)
            elif behaviour == "Override":
                policy = replace(policy, behaviour=OVERRIDE, duration=seconds)
            elif behaviour == "SetIfMissing":
                policy = replace(policy, behaviour=IF_MISSING, duration=seconds)
        if over.key_query is not None:
            mode, names = over.key_query
            policy = replace(policy, query_mode=_RULE_QUERY.get(mode, policy.query_mode),
                             query_names=frozenset(names))
        return policy

    # -- the cache key ---------------------------------------------------------------------------------------

    def caches(self, method: str, query: str) -> bool:
        """Whether this request may be answered from / stored in the cache at all."""
        if not self.enabled or self.bypass or method.upper() not in self.methods:
            return False
        return not (self.query_mode == BYPASS and query != "")

    def key_query(self, query: str) -> str:
        """The query-string part of the cache key: parameters in a canonical order (Azure: "the order of the query
        string parameters doesn't matter"), filtered by the query mode; "" when the query is ignored."""
        if self.query_mode in (IGNORE, BYPASS) or not query:
            return ""
        pairs = parse_qsl(query, keep_blank_values=True)
        if self.query_mode == EXCLUDE:
            pairs = [(k, v) for k, v in pairs if k not in self.query_names]
        elif self.query_mode == INCLUDE:
            pairs = [(k, v) for k, v in pairs if k in self.query_names]
        pairs.sort()
        return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)

    def cache_key(self, host: str, path: str, query: str) -> str:
        """``host`` + path (as received) + ``?query`` when the query is part of the key, e.g.
        ``contoso.com/foo/image/asset.html?language=EN&sessionid=200``."""
        q = self.key_query(query)
        return f"{host.lower()}{path}" + (f"?{q}" if q else "")

    def compressible(self, content_type: str | None) -> bool:
        if not self.compression or not content_type:
            return False
        return content_type.split(";", 1)[0].strip().lower() in self.compress_types
