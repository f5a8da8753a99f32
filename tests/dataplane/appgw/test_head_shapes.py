"""Head shapes (``frontend.HeadShape``, ``upstream.Shape``): a head parsed a second time is kept, and a read that
is exactly a kept head becomes the same request (or reply) the parser made of it, without the parser; anything
else goes through httptools as before. Driven through the real ``ClientConn`` and ``UpstreamConn`` with recording transports: each request or
reply is compared, field by field, with what httptools alone makes of the same bytes on a fresh connection."""

from __future__ import annotations

import asyncio
from typing import Any

from aznet.dataplane.appgw import frontend, upstream
from aznet.dataplane.appgw.frontend import (
    HEAD_SHAPES,
    HEADS_SEEN,
    MAX_HEAD_SHAPES,
    MAX_HEADS_SEEN,
    ClientConn,
    Request,
)
from aznet.dataplane.appgw.upstream import (
    MAX_SHAPES,
    SHAPES,
    SHAPES_SEEN,
    BackendError,
    Reply,
    UpstreamConn,
    UpstreamPool,
)

from .support import BACKEND_KEY, FakeTransport, ShellOwner, backend_conn


class _Owner(ShellOwner):
    """Takes every request on the hot path and answers it at once; keeps what it was given."""
    max_body = 1 << 20

    def __init__(self) -> None:
        self.got: list[Request] = []

    def now(self) -> float:
        return 1.0

    def fast_handle(self, conn: ClientConn, req: Request) -> bool:
        self.got.append(req)
        conn.finish(b"ok\n", req.keep_alive)
        return True

    async def gateway_handle(self, conn: ClientConn, req: Any) -> tuple[bytes, bool]:
        raise AssertionError("the fast handler takes every request")


def _fields(req: Request) -> tuple[Any, ...]:
    return (req.method, bytes(req.url), list(req.headers), bytes(req.body), req.version, req.keep_alive,
            req.hsize, req.upgrade, req.stream, req.h2_stream, req.started)


def _feed(*reads: bytes) -> list[Request]:
    """The requests one new connection hands to its owner for ``reads``."""
    async def run() -> list[Request]:
        owner = _Owner()
        conn = ClientConn(owner)
        conn.connection_made(FakeTransport())  # type: ignore[arg-type]
        for data in reads:
            conn.data_received(data)
        return owner.got
    return asyncio.run(run())


GET = b"GET /a/b?x=1 HTTP/1.1\r\nHost: shapes.example\r\nUser-Agent: t/1\r\nAccept: */*\r\nCookie: a=b; c=d\r\n\r\n"


def _fresh() -> None:
    HEAD_SHAPES.clear()
    HEADS_SEEN.clear()
    SHAPES.clear()
    SHAPES_SEEN.clear()


def test_a_head_seen_before_gives_the_same_request_without_the_parser() -> None:
    _fresh()
    heads = [GET, b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", b"GET / HTTP/1.0\r\nHost: h\r\n\r\n",
             b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
             b"GET /k HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
             b"GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Pad:   v  \r\n\r\n"]
    for head in heads:
        once = _feed(head)                        # parsed, only noted
        assert len(once) == 1 and once[0].shape is None and head not in HEAD_SHAPES
        first = _feed(head)                       # parsed a second time: its shape kept
        again = _feed(head, head) if first[0].keep_alive else _feed(head)
        assert len(first) == 1 and first[0].shape is not None and HEAD_SHAPES[head] is first[0].shape
        assert _fields(once[0]) == _fields(first[0])
        for req in again:
            assert req.shape is HEAD_SHAPES[head]     # from the shape: the parser was not fed
            assert _fields(req) == _fields(first[0])
            assert req.headers is not first[0].headers and req.url is not first[0].url   # each its own
    assert _fields(_feed(GET)[0])[2] == [("Host", "shapes.example"), ("User-Agent", "t/1"), ("Accept", "*/*"),
                                           ("Cookie", "a=b; c=d")]


