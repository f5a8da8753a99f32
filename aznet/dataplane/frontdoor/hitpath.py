"""The edge's cache-hit fast path: a plain GET answered from a stored object as soon as it is parsed, without a
task, in one write: the object's pre-rendered head (``EdgeCache.quick``) with Age and X-Azure-Ref spliced in.

It answers only what the full path (``proxy.EdgeProxy.serve``) would answer the same way from the cache:
- a GET without a body, in origin form (``/path?query``), on HTTP/1.x;
- a host the edge serves (enabled), a route whose (host, route, protocol) needs nothing before the cache: no WAF
  policy, no rules engine, no redirect, no HTTPS redirect for this protocol, caching on for GET (``plan``);
- no header that changes a hit's answer or needs a check first: Range, If-Range, If-None-Match,
  If-Modified-Since (the cache answers those), X-Azure-RequestChain (the loop check);
- an object without Vary whose answer does not depend on Accept-Encoding.
Everything else returns None and takes the full path. Metrics and the access log record the request as the full
path would (``Telemetry.count`` / ``record``)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from .paths import host_lookup
from .refs import new_ref_bytes

if TYPE_CHECKING:
    from ..appgw.frontend import ClientConn, Request
    from .cache.policy import CachePolicy
    from .model import HostSpec, RouteSpec
    from .proxy import EdgeProxy
    from .service import EdgeSocket

FULL_PATH = frozenset({"range", "if-range", "if-none-match", "if-modified-since", "x-azure-requestchain"})
END_KEEP = b"\r\n\r\n"
END_CLOSE = b"\r\nConnection: close\r\n\r\n"


class HitPath:
    def __init__(self, proxy: EdgeProxy) -> None:
        self.proxy = proxy
        self.svc = proxy.svc
        self.config: Any = None
        # (host spec, route, protocol) of the current configuration -> (cache scope, policy), or None: full path
        self.plans: dict[tuple[int, int, str], tuple[str, CachePolicy] | None] = {}

    def plan(self, spec: HostSpec, route: RouteSpec, scheme: str) -> tuple[str, CachePolicy] | None:
        svc = self.svc
        if self.config is not svc.config:       # a new configuration: its routes are new objects
            self.plans.clear()
            self.config = svc.config
        key = (id(spec), id(route), scheme)
        try:
            return self.plans[key]
        except KeyError:
            pass
        policy = route.policy
        ok = (route.engine is None and route.redirect is None and not (route.https_redirect and scheme == "http")
              and not (route.waf_policy or spec.waf_policy) and svc.waf_inspect == svc.waf.inspect
              and policy is not None and policy.enabled and not policy.bypass and "GET" in policy.methods)
        got = (route.owner.endpoint_id.lower(), policy) if ok else None
        self.plans[key] = got
        return got

    def answer(self, st: EdgeSocket, conn: ClientConn, req: Request) -> tuple[bytes, bool] | None:
        """The whole answer (bytes, keep-alive) for a cache hit the fast path may serve; None: the full path."""
        if req.method != "GET" or req.body or req.h2_stream:
            return None
        url = req.url
        if url[:1] != b"/":
            return None
        host = xff = None
        for k, v in req.headers:
            low = k.lower()
            if low == "host":
                if host is None:
                    host = v
            elif low in FULL_PATH:
                return None
            elif low == "x-forwarded-for" and xff is None:
                xff = v
        if not host:
            return None
        target = url.decode("latin-1")
        if "#" in target:
            return None
        path, _, query = target.partition("?")
        host = host.lower()
        host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
        svc = self.svc
        spec = host_lookup(svc.config.hosts, host)
        if spec is None:
            return None
        owner = spec.owner
        if not owner.enabled:
            return None
        scheme = conn.scheme
        table = spec.tables.get(scheme)
        m = table.match(path) if table is not None else None
        if m is None:
            return None
        plan = self.plan(spec, m.item, scheme)
        if plan is None:
            return None
        scope, policy = plan
        if not policy.caches("GET", query):
            return None
        cache = self.proxy.cache
        entry = cache.quick(scope, policy.cache_key(host, path, query), policy)
        if entry is None:
            return None
        age = int(cache.clock() - entry.stored_at)
        ref = new_ref_bytes()
        keep = req.keep_alive
        _, before_age, before_ref = entry.rendered  # type: ignore[misc]
        data = b"".join((before_age, b"%d" % (age if age > 0 else 0), before_ref, ref,
                         END_KEEP if keep else END_CLOSE, entry.body))
        client_ip = socket_ip = conn.peer[0]
        if xff:                          # Front Door's client IP: the first X-Forwarded-For address, if any
            first = xff.split(",", 1)[0].strip()
            try:
                ipaddress.ip_address(first)
                client_ip = first
            except ValueError:
                pass
        tel = svc.telemetry
        request_bytes = len(url) + req.hsize
        if tel.logging(owner):
            self._log(st, conn, req, spec, m.item, ref.decode("ascii"), host, path, query, client_ip, socket_ip,
                      request_bytes, entry.status, len(data))
        else:
            tel.count(owner, client_ip, entry.status, request_bytes, len(data), (st.now() - req.started) * 1000,
                      "TCP_HIT")
        return data, keep

    def _log(self, st: EdgeSocket, conn: ClientConn, req: Request, spec: HostSpec, route: RouteSpec, ref: str,
             host: str, path: str, query: str, client_ip: str, socket_ip: str, request_bytes: int, status: int,
             sent: int) -> None:
        """A hit whose owner keeps an access log: the full record, as the full path makes it."""
        from .proxy import Exchange
        hv: dict[str, str] = {}
        for k, v in req.headers:
            hv.setdefault(k.lower(), v)
        ex = Exchange(ref, req.started, req.method, conn.scheme, host, path, query, client_ip, conn.peer[1],
                      socket_ip, req.version, request_bytes, hv.get("user-agent", ""), hv.get("referer", ""))
        ex.spec, ex.route, ex.status, ex.sent, ex.cache = spec, route, status, sent, "TCP_HIT"
        ex.sni, ex.tls, ex.port = conn.sni or "", st.tls_version(conn), st.port
        self.svc.telemetry.record(ex)
