"""``appgw.writebatch``: answers a fast path hands to a ``WriteBatch`` (``ClientConn.finish_later``) are written
once the loop's turn is over, in order on each connection: a later answer on the same connection (written at once
by ``finish``, or by the full path's task) goes behind the held one, a close waits for it, and a connection gone
in the meantime gets nothing. Driven through the real ``ClientConn`` (httptools parsing) with a recording
transport."""

from __future__ import annotations

import asyncio
from typing import Any

from aznet.dataplane.appgw.frontend import ClientConn
from aznet.dataplane.appgw.writebatch import WriteBatch

from .support import FakeTransport, ShellOwner


class _Owner(ShellOwner):
    """Answers /held/* through the batch, /now/* at once (``finish``), anything else in the full path's task."""
    max_body = 1024

    def __init__(self, batch: WriteBatch) -> None:
        self.batch = batch

    def fast_handle(self, conn: ClientConn, req: Any) -> bool:
        url = bytes(req.url)
        if url.startswith(b"/held/"):
            conn.finish_later(self.batch, b"A " + url + b"\n", req.keep_alive)
            return True
        if url.startswith(b"/now/"):
            conn.finish(b"B " + url + b"\n", req.keep_alive)
            return True
        return False

    async def gateway_handle(self, conn: ClientConn, req: Any) -> tuple[bytes, bool]:
        return b"C " + bytes(req.url) + b"\n", req.keep_alive


def _conn(batch: WriteBatch) -> tuple[ClientConn, FakeTransport]:
    conn = ClientConn(_Owner(batch))
    t = FakeTransport()
    conn.connection_made(t)  # type: ignore[arg-type]
    return conn, t


def test_held_answers_are_written_after_the_turn_and_in_order() -> None:
    async def run() -> None:
        batch = WriteBatch(asyncio.get_running_loop())
        conn, t = _conn(batch)
        other, t2 = _conn(batch)
        # pipelined: held, then at once, then the full path's task, then held again
        conn.data_received(b"GET /held/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /now/2 HTTP/1.1\r\nHost: a\r\n\r\n"
                           b"GET /full/3 HTTP/1.1\r\nHost: a\r\n\r\n")
        other.data_received(b"GET /held/x HTTP/1.1\r\nHost: a\r\n\r\n")
        assert t.out == [] and t2.out == [] and conn.held is batch     # nothing written inside the turn
        await asyncio.sleep(0)
        assert t.out[:2] == [b"A /held/1\n", b"B /now/2\n"] and t2.out == [b"A /held/x\n"]
        assert conn.held is None and other.held is None
        for _ in range(5):
            await asyncio.sleep(0)
        assert t.out == [b"A /held/1\n", b"B /now/2\n", b"C /full/3\n"]
        # a held answer that closes the connection: the close waits for its bytes
        conn.data_received(b"GET /held/4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        assert not t.closed and conn.closing
        await asyncio.sleep(0)
        assert t.out[-1] == b"A /held/4\n" and t.closed
        # the socket's configuration went away (close_idle) while an answer waited: closed right after it
        third, t3 = _conn(batch)
        third.data_received(b"GET /held/5 HTTP/1.1\r\nHost: a\r\n\r\n")
        third.close_idle()
        assert not t3.closed
        await asyncio.sleep(0)
        assert t3.out == [b"A /held/5\n"] and t3.closed
        # the client went away before the turn ended: nothing is written to it
        other.data_received(b"GET /held/y HTTP/1.1\r\nHost: a\r\n\r\n")
        t2.closed = True
        await asyncio.sleep(0)
        assert t2.out == [b"A /held/x\n"]

    asyncio.run(run())


def test_backend_requests_are_written_with_the_turn() -> None:
    async def run() -> None:
        batch = WriteBatch(asyncio.get_running_loop())
        t = FakeTransport()
        batch.send(t, b"GET / HTTP/1.1\r\n\r\n")
        batch.send(t, b"GET /2 HTTP/1.1\r\n\r\n")
        assert t.out == []
        await asyncio.sleep(0)
        assert t.out == [b"GET / HTTP/1.1\r\n\r\n", b"GET /2 HTTP/1.1\r\n\r\n"] and not batch.armed

    asyncio.run(run())
