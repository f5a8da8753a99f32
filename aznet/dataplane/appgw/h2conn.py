"""HTTP/2 from clients (``enableHttp2``), with the ``h2`` library: each stream becomes a ``frontend.Request``
that the gateway answers as it answers HTTP/1.1, and its answer goes back as HEADERS and DATA frames within
the peer's flow-control windows.

Azure's behaviour (docs): "HTTP/2 protocol support is available to clients that connect to application gateway
listeners only. Communication with backend server pools is always HTTP/1.1." Negotiated through ALPN on HTTPS
listeners (h2 over cleartext is not offered: inferred, as browsers only use HTTP/2 over TLS). Limits: 100
concurrent streams, request headers as for HTTP/1.1 (32 KB), the body limit of the socket (413). A long
backend body is relayed as it comes (``relay``), at most ``HIGH`` bytes per stream waiting for the client."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import httptools

from . import pages
from .upstream import BackendError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .frontend import ClientConn, Request
    from .upstream import UpstreamConn

MAX_STREAMS = 100
MAX_HEADER_LIST = 32 * 1024
HIGH = 256 * 1024            # per stream: bytes waiting for the client's window before the backend is paused
HOP = {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade", b"te"}


class _Parsed:
    """An HTTP/1.1 answer (the gateway's bytes) split into status, headers and body."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_body(self, body: bytes) -> None:
        self.body.append(bytes(body))


def split_response(data: bytes, head: bool) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    p = _Parsed()
    parser = httptools.HttpResponseParser(p)
    if head:
        end = data.find(b"\r\n\r\n")
        data = data[:end + 4] if end >= 0 else data
    try:
        parser.feed_data(data)           # the gateway's own answers carry Content-Length (or have no body)
    except httptools.HttpParserError:
        pass
    p.status = parser.get_status_code() or 502
    return p.status, [(k, v) for k, v in p.headers if k not in HOP], b"".join(p.body)


class H2Session:
    """The HTTP/2 side of one client connection (``ClientConn`` delegates its bytes here)."""

    def __init__(self, conn: ClientConn) -> None:
        self.conn = conn
        cfg = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.h2.local_settings = h2.settings.Settings(client=False, initial_values={
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_STREAMS,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: MAX_HEADER_LIST})
        self.requests: dict[int, Request] = {}
        self.pending: dict[int, list[bytes]] = {}     # stream -> body bytes still to send (flow control)
        self.ending: set[int] = set()                 # streams whose end goes out once pending is sent
        self.relayed: set[int] = set()                # streams answered by ``relay`` (streamed)
        self.buffered = 0                             # request body bytes of streams not yet dispatched
        self.resumers: dict[int, Callable[[], None]] = {}   # a paused backend, resumed as the window opens
        self.h2.initiate_connection()
        self.flush()

    def flush(self) -> None:
        out = self.h2.data_to_send()
        t = self.conn.transport
        if out and t is not None and not t.is_closing():
            t.write(out)

    def data_received(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.flush()
            if self.conn.transport is not None:
                self.conn.transport.close()
            return
        for ev in events:
            if isinstance(ev, h2.events.RequestReceived):
                self._begin(ev.stream_id, ev.headers)
                if ev.stream_ended is not None:
                    self._dispatch(ev.stream_id)
            elif isinstance(ev, h2.events.DataReceived):
                req = self.requests.get(ev.stream_id)
                self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                if req is not None:
                    req.body += ev.data
                    self.buffered += len(ev.data)
                    if self.buffered > self.conn.state.max_body:    # one connection's bodies together, bounded
                        self.buffered -= len(req.body)
                        self.requests.pop(ev.stream_id, None)
                        self._answer(ev.stream_id, pages.response(413, pages.error_page(413)), False)
                if ev.stream_ended is not None:
                    self._dispatch(ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                self._dispatch(ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                gone = self.requests.pop(ev.stream_id, None)
                if gone is not None:
                    self.buffered -= len(gone.body)
                self._forget(ev.stream_id)
            elif isinstance(ev, h2.events.WindowUpdated):
                for sid in list(self.pending):
                    self._send_pending(sid)
            elif isinstance(ev, h2.events.ConnectionTerminated):
                if self.conn.transport is not None:
                    self.conn.transport.close()
        self.flush()

    def _begin(self, sid: int, headers: list[tuple[bytes, bytes]]) -> None:
        from .frontend import Request
        req = Request()
        req.version = "2.0"
        req.started = self.conn.state.now()
        authority = None
        for k, v in headers:
            if k == b":method":
                req.method = v.decode("latin-1")
            elif k == b":path":
                req.url += v
            elif k == b":authority":
                authority = v.decode("latin-1")
            elif not k.startswith(b":"):
                req.headers.append((k.decode("latin-1"), v.decode("latin-1")))
        if authority is not None and not any(k == "host" for k, _ in req.headers):
            req.headers.insert(0, ("host", authority))
        req.h2_stream = sid
        self.requests[sid] = req

    def _dispatch(self, sid: int) -> None:
        req = self.requests.pop(sid, None)
        if req is None:
            return
        self.buffered -= len(req.body)
        asyncio.get_running_loop().create_task(self._run(sid, req))

    async def _run(self, sid: int, req: Request) -> None:
        try:
            data, _keep = await self.conn.state.gateway_handle(self.conn, req)
        except Exception:          # a bug must not leave the stream hanging
            self.conn.state.log_exception()
            data = pages.response(500, pages.error_page(500))
        if sid in self.relayed:              # streamed by ``relay``
            self.relayed.discard(sid)
            return
        self._answer(sid, data, req.method == "HEAD")
        self.flush()

    def _answer(self, sid: int, data: bytes, head: bool) -> None:
        status, headers, body = split_response(data, head)
        try:
            self.h2.send_headers(sid, [(b":status", str(status).encode()), *headers], end_stream=not body)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            return
        if body:
            self.pending[sid] = [body]
            self.ending.add(sid)
            self._send_pending(sid)

    async def relay(self, sid: int, head: bytes, up: UpstreamConn) -> int:
        """A streamed backend body (``upstream`` streaming) on stream ``sid``: HEADERS from ``head`` (the
        HTTP/1.1 head the proxy built), then DATA as the backend sends it, the backend paused while more than
        ``HIGH`` bytes wait for the client's flow-control window. Returns the body bytes passed on."""
        self.relayed.add(sid)
        status, headers, _ = split_response(head, True)
        sent = 0
        try:
            self.h2.send_headers(sid, [(b":status", str(status).encode()), *headers], end_stream=False)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            up.abort()
            return 0
        self.flush()

        def sink(chunk: bytes) -> None:
            nonlocal sent
            if sid not in self.relayed and sid not in self.pending:
                return
            self.pending.setdefault(sid, []).append(bytes(chunk))
            sent += len(chunk)
            self._send_pending(sid)
            self.flush()
            if self._waiting(sid) > HIGH:
                up.pause()
                self.resumers[sid] = up.resume
        try:
            await up.attach(sink)
        except BackendError:
            self.pending.pop(sid, None)
            self.resumers.pop(sid, None)
            try:
                self.h2.reset_stream(sid)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                pass
            self.flush()
            return sent
        up.resume()
        self.resumers.pop(sid, None)
        self.ending.add(sid)
        self.pending.setdefault(sid, [])
        self._send_pending(sid)
        self.flush()
        return sent

    def _waiting(self, sid: int) -> int:
        return sum(len(c) for c in self.pending.get(sid, ()))

    def _send_pending(self, sid: int) -> None:
        chunks = self.pending.get(sid)
        if chunks is None:
            return
        try:
            while chunks:
                window = min(self.h2.local_flow_control_window(sid), self.h2.max_outbound_frame_size)
                if window <= 0:
                    break
                chunk = chunks[0]
                part, rest = chunk[:window], chunk[window:]
                if rest:
                    chunks[0] = rest
                else:
                    chunks.pop(0)
                self.h2.send_data(sid, part, end_stream=not chunks and sid in self.ending)
            if not chunks and sid in self.ending:
                if self.h2.streams.get(sid) is not None and not self.h2.streams[sid].closed:
                    self.h2.end_stream(sid)
                self._forget(sid)
                return
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            self._forget(sid)
            return
        resume = self.resumers.get(sid)
        if resume is not None and self._waiting(sid) < HIGH // 2:
            del self.resumers[sid]
            resume()

    def _forget(self, sid: int) -> None:
        self.pending.pop(sid, None)
        self.ending.discard(sid)
        resume = self.resumers.pop(sid, None)
        if resume is not None:
            resume()
