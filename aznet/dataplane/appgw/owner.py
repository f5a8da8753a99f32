"""What the shared client connection (``frontend.ClientConn``, ``h2conn.H2Session``) needs from the socket that
owns it: App Gateway's ``service.SocketState`` and the Front Door edge's ``frontdoor.service.EdgeSocket`` both
provide it. A new need of the connection goes here first, so every owner is checked for it
(``tests/dataplane/frontdoor/test_conn_owner.py`` checks the edge against this Protocol)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .frontend import ClientConn


@runtime_checkable
class ConnOwner(Protocol):
    tls: bool          # the socket serves TLS (the connection's scheme is https)
    max_body: int      # the largest request body, bytes: over it 413

    def now(self) -> float:
        """A monotonic clock (seconds) for request timing."""
        ...

    def opened(self, conn: ClientConn) -> None:
        """A connection was accepted (TLS: after the handshake); the owner may close it at once."""
        ...

    def closed(self, conn: ClientConn) -> None:
        ...

    def refused(self, conn: ClientConn, status: int) -> None:
        """The connection refused a request itself (414, 400, 413) before the owner saw it."""
        ...

    async def gateway_handle(self, conn: ClientConn, req: Any) -> tuple[bytes, bool]:
        """Answer one request: the bytes still to write (the owner may have written some itself, streaming) and
        whether the connection stays open."""
        ...

    def may_stream(self) -> bool:
        """Whether a long or chunked request body may be handed over before it has all arrived
        (``bodystream.BodyStream`` in ``req.stream``); False: the body is buffered up to ``max_body``."""
        ...

    def log_exception(self) -> None:
        """Log the exception being handled (a bug in the owner answered 500)."""
        ...

    # Optional: ``fast_handle(conn, req) -> bool``. An owner that has it is offered each HTTP/1.x request
    # first; True means it took the request and will call ``conn.finish(data, keep_alive)`` exactly once (from
    # a callback, with no Task), False that ``gateway_handle`` answers it (nothing was done yet).
