"""Rewrite rule sets (pure): server variables, conditions with capture groups, header and URL actions.

Azure's syntax: a condition names ``var_<server variable>``, ``http_req_<Header>`` or ``http_resp_<Header>``
and a regular expression (``ignoreCase`` default true, ``negate``). Values use ``{var_client_ip}``,
``{http_req_Host}``, ``{http_resp_Location}`` and capture groups of the rule's conditions as
``{var_uri_path_1}`` / ``{http_req_Host_2}``. A header set to an empty value is deleted. Rules run in
``ruleSequence`` order; each applies when all its conditions hold. A rule with a response-header condition
is evaluated when the backend's response is known."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .model import Condition, RewriteRule

_REF = re.compile(r"\{(var|http_req|http_resp)_([A-Za-z0-9_-]+?)(?:_(\d+))?\}")
MAX_VALUE = 8192


@lru_cache(maxsize=1024)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error:
        return None


@dataclass
class Vars:
    """What a rule can read: server variables, request headers, response headers (case-insensitive)."""
    server: dict[str, str]
    request: Callable[[str], str | None]
    response: Callable[[str], str | None] | None = None
    captures: dict[str, tuple[str, ...]] = field(default_factory=dict)   # variable (lower) -> groups

    def value(self, variable: str) -> str | None:
        kind, name = _split(variable)
        if kind == "var":
            return self.server.get(name.lower())
        if kind == "http_req":
            return self.request(name)
        if kind == "http_resp":
            return self.response(name) if self.response else None
        return None


def _split(variable: str) -> tuple[str, str]:
    low = variable.lower()
    for kind in ("http_resp_", "http_req_", "var_"):
        if low.startswith(kind):
            return kind[:-1], variable[len(kind):]
    return "var", variable


def is_response_rule(rule: RewriteRule) -> bool:
    return any(c.variable.lower().startswith("http_resp_") for c in rule.conditions)


def matches(conds: Sequence[Condition], v: Vars) -> dict[str, tuple[str, ...]] | None:
    """The capture groups by variable when all conditions hold; None otherwise."""
    caps: dict[str, tuple[str, ...]] = {}
    for c in conds:
        rx = _compile(c.pattern, c.ignore_case)
        value = v.value(c.variable)
        m = rx.search(value) if rx is not None and value is not None else None
        if c.negate:
            if m is not None:
                return None
            continue
        if m is None:
            return None
        caps[c.variable.lower()] = (m.group(0), *[g or "" for g in m.groups()])
    return caps


def expand(template: str, v: Vars, caps: dict[str, tuple[str, ...]]) -> str:
    def one(m: re.Match[str]) -> str:
        kind, name, idx = m.group(1), m.group(2), m.group(3)
        if idx is not None:
            groups = caps.get(f"{kind}_{name}".lower())
            if groups is not None:
                n = int(idx)
                return groups[n] if n < len(groups) else ""
            name = f"{name}_{idx}"          # a variable whose name ends in _digits
        return v.value(f"{kind}_{name}") or ""
    return _REF.sub(one, template)[:MAX_VALUE]


@dataclass
class RequestEdits:
    headers: list[tuple[str, str]] = field(default_factory=list)   # (name, value); "" deletes
    path: str | None = None
    query: str | None = None
    reroute: bool = False
    later: list[tuple[RewriteRule, dict[str, tuple[str, ...]]]] = field(default_factory=list)


def request_phase(rules: Sequence[RewriteRule], v: Vars) -> RequestEdits:
    out = RequestEdits()
    for rule in rules:
        if is_response_rule(rule):
            out.later.append((rule, {}))
            continue
        caps = matches(rule.conditions, v)
        if caps is None:
            continue
        v.captures = caps
        for name, value in rule.request_headers:
            out.headers.append((name, expand(value, v, caps)))
        if rule.modified_path is not None:
            out.path = expand(rule.modified_path, v, caps) or "/"
        if rule.modified_query is not None:
            out.query = expand(rule.modified_query, v, caps)
        if rule.reroute:
            out.reroute = True
        if rule.response_headers:
            out.later.append((rule, caps))
    return out


def response_phase(later: Sequence[tuple[RewriteRule, dict[str, tuple[str, ...]]]], v: Vars) -> list[tuple[str, str]]:
    edits: list[tuple[str, str]] = []
    for rule, caps in later:
        if is_response_rule(rule):
            got = matches(rule.conditions, v)
            if got is None:
                continue
            caps = got
        for name, value in rule.response_headers:
            edits.append((name, expand(value, v, caps)))
    return edits


def apply_headers(headers: list[tuple[str, str]], edits: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Set (replace every same-named header) or delete (empty value)."""
    for name, value in edits:
        low = name.lower()
        headers = [(k, val) for k, val in headers if k.lower() != low]
        if value:
            headers.append((name, value))
    return headers
