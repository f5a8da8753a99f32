"""The edge's pass-through fast path: a request on a route that needs nothing but an origin (``fastpath.plan``)
goes to the origin as soon as it is parsed, on a kept-alive connection, and the answer is written from the
reply's callback (``UpstreamConn.send(cb=)``; the pool's sweep times it out): no task, no coroutine, no future,
unless the pool has no idle connection or the idle one turns out closed (then one task connects, as
``UpstreamPool.request`` does) or the answer is long (streamed by ``EdgeProxy._stream``).

What reaches the origin and the client is what the full path (``proxy.EdgeProxy.serve``) sends for such a route:
the origin picked by priority, weight and health, ``Host`` = the origin host header (else the client's), the
client's headers without the hop-by-hop and reserved ones, then Via, X-Azure-ClientIP, X-Azure-SocketIP,
X-Azure-Ref, X-Azure-RequestChain, X-Azure-FDID, X-Forwarded-For/Host/Proto; the answer as ``_relay`` frames
it; errors as ``_error`` answers them; metrics and the access log as ``Telemetry.record``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..appgw import pages as gw_pages
from ..appgw.upstream import BackendError, Reply
from .hitpath import client_address, fill_agents
from .paths import forward_path
from .proxy import NOT_PASSED, Exchange
from .refs import new_ref

if TYPE_CHECKING:
    from ..appgw.frontend import ClientConn, Request
    from .fastpath import Scan
    from .proxy import EdgeProxy
    from .service import EdgeSocket

log = logging.getLogger("aznet.frontdoor")
WITH_LENGTH = ("POST", "PUT", "PATCH")


class _Job:
    """One request on its way: what the answer needs once the origin replies."""
    __slots__ = ("path", "st", "conn", "req", "ex", "keep", "debug", "where", "data")

    def __init__(self, path: PassPath, st: EdgeSocket, conn: ClientConn, req: Request, ex: Exchange, keep: bool,
                 debug: bool, where: tuple[str, int], data: bytes) -> None:
        self.path, self.st, self.conn, self.req, self.ex = path, st, conn, req, ex
        self.keep, self.debug, self.where, self.data = keep, debug, where, data

    def replied(self, reply: Reply | None, err: BackendError | None) -> None:
        """The origin connection's callback (``UpstreamConn.send(cb=)``)."""
        if err is not None:
            if err.kind == "reset":        # the idle connection had closed: once more on a new one
                self.conn.loop.create_task(self.path.later(self, fresh=True))
                return
            self.path.failed(self, err)
            return
        assert reply is not None
        self.path.answer(self, reply)


