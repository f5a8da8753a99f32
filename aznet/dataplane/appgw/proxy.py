"""The request path: route (``router.decide``), pick a member (affinity, then round robin over members that are
not Down), forward with Azure's headers, answer in one buffer.

Azure's behaviour (docs unless marked inferred):
- headers to the backend: ``X-Forwarded-For`` (existing value, then ``client-ip:client-port``),
  ``X-Forwarded-Proto``, ``X-Forwarded-Port`` (the listener's port), ``X-Original-Host`` (the Host the client
  sent), ``X-AppGW-Trace-Id`` (the access log's transactionId, inferred); rewrites apply after them;
- Host to the backend: the settings' host name, else the member's FQDN/IP with ``pickHostNameFromBackendAddress``,
  else the client's Host;
- path override: a basic rule prepends it, a path rule's ``/x/*`` prefix is replaced by it;
- no member usable: 502 with Azure's page (or the custom 502 page); backend refused or reset: 502; no answer
  within ``requestTimeout``: 504;
- affinity cookie ``ApplicationGatewayAffinity`` (``Path=/``) and ``ApplicationGatewayAffinityCORS``
  (``SameSite=None; Secure``, inferred: sent on HTTPS listeners only) or the custom ``affinityCookieName``;
  a cookie naming a member that is Down is replaced."""

from __future__ import annotations

import ipaddress
import time
from typing import TYPE_CHECKING, Any

import dns.name
import dns.rdatatype
import httptools

from ..ports import listen_port
from ..waf.policy import Verdict, WafPolicy
from ..waf.request import HttpRequest
from . import mtls, pages, rewrite, router, tunnel
from .answerstream import relay_answer
from .health import MSG_CONNECT, MSG_DNS
from .model import GatewayPlan, PoolMember, Settings
from .ocsp import OcspChecker
from .tls import backend_context
from .upstream import BackendError, Reply, UpstreamPool
from .waf import custom_body

if TYPE_CHECKING:
    from .frontend import ClientConn, Request
    from .service import AppGatewayService, SocketState

HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade",
       b"content-length"}
HOP_S = {h.decode() for h in HOP}
MAX_ERROR_PAGE = 1024 * 1024


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


