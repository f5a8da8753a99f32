"""A small HTTP/1.1 server for the ARM endpoint: an asyncio Protocol around
httptools' parser (uvloop-friendly), keep-alive, pipelined requests answered
in order, a request body limit, each response written in one send.

The handler is synchronous: it takes a ``Request`` and returns a ``Response``
(ARM handling never blocks; slow work runs elsewhere and is polled)."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

import httptools

from .errors import ArmError
from .http import Request, Response

log = logging.getLogger("aznet.http")
Handler = Callable[[Request], Response]
_REASONS = {s.value: s.phrase for s in HTTPStatus}


def _error_response(err: ArmError) -> Response:
    return Response(err.status, err.body(), dict(err.headers))


class HttpProtocol(asyncio.Protocol):
    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._size = 0
        self._too_large = False

    # -- connection ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio.Transport subclasses
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._send(Response(400, ArmError(400, "BadRequest", "Protocol upgrades are not supported.").body()),
                       keep_alive=False)
        except httptools.HttpParserError:
            self._send(Response(400, ArmError(400, "BadRequest", "The HTTP request is malformed.").body()),
                       keep_alive=False)

    # -- parser callbacks --------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = {}
        self._body = []
        self._size = 0
        self._too_large = False

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        val = value.decode("latin-1")
        self._headers[key] = f"{self._headers[key]}, {val}" if key in self._headers else val

    def on_headers_complete(self) -> None:
        try:
            declared = int(self._headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > self.server.max_body:
            self._too_large = True

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self.server.max_body:
            self._too_large = True
            self._body = []
        elif not self._too_large:
            self._body.append(body)

    def on_message_complete(self) -> None:
        keep_alive = self.parser.should_keep_alive()
        method = self.parser.get_method().decode("ascii", "replace")
        if self._too_large:
            limit = self.server.max_body
            resp = _error_response(ArmError(
                413, "RequestEntityTooLarge",
                f"The request content size exceeds the maximum allowed size of {limit} bytes."))
        else:
            try:
                url = httptools.parse_url(self._url)
                path = unquote(url.path.decode("latin-1"))
                while path.startswith("//"):
                    path = path[1:]
                query = dict(parse_qsl(url.query.decode("latin-1"), keep_blank_values=True)) if url.query else {}
            except (httptools.HttpParserInvalidURLError, UnicodeDecodeError):
                resp = _error_response(ArmError(400, "BadRequest", "The request URL is malformed."))
            else:
                host = self._headers.get("host") or self.server.default_host
                req = Request(method, path.rstrip("/") or "/", query, self._headers, b"".join(self._body),
                              f"{self.server.scheme}://{host}")
                try:
                    resp = self.server.handler(req)
                except Exception:
                    log.exception("handler failed for %s %s", method, path)
                    resp = Response(500, {"error": {"code": "InternalServerError",
                                                    "message": "Encountered internal server error."}})
        self._send(resp, keep_alive, head=method == "HEAD")

    # -- writing ---------------------------------------------------------------
    def _send(self, resp: Response, keep_alive: bool, head: bool = False) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        payload = resp.encode() if resp.body is not None else b""
        lines = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}"]
        if resp.body is not None:
            lines.append("Content-Type: application/json; charset=utf-8")
        lines.extend(f"{k}: {v}" for k, v in resp.headers.items())
        lines.append(f"Content-Length: {len(payload)}")
        lines.append(f"Date: {self.server.date()}")
        if not keep_alive:
            lines.append("Connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.transport.write(head_bytes if head else head_bytes + payload)
        if not keep_alive:
            self.transport.close()


class HttpServer:
    def __init__(self, handler: Handler, host: str, port: int, ssl_context: ssl.SSLContext | None,
                 max_body: int) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.max_body = max_body
        self.scheme = "https" if ssl_context else "http"
        self.default_host = f"{host}:{port}"
        self.connections: set[HttpProtocol] = set()
        self._server: asyncio.AbstractServer | None = None
        self._date = ("", 0)

    def date(self) -> str:
        loop = asyncio.get_running_loop()
        now = int(loop.time())
        if self._date[1] != now:
            self._date = (formatdate(usegmt=True), now)
        return self._date[0]

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: HttpProtocol(self), self.host, self.port,
                                                ssl=self.ssl_context, backlog=2048, reuse_address=True)
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        self.default_host = f"{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.abort()
        if self._server is not None:
            await self._server.wait_closed()

