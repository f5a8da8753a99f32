"""The client side of the gateway: an asyncio Protocol per connection, httptools parsing, Azure's limits.

A request is buffered (bounded), handed to the owner (``owner.ConnOwner``) and its answer written in one
send: first to the owner's optional ``fast_handle(conn, req)``, which may take it and answer later through
``finish`` (callbacks, no Task), else to ``gateway_handle`` in a Task. Requests on one connection are answered in order (pipelining is bounded). Limits as Azure applies them
(v2): URL longer than 32 KB -> 414, request headers over 32 KB -> 400, a body larger than the limit (no WAF:
``AZNET_APPGW_MAX_BODY``, default 100 MB, inferred: Azure v2 allows up to 4 GB, which a buffering proxy should
not hold) -> 413; a request that cannot be parsed -> 400."""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httptools

from ...seen import SeenOnce
from . import pages
from .bodystream import STREAM_REQUEST_AT, BodyStream
from .mtls import ClientCert

if TYPE_CHECKING:
    from .owner import ConnOwner
    from .writebatch import WriteBatch

MAX_URL = 32 * 1024
MAX_HEADERS = 32 * 1024
MAX_PIPELINE = 16
MAX_EARLY = 64 * 1024
METHODS = {m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")}


class Request:
    __slots__ = ("method", "url", "headers", "body", "version", "keep_alive", "started", "hsize", "upgrade",
                 "stream", "h2_stream", "shape")

    def __init__(self) -> None:
        self.method = ""
        self.url = bytearray()
        self.headers: list[tuple[str, str]] = []
        self.body = bytearray()
        self.version = "1.1"
        self.keep_alive = True
        self.started = 0.0
        self.hsize = 0
        self.upgrade = False
        self.stream: BodyStream | None = None     # set: the body is passed on as it comes (bodystream.py)
        self.h2_stream = 0                        # the HTTP/2 stream it came on (0: HTTP/1.x)
        self.shape: HeadShape | None = None       # set: its head's bytes were seen before (``HeadShape``)


class HeadShape:
    """What httptools made of one request head's exact bytes (a GET or HEAD with no body, not an Upgrade): the
    parse is a function of those bytes, so a later read that is exactly the same bytes, on a connection whose
    parser is between requests, becomes the same ``Request`` without feeding the parser (which stays between
    requests, where the parse would have left it). ``derived``: what the owner makes of the head alone (the hot
    path's host, path and passed-on headers), kept with it."""

    __slots__ = ("method", "url", "headers", "version", "keep_alive", "hsize", "derived")

    def __init__(self, req: Request) -> None:
        self.method, self.url, self.version = req.method, bytes(req.url), req.version
        self.headers = tuple(req.headers)
        self.keep_alive, self.hsize = req.keep_alive, req.hsize
        self.derived: dict[str, Any] = {}

    def request(self, started: float) -> Request:
        req = Request.__new__(Request)
        req.method, req.url, req.headers, req.body = self.method, bytearray(self.url), list(self.headers), bytearray()
        req.version, req.keep_alive, req.started, req.hsize = self.version, self.keep_alive, started, self.hsize
        req.upgrade, req.stream, req.h2_stream, req.shape = False, None, 0, self
        return req


HEAD_SHAPES: dict[bytes, HeadShape] = {}   # request head bytes -> their parse (bounded: emptied when full)
MAX_HEAD_SHAPES = 512
# hashes of heads parsed once: a head becomes a shape the second time it is parsed, so traffic whose every head
# differs (a request id per request) makes no shapes at all (bounded: emptied when full)
MAX_HEADS_SEEN = 4096
HEADS_SEEN = SeenOnce(MAX_HEADS_SEEN)
MAX_SHAPE_HEAD = 4096                       # longer heads are not kept (HEAD_SHAPES keys: at most 2 MiB)


def crlf_only(head: bytes) -> bool:
    """Every CR and LF in ``head`` is part of a CRLF pair: its lines end where ``find(CRLF)`` says, whatever the
    parser would make of a bare LF, so its first blank line is its first CRLFCRLF."""
    crlf = head.count(b"\r\n")
    return head.count(b"\r") == crlf and head.count(b"\n") == crlf


class LimitExceeded(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ClientConn(asyncio.Protocol):
    __slots__ = ("state", "transport", "parser", "cur", "queue", "busy", "peer", "closing", "scheme",
                 "paused", "sni", "cert", "write_paused", "on_resume", "on_lost", "tunnel", "early", "h2", "loop",
                 "fast", "held", "between", "whole", "peer_text")

    def __init__(self, state: ConnOwner) -> None:
        self.state = state
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.cur: Request | None = None
        self.queue: deque[Request] = deque()
        self.busy = False
        self.peer: tuple[str, int] = ("", 0)
        self.peer_text = ":0"                     # the peer as "address:port" (X-Forwarded-For's form), made once
        self.closing = False
        self.paused = False
        self.scheme = "https" if state.tls else "http"
        self.sni: str | None = None
        self.cert: ClientCert | None = None
        self.write_paused = False
        self.on_resume: Callable[[], None] | None = None     # a streamed body waits for the client to read
        self.on_lost: Callable[[], None] | None = None
        self.tunnel: Any = None          # an upgraded connection (WebSocket): bytes go to the backend as they come
        self.early: bytearray | None = None   # bytes after an Upgrade request, before the tunnel is up
        self.h2: Any = None              # an HTTP/2 session (ALPN h2), which then gets the bytes
        self.loop = asyncio.get_running_loop()   # once per connection (3.11 checks getpid() on each lookup)
        self.fast: Callable[[ClientConn, Request], bool] | None = getattr(state, "fast_handle", None)
        self.held: WriteBatch | None = None      # set: answers wait in a write batch (``finish_later``)
        self.between = True                       # the parser is between requests (none begun)
        self.whole: bytes | None = None           # the read being parsed, when it is exactly one head

    # -- asyncio ----------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = (peer[0], peer[1])
            self.peer_text = f"{peer[0]}:{peer[1]}"
        ssl_obj = transport.get_extra_info("ssl_object")
        if ssl_obj is not None:
            self.sni = getattr(ssl_obj, "server_hostname", None)
            der = ssl_obj.getpeercert(binary_form=True)
            if der:
                self.cert = ClientCert(der)
            if ssl_obj.selected_alpn_protocol() == "h2":
                from .h2conn import H2Session
                self.state.opened(self)
                self.h2 = H2Session(self)
                return
        self.state.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.state.closed(self)
        if self.on_lost is not None:
            self.on_lost()
            self.on_lost = None
        if self.cur is not None and self.cur.stream is not None:
            self.cur.stream.end(failed=True)
        if self.tunnel is not None:
            self.tunnel.client_gone()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.on_resume is not None:
            cb, self.on_resume = self.on_resume, None
            cb()

    def data_received(self, data: bytes) -> None:
        if self.h2 is not None:
            self.h2.data_received(data)
            return
        if self.tunnel is not None:
            self.tunnel.from_client(data)
            return
        if self.early is not None:       # upgraded, the backend not answered yet: hold a little, bounded
            self.early += data
            if len(self.early) > MAX_EARLY and self.transport is not None:
                self.transport.pause_reading()
            return
        if self.between and len(data) <= MAX_SHAPE_HEAD and data.find(b"\r\n\r\n") + 4 == len(data):
            shape = HEAD_SHAPES.get(data)       # exactly one head, seen before: its request without the parser
            if shape is not None:
                req = shape.request(self.state.now())
                if self.busy or self.queue or self.closing:
                    self._enqueue(req)
                else:
                    self._run(req)             # idle: to the owner at once (``_enqueue`` then ``_next``)
                return
            self.whole = data
        try:
            self.parser.feed_data(data)
        except LimitExceeded as exc:
            self.whole = None
            self._refuse(exc.status)
        except httptools.HttpParserUpgrade as exc:
            self.whole = None
            offset = exc.args[0] if exc.args and isinstance(exc.args[0], int) else len(data)
            self.early = bytearray(data[offset:])
        except httptools.HttpParserError as exc:
            self.whole = None
            cause = exc.__context__
            self._refuse(cause.status if isinstance(cause, LimitExceeded) else 400)
        else:
            self.whole = None

    # -- httptools --------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.between = False
        cur = self.cur = Request()
        cur.started = self.state.now()

    def on_url(self, url: bytes) -> None:
        cur: Request = self.cur     # type: ignore[assignment]  (on_message_begin made it)
        cur.url += url
        if len(cur.url) > MAX_URL:
            raise LimitExceeded(414)

    def on_header(self, name: bytes, value: bytes) -> None:
        cur: Request = self.cur     # type: ignore[assignment]  (on_message_begin made it)
        hsize = cur.hsize = cur.hsize + len(name) + len(value) + 4
        if hsize > MAX_HEADERS:
            raise LimitExceeded(400)
        cur.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        cur = self.cur
        assert cur is not None
        parser = self.parser
        method = parser.get_method()
        cur.method = METHODS.get(method) or method.decode("latin-1")
        cur.version = parser.get_http_version()
        cur.keep_alive = parser.should_keep_alive()
        upgrade = cur.upgrade = parser.should_upgrade()
        if upgrade:
            return
        if cur.method in ("GET", "HEAD"):
            for k, _ in cur.headers:         # (``_has_body``, inline: once per request)
                if len(k) in (14, 17) and k.lower() in ("content-length", "transfer-encoding"):
                    break
            else:
                return
        length = None
        for k, v in cur.headers:
            if k.lower() == "content-length":
                try:
                    length = int(v)
                except ValueError:
                    raise LimitExceeded(400) from None
        if length is not None and length > self.state.max_body:
            raise LimitExceeded(413)
        if (length is None or length > STREAM_REQUEST_AT) and self.state.may_stream():
            cur.stream = BodyStream(length, self._pause_body, self._resume_body)
            self._enqueue(cur)                # answered now; the body follows through cur.stream

    def _pause_body(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def _resume_body(self) -> None:
        if self.transport is not None and not self.transport.is_closing() and not self.paused:
            self.transport.resume_reading()

    def on_body(self, body: bytes) -> None:
        cur = self.cur
        assert cur is not None
        if cur.stream is not None:
            if cur.stream.total + len(body) > self.state.max_body:
                cur.stream.end(failed=True)
                raise LimitExceeded(413)
            cur.stream.push(body)
            return
        cur.body += body
        if len(cur.body) > self.state.max_body:
            raise LimitExceeded(413)

    def on_message_complete(self) -> None:
        self.between = True
        cur, self.cur = self.cur, None
        assert cur is not None
        if cur.stream is not None:
            cur.stream.end()
            return
        whole = self.whole
        if whole is not None:            # the read was exactly this head: kept when it comes a second time
            self.whole = None
            # noted the first time (the bytes' hash is kept with them: HEAD_SHAPES.get computed it)
            if (HEADS_SEEN.again(hash(whole)) and not cur.upgrade and not cur.body
                    and cur.method in ("GET", "HEAD") and crlf_only(whole)
                    and not any(len(k) in (14, 17) and k.lower() in ("content-length", "transfer-encoding")
                                for k, _ in cur.headers)):
                if len(HEAD_SHAPES) >= MAX_HEAD_SHAPES:
                    HEAD_SHAPES.clear()
                HEAD_SHAPES[whole] = cur.shape = HeadShape(cur)
        if self.busy or self.queue or self.closing:
            self._enqueue(cur)
        else:
            self._run(cur)                 # idle: to the owner at once (``_enqueue`` then ``_next``)

    def _enqueue(self, cur: Request) -> None:
        queue = self.queue
        queue.append(cur)
        if len(queue) >= MAX_PIPELINE and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        if not self.busy:
            self._next()

    # -- answering --------------------------------------------------------------------------------
    def _next(self) -> None:
        if not self.queue or self.closing:
            self.busy = False
            return
        req = self.queue.popleft()
        if self.paused and len(self.queue) < MAX_PIPELINE // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        self._run(req)

    def _run(self, req: Request) -> None:
        """Answer ``req`` (the connection is busy until its answer is written)."""
        self.busy = True
        fast = self.fast
        if fast is not None:
            try:
                if fast(self, req):
                    return                 # the owner answers through ``finish``
            except Exception:          # a bug must not leave the client hanging
                self.state.log_exception()
                self.finish(pages.response(500, pages.error_page(500), keep_alive=False), False)
                return
        self.loop.create_task(self._answer(req))

    def finish(self, data: bytes, keep_alive: bool) -> None:
        """The answer to the request ``fast_handle`` took: written, then the next request."""
        self.write(data, keep_alive)
        self._next()

    def finish_later(self, batch: WriteBatch, data: bytes, keep_alive: bool) -> None:
        """``finish``, the bytes written by ``batch`` once the loop's turn is over (``writebatch``)."""
        t = self.transport
        if t is not None and not t.is_closing():
            self.held = batch                # (``batch.answer``, inline: once per request)
            batch.pending.append((self, t, data, keep_alive))
            if not batch.armed:
                batch.armed = True
                batch.loop.call_soon(batch.flush)
            if not keep_alive:
                self.closing = True
        if self.queue and not self.closing:
            self._next()
        else:
            self.busy = False

    async def _answer(self, req: Request) -> None:
        try:
            data, keep = await self.state.gateway_handle(self, req)
            if req.stream is not None and not (req.stream.ended and not req.stream.chunks):
                keep = False          # answered before its body was read (an error, a redirect): close
        except Exception:          # a bug must not leave the client hanging
            self.state.log_exception()
            data, keep = pages.response(500, pages.error_page(500), keep_alive=False), False
        self.write(data, keep)
        self._next()

    def write(self, data: bytes, keep_alive: bool) -> None:
        t = self.transport
        if t is None or t.is_closing():
            return
        if self.held is not None:       # earlier answers wait in a write batch: this one goes behind them
            self.held.answer(self, data, keep_alive)
            if not keep_alive:
                self.closing = True
            return
        if data:
            t.write(data)
        if not keep_alive:
            self.closing = True
            t.close()

    def _refuse(self, status: int) -> None:
        self.state.refused(self, status)
        self.queue.clear()
        self.write(pages.response(status, pages.error_page(status), keep_alive=False), False)

    def close_idle(self) -> None:
        """Configuration removed this socket: finish what is in flight, then close."""
        if not self.busy and self.held is None and self.transport is not None:
            self.transport.close()
        self.closing = True

    @property
    def client(self) -> tuple[str, int]:
        return self.peer

    def info(self) -> dict[str, Any]:
        return {"peer": self.peer, "busy": self.busy}