class Proxy:
    def __init__(self, svc: AppGatewayService) -> None:
        self.svc = svc
        self.upstream = UpstreamPool()
        self.ocsp = OcspChecker()
        self.rr: dict[tuple[str, str, str], int] = {}
        self.backend_ctx: dict[tuple[str, ...], Any] = {}
        self.where: dict[tuple[str, str, int], tuple[str, int] | str] = {}   # cleared on every reconcile

    def resolved(self, plan: GatewayPlan, member: PoolMember, port: int) -> tuple[str, int] | str:
        """``resolve``, cached for IP and NIC members (FQDNs follow DNS changes, which no reconcile reports)."""
        if member.fqdn:
            return self.resolve(plan, member, port)
        key = (plan.id, member.address, port)
        got = self.where.get(key)
        if got is None:
            got = self.resolve(plan, member, port)
            if len(self.where) > 65536:
                self.where.clear()
            self.where[key] = got
        return got

    def close(self) -> None:
        self.upstream.close()

    # -- backends ---------------------------------------------------------------------------------
    def resolve(self, plan: GatewayPlan, member: PoolMember, port: int) -> tuple[str, int] | str:
        """Where a member's ``port`` runs on this machine, or why it cannot be reached."""
        table = self.svc.table
        cfg = table.by_ipconfig(member.ipconfig) if member.ipconfig else None
        ip: str | None = None if member.ipconfig else member.address
        if member.fqdn:
            ip = self.lookup(plan, member.address)
            if ip is None:
                return MSG_DNS.format(fqdn=member.address)
        if cfg is None and ip and plan.vnet:
            cfg = table.ipconfig_for_private_ip(plan.vnet, ip)
        if cfg is not None:
            if not table.serving(cfg):
                return MSG_CONNECT
            host, tport = table.target(cfg, port)
            if host == cfg.local:
                tport = listen_port(tport, self.svc.settings.privileged_port_offset)
            return host, tport
        if ip and is_loopback(ip):
            return ip, port
        return MSG_CONNECT

    def lookup(self, plan: GatewayPlan, name: str) -> str | None:
        if name.lower() == "localhost":
            return "127.0.0.1"
        try:
            ipaddress.ip_address(name)
            return name
        except ValueError:
            pass
        from ..dns.service import DnsService
        dns_svc = self.svc.platform.services.get(DnsService)
        if dns_svc is None:
            return None
        engine = dns_svc.engine
        if plan.vnet:
            try:
                found, _ = engine.view_for_vnet(plan.vnet).resolve(dns.name.from_text(name.rstrip(".") + "."),
                                                                   dns.rdatatype.A)
                for rrset in found.answer:
                    if rrset.rdtype == dns.rdatatype.A:
                        return str(rrset[0].address)
            except Exception:    # noqa: BLE001 - an odd name resolves to nothing
                pass
        return engine.address_of(name)

    def members(self, plan: GatewayPlan, pool: str, settings: Settings) -> list[PoolMember]:
        out = []
        for m in plan.pools.get(pool, ()):
            st = self.svc.health.get((plan.id.lower(), pool, settings.id.lower(), m.address))
            if st is None or st.usable:
                out.append(m)
        return out

    def draining_member(self, plan: GatewayPlan, pool: str, settings: Settings, cookie: str
                        ) -> tuple[PoolMember | None, float]:
        """A member removed from the pool while connection draining lasts, that the affinity cookie names, and
        the seconds its drain has left."""
        gone = self.svc.draining.get((plan.id.lower(), pool, settings.id.lower()))
        if not gone:
            return None, 0.0
        now = time.monotonic()
        live = {a: v for a, v in gone.items() if v[1] > now}
        address = router.affinity_member(cookie, settings.cookie_name, list(live),
                                         lambda a: router.affinity_value(plan.id, a))
        if address is None:
            return None, 0.0
        member, until = live[address]
        return member, max(until - now, 0.001)

    def context_for(self, plan: GatewayPlan, settings: Settings) -> Any:
        roots = tuple(plan.trusted_roots[r] for r in settings.trusted_roots if r in plan.trusted_roots)
        key = roots or ("default",)
        ctx = self.backend_ctx.get(key)
        if ctx is None:
            ctx = backend_context(roots, self.svc.settings.data_dir / "ca.pem")
            if len(self.backend_ctx) > 64:
                self.backend_ctx.clear()
            self.backend_ctx[key] = ctx
        return ctx

    # -- the request ----------------------------------------------------------------------------
    async def handle(self, st: SocketState, conn: ClientConn, req: Request) -> tuple[bytes, bool]:
        svc = self.svc
        plan = svc.plans.get(st.gw)
        keep = req.keep_alive and not (req.upgrade and conn.h2 is None)
        server = pages.SERVER_V2 if plan is None or plan.v2 else pages.SERVER_V1
        try:
            url = httptools.parse_url(bytes(req.url))
        except httptools.HttpParserInvalidURLError:
            return pages.response(400, pages.error_page(400, server), keep_alive=False, server=server), False
        path = (url.path or b"/").decode("latin-1")
        query = (url.query or b"").decode("latin-1")
        host = next((v for k, v in req.headers if k.lower() == "host"), "")
        client_ip, client_port = conn.client
        inc = router.Incoming(req.method, path, query, host, req.headers, client_ip, client_port, conn.scheme,
                              st.key[1], req.version)
        rec = svc.telemetry.begin(st, conn, req, inc)
        if plan is None:
            return self._error(rec, None, None, 502, keep, server)
        if conn.scheme == "https" and (plan.ssl_profiles or conn.cert is not None):   # mutual TLS, first
            lst = router.match_listener(st.listeners(), router.bare_host(host))
            verdict = self._client_auth(plan, lst, conn)
            if verdict == "SUCCESS" and conn.cert is not None and conn.cert.cert is not None:
                verdict = await self._revocation(plan, lst, conn.cert)
            inc.tls_vars = conn.cert.variables(verdict) if conn.cert else mtls.NO_CERTIFICATE
            if verdict.startswith("FAILED"):
                return self._error(rec, plan, lst, 400, False, server)
        elif conn.scheme == "https":
            inc.tls_vars = mtls.NO_CERTIFICATE
        d = router.decide(plan, st.listeners(), inc)
        rec.decision = d
        if d.status and d.location:
            body = b""
            data = pages.response(d.status, body, [("Location", d.location)], keep, server)
            svc.telemetry.end(rec, d.status, len(data))
            return data, keep
        if d.status:
            return self._error(rec, plan, d.listener, d.status, keep, server)
        if svc.waf.gateways and plan.id.lower() in svc.waf.gateways:
            wreq = self.waf_request(st, req, inc, rec.tid)
            t0 = st.now()
            got = await svc.waf.inspect(plan, d, wreq)
            if got is not None:
                verdict, policy, binding = got
                rec.waf_mode, rec.waf_time = policy.mode if policy.enabled else "-", st.now() - t0
                svc.telemetry.waf(st.gw, plan, wreq, verdict, policy, binding.scope)
                if verdict.blocked:
                    return self._blocked(rec, plan, d.listener, verdict, policy, keep, server)
        t = d.target
        settings = plan.settings.get(t.settings or "") if t else None
        if t is None or settings is None or not t.pool:
            return self._error(rec, plan, d.listener, 502, keep, server)
        members = self.members(plan, t.pool, settings)
        rec.pool, rec.settings = t.pool, settings
        cookie_name = settings.cookie_name
        member_obj = None
        set_cookie = False
        timeout = settings.timeout
        if settings.affinity:
            cookie = inc.header("cookie")
            member = router.affinity_member(cookie, cookie_name, [m.address for m in members],
                                            lambda a: router.affinity_value(plan.id, a))
            member_obj = next((m for m in members if m.address == member), None) if member else None
            if member_obj is None and cookie and svc.draining:
                member_obj, left = self.draining_member(plan, t.pool, settings, cookie)
                timeout = min(timeout, left) if member_obj is not None else timeout
            set_cookie = member_obj is None
        if member_obj is None:
            if not members:
                return self._error(rec, plan, d.listener, 502, keep, server)
            key = (plan.id, t.pool, settings.id)
            n = self.rr.get(key, 0)
            self.rr[key] = n + 1
            member_obj = members[n % len(members)]
        where = self.resolved(plan, member_obj, settings.port)
        rec.member = member_obj.address
        if isinstance(where, str):
            return self._error(rec, plan, d.listener, 502, keep, server)
        data = self._backend_request(plan, settings, member_obj, req, inc, d, rec.tid)
        ctx = self.context_for(plan, settings) if settings.protocol.lower() == "https" else None
        sni = self._backend_host(settings, member_obj, inc) if ctx else None
        if ctx is not None and sni:
            sni = router.bare_host(sni)
        rec.backend_started = st.now()
        if req.upgrade and conn.h2 is None:
            try:
                status = await tunnel.open_tunnel(conn, where[0], where[1], data, timeout, ctx, sni)
            except BackendError as err:
                rec.backend_error = err.kind
                return self._error(rec, plan, d.listener, 504 if err.kind == "timeout" else 502, False, server)
            rec.backend_status = status
            rec.backend_done = st.now()
            svc.telemetry.end(rec, status, 0)
            return b"", True
        try:
            if req.stream is not None:
                reply = await self.upstream.request_body(where[0], where[1], data, req.stream, timeout, ctx, sni)
            else:
                reply = await self.upstream.request(where[0], where[1], data, req.method == "HEAD", timeout,
                                                    ctx, sni, stream=True)
        except BackendError as err:
            rec.backend_error = err.kind
            return self._error(rec, plan, d.listener, 504 if err.kind == "timeout" else 502, keep, server)
        rec.backend_status = reply.status
        if reply.stream is not None:
            return await self._stream(rec, plan, settings, member_obj, reply, d, inc, keep, set_cookie, conn,
                                      req.h2_stream)
        rec.backend_done = st.now()
        out = self._client_response(plan, settings, member_obj, reply, d, inc, keep, set_cookie, conn.scheme)
        svc.telemetry.end(rec, reply.status, len(out))
        return out, keep

    async def _stream(self, rec: Any, plan: GatewayPlan, settings: Settings, member: PoolMember, reply: Reply,
                      d: router.Decision, inc: router.Incoming, keep: bool, set_cookie: bool, conn: ClientConn,
                      h2_stream: int = 0) -> tuple[bytes, bool]:
        """A long body, or one of unknown length: passed on as it comes (chunked to HTTP/1.1 clients when its
        length is unknown, else delimited by the close), with the client's pace pausing the backend."""
        up = reply.stream
        assert up is not None
        if conn.h2 is not None:              # HTTP/2: DATA frames on the request's stream (h2conn.relay)
            head = self._client_response(plan, settings, member, reply, d, inc, True, set_cookie, conn.scheme,
                                         length=reply.length)
            sent = await conn.h2.relay(h2_stream, head, up)
            rec.backend_done = time.perf_counter()
            self.svc.telemetry.end(rec, reply.status, sent)
            return b"", True
        chunked = reply.length is None and inc.version == "1.1"
        if reply.length is None and not chunked:
            keep = False
        head = self._client_response(plan, settings, member, reply, d, inc, keep, set_cookie, conn.scheme,
                                     length=reply.length, chunked=chunked)
        got = await relay_answer(conn, head, up, chunked)
        if got.client_gone:
            return b"", False
        if got.error is not None:           # the backend failed mid-body: the client cannot be told otherwise
            rec.backend_error = got.error.kind
            self.svc.telemetry.end(rec, reply.status, got.sent)
            return b"", False
        rec.backend_done = time.perf_counter()
        self.svc.telemetry.end(rec, reply.status, got.sent)
        return b"", keep

    async def _revocation(self, plan: GatewayPlan, listener: Any, cert: mtls.ClientCert) -> str:
        """verifyClientRevocation OCSP (``ocsp.py``)."""
        profile = plan.ssl_profiles.get(listener.ssl_profile or "") if listener is not None else None
        if profile is None or profile.revocation.lower() != "ocsp" or cert.cert is None:
            return "SUCCESS"
        issuer = mtls.issuer_of(profile, cert)
        if issuer is None:
            return "FAILED:unable to get local issuer certificate"

        def resolve(host: str) -> str | None:
            ip = self.lookup(plan, host)
            return ip if ip is not None and is_loopback(ip) else None
        return await self.ocsp.verdict(cert.cert, issuer, resolve)

    @staticmethod
    def _client_auth(plan: GatewayPlan, listener: Any, conn: ClientConn) -> str:
        """Mutual TLS per listener (``mtls.check``); the verdict is kept for the server variables."""
        profile = plan.ssl_profiles.get(listener.ssl_profile or "") if listener is not None else None
        cert = conn.cert
        return mtls.check(profile, cert) if profile is not None else ("SUCCESS" if cert else "NONE")

    @staticmethod
    def waf_request(st: SocketState, req: Request, inc: router.Incoming, tid: str | None = None) -> HttpRequest:
        """The request as the WAF core takes it. RemoteAddr and SocketAddr are both the address the client
        connected from (App Gateway's ``client_ip``; inferred)."""
        return HttpRequest(req.method, bytes(req.url).decode("latin-1"), f"HTTP/{req.version}", req.headers,
                           bytes(req.body), inc.client_ip, inc.client_port, None, st.key[0], st.key[1],
                           router.bare_host(inc.host), tid)

    def _blocked(self, rec: Any, plan: GatewayPlan, listener: Any, verdict: Verdict, policy: WafPolicy, keep: bool,
                 server: str) -> tuple[bytes, bool]:
        """The WAF's answer: the policy's status and body; for a 403 without a custom block body, the
        listener's or the gateway's custom 403 page when one is configured (inferred order)."""
        body = verdict.body
        if verdict.status == 403 and not custom_body(policy):
            url = (dict(listener.errors).get(403) if listener is not None else None) or plan.errors.get(403)
            page = self.svc.error_pages.get(url) if url else None
            if page is not None:
                body = page
        data = pages.response(verdict.status, body, verdict.headers, keep_alive=keep, server=server)
        self.svc.telemetry.end(rec, verdict.status, len(data))
        return data, keep

    def _backend_host(self, settings: Settings, member: PoolMember, inc: router.Incoming) -> str:
        if settings.host_name:
            return settings.host_name
        if settings.pick_host_from_backend:
            return member.address
        return inc.host

    def _backend_request(self, plan: GatewayPlan, settings: Settings, member: PoolMember, req: Request,
                         inc: router.Incoming, d: router.Decision, trace_id: str) -> bytes:
        path = d.path
        if settings.path:
            if d.prefix:
                path = settings.path.rstrip("/") + "/" + path[len(d.prefix):].lstrip("/") \
                    if path.lower().startswith(d.prefix.lower()) else settings.path
            else:
                path = settings.path.rstrip("/") + path
        target = path + (f"?{d.query}" if d.query else "")
        headers = [(k, v) for k, v in req.headers if k.lower() not in HOP_S and k.lower() != "host"]
        if req.upgrade:            # WebSocket: the member sees the Upgrade (hop-by-hop headers otherwise go)
            headers += [(k, v) for k, v in req.headers if k.lower() == "upgrade"] + [("Connection", "Upgrade")]
        xff = inc.header("x-forwarded-for")
        client = f"{inc.client_ip}:{inc.client_port}"
        headers = [(k, v) for k, v in headers if k.lower() not in
                   ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-original-host", "x-appgw-trace-id")]
        headers.insert(0, ("Host", self._backend_host(settings, member, inc)))
        headers += [("X-Forwarded-For", f"{xff}, {client}" if xff else client),
                    ("X-Forwarded-Proto", inc.scheme), ("X-Forwarded-Port", str(inc.server_port)),
                    ("X-Original-Host", inc.host), ("X-AppGW-Trace-Id", trace_id)]
        if d.header_edits:
            headers = rewrite.apply_headers(headers, d.header_edits)
        if req.stream is not None:       # the body follows as it comes (bodystream.py)
            headers.append(("Content-Length", str(req.stream.length)) if req.stream.length is not None
                           else ("Transfer-Encoding", "chunked"))
        elif req.body or req.method in ("POST", "PUT", "PATCH"):
            headers.append(("Content-Length", str(len(req.body))))
        head = f"{req.method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        return head.encode("latin-1") + bytes(req.body)

    def _client_response(self, plan: GatewayPlan, settings: Settings, member: PoolMember, reply: Reply,
                         d: router.Decision, inc: router.Incoming, keep: bool, set_cookie: bool, scheme: str,
                         length: int | None = -1, chunked: bool = False) -> bytes:
        """The response to the client: head and buffered body; with ``length`` (None: unknown) the head only."""
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in reply.headers if k.lower() not in HOP]
        if d.later and d.vars is not None:
            def resp(name: str) -> str | None:
                low = name.lower()
                return next((v for k, v in headers if k.lower() == low), None)
            v = rewrite.Vars(d.vars.server | {"http_status": str(reply.status)}, inc.header, resp)
            headers = rewrite.apply_headers(headers, rewrite.response_phase(d.later, v))
        if set_cookie:
            value = router.affinity_value(plan.id, member.address)
            headers.append(("Set-Cookie", f"{settings.cookie_name}={value}; Path=/"))
            if scheme == "https":
                headers.append(("Set-Cookie", f"{settings.cookie_name}CORS={value}; Path=/; SameSite=None; Secure"))
        status = reply.status
        reason = reply.reason.decode("latin-1") or pages.reason(status)
        streaming = length is None or length >= 0
        body = b"" if streaming else bytes(reply.body)
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines.extend(f"{k}: {v}" for k, v in headers)
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif status not in (204, 304) and not 100 <= status < 200 and length is not None:
            if inc.method == "HEAD" and reply.length is not None:    # the length a GET would have
                length, streaming = reply.length, True
            lines.append(f"Content-Length: {length if streaming else len(body)}")
        if not keep:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if inc.method == "HEAD" else body)

    def _error(self, rec: Any, plan: GatewayPlan | None, listener: Any, status: int, keep: bool, server: str
               ) -> tuple[bytes, bool]:
        body = None
        if plan is not None and status in (403, 502):
            url = dict(listener.errors).get(status) if listener is not None else None
            url = url or plan.errors.get(status)
            body = self.svc.error_pages.get(url) if url else None
        data = pages.response(status, body if body is not None else pages.error_page(status, server), keep_alive=keep,
                              server=server)
        self.svc.telemetry.end(rec, status, len(data))
        return data, keep

    async def fetch_error_page(self, url: str) -> None:
        """A custom error page, fetched once (Azure reads it when the configuration is applied)."""
        try:
            parsed = httptools.parse_url(url.encode())
            host = (parsed.host or b"").decode()
            port = parsed.port or (443 if parsed.schema == b"https" else 80)
            ip = host if is_loopback(host) else self.lookup(GatewayPlan("", "", True, True, False, False), host)
            if ip is None or not is_loopback(ip):
                return
            path = (parsed.path or b"/").decode() + (f"?{parsed.query.decode()}" if parsed.query else "")
            ctx = backend_context((), self.svc.settings.data_dir / "ca.pem") if parsed.schema == b"https" else None
            data = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
            reply = await UpstreamPool().request(ip, port, data, False, 10.0, ctx, host if ctx else None)
            if reply.status == 200 and len(reply.body) <= MAX_ERROR_PAGE:
                self.svc.error_pages[url] = bytes(reply.body)
        except (TimeoutError, BackendError, httptools.HttpParserInvalidURLError, OSError, ValueError):
            return
