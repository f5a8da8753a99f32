"""A request body passed on as it arrives (HTTP/1.1, gateways without a WAF): the client's bytes go to the
backend with bounded memory, the client's reading paused while the backend's side is behind.

When a request streams (inferred from Azure's v2 behaviour, which proxies bodies up to 4 GB without a WAF and
buffers only what the WAF inspects): a body longer than ``STREAM_REQUEST_AT`` or of unknown length (chunked),
on a gateway whose requests no WAF policy inspects. A Content-Length over the socket's body limit is refused
with 413 before anything is read; a chunked body that passes the limit ends the connection."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

STREAM_REQUEST_AT = 64 * 1024
HIGH = 256 * 1024


class BodyStream:
    def __init__(self, length: int | None, pause: Callable[[], None], resume: Callable[[], None]) -> None:
        self.length = length                    # Content-Length, or None (chunked)
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.total = 0
        self.ended = False
        self.failed = False
        self._pause, self._resume = pause, resume
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None

    # -- the client side (ClientConn) -----------------------------------------------------------
    def push(self, chunk: bytes) -> None:
        self.chunks.append(bytes(chunk))
        self.buffered += len(chunk)
        self.total += len(chunk)
        if self.buffered > HIGH and not self.paused:
            self.paused = True
            self._pause()
        self._wake()

    def end(self, failed: bool = False) -> None:
        self.ended = True
        self.failed = self.failed or failed
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    # -- the backend side (upstream) ------------------------------------------------------------
    async def next(self) -> bytes | None:
        """The next chunk; None at the end (``failed`` tells whether the client went away mid-body)."""
        while not self.chunks:
            if self.ended:
                return None
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
            self.waiter = None
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.paused and self.buffered < HIGH // 2:
            self.paused = False
            self._resume()
        return chunk
