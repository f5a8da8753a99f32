"""The hot path: a plain proxied request answered by callbacks, from decisions made once per configuration.

``FastPath.take(st, conn, req)`` takes a request that needs nothing but routing and forwarding (and the WAF's
verdict, when its policy is compiled and no access log is wanted): HTTP/1.x, no mutual TLS, a rule (basic or
path-based) whose target is a backend pool over HTTP with no rewrite set, no affinity and no FQDN members, and a kept-alive backend connection to use (the first
requests to a member open it through ``proxy.Proxy``). Anything else returns False before any side effect, and
``proxy.Proxy.handle`` answers it; both give the same bytes to the backend and to the client (tested).

What a request shares with every other on its route is computed once per gateway plan, per socket
(``Lanes``): the listener a Host header reaches (a bounded cache), the rule's target, the backend settings,
the usable members (until a probe changes a state: ``svc.health_version``), the static forwarded headers and
the metric keys. The backend's answer comes through ``UpstreamConn.expect(cb=)``: no Task, no Future and no
timer per request; the backend request and the client answer are written with the loop turn's other writes
(``writebatch.py``: one pass of sends per turn). Errors (502/504), a reset kept-alive connection (retried
once, fresh) and streamed answers go through the proxy's own code."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ...seen import SeenOnce
from ..waf.request import HttpRequest
from . import pages, router
from .telemetry import _TRACE_IDS, Tally, trace_id
from .upstream import BackendError, Reply, Shape
from .writebatch import WriteBatch

if TYPE_CHECKING:
    from ..waf.policy import WafPolicy
    from .frontend import ClientConn, Request
    from .model import GatewayPlan, Listener, PoolMember, Settings, Target
    from .service import AppGatewayService, SocketState
    from .waf import Binding

HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade",
       b"content-length"}
# request headers the gateway does not pass on as they came (hop-by-hop, Host, and the ones it sets itself)
DROP = {h.decode() for h in HOP} | {"host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-port",
                                    "x-original-host", "x-appgw-trace-id"}
BODY_METHODS = ("POST", "PUT", "PATCH")
MAX_HOSTS = 1024              # Host header values remembered per socket (hostile clients send many)
MAX_TALLIES = 4096            # (member, status group) accumulators kept per route
HOP_LENGTHS = {len(h) for h in HOP}       # most headers' length is none of these: no lower() for them
STATUS_LINES: dict[tuple[int, bytes], bytes] = {}
LENGTH_LINES: dict[int, bytes] = {}      # "Content-Length: n" lines of the answers' lengths (bounded, as STATUS_LINES)
_perf = time.perf_counter
# a request header's role on the hot path, by its name as the client sent it (``header_role``; bounded), kept
# from a name's second sighting (NAMES_SEEN: hashes of names seen once)
PASS, HOST, XFF, DROPPED = range(4)
HEADER_ROLES: dict[str, int] = {}
MAX_NAMES = 1024
MAX_NAME = 64
NAMES_SEEN = SeenOnce(4096)


def status_line(status: int, reason: bytes) -> bytes:
    line = STATUS_LINES.get((status, reason))
    if line is None:
        line = b"HTTP/1.1 %d %s\r\n" % (status, reason or pages.reason(status).encode("latin-1"))
        if len(STATUS_LINES) < 256:
            STATUS_LINES[(status, reason)] = line
    return line


def head_parts(req: Request) -> tuple[str, str, str, str, str, str | None] | tuple[()]:
    """What the hot path reads from a request's head: (the target as text, its path, its query, the Host header,
    the headers passed on to the backend as lines, the client's X-Forwarded-For or None); () when the target
    is not in origin form ("/...") or has a fragment. One pass over the headers, each name's role looked up as
    sent (``header_role``)."""
    url = req.url
    if not url or url[0] != 47:
        return ()
    raw = url.decode("latin-1")
    if "#" in raw:
        return ()
    path, _, query = raw.partition("?")
    host = xff = None
    kept = ""
    roles = HEADER_ROLES
    for k, v in req.headers:
        r = roles.get(k)
        if r is None:
            r = header_role(k)
        if not r:
            kept += f"{k}: {v}\r\n"
        elif r == HOST:
            if host is None:
                host = v            # the first Host header
        elif r == XFF and xff is None:
            xff = v                 # the first X-Forwarded-For
    return raw, path, query, host or "", kept, xff


def header_role(name: str) -> int:
    """What the hot path does with a request header called ``name`` (as sent): PASS it on, read it as the HOST or
    the client's XFF (neither passed on as it came), or drop it (DROPPED); remembered by the name as sent from its
    second sighting (at most ``MAX_NAMES`` names of at most ``MAX_NAME`` characters: hostile clients send many
    long names, and names nobody sends again)."""
    low = name.lower()
    got = HOST if low == "host" else XFF if low == "x-forwarded-for" else DROPPED if low in DROP else PASS
    if len(name) <= MAX_NAME and NAMES_SEEN.again(hash(name)):
        if len(HEADER_ROLES) >= MAX_NAMES:
            HEADER_ROLES.clear()
        HEADER_ROLES[name] = got
    return got


def length_line(n: int) -> bytes:
    line = b"Content-Length: %d\r\n" % n
    if len(LENGTH_LINES) < 1024:
        LENGTH_LINES[n] = line
    return line


class Lane:
    """Everything requests routed to one target of one listener share."""

    __slots__ = ("listener", "target", "settings", "pool", "rr_key", "forwarded", "members", "health_version",
                 "k_total", "k_failed", "k_time", "status_keys", "tallies", "pool_name", "bsp", "ldims", "where",
                 "log_access")

    def __init__(self, plan: GatewayPlan, listener: Listener, target: Target, settings: Settings, scheme: str,
                 port: int, log_access: bool = False) -> None:
        self.listener, self.target, self.settings = listener, target, settings
        self.log_access = log_access        # the gateway writes an access log (``Lanes.log_access``)
        self.pool = target.pool or ""
        self.rr_key = (plan.id, self.pool, settings.id)        # the proxy's round-robin counter, shared
        self.forwarded = f"X-Forwarded-Proto: {scheme}\r\nX-Forwarded-Port: {port}\r\n"
        self.members: list[PoolMember] = []
        self.health_version = -1
        gw = plan.id.lower()
        self.pool_name = plan.pool_names.get(self.pool, "")
        self.bsp = (("BackendSettingsPool", f"{self.pool_name}~{settings.name}"),)
        self.ldims = (("Listener", listener.name),)
        self.k_total = (gw, "TotalRequests", self.bsp)
        self.k_failed = (gw, "FailedRequests", self.bsp)
        self.k_time = (gw, "ApplicationGatewayTotalTime", self.ldims)
        self.status_keys = {g: (gw, "ResponseStatus", (("HttpStatusGroup", f"{g}xx"),)) for g in range(1, 6)}
        self.tallies: dict[tuple[str, int], Tally] = {}
        # member address -> its backend connections' key (host, port, None, None): where it runs on this machine
        self.where: dict[str, tuple[str, int, None, None]] = {}

    def usable(self, svc: AppGatewayService, plan: GatewayPlan) -> list[PoolMember]:
        """The members not Down (as ``Proxy.members``), recomputed when a probe changed a state."""
        if self.health_version != svc.health_version:
            health = svc.health
            gid, sid = plan.id.lower(), self.settings.id.lower()
            out = []
            for m in plan.pools.get(self.pool, ()):
                h = health.get((gid, self.pool, sid, m.address))
                if h is None or h.usable:
                    out.append(m)
            self.members = out
            self.health_version = svc.health_version
        return self.members

    def tally(self, gw: str, member: str, group: int) -> Tally:
        """The accumulator of this route's answers from ``member`` in status group ``group`` (bounded: past
        ``MAX_TALLIES`` a new one serves its request and is not kept, the next flush still reads it)."""
        t = self.tallies.get((member, group))
        if t is None:
            srv = (("BackendServer", member), ("BackendPool", self.pool_name),
                   ("BackendHttpSetting", self.settings.name))
            status = self.status_keys.get(group) or (gw, "ResponseStatus", (("HttpStatusGroup", f"{group}xx"),))
            t = Tally(gw, (self.k_total, self.k_failed, status, self.k_time,
                           (gw, "BackendResponseStatus", (*srv, ("HttpStatusGroup", f"{group}xx"))),
                           (gw, "BackendLastByteResponseTime", (*self.ldims, *srv))), group >= 5)
            if len(self.tallies) < MAX_TALLIES:
                self.tallies[(member, group)] = t
        return t


class Lanes:
    """One socket's routes under one gateway plan (rebuilt when the plan changes)."""

    __slots__ = ("plan", "listeners", "hosts", "direct", "lanes", "scheme", "port", "log_access")

    def __init__(self, plan: GatewayPlan, st: SocketState, log_access: bool) -> None:
        self.plan = plan
        self.listeners = st.listeners()
        self.hosts: dict[str, Listener | None] = {}
        # Host header -> the lane of its listener's basic rule (no path map: the path does not choose)
        self.direct: dict[str, Lane] = {}
        self.lanes: dict[tuple[str, int], Lane | None] = {}
        self.scheme = "https" if st.tls else "http"
        self.port = st.key[1]
        self.log_access = log_access

    def listener(self, host: str) -> Listener | None:
        try:
            return self.hosts[host]
        except KeyError:
            pass
        lst = router.match_listener(self.listeners, router.bare_host(host))
        if len(self.hosts) >= MAX_HOSTS:
            self.hosts.clear()
        self.hosts[host] = lst
        return lst

    def lane(self, listener: Listener, target: Target) -> Lane | None:
        key = (listener.id, id(target))
        try:
            return self.lanes[key]
        except KeyError:
            pass
        lane = None
        plan = self.plan
        settings = plan.settings.get(target.settings or "")
        if (target.pool and settings is not None and not target.redirect and not target.rewrite
                and not settings.affinity and settings.protocol.lower() == "http"
                and not any(m.fqdn for m in plan.pools.get(target.pool, ()))):
            lane = Lane(plan, listener, target, settings, self.scheme, self.port, self.log_access)
        self.lanes[key] = lane
        return lane


