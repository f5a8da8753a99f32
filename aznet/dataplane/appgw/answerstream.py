"""A long backend answer passed on to an HTTP/1.1 client as it comes, for the App Gateway and the Front Door edge.

The head is written first, then each body chunk as the backend delivers it (``chunked``: in HTTP/1.1 chunked
framing, with the last chunk at the end). The client's pace pauses the backend: while the client connection's
write buffer is over its high-water mark (``ClientConn.write_paused``) the backend connection stops reading, and
resumes when the client drains it (``ClientConn.on_resume``). The client going away aborts the backend
connection (``ClientConn.on_lost``); the backend failing mid-body aborts the client connection, the only way left
to tell the client the answer is incomplete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .upstream import BackendError

if TYPE_CHECKING:
    from .frontend import ClientConn
    from .upstream import UpstreamConn


@dataclass(slots=True)
class Relayed:
    sent: int                           # bytes written to the client: the head and the body (without chunk framing)
    client_gone: bool = False           # the client connection was closed before the head: nothing was written
    error: BackendError | None = None   # the backend failed mid-body: the client connection was aborted


async def relay_answer(conn: ClientConn, head: bytes, up: UpstreamConn, chunked: bool,
                       held: Callable[[int], None] | None = None) -> Relayed:
    """Write ``head`` then the backend's body to ``conn``; ``held`` (if given) is told the client connection's
    write-buffer size after each chunk (the bytes the proxy holds for a slow client)."""
    t = conn.transport
    if t is None or t.is_closing():
        up.abort()
        return Relayed(0, client_gone=True)
    t.write(head)
    sent = len(head)

    def sink(chunk: bytes) -> None:
        nonlocal sent
        if t.is_closing():
            up.abort()
            return
        t.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        sent += len(chunk)
        if held is not None:
            held(t.get_write_buffer_size())
        if conn.write_paused:
            up.pause()
            conn.on_resume = up.resume
    conn.on_lost = up.abort
    try:
        await up.attach(sink)
    except BackendError as err:
        conn.on_lost = conn.on_resume = None
        t.abort()
        return Relayed(sent, error=err)
    conn.on_lost = conn.on_resume = None
    up.resume()                         # it may have paused on the last chunk; it goes back to the pool
    if chunked and not t.is_closing():
        t.write(b"0\r\n\r\n")
    return Relayed(sent)
