"""A small HTTP/1.1 server for the ARM endpoint: an asyncio Protocol around
httptools' parser (uvloop-friendly), keep-alive, pipelined requests answered
in order, each response written in one send.

Hostile input is bounded before it costs anything: the request target, the
header count and header bytes are limited (414 / 431); a request must finish
its headers and its body within a deadline and a keep-alive connection may
idle only so long; concurrent connections are capped, closing the oldest idle
one to admit a new one. Once the headers are in, ``precheck`` (authentication)
runs before a byte of body is buffered; a rejected body is read and dropped up
to a small budget (so the client sees the answer), then the connection is cut.

The handler is synchronous: it takes a ``Request`` and returns a ``Response``
(ARM handling never blocks; slow work runs elsewhere and is polled)."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

import httptools

from .errors import ArmError
from .http import Request, Response
from .httplimits import HttpLimits, connection_budget

log = logging.getLogger("aznet.http")
Handler = Callable[[Request], Response]
Precheck = Callable[[Request], Response | None]
_REASONS = {s.value: s.phrase for s in HTTPStatus}

# connection states
HANDSHAKE, IDLE, HEADERS, BODY, DRAIN, CLOSED = "handshake", "idle", "headers", "body", "drain", "closed"


class _Reject(Exception):
    """Raised inside a parser callback to stop parsing; the response is on the protocol."""


def _error_response(err: ArmError) -> Response:
    return Response(err.status, err.body(), dict(err.headers))


class HttpProtocol(asyncio.Protocol):
    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.limits = server.limits
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.state = HANDSHAKE
        self.refused = False
        self._timer: asyncio.TimerHandle | None = None
        self.guard: asyncio.TimerHandle | None = None     # drops a connection whose TLS handshake never ends
        self._requests = 0
        self._head_bytes = 0            # raw bytes received while the current request's headers are incomplete
        self._reject_with: Response | None = None
        self._drain_left = 0
        self._reset_message()

    def _reset_message(self) -> None:
        self._url: list[bytes] = []
        self._url_len = 0
        self._headers: dict[str, list[str]] = {}
        self._header_count = 0
        self._header_bytes = 0
        self._request: Request | None = None
        self._early: Response | None = None
        self._body: list[bytes] = []
        self._size = 0
        self._too_large = False

    # -- connection ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio.Transport subclasses
        if self.guard is not None:
            self.guard.cancel()
            self.guard = None
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        if self.refused:
            self._send(_error_response(ArmError(
                503, "ServerBusy", "The server has reached its connection limit; retry later.",
                headers={"Retry-After": "1"})), keep_alive=False)
            return
        self.state = IDLE
        self._arm(self.limits.header_timeout)   # the first request's headers are due from accept on

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = CLOSED
        self._cancel_timer()
        self.server.forget(self)
        self.transport = None
        # the parser calls back into this protocol: drop the cycle, so the pair is freed by reference
        # counting even when a full collection has frozen it (aznet/gcpolicy.py)
        self.parser = None  # type: ignore[assignment]
        self._reset_message()

    def close(self) -> None:
        self._cancel_timer()
        self.state = CLOSED
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self._cancel_timer()
        self.state = CLOSED
        if self.transport is not None:
            self.transport.abort()

    @property
    def evictable(self) -> bool:
        """Waiting for a request, or still sending one's headers: closing it loses no work."""
        return self.state in (IDLE, HEADERS) and self.transport is not None

    # -- timers ------------------------------------------------------------------
    def _arm(self, seconds: float) -> None:
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(seconds, self._on_timeout)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timeout(self) -> None:
        self._timer = None
        state = self.state
        if state in (HEADERS, BODY):
            log.info("closing a connection that was too slow to send its request %s", state)
            what = "headers" if state == HEADERS else "body"
            self._send(_error_response(ArmError(
                408, "RequestTimeout", f"The request {what} did not arrive in time.")), keep_alive=False)
        else:
            self.close()

    # -- bytes in ----------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.state in (CLOSED, HANDSHAKE) or self.refused:
            return
        if self.state in (IDLE, HEADERS):
            self._head_bytes += len(data)
        elif self.state == DRAIN:
            self._drain_left -= len(data)
            if self._drain_left < 0:        # a large body after a refusal: stop paying to read it
                self.abort()
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._send(_error_response(ArmError(400, "BadRequest", "Protocol upgrades are not supported.")),
                       keep_alive=False)
            return
        except httptools.HttpParserError:
            if self.state == CLOSED:
                return
            resp = self._reject_with or _error_response(ArmError(400, "BadRequest", "The HTTP request is malformed."))
            self._send(resp, keep_alive=False)
            return
        if self.state in (IDLE, HEADERS) and self._head_bytes > self.limits.max_url + self.limits.max_header_bytes:
            self._send(self._too_large_headers(), keep_alive=False)

    def _too_large_headers(self) -> Response:
        lim = self.limits
        return _error_response(ArmError(
            431, "RequestHeaderFieldsTooLarge",
            f"The request headers exceed the limit of {lim.max_headers} headers and {lim.max_header_bytes} bytes."))

    def _stop(self, resp: Response) -> None:
        self._reject_with = resp
        raise _Reject()

    # -- parser callbacks --------------------------------------------------------
    def on_message_begin(self) -> None:
        self._reset_message()
        if self.state == IDLE and self._requests:
            self._arm(self.limits.header_timeout)
        self.state = HEADERS

    def on_url(self, url: bytes) -> None:
        self._url_len += len(url)
        if self._url_len > self.limits.max_url:
            self._stop(_error_response(ArmError(
                414, "RequestUriTooLong",
                f"The request URL exceeds the maximum allowed length of {self.limits.max_url} bytes.")))
        self._url.append(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value) + 4
        if self._header_count > self.limits.max_headers or self._header_bytes > self.limits.max_header_bytes:
            self._stop(self._too_large_headers())
        key = name.decode("latin-1").lower()
        val = value.decode("latin-1")
        seen = self._headers.get(key)
        if seen is None:
            self._headers[key] = [val]
        else:
            seen.append(val)          # joined once, when the headers are complete

    def on_headers_complete(self) -> None:
        self._head_bytes = 0
        headers = {k: v[0] if len(v) == 1 else ", ".join(v) for k, v in self._headers.items()}
        method = self.parser.get_method().decode("ascii", "replace")
        self._request = req = self._make_request(method, b"".join(self._url), headers)
        self.state = BODY
        self._arm(self.limits.body_timeout)
        if req is None:
            return
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > self.limits.max_body:
            self._too_large = True
            self._reject_early(self._payload_too_large())
            return
        precheck = self.server.precheck
        if precheck is not None:
            try:
                early = precheck(req)
            except Exception:
                log.exception("precheck failed for %s %s", req.method, req.path)
                early = None
            if early is not None:
                self._reject_early(early)
                return
        if headers.get("expect", "").lower() == "100-continue" and declared > 0 and self.transport is not None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")    # the body is welcome now

    def _make_request(self, method: str, raw_url: bytes, headers: dict[str, str]) -> Request | None:
        try:
            url = httptools.parse_url(raw_url)
            path = unquote(url.path.decode("latin-1"))
            while path.startswith("//"):
                path = path[1:]
            query = dict(parse_qsl(url.query.decode("latin-1"), keep_blank_values=True)) if url.query else {}
        except (httptools.HttpParserInvalidURLError, UnicodeDecodeError):
            self._early = _error_response(ArmError(400, "BadRequest", "The request URL is malformed."))
            return None
        host = headers.get("host") or self.server.default_host
        return Request(method, path.rstrip("/") or "/", query, headers, b"", f"{self.server.scheme}://{host}")

    def _reject_early(self, resp: Response) -> None:
        """Answer now, without reading the body into memory; drop what follows, then close."""
        self._early = resp
        self.state = DRAIN
        self._drain_left = self.limits.drain_bytes
        self._body = []
        self._send(resp, keep_alive=False, close=False)
        self._arm(self.limits.drain_timeout)

    def _payload_too_large(self) -> Response:
        return _error_response(ArmError(
            413, "RequestEntityTooLarge",
            f"The request content size exceeds the maximum allowed size of {self.limits.max_body} bytes."))

    def on_body(self, body: bytes) -> None:
        if self.state == DRAIN:
            return
        self._size += len(body)
        if self._size > self.limits.max_body:
            self._too_large = True
            self._body = []
        elif not self._too_large:
            self._body.append(body)

    def on_message_complete(self) -> None:
        self._requests += 1
        if self.state == DRAIN:
            self.close()
            raise _Reject()            # stop parsing whatever was pipelined behind a rejected request
        self._cancel_timer()
        keep_alive = self.parser.should_keep_alive()
        req = self._request
        if self._early is not None:
            resp = self._early
        elif self._too_large:
            resp = self._payload_too_large()
        elif req is None:
            resp = _error_response(ArmError(400, "BadRequest", "The request URL is malformed."))
        else:
            req.body = b"".join(self._body)
            self._body = []
            try:
                resp = self.server.handler(req)
            except Exception:
                log.exception("handler failed for %s %s", req.method, req.path)
                resp = Response(500, {"error": {"code": "InternalServerError",
                                                "message": "Encountered internal server error."}})
        self.state = IDLE
        self._send(resp, keep_alive, head=req is not None and req.method == "HEAD")
        if keep_alive and self.state == IDLE:
            self._arm(self.limits.idle_timeout)

    # -- writing ---------------------------------------------------------------
    def _send(self, resp: Response, keep_alive: bool, head: bool = False, close: bool = True) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        payload = resp.encode() if resp.body is not None else b""
        lines = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}"]
        if resp.body is not None and not any(k.lower() == "content-type" for k in resp.headers):
            lines.append("Content-Type: application/json; charset=utf-8")
        lines.extend(f"{k}: {v}" for k, v in resp.headers.items())
        lines.append(f"Content-Length: {len(payload)}")
        lines.append(f"Date: {self.server.date()}")
        if not keep_alive:
            lines.append("Connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.transport.write(head_bytes if head else head_bytes + payload)
        if not keep_alive and close:
            self.close()


class HttpServer:
    def __init__(self, handler: Handler, host: str, port: int, ssl_context: ssl.SSLContext | None,
                 limits: HttpLimits | int | None = None, precheck: Precheck | None = None) -> None:
        self.handler = handler
        self.precheck = precheck
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        if isinstance(limits, int):      # the former signature: a body limit
            limits = HttpLimits(max_body=limits)
        self.limits = limits or HttpLimits()
        self.scheme = "https" if ssl_context else "http"
        self.default_host = f"{host}:{port}"
        self.connections: dict[HttpProtocol, None] = {}   # in accept order (oldest first)
        self.max_connections = connection_budget(self.limits.max_connections)
        self.evicted = 0
        self.refused = 0
        self._last_warning = 0.0
        self._server: asyncio.AbstractServer | None = None
        self._date = ("", 0)

    @property
    def max_body(self) -> int:
        return self.limits.max_body

    def date(self) -> str:
        loop = asyncio.get_running_loop()
        now = int(loop.time())
        if self._date[1] != now:
            self._date = (formatdate(usegmt=True), now)
        return self._date[0]

    # -- the connection budget ----------------------------------------------------
    def _accept(self) -> HttpProtocol:
        proto = HttpProtocol(self)
        if len(self.connections) >= self.max_connections:
            victim = next((c for c in self.connections if c.evictable), None)
            if victim is not None:
                self.evicted += 1
                self.forget(victim)
                victim.abort()
                self._warn("closing the oldest idle connection to admit a new one")
            else:
                self.refused += 1
                proto.refused = True
                self._warn("no idle connection to close: refusing the new one with 503")
        self.connections[proto] = None
        if self.ssl_context is not None:
            # a connection whose TLS handshake never completes is dropped by the loop after
            # ssl_handshake_timeout without telling the protocol: stop counting it then
            proto.guard = asyncio.get_running_loop().call_later(self.limits.header_timeout + 1,
                                                                self._drop_if_unconnected, proto)
        return proto

    def _drop_if_unconnected(self, proto: HttpProtocol) -> None:
        if proto.state == HANDSHAKE:
            self.forget(proto)

    def forget(self, proto: HttpProtocol) -> None:
        self.connections.pop(proto, None)

    def _warn(self, what: str) -> None:
        now = time.monotonic()
        if now - self._last_warning >= 10:
            self._last_warning = now
            log.warning("connection limit reached: %d connections open, the limit is %d "
                        "(AZNET_HTTP_MAX_CONNECTIONS, kept below the open-file limit); %s "
                        "(%d closed, %d refused so far)", len(self.connections), self.max_connections, what,
                        self.evicted, self.refused)

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        kw = {"ssl_handshake_timeout": self.limits.header_timeout,
              "ssl_shutdown_timeout": self.limits.drain_timeout} if self.ssl_context is not None else {}
        self._server = await loop.create_server(self._accept, self.host, self.port, ssl=self.ssl_context,
                                                backlog=2048, reuse_address=True, **kw)
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        self.default_host = f"{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.abort()
        if self._server is not None:
            await self._server.wait_closed()
