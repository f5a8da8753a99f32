"""Template functions on plain values: logic and comparison, numbers and strings."""

from __future__ import annotations

import base64
import json
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from . import hashing
from .errors import ExpressionError
from .evaluate import PARAMETERS, Ctx, eval_node
from .expressions import Call
from .registry import LAZY, fn, want, want_int
from .values import deep_equal, format_dotnet, to_string, utc_now

# -- logic and comparison ---------------------------------------------------------------------------------

def _lazy_if(ctx: Ctx, node: Call) -> Any:
    if len(node.args) != 3:
        raise ExpressionError("The template language function 'if' expects exactly three parameters: the "
                              "condition, the true value and the false value.")
    cond = eval_node(node.args[0], ctx)
    want("if", cond, bool, what="first parameter")
    return eval_node(node.args[1] if cond else node.args[2], ctx)


LAZY["if"] = _lazy_if


@fn("and", 2, None)
def _and(ctx: Ctx, *args: Any) -> bool:
    return all(want("and", a, bool) for a in args)


@fn("or", 2, None)
def _or(ctx: Ctx, *args: Any) -> bool:
    return any([want("or", a, bool) for a in args])


@fn("not", 1)
def _not(ctx: Ctx, value: Any) -> bool:
    return not want("not", value, bool)


@fn("bool", 1)
def _bool(ctx: Ctx, value: Any) -> bool:
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ExpressionError(f"The template language function 'bool' cannot convert '{value}' to a boolean.")
    if isinstance(value, (bool, int)):
        return bool(value)
    return want("bool", value, bool, str, int)


fn("true")(lambda ctx: True)
fn("false")(lambda ctx: False)
fn("null")(lambda ctx: None)
fn("equals", 2)(lambda ctx, a, b: deep_equal(a, b))


def _compare(name: str, op: Callable[[Any, Any], bool]) -> None:
    def f(ctx: Ctx, a: Any, b: Any) -> bool:
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        want(name, a, int, float, what="first parameter")
        want(name, b, int, float, what="second parameter")
        return op(a, b)
    fn(name, 2)(f)


_compare("less", lambda a, b: a < b)
_compare("lessOrEquals", lambda a, b: a <= b)
_compare("greater", lambda a, b: a > b)
_compare("greaterOrEquals", lambda a, b: a >= b)


@fn("coalesce", 1, None)
def _coalesce(ctx: Ctx, *args: Any) -> Any:
    return next((a for a in args if a is not None), None)


# -- numbers ----------------------------------------------------------------------------------------------

def _arith(name: str, op: Callable[[int, int], Any]) -> None:
    def f(ctx: Ctx, a: Any, b: Any) -> Any:
        return op(want_int(name, a, "first parameter"), want_int(name, b, "second parameter"))
    fn(name, 2)(f)


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("The template language function 'div' cannot divide by zero.")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q          # truncates toward zero, as .NET does


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("The template language function 'mod' cannot divide by zero.")
    return a - b * _div(a, b)                           # the remainder takes the dividend's sign


_arith("add", lambda a, b: a + b)
_arith("sub", lambda a, b: a - b)
_arith("mul", lambda a, b: a * b)
_arith("div", _div)
_arith("mod", _mod)