class Flight:
    """One request on its way to a backend and back."""

    __slots__ = ("fp", "st", "conn", "req", "lane", "member", "where", "data", "tid", "path", "query", "host",
                 "prefix", "keep", "backend_started", "retried")

    def __init__(self, fp: FastPath, st: SocketState, conn: ClientConn, req: Request, lane: Lane,
                 member: PoolMember, where: tuple[str, int, None, None], path: str, query: str, host: str,
                 prefix: str, tid: str | None = None) -> None:
        self.fp, self.st, self.conn, self.req, self.lane = fp, st, conn, req, lane
        self.member, self.where, self.path, self.query, self.host, self.prefix = member, where, path, query, host, prefix
        self.keep = req.keep_alive
        self.tid = tid or trace_id()
        self.data = b""
        self.backend_started = 0.0
        self.retried = False

    def done(self, reply: Reply | None, err: BackendError | None) -> None:
        """The backend's answer (or why there is none); never raises (it runs inside the parser's callback)."""
        try:
            if reply is not None and reply.stream is None:
                self.fp.answer(self, reply)
            elif reply is None:
                assert err is not None
                if err.kind == "reset" and not self.retried:
                    self.retried = True        # the backend closed the kept-alive connection: once more, fresh
                    self.conn.loop.create_task(self.fp.resend(self))
                    return
                self.fp.failed(self, err)
            else:
                self.conn.loop.create_task(self.fp.stream(self, reply))
        except Exception:          # a bug must not leave the client hanging
            self.st.log_exception()
            self.conn.finish(pages.response(500, pages.error_page(500), keep_alive=False), False)

    def known(self, shape: Shape, data: bytes) -> None:
        """``done`` for an answer whose head was seen before (``UpstreamConn.expect(on_known=)``): ``data`` is
        the whole answer, its head ``shape.head`` and ``shape.length`` bytes of body (never the answer to a HEAD:
        ``UpstreamConn`` keeps no shape for those). As ``FastPath.answer`` frames it, with the framing made once
        per shape (``FastPath.framing``); never raises."""
        try:
            keep = self.keep
            framed = shape.derived.get("appgw") or FastPath.framing(shape)
            out = (framed[0] if keep else framed[1]) + data[len(shape.head):]
            fp = self.fp
            fp.record(self, shape.status, len(out))
            conn = self.conn
            batch = fp.batch
            if batch is None or batch.loop is not conn.loop:
                batch = fp.writes(conn)
            conn.finish_later(batch, out, keep)
        except Exception:          # a bug must not leave the client hanging
            self.st.log_exception()
            self.conn.finish(pages.response(500, pages.error_page(500), keep_alive=False), False)