def test_reads_that_are_not_exactly_one_plain_head_are_parsed_and_not_kept() -> None:
    """Each read three times (a plain head would be kept at the second)."""
    _fresh()
    post = b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
    got = _feed(post, post, post)
    assert [bytes(r.body) for r in got] == [b"abc", b"abc", b"abc"] and not HEAD_SHAPES
    empty_post = b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
    assert len(_feed(empty_post, empty_post, empty_post)) == 3 and not HEAD_SHAPES   # a body header: not kept
    split = _feed(GET[:20], GET[20:], GET[:20], GET[20:], GET[:20], GET[20:])
    assert len(split) == 3 and all(r.shape is None for r in split) and not HEAD_SHAPES
    two = _feed(GET + GET, GET + GET, GET + GET)   # pipelined: all answered, in order, nothing kept
    assert len(two) == 6 and not HEAD_SHAPES
    upgrade = b"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    for _ in range(3):
        _feed(upgrade)
    assert not HEAD_SHAPES
    bare_lf = b"GET / HTTP/1.1\r\nHost: h\n\r\n"
    for _ in range(3):
        _feed(bare_lf)
    assert bare_lf not in HEAD_SHAPES


def test_heads_that_all_differ_make_no_shapes() -> None:
    _fresh()
    reads = [b"GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: %d\r\n\r\n" % i for i in range(300)]
    got = _feed(*reads)
    assert [r.headers[1] for r in got] == [("X-Request-Id", str(i)) for i in range(300)]
    assert not HEAD_SHAPES and len(HEADS_SEEN) == 300
    _feed(*(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i for i in range(MAX_HEADS_SEEN + 10)))
    assert 0 < len(HEADS_SEEN) <= MAX_HEADS_SEEN


def test_a_known_head_that_continues_a_request_in_progress_is_parsed_as_such() -> None:
    """The parser holds the start of a request: a read that is a known head is the rest of that request."""
    _fresh()
    known = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
    assert _feed(known, known)[1].shape is not None and known in HEAD_SHAPES
    got = _feed(b"GET /first HTTP/1.1\r\nX-A: ", known)
    assert len(got) == 1 and got[0].shape is None
    assert bytes(got[0].url) == b"/first" and got[0].headers == [("X-A", "GET / HTTP/1.1"), ("Host", "h")]


