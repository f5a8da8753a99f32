"""Object chunking: a cached request fetches the object from the origin in 8 MB ranges and assembles it; origins
that ignore or mishandle Range still give the whole object (pure)."""

from __future__ import annotations

from aznet.dataplane.frontdoor.cache import TCP_HIT, CachePolicy, EdgeCache
from aznet.dataplane.frontdoor.cache.chunks import CHUNK, ChunkedFetch
from aznet.dataplane.frontdoor.exchange import EdgeResponse

from .core_support import request

POLICY = CachePolicy.from_afd_route({})


class RangeOrigin:
    """An origin that honours single byte ranges (or ignores them, or lies about them)."""

    def __init__(self, body: bytes, mode: str = "ranges") -> None:
        self.body, self.mode = body, mode
        self.asked: list[str | None] = []

    def __call__(self, headers: list[tuple[str, str]]) -> EdgeResponse:
        rng = next((v for k, v in headers if k.lower() == "range"), None)
        self.asked.append(rng)
        base = [("Content-Type", "application/octet-stream"), ("Cache-Control", "max-age=600")]
        if rng is None or self.mode == "ignore":
            return EdgeResponse(200, base, self.body)
        a, b = (int(x) for x in rng.removeprefix("bytes=").split("-"))
        b = min(b, len(self.body) - 1)
        claimed = f"bytes {a}-{b}/{len(self.body)}" if self.mode == "ranges" else f"bytes 0-{b - a}/{len(self.body)}"
        return EdgeResponse(206, [*base, ("Content-Range", claimed)], self.body[a:b + 1])


def fetch(cache: EdgeCache, origin: RangeOrigin, req) -> EdgeResponse:  # noqa: ANN001
    look = cache.lookup("s", req, POLICY)
    if look.response is not None:
        return look.response
    answer = origin(look.origin_headers(req.headers, chunked=True))
    while (whole := look.feed(answer)) is None:
        answer = origin(look.origin_headers(req.headers, chunked=True))
    return cache.complete(look, req, whole)


def test_small_chunk_size_assembles_the_object_from_ranges() -> None:
    body = bytes(range(256)) * 100
    state = ChunkedFetch(chunk=10_000)
    origin = RangeOrigin(body)
    got = None
    while got is None:
        got = state.feed(origin([("Range", state.range_header())]))
    assert got.status == 200 and got.body == body and got.header("Content-Range") is None
    assert origin.asked == ["bytes=0-9999", "bytes=10000-19999", "bytes=20000-25599"]


def test_large_object_is_fetched_in_8_mb_chunks_then_served_from_cache() -> None:
    body = (b"0123456789abcdef" * (CHUNK // 16)) + b"tail" * 1000   # 8 MB + 4000 bytes
    origin = RangeOrigin(body)
    cache = EdgeCache(64 << 20)
    out = fetch(cache, origin, request("/big.bin"))
    assert out.status == 200 and out.body == body and out.header("X-Cache") == "TCP_MISS"
    assert origin.asked == [f"bytes=0-{CHUNK - 1}", f"bytes={CHUNK}-{len(body) - 1}"]
    part = fetch(cache, origin, request("/big.bin", headers=[("Range", f"bytes={CHUNK}-{CHUNK + 3}")]))
    assert part.status == 206 and part.body == b"tail" and part.header("X-Cache") == TCP_HIT
    assert len(origin.asked) == 2


def test_small_object_in_one_ranged_request() -> None:
    origin = RangeOrigin(b"small object")
    cache = EdgeCache(1 << 20)
    out = fetch(cache, origin, request("/s"))
    assert out.status == 200 and out.body == b"small object" and origin.asked == [f"bytes=0-{CHUNK - 1}"]
    assert fetch(cache, origin, request("/s")).header("X-Cache") == TCP_HIT


def test_origin_that_ignores_range_gives_the_object() -> None:
    origin = RangeOrigin(b"whole", mode="ignore")
    out = fetch(EdgeCache(1 << 20), origin, request("/w"))
    assert out.body == b"whole" and len(origin.asked) == 1


def test_origin_with_a_wrong_content_range_is_asked_again_without_range() -> None:
    body = bytes(CHUNK + 10)
    origin = RangeOrigin(body, mode="lie")
    out = fetch(EdgeCache(64 << 20), origin, request("/lie"))
    assert out.status == 200 and out.body == body
    assert origin.asked == [f"bytes=0-{CHUNK - 1}", f"bytes={CHUNK}-{CHUNK + 9}", None]


def test_without_chunking_the_origin_headers_carry_no_range() -> None:
    cache = EdgeCache(1 << 20)
    look = cache.lookup("s", request("/n", headers=[("Range", "bytes=0-1")]), POLICY)
    assert all(k.lower() != "range" for k, _ in look.origin_headers([("Range", "bytes=0-1")]))
    assert look.feed(EdgeResponse(200, [], b"x")).body == b"x"
    off = cache.lookup("s", request("/n"), CachePolicy.from_afd_route(None))
    assert off.origin_headers([("Range", "bytes=0-1")], chunked=True) == [("Range", "bytes=0-1")]
