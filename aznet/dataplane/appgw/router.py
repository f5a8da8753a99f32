"""The routing core (pure): which listener a request reaches, which rule and path rule apply, redirects and
request rewrites, and the cookie-affinity value.

Azure's behaviour it follows:
- host names of multi-site listeners match case-insensitively, ``*`` any run of characters and ``?`` one;
  listeners are tried in the order ``model.order_listeners`` gives (rule priority; else v2 multi-site
  before basic); a basic listener (no host name) takes any host; no listener: 404;
- path rules match the path without the query, case-insensitively; a pattern ending ``/*`` matches the
  prefix; v2: an exact match wins over wildcards, then the longest wildcard prefix; v1: the first match
  in the map's order; nothing matches: the path map's default;
- redirects answer 301/302/303/307 with ``Location`` built from the target listener (the request's host,
  the listener's scheme and port) or the target URL, plus the path and query string when asked;
- a URL rewrite with ``reroute`` evaluates the path map again with the new path."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache

from . import rewrite
from .model import GatewayPlan, Listener, PathMap, Target


@lru_cache(maxsize=4096)
def host_matches(pattern: str, host: str) -> bool:
    if "*" in pattern or "?" in pattern:
        return fnmatchcase(host, pattern.replace("[", "[[]"))
    return pattern == host


def bare_host(host: str | None) -> str:
    """Host header without the port, lower case."""
    if not host:
        return ""
    h = host.strip().lower()
    if h.startswith("["):
        return h.split("]", 1)[0] + "]"
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def match_listener(listeners: Sequence[Listener], host: str) -> Listener | None:
    for lst in listeners:
        if not lst.host_names or any(host_matches(p, host) for p in lst.host_names):
            return lst
    return None


def _pattern_match(pattern: str, path: str) -> int:
    """-1: no match; otherwise a score (exact matches above every wildcard, longer prefixes above shorter)."""
    p = pattern.lower()
    if p.endswith("*"):
        prefix = p[:-1]
        if path.startswith(prefix) or (prefix.endswith("/") and path == prefix[:-1]):
            return len(prefix)
        return -1
    return 1 << 20 if path == p else -1


def match_path(pm: PathMap, path: str, v2: bool = True) -> tuple[Target, str]:
    """The target and the pattern's fixed prefix ("" for the default and exact matches)."""
    low = path.lower()
    best: tuple[int, Target, str] | None = None
    for rule in pm.rules:
        for pattern in rule.paths:
            score = _pattern_match(pattern, low)
            if score < 0:
                continue
            prefix = pattern[:-1] if pattern.endswith("*") else ""
            if not v2:
                return rule.target, prefix
            if best is None or score > best[0]:
                best = (score, rule.target, prefix)
    return (best[1], best[2]) if best else (pm.default, "")


@dataclass
class Incoming:
    method: str
    path: str                      # without the query
    query: str                     # without "?"
    host: str                      # the Host header as sent
    headers: list[tuple[str, str]]
    client_ip: str
    client_port: int
    scheme: str                    # http | https
    server_port: int               # the frontend port
    version: str = "1.1"
    tls_vars: dict[str, str] | None = None     # the client-certificate variables of a TLS connection

    def header(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None


@dataclass
class Decision:
    status: int = 0                # non-zero: answer this (redirect, 404) instead of proxying
    location: str | None = None
    listener: Listener | None = None
    target: Target | None = None
    path: str = "/"
    query: str = ""
    prefix: str = ""               # the matched path rule's fixed prefix (path override replaces it)
    header_edits: list[tuple[str, str]] = field(default_factory=list)
    later: list = field(default_factory=list)  # response-phase rewrite rules
    vars: rewrite.Vars | None = None


def server_vars(req: Incoming, listener: Listener | None) -> dict[str, str]:
    xff = req.header("x-forwarded-for")
    client = f"{req.client_ip}:{req.client_port}"
    uri = req.path + (f"?{req.query}" if req.query else "")
    return (req.tls_vars or {}) | {"client_ip": req.client_ip, "client_port": str(req.client_port), "host": bare_host(req.host),
            "http_method": req.method, "http_version": req.version, "query_string": req.query,
            "request_query": req.query, "request_scheme": req.scheme, "request_uri": uri, "uri_path": req.path,
            "server_port": str(req.server_port), "ssl_enabled": "on" if req.scheme == "https" else "",
            "add_x_forwarded_for_proxy": f"{xff}, {client}" if xff else client,
            "client_tcp_rtt": "", "client_user": "", "cookie_name": "",
            "server_name": listener.host_names[0] if listener and listener.host_names else bare_host(req.host)}


def redirect_location(plan: GatewayPlan, target_id: str, req: Incoming) -> tuple[int, str] | None:
    red = plan.redirects.get(target_id)
    if red is None:
        return None
    if red.target_listener:
        lst = plan.listeners.get(red.target_listener)
        if lst is None:
            return None
        scheme = "https" if lst.protocol.lower() == "https" else "http"
        default = 443 if scheme == "https" else 80
        host = bare_host(req.host) or (lst.host_names[0] if lst.host_names and "*" not in lst.host_names[0] else "")
        base = f"{scheme}://{host}" + ("" if lst.port == default else f":{lst.port}")
        loc = base + (req.path if red.include_path else "/")
    else:
        loc = red.target_url or "/"
        if red.include_path:
            loc = loc.rstrip("/") + req.path
    if red.include_query and req.query:
        loc += ("&" if "?" in loc else "?") + req.query
    return red.status, loc


def decide(plan: GatewayPlan, listeners: Sequence[Listener], req: Incoming) -> Decision:
    host = bare_host(req.host)
    lst = match_listener(listeners, host)
    if lst is None or lst.rule is None:
        return Decision(status=404, listener=lst)
    rule = lst.rule
    pm = plan.path_maps.get(rule.path_map) if rule.path_map else None
    target, prefix = match_path(pm, req.path, plan.v2) if pm else (rule.target, "")
    d = Decision(listener=lst, target=target, path=req.path, query=req.query, prefix=prefix)
    if target.redirect:
        red = redirect_location(plan, target.redirect, req)
        if red is None:
            return Decision(status=404, listener=lst)
        d.status, d.location = red
        return d
    rules = plan.rewrites.get(target.rewrite or "") if target.rewrite else None
    if rules:
        v = rewrite.Vars(server_vars(req, lst), req.header)
        edits = rewrite.request_phase(rules, v)
        d.header_edits, d.later, d.vars = edits.headers, edits.later, v
        if edits.path is not None:
            d.path = edits.path
        if edits.query is not None:
            d.query = edits.query
        if edits.reroute and pm is not None and edits.path is not None:
            new, d.prefix = match_path(pm, d.path, plan.v2)
            d.target = Target(new.pool, new.settings, new.redirect, target.rewrite, new.path_rule)
            if new.redirect:
                red = redirect_location(plan, new.redirect, req)
                if red is not None:
                    d.status, d.location = red
    return d


def affinity_value(gateway_id: str, member: str) -> str:
    """The opaque value of the affinity cookie naming a backend member (stable for the gateway)."""
    return hashlib.sha256(f"{gateway_id.lower()}|{member}".encode()).hexdigest()[:32]


def affinity_member(cookie_header: str | None, name: str, members: Sequence[str],
                    value_of: Callable[[str], str]) -> str | None:
    """The member a request's affinity cookie names, if it is among ``members``."""
    if not cookie_header:
        return None
    want = None
    for part in cookie_header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name or k == name + "CORS":
            want = v.strip()
            break
    if not want:
        return None
    return next((m for m in members if value_of(m) == want), None)