@fn("int", 1)
def _towant_int(ctx: Ctx, value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ExpressionError(f"The template language function 'int' cannot convert '{value}' to an "
                                  "integer.") from None
    if isinstance(value, float):
        return int(value)
    return want_int("int", value)


@fn("float", 1)
def _to_float(ctx: Ctx, value: Any) -> float:
    return float(value)


def _minmax(name: str, pick: Callable[..., Any]) -> None:
    def f(ctx: Ctx, *args: Any) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
        if not values:
            raise ExpressionError(f"The template language function '{name}' needs at least one value.")
        for v in values:
            want(name, v, int, float)
        return pick(values)
    fn(name, 1, None)(f)


_minmax("min", min)
_minmax("max", max)


@fn("range", 2)
def _range(ctx: Ctx, start: Any, count: Any) -> list[int]:
    start, count = want_int("range", start, "start index"), want_int("range", count, "count")
    if count < 0 or count > 10000:
        raise ExpressionError("The template language function 'range' needs a count from 0 to 10000.")
    return list(range(start, start + count))


# -- strings ----------------------------------------------------------------------------------------------

@fn("concat", 0, None)
def _concat(ctx: Ctx, *args: Any) -> Any:
    if args and all(isinstance(a, list) or a is None for a in args) and any(isinstance(a, list) for a in args):
        return [x for a in args if a is not None for x in a]
    return "".join(to_string(a) for a in args)


@fn("format", 1, None)
def _format(ctx: Ctx, template: Any, *args: Any) -> str:
    return format_dotnet(want("format", template, str), list(args))


@fn("string", 1)
def _string(ctx: Ctx, value: Any) -> str:
    return to_string(value)


@fn("toLower", 1)
def _lower(ctx: Ctx, s: Any) -> str:
    return want("toLower", s, str).lower()


@fn("toUpper", 1)
def _upper(ctx: Ctx, s: Any) -> str:
    return want("toUpper", s, str).upper()


@fn("trim", 1)
def _trim(ctx: Ctx, s: Any) -> str:
    return want("trim", s, str).strip()


@fn("replace", 3)
def _replace(ctx: Ctx, s: Any, old: Any, new: Any) -> str:
    return want("replace", s, str).replace(want("replace", old, str), want("replace", new, str))


@fn("substring", 2, 3)
def _substring(ctx: Ctx, s: Any, start: Any, length: Any = None) -> str:
    s, start = want("substring", s, str), want_int("substring", start, "start index")
    length = len(s) - start if length is None else want_int("substring", length, "length")
    if start < 0 or length < 0 or start + length > len(s):
        raise ExpressionError(f"The index and length parameters must refer to a location within the string. The "
                              f"index parameter: '{start}', the length parameter: '{length}', the length of the "
                              f"string parameter: '{len(s)}'. Please see https://aka.ms/arm-functions#substring for "
                              "usage details.")
    return s[start:start + length]


@fn("split", 2)
def _split(ctx: Ctx, s: Any, sep: Any) -> list[str]:
    parts = [want("split", s, str)]
    for d in (sep if isinstance(sep, list) else [sep]):
        d = want("split", d, str, what="delimiter")
        parts = [p for chunk in parts for p in (chunk.split(d) if d else [chunk])]
    return parts


@fn("join", 2)
def _join(ctx: Ctx, items: Any, sep: Any) -> str:
    return want("join", sep, str).join(to_string(v) for v in want("join", items, list))


@fn("startsWith", 2)
def _starts(ctx: Ctx, s: Any, prefix: Any) -> bool:
    return want("startsWith", s, str).lower().startswith(want("startsWith", prefix, str).lower())


@fn("endsWith", 2)
def _ends(ctx: Ctx, s: Any, suffix: Any) -> bool:
    return want("endsWith", s, str).lower().endswith(want("endsWith", suffix, str).lower())


@fn("indexOf", 2)
def _index_of(ctx: Ctx, hay: Any, needle: Any) -> int:
    if isinstance(hay, list):
        return next((i for i, v in enumerate(hay) if deep_equal(v, needle)), -1)
    return want("indexOf", hay, str).lower().find(to_string(needle).lower())


@fn("lastIndexOf", 2)
def _last_index_of(ctx: Ctx, hay: Any, needle: Any) -> int:
    if isinstance(hay, list):
        return next((i for i in range(len(hay) - 1, -1, -1) if deep_equal(hay[i], needle)), -1)
    return want("lastIndexOf", hay, str).lower().rfind(to_string(needle).lower())


@fn("padLeft", 2, 3)
def _pad_left(ctx: Ctx, value: Any, width: Any, ch: Any = " ") -> str:
    ch = want("padLeft", ch, str, what="padding character")
    if len(ch) != 1:
        raise ExpressionError("The template language function 'padLeft' expects a single padding character.")
    return to_string(value).rjust(want_int("padLeft", width, "total length"), ch)


@fn("uniqueString", 1, None)
def _unique_string(ctx: Ctx, *args: Any) -> str:
    return hashing.unique_string(*[want("uniqueString", a, str) for a in args])


@fn("guid", 1, None)
def _guid(ctx: Ctx, *args: Any) -> str:
    return hashing.deterministic_guid(*[want("guid", a, str) for a in args])


@fn("newGuid")
def _new_guid(ctx: Ctx) -> str:
    if ctx.phase != PARAMETERS:
        raise ExpressionError("The template function 'newGuid' is not expected at this location. It can only be "
                              "used in the default value of a parameter.")
    return str(uuid.uuid4())


@fn("utcNow", 0, 1)
def _utc_now(ctx: Ctx, fmt: Any = "yyyyMMddTHHmmssZ") -> str:
    if ctx.phase != PARAMETERS:
        raise ExpressionError("The template function 'utcNow' is not expected at this location. It can only be "
                              "used in the default value of a parameter.")
    return utc_now(want("utcNow", fmt, str))


@fn("base64", 1)
def _base64(ctx: Ctx, s: Any) -> str:
    return base64.b64encode(want("base64", s, str).encode()).decode()


@fn("base64ToString", 1)
def _base64_to_string(ctx: Ctx, s: Any) -> str:
    return base64.b64decode(want("base64ToString", s, str)).decode()


@fn("base64ToJson", 1)
def _base64_to_json(ctx: Ctx, s: Any) -> Any:
    return json.loads(base64.b64decode(want("base64ToJson", s, str)))


@fn("uri", 2)
def _uri(ctx: Ctx, base: Any, rel: Any) -> str:
    return urllib.parse.urljoin(want("uri", base, str), want("uri", rel, str))


@fn("uriComponent", 1)
def _uri_component(ctx: Ctx, s: Any) -> str:
    return urllib.parse.quote(want("uriComponent", s, str), safe="~")


@fn("uriComponentToString", 1)
def _uri_component_to_string(ctx: Ctx, s: Any) -> str:
    return urllib.parse.unquote(want("uriComponentToString", s, str))


@fn("dataUri", 1)
def _data_uri(ctx: Ctx, s: Any) -> str:
    return "data:text/plain;charset=utf8;base64," + base64.b64encode(to_string(s).encode()).decode()


@fn("dataUriToString", 1)
def _data_uri_to_string(ctx: Ctx, s: Any) -> str:
    head, _, data = want("dataUriToString", s, str).partition(",")
    return base64.b64decode(data).decode() if head.endswith(";base64") else urllib.parse.unquote(data)


@fn("json", 1)
def _json(ctx: Ctx, text: Any) -> Any:
    try:
        return json.loads(want("json", text, str))
    except json.JSONDecodeError as exc:
        raise ExpressionError(f"The template language function 'json' got text that is not valid JSON: "
                              f"{exc.msg}.") from None