class FastPath:
    def __init__(self, svc: AppGatewayService) -> None:
        self.svc = svc
        self.proxy = svc.proxy
        self.upstream = svc.proxy.upstream
        self.taken = 0                   # requests answered on this path
        self.batch: WriteBatch | None = None

    def take(self, st: SocketState, conn: ClientConn, req: Request) -> bool:
        """Answer ``req`` on the hot path (True), or leave it to ``Proxy.handle`` (False, nothing done)."""
        if req.upgrade or req.stream is not None or conn.h2 is not None:
            return False
        svc = self.svc
        plan = svc.plans.get(st.gw)
        if plan is None:
            return False
        wafgw = svc.waf.gateways.get(st.gw) if svc.waf.gateways else None
        if st.tls and (plan.ssl_profiles or conn.cert is not None):
            return False
        lanes = st.lanes
        if lanes is None or lanes.plan is not plan:
            lanes = st.lanes = Lanes(plan, st, svc.telemetry.logs.wants(st.gw, "ApplicationGatewayAccessLog"))
        shape = req.shape            # a head seen before: what the hot path reads from it, read once
        parts = shape.derived.get("appgw") if shape is not None else None
        if parts is None:
            parts = head_parts(req)
            if shape is not None:
                shape.derived["appgw"] = parts
        if not parts:
            return False                # not origin form ("/..."), or a fragment
        raw, path, query, host, kept, xff = parts
        prefix = ""
        lane = lanes.direct.get(host)
        if lane is None:
            try:
                lst = lanes.hosts[host]
            except KeyError:
                lst = lanes.listener(host)
            if lst is None or lst.rule is None:
                return False
            rule = lst.rule
            pm = plan.path_maps.get(rule.path_map) if rule.path_map else None
            target, prefix = router.match_path(pm, path, plan.v2) if pm else (rule.target, "")
            try:
                lane = lanes.lanes[(lst.id, id(target))]
            except KeyError:
                lane = lanes.lane(lst, target)
            if lane is None:
                return False
            if pm is None:
                if len(lanes.direct) >= MAX_HOSTS:
                    lanes.direct.clear()
                lanes.direct[host] = lane
        waf = None
        if wafgw is not None:            # the WAF runs here too, once its policy is compiled (access logs: not here)
            waf = svc.waf.ready(wafgw, plan.id.lower(), lane.listener.id, lane.target.path_rule)
            if waf is False or lanes.log_access:
                return False
        members = lane.members if lane.health_version == svc.health_version else lane.usable(svc, plan)
        if not members:
            return False
        proxy = self.proxy
        n = proxy.rr.get(lane.rr_key, 0)
        member = members[n % len(members)]
        where = lane.where.get(member.address)
        if where is None:
            found = proxy.resolved(plan, member, lane.settings.port)
            if isinstance(found, str):
                return False                # unreachable: the proxy answers 502
            where = lane.where[member.address] = (found[0], found[1], None, None)
        q = self.upstream.idle.get(where)     # (``UpstreamPool.take``, inline: once per request)
        up = None
        while q:
            c = q.pop()
            if not c.closed:
                up = c
                break
        if up is None:
            return False                # the proxy opens one; it stays for the next requests
        tid = _TRACE_IDS.pop() if _TRACE_IDS else trace_id()
        if waf is not None and self.inspect(st, conn, req, plan, lane, waf, raw, path, query, host, prefix, tid):
            self.upstream.release(up)   # blocked: answered, the backend connection stays for the next
            self.taken += 1
            return True
        proxy.rr[lane.rr_key] = n + 1
        self.taken += 1
        f = Flight(self, st, conn, req, lane, member, where, path, query, host, prefix, tid)
        f.data = data = self.request_bytes(f, kept, xff)
        f.backend_started = _perf()
        up.expect(req.method == "HEAD", True, f.done, up.loop.time() + lane.settings.timeout, f.known)
        # with the loop turn's other writes (``writebatch``; ``WriteBatch.send``, inline)
        batch = self.batch
        if batch is None or batch.loop is not conn.loop:
            batch = self.batch = WriteBatch(conn.loop)
        batch.pending.append((None, up.transport, data, True))
        if not batch.armed:
            batch.armed = True
            batch.loop.call_soon(batch.flush)
        return True

    def writes(self, conn: ClientConn) -> WriteBatch:
        """This loop's write batch (``writebatch.py``): requests and answers sent once the turn's callbacks ran."""
        batch = self.batch
        if batch is None or batch.loop is not conn.loop:
            batch = self.batch = WriteBatch(conn.loop)
        return batch

    def inspect(self, st: SocketState, conn: ClientConn, req: Request, plan: GatewayPlan, lane: Lane,
                waf: tuple[WafPolicy, Binding], raw: str, path: str, query: str, host: str, prefix: str,
                tid: str) -> bool:
        """The WAF's verdict on a hot-path request, as ``Proxy.handle`` asks it (same request, logs, metrics);
        True when it blocked (the answer is sent: the policy's status and body, as ``Proxy._blocked``)."""
        svc = self.svc
        policy, binding = waf
        ip, cport = conn.client
        wreq = HttpRequest(req.method, raw, f"HTTP/{req.version}", req.headers, bytes(req.body), ip, cport, None,
                           st.key[0], st.key[1], router.bare_host(host), tid)
        t0 = _perf()
        verdict = policy.evaluate(wreq, binding.scope, binding.scope_name)
        svc.telemetry.waf(st.gw, plan, wreq, verdict, policy, binding.scope)
        if not verdict.blocked:
            return False
        inc = router.Incoming(req.method, path, query, host, req.headers, ip, cport, conn.scheme, st.key[1],
                              req.version)
        rec = svc.telemetry.begin(st, conn, req, inc)
        rec.tid = tid
        lst = lane.listener
        rec.decision = router.Decision(listener=lst, target=lane.target, path=path, query=query, prefix=prefix)
        rec.waf_mode, rec.waf_time = policy.mode if policy.enabled else "-", _perf() - t0
        server = pages.SERVER_V2 if plan.v2 else pages.SERVER_V1
        data, keep = self.proxy._blocked(rec, plan, lst, verdict, policy, req.keep_alive, server)
        conn.finish(data, keep)
        return True

    # -- the bytes ----------------------------------------------------------------------------------
    @staticmethod
    def request_bytes(f: Flight, kept: str, xff: str | None) -> bytes:
        """The request to the backend, as ``Proxy._backend_request`` builds it (``kept``, ``xff``: the client's
        headers passed on and its X-Forwarded-For, from ``head_parts``)."""
        req, settings = f.req, f.lane.settings
        path = f.path
        if settings.path:
            if f.prefix:
                path = settings.path.rstrip("/") + "/" + path[len(f.prefix):].lstrip("/") \
                    if path.lower().startswith(f.prefix.lower()) else settings.path
            else:
                path = settings.path.rstrip("/") + path
        if f.query:
            path = f"{path}?{f.query}"
        host = f.host
        backend_host = settings.host_name or (f.member.address if settings.pick_host_from_backend else host)
        client = f.conn.peer_text
        body = req.body
        method = req.method
        length = f"Content-Length: {len(body)}\r\n" if body or method in BODY_METHODS else ""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {backend_host}\r\n{kept}"
                f"X-Forwarded-For: {f'{xff}, {client}' if xff else client}\r\n{f.lane.forwarded}"
                f"X-Original-Host: {host}\r\nX-AppGW-Trace-Id: {f.tid}\r\n{length}\r\n").encode("latin-1")
        return head + body if body else head

    def answer(self, f: Flight, reply: Reply) -> None:
        """A buffered answer: to the client in one write, as ``Proxy._client_response`` builds it."""
        status = reply.status
        head_only = f.req.method == "HEAD"
        out = [self.kept_head(reply)]
        body = reply.body
        if status not in (204, 304) and not 100 <= status < 200:
            n = reply.length if head_only and reply.length is not None else len(body)
            out.append(LENGTH_LINES.get(n) or length_line(n))
        out.append(b"\r\n" if f.keep else b"Connection: close\r\n\r\n")
        if body and not head_only:
            out.append(body)
        data = b"".join(out)
        self.record(f, status, len(data))
        conn = f.conn
        batch = self.batch
        if batch is None or batch.loop is not conn.loop:
            batch = self.writes(conn)
        conn.finish_later(batch, data, f.keep)

    @classmethod
    def framing(cls, shape: Shape) -> tuple[bytes, bytes]:
        """What ``answer`` puts before the body of an answer whose head is ``shape`` (a Content-Length of
        ``shape.length``, a status with a body), kept with the shape: (kept alive, closed)."""
        n = shape.length
        assert n is not None
        head = cls.kept_head(shape) + (LENGTH_LINES.get(n) or length_line(n))
        framed = shape.derived["appgw"] = (head + b"\r\n", head + b"Connection: close\r\n\r\n")
        return framed

    @staticmethod
    def kept_head(reply: Reply | Shape) -> bytes:
        """The answer's status line and the backend's headers that go on to the client (no hop-by-hop ones)."""
        out = [STATUS_LINES.get((reply.status, reply.reason)) or status_line(reply.status, reply.reason)]
        for k, v in reply.headers:
            if len(k) not in HOP_LENGTHS or k.lower() not in HOP:
                out += (k, b": ", v, b"\r\n")
        return b"".join(out)

    # -- telemetry ----------------------------------------------------------------------------------
    def record(self, f: Flight, status: int, sent: int) -> None:
        """The answered request into its route's ``Tally`` (as ``Telemetry.end`` counts it; its access log
        record there when the gateway writes one)."""
        now = _perf()
        req, lane = f.req, f.lane
        if lane.log_access:
            rec = self.slow_record(f)
            rec.backend_status, rec.backend_done = status, now
            self.svc.telemetry.end(rec, status, sent)
            return
        total_ms = (now - req.started) * 1000.0
        backend_ms = (now - f.backend_started) * 1000.0
        try:
            t = lane.tallies[(f.member.address, status // 100)]
        except KeyError:
            t = lane.tally(f.st.gw, f.member.address, status // 100)
        a = t.acc
        if a[0]:
            if total_ms < a[4]:
                a[4] = total_ms
            elif total_ms > a[5]:
                a[5] = total_ms
            if backend_ms < a[8]:
                a[8] = backend_ms
            elif backend_ms > a[9]:
                a[9] = backend_ms
        else:                       # its first request since the last flush: the tally goes live
            a[4] = a[5] = total_ms
            a[8] = a[9] = backend_ms
            self.svc.telemetry.live.append(t)
        a[0] += 1.0
        a[2] += sent + len(req.url) + len(req.body) + req.hsize
        a[3] += total_ms
        a[6] = total_ms
        a[7] += backend_ms
        a[10] = backend_ms

    def slow_record(self, f: Flight) -> Any:
        """The proxy's request record (``telemetry.Record``) of a hot-path request, for its slower paths."""
        st, conn, req = f.st, f.conn, f.req
        ip, port = conn.peer
        inc = router.Incoming(req.method, f.path, f.query, f.host, req.headers, ip, port, conn.scheme, st.key[1],
                              req.version)
        rec = self.svc.telemetry.begin(st, conn, req, inc)
        rec.tid = f.tid
        rec.decision = router.Decision(listener=f.lane.listener, target=f.lane.target, path=f.path, query=f.query,
                                       prefix=f.prefix)
        rec.pool, rec.settings, rec.member = f.lane.pool, f.lane.settings, f.member.address
        rec.backend_started = f.backend_started
        return rec

    # -- the slower turns ----------------------------------------------------------------------------
    def failed(self, f: Flight, err: BackendError) -> None:
        rec = self.slow_record(f)
        rec.backend_error = err.kind
        plan = self.svc.plans.get(f.st.gw)
        server = pages.SERVER_V2 if plan is None or plan.v2 else pages.SERVER_V1
        data, keep = self.proxy._error(rec, plan, f.lane.listener, 504 if err.kind == "timeout" else 502, f.keep,
                                       server)
        f.conn.finish(data, keep)

    async def resend(self, f: Flight) -> None:
        """The kept-alive connection was closed under the request: once more on a new one."""
        left = f.lane.settings.timeout - (_perf() - f.backend_started)
        try:
            reply = await self.upstream.request(f.where[0], f.where[1], f.data, f.req.method == "HEAD",
                                                max(left, 0.001), stream=True, fresh=True)
        except BackendError as err:
            f.done(None, err)
            return
        f.done(reply, None)

    async def stream(self, f: Flight, reply: Reply) -> None:
        """A long answer, or one of unknown length: the proxy's streaming relay."""
        try:
            rec = self.slow_record(f)
            rec.backend_status = reply.status
            plan = self.svc.plans.get(f.st.gw) or f.st.lanes.plan   # type: ignore[union-attr]
            assert rec.decision is not None and rec.inc is not None
            data, keep = await self.proxy._stream(rec, plan, f.lane.settings, f.member, reply, rec.decision, rec.inc,
                                                  f.keep, False, f.conn)
        except Exception:          # a bug must not leave the client hanging
            f.st.log_exception()
            data, keep = pages.response(500, pages.error_page(500), keep_alive=False), False
        f.conn.finish(data, keep)
