"""HTTP/1.1 to backends: keep-alive connections in a bounded pool per (host, port, TLS), httptools parsing.

``UpstreamPool.request(host, port, ssl, server_hostname, data, head, timeout)`` sends one request (the bytes
the gateway built) and returns ``Reply`` (status, headers, body, keep-alive). A connection that the backend
closed while idle is retried once on a fresh one. Errors: ``BackendError(kind)`` with kind ``refused``,
``timeout``, ``reset``, ``tls``, ``invalid``.

The hot path (``fastpath.py``) takes a kept-alive connection (``UpstreamPool.take``) and sends with a callback
(``UpstreamConn.send(..., cb=)``): the reply (or the error) is handed to ``cb(reply, error)`` from the parser's
callback, with no Future and no Task. Request timeouts are deadlines that one sweep per pool checks every
``SWEEP_SECONDS`` (no timer per request)."""

from __future__ import annotations

import asyncio
import socket
import ssl as ssl_mod
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httptools

from ...seen import SeenOnce

MAX_IDLE_PER_KEY = 128
MAX_RESPONSE = 64 * 1024 * 1024
MAX_RESPONSE_HEADERS = 64 * 1024
STREAM_AT = 256 * 1024      # a body longer than this (or of unknown length) is streamed, not buffered
SWEEP_SECONDS = 0.05        # how often the request deadlines are checked (a timeout is late by at most this)


class BackendError(Exception):
    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(slots=True)
class Reply:
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    keep_alive: bool = True
    length: int | None = None           # Content-Length, when the backend sent one
    stream: UpstreamConn | None = None  # set: the body follows through ``stream.attach(sink)`` (not buffered)
    shape: Shape | None = None          # set: the head was seen before (``Shape``), its derived bytes kept there


class Shape:
    """What httptools made of one response head's exact bytes (status line and headers, up to the blank line):
    parsing is a function of those bytes, so the next answer whose head is the same bytes, whose body is the
    whole rest of its read and as long as the head's Content-Length says, is answered from here without feeding
    the parser (it stays between messages, where the parse would have left it). Only heads with a
    Content-Length of at most ``STREAM_AT``, no Transfer-Encoding and a status that has a body are kept.
    ``derived``: what the users of a reply make of the head alone (the hot path's client head), kept with it."""

    __slots__ = ("status", "reason", "headers", "length", "keep_alive", "derived", "head", "size")

    def __init__(self, reply: Reply, head: bytes) -> None:
        self.status, self.reason, self.length = reply.status, reply.reason, reply.length
        self.headers = tuple(reply.headers)
        self.keep_alive = reply.keep_alive
        self.derived: dict[str, Any] = {}
        self.head = head                        # the head's bytes (its first CRLFCRLF is its end)
        self.size = len(head) + (reply.length or 0)     # a whole answer's bytes: the head and its body


SHAPES: dict[bytes, Shape] = {}      # response head bytes -> what they parse to (bounded: emptied when full)
MAX_SHAPES = 256
# hashes of reply heads parsed once: a head becomes a shape the second time (a backend whose every head differs
# makes none; bounded: emptied when full)
MAX_SHAPES_SEEN = 4096
SHAPES_SEEN = SeenOnce(MAX_SHAPES_SEEN)
MAX_SHAPE_HEAD = 2048                 # longer heads are not kept (so SHAPES holds at most ~512 KiB of keys)


def remember_shape(data: bytes, head: bytes, reply: Reply) -> None:
    """``data``, one read that held exactly the whole answer ``reply`` (parsed from between messages), and
    ``head``, its bytes up to its first CRLFCRLF: that head kept as a ``Shape`` (and ``reply.shape`` set) if the
    body is the rest of the read (a later read can be split at the same place)."""
    n = reply.length
    if n is None or n != len(reply.body) or n > STREAM_AT or reply.status in (204, 304) or reply.status < 200:
        return
    if len(head) > MAX_SHAPE_HEAD or len(head) + n != len(data):
        return
    if not SHAPES_SEEN.again(hash(head)):    # the first time: only noted (the hash was made for SHAPES.get)
        return
    crlf = head.count(b"\r\n")          # only CRLF pairs: the head ends at its first CRLFCRLF, nowhere else
    if head.count(b"\r") != crlf or head.count(b"\n") != crlf:
        return
    for k, _ in reply.headers:
        if len(k) == 17 and k.lower() == b"transfer-encoding":
            return
    if len(SHAPES) >= MAX_SHAPES:
        SHAPES.clear()
    SHAPES[head] = reply.shape = Shape(reply, head)


