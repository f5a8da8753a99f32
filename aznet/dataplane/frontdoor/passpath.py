"""The edge's pass-through fast path: a request on a route that needs nothing but an origin (``fastpath.plan``)
goes to the origin as soon as it is parsed, on a kept-alive connection (HTTP, or HTTPS with the origin's TLS
settings), and the answer is written from the reply's callback (``UpstreamConn.send(cb=)``; the pool's sweep times
it out): no task, no coroutine, no future; the request's bytes and the answer's are written with the loop turn's
others (``appgw.writebatch``). A task only when the pool has no idle connection or the idle one turns out closed
(then one task connects, as ``UpstreamPool.request`` does) or the answer is long (streamed by
``EdgeProxy._stream``).

What reaches the origin and the client is what the full path (``proxy.EdgeProxy.serve``) sends for such a route:
the origin picked by priority, weight and health, ``Host`` = the origin host header (else the client's), the
client's headers without the hop-by-hop and reserved ones, then Via, X-Azure-ClientIP, X-Azure-SocketIP,
X-Azure-Ref, X-Azure-RequestChain, X-Azure-FDID, X-Forwarded-For/Host/Proto; the answer as ``_relay`` frames
it; errors as ``_error`` answers them; metrics and the access log as ``Telemetry.record``.

Per request the path keeps to the few values that change (the reference, the addresses, the target); what a
route shares is in its ``Plan`` (``fastpath``). The request's ``Exchange`` (the full path's record) is built only
when something needs it: an access log, an error, a streamed answer."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from ..appgw import pages as gw_pages
from ..appgw.fastpath import LENGTH_LINES, length_line
from ..appgw.upstream import BackendError, Reply
from ..appgw.writebatch import WriteBatch
from . import pages
from .balancer import affinity_value
from .headerkinds import PASSES, passed
from .hitpath import client_address, fill_agents
from .paths import forward_path
from .proxy import AFFINITY, HOP_B, EdgeProxy, Exchange, _cookie
from .refs import new_ref_bytes

if TYPE_CHECKING:
    from ..appgw.frontend import ClientConn, Request
    from ..appgw.upstream import UpstreamConn
    from .balancer import OriginSpec
    from .fastpath import Head, Route
    from .service import EdgeSocket

log = logging.getLogger("aznet.frontdoor")
WITH_LENGTH = ("POST", "PUT", "PATCH")
NO_CACHE_TAIL = b"\r\nX-Cache: CONFIG_NOCACHE\r\n"
CHAIN_LINE = "\r\nX-Azure-RequestChain: hops="
CRLF = "\r\n"
STATUS_LINES: dict[tuple[int, bytes], bytes] = {}
HOP_LENGTHS = frozenset(len(h) for h in HOP_B)     # a header of another length is passed without lower-casing it
_perf = time.perf_counter


def status_line(status: int, reason: bytes) -> bytes:
    """``HTTP/1.1 <status> <reason>`` as ``EdgeProxy._relay`` writes it (the origin's reason, else the standard
    one), kept for the few pairs that recur."""
    line = STATUS_LINES.get((status, reason))
    if line is None:
        line = b"HTTP/1.1 %d %b\r\n" % (status, reason or pages.reason(status).encode("latin-1"))
        if len(STATUS_LINES) < 256:
            STATUS_LINES[(status, reason)] = line
    return line


def kept_head(reply: Reply) -> bytes:
    """The answer's status line and the origin's headers that go on to the client (not the hop-by-hop ones), as
    ``EdgeProxy._relay`` writes them: a function of the origin's head alone."""
    out = [STATUS_LINES.get((reply.status, reply.reason)) or status_line(reply.status, reply.reason)]
    for k, v in reply.headers:
        if len(k) not in HOP_LENGTHS or k.lower() not in HOP_B:
            out += (k, b": ", v, b"\r\n")
    return b"".join(out)