def test_the_kept_heads_are_bounded() -> None:
    _fresh()
    reads = [b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i for i in range(MAX_HEAD_SHAPES * 2 + 5) for _ in range(2)]
    got = _feed(*reads)
    assert [bytes(r.url) for r in got] == [b"/%d" % (i // 2) for i in range(len(reads))]
    assert 0 < len(HEAD_SHAPES) <= MAX_HEAD_SHAPES
    long = b"GET /" + b"x" * frontend.MAX_SHAPE_HEAD + b" HTTP/1.1\r\nHost: h\r\n\r\n"
    assert len(_feed(long, long, long)) == 3 and long not in HEAD_SHAPES


# -- the backend side ---------------------------------------------------------------------------------------
def _replies(*reads: bytes, head: bool = False, stream: bool = True
             ) -> list[tuple[Reply | None, BackendError | None]]:
    """What one kept-alive backend connection hands to the hot path's callback (taken from its pool as the hot
    path takes it), one request per read (a read that does not end an answer is followed by the next read for
    the same request)."""
    async def run() -> list[tuple[Reply | None, BackendError | None]]:
        pool = UpstreamPool()
        conn = backend_conn(pool)
        out: list[tuple[Reply | None, BackendError | None]] = []

        def cb(reply: Reply | None, err: BackendError | None) -> None:
            out.append((reply, err))
        for data in reads:
            if conn.cb is None and not conn.closed:
                assert pool.take(BACKEND_KEY) in (conn, None)
                conn.expect(head, stream, cb)
            conn.data_received(data)
        return out
    return asyncio.run(run())


def _reply_fields(r: Reply | None) -> tuple[Any, ...]:
    assert r is not None
    return r.status, r.reason, list(r.headers), bytes(r.body), r.keep_alive, r.length, r.stream


OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: no-cache\r\nContent-Length: 10\r\n\r\nbackend ok"


def test_a_reply_head_seen_before_gives_the_same_reply_without_the_parser() -> None:
    _fresh()
    cases = [OK, b"HTTP/1.1 404 \r\nContent-Length: 2\r\n\r\nno", b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
             b"HTTP/1.1 201 Made\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
             b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\ny"]
    for data in cases:
        once = _replies(data)                       # parsed, only noted
        assert once[0][0] is not None and once[0][0].shape is None and not any(data.startswith(k) for k in SHAPES)
        first = _replies(data)                      # parsed a second time: its shape kept
        assert _reply_fields(once[0][0]) == _reply_fields(first[0][0])
        assert len(first) == 1 and first[0][1] is None
        shape = first[0][0].shape  # type: ignore[union-attr]
        assert shape is not None and SHAPES[data[:data.index(b"\r\n\r\n") + 4]] is shape
        again = _replies(data, data) if first[0][0].keep_alive else _replies(data)  # type: ignore[union-attr]
        for reply, err in again:
            assert err is None and reply is not None and reply.shape is shape
            assert _reply_fields(reply) == _reply_fields(first[0][0])
    other_body = _replies(OK, OK[:-10] + b"0123456789")         # the same head, another body of that length
    assert other_body[1][0] is not None and other_body[1][0].shape is not None
    assert bytes(other_body[1][0].body) == b"0123456789"  # type: ignore[union-attr]


def test_replies_that_are_not_exactly_one_known_answer_are_parsed() -> None:
    _fresh()
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    got = _replies(chunked, chunked, chunked, stream=False)
    assert [bytes(r.body) for r, _ in got] == [b"abc"] * 3 and not SHAPES   # type: ignore[union-attr]
    split = _replies(OK[:30], OK[30:], OK[:30], OK[30:], OK[:30], OK[30:])
    assert [bytes(r.body) for r, _ in split] == [b"backend ok"] * 3 and not SHAPES   # type: ignore[union-attr]
    got = _replies(OK, OK, OK[:-10] + b"short")          # a known head, a body shorter than its length
    assert len(got) == 2 and len(SHAPES) == 1              # the third waits for the rest, as the parser does
    no_length = _replies(b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n")
    assert [r.status for r, _ in no_length] == [204, 204] and len(SHAPES) == 1   # type: ignore[union-attr]
    head = _replies(OK[:-10], head=True)                    # the answer to a HEAD: never from a shape
    assert head[0][0] is not None and head[0][0].shape is None and head[0][0].length == 10


def test_the_kept_reply_heads_are_bounded() -> None:
    _fresh()
    reads = [b"HTTP/1.1 200 OK\r\nX-N: %d\r\nContent-Length: 1\r\n\r\nz" % i for i in range(MAX_SHAPES * 2 + 3)
             for _ in range(2)]
    got = _replies(*reads)
    assert len(got) == len(reads) and all(bytes(r.body) == b"z" for r, _ in got)   # type: ignore[union-attr]
    assert 0 < len(SHAPES) <= MAX_SHAPES
    big = b"HTTP/1.1 200 OK\r\nX-Big: " + b"b" * upstream.MAX_SHAPE_HEAD + b"\r\nContent-Length: 1\r\n\r\nz"
    _replies(big, big, big)
    assert all(len(k) <= upstream.MAX_SHAPE_HEAD for k in SHAPES)



def _answers(*reads: bytes | None) -> list[tuple[str, Any, Any]]:
    """``_replies`` with ``expect(on_known=)``: ("known", shape, data) for each answer handed from a shape,
    ("reply", reply, error) for the others; a read None empties ``SHAPES`` there."""
    async def run() -> list[tuple[str, Any, Any]]:
        pool = UpstreamPool()
        conn = backend_conn(pool)
        out: list[tuple[str, Any, Any]] = []
        for data in reads:
            if data is None:
                SHAPES.clear()
                continue
            if conn.cb is None and not conn.closed:
                assert pool.take(BACKEND_KEY) in (conn, None)
                conn.expect(False, True, lambda r, e: out.append(("reply", r, e)), 0.0,
                            lambda s, d: out.append(("known", s, d)))
            conn.data_received(data)
        return out
    return asyncio.run(run())


def test_an_answer_from_a_known_head_is_handed_whole_and_only_for_the_same_bytes() -> None:
    """``on_known`` gets the shape of httptools' reply and the whole read (its body after ``shape.head``); the
    connection's last shape is used again only for the same head bytes (a head of the same length that differs
    is parsed), and still after ``SHAPES`` was emptied (the same bytes make the same shape)."""
    _fresh()
    other = OK.replace(b"no-cache", b"no-CACHE")          # same length, other bytes
    got = _answers(OK, OK, OK, OK[:-10] + b"0123456789", other, other, OK, None, OK, OK[:-1])
    kinds = [k for k, _, _ in got]
    assert kinds == ["reply", "reply", "known", "known", "reply", "reply", "known", "known"]
    parsed = got[1][1]
    assert parsed.shape is not None and parsed.shape.head == OK[:-10]
    for i in (2, 3, 6, 7):
        _, shape, data = got[i]
        assert shape is parsed.shape and data[:len(shape.head)] == shape.head and len(data) == shape.size
        assert (shape.status, shape.reason, list(shape.headers), shape.keep_alive, shape.length) == \
            (parsed.status, parsed.reason, parsed.headers, parsed.keep_alive, parsed.length)
    assert got[3][2][len(OK) - 10:] == b"0123456789"
    assert [bytes(r.body) for k, r, _ in got if k == "reply"] == [b"backend ok"] * 4
    assert got[5][1].shape is not None and got[5][1].shape.head == other[:-10]   # its own shape, parsed twice
    assert not SHAPES                        # emptied: the last answers came from the connection's last shape


def test_a_known_answer_that_closes_its_connection_is_handed_and_the_connection_not_kept() -> None:
    _fresh()
    closing = b"HTTP/1.1 201 Made\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"
    first, second = _answers(closing)[0], _answers(closing)[0]
    assert first[0] == second[0] == "reply" and second[1].shape is not None and not second[1].keep_alive

    async def run() -> tuple[list[tuple[Any, Any]], UpstreamPool, UpstreamConn]:
        pool = UpstreamPool()
        conn = backend_conn(pool)
        out: list[tuple[Any, Any]] = []
        conn.expect(False, True, lambda r, e: out.append((r, e)), 0.0, lambda s, d: out.append((s, d)))
        conn.data_received(closing)
        return out, pool, conn
    out, pool, conn = asyncio.run(run())
    assert out == [(second[1].shape, closing)]
    assert conn.closed and not pool.idle
    assert conn.cb is None and conn.on_known is None          # the answered flight is not kept by the connection


def test_a_read_with_bytes_after_its_answer_makes_no_shape() -> None:
    """A read that holds a whole answer and more (here a stray CRLF the parser skips) is not exactly one answer:
    its head is not kept however often it comes (a later read of the same bytes is parsed again)."""
    _fresh()
    got = _replies(OK + b"\r\n", OK + b"\r\n", OK + b"\r\n")
    assert [(bytes(r.body), e) for r, e in got] == [(b"backend ok", None)] * 3   # type: ignore[union-attr]
    assert not SHAPES and all(r.shape is None for r, _ in got)                   # type: ignore[union-attr]