class UpstreamConn(asyncio.Protocol):
    __slots__ = ("pool", "key", "transport", "parser", "reply", "waiter", "head", "closed", "hsize",
                 "streaming", "sink", "pending", "finished", "stream_ok", "write_blocked", "drain", "loop", "cb",
                 "deadline", "reading_paused", "between", "whole", "whole_head", "known", "on_known",
                 "tracked")

    def __init__(self, pool: UpstreamPool, key: tuple[Any, ...]) -> None:
        self.pool, self.key = pool, key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reply: Reply | None = None
        self.waiter: asyncio.Future[Reply] | None = None
        self.head = False
        self.closed = False
        self.hsize = 0
        self.streaming = False
        self.sink: Any = None                  # (chunk) -> None while streaming
        self.pending: list[bytes] = []         # chunks that came before the sink was attached
        self.finished: asyncio.Future[bool] | None = None   # streaming: resolves (keep-alive) at the body's end
        self.stream_ok = False
        self.write_blocked = False
        self.drain: asyncio.Future[None] | None = None
        self.loop = pool.loop()          # kept: asyncio.get_running_loop() costs a getpid() call on 3.11
        self.cb: Any = None              # (reply, error) -> None: the hot path's answer, instead of ``waiter``
        self.deadline = 0.0              # loop time the answer is due by (0: none)
        self.tracked = False             # in ``pool.inflight`` (the sweep checks its deadline)
        self.reading_paused = False      # ``pause`` stopped reading (a streamed body's client was slow)
        self.between = True              # the parser is between messages (no answer begun)
        self.whole: bytes | None = None  # the read being parsed, when it may hold exactly one whole answer
        self.whole_head: bytes | None = None    # (with ``whole``) its bytes up to the first CRLFCRLF
        self.known: Shape | None = None  # the shape of this connection's last answer from a shape
        self.on_known: Any = None        # (shape, data) -> None: ``cb`` for an answer from a shape, when given

    # -- asyncio --------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def data_received(self, data: bytes) -> None:
        cb = self.cb
        if cb is None and self.waiter is None and not self.streaming:   # unsolicited: cannot be trusted
            self._close()
            return
        if cb is not None and self.between and not self.head:
            shape = self.known          # the last one's head again (as SHAPES would say: the same bytes)
            if shape is None or len(data) != shape.size or not data.startswith(shape.head):
                end = data.find(b"\r\n\r\n") + 4
                if end > 3:
                    head = data[:end]
                    shape = SHAPES.get(head)
                    if shape is not None and len(data) - end == shape.length:
                        self.known = shape
                    else:               # parsed; kept as a shape if it holds exactly one answer (``remember_shape``)
                        shape = None
                        self.whole, self.whole_head = data, head
                else:
                    shape = None        # no whole head in this read: not one whole answer
            if shape is not None:
                on_known = self.on_known
                if on_known is not None:
                    self._hand(on_known, shape, data, shape.keep_alive)
                else:
                    self._shaped(shape, data, cb)
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BackendError("invalid", str(exc)))
        if self.whole_head is not None:        # (set with ``whole``, which the parse may have cleared)
            self.whole = self.whole_head = None

    def _shaped(self, shape: Shape, data: bytes, cb: Any) -> None:
        """The answer in ``data`` has a head seen before: the reply as the parser would make it, then what
        ``on_message_complete`` does for the hot path's callback."""
        keep = shape.keep_alive
        self._hand(cb, Reply(shape.status, shape.reason, list(shape.headers), bytearray(data[len(shape.head):]),
                             keep, shape.length, None, shape), None, keep)

    def _hand(self, cb: Any, first: Any, second: Any, keep: bool) -> None:
        """A whole answer to the hot path's callback, ``cb(first, second)`` (what ``_done`` and ``_resolve`` do,
        inline): the connection back to the pool when it stays open and nobody took it meanwhile, else closed
        first."""
        self.deadline = 0.0
        self.cb = self.on_known = None       # (neither keeps its flight alive while idle)
        if keep and not self.closed:
            cb(first, second)
            if not self.closed and self.cb is None and self.waiter is None:
                q = self.pool.idle.get(self.key)    # (``pool.release``, inline: once per request)
                if q is not None and len(q) < MAX_IDLE_PER_KEY:
                    q.append(self)
                else:
                    self.pool.release(self)
        else:
            self._close()
            cb(first, second)

    def pause_writing(self) -> None:
        self.write_blocked = True

    def resume_writing(self) -> None:
        self.write_blocked = False
        if self.drain is not None and not self.drain.done():
            self.drain.set_result(None)

    async def drained(self) -> None:
        while self.write_blocked and not self.closed:
            self.drain = self.loop.create_future()
            await self.drain

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        if self.drain is not None and not self.drain.done():
            self.drain.set_result(None)
        ended = exc is None and self._close_delimited()      # a body delimited by the close ends here
        if self.streaming:
            self.streaming = False
            if self.finished is not None and not self.finished.done():
                if ended:
                    self.finished.set_result(False)
                else:
                    self.finished.set_exception(BackendError("reset", str(exc or "closed")))
            return
        if self.cb is not None or self.waiter is not None and not self.waiter.done():
            if ended:
                self._done(keep_alive=False)
            else:
                self._reject(BackendError("reset", str(exc or "closed")))

    def _close_delimited(self) -> bool:
        """The response in progress has neither Content-Length nor chunked coding (httptools has no feed_eof)."""
        reply = self.reply
        if reply is None or not reply.status or self.head or reply.length is not None:
            return False
        return not any(k.lower() == b"transfer-encoding" and b"chunked" in v.lower() for k, v in reply.headers)

    # -- httptools ------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if not self.between:
            self.whole = None            # a second answer in one read: none is kept as a shape
        self.between = False
        self.reply = Reply(0, b"")
        self.hsize = 0

    def on_status(self, status: bytes) -> None:
        assert self.reply is not None
        self.reply.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        hsize = self.hsize = self.hsize + len(name) + len(value)
        if hsize > MAX_RESPONSE_HEADERS:
            raise httptools.HttpParserError("response headers too large")
        self.reply.headers.append((name, value))      # type: ignore[union-attr]  (on_message_begin made it)

    def on_headers_complete(self) -> None:
        reply = self.reply
        assert reply is not None
        reply.status = self.parser.get_status_code()
        for k, v in reply.headers:
            if len(k) == 14 and k.lower() == b"content-length":
                try:
                    reply.length = int(v)
                except ValueError:
                    reply.length = None
        if self.head or reply.status in (204, 304) or 100 <= reply.status < 200:
            self._done(keep_alive=False if self.head else self.parser.should_keep_alive())
            return
        if self.stream_ok and (reply.length is None or reply.length > STREAM_AT):
            # stream the body: the waiter gets the head now, the body goes to the sink the proxy attaches
            self.streaming = True
            reply.stream = self
            self.finished = self.loop.create_future()
            self._resolve(reply)

    def on_body(self, body: bytes) -> None:
        if self.streaming:
            if self.sink is not None:
                self.sink(body)
            else:
                self.pending.append(bytes(body))
            return
        assert self.reply is not None
        self.reply.body += body
        if len(self.reply.body) > MAX_RESPONSE:
            raise httptools.HttpParserError("response too large")

    def on_message_complete(self) -> None:
        self.between = True
        if self.streaming:
            self.streaming = False
            keep = self.parser.should_keep_alive()
            fin = self.finished
            if fin is not None and not fin.done():
                fin.set_result(keep)
            if keep and not self.closed and self.sink is not None:
                self.sink = None
                self.pool.release(self)
            elif not keep:
                self._close()
            return
        cb = self.cb
        if cb is not None:             # the hot path's answer: ``_done`` and ``_resolve``, inline
            reply = self.reply
            assert reply is not None
            keep = reply.keep_alive = self.parser.should_keep_alive()
            if self.whole is not None:
                remember_shape(self.whole, self.whole_head, reply)   # type: ignore[arg-type]  (set together)
                self.whole = None
            self._hand(cb, reply, None, keep)
        elif self.waiter is not None and not self.waiter.done():
            self._done(self.parser.should_keep_alive())

    def attach(self, sink: Any) -> asyncio.Future[bool]:
        """Streaming: ``sink(chunk)`` gets the body from now on; the future resolves at its end."""
        self.sink = sink
        for chunk in self.pending:
            sink(chunk)
        self.pending.clear()
        assert self.finished is not None
        if self.finished.done() and not self.closed and self.finished.exception() is None and self.finished.result():
            self.sink = None
            self.pool.release(self)     # the body had already ended before the sink came
        return self.finished

    def pause(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.reading_paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.reading_paused = False
            self.transport.resume_reading()

    # -- internals ------------------------------------------------------------------------------
    def _resolve(self, reply: Reply) -> None:
        """The answer (its head, when streaming) to whoever waits: the callback or the future."""
        self.deadline = 0.0
        cb = self.cb
        if cb is not None:
            self.cb = self.on_known = None
            cb(reply, None)
            return
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def _reject(self, err: BackendError) -> None:
        self.deadline = 0.0
        cb = self.cb
        if cb is not None:
            self.cb = self.on_known = None
            cb(None, err)
            return
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(err)

    def _done(self, keep_alive: bool) -> None:
        reply = self.reply
        assert reply is not None
        reply.keep_alive = keep_alive
        if keep_alive and not self.closed:
            self._resolve(reply)
            if not self.closed and self.cb is None and self.waiter is None:
                self.pool.release(self)
        else:
            self._close()
            self._resolve(reply)

    def _fail(self, err: BackendError) -> None:
        self._reject(err)
        if self.finished is not None and not self.finished.done():
            self.finished.set_exception(err)
        self.streaming = False
        self._close()

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def send(self, data: bytes, head: bool, stream: bool = False, cb: Any = None, deadline: float = 0.0
             ) -> asyncio.Future[Reply] | None:
        """Send one request. Without ``cb`` the answer comes through the returned future; with it, through
        ``cb(reply, error)``. ``deadline`` (loop time): past it the answer fails with ``timeout``."""
        waiter = self.expect(head, stream, cb, deadline)
        assert self.transport is not None
        self.transport.write(data)
        return waiter

    def expect(self, head: bool, stream: bool = False, cb: Any = None, deadline: float = 0.0,
               on_known: Any = None) -> asyncio.Future[Reply] | None:
        """``send`` without the write: the caller writes the request's bytes itself (``writebatch``).
        ``on_known(shape, data)`` (with ``cb``): an answer whose head is a ``Shape`` (one read, exactly the head
        and ``shape.length`` bytes of body: ``data[len(shape.head):]``) goes there instead of ``cb`` as a
        ``Reply``."""
        self.on_known = on_known
        if cb is None:
            self.waiter = self.loop.create_future()
        else:
            self.waiter = None
            self.cb = cb
        if deadline:
            self.deadline = deadline
            if not self.tracked:               # (tracked: in ``pool.inflight`` until a sweep finds it idle)
                self.pool.track(self)
        self.head = head
        self.reply = None
        if self.finished is not None:           # the last answer was streamed (only those set ``finished``)
            self.streaming = False
            self.sink = None
            self.pending = []
            self.finished = None
        self.stream_ok = stream
        if self.reading_paused:                 # a streamed body left it paused
            self.reading_paused = False
            assert self.transport is not None
            self.transport.resume_reading()
        return self.waiter

    def abort(self) -> None:
        self.waiter = None
        self.cb = self.on_known = None
        self.deadline = 0.0
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _expire(fut: asyncio.Future[Reply], conn: UpstreamConn) -> None:
    if not fut.done():
        fut.set_exception(BackendError("timeout"))
        conn.abort()


def _timed_out(conn: UpstreamConn) -> None:
    conn._reject(BackendError("timeout"))
    conn.abort()


class UpstreamPool:
    def __init__(self) -> None:
        self.idle: dict[tuple[Any, ...], deque[UpstreamConn]] = {}
        self.open = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.inflight: set[UpstreamConn] = set()      # connections with a request deadline (``track``)
        self._sweeping: asyncio.TimerHandle | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop, looked up once (a pool serves one loop)."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def track(self, conn: UpstreamConn) -> None:
        """``conn`` has a request deadline: the sweep checks it from now on. It stays tracked (its deadline 0
        once answered) until a sweep finds it without one, so a busy connection is added once per sweep, not
        once per request."""
        conn.tracked = True
        self.inflight.add(conn)
        if self._sweeping is None:
            self._sweeping = self.loop().call_later(SWEEP_SECONDS, self._sweep)

    def _sweep(self) -> None:
        """Every request past its deadline fails with ``timeout``; connections without one leave the set."""
        self._sweeping = None
        if not self.inflight:
            return
        # the answered ones leave first: a timeout below may start a request on one (it is then tracked anew)
        self._untrack([c for c in self.inflight if not c.deadline])
        now = self.loop().time()
        for conn in self._untrack([c for c in self.inflight if c.deadline <= now]):
            _timed_out(conn)
        if self.inflight:
            self._sweeping = self.loop().call_later(SWEEP_SECONDS, self._sweep)

    def _untrack(self, conns: list[UpstreamConn]) -> list[UpstreamConn]:
        """``conns`` out of ``inflight`` (the sweep no longer checks them; ``track`` puts one back)."""
        for conn in conns:
            conn.tracked = False
            self.inflight.discard(conn)
        return conns

    def take(self, key: tuple[Any, ...]) -> UpstreamConn | None:
        """A kept-alive connection for ``key`` (host, port, id(ctx) or None, server name or None), if one is
        idle."""
        q = self.idle.get(key)
        while q:
            c = q.pop()
            if not c.closed:
                return c
        return None

    def release(self, conn: UpstreamConn) -> None:
        q = self.idle.get(conn.key)
        if q is None:                # (not setdefault: that builds a deque on every call)
            q = self.idle[conn.key] = deque()
        if len(q) >= MAX_IDLE_PER_KEY:
            conn._close()
            return
        q.append(conn)

    def forget(self, conn: UpstreamConn) -> None:
        self.open -= 1
        q = self.idle.get(conn.key)
        if q is not None:
            try:
                q.remove(conn)
            except ValueError:
                pass
            if not q:
                self.idle.pop(conn.key, None)

    async def _connect(self, key: tuple[Any, ...], host: str, port: int, ctx: ssl_mod.SSLContext | None,
                       server_hostname: str | None) -> UpstreamConn:
        loop = self.loop()
        try:
            _, conn = await loop.create_connection(lambda: UpstreamConn(self, key), host, port, ssl=ctx,
                                                   server_hostname=server_hostname if ctx else None)
        except ssl_mod.SSLError as exc:
            raise BackendError("tls", str(exc)) from None
        except (ConnectionRefusedError, OSError) as exc:
            raise BackendError("refused", str(exc)) from None
        self.open += 1
        return conn

    async def request(self, host: str, port: int, data: bytes, head: bool, timeout: float,
                      ctx: ssl_mod.SSLContext | None = None, server_hostname: str | None = None,
                      stream: bool = False, fresh: bool = False) -> Reply:
        """``stream``: a long body, or one of unknown length, comes through ``reply.stream`` (see ``attach``).
        ``fresh``: on a new connection, once (a kept-alive one was just found closed)."""
        key = (host, port, id(ctx) if ctx else None, server_hostname if ctx else None)
        loop = self.loop()
        deadline = loop.time() + timeout
        for attempt in ((1,) if fresh else (0, 1)):
            conn = None if fresh else self.take(key)
            reused = conn is not None
            if conn is None:
                try:
                    conn = await asyncio.wait_for(self._connect(key, host, port, ctx, server_hostname),
                                                  max(deadline - loop.time(), 0.001))
                except TimeoutError:
                    raise BackendError("timeout") from None
            fut = conn.send(data, head, stream, deadline=deadline)
            assert fut is not None
            try:
                return await fut
            except BackendError as err:
                if err.kind == "reset" and reused and attempt == 0:
                    continue                  # the backend closed an idle connection: once more
                raise
        raise BackendError("reset")

    async def request_body(self, host: str, port: int, head: bytes, body: Any, timeout: float,
                           ctx: ssl_mod.SSLContext | None = None, server_hostname: str | None = None,
                           stream: bool = True) -> Reply:
        """A request whose body (``bodystream.BodyStream``) is passed on as it comes, on a fresh connection (a
        body cannot be replayed on another if a kept-alive one turns out closed). ``timeout`` counts from the
        connect, and again from the body's end (inferred: Azure's requestTimeout waits for the answer)."""
        key = (host, port, id(ctx) if ctx else None, server_hostname if ctx else None)
        loop = self.loop()
        try:
            conn = await asyncio.wait_for(self._connect(key, host, port, ctx, server_hostname), timeout)
        except TimeoutError:
            raise BackendError("timeout") from None
        fut = conn.send(head, False, stream)
        assert fut is not None
        chunked = body.length is None
        assert conn.transport is not None
        while True:
            chunk = await body.next()
            if chunk is None or conn.closed or fut.done():
                break
            conn.transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
            if conn.write_blocked:
                await conn.drained()
        if body.failed:
            conn.abort()
            raise BackendError("reset", "the client went away before its body ended")
        if chunked and not conn.closed and not fut.done():
            conn.transport.write(b"0\r\n\r\n")
        timer = loop.call_later(timeout, _expire, fut, conn)
        try:
            return await fut
        finally:
            timer.cancel()

    def close(self) -> None:
        self._untrack([c for c in self.inflight if not c.deadline])     # tracked, but no request pending
        if self._sweeping is not None and not self.inflight:
            self._sweeping.cancel()
            self._sweeping = None
        for q in self.idle.values():
            for c in list(q):
                c._close()
        self.idle.clear()
