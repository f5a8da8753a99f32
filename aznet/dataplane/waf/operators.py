"""SecLang operators (``@rx``, ``@pm``, ``@detectSQLi``, ...).

An operator is built once per rule from its argument and called with a (transformed) value; it
returns ``None`` (no match) or a tuple of captures (``()`` when it captures nothing), so a chain
can read TX:0..9. Arguments holding ``%{macros}`` are expanded per call through ``expand``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import libinjection

from .pcre import LONG_VALUE, CompiledPattern, SearchTimeout, compile_pcre

Expand = Callable[[str], str]
PURE = frozenset({"rx", "pm", "pmf", "pmfromfile", "beginswith", "endswith", "contains", "streq", "within",
                  "containsword", "strmatch", "eq", "ge", "gt", "le", "lt", "ipmatch", "ipmatchfromfile", "ipmatchf",
                  "validatebyterange", "validateurlencoding", "validateutf8encoding", "detectsqli", "detectxss"})
Match = tuple[str, ...] | None


@dataclass(slots=True)
class Operator:
    name: str
    arg: str
    fn: Callable[[str, Any], Match]   # (value, transaction) -> captures or None
    pattern: CompiledPattern | None = None    # for @rx: the prefilter can use its source
    phrases: tuple[str, ...] = ()           # for @pm/@pmFromFile
    dynamic: bool = False                     # argument has macros

    @property
    def pure(self) -> bool:
        """Whether the result depends on the value alone (no macros, no side effects): what the engine may
        remember across requests (``memo``). @rx searches of values over LONG_VALUE run under the request's
        time budget and are never remembered (the engine checks the length)."""
        return self.name in PURE and not self.dynamic

    def __call__(self, value: str, tx: Any) -> Match:
        return self.fn(value, tx)


def _int(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        pass
    m = re.match(r"\s*([+-]?\d+)", s)
    return int(m.group(1)) if m else 0


def _phrases_from_files(arg: str, base_dir: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in arg.split():
        path = name if os.path.isabs(name) else os.path.join(base_dir, name)
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#"):
                    out.append(line)
    return tuple(out)


def _pm_matcher(phrases: tuple[str, ...]) -> Callable[[str, Any], Match]:
    if not phrases:
        return lambda v, tx: None
    alternation = re.compile("|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True)),
                             re.I | re.S)

    def pm(value: str, tx: Any) -> Match:
        m = alternation.search(value)
        return (m.group(0),) if m else None
    return pm


def _byte_ranges(arg: str) -> frozenset[int]:
    allowed: set[int] = set()
    for part in re.split(r"[,\s]+", arg.strip()):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        a = int(lo)
        b = int(hi) if hi else a
        allowed.update(range(max(a, 0), min(b, 255) + 1))
    return frozenset(allowed)


def _ip_networks(arg: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for part in re.split(r"[,\s]+", arg.strip()):
        if part:
            nets.append(ipaddress.ip_network(part, strict=False))
    return nets


def _validate_url_encoding(value: str, tx: Any) -> Match:
    i, n = 0, len(value)
    while i < n:
        if value[i] == "%":
            if i + 2 >= n:
                return (value,)
            if not all(c in "0123456789abcdefABCDEF" for c in value[i + 1:i + 3]):
                return (value,)
            i += 3
            continue
        i += 1
    return None


def _validate_utf8(value: str, tx: Any) -> Match:
    try:
        value.encode("latin-1").decode("utf-8", "strict")
    except UnicodeDecodeError:
        return (value,)
    except UnicodeEncodeError:
        return None
    return None


def _sqli(value: str, tx: Any) -> Match:
    res = libinjection.is_sql_injection(value)
    return (res.get("fingerprint", ""),) if res.get("is_sqli") else None


def _xss(value: str, tx: Any) -> Match:
    res = libinjection.is_xss(value)
    return () if res.get("is_xss") else None


def build(name: str, arg: str, expand: Expand, base_dir: str) -> Operator:
    """Compile operator ``@name arg``; ``expand`` expands macros at run time."""
    dynamic = "%{" in arg

    def arg_of(tx: Any) -> str:
        return tx.expand(arg) if dynamic else arg

    if name == "rx":
        if dynamic:
            def rx_dyn(value: str, tx: Any) -> Match:
                try:
                    m = compile_pcre(tx.expand(arg)).search(value)
                except SearchTimeout:
                    return (value[:64],)
                return (m.group(0), *(g or "" for g in m.groups()[:9])) if m else None
            return Operator(name, arg, rx_dyn, dynamic=True)
        pat = compile_pcre(arg)
        search = pat.compiled.search
        long_value = LONG_VALUE

        def rx(value: str, tx: Any) -> Match:
            if len(value) > long_value:
                budget = tx.regex_budget if tx is not None else 0.25
                t0 = time.perf_counter()
                try:
                    m = pat.search(value, budget)
                except SearchTimeout:
                    if tx is not None:
                        tx.tx["msc_pcre_limits_exceeded"] = "1"
                    return (value[:64],)          # fail closed
                finally:
                    if tx is not None:
                        tx.regex_budget = budget - (time.perf_counter() - t0)
            else:
                m = search(value)
            if m is None:
                return None
            return (m.group(0), *(g or "" for g in m.groups()[:9]))
        return Operator(name, arg, rx, pattern=pat)
    if name in ("pm", "pmf", "pmfromfile"):
        phrases = tuple(arg.split()) if name == "pm" else _phrases_from_files(arg, base_dir)
        return Operator(name, arg, _pm_matcher(phrases), phrases=phrases)
    if name in ("beginswith", "endswith", "contains", "streq", "within", "containsword", "strmatch"):
        def string_op(value: str, tx: Any, _n: str = name) -> Match:
            a = arg_of(tx)
            if _n == "beginswith":
                ok = value.startswith(a)
            elif _n == "endswith":
                ok = value.endswith(a)
            elif _n in ("contains", "strmatch"):
                ok = a in value
            elif _n == "streq":
                ok = value == a
            elif _n == "within":
                ok = bool(value) and value in a
            else:
                ok = re.search(r"(?<![A-Za-z0-9_])" + re.escape(a) + r"(?![A-Za-z0-9_])", value) is not None
            return (value,) if ok else None
        return Operator(name, arg, string_op, dynamic=dynamic)
    if name in ("eq", "ge", "gt", "le", "lt"):
        import operator as _op
        cmp = {"eq": _op.eq, "ge": _op.ge, "gt": _op.gt, "le": _op.le, "lt": _op.lt}[name]

        def num_op(value: str, tx: Any) -> Match:
            return (value,) if cmp(_int(value), _int(arg_of(tx))) else None
        return Operator(name, arg, num_op, dynamic=dynamic)
    if name == "ipmatch" or name == "ipmatchfromfile" or name == "ipmatchf":
        if name == "ipmatch":
            nets = _ip_networks(arg)
        else:
            nets = _ip_networks(" ".join(_phrases_from_files(arg, base_dir)))

        def ip_op(value: str, tx: Any) -> Match:
            try:
                ip = ipaddress.ip_address(value.strip())
            except ValueError:
                return None
            return (value,) if any(ip.version == n.version and ip in n for n in nets) else None
        return Operator(name, arg, ip_op)
    if name == "validatebyterange":
        allowed = _byte_ranges(arg)
        # one negated character class: the search runs in C
        outside = re.compile("[^" + "".join(re.escape(chr(b)) for b in sorted(allowed)) + "]" if allowed
                             else "[\\x00-\\xff]")

        def vbr(value: str, tx: Any) -> Match:
            return (value,) if outside.search(value) is not None else None
        return Operator(name, arg, vbr)
    if name == "validateurlencoding":
        return Operator(name, arg, _validate_url_encoding)
    if name == "validateutf8encoding":
        return Operator(name, arg, _validate_utf8)
    if name == "detectsqli":
        return Operator(name, arg, _sqli)
    if name == "detectxss":
        return Operator(name, arg, _xss)
    if name == "unconditionalmatch":
        return Operator(name, arg, lambda v, tx: (v,))
    if name in ("nomatch", "rbl", "verifycc", "verifyssn", "verifycpf", "gsblookup", "inspectfile",
                "fuzzyhash", "validatedtd", "validateschema"):
        # offline or file-based checks: never match here (RBL needs DNS to the internet)
        return Operator(name, arg, lambda v, tx: None)
    if name == "geolookup":
        def geo(value: str, tx: Any) -> Match:
            tx.geo_lookup(value)
            return (value,)
        return Operator(name, arg, geo)
    raise ValueError(f"unsupported operator @{name}")
