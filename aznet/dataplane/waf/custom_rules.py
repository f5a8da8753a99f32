"""Azure WAF custom rules (Application Gateway and Front Door shapes): match and rate-limit rules.

Semantics (Azure's custom-rules docs): rules run by ascending priority before the managed rules;
all match conditions of a rule must hold (AND); within a condition any of its match variables and
any of its match values may match (OR); ``negationConditon``/``negateCondition`` inverts a
condition; transforms apply in order. The first rule whose action is Allow/Block/Redirect ends
evaluation; Log records and goes on. Rate-limit rules count requests that match their conditions
per client IP (or group-by key) in a sliding 1- or 5-minute window and act once the count exceeds
the threshold. Inferred (not documented): LessThan/GreaterThan* compare numbers when the value is
an integer and the value's length otherwise (Azure calls them size constraints).
"""

from __future__ import annotations

import html
import ipaddress
import re
import time
import urllib.parse
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .bodies import parse_cookies, parse_urlencoded
from .pcre import SearchTimeout, compile_pcre
from .request import HttpRequest, as_text

MAX_RATE_KEYS = 100_000

_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "lowercase": str.lower,
    "uppercase": str.upper,
    "trim": str.strip,
    "urldecode": lambda s: urllib.parse.unquote_plus(s, encoding="latin-1"),
    "urlencode": lambda s: urllib.parse.quote(s, safe="", encoding="latin-1"),
    "removenulls": lambda s: s.replace("\x00", ""),
    "htmlentitydecode": html.unescape,
}
# Front Door and Application Gateway spell some variables differently
_VARIABLE_ALIASES = {"requestheader": "requestheaders", "cookies": "requestcookies"}


def _ci(d: dict[str, Any], *names: str, default: Any = None) -> Any:
    lower = {k.lower(): v for k, v in d.items()}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return default


@dataclass(slots=True)
class MatchContext:
    """Request values custom rules read, computed once per request."""
    req: HttpRequest
    geo: Callable[[str], str | None] | None
    _post: list[tuple[str, str]] | None = None
    _cookies: list[tuple[str, str]] | None = None

    def values(self, variable: str, selector: str | None) -> list[str]:
        v = _VARIABLE_ALIASES.get(variable.lower(), variable.lower())
        r = self.req
        if v == "remoteaddr":
            return [r.client_addr]
        if v == "socketaddr":
            return [r.socket_addr or r.client_addr]
        if v == "requestmethod":
            return [r.method]
        if v == "querystring":
            return [as_text(r.uri).partition("?")[2]]
        if v == "requesturi":
            return [as_text(r.uri)]
        if v == "requestbody":
            return [as_text(r.body)]
        if v == "requestheaders":
            if selector is None:
                return [as_text(val) for _, val in r.headers]
            return [as_text(val) for k, val in r.headers if k.lower() == selector.lower()]
        if v == "requestcookies":
            if self._cookies is None:
                self._cookies = parse_cookies([as_text(val) for k, val in r.headers if k.lower() == "cookie"])
            return [val for k, val in self._cookies if selector is None or k == selector]
        if v == "postargs":
            if self._post is None:
                ctype = (r.header("content-type") or "").lower()
                self._post = parse_urlencoded(as_text(r.body)) if "urlencoded" in ctype else []
            return [val for k, val in self._post if selector is None or k == selector]
        return []


@dataclass(slots=True)
class Condition:
    variables: list[tuple[str, str | None]]
    operator: str
    negate: bool
    values: list[str]
    transforms: list[Callable[[str], str]]
    _nets: list[Any] = field(default_factory=list)
    _regexes: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        op = self.operator.lower()
        if op == "ipmatch":
            for v in self.values:
                try:
                    self._nets.append(ipaddress.ip_network(v.strip(), strict=False))
                except ValueError:
                    continue
        elif op == "regex":
            self._regexes = [compile_pcre(v) for v in self.values]

    def matches(self, ctx: MatchContext) -> tuple[bool, str, str]:
        """(holds, variable name, value) — the last two for the log record."""
        op = self.operator.lower()
        for var, sel in self.variables:
            name = f"{var}:{sel}" if sel else var
            for raw in ctx.values(var, sel):
                val = raw
                for t in self.transforms:
                    val = t(val)
                hit = self._test(op, val, ctx)
                if hit != self.negate:
                    return True, name, raw
            if op == "any" and not self.negate:
                return True, name, ""
        # a negated condition on an absent value holds (nothing matched)
        if self.negate and not any(ctx.values(v, s) for v, s in self.variables):
            return True, self.variables[0][0] if self.variables else "", ""
        return False, "", ""

    def _test(self, op: str, val: str, ctx: MatchContext) -> bool:
        if op == "any":
            return True
        if op == "ipmatch":
            try:
                ip = ipaddress.ip_address(val.strip())
            except ValueError:
                return False
            return any(ip.version == n.version and ip in n for n in self._nets)
        if op == "geomatch":
            # Azure: "ZZ" (Unknown) matches the addresses the country table does not map
            country = (ctx.geo(val.strip()) if ctx.geo else None) or "ZZ"
            return country.upper() in {v.upper() for v in self.values}
        if op == "regex":
            try:
                return any(p.search(val) is not None for p in self._regexes)
            except SearchTimeout:
                return True                  # out of time on a hostile value: fail closed
        if op in ("lessthan", "greaterthan", "lessthanorequal", "greaterthanorequal"):
            n = int(val) if re.fullmatch(r"\s*-?\d+\s*", val) else len(val)
            out = False
            for v in self.values:
                try:
                    limit = int(v)
                except ValueError:
                    continue
                out |= {"lessthan": n < limit, "greaterthan": n > limit,
                        "lessthanorequal": n <= limit, "greaterthanorequal": n >= limit}[op]
            return out
        for v in self.values:
            if op == "equal" and val == v:
                return True
            if op == "contains" and v in val:
                return True
            if op == "beginswith" and val.startswith(v):
                return True
            if op == "endswith" and val.endswith(v):
                return True
        return False


