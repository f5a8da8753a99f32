"""Strict JSON in, valid JSON out: the one place request bodies are parsed and responses encoded.

In: UTF-8 only (a BOM is allowed), no NaN/Infinity (literals or numbers that overflow a double),
integers within 64 bits, no lone UTF-16 surrogates, at most ``MAX_DEPTH`` levels of nesting.
Azure's front door reads bodies with Json.NET, whose readers stop at a ``MaxDepth`` of 64
("The reader's MaxDepth of 64 has been exceeded."); a failure is 400 InvalidRequestContent,
"The request content was invalid and could not be deserialized: '<reader message>'.", with the
reader's ``Path '…', line L, position P.`` suffix.

Out: ``dumps`` always writes strict JSON (RFC 8259, parseable by ``jq`` and ``JSON.parse``):
non-finite numbers become null and lone surrogates U+FFFD, so a value stored before these
checks existed still renders. Deep values never recurse in Python: the C encoder is tried
first and an explicit-stack encoder takes over when it runs out of recursion.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..jsondata import copy_json
from .errors import ArmError

MAX_DEPTH = 64                       # Json.NET's default MaxDepth, the limit Azure's readers apply
_INT64_MIN, _UINT64_MAX = -(2 ** 63), 2 ** 64 - 1

# -- parse ---------------------------------------------------------------------------------------------


class JsonContentError(ValueError):
    """A body that is not strict JSON. ``reason`` is worded like Json.NET's reader messages."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Bad(Exception):
    def __init__(self, kind: str, token: str) -> None:
        super().__init__(kind)
        self.kind, self.token = kind, token


def _constant(token: str) -> Any:
    raise _Bad("constant", token)


def _float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _Bad("float", token)
    return value


def _int(token: str) -> int:
    digits = len(token) - (token[0] == "-")
    if digits > 20:
        raise _Bad("int", token)
    value = int(token)
    if not _INT64_MIN <= value <= _UINT64_MAX:
        raise _Bad("int", token)
    return value


# strict=False: raw control characters inside strings are read, as Json.NET reads them
_DECODER = json.JSONDecoder(parse_float=_float, parse_int=_int, parse_constant=_constant, strict=False)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse strict JSON; JsonContentError (a ValueError) for anything else."""
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonContentError(f"Invalid UTF-8 byte sequence at byte {exc.start}.") from None
    else:
        text = data
    try:
        value = _DECODER.decode(text)
    except _Bad as bad:
        raise JsonContentError(_bad_message(text, bad)) from None
    except RecursionError:
        raise JsonContentError(_depth_message(text, max_depth)) from None
    except json.JSONDecodeError as exc:
        at = exc.pos
        path = _locate(text, lambda off, depth: off >= at, scalars=True)[0]
        raise JsonContentError(f"{exc.msg}. Path '{path}', line {exc.lineno}, position {exc.colno}.") from None
    if text.count("{") + text.count("[") > max_depth and too_deep(value, max_depth):
        raise JsonContentError(_depth_message(text, max_depth))
    if _SURROGATE_ESCAPE.search(text):
        where = find_unencodable(value)
        if where is not None:
            raise JsonContentError(f"Invalid Unicode: a lone UTF-16 surrogate is not text. Path '{where}'.")
    return value


def parse_request_body(body: bytes) -> Any:
    """The request body as JSON, or 400 InvalidRequestContent in ARM's words."""
    try:
        return loads(body)
    except JsonContentError as exc:
        raise ArmError(400, "InvalidRequestContent",
                       f"The request content was invalid and could not be deserialized: '{exc.reason}'.") from None


def _bad_message(text: str, bad: _Bad) -> str:
    token = bad.token
    pattern = re.compile(re.escape(token) + r"(?![\w.])")
    path, line, pos = _locate(text, lambda off, depth: pattern.match(text, off) is not None, scalars=True)
    where = f"Path '{path}', line {line}, position {pos}."
    if bad.kind == "constant":
        return f"Unexpected character encountered while parsing value: {token[0]}. {where}"
    if bad.kind == "float":
        return f"JSON number {token} is too large or small for a Double. {where}"
    shown = token if len(token) <= 40 else f"{token[:20]}...{token[-8:]} ({len(token)} digits)"
    return f"JSON integer {shown} is too large or small for an Int64. {where}"


