"""The edge's request path: host and route (``paths``), redirects, the origin (``balancer``), the forwarded
request with Azure's headers, the answer in one buffer.

Headers to the origin ("Protocol support for HTTP headers in Azure Front Door"): the client's headers except
hop-by-hop ones and the reserved ``X-FD-*``; ``Host`` = the origin host header (empty: the client's Host);
``Via: <client HTTP version> Azure``; ``X-Azure-ClientIP``; ``X-Azure-SocketIP``; ``X-Azure-Ref``;
``X-Azure-RequestChain: hops=<n>``; ``X-Azure-FDID``; ``X-Forwarded-For`` (the existing value, then the socket
address); ``X-Forwarded-Host`` and ``X-Forwarded-Proto`` (any previous value overridden). To the client: the
origin's headers, ``X-Azure-Ref`` and ``X-Cache``; with ``X-Azure-DebugInfo: 1`` also
``X-Azure-OriginStatusCode`` and, on a connection error, ``X-Azure-ExternalError``.

TLS to an origin: SNI and certificate name check against the origin host header (Azure's rule), unless
``enforceCertificateNameCheck`` is off; the chain must verify against the system's roots or the aznet CA.
Session affinity (origin group ``sessionAffinityState``, classic frontend ``sessionAffinityEnabledState``):
cookies ``ASLBSA`` and ``ASLBSACORS`` (``SameSite=None; Secure``), session cookies; a cookie naming an origin no
longer available is replaced. A request whose ``X-Azure-RequestChain`` already counts ``MAX_HOPS`` edges is a loop:
508 (inferred)."""

from __future__ import annotations

import ipaddress
import ssl
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httptools

from ..appgw.answerstream import relay_answer
from ..appgw.upstream import BackendError, Reply, UpstreamPool
from . import pages
from .balancer import GroupSpec, OriginSpec, affinity_value
from .cache.chunks import CHUNK
from .exchange import EdgeRequest, EdgeResponse
from .model import HostSpec, RouteSpec
from .paths import forward_path, host_lookup
from .refs import new_ref
from .rules import apply_header_ops

if TYPE_CHECKING:
    from ..appgw.frontend import ClientConn, Request
    from .service import EdgeSocket, FrontDoorService

HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
       "content-length", "host"}
HOP_B = {h.encode() for h in HOP if h != "host"}
OURS = {"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-azure-clientip", "x-azure-socketip",
        "x-azure-ref", "x-azure-requestchain", "x-azure-fdid", "via"}
NOT_PASSED = frozenset(HOP | OURS)
AFFINITY = "ASLBSA"
MAX_HOPS = 5
REDIRECT_STATUS = {"moved": 301, "found": 302, "temporaryredirect": 307, "permanentredirect": 308}


@dataclass(slots=True)
class Exchange:
    """What one request did, for the access log and the metrics (``telemetry``)."""
    ref: str
    started: float
    method: str
    scheme: str
    host: str
    path: str
    query: str
    client_ip: str
    client_port: int
    socket_ip: str
    version: str
    request_bytes: int
    user_agent: str = ""
    referer: str = ""
    spec: HostSpec | None = None
    route: RouteSpec | None = None
    group: GroupSpec | None = None
    origin: OriginSpec | None = None
    origin_url: str = ""
    origin_ip: str = ""
    origin_started: float = 0.0
    origin_done: float = 0.0
    origin_status: int = 0
    status: int = 0
    sent: int = 0
    error: str = "NoError"
    cache: str = "CONFIG_NOCACHE"
    waf: dict[str, Any] = field(default_factory=dict)
    tls: str = ""
    sni: str = ""
    port: int = 80
    rules: list[str] = field(default_factory=list)


def _cookie(header: str | None, name: str) -> str | None:
    if not header:
        return None
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