@dataclass(slots=True)
class CustomRule:
    name: str
    priority: int
    action: str                  # Allow | Block | Log | Redirect | JSChallenge | CAPTCHA
    conditions: list[Condition]
    enabled: bool = True
    rate_limit: tuple[int, int] | None = None      # (window seconds, threshold)
    group_by: tuple[str, ...] = ("ClientAddr",)


@dataclass(slots=True)
class CustomMatch:
    rule: CustomRule
    variable: str
    value: str


class RateCounter:
    """Sliding-window request counts per (rule, key); bounded in keys and in timestamps per key."""

    def __init__(self) -> None:
        self._hits: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def hit(self, rule: str, key: str, window: int, threshold: int, now: float) -> bool:
        """Count one request; True when the window now holds more than ``threshold``."""
        k = (rule, key)
        q = self._hits.get(k)
        if q is None:
            q = self._hits[k] = deque(maxlen=threshold + 1)
            if len(self._hits) > MAX_RATE_KEYS:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(k)
        while q and q[0] <= now - window:
            q.popleft()
        q.append(now)
        return len(q) > threshold


def compile_rules(rules: list[dict[str, Any]]) -> list[CustomRule]:
    out: list[CustomRule] = []
    for r in rules or []:
        state = _ci(r, "state", "enabledState", default="Enabled")
        conds: list[Condition] = []
        for c in _ci(r, "matchConditions", default=[]) or []:
            variables: list[tuple[str, str | None]] = []
            mvars = _ci(c, "matchVariables")
            if mvars is not None:       # Application Gateway: a list of {variableName, selector}
                for mv in mvars:
                    variables.append((_ci(mv, "variableName", default=""), _ci(mv, "selector")))
            else:                       # Front Door: one matchVariable + selector
                variables.append((_ci(c, "matchVariable", default=""), _ci(c, "selector")))
            values = _ci(c, "matchValues", "matchValue", default=[]) or []
            tfs = [_TRANSFORMS[t.lower()] for t in (_ci(c, "transforms", default=[]) or [])
                   if t.lower() in _TRANSFORMS]
            conds.append(Condition(variables, _ci(c, "operator", default="Any"),
                                   bool(_ci(c, "negationConditon", "negateCondition", "negationCondition",
                                            default=False)), [str(v) for v in values], tfs))
        rate: tuple[int, int] | None = None
        group_by: tuple[str, ...] = ("ClientAddr",)
        if str(_ci(r, "ruleType", default="MatchRule")).lower() == "ratelimitrule":
            duration = _ci(r, "rateLimitDuration")
            minutes = _ci(r, "rateLimitDurationInMinutes")
            seconds = 300 if (duration == "FiveMins" or minutes == 5) else 60
            rate = (seconds, int(_ci(r, "rateLimitThreshold", default=1) or 1))
            keys: list[str] = []
            for g in _ci(r, "groupByUserSession", default=[]) or []:
                for gv in _ci(g, "groupByVariables", default=[]) or []:
                    keys.append(_ci(gv, "variableName", default="ClientAddr"))
            for g in _ci(r, "groupBy", default=[]) or []:
                keys.append(_ci(g, "variableName", default="SocketAddr"))
            group_by = tuple(keys) or ("ClientAddr",)
        out.append(CustomRule(name=_ci(r, "name", default=""), priority=int(_ci(r, "priority", default=0)),
                              action=_ci(r, "action", default="Block"), conditions=conds,
                              enabled=str(state).lower() == "enabled", rate_limit=rate, group_by=group_by))
    out.sort(key=lambda x: x.priority)
    return out


def _group_key(rule: CustomRule, ctx: MatchContext) -> str:
    parts = []
    for g in rule.group_by:
        gl = g.lower()
        if gl in ("clientaddr", "remoteaddr"):
            parts.append(ctx.req.client_addr)
        elif gl == "socketaddr":
            parts.append(ctx.req.socket_addr or ctx.req.client_addr)
        elif gl == "geolocation":
            parts.append((ctx.geo(ctx.req.client_addr) if ctx.geo else None) or "ZZ")
        else:                                           # "None": one counter for everyone
            parts.append("*")
    return "|".join(parts)


def evaluate(rules: list[CustomRule], ctx: MatchContext, counter: RateCounter,
             now: float | None = None) -> tuple[CustomMatch | None, list[CustomMatch]]:
    """(the terminating match or None, the Log matches seen before it)."""
    logged: list[CustomMatch] = []
    t = time.monotonic() if now is None else now
    for rule in rules:
        if not rule.enabled:
            continue
        var, val = "", ""
        ok = True
        for cond in rule.conditions:
            holds, v_name, v_val = cond.matches(ctx)
            if not holds:
                ok = False
                break
            var, val = var or v_name, val or v_val
        if not ok:
            continue
        if rule.rate_limit is not None:
            window, threshold = rule.rate_limit
            if not counter.hit(rule.name, _group_key(rule, ctx), window, threshold, t):
                continue
        m = CustomMatch(rule, var, val)
        if rule.action.lower() == "log":
            logged.append(m)
            continue
        return m, logged
    return None, logged
