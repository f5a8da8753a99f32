"""Compile delivery-rule match conditions (Front Door Standard/Premium rule sets, CDN delivery policies) and
classic Front Door rules-engine match conditions into predicates over a request.

Semantics (Azure's rules match conditions reference):
- The values of one condition are OR-ed; the conditions of a rule are AND-ed.
- Transforms apply to the request's value, not to the match values; without a transform a match is
  case-sensitive.
- ``LessThan``/``GreaterThan``/... compare the *length* of the request value with the integer match value.
- ``Any`` matches when there is a value; with ``negateCondition`` it matches when there is none.
- ``RegEx`` searches the value (RE2-like, no backreferences); a search that runs past its time budget counts as
  no match (hostile input).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, unquote

import regex

from .request_values import RequestView

Predicate = Callable[[RequestView], bool]
GeoLookup = Callable[[str], str | None]
REGEX_BUDGET_S = 0.05

_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "lowercase": str.lower,
    "uppercase": str.upper,
    "trim": str.strip,
    "urldecode": lambda s: unquote(s, errors="replace"),
    "urlencode": lambda s: quote(s, safe=""),
    "removenulls": lambda s: s.replace("\x00", ""),
}

# Request value getters. Each returns a list of values (a header or cookie can occur more than once) or None
# when the request has no such value.
Getter = Callable[[RequestView, "str | None"], "list[str] | None"]


def _one(value: str | None) -> list[str] | None:
    return None if value is None else [value]


def _header(v: RequestView, sel: str | None) -> list[str] | None:
    values = v.req.header_all(sel or "")
    return values or None


def _cookie(v: RequestView, sel: str | None) -> list[str] | None:
    return v.cookies().get(sel or "")


def _post(v: RequestView, sel: str | None) -> list[str] | None:
    return v.post_args().get(sel or "")


GETTERS: dict[str, Getter] = {
    "RemoteAddress": lambda v, s: _one(v.req.client_ip),
    "SocketAddr": lambda v, s: _one(v.req.socket_ip),
    "RequestMethod": lambda v, s: _one(v.req.method.upper()),
    "QueryString": lambda v, s: _one(v.req.query),
    "PostArgs": _post,
    "RequestUri": lambda v, s: _one(v.full_url()),
    "RequestHeader": _header,
    "RequestBody": lambda v, s: _one(v.body_text()),
    "RequestScheme": lambda v, s: _one(v.req.scheme.upper()),
    "UrlPath": lambda v, s: _one(v.url_path()),
    "UrlFileExtension": lambda v, s: _one(v.file_extension()),
    "UrlFileName": lambda v, s: _one(v.file_name()),
    "HttpVersion": lambda v, s: _one(v.http_version()),
    "Cookies": _cookie,
    "IsDevice": lambda v, s: _one("Mobile" if v.is_mobile() else "Desktop"),
    "ClientPort": lambda v, s: _one(str(v.req.client_port)),
    "ServerPort": lambda v, s: _one(str(v.req.server_port)),
    "HostName": lambda v, s: _one(v.req.host),
    "SslProtocol": lambda v, s: _one(v.req.tls_protocol or None),
}
# Values compared without regard to case whatever the transforms (enumerations Azure defines in one spelling).
_ENUM_CONDITIONS = {"RequestMethod", "RequestScheme", "IsDevice", "SslProtocol", "HttpVersion"}

# classic Front Door rulesEngineMatchVariable -> the delivery-rule condition reading the same value
CLASSIC_VARIABLES = {
    "IsMobile": "IsDevice", "RemoteAddr": "RemoteAddress", "RequestMethod": "RequestMethod",
    "QueryString": "QueryString", "PostArgs": "PostArgs", "RequestUri": "RequestUri", "RequestPath": "UrlPath",
    "RequestFilename": "UrlFileName", "RequestFilenameExtension": "UrlFileExtension",
    "RequestHeader": "RequestHeader", "RequestBody": "RequestBody", "RequestScheme": "RequestScheme",
}


def member(d: Any, key: str, default: Any = None) -> Any:
    """Member lookup that ignores case, as the control plane's JSON does."""
    if not isinstance(d, dict):
        return default
    if key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return default


def _wildcard(pattern: str) -> regex.Pattern[str]:
    return regex.compile("".join(".*" if ch == "*" else regex.escape(ch) for ch in pattern), regex.S)


