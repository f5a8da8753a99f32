"""The rules engine: rule sets of Front Door Standard/Premium, CDN endpoint delivery policies and classic Front
Door rules engines, compiled once per configuration into ``RuleEngine.evaluate(EdgeRequest) -> Outcome``.

Order: rule sets in the order the route lists them, rules by ascending ``order`` (classic: ``priority``); a rule
whose conditions all match adds its actions, and ``matchProcessingBehavior: Stop`` ends the evaluation (no later
rule of any set runs). Conditions see the request as the client sent it (a rewrite or header change made by an
earlier rule is not visible to later conditions — inferred); when several matching rules set the same thing
(redirect, rewrite, origin group), the later rule wins; header operations accumulate in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..exchange import EdgeRequest
from .conditions import GeoLookup, Predicate, compile_classic_condition, compile_delivery_condition, member
from .outcome import REDIRECT_STATUS, HeaderOp, Outcome, Redirect
from .request_values import RequestView, expand

Action = Callable[[RequestView, Outcome], None]
_DURATION = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$")
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.I)


def duration_seconds(text: Any) -> int | None:
    """``[d.]hh:mm:ss`` (rule sets, CDN) or ISO 8601 ``P1DT2H`` (classic Front Door) as seconds."""
    if not isinstance(text, str):
        return None
    m = _DURATION.match(text.strip())
    if m:
        d, h, mi, s = (int(x) if x else 0 for x in m.groups())
        return ((d * 24 + h) * 60 + mi) * 60 + s
    m = _ISO.match(text.strip())
    if m and any(m.groups()):
        d, h, mi = (int(x) if x else 0 for x in m.groups()[:3])
        s = float(m.group(4) or 0)
        return int(((d * 24 + h) * 60 + mi) * 60 + s)
    return None


@dataclass(slots=True)
class CompiledRule:
    name: str
    order: int
    conditions: list[Predicate]
    actions: list[Action]
    stop: bool


def _redirect_location(view: RequestView, protocol: str, host: str | None, path: str | None, query: str | None,
                       fragment: str | None, geo: GeoLookup | None, variables: bool = True) -> str:
    """The redirect URL: each custom part replaces the request's (protocol, host, path, query string); a fragment
    is added. Server variables expand in every part (rule sets and CDN rules; not classic Front Door)."""
    req = view.req

    def ex(text: str) -> str:
        return expand(text, view, geo) if variables else text

    scheme = {"Http": "http", "Https": "https", "HttpOnly": "http", "HttpsOnly": "https"}.get(protocol, req.scheme)
    if host:
        authority = ex(host)
    elif scheme == req.scheme:
        authority = view.authority()
    else:
        authority = req.host
    target_path = ex(path) if path else req.path
    if not target_path.startswith("/"):
        target_path = "/" + target_path
    q = ex(query).lstrip("?&") if query else req.query
    url = f"{scheme}://{authority}{target_path}"
    if q:
        url += f"?{q}"
    if fragment:
        url += "#" + ex(fragment).lstrip("#")
    return url


def _rewrite(view: RequestView, source: str, destination: str, preserve: bool, geo: GeoLookup | None) -> str | None:
    """Azure's URL rewrite: ``sourcePattern`` is a prefix of the path; the destination replaces it, followed by
    the rest of the path when ``preserveUnmatchedPath`` (the default)."""
    path = view.req.path
    src = source or "/"
    if not path.startswith(src):
        return None
    dest = expand(destination, view, geo)
    return dest + path[len(src):] if preserve else dest


def _query_names(text: Any) -> tuple[str, ...]:
    if not isinstance(text, str):
        return ()
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _header_op(params: dict[str, Any], view: RequestView, geo: GeoLookup | None, kind_key: str,
               variables: bool = True) -> HeaderOp:
    value = str(member(params, "value") or "")
    return HeaderOp(str(member(params, kind_key) or "Append"), str(member(params, "headerName") or ""),
                    expand(value, view, geo) if variables else value)


def compile_delivery_action(action: dict[str, Any], geo: GeoLookup | None = None) -> Action:
    """One action as the control plane stores it (``{"name": ..., "parameters": {...}}``)."""
    name = member(action, "name")
    p = member(action, "parameters") or {}

    if name in ("ModifyRequestHeader", "ModifyResponseHeader"):
        def header(view: RequestView, out: Outcome) -> None:
            op = _header_op(p, view, geo, "headerAction")
            (out.request_headers if name == "ModifyRequestHeader" else out.response_headers).append(op)
        return header
    if name == "UrlRedirect":
        status = REDIRECT_STATUS.get(member(p, "redirectType") or "Found", 302)

        def redirect(view: RequestView, out: Outcome) -> None:
            out.redirect = Redirect(status, _redirect_location(
                view, member(p, "destinationProtocol") or "MatchRequest", member(p, "customHostname"), member(p, "customPath"),
                member(p, "customQueryString"), member(p, "customFragment"), geo))
        return redirect
    if name == "UrlRewrite":
        preserve = member(p, "preserveUnmatchedPath")
        preserve = True if preserve is None else bool(preserve)

        def rewrite(view: RequestView, out: Outcome) -> None:
            new = _rewrite(view, str(member(p, "sourcePattern") or "/"), str(member(p, "destination") or "/"), preserve, geo)
            if new is not None:
                out.rewrite_path = new
        return rewrite
    if name == "CacheExpiration":
        behaviour = str(member(p, "cacheBehavior") or "SetIfMissing")
        seconds = duration_seconds(member(p, "cacheDuration"))

        def expiration(view: RequestView, out: Outcome) -> None:
            out.cache.expiration = (behaviour, seconds)
        return expiration
    if name == "CacheKeyQueryString":
        behaviour = str(member(p, "queryStringBehavior") or "IncludeAll")
        names = _query_names(member(p, "queryParameters"))

        def key_query(view: RequestView, out: Outcome) -> None:
            out.cache.key_query = (behaviour, names)
        return key_query
    if name == "RouteConfigurationOverride":
        group = member(member(p, "originGroupOverride") or {}, "originGroup") or {}
        protocol = member(member(p, "originGroupOverride") or {}, "forwardingProtocol")
        cache = member(p, "cacheConfiguration")

        def override(view: RequestView, out: Outcome) -> None:
            if isinstance(group, dict) and member(group, "id"):
                out.origin_group = member(group, "id")
                out.forwarding_protocol = protocol or "MatchRequest"
            out.cache.replaced = True
            out.cache.configuration = dict(cache) if isinstance(cache, dict) else None
            out.cache.flavour = "afd"
        return override
    if name == "OriginGroupOverride":
        gid = member(member(p, "originGroup") or {}, "id")

        def origin_group(view: RequestView, out: Outcome) -> None:
            if gid:
                out.origin_group = gid
        return origin_group

    def unsupported(view: RequestView, out: Outcome) -> None:  # UrlSigning: key validation is not emulated
        return None
    return unsupported


def _classic_actions(action: dict[str, Any], geo: GeoLookup | None) -> list[Action]:
    out: list[Action] = []
    for key, req_side in (("requestHeaderActions", True), ("responseHeaderActions", False)):
        for h in member(action, key) or []:
            def header(view: RequestView, o: Outcome, h: dict[str, Any] = h, req_side: bool = req_side) -> None:
                op = _header_op(h, view, None, "headerActionType", variables=False)
                (o.request_headers if req_side else o.response_headers).append(op)
            out.append(header)
    conf = member(action, "routeConfigurationOverride")
    if isinstance(conf, dict):
        kind = str(member(conf, "@odata.type") or "")
        if kind.endswith("RedirectConfiguration"):
            status = REDIRECT_STATUS.get(member(conf, "redirectType") or "Moved", 301)

            def redirect(view: RequestView, o: Outcome) -> None:
                o.redirect = Redirect(status, _redirect_location(
                    view, member(conf, "redirectProtocol") or "MatchRequest", member(conf, "customHost"),
                    member(conf, "customPath"), member(conf, "customQueryString"), member(conf, "customFragment"), None,
                    variables=False))
            out.append(redirect)
        else:
            pool = (member(conf, "backendPool") or {}).get("id") if isinstance(member(conf, "backendPool"), dict) else None
            path = member(conf, "customForwardingPath")
            cache = member(conf, "cacheConfiguration")

            def forward(view: RequestView, o: Outcome) -> None:
                if pool:
                    o.origin_group = pool
                o.forwarding_protocol = member(conf, "forwardingProtocol") or "MatchRequest"
                if isinstance(path, str) and path:
                    o.forwarding_path = path
                o.cache.replaced = True
                o.cache.configuration = dict(cache) if isinstance(cache, dict) else None
                o.cache.flavour = "classic"
            out.append(forward)
    return out


class RuleEngine:
    """Compiled rules; ``evaluate`` is pure and cheap (conditions read lazily computed request values)."""

    def __init__(self, rules: Iterable[CompiledRule], geo: GeoLookup | None = None) -> None:
        self.rules = list(rules)
        self.geo = geo

    def __len__(self) -> int:
        return len(self.rules)

    def evaluate(self, req: EdgeRequest) -> Outcome:
        out = Outcome()
        if not self.rules:
            return out
        view = RequestView(req)
        for rule in self.rules:
            if all(c(view) for c in rule.conditions):
                out.matched.append(rule.name)
                for act in rule.actions:
                    act(view, out)
                if rule.stop:
                    break
        return out

    # -- builders from the control plane's stored JSON --------------------------------------------------------

    @classmethod
    def from_rule_sets(cls, rule_sets: Iterable[Iterable[dict[str, Any]]], geo: GeoLookup | None = None
                       ) -> RuleEngine:
        """Front Door Standard/Premium: ``rule_sets`` is the route's rule sets in the route's order, each an
        iterable of stored rule resources (``{"name", "properties": {"order", "conditions", "actions",
        "matchProcessingBehavior"}}``)."""
        geo = geo or default_geo()
        compiled: list[CompiledRule] = []
        for rules in rule_sets:
            batch = []
            for body in rules:
                props = member(body, "properties") or body
                batch.append(CompiledRule(
                    str(member(body, "name") or ""), int(member(props, "order") or 0),
                    [compile_delivery_condition(c, geo) for c in member(props, "conditions") or []],
                    [compile_delivery_action(a, geo) for a in member(props, "actions") or []],
                    str(member(props, "matchProcessingBehavior") or "Continue") == "Stop"))
            compiled.extend(sorted(batch, key=lambda r: r.order))
        return cls(compiled, geo)

    @classmethod
    def from_delivery_policy(cls, policy: dict[str, Any] | None, geo: GeoLookup | None = None) -> RuleEngine:
        """A CDN endpoint's ``deliveryPolicy`` (``{"rules": [{"name", "order", "conditions", "actions"}]}``);
        the rule with order 0 is the global rule, which has no conditions."""
        geo = geo or default_geo()
        rules = []
        for r in member(policy or {}, "rules") or []:
            rules.append(CompiledRule(
                str(member(r, "name") or ""), int(member(r, "order") or 0),
                [compile_delivery_condition(c, geo) for c in member(r, "conditions") or []],
                [compile_delivery_action(a, geo) for a in member(r, "actions") or []], False))
        return cls(sorted(rules, key=lambda r: r.order), geo)

    @classmethod
    def from_classic(cls, rules_engine: dict[str, Any] | None, geo: GeoLookup | None = None) -> RuleEngine:
        """A classic Front Door rules engine resource (``properties.rules``: name, priority, matchConditions,
        action, matchProcessingBehavior)."""
        geo = geo or default_geo()
        props = member(rules_engine or {}, "properties") or rules_engine or {}
        rules = []
        for r in member(props, "rules") or []:
            rules.append(CompiledRule(
                str(member(r, "name") or ""), int(member(r, "priority") or 0),
                [compile_classic_condition(c, geo) for c in member(r, "matchConditions") or []],
                _classic_actions(member(r, "action") or {}, geo),
                str(member(r, "matchProcessingBehavior") or "Continue") == "Stop"))
        return cls(sorted(rules, key=lambda r: r.order), geo)


_GEO: list[GeoLookup | None] = []


def default_geo() -> GeoLookup | None:
    """The offline IP-to-country lookup the WAF's GeoMatch uses (loaded on first use)."""
    if not _GEO:
        try:
            from ...waf.policy import country_lookup
            _GEO.append(country_lookup())
        except Exception:  # pragma: no cover - the lookup's data ships with iptocc
            _GEO.append(None)
    return _GEO[0]
