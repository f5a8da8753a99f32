"""Compile CRS's PCRE patterns for Python.

ModSecurity compiles ``@rx`` with PCRE_DOTALL and without UTF mode (``\\w`` is ASCII). Python's
``re`` takes most CRS patterns after a small rewrite (``\\x{..}``, POSIX classes, ``\\z``/``\\Z``,
``\\e``, ``\\Q..\\E``); what it still rejects (variable-width look-behind, ...) goes to the
``regex`` module, which speaks more PCRE. Each compiled pattern records which engine took it,
so the fallbacks can be listed (``python -m aznet.dataplane.waf.crs --fallbacks``).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import regex as _regex

_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "xdigit": "0-9A-Fa-f", "punct": r"!-/:-@\[-`{-~", "word": r"\w",
    "blank": r" \t", "cntrl": r"\x00-\x1f\x7f", "print": r"\x20-\x7e", "graph": r"\x21-\x7e",
}


def translate(pattern: str) -> str:
    """Rewrite the PCRE-only escapes CRS uses into Python ``re`` syntax (same meaning)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            d = pattern[i + 1]
            if d == "x" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i + 3)
                if end > 0:
                    code = int(pattern[i + 3:end] or "0", 16)
                    out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
                    i = end + 1
                    continue
            if d == "z" and not in_class:
                out.append(r"\Z")
                i += 2
                continue
            if d == "Z" and not in_class:
                out.append(r"(?=\n?\Z)")
                i += 2
                continue
            if d == "e":
                out.append(r"\x1b")
                i += 2
                continue
            if d == "Q":
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                out.append(re.escape(pattern[i + 2:end]))
                i = end + 2
                continue
            if d == "h":
                out.append(r"[ \t]" if not in_class else r" \t")
                i += 2
                continue
            if d == "/":
                out.append("/")
                i += 2
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                name = pattern[i + 2:end] if end > 0 else ""
                if name in _POSIX:
                    out.append(_POSIX[name])
                    i = end + 2
                    continue
                out.append(r"\[")
                i += 1
                continue
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            # a ']' right after '[' or '[^' is a literal in PCRE
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append(r"\]")
                i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


# Python's re has no match limit: a hostile value can make a CRS regex backtrack for minutes (60k
# quotes take 942330 past 100 s). Values longer than LONG_VALUE are therefore searched with the regex
# module under a time budget (per request: REQUEST_REGEX_BUDGET_S, shared by all its long searches);
# a search that runs out of it counts as a match (fail closed, as ModSecurity's SecPcreMatchLimit
# flags TX:MSC_PCRE_LIMITS_EXCEEDED) and the caller is told.
LONG_VALUE = 1024
SEARCH_BUDGET_S = 0.25
REQUEST_REGEX_BUDGET_S = 0.25


class SearchTimeout(Exception):
    pass


@dataclass(slots=True)
class CompiledPattern:
    source: str
    engine: str          # "re" or "regex"
    compiled: Any        # re.Pattern or regex.Pattern
    guarded: Any = None  # regex.Pattern for long values (compiled on first use)

    def search(self, text: str, budget: float = SEARCH_BUDGET_S) -> Any:
        if len(text) <= LONG_VALUE:
            return self.compiled.search(text)
        if self.guarded is None:
            if self.engine == "regex":
                self.guarded = self.compiled
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.guarded = _regex.compile(translate(self.source), _regex.S | _regex.A | _regex.V0)
        try:
            if budget <= 0:
                raise TimeoutError
            return self.guarded.search(text, timeout=budget)
        except TimeoutError:
            raise SearchTimeout(self.source[:80]) from None


_CACHE: dict[str, CompiledPattern] = {}


def compile_pcre(pattern: str) -> CompiledPattern:
    hit = _CACHE.get(pattern)
    if hit is not None:
        return hit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = CompiledPattern(pattern, "re", re.compile(translate(pattern), re.S | re.A))
        except re.error:
            result = CompiledPattern(
                pattern, "regex", _regex.compile(pattern, _regex.S | _regex.A | _regex.V0))
    _CACHE[pattern] = result
    return result
