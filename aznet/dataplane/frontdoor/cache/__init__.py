"""The edge cache (issue 15, "Caching"): pure, no sockets or asyncio; the only I/O is the optional disk tier.

- ``CachePolicy.from_afd_route(route_props.get("cacheConfiguration"))`` / ``from_classic(...)`` /
  ``from_cdn_endpoint(endpoint_props)``, then ``.with_rules(outcome.cache)`` for the rules engine's overrides;
- ``EdgeCache()`` (``AZNET_EDGE_CACHE_BYTES``, optional ``AZNET_EDGE_CACHE_DIR`` + ``AZNET_EDGE_CACHE_DISK_BYTES``):
  ``lookup`` / ``complete`` around the origin fetch, ``purge``, ``prefetch_requests``; see edge_cache.py."""

from .edge_cache import EdgeCache, Lookup
from .freshness import CONFIG_NOCACHE, PRIVATE_NOSTORE, TCP_HIT, TCP_MISS, TCP_REMOTE_HIT, UNCACHEABLE
from .policy import DEFAULT_COMPRESSIBLE, CachePolicy
from .store import purge_matcher

__all__ = ["CONFIG_NOCACHE", "DEFAULT_COMPRESSIBLE", "PRIVATE_NOSTORE", "TCP_HIT", "TCP_MISS", "TCP_REMOTE_HIT",
           "UNCACHEABLE", "CachePolicy", "EdgeCache", "Lookup", "purge_matcher"]