class _Job:
    """One request on its way: what the answer, the metrics and the log need once the origin replies."""
    __slots__ = ("path", "st", "conn", "req", "found", "head", "debug", "client_ip", "socket_ip", "keep", "origin",
                 "where", "ref", "target", "host_header", "https", "data", "started", "ctx", "sni", "done", "cookies")

    def __init__(self, path: PassPath, st: EdgeSocket, conn: ClientConn, req: Request, found: Route, head: Head,
                 client_ip: str, socket_ip: str) -> None:
        self.path, self.st, self.conn, self.req, self.found, self.head = path, st, conn, req, found, head
        self.debug, self.client_ip, self.socket_ip, self.keep = head.debug, client_ip, socket_ip, req.keep_alive
        self.origin: OriginSpec | None = None
        self.where: tuple[str, int] | None = None
        self.ref = b""
        self.target = ""
        self.cookies: list[tuple[str, str]] | None = None     # session affinity's Set-Cookie headers, when set
        self.started = self.done = 0.0      # when the request went to the origin; when its answer (or error) came

    def replied(self, reply: Reply | None, err: BackendError | None) -> None:
        """The origin connection's callback (``UpstreamConn.send(cb=)``)."""
        if err is None:
            self.path.answer(self, reply)  # type: ignore[arg-type]
        elif err.kind == "reset":          # the idle connection had closed: once more on a new one
            self.conn.loop.create_task(self.path.later(self, fresh=True))
        else:
            self.path.failed(self, err)

    def exchange(self) -> Exchange:
        """The full path's record of this request (for the access log, an error answer, a streamed answer)."""
        conn, req = self.conn, self.req
        low_host, spec, m, plan = self.found
        ex = Exchange((self.ref or new_ref_bytes()).decode("ascii"), req.started, req.method, conn.scheme, low_host,
                      self.head.path, self.head.query, self.client_ip, conn.peer[1], self.socket_ip, req.version,
                      len(req.url) + req.hsize + len(req.body))
        if conn.scheme == "https":
            ex.sni, ex.tls = conn.sni or "", self.st.tls_version(conn)
        ex.port = self.st.port
        ex.spec, ex.route, ex.group = spec, m.item, plan.group
        ex.origin = self.origin
        if self.target:
            ex.origin_url = f"{'https' if self.https else 'http'}://{self.host_header}{self.target}"
        if self.where is not None:
            ex.origin_ip = f"{self.where[0]}:{self.where[1]}"
        ex.origin_started, ex.origin_done = self.started, self.done
        if self.path.svc.telemetry.logging(spec.owner):
            fill_agents(ex, req)
        return ex


