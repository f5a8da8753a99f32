"""The cache as the edge shell calls it: ``lookup`` before the origin, ``complete`` after it, ``purge`` from the
control plane's purge action, ``prefetch_requests`` for CDN ``load``.

    look = cache.lookup(scope, req, policy)
    if look.response is not None:                 # TCP_HIT: send it
        return look.response
    origin_headers = look.origin_headers(headers_for_origin)   # drops Range/validators/Accept* when caching
    origin = await fetch(..., origin_headers)
    return cache.complete(look, req, origin)      # stores it when allowed; X-Cache, ranges, compression applied

Responses the cache builds carry ``Content-Length`` for their body (for HEAD: the length a GET would have) and
never ``Transfer-Encoding``; the shell frames them as they are.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from sys import intern

from ..exchange import EdgeRequest, EdgeResponse
from ..pages import REASONS
from . import compression, ranges
from .chunks import ChunkedFetch
from .freshness import CONFIG_NOCACHE, TCP_HIT, TCP_MISS, UNCACHEABLE, decide
from .policy import CachePolicy
from .store import DiskTier, Entry, ObjectStore

DEFAULT_BYTES = 256 * 1024 * 1024
DEFAULT_DISK_BYTES = 1024 * 1024 * 1024
MAX_OBJECT = 64 * 1024 * 1024

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "content-length", "x-cache", "age"})
# request headers not forwarded to the origin when caching is enabled ("Caching with Azure Front Door": Content-
# Length, Transfer-Encoding, Accept, Accept-Charset, Accept-Language), plus those the cache itself answers for
# (it fetches the full object: no Range, no client validators).
SHARED_VALUES = frozenset({"content-type", "cache-control", "server", "accept-ranges", "vary", "content-encoding",
                           "x-powered-by", "access-control-allow-origin", "content-language", "connection"})
_CONDITIONAL = frozenset({"accept-encoding", "range", "if-range", "if-none-match", "if-modified-since"})
NOT_FORWARDED = frozenset({"accept", "accept-charset", "accept-language", "range", "if-range", "if-none-match",
                           "if-modified-since", "if-match", "if-unmodified-since"})


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(slots=True)
class Lookup:
    scope: str
    policy: CachePolicy
    key: str | None  # None: the request is not cached (see x_cache)
    x_cache: str  # TCP_HIT for a hit; CONFIG_NOCACHE / UNCACHEABLE when not cached; TCP_MISS otherwise
    response: EdgeResponse | None = None
    chunks: ChunkedFetch | None = None  # set by origin_headers(..., chunked=True)

    @property
    def cacheable(self) -> bool:
        return self.key is not None

    @property
    def hit(self) -> bool:
        return self.response is not None

    def origin_headers(self, headers: list[tuple[str, str]], *, chunked: bool = False) -> list[tuple[str, str]]:
        """The request headers to send to the origin: for a cached request without the ones caching does not
        forward; unchanged otherwise. With ``chunked`` (a shell that loops with ``feed``) a cached GET asks for
        the object in 8 MB ranges, as Front Door does:

            origin = fetch(look.origin_headers(h, chunked=True))
            while (whole := look.feed(origin)) is None:
                origin = fetch(look.origin_headers(h, chunked=True))
            return cache.complete(look, req, whole)
        """
        if self.key is None:
            return list(headers)
        out = [(k, v) for k, v in headers if k.lower() not in NOT_FORWARDED]
        if chunked:
            if self.chunks is None:
                self.chunks = ChunkedFetch()
            rng = self.chunks.range_header()
            if rng:
                out.append(("Range", rng))
        return out

    def feed(self, origin: EdgeResponse) -> EdgeResponse | None:
        """One origin answer of a chunked fetch: the whole object once assembled, None while another chunk (or a
        plain re-fetch) is needed. Without chunking the answer is the object."""
        if self.chunks is None:
            return origin
        return self.chunks.feed(origin)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    low = name.lower()
    for k, v in headers:
        if k.lower() == low:
            return v
    return None


def _http_date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class EdgeCache:
    def __init__(self, max_bytes: int | None = None, *, disk_dir: str | None = None, disk_bytes: int | None = None,
                 max_object: int | None = None, clock: Callable[[], float] = time.time) -> None:
        max_bytes = max_bytes or _env_int("AZNET_EDGE_CACHE_BYTES", DEFAULT_BYTES)
        disk_dir = disk_dir or os.environ.get("AZNET_EDGE_CACHE_DIR") or None
        disk = None
        if disk_dir:
            disk = DiskTier(disk_dir, disk_bytes or _env_int("AZNET_EDGE_CACHE_DISK_BYTES", DEFAULT_DISK_BYTES), clock)
        self.clock = clock
        self.store = ObjectStore(max_bytes, max_object or min(MAX_OBJECT, max_bytes), disk, clock)
        self.hits = 0
        self.misses = 0
        self.hit_bytes = 0
        self.total_bytes = 0

    # -- request path ----------------------------------------------------------------------------------------

    def lookup(self, scope: str, req: EdgeRequest, policy: CachePolicy) -> Lookup:
        if not policy.enabled or policy.bypass or not policy.caches("GET", req.query):
            return Lookup(scope, policy, None, CONFIG_NOCACHE)
        if not policy.caches(req.method, req.query):
            return Lookup(scope, policy, None, UNCACHEABLE)
        key = policy.cache_key(req.host, req.path, req.query)
        entry = self.store.get(scope, key)
        if entry is not None and entry.vary and entry.vary_values != self._vary_values(req, entry.vary):
            entry = None
        if entry is None:
            self.misses += 1
            return Lookup(scope, policy, key, TCP_MISS)
        self.hits += 1
        resp = self._respond(entry, req, policy, TCP_HIT)
        self.hit_bytes += len(resp.body)
        self.total_bytes += len(resp.body)
        return Lookup(scope, policy, key, TCP_HIT, resp)

    def quick(self, scope: str, key: str, policy: CachePolicy) -> Entry | None:
        """A hit for a plain GET (no Range, no validators, the edge's own path decided it may skip everything
        else, ``hits``): the stored object when its answer does not depend on the request (no Vary, nothing to
        encode or decode for Accept-Encoding), with its head pre-rendered in ``entry.rendered``; None: ask
        ``lookup``. Counted as ``lookup`` counts a hit."""
        entry = self.store.get(scope, key)
        if entry is None or entry.vary:
            return None
        r = entry.rendered
        if r is None or r[0] is not policy:
            r = self._render(entry, policy)
            self.store.keep_rendered(entry, r)
        if r[1] is None:
            return None
        self.hits += 1
        n = len(entry.body)
        self.hit_bytes += n
        self.total_bytes += n
        return entry

    @staticmethod
    def _render(entry: Entry, policy: CachePolicy) -> tuple[CachePolicy, bytes | None, bytes]:
        """The head ``_respond`` builds for a plain GET hit, as bytes around its two per-request values (Age and
        X-Azure-Ref): ``<status line and stored headers>Age: `` and ``<Vary>Content-Length, X-Cache: TCP_HIT,
        X-Azure-Ref: ``."""
        ctype = _header(entry.headers, "content-type")
        compressible = entry.status == 200 and policy.compressible(ctype)
        if entry.encoding or (compressible and compression.eligible_size(len(entry.body))):
            return policy, None, b""        # the answer depends on the request's Accept-Encoding
        lines = [f"HTTP/1.1 {entry.status} {REASONS.get(entry.status, 'Unknown')}\r\n"]
        lines.extend(f"{k}: {v}\r\n" for k, v in entry.headers)
        lines.append("Age: ")
        tail = "\r\n"
        if compressible and not _header(entry.headers, "vary"):
            tail += "Vary: Accept-Encoding\r\n"
        tail += f"Content-Length: {len(entry.body)}\r\nX-Cache: {TCP_HIT}\r\nX-Azure-Ref: "
        return policy, "".join(lines).encode("latin-1"), tail.encode("latin-1")

    def complete(self, look: Lookup, req: EdgeRequest, origin: EdgeResponse) -> EdgeResponse:
        """The client's response to a miss (or an uncached request): stores the origin's response when it may
        be stored, then answers from it with ranges and compression applied."""
        now = self.clock()
        policy = look.policy
        if look.key is None:
            out = self._passthrough(origin, req, policy, look.x_cache)
        elif req.method.upper() != "GET":  # a HEAD miss (CDN): the origin's answer has no body to keep
            out = self._passthrough(origin, req, policy, TCP_MISS)
        else:
            verdict = decide(policy, req.method, origin.status, origin.headers, now)
            encoding = (_header(origin.headers, "content-encoding") or "").strip().lower()
            partial = origin.status == 206
            if verdict.x_cache == TCP_MISS:
                # a cacheable response loses Set-Cookie (one that expires at once, max-age=0, keeps it). Header
                # names, the values that repeat across objects, the scope and the host are interned: 100k objects
                # then share one copy of "Content-Type", "text/html", ... instead of holding their own.
                headers = [(intern(k), intern(v) if k.lower() in SHARED_VALUES and len(v) <= 128 else v)
                           for k, v in origin.headers if k.lower() not in HOP_BY_HOP
                           and not (verdict.store and k.lower() == "set-cookie")]
                vary = tuple(sorted({v.strip().lower() for line in (_header(origin.headers, "vary") or "").split(",")
                                     if (v := line.strip()) and v.lower() != "accept-encoding"}))
                entry = Entry(intern(look.scope), look.key, intern(req.host.lower()), req.path, origin.status, headers,
                              origin.body,
                              "" if encoding == "identity" else encoding, now, now + verdict.ttl, vary,
                              self._vary_values(req, vary))
                if verdict.store and not partial and req.method.upper() == "GET":
                    self.store.put(entry)
                out = self._respond(entry, req, policy, TCP_MISS)
            else:
                out = self._passthrough(origin, req, policy, verdict.x_cache, ranged=True)
        self.total_bytes += len(out.body)
        return out

    # -- purge and prefetch ----------------------------------------------------------------------------------

    def purge(self, scope: str, content_paths: Iterable[str], domains: Iterable[str] | None = None) -> int:
        """Remove what Azure's purge contentPaths name (see store.purge_matcher); returns the objects removed."""
        return self.store.purge(scope, content_paths, domains)

    def purge_hosts(self, hosts: Iterable[str], content_paths: Iterable[str]) -> int:
        """Purge by domain whatever scope cached it (the purge action names the endpoint's domains)."""
        return self.store.purge(None, content_paths, list(hosts))

    def drop_scope(self, scope: str) -> None:
        self.store.drop_scope(scope)

    @staticmethod
    def prefetch_requests(host: str, content_paths: Iterable[str], *, scheme: str = "https", server_port: int = 443
                          ) -> list[EdgeRequest]:
        """GET requests that load the given paths into the cache (CDN endpoint ``load``: file paths only). The
        shell sends each through its normal request path (lookup, origin, complete)."""
        out = []
        for p in content_paths:
            path, _, query = p.partition("?")
            out.append(EdgeRequest("GET", scheme, host.lower(), path, query,
                                   [("Host", host), ("User-Agent", "aznet-edge-prefetch")],
                                   "127.0.0.1", 0, "127.0.0.1", server_port))
        return out

    def stats(self) -> dict[str, int]:
        return {"objects": len(self.store), "bytes": self.store.bytes, "hits": self.hits, "misses": self.misses,
                "evictions": self.store.evictions, "hitBytes": self.hit_bytes, "totalBytes": self.total_bytes}

    # -- building the client's response -------------------------------------------------------------------------

    @staticmethod
    def _vary_values(req: EdgeRequest, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(",".join(req.header_all(n)) for n in names)

    def _identity(self, entry: Entry) -> bytes | None:
        if not entry.encoding:
            return entry.body
        cached = entry.variants.get("identity")
        if cached is not None:
            return cached
        plain = compression.decode(entry.body, entry.encoding)
        if plain is not None:
            self.store.grow(entry, plain, "identity")
        return plain

    def _respond(self, entry: Entry, req: EdgeRequest, policy: CachePolicy, x_cache: str) -> EdgeResponse:
        headers = list(entry.headers)
        if x_cache == TCP_HIT:
            age = max(0, int(self.clock() - entry.stored_at))
            headers.append(("Age", str(age)))
        status = entry.status
        hv: dict[str, str] = {}  # the request headers this answer depends on, found in one pass
        for k, v in req.headers:
            low = k.lower()
            if low in _CONDITIONAL and low not in hv:
                hv[low] = v
        accept = hv.get("accept-encoding")
        ctype = _header(headers, "content-type")
        compressible = entry.status == 200 and policy.compressible(ctype)
        if compressible and not _header(headers, "vary"):
            headers.append(("Vary", "Accept-Encoding"))

        not_modified = self._not_modified(hv, entry) if entry.status == 200 and hv else False
        range_spec = hv.get("range") if entry.status == 200 and req.method.upper() in ("GET", "HEAD") else None
        body: bytes = entry.body
        coding = entry.encoding
        if not_modified:
            status, body = 304, b""
            keep = {"cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified", "age"}
            headers = [(k, v) for k, v in headers if k.lower() in keep]
        elif range_spec is not None and (plain := self._identity(entry)) is not None and \
                (wanted := ranges.parse(range_spec, len(plain))) is not None and \
                self._if_range(hv.get("if-range"), entry):
            headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
            status, extra, body = ranges.slice_response(plain, wanted, ctype)
            if any(k == "Content-Type" for k, _ in extra):
                headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers += extra
            coding = ""
        elif coding and not compression.acceptable(accept, coding):
            plain = self._identity(entry)
            if plain is not None:
                body, coding = plain, ""
                headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
        elif not coding and compressible and compression.eligible_size(len(entry.body)):
            want = compression.choose(accept)
            if want is not None:
                packed = entry.variants.get(want)
                if packed is None:
                    packed = compression.encode(entry.body, want)
                    self.store.grow(entry, packed, want)
                body, coding = packed, want
                headers.append(("Content-Encoding", want))
        if status != 304 and range_spec is not None and status == 200:
            headers.append(("Accept-Ranges", "bytes"))
        if status != 304:
            headers.append(("Content-Length", str(len(body))))
        headers.append(("X-Cache", x_cache))
        if req.method.upper() == "HEAD":
            body = b""
        return EdgeResponse(status, headers, body)

    def _passthrough(self, origin: EdgeResponse, req: EdgeRequest, policy: CachePolicy, x_cache: str,
                     ranged: bool = False) -> EdgeResponse:
        """An origin response that is not stored, with compression when the route compresses (compression is
        part of caching in Azure: only a caching route compresses). ``ranged``: the cache asked the origin for the
        full object, so the client's Range is applied here."""
        headers = [(k, v) for k, v in origin.headers if k.lower() not in HOP_BY_HOP]
        body = origin.body
        status = origin.status
        ctype = _header(headers, "content-type")
        spec = req.header("range") if ranged and status == 200 and not _header(headers, "content-encoding") else None
        wanted = ranges.parse(spec, len(body)) if spec is not None else None
        if wanted is not None:
            status, extra, body = ranges.slice_response(body, wanted, ctype)
            if any(k == "Content-Type" for k, _ in extra):
                headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers += extra
        elif origin.status == 200 and policy.enabled and policy.compressible(ctype) and \
                not _header(headers, "content-encoding") and compression.eligible_size(len(body)) and \
                req.method.upper() != "HEAD" and not req.header("range"):
            want = compression.choose(req.header("accept-encoding"))
            if want is not None:
                body = compression.encode(body, want)
                headers.append(("Content-Encoding", want))
                if not _header(headers, "vary"):
                    headers.append(("Vary", "Accept-Encoding"))
        if req.method.upper() != "HEAD" or origin.body:
            headers.append(("Content-Length", str(len(body))))
        else:
            length = _header(origin.headers, "content-length")
            if length is not None:
                headers.append(("Content-Length", length))
        headers.append(("X-Cache", x_cache))
        return EdgeResponse(status, headers, body)

    @staticmethod
    def _not_modified(hv: dict[str, str], entry: Entry) -> bool:
        inm = hv.get("if-none-match")
        if inm is not None:
            etag = _header(entry.headers, "etag")
            if etag is None:
                return False
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or etag.strip().removeprefix("W/") in tags
        ims = _http_date(hv.get("if-modified-since"))
        if ims is None:
            return False
        lm = _http_date(_header(entry.headers, "last-modified"))
        return lm is not None and lm <= ims

    @staticmethod
    def _if_range(cond: str | None, entry: Entry) -> bool:
        if cond is None:
            return True
        etag = _header(entry.headers, "etag")
        if cond.strip().startswith(("\"", "W/")):
            return etag is not None and not cond.strip().startswith("W/") and cond.strip() == etag.strip()
        lm = _http_date(_header(entry.headers, "last-modified"))
        when = _http_date(cond)
        return lm is not None and when is not None and lm <= when