class EdgeProxy:
    def __init__(self, svc: FrontDoorService) -> None:
        from .cache import EdgeCache
        self.svc = svc
        from .fastpath import FastPaths
        self.cache = EdgeCache()
        self.upstream = UpstreamPool()
        self.fast = FastPaths(self)        # cache hits and plain pass-through taken as soon as parsed (fastpath.py)
        # the most bytes of one origin answer the edge held at once: a buffered body, or a streamed answer's
        # bytes waiting in the client connection's write buffer (``_stream``)
        self.buffered_peak = 0
        self.streamed = 0             # answers passed on as they came
        self.client_ctx: dict[bool, ssl.SSLContext] = {}

    def close(self) -> None:
        self.upstream.close()

    def origin_context(self, check_name: bool) -> ssl.SSLContext:
        ctx = self.client_ctx.get(check_name)
        if ctx is None:
            ctx = ssl.create_default_context()
            ca = self.svc.settings.data_dir / "ca.pem"
            if ca.exists():
                ctx.load_verify_locations(cafile=str(ca))
            ctx.check_hostname = check_name
            ctx.set_alpn_protocols(["http/1.1"])
            self.client_ctx[check_name] = ctx
        return ctx

    # -- the request -----------------------------------------------------------------------------
    async def handle(self, st: EdgeSocket, conn: ClientConn, req: Request) -> tuple[bytes, bool]:
        try:
            url = httptools.parse_url(bytes(req.url))
        except httptools.HttpParserInvalidURLError:
            return pages.response(400, pages.error_page(400, new_ref()), keep_alive=False), False
        socket_ip, client_port = conn.client
        return await self.serve(st, conn.scheme, req, (url.path or b"/").decode("latin-1"),
                                (url.query or b"").decode("latin-1"), socket_ip, client_port, conn.sni or "",
                                st.tls_version(conn), conn)

    async def serve(self, st: Any, scheme: str, req: Request, path: str, query: str, socket_ip: str,
                    client_port: int, sni: str = "", tls: str = "", conn: ClientConn | None = None
                    ) -> tuple[bytes, bool]:
        """One request; with ``conn`` (an HTTP/1.1 client connection) a long origin answer is written to it as
        it comes (``_stream``) and the bytes returned are what is left to write."""
        svc = self.svc
        keep = req.keep_alive
        headers = req.headers
        hv: dict[str, str] = {}
        for k, v in headers:
            hv.setdefault(k.lower(), v)
        host = hv.get("host", "").lower()
        host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
        xff = hv.get("x-forwarded-for")
        client_ip = socket_ip
        if xff:                          # Front Door's client IP: the first X-Forwarded-For address, if any
            first = xff.split(",", 1)[0].strip()
            try:
                ipaddress.ip_address(first)
                client_ip = first
            except ValueError:
                pass
        hsize = getattr(req, "hsize", 0) or sum(len(k) + len(v) + 4 for k, v in headers)   # ClientConn counted it
        ex = Exchange(new_ref(), st.now(), req.method, scheme, host, path, query, client_ip, client_port,
                      socket_ip, req.version, len(req.url) + hsize + len(req.body), hv.get("user-agent", ""),
                      hv.get("referer", ""))
        ex.sni, ex.tls, ex.port = sni, tls, st.port
        debug = hv.get("x-azure-debuginfo") == "1"
        cfg = svc.config
        spec = host_lookup(cfg.hosts, host)
        ex.spec = spec
        if spec is None or not spec.owner.enabled:
            return self._error(ex, 404, keep, debug)
        m = spec.tables[scheme].match(path)
        if m is None:
            return self._error(ex, 404, keep, debug)
        route = m.item
        ex.route = route
        hops = 0
        chain = hv.get("x-azure-requestchain", "")
        if chain.startswith("hops="):
            try:
                hops = int(chain[5:])
            except ValueError:
                hops = 0
        if hops >= MAX_HOPS:
            return self._error(ex, 508, keep, debug)
        if svc.waf_inspect is not None:
            blocked = await svc.waf_inspect(ex, spec, route, req)
            if blocked is not None:
                return self._finish(ex, blocked, keep)
        if route.redirect is not None:
            return self._finish(ex, self._classic_redirect(route.redirect, ex), keep)
        if route.https_redirect and scheme == "http":
            target = f"https://{hv.get('host', host).split(':', 1)[0]}{path}" + (f"?{query}" if query else "")
            return self._finish(ex, (307, [("Location", target)], b""), keep)
        outcome = None
        ereq = None
        if route.engine is not None or (route.policy is not None and route.policy.enabled):
            ereq = EdgeRequest(req.method, scheme, host, path, query, list(headers), client_ip, client_port,
                               socket_ip, st.port, req.version, tls, bytes(req.body))
        if route.engine is not None:
            assert ereq is not None
            outcome = route.engine.evaluate(ereq)
            ex.rules = list(outcome.matched)
            if outcome.redirect is not None:
                hdrs = apply_header_ops([("Location", outcome.redirect.location)], outcome.response_headers)
                return self._finish(ex, (outcome.redirect.status, hdrs, b""), keep)
        group_key = route.group or ""
        fwd = route.forwarding_protocol.lower()
        policy = route.policy
        if outcome is not None:
            if outcome.origin_group:
                group_key = outcome.origin_group.lower()
            if outcome.forwarding_protocol:
                fwd = outcome.forwarding_protocol.lower()
            if policy is not None and not outcome.cache.empty:
                policy = policy.with_rules(outcome.cache)
        look = None
        if policy is not None and policy.enabled and ereq is not None:
            look = self.cache.lookup(route.owner.endpoint_id.lower(), ereq, policy)
            ex.cache = look.x_cache
            if look.response is not None:
                return self._edge_response(ex, look.response, [], outcome, keep)
        group = cfg.groups.get(group_key)
        ex.group = group
        if group is None:
            return self._error(ex, 503, keep, debug)
        cands = self.svc.candidates(group)
        affinity_on = spec.affinity if spec.affinity is not None else group.affinity
        wanted = _cookie(hv.get("cookie"), AFFINITY) if affinity_on else None
        origin = svc.balancer.pick(group, cands, wanted)
        if origin is None:
            return self._error(ex, 503, keep, debug)
        ex.origin = origin
        set_cookie = affinity_on and wanted != affinity_value(group.id, origin.id)
        https = scheme == "https" if fwd == "matchrequest" else fwd == "httpsonly"
        port = origin.https_port if https else origin.http_port
        where = svc.resolve(origin.host, port)
        host_header = origin.host_header or hv.get("host", host)
        if outcome is not None and outcome.rewrite_path is not None:
            fwd_path = outcome.rewrite_path
        else:
            # a classic rules engine's forwarding override brings its own custom forwarding path
            custom = outcome.forwarding_path if outcome is not None else None
            fwd_path = forward_path(path, m.pattern, m.remainder, custom or route.origin_path)
        target = fwd_path + (f"?{query}" if query else "")
        ex.origin_url = f"{'https' if https else 'http'}://{host_header}{target}"
        if isinstance(where, str):
            ex.error = "OriginConnectionError"
            return self._error(ex, 503, keep, debug, where)
        ex.origin_ip = f"{where[0]}:{where[1]}"
        out = [("Host", host_header)]
        for k, v in headers:
            low = k.lower()
            if low not in NOT_PASSED and not low.startswith("x-fd-"):
                out.append((k, v))
        out += [("Via", f"{req.version} Azure"), ("X-Azure-ClientIP", client_ip), ("X-Azure-SocketIP", socket_ip),
                ("X-Azure-Ref", ex.ref), ("X-Azure-RequestChain", f"hops={hops + 1}"),
                ("X-Azure-FDID", spec.owner.fdid), ("X-Forwarded-For", f"{xff}, {socket_ip}" if xff else socket_ip),
                ("X-Forwarded-Host", hv.get("host", host)), ("X-Forwarded-Proto", scheme)]
        if outcome is not None and outcome.request_headers:
            out = apply_header_ops(out, outcome.request_headers)
        base = out
        if look is not None:   # a cached GET asks the origin for the object in 8 MB ranges (object chunking)
            out = look.origin_headers(base, chunked=req.method == "GET")
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            out.append(("Content-Length", str(len(req.body))))
        ctx = None
        sni_out = None
        if https:
            check = origin.cert_name_check and spec.owner.cert_name_check
            ctx = self.origin_context(check)
            sni_out = host_header.split(":", 1)[0]
        ex.origin_started = st.now()
        whole: EdgeResponse | None = None
        can_stream = conn is not None and (getattr(conn, "h2", None) is None or getattr(req, "h2_stream", 0) > 0)
        limit = self.cache.store.max_object
        while True:
            data = (f"{req.method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in out) + "\r\n"
                    ).encode("latin-1") + bytes(req.body)
            try:
                reply = await self.upstream.request(where[0], where[1], data, req.method == "HEAD",
                                                    spec.owner.timeout, ctx, sni_out, stream=can_stream)
                if reply.stream is not None and look is not None and (
                        reply.status == 206 or reply.length is None or reply.length <= limit):
                    await self._collect(reply, max(limit, CHUNK))    # a chunk, or an object the cache may keep
            except BackendError as err:
                ex.origin_done = st.now()
                if err.kind == "timeout":
                    ex.error = "OriginTimeout"
                    return self._error(ex, 504, keep, debug)
                ex.error = "OriginInvalidResponse" if err.kind == "invalid" else "OriginConnectionError"
                detail = "The certificate authority is unfamiliar" if err.kind == "tls" else err.detail or err.kind
                return self._error(ex, 503, keep, debug, detail)
            if look is None or reply.stream is not None:
                break                 # not cached, or an object larger than the cache keeps: passed through
            whole = look.feed(EdgeResponse(reply.status, [(k.decode("latin-1"), v.decode("latin-1"))
                                                          for k, v in reply.headers], bytes(reply.body)))
            if whole is not None:
                break
            chunks = look.chunks
            if chunks is not None and chunks.total is not None and chunks.total > limit and not chunks.plain:
                # larger than the cache keeps: asked again in one request and passed through as it comes
                # (inferred; Azure caches such an object chunk by chunk)
                look.chunks, look, ex.cache = None, None, "TCP_MISS"
                out = list(base)
                continue
            out = look.origin_headers(base, chunked=True)      # the next chunk
        ex.origin_done = st.now()
        ex.origin_status = reply.status
        extra: list[tuple[str, str]] = []
        if debug:
            extra.append(("X-Azure-OriginStatusCode", str(reply.status)))
        if reply.stream is not None:
            assert conn is not None
            if set_cookie:
                extra += self._affinity_cookies(group.id, origin.id)
            return await self._stream(ex, reply, extra, outcome, keep, conn, getattr(req, "h2_stream", 0))
        if len(reply.body) > self.buffered_peak:
            self.buffered_peak = len(reply.body)
        if look is not None:
            assert ereq is not None and whole is not None
            resp = self.cache.complete(look, ereq, whole)
            ex.cache = resp.header("x-cache") or look.x_cache
            if set_cookie and ex.cache not in ("TCP_HIT", "TCP_MISS"):
                extra += self._affinity_cookies(group.id, origin.id)
            return self._edge_response(ex, resp, extra, outcome, keep)
        if set_cookie:
            extra += self._affinity_cookies(group.id, origin.id)
        if outcome is not None and outcome.response_headers:
            resp = EdgeResponse(reply.status, [(k.decode("latin-1"), v.decode("latin-1")) for k, v in reply.headers
                                               if k.lower() not in HOP_B], bytes(reply.body))
            resp.headers.append(("X-Cache", ex.cache))
            resp.headers.append(("Content-Length", str(len(resp.body))))
            return self._edge_response(ex, resp, extra, outcome, keep)
        return self._relay(ex, reply, extra, keep)

    @staticmethod
    def _affinity_cookies(group_id: str, origin_id: str) -> list[tuple[str, str]]:
        value = affinity_value(group_id, origin_id)
        return [("Set-Cookie", f"{AFFINITY}={value}; Path=/"),
                ("Set-Cookie", f"{AFFINITY}CORS={value}; Path=/; SameSite=None; Secure")]

    async def prefetch(self, host: str, paths: list[str]) -> None:
        """CDN ``load``: each path fetched through the normal request path, so the cache keeps it."""
        from .cache import EdgeCache
        for er in EdgeCache.prefetch_requests(host, paths, scheme="http", server_port=80):
            fake = _Prefetch(er.method, er.path + (f"?{er.query}" if er.query else ""), er.headers)
            await self.serve(_PrefetchSocket(), "http", fake, er.path, er.query, "127.0.0.1", 0)  # type: ignore[arg-type]

    # -- answers ---------------------------------------------------------------------------------
    @staticmethod
    async def _collect(reply: Reply, limit: int) -> None:
        """A streamed origin body read whole into ``reply.body`` (at most ``limit`` bytes)."""
        up = reply.stream
        assert up is not None
        body = reply.body

        def sink(chunk: bytes) -> None:
            body.extend(chunk)
            if len(body) > limit:
                up.abort()
        try:
            reply.keep_alive = await up.attach(sink)
        except BackendError:
            if len(body) > limit:
                raise BackendError("invalid", "response too large") from None
            raise
        reply.stream = None

    async def _stream(self, ex: Exchange, reply: Reply, extra: list[tuple[str, str]], outcome: Any, keep: bool,
                      conn: ClientConn, h2_stream: int = 0) -> tuple[bytes, bool]:
        """A long origin answer (over 256 KiB or of unknown length) not kept by the cache: written to the client as
        it comes, the client's pace pausing the origin (bounded memory); chunked to HTTP/1.1 clients when its
        length is unknown, else delimited by the close."""
        up = reply.stream
        assert up is not None
        self.streamed += 1
        h2 = getattr(conn, "h2", None)
        chunked = reply.length is None and ex.version == "1.1" and h2 is None
        if reply.length is None and not chunked:
            keep = False
        status = reply.status
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in reply.headers if k.lower() not in HOP_B]
        headers += [("X-Azure-Ref", ex.ref), ("X-Cache", ex.cache), *extra]
        if outcome is not None and outcome.response_headers:
            headers = apply_header_ops(headers, outcome.response_headers)
        lines = [f"HTTP/1.1 {status} {reply.reason.decode('latin-1') or pages.reason(status)}"]
        lines.extend(f"{k}: {v}" for k, v in headers)
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif reply.length is not None:
            lines.append(f"Content-Length: {reply.length}")
        if not keep:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        ex.status = status
        if h2 is not None:      # HTTP/2: DATA frames on the request's stream within the client's window (h2conn)
            ex.sent = len(head) + await h2.relay(h2_stream, head, up)
            self.svc.telemetry.record(ex)
            return b"", True
        got = await relay_answer(conn, head, up, chunked, self._held)
        ex.sent = got.sent
        if got.error is not None:       # the origin failed mid-body: the client cannot be told otherwise
            ex.error = "OriginInvalidResponse"
        self.svc.telemetry.record(ex)
        return b"", keep and got.error is None and not got.client_gone

    def _held(self, size: int) -> None:
        if size > self.buffered_peak:
            self.buffered_peak = size

    def _relay(self, ex: Exchange, reply: Reply, extra: list[tuple[str, str]], keep: bool) -> tuple[bytes, bool]:
        status = reply.status
        body = reply.body
        # the origin's header bytes as they came (no decode / re-encode), then the edge's own
        parts = [b"HTTP/1.1 %d %b\r\n" % (status, reply.reason or pages.reason(status).encode("latin-1"))]
        for k, v in reply.headers:
            if k.lower() not in HOP_B:
                parts += (k, b": ", v, b"\r\n")
        tail = f"X-Azure-Ref: {ex.ref}\r\nX-Cache: {ex.cache}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in extra)
        if status not in (204, 304) and not 100 <= status < 200:
            tail += f"Content-Length: {len(body)}\r\n"
        if not keep:
            tail += "Connection: close\r\n"
        parts.append(tail.encode("latin-1") + b"\r\n")
        if ex.method != "HEAD":
            parts.append(body)
        data = b"".join(parts)
        ex.status = status
        ex.sent = len(data)
        self.svc.telemetry.record(ex)
        return data, keep

    def _edge_response(self, ex: Exchange, resp: EdgeResponse, extra: list[tuple[str, str]], outcome: Any,
                       keep: bool) -> tuple[bytes, bool]:
        """A response the cache (or a header rule) built: framed as it is, with the edge's own headers."""
        headers = [(k, v) for k, v in resp.headers if k.lower() not in ("connection", "keep-alive", "transfer-encoding")]
        headers.append(("X-Azure-Ref", ex.ref))
        headers += extra
        if outcome is not None and outcome.response_headers:
            headers = apply_header_ops(headers, outcome.response_headers)
        lines = [f"HTTP/1.1 {resp.status} {pages.reason(resp.status)}"]
        lines.extend(f"{k}: {v}" for k, v in headers)
        if not keep:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if ex.method == "HEAD" else resp.body)
        ex.status, ex.sent = resp.status, len(data)
        self.svc.telemetry.record(ex)
        return data, keep

    def _finish(self, ex: Exchange, answer: tuple[int, list[tuple[str, str]], bytes], keep: bool
                ) -> tuple[bytes, bool]:
        status, headers, body = answer
        data = pages.response(status, body, [*headers, ("X-Azure-Ref", ex.ref)], keep, head=ex.method == "HEAD")
        ex.status, ex.sent = status, len(data)
        self.svc.telemetry.record(ex)
        return data, keep

    def _error(self, ex: Exchange, status: int, keep: bool, debug: bool, external: str = "") -> tuple[bytes, bool]:
        headers = [("X-Azure-Ref", ex.ref)]
        if status in (502, 503, 504):
            headers.append(("X-Cache", "CONFIG_NOCACHE"))
        if debug and external:
            headers.append(("X-Azure-ExternalError", external.replace("\r", " ").replace("\n", " ")[:200]))
        data = pages.response(status, pages.error_page(status, ex.ref), headers, keep, head=ex.method == "HEAD")
        ex.status, ex.sent = status, len(data)
        self.svc.telemetry.record(ex)
        return data, keep

    @staticmethod
    def _classic_redirect(conf: dict[str, Any], ex: Exchange) -> tuple[int, list[tuple[str, str]], bytes]:
        """A classic redirect configuration: protocol, host, path, query string, fragment (empty = keep)."""
        status = REDIRECT_STATUS.get(str(conf.get("redirectType") or "Moved").lower(), 301)
        proto = str(conf.get("redirectProtocol") or "MatchRequest").lower()
        scheme = ex.scheme if proto == "matchrequest" else ("https" if proto == "httpsonly" else "http")
        host = conf.get("customHost") or ex.host
        path = conf.get("customPath") or ex.path
        query = conf.get("customQueryString")
        query = ex.query if query is None or query == "" else str(query).lstrip("?")
        frag = conf.get("customFragment")
        target = f"{scheme}://{host}{path}" + (f"?{query}" if query else "") + (f"#{frag}" if frag else "")
        return status, [("Location", target)], b""


class _Prefetch:
    """A request made by the edge itself (CDN load)."""

    def __init__(self, method: str, url: str, headers: list[tuple[str, str]]) -> None:
        self.method, self.url, self.headers = method, bytearray(url.encode("latin-1")), headers
        self.body = bytearray()
        self.version = "1.1"
        self.keep_alive = True


class _PrefetchSocket:
    port = 80

    @staticmethod
    def now() -> float:
        return time.perf_counter()