class PassPath:
    def __init__(self, proxy: EdgeProxy) -> None:
        self.proxy = proxy
        self.svc = proxy.svc
        self.upstream = proxy.upstream
        self.batch: WriteBatch | None = None    # this loop's writes, made once per turn (``appgw.writebatch``)

    def start(self, st: EdgeSocket, conn: ClientConn, req: Request, found: Route, head: Head) -> bool:
        """Sends ``req`` on its way (the answer follows on ``conn``); always True: the request is taken.
        ``found``: the route (``FastPaths.route``); ``head``: what ``FastPaths.read`` read from the request."""
        svc = self.svc
        plan = found[3]
        socket_ip = conn.peer[0]
        raw_host, upath, query, xff, hops, debug = head.host, head.path, head.query, head.xff, head.hops, head.debug
        assert raw_host is not None
        client_ip = client_address(socket_ip, xff) if xff else socket_ip
        job = _Job(self, st, conn, req, found, head, client_ip, socket_ip)
        only = plan.only
        if only is not None:                # one origin: the rotation is that origin while it is enabled
            origin = only if only.enabled else None
        else:
            group = plan.group
            assert group is not None
            wanted = None
            if plan.affinity:               # the origin the ASLBSA cookie names, if still available (as the full path)
                for k, v in req.headers:
                    if len(k) == 6 and k.lower() == "cookie":
                        wanted = _cookie(v, AFFINITY)
                        break
            origin = svc.balancer.pick(group, svc.candidates(group), wanted)
            if origin is not None and plan.affinity and wanted != affinity_value(group.id, origin.id):
                job.cookies = EdgeProxy._affinity_cookies(group.id, origin.id)
        if origin is None:
            conn.finish(*self.proxy._error(job.exchange(), 503, job.keep, debug))
            return True
        job.origin = origin
        host_header = job.host_header = origin.host_header or raw_host
        route = found[2].item
        target = job.target = (upath if not route.origin_path else
                               forward_path(upath, found[2].pattern, found[2].remainder, route.origin_path))
        if query:
            target = job.target = f"{target}?{query}"
        if origin is only and plan.key is not None:     # (the one HTTP origin at an address: ``_remember``)
            where = job.where = plan.where
            key = plan.key
            https = job.https = False
            job.ctx = job.sni = None
        else:
            https = job.https = plan.https
            port = origin.https_port if https else origin.http_port
            where = svc.where.get((origin.host, port)) or svc.resolve(origin.host, port)
            if isinstance(where, str):
                ex = job.exchange()
                ex.error = "OriginConnectionError"
                conn.finish(*self.proxy._error(ex, 503, job.keep, debug, where))
                return True
            job.where = where
            if https:
                ctx = job.ctx = self.proxy.origin_context(origin.cert_name_check and found[1].owner.cert_name_check)
                sni = job.sni = host_header.split(":", 1)[0]
                key = (where[0], where[1], id(ctx), sni)
            else:
                job.ctx = job.sni = None
                key = (where[0], where[1], None, None)
                if origin is only and svc.where.get((origin.host, port)) is where:
                    plan.where, plan.key = where, key
        method = req.method
        body = req.body
        ref = job.ref = new_ref_bytes()
        kept = head.kept
        if kept is None:                    # the client's headers passed on (kept with the head's shape)
            kept = ""
            passes = PASSES                 # (``headerkinds``: the name as sent -> passed to the origin or not)
            for k, v in req.headers:
                ok = passes.get(k)
                if ok or ok is None and passed(k):
                    kept += f"{k}: {v}\r\n"
            head.kept = kept
        lines = (f"{method} {target} HTTP/1.1\r\nHost: {host_header}\r\n{kept}Via: {req.version} Azure\r\n"
                 f"X-Azure-ClientIP: {client_ip}\r\nX-Azure-SocketIP: {socket_ip}\r\nX-Azure-Ref: {ref.decode()}"
                 f"{plan.chain_fdid if not hops else f'{CHAIN_LINE}{hops + 1}{CRLF}{plan.fdid_line}'}"
                 f"X-Forwarded-For: {f'{xff}, {socket_ip}' if xff else socket_ip}\r\n"
                 f"X-Forwarded-Host: {raw_host}\r\n{plan.proto_line}")
        if body or method in WITH_LENGTH:
            data = job.data = f"{lines}Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body
        else:
            data = job.data = f"{lines}\r\n".encode("latin-1")
        job.started = _perf()
        origin_conn: UpstreamConn | None = self.upstream.take(key)
        if origin_conn is None:             # no idle connection to the origin: connect (a task)
            conn.loop.create_task(self.later(job))
            return True
        origin_conn.expect(method == "HEAD", True, job.replied, origin_conn.loop.time() + found[1].owner.timeout)
        batch = self.batch
        if batch is None or batch.loop is not conn.loop:
            batch = self.batch = WriteBatch(conn.loop)
        batch.send(origin_conn.transport, data)     # written with the turn's other requests and answers
        return True

    async def later(self, job: _Job, fresh: bool = False) -> None:
        """The request sent by ``UpstreamPool.request``: on a new connection (none idle), or once more on a fresh
        one (``fresh``: the idle one turned out closed)."""
        try:
            assert job.where is not None
            reply = await self.upstream.request(job.where[0], job.where[1], job.data, job.req.method == "HEAD",
                                                job.found[1].owner.timeout, job.ctx,  # type: ignore[arg-type]
                                                job.sni, stream=True, fresh=fresh)
        except BackendError as err:
            self.failed(job, err)
            return
        except Exception:                   # noqa: BLE001 - a bug must not leave the client hanging
            self.crashed(job)
            return
        self.answer(job, reply)

    def answer(self, job: _Job, reply: Reply) -> None:
        """The origin's answer to the client in one write, framed as ``EdgeProxy._relay`` frames it; the metrics
        (and the access log) as ``Telemetry.record`` counts them."""
        try:
            now = job.done = _perf()
            if reply.stream is not None:    # a long answer: written as it comes (a task)
                job.conn.loop.create_task(self._stream(job, reply))
                return
            status = reply.status
            body = reply.body
            proxy = self.proxy
            size = len(body)
            if size > proxy.buffered_peak:
                proxy.buffered_peak = size
            shape = reply.shape             # a head seen before: its status line and passed headers made once
            if shape is None:
                kept = kept_head(reply)
            else:
                kept = shape.derived.get("frontdoor")
                if kept is None:
                    kept = shape.derived["frontdoor"] = kept_head(reply)
            out = [kept, b"X-Azure-Ref: ", job.ref, NO_CACHE_TAIL]
            if job.debug:
                out.append(b"X-Azure-OriginStatusCode: %d\r\n" % status)
            if job.cookies is not None:
                out.append("".join(f"{k}: {v}\r\n" for k, v in job.cookies).encode("latin-1"))
            if status not in (204, 304) and not 100 <= status < 200:
                out.append(LENGTH_LINES.get(size) or length_line(size))
            out.append(b"\r\n" if job.keep else b"Connection: close\r\n\r\n")
            req = job.req
            if req.method != "HEAD":
                out.append(body)
            data = b"".join(out)
            tel = self.svc.telemetry
            owner = job.found[1].owner
            if tel.logging(owner):
                ex = job.exchange()
                ex.origin_status, ex.status, ex.sent = status, status, len(data)
                tel.record(ex)
            else:
                assert job.origin is not None
                tel.passed(owner, job.client_ip, status, len(req.url) + req.hsize + len(req.body), len(data),
                           (now - req.started) * 1000, job.origin.host, (now - job.started) * 1000)
        except Exception:                   # noqa: BLE001
            self.crashed(job)
            return
        conn = job.conn                     # ``finish_later``, inline
        batch = self.batch
        if batch is None or batch.loop is not conn.loop:
            batch = self.batch = WriteBatch(conn.loop)
        conn.finish_later(batch, data, job.keep)

    def finish_later(self, conn: ClientConn, data: bytes, keep: bool) -> None:
        """``conn.finish``, written with the loop turn's other answers (``appgw.writebatch``)."""
        batch = self.batch
        if batch is None or batch.loop is not conn.loop:
            batch = self.batch = WriteBatch(conn.loop)
        conn.finish_later(batch, data, keep)

    async def _stream(self, job: _Job, reply: Reply) -> None:
        try:
            ex = job.exchange()
            ex.origin_status = reply.status
            extra = [("X-Azure-OriginStatusCode", str(reply.status))] if job.debug else []
            if job.cookies is not None:
                extra += job.cookies
            out = await self.proxy._stream(ex, reply, extra, None, job.keep, job.conn)
        except Exception:                   # noqa: BLE001
            self.crashed(job)
            return
        job.conn.finish(*out)

    def failed(self, job: _Job, err: BackendError) -> None:
        """The origin could not answer: Azure's error answer, as the full path gives it."""
        job.done = _perf()
        ex = job.exchange()
        debug = job.debug
        if err.kind == "timeout":
            ex.error = "OriginTimeout"
            out = self.proxy._error(ex, 504, job.keep, debug)
        else:
            ex.error = "OriginInvalidResponse" if err.kind == "invalid" else "OriginConnectionError"
            detail = "The certificate authority is unfamiliar" if err.kind == "tls" else err.detail or err.kind
            out = self.proxy._error(ex, 503, job.keep, debug, detail)
        job.conn.finish(*out)

    def crashed(self, job: _Job) -> None:
        job.st.log_exception()
        job.conn.finish(gw_pages.response(500, gw_pages.error_page(500), keep_alive=False), False)