def _depth_message(text: str, max_depth: int) -> str:
    path, line, pos = _locate(text, lambda off, depth: depth > max_depth)
    return f"The reader's MaxDepth of {max_depth} has been exceeded. Path '{path}', line {line}, position {pos}."


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s"{}\[\]:,]+', re.DOTALL)


def _tokens(text: str) -> Iterator[tuple[re.Match[str], str, list[list[Any]]]]:
    """Each token of ``text`` with its kind (open, close, comma, colon, key, value) and the stack of
    containers around it once it is read: ``[kind, key or index, expecting a key]`` a level (error and
    position paths only)."""
    stack: list[list[Any]] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        c = tok[0]
        if c in "{[":
            _next_index(stack)
            stack.append([c, None, c == "{"])
            yield m, "open", stack
        elif c in "}]":
            if stack:
                stack.pop()
            yield m, "close", stack
        elif c == ",":
            if stack and stack[-1][0] == "{":
                stack[-1][2] = True
            yield m, "comma", stack
        elif c == ":":
            if stack:
                stack[-1][2] = False
            yield m, "colon", stack
        elif stack and stack[-1][0] == "{" and stack[-1][2] and c == '"':
            try:
                stack[-1][1] = json.loads(tok)
            except ValueError:
                stack[-1][1] = tok[1:-1]
            yield m, "key", stack
        else:
            _next_index(stack)
            yield m, "value", stack


def _next_index(stack: list[list[Any]]) -> None:
    """A value starts in the innermost container: in an array, that is its next index."""
    if stack and stack[-1][0] == "[":
        stack[-1][1] = stack[-1][1] + 1 if stack[-1][1] is not None else 0


def _locate(text: str, stop: Callable[[int, int], bool], *, scalars: bool = False) -> tuple[str, int, int]:
    """Walk ``text`` token by token (error paths only: it stops at the first container, or with ``scalars``
    the first token of any value, where ``stop(offset, depth)`` holds) and return Json.NET's (path, line,
    position) there."""
    stack: list[list[Any]] = []
    end = 0
    for m, kind, stack in _tokens(text):
        end = m.end()
        if (kind == "open" or (scalars and kind == "value")) and stop(m.start(), len(stack)):
            break
    return (_path([(s[0], s[1]) for s in stack]), *_line_position(text, end))


def _line_position(text: str, end: int) -> tuple[int, int]:
    """Json.NET's line (from 1) and position (characters read on that line) at offset ``end``."""
    return text.count("\n", 0, end) + 1, end - (text.rfind("\n", 0, end) + 1)


def member_position(text: str, keys: tuple[str | int, ...]) -> tuple[int, int] | None:
    """Json.NET's (line, position) just after ``"member":`` at the path ``keys`` in ``text``, else None."""
    target = list(keys)
    pending = False                      # the token before was the member's name
    for m, kind, stack in _tokens(text):
        if kind == "colon" and pending:
            return _line_position(text, m.end())
        pending = kind == "key" and [s[1] for s in stack] == target
    return None


_PLAIN_KEY = re.compile(r"^[A-Za-z_$@][\w$@-]*$")


def _path(frames: list[tuple[str, Any]]) -> str:
    out = ""
    for kind, key in frames:
        if key is None:
            continue
        if kind == "[":
            out += f"[{key}]"
        elif _PLAIN_KEY.match(str(key)):
            out += f".{key}" if out else str(key)
        else:
            out += f"['{key}']"
    return out


