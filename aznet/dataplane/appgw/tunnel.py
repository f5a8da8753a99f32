"""Upgraded connections (WebSocket): the gateway forwards the Upgrade request to the chosen member and, once
the member answers, passes bytes both ways as they come until either side closes.

Azure: "Application Gateway provides native support for the WebSocket ... There's no user-configurable
setting to selectively enable or disable WebSocket support"; the upgrade goes to the member the rule and
affinity choose, over HTTP/1.1 (docs). The member's answer is passed on as it is (101 Switching Protocols, or
any other answer, after which the connection carries what the member sends until it closes: inferred). Each
direction pauses its reader while the other side's write buffer is full (bounded memory)."""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING

from .upstream import BackendError

if TYPE_CHECKING:
    from .frontend import ClientConn

MAX_HEAD = 64 * 1024


class Tunnel(asyncio.Protocol):
    """The backend side of one upgraded client connection."""

    def __init__(self, client: ClientConn, request: bytes) -> None:
        self.client = client
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.head = bytearray()
        self.answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.sent = 0

    # -- backend side ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        ct = self.client.transport
        if ct is None or ct.is_closing():
            self._close()
            return
        if not self.answered.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > MAX_HEAD:
                    self.answered.set_exception(BackendError("invalid", "upgrade answer too long"))
                    self._close()
                return
            try:
                status = int(bytes(self.head[9:12]))
            except ValueError:
                self.answered.set_exception(BackendError("invalid", "bad status line"))
                self._close()
                return
            data, self.head = bytes(self.head), bytearray()
            self.answered.set_result(status)
        ct.write(data)
        self.sent += len(data)
        if ct.get_write_buffer_size() > self.client_high() and self.transport is not None:
            self.transport.pause_reading()
            self.client.on_resume = self._resume_backend

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.answered.done():
            self.answered.set_exception(BackendError("reset", str(exc or "closed")))
            return                      # the gateway answers the client (502)
        ct = self.client.transport
        if ct is not None and not ct.is_closing():
            ct.close()

    def pause_writing(self) -> None:
        ct = self.client.transport
        if ct is not None:
            ct.pause_reading()

    def resume_writing(self) -> None:
        ct = self.client.transport
        if ct is not None and not ct.is_closing():
            ct.resume_reading()

    # -- client side (ClientConn calls these) ---------------------------------------------------
    def from_client(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def client_gone(self) -> None:
        self._close()

    # -- internals ------------------------------------------------------------------------------
    @staticmethod
    def client_high() -> int:
        return 256 * 1024

    def _resume_backend(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def _close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


async def open_tunnel(client: ClientConn, host: str, port: int, request: bytes, timeout: float,
                      ctx: ssl.SSLContext | None, server_hostname: str | None) -> int:
    """Connect, send the Upgrade request, wait (up to ``timeout``) for the member's answer, pass it to the
    client and keep both directions flowing. Returns the member's status; raises ``BackendError``."""
    loop = asyncio.get_running_loop()
    tunnel = Tunnel(client, request)
    try:
        await asyncio.wait_for(loop.create_connection(lambda: tunnel, host, port, ssl=ctx,
                                                      server_hostname=server_hostname if ctx else None), timeout)
    except TimeoutError:
        raise BackendError("timeout") from None
    except ssl.SSLError as exc:
        raise BackendError("tls", str(exc)) from None
    except OSError as exc:
        raise BackendError("refused", str(exc)) from None
    try:
        status = await asyncio.wait_for(asyncio.shield(tunnel.answered), timeout)
    except TimeoutError:
        tunnel._close()
        raise BackendError("timeout") from None
    client.tunnel = tunnel
    early = client.early
    client.early = None
    if early:
        tunnel.from_client(bytes(early))
    if client.transport is not None and not client.transport.is_closing():
        client.transport.resume_reading()
    return status
