"""The edge's fast paths, offered each HTTP/1.x request before any task is made (the shared connection's
``fast_handle``; the answer goes through ``conn.finish_later``): a cache hit answered at once (``hitpath``) and a request
passed to the origin on a kept-alive connection with its answer written from the reply's callback
(``passpath``). Anything else returns False and takes the full path (``proxy.EdgeProxy.serve``), which the fast
paths mirror for the requests they take. Their answers are written with the loop turn's others
(``appgw.writebatch``: one pass of sends per turn).

``scan`` reads the request once (the headers that decide, the route); ``plan`` says per (host, route, protocol)
of the current configuration which fast path the route allows:
- both: no WAF policy (domain or classic routing rule), no rules engine, no classic redirect, no HTTPS redirect
  for this protocol;
- a hit: caching on for GET (the object and the request decide the rest, ``hitpath``);
- a pass: caching off, the origin group known (HTTP or HTTPS to the origin; session affinity's cookies as the full
  path sets them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .headerkinds import CHAIN, CONDITIONAL, HOST, ROLES, XFF, role
from .paths import Match, host_lookup

if TYPE_CHECKING:
    from ..appgw.frontend import ClientConn, Request
    from .balancer import GroupSpec, OriginSpec
    from .cache.policy import CachePolicy
    from .model import HostSpec, RouteSpec
    from .proxy import EdgeProxy
    from .service import EdgeSocket

MAX_HOPS = 5
MAX_DECISIONS = 4096          # (Host, scheme, path) decisions remembered per configuration


@dataclass(slots=True)
class Plan:
    scope: str                          # the cache scope (the endpoint)
    hit: CachePolicy | None = None      # set: a hit may be answered at once with this policy
    group: GroupSpec | None = None      # set: a request may pass to this group's origins at once
    only: OriginSpec | None = None      # the group's one origin, when it has one
    https: bool = False                 # a pass goes to the origin over HTTPS
    affinity: bool = False              # a pass picks by the ASLBSA cookie and sets it (session affinity)
    fdid_line: str = ""                 # "X-Azure-FDID: <id>\r\n" (a pass's headers that never change)
    proto_line: str = ""                # "X-Forwarded-Proto: <scheme>\r\n"
    chain_fdid: str = ""                # "\r\nX-Azure-RequestChain: hops=1\r\n" + fdid_line (a first hop)
    where: tuple[str, int] | None = None    # ``only`` over HTTP at an address: where it runs (``svc.where``'s
    key: tuple[object, ...] | None = None   # answer, kept until the next configuration) and its pool key


@dataclass(slots=True)
class Head:
    """What the fast paths read from a request's head alone (``FastPaths.read``); a function of the head's bytes,
    so kept with its shape (``appgw.frontend.HeadShape.derived``) when the shell has one and read once per head
    seen. ``host`` None: no fast path (no Host, not origin form, a fragment, a loop, a bad X-Azure-RequestChain)."""
    host: str | None                    # the Host header as sent
    path: str = ""
    query: str = ""
    xff: str | None = None
    hops: int = 0                       # X-Azure-RequestChain hops
    debug: bool = False                 # X-Azure-DebugInfo: 1
    conditional: bool = False           # a header the cache answers for (Range, validators)
    kept: str | None = None             # the client's headers a pass forwards, as lines (``passpath``; on first use)


NO_HEAD = Head(None)
Route = tuple[str, "HostSpec", Match["RouteSpec"], Plan]   # the host lower-cased without port, its spec, the match


class FastPaths:
    def __init__(self, proxy: EdgeProxy) -> None:
        from .hitpath import HitPath
        from .passpath import PassPath
        self.proxy = proxy
        self.svc = proxy.svc
        self.config: Any = None
        self.plans: dict[tuple[int, int, str], Plan | None] = {}
        self.routes: dict[tuple[str, str, str], Route | None] = {}     # (Host, scheme, path) -> route, plan
        self.hits = HitPath(proxy)
        self.passes = PassPath(proxy)

    def take(self, st: EdgeSocket, conn: ClientConn, req: Request) -> bool:
        """Answers (or starts answering) ``req`` on a fast path; False: the full path answers it. Reads the
        request once (``read``: kept with the head's shape), then the route (remembered per (Host, scheme,
        path))."""
        if req.h2_stream:
            return False
        shape = req.shape
        if shape is None:
            head = self.read(req)
        else:
            head = shape.derived.get("frontdoor")
            if head is None:
                head = shape.derived["frontdoor"] = self.read(req)
        host = head.host
        if host is None:
            return False
        path = head.path
        scheme = conn.scheme
        if self.config is not self.svc.config:      # a new configuration: its routes are new objects
            self.reset()
        key = (host, scheme, path)
        try:
            found = self.routes[key]
        except KeyError:
            found = self.route(host, scheme, path)
            if len(self.routes) >= MAX_DECISIONS:      # hostile clients send many hosts and paths
                self.routes.clear()
            self.routes[key] = found
        if found is None:
            return False
        plan = found[3]
        if plan.group is not None:
            return self.passes.start(st, conn, req, found, head)
        if plan.hit is None or head.conditional or req.method != "GET" or req.body:
            return False
        out = self.hits.answer(st, conn, req, found, head)
        if out is None:
            return False
        self.passes.finish_later(conn, *out)     # with the loop turn's other answers (``appgw.writebatch``)
        return True

    @staticmethod
    def read(req: Request) -> Head:
        """The headers that decide (Host, X-Forwarded-For, the loop check, debug, validators) and the target."""
        url = req.url
        if not url or url[0] != 47:         # origin form ("/...") only
            return NO_HEAD
        host = xff = chain = debug = None
        conditional = False
        roles = ROLES                        # (``headerkinds``: the name as sent -> its role)
        for k, v in req.headers:
            r = roles.get(k)
            if r is None:
                r = role(k)
            if not r:
                continue
            if r == HOST:
                if host is None:
                    host = v
            elif r == XFF:
                if xff is None:
                    xff = v
            elif r == CONDITIONAL:
                conditional = True
            elif r == CHAIN:
                if chain is None:
                    chain = v
            elif debug is None:
                debug = v
        if not host:
            return NO_HEAD
        hops = 0
        if chain is not None and chain.startswith("hops="):
            try:
                hops = int(chain[5:])
            except ValueError:
                return NO_HEAD
            if hops >= MAX_HOPS:
                return NO_HEAD              # a loop: the full path answers 508
        target = url.decode("latin-1")
        if "#" in target:
            return NO_HEAD
        q = target.find("?")
        path, query = (target, "") if q < 0 else (target[:q], target[q + 1:])
        return Head(host, path, query, xff, hops, debug == "1", conditional)

    def reset(self) -> None:
        self.plans.clear()
        self.routes.clear()
        self.config = self.svc.config

    def route(self, host: str, scheme: str, path: str) -> Route | None:
        """What a (Host header, scheme, path) reaches under the current configuration, with its fast-path plan;
        None: the full path decides (no host, no route, no fast path)."""
        low_host = host.lower()
        low_host = low_host.split("]", 1)[0] + "]" if low_host.startswith("[") else low_host.split(":", 1)[0]
        spec = host_lookup(self.svc.config.hosts, low_host)
        if spec is None or not spec.owner.enabled:
            return None
        table = spec.tables.get(scheme)
        m = table.match(path) if table is not None else None
        if m is None:
            return None
        plan = self.plan(spec, m.item, scheme)
        if plan is None:
            return None
        return low_host, spec, m, plan

    def plan(self, spec: HostSpec, route: RouteSpec, scheme: str) -> Plan | None:
        if self.config is not self.svc.config:
            self.reset()
        key = (id(spec), id(route), scheme)
        try:
            return self.plans[key]
        except KeyError:
            pass
        got = self.plans[key] = self._plan(spec, route, scheme)
        return got

    def _plan(self, spec: HostSpec, route: RouteSpec, scheme: str) -> Plan | None:
        svc = self.svc
        if (route.engine is not None or route.redirect is not None or (route.https_redirect and scheme == "http")
                or route.waf_policy or spec.waf_policy or svc.waf_inspect != svc.waf.inspect):
            return None
        plan = Plan(route.owner.endpoint_id.lower())
        policy = route.policy
        if policy is not None and policy.enabled:
            if not policy.bypass and "GET" in policy.methods:
                plan.hit = policy
                return plan
            return None
        group = svc.config.groups.get(route.group or "")
        fwd = route.forwarding_protocol.lower()
        https = scheme == "https" if fwd == "matchrequest" else fwd == "httpsonly"
        if group is None:
            return None
        plan.group = group
        plan.affinity = spec.affinity if spec.affinity is not None else group.affinity
        plan.https = https
        plan.fdid_line = f"X-Azure-FDID: {spec.owner.fdid}\r\n"
        plan.proto_line = f"X-Forwarded-Proto: {scheme}\r\n"
        plan.chain_fdid = f"\r\nX-Azure-RequestChain: hops=1\r\n{plan.fdid_line}"
        if len(group.origins) == 1 and not plan.affinity:
            plan.only = group.origins[0]
        return plan