def _matcher(name: str, op: str, values: Sequence[str], geo: GeoLookup | None) -> Callable[[str], bool]:
    """A test of one (transformed) request value against all match values (OR)."""
    if name in _ENUM_CONDITIONS:
        wanted = {v.lower() for v in values}
        if name == "IsDevice":
            wanted = {"mobile" if w == "true" else "desktop" if w == "false" else w for w in wanted}
        return lambda s: s.lower() in wanted
    if op == "Equal":
        exact = set(values)
        return lambda s: s in exact
    if op == "Contains":
        return lambda s: any(v in s for v in values)
    if op == "BeginsWith":
        prefixes = tuple(values)
        return lambda s: s.startswith(prefixes)
    if op == "EndsWith":
        suffixes = tuple(values)
        return lambda s: s.endswith(suffixes)
    if op in ("LessThan", "LessThanOrEqual", "GreaterThan", "GreaterThanOrEqual"):
        limits = [int(v) for v in values if v.strip().lstrip("-").isdigit()]
        compare = {"LessThan": lambda n, m: n < m, "LessThanOrEqual": lambda n, m: n <= m,
                   "GreaterThan": lambda n, m: n > m, "GreaterThanOrEqual": lambda n, m: n >= m}[op]
        return lambda s: any(compare(len(s), m) for m in limits)
    if op == "RegEx":
        patterns = []
        for v in values:
            try:
                patterns.append(regex.compile(v))
            except regex.error:  # the control plane checked it with re; a pattern regex refuses never matches
                continue

        def rx(s: str) -> bool:
            for p in patterns:
                try:
                    if p.search(s, timeout=REGEX_BUDGET_S):
                        return True
                except TimeoutError:
                    continue
            return False
        return rx
    if op == "Wildcard":
        compiled = [_wildcard(v) for v in values]
        return lambda s: any(p.fullmatch(s) for p in compiled)
    if op == "IPMatch":
        nets = []
        for v in values:
            try:
                nets.append(ipaddress.ip_network(v.strip(), strict=False))
            except ValueError:
                continue

        def ip(s: str) -> bool:
            try:
                addr = ipaddress.ip_address(s.strip())
            except ValueError:
                return False
            if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
                addr = addr.ipv4_mapped
            return any(addr.version == n.version and addr in n for n in nets)
        return ip
    if op == "GeoMatch":
        countries = {v.upper() for v in values}

        def geo_match(s: str) -> bool:
            country = geo(s) if geo is not None else None
            return country is not None and country.upper() in countries
        return geo_match
    return lambda s: False  # an operator this condition does not have (the control plane refuses it) never matches


def compile_condition(name: str, op: str, values: Sequence[str], *, selector: str | None = None,
                      negate: bool = False, transforms: Sequence[str] = (),
                      geo: GeoLookup | None = None) -> Predicate:
    getter = GETTERS[name]
    steps = [_TRANSFORMS[t.lower()] for t in transforms if t.lower() in _TRANSFORMS]
    test = None if op == "Any" else _matcher(name, op, [str(v) for v in values], geo)

    def predicate(view: RequestView) -> bool:
        raw = getter(view, selector)
        if op == "Any":
            hit = bool(raw) and any(r != "" for r in raw)
        elif raw is None:
            hit = False
        else:
            hit = False
            for r in raw:
                for step in steps:
                    r = step(r)
                if test(r):  # type: ignore[misc]
                    hit = True
                    break
        return hit != negate

    return predicate


def _never(view: RequestView) -> bool:
    return False


def compile_delivery_condition(cond: dict[str, Any], geo: GeoLookup | None = None) -> Predicate:
    """One condition as the control plane stores it: ``{"name": ..., "parameters": {"operator", "matchValues",
    "negateCondition", "selector", "transforms"}}``."""
    name = member(cond, "name")
    params = member(cond, "parameters") or {}
    if name not in GETTERS:
        return _never  # a condition this edge does not know: the rule never matches
    return compile_condition(name, member(params, "operator") or "Any", member(params, "matchValues") or [],
                             selector=member(params, "selector"), negate=bool(member(params, "negateCondition", False)),
                             transforms=member(params, "transforms") or [], geo=geo)


def compile_classic_condition(cond: dict[str, Any], geo: GeoLookup | None = None) -> Predicate:
    """A classic Front Door rules-engine match condition (``rulesEngineMatchVariable``, ``rulesEngineOperator``,
    ``rulesEngineMatchValue``, ``selector``, ``negateCondition``, ``transforms``)."""
    variable = member(cond, "rulesEngineMatchVariable")
    name = CLASSIC_VARIABLES.get(variable or "")
    if name is None:
        return _never
    return compile_condition(name, member(cond, "rulesEngineOperator") or "Any", member(cond, "rulesEngineMatchValue") or [],
                             selector=member(cond, "selector"), negate=bool(member(cond, "negateCondition", False)),
                             transforms=member(cond, "transforms") or [], geo=geo)