def join_path(path: str, key: str | int) -> str:
    """Json.NET's path syntax: ``a.b``, ``a[0]``, ``a['odd key']``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}['{key}']"


# -- checks on parsed values (iterative) -------------------------------------------------------------

def _walk(value: Any) -> Iterator[tuple[Any, int, tuple[Any, ...]]]:
    """Every node with its depth (containers count 1 from the top) and key path; iterative."""
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        yield node, depth, path
        if isinstance(node, dict):
            for k, v in node.items():
                yield k, depth, (*path, k)
                if isinstance(v, dict | list):
                    stack.append((v, depth + 1, (*path, k)))
                else:
                    yield v, depth, (*path, k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, dict | list):
                    stack.append((v, depth + 1, (*path, i)))
                else:
                    yield v, depth, (*path, i)


def _path_text(keys: tuple[Any, ...]) -> str:
    out = ""
    for k in keys:
        out = join_path(out, k)
    return out


def depth(value: Any) -> int:
    """Levels of object/array nesting (a scalar is 0)."""
    best = 0
    for node, d, _ in _walk(value):
        if isinstance(node, dict | list):
            best = max(best, d)
    return best


def too_deep(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, d = stack.pop()
        if d > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        for v in children:
            if isinstance(v, dict | list) and v:
                stack.append((v, d + 1))
            elif isinstance(v, dict | list) and d + 1 > max_depth:
                return True
    return False


def _unencodable(node: Any) -> bool:
    if isinstance(node, float):
        return not math.isfinite(node)
    if isinstance(node, str):
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            return True
    return False


def find_unencodable(value: Any) -> str | None:
    """Json.NET path of the first non-finite number or lone surrogate (in a key or a value), else None."""
    for node, _, path in _walk(value):
        if _unencodable(node):
            return _path_text(path)
    return None


def storable_problem(value: Any, max_depth: int = MAX_DEPTH + 16) -> str | None:
    """Why ``value`` must not be stored (it could not be rendered as strict JSON), else None.
    The stored depth allows for the envelope ARM adds around a request body."""
    if isinstance(value, dict | list) and too_deep(value, max_depth):
        return f"the value is nested more than {max_depth} levels deep"
    where = find_unencodable(value)
    if where is not None:
        return f"the value at '{where}' is not representable in JSON"
    return None


# -- copy and repair (iterative) ---------------------------------------------------------------------

def _clean_scalar(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            # a UTF-16 round trip pairs split surrogates and turns lone ones into U+FFFD
            return v.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return v


def repair(value: Any) -> Any:
    """A copy of ``value`` that renders as strict JSON: non-finite numbers -> null, lone
    surrogates -> U+FFFD. Iterative, so any depth works."""
    if not isinstance(value, dict | list):
        return _clean_scalar(value)
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        src, dst = stack.pop()
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for k, v in items:
            if isinstance(v, dict | list):
                new: Any = {} if isinstance(v, dict) else []
                stack.append((v, new))
            else:
                new = _clean_scalar(v)
            if isinstance(dst, dict):
                dst[_clean_scalar(k) if isinstance(k, str) else k] = new
            else:
                dst.append(new)
    return root


# -- encode --------------------------------------------------------------------------------------------

_FAST = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_LONE = re.compile(r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<![0-9a-f]{4})\\ud[c-f][0-9a-f]{2}")


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Strict JSON text for ``value`` whatever it holds (see the module doc)."""
    try:
        if indent is None:
            text = _FAST.encode(value)
        else:
            text = json.dumps(value, indent=indent, allow_nan=False)
        if "\\ud" not in text or _LONE.search(text) is None:   # the substring test spares the regex (~100 us)
            return text
    except (ValueError, RecursionError):
        pass
    return _encode_iterative(repair(value), indent)


def _encode_iterative(value: Any, indent: int | None) -> str:
    """An explicit-stack encoder for values too deep for the C encoder's recursion (scalars via json)."""
    out: list[str] = []
    sep, colon = (",", ":") if indent is None else (",", ": ")
    # the stack holds either ("v", value, level) to write a value or ("s", text) to write text
    stack: list[tuple[Any, ...]] = [("v", value, 0)]

    def nl(level: int) -> str:
        return "" if indent is None else "\n" + " " * (indent * level)

    while stack:
        item = stack.pop()
        if item[0] == "s":
            out.append(item[1])
            continue
        _, v, level = item
        if isinstance(v, dict) and v:
            out.append("{")
            parts: list[tuple[Any, ...]] = []
            for i, (k, child) in enumerate(v.items()):
                prefix = ("" if i == 0 else sep) + nl(level + 1) + json.dumps(str(k)) + colon
                parts.append(("s", prefix))
                parts.append(("v", child, level + 1))
            parts.append(("s", nl(level) + "}"))
            stack.extend(reversed(parts))
        elif isinstance(v, list) and v:
            out.append("[")
            parts = []
            for i, child in enumerate(v):
                parts.append(("s", ("" if i == 0 else sep) + nl(level + 1)))
                parts.append(("v", child, level + 1))
            parts.append(("s", nl(level) + "]"))
            stack.extend(reversed(parts))
        elif isinstance(v, dict):
            out.append("{}")
        elif isinstance(v, list):
            out.append("[]")
        else:
            out.append(json.dumps(v, allow_nan=False))
    return "".join(out)


def copy(node: Any) -> Any:
    """A deep copy of JSON-shaped data, any depth (see jsondata.copy_json)."""
    return copy_json(node)
