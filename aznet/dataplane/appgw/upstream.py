"""HTTP/1.1 to backends: keep-alive connections in a bounded pool per (host, port, TLS), httptools parsing.

``UpstreamPool.request(host, port, ssl, server_hostname, data, head, timeout)`` sends one request (the bytes
the gateway built) and returns ``Reply`` (status, headers, body, keep-alive). A connection that the backend
closed while idle is retried once on a fresh one. Errors: ``BackendError(kind)`` with kind ``refused``,
``timeout``, ``reset``, ``tls``, ``invalid``."""

from __future__ import annotations

import asyncio
import socket
import ssl as ssl_mod
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httptools

MAX_IDLE_PER_KEY = 128
MAX_RESPONSE = 64 * 1024 * 1024
MAX_RESPONSE_HEADERS = 64 * 1024


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


class UpstreamConn(asyncio.Protocol):
    __slots__ = ("pool", "key", "transport", "parser", "reply", "waiter", "head", "closed", "hsize", "used")

    def __init__(self, pool: UpstreamPool, key: tuple[Any, ...]) -> None:
        self.pool, self.key = pool, key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reply: Reply | None = None
        self.waiter: asyncio.Future[Reply] | None = None
        self.head = False
        self.closed = False
        self.hsize = 0
        self.used = 0

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
        if self.waiter is None:          # unsolicited bytes: the connection cannot be trusted
            self._close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BackendError("invalid", str(exc)))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        if self.waiter is not None and not self.waiter.done():
            if self.reply is not None and self.reply.status and not self.head:
                try:
                    self.parser.feed_eof()
                except httptools.HttpParserError:
                    pass
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_exception(BackendError("reset", str(exc or "closed")))

    # -- httptools ------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.reply = Reply(0, b"")
        self.hsize = 0

    def on_status(self, status: bytes) -> None:
        assert self.reply is not None
        self.reply.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.reply is not None
        self.hsize += len(name) + len(value)
        if self.hsize > MAX_RESPONSE_HEADERS:
            raise httptools.HttpParserError("response headers too large")
        self.reply.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self.reply is not None
        self.reply.status = self.parser.get_status_code()
        if self.head or self.reply.status in (204, 304) or 100 <= self.reply.status < 200:
            self._done(keep_alive=False if self.head else self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        assert self.reply is not None
        self.reply.body += body
        if len(self.reply.body) > MAX_RESPONSE:
            raise httptools.HttpParserError("response too large")

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self._done(self.parser.should_keep_alive())

    # -- internals ------------------------------------------------------------------------------
    def _done(self, keep_alive: bool) -> None:
        reply, waiter = self.reply, self.waiter
        assert reply is not None and waiter is not None
        reply.keep_alive = keep_alive
        self.waiter = None
        if not waiter.done():
            waiter.set_result(reply)
        if keep_alive and not self.closed:
            self.pool.release(self)
        else:
            self._close()

    def _fail(self, err: BackendError) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(err)
        self.waiter = None
        self._close()

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def send(self, data: bytes, head: bool) -> asyncio.Future[Reply]:
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        self.head = head
        self.reply = None
        self.used += 1
        assert self.transport is not None
        self.transport.write(data)
        return self.waiter

    def abort(self) -> None:
        self.waiter = None
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _expire(fut: asyncio.Future[Reply], conn: UpstreamConn) -> None:
    if not fut.done():
        fut.set_exception(BackendError("timeout"))
        conn.abort()


class UpstreamPool:
    def __init__(self) -> None:
        self.idle: dict[tuple[Any, ...], deque[UpstreamConn]] = {}
        self.open = 0

    def release(self, conn: UpstreamConn) -> None:
        q = self.idle.setdefault(conn.key, deque())
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
        loop = asyncio.get_running_loop()
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
                      ctx: ssl_mod.SSLContext | None = None, server_hostname: str | None = None) -> Reply:
        key = (host, port, id(ctx) if ctx else None, server_hostname if ctx else None)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for attempt in (0, 1):
            q = self.idle.get(key)
            conn = None
            while q:
                c = q.pop()
                if not c.closed:
                    conn = c
                    break
            reused = conn is not None
            if conn is None:
                try:
                    conn = await asyncio.wait_for(self._connect(key, host, port, ctx, server_hostname),
                                                  max(deadline - loop.time(), 0.001))
                except TimeoutError:
                    raise BackendError("timeout") from None
            fut = conn.send(data, head)
            timer = loop.call_at(deadline, _expire, fut, conn)     # cheaper than wait_for on the hot path
            try:
                return await fut
            except BackendError as err:
                if err.kind == "reset" and reused and attempt == 0:
                    continue                  # the backend closed an idle connection: once more, fresh
                raise
            finally:
                timer.cancel()
        raise BackendError("reset")

    def close(self) -> None:
        for q in self.idle.values():
            for c in list(q):
                c._close()
        self.idle.clear()