class PassPath:
    def __init__(self, proxy: EdgeProxy) -> None:
        self.proxy = proxy
        self.svc = proxy.svc

    def start(self, st: EdgeSocket, conn: ClientConn, req: Request, scan: Scan) -> bool:
        """Sends ``req`` on its way (the answer follows on ``conn``); always True: the request is taken."""
        svc, proxy = self.svc, self.proxy
        group = scan.plan.group
        assert group is not None
        spec, route = scan.spec, scan.match.item
        owner = spec.owner
        socket_ip, client_port = conn.peer
        client_ip = client_address(socket_ip, scan.xff)
        keep = req.keep_alive
        method = req.method
        body = req.body
        ex = Exchange(new_ref(), req.started, method, conn.scheme, scan.host, scan.path, scan.query, client_ip,
                      client_port, socket_ip, req.version, len(req.url) + req.hsize + len(body))
        if conn.scheme == "https":
            ex.sni, ex.tls = conn.sni or "", st.tls_version(conn)
        ex.port = st.port
        ex.spec, ex.route, ex.group = spec, route, group
        if svc.telemetry.logging(owner):
            fill_agents(ex, req)
        only = scan.plan.only
        if only is not None:                # one origin: the rotation is that origin while it is enabled
            origin = only if only.enabled else None
        else:
            origin = svc.balancer.pick(group, svc.candidates(group), None)
        if origin is None:
            conn.finish(*proxy._error(ex, 503, keep, scan.debug))
            return True
        ex.origin = origin
        where = svc.resolve(origin.host, origin.http_port)
        host_header = origin.host_header or scan.raw_host
        m = scan.match
        target = forward_path(scan.path, m.pattern, m.remainder, route.origin_path)
        if scan.query:
            target += "?" + scan.query
        ex.origin_url = f"http://{host_header}{target}"
        if isinstance(where, str):
            ex.error = "OriginConnectionError"
            conn.finish(*proxy._error(ex, 503, keep, scan.debug, where))
            return True
        ex.origin_ip = f"{where[0]}:{where[1]}"
        parts = [f"{method} {target} HTTP/1.1\r\nHost: {host_header}\r\n"]
        for k, v in req.headers:
            low = k.lower()
            if low not in NOT_PASSED and not low.startswith("x-fd-"):
                parts.append(f"{k}: {v}\r\n")
        xff = scan.xff
        parts.append(f"Via: {req.version} Azure\r\nX-Azure-ClientIP: {client_ip}\r\nX-Azure-SocketIP: {socket_ip}\r\n"
                     f"X-Azure-Ref: {ex.ref}\r\nX-Azure-RequestChain: hops={scan.hops + 1}\r\n"
                     f"X-Azure-FDID: {owner.fdid}\r\n"
                     f"X-Forwarded-For: {f'{xff}, {socket_ip}' if xff else socket_ip}\r\n"
                     f"X-Forwarded-Host: {scan.raw_host}\r\nX-Forwarded-Proto: {conn.scheme}\r\n")
        if body or method in WITH_LENGTH:
            parts.append(f"Content-Length: {len(body)}\r\n")
        parts.append("\r\n")
        data = "".join(parts).encode("latin-1")
        if body:
            data += bytes(body)
        job = _Job(self, st, conn, req, ex, keep, scan.debug, where, data)
        ex.origin_started = st.now()
        upstream = proxy.upstream
        origin_conn = upstream.take((where[0], where[1], None, None))
        if origin_conn is None:             # no idle connection to the origin: connect (a task)
            conn.loop.create_task(self.later(job))
            return True
        origin_conn.send(data, method == "HEAD", True, cb=job.replied,
                         deadline=origin_conn.loop.time() + owner.timeout)
        return True

    async def later(self, job: _Job, fresh: bool = False) -> None:
        """The request sent by ``UpstreamPool.request``: on a new connection (none idle), or once more on a fresh
        one (``fresh``: the idle one turned out closed)."""
        try:
            assert job.ex.spec is not None
            reply = await self.proxy.upstream.request(job.where[0], job.where[1], job.data, job.req.method == "HEAD",
                                                      job.ex.spec.owner.timeout, stream=True, fresh=fresh)
        except BackendError as err:
            self.failed(job, err)
            return
        except Exception:                   # noqa: BLE001 - a bug must not leave the client hanging
            self.crashed(job)
            return
        self.answer(job, reply)

    def answer(self, job: _Job, reply: Reply) -> None:
        ex, proxy = job.ex, self.proxy
        try:
            ex.origin_done = job.st.now()
            ex.origin_status = reply.status
            extra: list[tuple[str, str]] = []
            if job.debug:
                extra.append(("X-Azure-OriginStatusCode", str(reply.status)))
            if reply.stream is not None:    # a long answer: written as it comes (a task)
                job.conn.loop.create_task(self._stream(job, reply, extra))
                return
            if len(reply.body) > proxy.buffered_peak:
                proxy.buffered_peak = len(reply.body)
            out = proxy._relay(ex, reply, extra, job.keep)
        except Exception:                   # noqa: BLE001
            self.crashed(job)
            return
        job.conn.finish(*out)

    async def _stream(self, job: _Job, reply: Reply, extra: list[tuple[str, str]]) -> None:
        try:
            out = await self.proxy._stream(job.ex, reply, extra, None, job.keep, job.conn)
        except Exception:                   # noqa: BLE001
            self.crashed(job)
            return
        job.conn.finish(*out)

    def failed(self, job: _Job, err: BackendError) -> None:
        """The origin could not answer: Azure's error answer, as the full path gives it."""
        ex = job.ex
        ex.origin_done = job.st.now()
        if err.kind == "timeout":
            ex.error = "OriginTimeout"
            out = self.proxy._error(ex, 504, job.keep, job.debug)
        else:
            ex.error = "OriginInvalidResponse" if err.kind == "invalid" else "OriginConnectionError"
            detail = "The certificate authority is unfamiliar" if err.kind == "tls" else err.detail or err.kind
            out = self.proxy._error(ex, 503, job.keep, job.debug, detail)
        job.conn.finish(*out)

    def crashed(self, job: _Job) -> None:
        job.st.log_exception()
        job.conn.finish(gw_pages.response(500, gw_pages.error_page(500), keep_alive=False), False)

