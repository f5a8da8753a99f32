"""Value semantics of the template language: string conversion as ARM prints
values, deep equality, union, .NET-style format() and utcNow() formats."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from ..jsondata import json_kind
from .errors import ExpressionError


def to_string(value: Any) -> str:
    """``string()`` and concatenation: booleans print as .NET does, objects and arrays as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def deep_equal(a: Any, b: Any) -> bool:
    """Equality that keeps booleans apart from numbers (Python's ``True == 1`` does not hold in ARM)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def union_values(items: list[Any]) -> Any:
    """``union()``: objects merge (nested objects recursively, later wins); arrays keep first occurrences."""
    if all(isinstance(i, dict) for i in items):
        out: dict[str, Any] = {}
        for obj in items:
            for k, v in obj.items():
                if isinstance(v, dict) and isinstance(out.get(k), dict):
                    out[k] = union_values([out[k], v])
                else:
                    out[k] = v
        return out
    if all(isinstance(i, list) for i in items):
        seen: list[Any] = []
        for arr in items:
            for v in arr:
                if not any(deep_equal(v, s) for s in seen):
                    seen.append(v)
        return seen
    raise ExpressionError("The template language function 'union' expects all its parameters to be arrays, or all "
                          "to be objects.")


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def format_dotnet(template: str, args: list[Any]) -> str:
    """.NET composite formatting: ``{0}``, ``{0,5}``, ``{0:D3}``, ``{0:N2}``, ``{0:X}``, ``{{``."""
    def sub(m: re.Match[str]) -> str:
        text = m.group(0)
        if text == "{{":
            return "{"
        if text == "}}":
            return "}"
        idx = int(m.group(1))
        if idx >= len(args):
            raise ExpressionError(f"The template language function 'format' has no argument for the format item "
                                  f"'{text}': index (zero based) must be less than the size of the argument list.")
        out = _format_one(args[idx], m.group(3) or "")
        width = int(m.group(2) or 0)
        return out.rjust(width) if width > 0 else out.ljust(-width)
    return _FORMAT_ITEM.sub(sub, template)


def _format_one(value: Any, spec: str) -> str:
    if not spec or isinstance(value, bool) or not isinstance(value, (int, float)):
        return to_string(value)
    kind, digits = spec[0].upper(), spec[1:]
    n = int(digits) if digits.isdigit() else None
    if kind == "D" and isinstance(value, int):
        return ("-" if value < 0 else "") + str(abs(value)).zfill(n or 0)
    if kind == "N":
        return f"{value:,.{2 if n is None else n}f}"
    if kind == "F":
        return f"{value:.{2 if n is None else n}f}"
    if kind == "X" and isinstance(value, int):
        text = format(value, "X" if spec[0] == "X" else "x")
        return text.zfill(n or 0)
    if kind == "P":
        return f"{value * 100:,.{2 if n is None else n}f} %"
    return to_string(value)


_DATE_TOKENS = re.compile(r"yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|fffffff|ffffff|fff|ff|f|tt|K|'[^']*'|.")
_STANDARD = {"u": "yyyy-MM-dd HH:mm:ssZ", "s": "yyyy-MM-ddTHH:mm:ss", "o": "yyyy-MM-ddTHH:mm:ss.fffffffK",
             "O": "yyyy-MM-ddTHH:mm:ss.fffffffK", "d": "M/d/yyyy", "D": "dddd, MMMM d, yyyy",
             "t": "h:mm tt", "T": "h:mm:ss tt", "g": "M/d/yyyy h:mm tt", "G": "M/d/yyyy h:mm:ss tt"}


def utc_now(fmt: str, now: dt.datetime | None = None) -> str:
    """``utcNow(format)`` with the .NET date tokens templates use."""
    t = now or dt.datetime.now(dt.UTC)
    fmt = _STANDARD.get(fmt, fmt)
    out: list[str] = []
    for tok in _DATE_TOKENS.findall(fmt):
        h12 = t.hour % 12 or 12
        table = {"yyyy": f"{t.year:04d}", "yy": f"{t.year % 100:02d}", "MM": f"{t.month:02d}", "M": str(t.month),
                 "dd": f"{t.day:02d}", "d": str(t.day), "HH": f"{t.hour:02d}", "H": str(t.hour),
                 "hh": f"{h12:02d}", "h": str(h12), "mm": f"{t.minute:02d}", "m": str(t.minute),
                 "ss": f"{t.second:02d}", "s": str(t.second), "tt": "AM" if t.hour < 12 else "PM", "K": "Z"}
        if tok in table:
            out.append(table[tok])
        elif tok.startswith("f"):
            out.append(f"{t.microsecond:06d}0"[: len(tok)])
        elif tok.startswith("'"):
            out.append(tok[1:-1])
        else:
            out.append(tok)
    return "".join(out)

_TYPE_NAMES = {"null": "Null", "bool": "Boolean", "int": "Integer", "float": "Float", "str": "String",
               "array": "Array", "object": "Object"}


def type_name(value: Any) -> str:
    """The template language's name for a value's type, as ARM's error messages print it."""
    kind = json_kind(value)
    if kind is not None:
        return _TYPE_NAMES[kind]
    return "Lambda" if callable(value) else type(value).__name__
