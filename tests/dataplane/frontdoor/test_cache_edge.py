"""EdgeCache: hits and misses, X-Cache values, freshness, Set-Cookie, ranges, compression, purge, LRU bounds
and the disk tier (pure; a fake clock instead of sleeping)."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest

from aznet.dataplane.frontdoor.cache import (
    CONFIG_NOCACHE,
    PRIVATE_NOSTORE,
    TCP_HIT,
    TCP_MISS,
    UNCACHEABLE,
    CachePolicy,
    EdgeCache,
)
from aznet.dataplane.frontdoor.exchange import EdgeResponse

from .core_support import HOST, request, response

SCOPE = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cdn/profiles/p/afdEndpoints/ep"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def roundtrip(cache: EdgeCache, policy: CachePolicy, req, origin: EdgeResponse | None) -> EdgeResponse:  # noqa: ANN001
    """What the shell does: a hit answers; a miss asks the origin (None here = the test expects a hit)."""
    look = cache.lookup(SCOPE, req, policy)
    if look.response is not None:
        return look.response
    assert origin is not None, f"expected a hit, got {look.x_cache}"
    return cache.complete(look, req, origin)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> EdgeCache:
    return EdgeCache(1 << 20, clock=clock)


CACHING = CachePolicy.from_afd_route({"queryStringCachingBehavior": "IgnoreQueryString"})


def test_second_request_is_a_hit(cache: EdgeCache) -> None:
    first = roundtrip(cache, CACHING, request("/a.js"), response(body=b"one", cache_control="max-age=60"))
    assert first.header("X-Cache") == TCP_MISS and first.body == b"one"
    second = roundtrip(cache, CACHING, request("/a.js"), None)
    assert second.header("X-Cache") == TCP_HIT and second.body == b"one" and second.header("Age") == "0"
    assert second.header("Content-Length") == "3"


def test_ignore_query_string_serves_other_queries_from_cache_and_use_query_string_does_not(
        cache: EdgeCache) -> None:
    roundtrip(cache, CACHING, request("/p", "v=1"), response(body=b"v1", cache_control="max-age=60"))
    assert roundtrip(cache, CACHING, request("/p", "v=2"), None).body == b"v1"
    use = CachePolicy.from_afd_route({"queryStringCachingBehavior": "UseQueryString"})
    roundtrip(cache, use, request("/u", "v=1"), response(body=b"v1", cache_control="max-age=60"))
    look = cache.lookup(SCOPE, request("/u", "v=2"), use)
    assert look.x_cache == TCP_MISS and look.response is None
    assert cache.lookup(SCOPE, request("/u", "v=1"), use).x_cache == TCP_HIT


def test_disabled_caching_is_config_nocache_and_forwards_headers_untouched(cache: EdgeCache) -> None:
    off = CachePolicy.from_afd_route(None)
    look = cache.lookup(SCOPE, request("/a", headers=[("Range", "bytes=0-1"), ("Accept", "*/*")]), off)
    assert look.x_cache == CONFIG_NOCACHE and not look.cacheable
    assert look.origin_headers([("Range", "bytes=0-1"), ("Accept", "*/*")]) == [("Range", "bytes=0-1"),
                                                                                  ("Accept", "*/*")]
    out = cache.complete(look, request("/a"), response(body=b"x", cache_control="max-age=60"))
    assert out.header("X-Cache") == CONFIG_NOCACHE
    assert cache.lookup(SCOPE, request("/a"), off).x_cache == CONFIG_NOCACHE


def test_cached_request_drops_headers_azure_does_not_forward(cache: EdgeCache) -> None:
    look = cache.lookup(SCOPE, request("/a"), CACHING)
    sent = look.origin_headers([("Accept", "*/*"), ("Accept-Language", "fr"), ("Range", "bytes=1-2"),
                                ("If-None-Match", '"x"'), ("Accept-Encoding", "gzip"), ("X-Custom", "1")])
    assert sent == [("Accept-Encoding", "gzip"), ("X-Custom", "1")]


def test_post_is_never_cached(cache: EdgeCache) -> None:
    look = cache.lookup(SCOPE, request("/a", method="POST"), CACHING)
    assert look.x_cache == UNCACHEABLE and not look.cacheable
    out = cache.complete(look, request("/a", method="POST"), response(body=b"r", cache_control="max-age=60"))
    assert out.header("X-Cache") == UNCACHEABLE
    assert cache.lookup(SCOPE, request("/a"), CACHING).x_cache == TCP_MISS


@pytest.mark.parametrize(("cc", "x_cache"), [
    ("private, max-age=60", PRIVATE_NOSTORE), ("no-store", PRIVATE_NOSTORE), ("no-cache", UNCACHEABLE)])
def test_private_no_store_no_cache_are_honoured_even_with_override(cache: EdgeCache, cc: str, x_cache: str) -> None:
    override = CachePolicy.from_afd_route({"cacheBehavior": "OverrideAlways", "cacheDuration": "1.00:00:00"})
    out = roundtrip(cache, override, request("/p"), response(body=b"secret", cache_control=cc))
    assert out.header("X-Cache") == x_cache
    assert cache.lookup(SCOPE, request("/p"), override).x_cache == TCP_MISS


def test_set_cookie_is_stripped_from_cacheable_responses_only(cache: EdgeCache) -> None:
    out = roundtrip(cache, CACHING, request("/c"), response(body=b"c", cache_control="max-age=60", set_cookie="s=1"))
    assert out.header("Set-Cookie") is None and out.header("X-Cache") == TCP_MISS
    assert roundtrip(cache, CACHING, request("/c"), None).header("Set-Cookie") is None
    private = roundtrip(cache, CACHING, request("/d"), response(body=b"d", cache_control="private", set_cookie="s=1"))
    assert private.header("Set-Cookie") == "s=1"


def test_ttl_from_s_maxage_then_max_age_then_expires(cache: EdgeCache, clock: Clock) -> None:
    roundtrip(cache, CACHING, request("/s"), response(body=b"s", cache_control="max-age=1000, s-maxage=10"))
    clock.now += 11
    assert cache.lookup(SCOPE, request("/s"), CACHING).x_cache == TCP_MISS
    roundtrip(cache, CACHING, request("/m"), response(body=b"m", cache_control="max-age=100"))
    clock.now += 50
    assert cache.lookup(SCOPE, request("/m"), CACHING).x_cache == TCP_HIT
    clock.now += 51
    assert cache.lookup(SCOPE, request("/m"), CACHING).x_cache == TCP_MISS
    roundtrip(cache, CACHING, request("/e"), response(body=b"e", date="Sun, 06 Nov 1994 08:49:37 GMT",
                                                      expires="Sun, 06 Nov 1994 08:50:37 GMT"))
    clock.now += 59
    assert cache.lookup(SCOPE, request("/e"), CACHING).x_cache == TCP_HIT
    clock.now += 2
    assert cache.lookup(SCOPE, request("/e"), CACHING).x_cache == TCP_MISS


def test_without_origin_ttl_front_door_keeps_one_to_three_days(cache: EdgeCache, clock: Clock) -> None:
    roundtrip(cache, CACHING, request("/n"), response(body=b"n"))
    clock.now += 86400 - 1
    assert cache.lookup(SCOPE, request("/n"), CACHING).x_cache == TCP_HIT
    clock.now += 2 * 86400 + 2
    assert cache.lookup(SCOPE, request("/n"), CACHING).x_cache == TCP_MISS


def test_override_always_and_if_missing(cache: EdgeCache, clock: Clock) -> None:
    always = CachePolicy.from_afd_route({"cacheBehavior": "OverrideAlways", "cacheDuration": "00:00:30"})
    roundtrip(cache, always, request("/o"), response(body=b"o", cache_control="max-age=3600"))
    missing = CachePolicy.from_afd_route({"cacheBehavior": "OverrideIfOriginMissing", "cacheDuration": "00:00:30"})
    roundtrip(cache, missing, request("/h"), response(body=b"h", cache_control="max-age=3600"))
    roundtrip(cache, missing, request("/i"), response(body=b"i"))
    clock.now += 31
    assert cache.lookup(SCOPE, request("/o"), always).x_cache == TCP_MISS
    assert cache.lookup(SCOPE, request("/h"), missing).x_cache == TCP_HIT
    assert cache.lookup(SCOPE, request("/i"), missing).x_cache == TCP_MISS


def test_classic_duration_is_a_minimum(cache: EdgeCache, clock: Clock) -> None:
    classic = CachePolicy.from_classic({"queryParameterStripDirective": "StripAll", "cacheDuration": "PT60S"})
    roundtrip(cache, classic, request("/short"), response(body=b"s", cache_control="max-age=10"))
    roundtrip(cache, classic, request("/long"), response(body=b"l", cache_control="max-age=600"))
    clock.now += 61
    assert cache.lookup(SCOPE, request("/short"), classic).x_cache == TCP_MISS
    assert cache.lookup(SCOPE, request("/long"), classic).x_cache == TCP_HIT


def test_uncacheable_status_is_not_stored(cache: EdgeCache) -> None:
    out = roundtrip(cache, CACHING, request("/err"), response(500, b"boom", cache_control="max-age=60"))
    assert out.status == 500 and out.header("X-Cache") == UNCACHEABLE
    gone = roundtrip(cache, CACHING, request("/gone"), response(410, b"gone", cache_control="max-age=60"))
    assert gone.header("X-Cache") == TCP_MISS
    assert cache.lookup(SCOPE, request("/gone"), CACHING).x_cache == TCP_HIT


def test_vary_on_a_request_header_keys_the_variant(cache: EdgeCache) -> None:
    roundtrip(cache, CACHING, request("/v", headers=[("X-Lang", "en")]),
              response(body=b"en", cache_control="max-age=60", vary="X-Lang"))
    assert roundtrip(cache, CACHING, request("/v", headers=[("X-Lang", "en")]), None).body == b"en"
    assert cache.lookup(SCOPE, request("/v", headers=[("X-Lang", "fr")]), CACHING).x_cache == TCP_MISS
    star = roundtrip(cache, CACHING, request("/star"), response(body=b"*", cache_control="max-age=60", vary="*"))
    assert star.header("X-Cache") == UNCACHEABLE


BIG = b"".join(b"line %05d of a compressible text body\n" % i for i in range(200))  # ~7.6 KB


def test_range_from_a_cached_full_object(cache: EdgeCache) -> None:
    roundtrip(cache, CACHING, request("/r"), response(body=BIG, cache_control="max-age=60",
                                                       content_type="text/plain"))
    part = roundtrip(cache, CACHING, request("/r", headers=[("Range", "bytes=5-14")]), None)
    assert part.status == 206 and part.body == BIG[5:15]
    assert part.header("Content-Range") == f"bytes 5-14/{len(BIG)}" and part.header("X-Cache") == TCP_HIT
    suffix = roundtrip(cache, CACHING, request("/r", headers=[("Range", "bytes=-4")]), None)
    assert suffix.body == BIG[-4:]
    beyond = roundtrip(cache, CACHING, request("/r", headers=[("Range", f"bytes={len(BIG)}-")]), None)
    assert beyond.status == 416 and beyond.header("Content-Range") == f"bytes */{len(BIG)}"
    multi = roundtrip(cache, CACHING, request("/r", headers=[("Range", "bytes=0-1,10-11")]), None)
    assert multi.status == 206 and multi.header("Content-Type").startswith("multipart/byteranges; boundary=")
    assert BIG[0:2] in multi.body and BIG[10:12] in multi.body
    bad = roundtrip(cache, CACHING, request("/r", headers=[("Range", "bytes=x-y")]), None)
    assert bad.status == 200 and bad.body == BIG


def test_range_on_a_miss_is_cut_from_the_full_origin_object(cache: EdgeCache) -> None:
    req = request("/rm", headers=[("Range", "bytes=0-3")])
    look = cache.lookup(SCOPE, req, CACHING)
    assert all(k.lower() != "range" for k, _ in look.origin_headers(req.headers))
    out = cache.complete(look, req, response(body=BIG, cache_control="max-age=60"))
    assert out.status == 206 and out.body == BIG[:4] and out.header("X-Cache") == TCP_MISS
    assert roundtrip(cache, CACHING, request("/rm"), None).body == BIG


COMPRESSING = CachePolicy.from_afd_route({"compressionSettings": {"isCompressionEnabled": True,
                                                                  "contentTypesToCompress": ["text/plain"]}})


def test_brotli_preferred_gzip_otherwise_identity_without_accept_encoding(cache: EdgeCache) -> None:
    miss = roundtrip(cache, COMPRESSING, request("/z", headers=[("Accept-Encoding", "gzip, deflate, br")]),
                     response(body=BIG, cache_control="max-age=60", content_type="text/plain"))
    assert miss.header("Content-Encoding") == "br" and brotli.decompress(miss.body) == BIG
    assert miss.header("Vary") == "Accept-Encoding"
    gz = roundtrip(cache, COMPRESSING, request("/z", headers=[("Accept-Encoding", "gzip")]), None)
    assert gz.header("Content-Encoding") == "gzip" and gzip.decompress(gz.body) == BIG
    assert gz.header("Content-Length") == str(len(gz.body)) and gz.header("X-Cache") == TCP_HIT
    plain = roundtrip(cache, COMPRESSING, request("/z"), None)
    assert plain.header("Content-Encoding") is None and plain.body == BIG
    refused = roundtrip(cache, COMPRESSING, request("/z", headers=[("Accept-Encoding", "br;q=0, gzip")]), None)
    assert refused.header("Content-Encoding") == "gzip"


def test_compression_limits_type_and_size(cache: EdgeCache) -> None:
    small = roundtrip(cache, COMPRESSING, request("/small", headers=[("Accept-Encoding", "gzip")]),
                      response(body=b"x" * 1023, cache_control="max-age=60", content_type="text/plain"))
    assert small.header("Content-Encoding") is None
    edge = roundtrip(cache, COMPRESSING, request("/kb", headers=[("Accept-Encoding", "gzip")]),
                     response(body=b"x" * 1024, cache_control="max-age=60", content_type="text/plain"))
    assert edge.header("Content-Encoding") == "gzip"
    image = roundtrip(cache, COMPRESSING, request("/img", headers=[("Accept-Encoding", "gzip")]),
                      response(body=BIG, cache_control="max-age=60", content_type="image/png"))
    assert image.header("Content-Encoding") is None
    big = EdgeCache(64 << 20)
    huge = b"y" * (8 * 1024 * 1024 + 1)
    out = roundtrip(big, COMPRESSING, request("/huge", headers=[("Accept-Encoding", "gzip")]),
                    response(body=huge, cache_control="max-age=60", content_type="text/plain"))
    assert out.header("Content-Encoding") is None and len(out.body) == len(huge)


def test_origin_encoded_object_is_decoded_for_a_client_that_does_not_accept_it(cache: EdgeCache) -> None:
    packed = gzip.compress(BIG)
    roundtrip(cache, COMPRESSING, request("/g", headers=[("Accept-Encoding", "gzip")]),
              response(body=packed, cache_control="max-age=60", content_type="text/plain", content_encoding="gzip"))
    same = roundtrip(cache, COMPRESSING, request("/g", headers=[("Accept-Encoding", "gzip")]), None)
    assert same.header("Content-Encoding") == "gzip" and same.body == packed
    plain = roundtrip(cache, COMPRESSING, request("/g"), None)
    assert plain.header("Content-Encoding") is None and plain.body == BIG


def test_purge_paths_wildcards_case_and_query_variants(cache: EdgeCache) -> None:
    use = CachePolicy.from_afd_route({"queryStringCachingBehavior": "UseQueryString"})
    for path, query in (("/pictures/city.png", "v=1"), ("/pictures/city.png", "v=2"), ("/pictures/x/y.png", ""),
                        ("/other.css", ""), ("/", "")):
        roundtrip(cache, use, request(path, query), response(body=b"b", cache_control="max-age=600"))
    assert cache.purge(SCOPE, ["/PICTURES/City.png"]) == 2
    assert cache.lookup(SCOPE, request("/pictures/city.png", "v=1"), use).x_cache == TCP_MISS
    assert cache.lookup(SCOPE, request("/pictures/x/y.png"), use).x_cache == TCP_HIT
    assert cache.purge(SCOPE, ["/pictures/*"]) == 1
    assert cache.lookup(SCOPE, request("/other.css"), use).x_cache == TCP_HIT
    assert cache.purge("another-endpoint", ["/*"]) == 0
    assert cache.purge(SCOPE, ["/*"], domains=["elsewhere.example"]) == 0
    assert cache.purge(SCOPE, ["/*"], domains=[HOST.upper()]) == 2
    assert cache.stats()["objects"] == 0


def test_lru_is_bounded_by_bytes(clock: Clock) -> None:
    cache = EdgeCache(64 * 1024, clock=clock)
    for i in range(40):
        roundtrip(cache, CACHING, request(f"/o{i}"), response(body=bytes(4000), cache_control="max-age=600"))
        assert cache.store.bytes <= 64 * 1024
    assert cache.stats()["evictions"] > 0
    assert cache.lookup(SCOPE, request("/o39"), CACHING).x_cache == TCP_HIT
    assert cache.lookup(SCOPE, request("/o0"), CACHING).x_cache == TCP_MISS


def test_recently_used_object_survives_eviction(clock: Clock) -> None:
    cache = EdgeCache(20 * 1024, clock=clock)
    roundtrip(cache, CACHING, request("/keep"), response(body=bytes(4000), cache_control="max-age=600"))
    for i in range(10):
        roundtrip(cache, CACHING, request(f"/f{i}"), response(body=bytes(4000), cache_control="max-age=600"))
        assert cache.lookup(SCOPE, request("/keep"), CACHING).x_cache == TCP_HIT


def test_object_larger_than_the_budget_is_served_but_not_stored(clock: Clock) -> None:
    cache = EdgeCache(8 * 1024, clock=clock)
    out = roundtrip(cache, CACHING, request("/big"), response(body=bytes(16 * 1024), cache_control="max-age=600"))
    assert out.header("X-Cache") == TCP_MISS and len(out.body) == 16 * 1024
    assert cache.lookup(SCOPE, request("/big"), CACHING).x_cache == TCP_MISS and cache.store.bytes == 0


def test_disk_tier_takes_evicted_objects_and_gives_them_back(tmp_path: Path, clock: Clock) -> None:
    cache = EdgeCache(16 * 1024, disk_dir=str(tmp_path), disk_bytes=1 << 20, clock=clock)
    for i in range(12):
        roundtrip(cache, CACHING, request(f"/d{i}"), response(body=bytes([i]) * 4000, cache_control="max-age=600",
                                                              etag=f'"e{i}"'))
    own = cache.store.disk.dir
    assert cache.store.bytes <= 16 * 1024 and len(list(Path(own).iterdir())) > 0
    back = roundtrip(cache, CACHING, request("/d0"), None)
    assert back.header("X-Cache") == TCP_HIT and back.body == bytes([0]) * 4000 and back.header("ETag") == '"e0"'
    assert cache.purge(SCOPE, ["/*"]) == 12
    assert list(Path(own).iterdir()) == []


def test_disk_tier_keeps_to_its_own_directory(tmp_path: Path) -> None:
    mine = tmp_path / "keep.obj"
    mine.write_bytes(b"not the cache's")
    gone = tmp_path / "edge-999999999-1"      # left by a process that no longer runs
    gone.mkdir()
    (gone / "x.obj").write_bytes(b"old")
    first = EdgeCache(4096, disk_dir=str(tmp_path), disk_bytes=1 << 20)
    second = EdgeCache(4096, disk_dir=str(tmp_path), disk_bytes=1 << 20)
    assert mine.read_bytes() == b"not the cache's" and not gone.exists()
    assert first.store.disk.dir != second.store.disk.dir
    assert Path(first.store.disk.dir).is_dir() and Path(second.store.disk.dir).is_dir()


def test_conditional_request_on_a_hit(cache: EdgeCache) -> None:
    roundtrip(cache, CACHING, request("/etag"), response(body=b"tagged", cache_control="max-age=60", etag='"v1"',
                                                         last_modified="Sun, 06 Nov 1994 08:49:37 GMT"))
    nm = roundtrip(cache, CACHING, request("/etag", headers=[("If-None-Match", '"v1"')]), None)
    assert nm.status == 304 and nm.body == b"" and nm.header("ETag") == '"v1"' and nm.header("Content-Length") is None
    changed = roundtrip(cache, CACHING, request("/etag", headers=[("If-None-Match", '"v0"')]), None)
    assert changed.status == 200 and changed.body == b"tagged"
    ims = roundtrip(cache, CACHING, request("/etag", headers=[("If-Modified-Since",
                                                                 "Mon, 07 Nov 1994 08:49:37 GMT")]), None)
    assert ims.status == 304


def test_cdn_head_is_served_from_the_cached_get(cache: EdgeCache) -> None:
    cdn = CachePolicy.from_cdn_endpoint({})
    roundtrip(cache, cdn, request("/h"), response(body=b"0123456789", cache_control="max-age=60"))
    head = roundtrip(cache, cdn, request("/h", method="HEAD"), None)
    assert head.status == 200 and head.body == b"" and head.header("Content-Length") == "10"


def test_prefetch_requests_then_hits(cache: EdgeCache) -> None:
    reqs = EdgeCache.prefetch_requests(HOST, ["/a.js", "/b.css?v=1"])
    assert [(r.method, r.path, r.query) for r in reqs] == [("GET", "/a.js", ""), ("GET", "/b.css", "v=1")]
    for r in reqs:
        roundtrip(cache, CACHING, r, response(body=r.path.encode(), cache_control="max-age=60"))
    assert roundtrip(cache, CACHING, request("/a.js"), None).body == b"/a.js"


def test_purge_hosts_reaches_every_scope_of_the_domain(cache: EdgeCache) -> None:
    roundtrip(cache, CACHING, request("/a.css"), response(body=b"a", cache_control="max-age=600"))
    look = cache.lookup("other-scope", request("/a.css"), CACHING)
    cache.complete(look, request("/a.css"), response(body=b"b", cache_control="max-age=600"))
    roundtrip(cache, CACHING, request("/a.css", host="cdn.contoso.com"), response(body=b"c", cache_control="max-age=60"))
    assert cache.purge_hosts([HOST], ["/a.css"]) == 2
    assert cache.lookup(SCOPE, request("/a.css", host="cdn.contoso.com"), CACHING).x_cache == TCP_HIT
    assert cache.purge_hosts([], ["/*"]) == 0


def test_cdn_head_miss_passes_the_origin_length_through(cache: EdgeCache) -> None:
    cdn = CachePolicy.from_cdn_endpoint({})
    head = roundtrip(cache, cdn, request("/hm", method="HEAD"), response(body=b"", content_length="42",
                                                                         cache_control="max-age=60"))
    assert head.header("Content-Length") == "42" and head.header("X-Cache") == TCP_MISS
    assert cache.lookup(SCOPE, request("/hm"), cdn).x_cache == TCP_MISS   # nothing stored from a HEAD


def test_response_that_expires_at_once_is_not_stored_and_keeps_set_cookie(cache: EdgeCache) -> None:
    out = roundtrip(cache, CACHING, request("/login"), response(body=b"hi", cache_control="max-age=0",
                                                                set_cookie="auth=1"))
    assert out.header("Set-Cookie") == "auth=1" and out.header("X-Cache") == TCP_MISS
    assert cache.lookup(SCOPE, request("/login"), CACHING).x_cache == TCP_MISS
