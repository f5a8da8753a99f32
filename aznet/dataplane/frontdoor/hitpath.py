"""The edge's cache-hit fast path: a plain GET answered from a stored object as soon as it is parsed, without a
task, in one write: the object's pre-rendered head (``EdgeCache.quick``) with Age and X-Azure-Ref spliced in.

It answers only what the full path (``proxy.EdgeProxy.serve``) would answer the same way from the cache: the
route allows it (``fastpath.plan``), the request is a GET without a body and without a header the cache answers
for (Range, If-Range, If-None-Match, If-Modified-Since) or that needs a check first (a looping
X-Azure-RequestChain), and the object has no Vary and an answer that does not depend on Accept-Encoding.
Metrics and the access log record the request as the full path would (``Telemetry.count`` / ``record``)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from .cache.policy import BYPASS, IGNORE
from .refs import new_ref_bytes

if TYPE_CHECKING:
    from ..appgw.frontend import ClientConn, Request
    from .fastpath import Head, Route
    from .proxy import EdgeProxy
    from .service import EdgeSocket

END_KEEP = b"\r\n\r\n"
END_CLOSE = b"\r\nConnection: close\r\n\r\n"


def client_address(socket_ip: str, xff: str | None) -> str:
    """Front Door's client IP: the first X-Forwarded-For address, if any, else the socket's."""
    if xff:
        first = xff.split(",", 1)[0].strip()
        try:
            ipaddress.ip_address(first)
            return first
        except ValueError:
            pass
    return socket_ip


class HitPath:
    def __init__(self, proxy: EdgeProxy) -> None:
        self.proxy = proxy
        self.svc = proxy.svc

    def answer(self, st: EdgeSocket, conn: ClientConn, req: Request, found: Route, head: Head
               ) -> tuple[bytes, bool] | None:
        """The whole answer (bytes, keep-alive) for a cache hit the fast path may serve; None: the full path.
        ``found``: the route (``FastPaths.route``); ``head``: what ``FastPaths.read`` read from the request."""
        host, spec, match, plan = found
        policy = plan.hit
        assert policy is not None
        path, query = head.path, head.query
        if query and policy.query_mode == BYPASS:
            return None                     # not cached (the plan checked the rest of ``policy.caches``)
        key = host + path if not query or policy.query_mode == IGNORE else policy.cache_key(host, path, query)
        cache = self.proxy.cache
        entry = cache.quick(plan.scope, key, policy)
        if entry is None:
            return None
        age = int(cache.clock() - entry.stored_at)
        ref = new_ref_bytes()
        keep = req.keep_alive
        _, before_age, before_ref = entry.rendered  # type: ignore[misc]
        data = b"".join((before_age, b"%d" % (age if age > 0 else 0), before_ref, ref,
                         END_KEEP if keep else END_CLOSE, entry.body))
        socket_ip = conn.peer[0]
        client_ip = client_address(socket_ip, head.xff)
        tel = self.svc.telemetry
        owner = spec.owner
        request_bytes = len(req.url) + req.hsize
        if tel.logging(owner):
            from .proxy import Exchange
            ex = Exchange(ref.decode("ascii"), req.started, req.method, conn.scheme, host, path, query,
                          client_ip, conn.peer[1], socket_ip, req.version, request_bytes)
            fill_agents(ex, req)
            ex.spec, ex.route, ex.status, ex.sent, ex.cache = spec, match.item, entry.status, len(data), \
                "TCP_HIT"
            ex.sni, ex.tls, ex.port = conn.sni or "", st.tls_version(conn), st.port
            tel.record(ex)
        else:
            tel.count(owner, client_ip, entry.status, request_bytes, len(data), (st.now() - req.started) * 1000,
                      "TCP_HIT")
        return data, keep


def fill_agents(ex: object, req: Request) -> None:
    """The access log's userAgent and referer (the first of each header)."""
    agent = referer = None
    for k, v in req.headers:
        low = k.lower()
        if low == "user-agent" and agent is None:
            agent = v
        elif low == "referer" and referer is None:
            referer = v
    ex.user_agent, ex.referer = agent or "", referer or ""  # type: ignore[attr-defined]
