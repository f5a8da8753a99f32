"""Template functions on arrays and objects, lambdas (map, filter, reduce, sort, toObject) and
user-defined functions."""

from __future__ import annotations

import functools
from typing import Any

from .errors import ExpressionError
from .evaluate import Ctx, Lambda
from .expressions import Call, Literal
from .registry import LAZY, fn, want, want_int
from .values import deep_equal, to_string, type_name, union_values

# -- arrays and objects ------------------------------------------------------------------------------------

@fn("array", 1)
def _array(ctx: Ctx, value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


fn("createArray", 0, None)(lambda ctx, *items: list(items))


@fn("createObject", 0, None)
def _create_object(ctx: Ctx, *args: Any) -> dict[str, Any]:
    if len(args) % 2:
        raise ExpressionError("The template language function 'createObject' expects key and value pairs: an "
                              "even number of parameters.")
    return {want("createObject", args[i], str, what="property name"): args[i + 1] for i in range(0, len(args), 2)}


@fn("length", 1)
def _length(ctx: Ctx, value: Any) -> int:
    if value is None:
        return 0
    return len(want("length", value, str, list, dict))


@fn("empty", 1)
def _empty(ctx: Ctx, value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


@fn("contains", 2)
def _contains(ctx: Ctx, container: Any, item: Any) -> bool:
    if isinstance(container, dict):
        key = to_string(item).lower()
        return any(k.lower() == key for k in container)
    if isinstance(container, list):
        return any(deep_equal(v, item) for v in container)
    return to_string(item) in want("contains", container, str, list, dict)


@fn("first", 1)
def _first(ctx: Ctx, value: Any) -> Any:
    value = want("first", value, str, list)
    return value[0] if value else (None if isinstance(value, list) else "")


@fn("last", 1)
def _last(ctx: Ctx, value: Any) -> Any:
    value = want("last", value, str, list)
    return value[-1] if value else (None if isinstance(value, list) else "")


@fn("take", 2)
def _take(ctx: Ctx, value: Any, n: Any) -> Any:
    return want("take", value, str, list)[: max(0, want_int("take", n))]


@fn("skip", 2)
def _skip(ctx: Ctx, value: Any, n: Any) -> Any:
    return want("skip", value, str, list)[max(0, want_int("skip", n)):]


@fn("union", 1, None)
def _union(ctx: Ctx, *items: Any) -> Any:
    return union_values(list(items))


@fn("intersection", 2, None)
def _intersection(ctx: Ctx, first: Any, *rest: Any) -> Any:
    if isinstance(first, dict):
        def shared(k: str, v: Any) -> bool:
            return all(isinstance(r, dict) and k in r and deep_equal(r[k], v) for r in rest)
        return {k: v for k, v in first.items() if shared(k, v)}
    out: list[Any] = []
    for v in want("intersection", first, list, dict):
        if all(any(deep_equal(v, x) for x in want("intersection", r, list)) for r in rest) \
                and not any(deep_equal(v, o) for o in out):
            out.append(v)
    return out


@fn("items", 1)
def _items(ctx: Ctx, obj: Any) -> list[dict[str, Any]]:
    obj = want("items", obj, dict)
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


@fn("objectKeys", 1)
def _object_keys(ctx: Ctx, obj: Any) -> list[str]:
    return list(want("objectKeys", obj, dict))


@fn("flatten", 1)
def _flatten(ctx: Ctx, arrays: Any) -> list[Any]:
    return [x for a in want("flatten", arrays, list) for x in want("flatten", a, list)]


@fn("tryGet", 2, None)
def _try_get(ctx: Ctx, value: Any, *keys: Any) -> Any:
    for k in keys:
        if isinstance(value, dict) and isinstance(k, str):
            value = next((v for kk, v in value.items() if kk.lower() == k.lower()), None)
        elif isinstance(value, list) and isinstance(k, int) and not isinstance(k, bool) and 0 <= k < len(value):
            value = value[k]
        else:
            return None
    return value


@fn("shallowMerge", 1)
def _shallow_merge(ctx: Ctx, objects: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for o in want("shallowMerge", objects, list):
        out.update(want("shallowMerge", o, dict))
    return out


# -- lambdas ----------------------------------------------------------------------------------------------

def _lazy_lambda(ctx: Ctx, node: Call) -> Lambda:
    if len(node.args) < 2 or not all(isinstance(a, Literal) and isinstance(a.value, str) for a in node.args[:-1]):
        raise ExpressionError("The template language function 'lambda' expects one or more variable names as "
                              "string literals followed by the lambda body.")
    return Lambda(tuple(a.value for a in node.args[:-1]), node.args[-1], ctx)


LAZY["lambda"] = _lazy_lambda


@fn("lambdaVariables", 1)
def _lambda_variables(ctx: Ctx, name: Any) -> Any:
    key = want("lambdaVariables", name, str).lower()
    if key not in ctx.d.lambda_vars:
        raise ExpressionError(f"The lambda variable '{name}' is not in scope at this location.")
    return ctx.d.lambda_vars[key]


def _lam(name: str, value: Any, arity: int) -> Lambda:
    if not isinstance(value, Lambda) or len(value.names) != arity:
        raise ExpressionError(f"The template language function '{name}' expects a lambda with {arity} "
                              "parameter(s).")
    return value


def _lam_indexed(name: str, value: Any) -> Lambda:
    """A lambda of (item) or (item, index), as map() and filter() take."""
    if not isinstance(value, Lambda) or len(value.names) not in (1, 2):
        raise ExpressionError(f"The template language function '{name}' expects a lambda with 1 or 2 "
                              "parameter(s): the item and, optionally, its index.")
    return value


def _apply(lam: Lambda, v: Any, i: int) -> Any:
    return lam(v, i) if len(lam.names) == 2 else lam(v)


@fn("map", 2)
def _map(ctx: Ctx, items: Any, f: Any) -> list[Any]:
    lam = _lam_indexed("map", f)
    return [_apply(lam, v, i) for i, v in enumerate(want("map", items, list))]


@fn("filter", 2)
def _filter(ctx: Ctx, items: Any, f: Any) -> list[Any]:
    lam = _lam_indexed("filter", f)
    out = []
    for i, v in enumerate(want("filter", items, list)):
        keep = _apply(lam, v, i)
        if not isinstance(keep, bool):
            raise ExpressionError("The template language function 'filter' expects its lambda to return a "
                                  f"boolean; it returned a value of type '{type_name(keep)}'.")
        if keep:
            out.append(v)
    return out


@fn("reduce", 3)
def _reduce(ctx: Ctx, items: Any, initial: Any, f: Any) -> Any:
    lam = _lam("reduce", f, 2)
    acc = initial
    for v in want("reduce", items, list):
        acc = lam(acc, v)
    return acc


@fn("sort", 2)
def _sort(ctx: Ctx, items: Any, f: Any) -> list[Any]:
    lam = _lam("sort", f, 2)
    return sorted(want("sort", items, list), key=functools.cmp_to_key(lambda a, b: -1 if lam(a, b) else 1))


@fn("toObject", 2, 3)
def _to_object(ctx: Ctx, items: Any, key_fn: Any, value_fn: Any = None) -> dict[str, Any]:
    kf = _lam("toObject", key_fn, 1)
    vf = _lam("toObject", value_fn, 1) if value_fn is not None else None
    return {to_string(kf(v)): (vf(v) if vf else v) for v in want("toObject", items, list)}


@fn("groupBy", 2)
def _group_by(ctx: Ctx, items: Any, key_fn: Any) -> dict[str, list[Any]]:
    kf = _lam("groupBy", key_fn, 1)
    out: dict[str, list[Any]] = {}
    for v in want("groupBy", items, list):
        key = kf(v)
        if not isinstance(key, str):
            raise ExpressionError("The template language function 'groupBy' expects its lambda to return a "
                                  f"string key; it returned a value of type '{type_name(key)}'.")
        out.setdefault(key, []).append(v)
    return out


@fn("mapValues", 2)
def _map_values(ctx: Ctx, obj: Any, f: Any) -> dict[str, Any]:
    lam = _lam("mapValues", f, 1)
    return {k: lam(v) for k, v in want("mapValues", obj, dict).items()}


# -- indexes from the end -----------------------------------------------------------------------------------

def _from_end(name: str, items: Any, index: Any, strict: bool) -> Any:
    items = want(name, items, list)
    index = want_int(name, index, "index")
    if 1 <= index <= len(items):
        return items[len(items) - index]
    if strict:
        raise ExpressionError(f"The template language function '{name}' got index {index}, but the array has "
                              f"{len(items)} element(s): the index counts from 1 (the last element) to the "
                              "array's length.")
    return None


fn("indexFromEnd", 2)(lambda ctx, items, index: _from_end("indexFromEnd", items, index, True))
fn("tryIndexFromEnd", 2)(lambda ctx, items, index: _from_end("tryIndexFromEnd", items, index, False))
