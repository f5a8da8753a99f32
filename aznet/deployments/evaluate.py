"""Evaluating template values: the evaluation context (scope, parameters,
lazily evaluated variables, copy indices, reference()) and the walk over JSON
values that evaluates every ``[...]`` string and property ``copy`` loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import ExpressionError, RuntimeValueNeeded
from .expressions import Call, Literal, Member, Node, is_expression, literal_text, parse
from .registry import FUNCTIONS, LAZY
from .values import type_name

MAX_COPY = 800

# Evaluation phases: what may be used where.
PARAMETERS = "parameters"   # parameter defaults: utcNow() and newGuid() allowed, no variables()
PLAN = "plan"               # names, types, conditions, copy counts: no reference()
BODY = "body"               # resource bodies and variables used by them: reference() allowed
OUTPUTS = "outputs"


@dataclass
class Deployment:
    """What one template evaluation shares: its scope, values and hooks."""

    scope: Any                                           # engine.Scope
    parameters: dict[str, Any] = field(default_factory=dict)          # lower-cased name -> value
    variables: dict[str, Any] = field(default_factory=dict)           # lower-cased name -> raw definition
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)  # "ns.member" -> definition
    template: dict[str, Any] = field(default_factory=dict)
    parameter_resolver: Callable[[str], Any] | None = None   # lazy defaults while parameters resolve
    reference: Callable[[str, str | None, bool], Any] | None = None
    # list*(resourceId, apiVersion[, body]) while deploying: (function name, id, api-version, body) -> result
    list_action: Callable[[str, str, str | None, Any], Any] | None = None
    copy_members: Callable[[str], list[str]] | None = None   # references(): a copy loop's resource ids
    lambda_vars: dict[str, Any] = field(default_factory=dict)
    var_cache: dict[str, Any] = field(default_factory=dict)
    var_resolving: set[str] = field(default_factory=set)

    def parameter(self, name: str) -> Any:
        key = str(name).lower()
        if key in self.parameters:
            return self.parameters[key]
        if self.parameter_resolver is not None:
            return self.parameter_resolver(key)
        raise ExpressionError(f"The template parameter '{name}' is not found. Please see "
                              "https://aka.ms/arm-syntax-parameters for usage details.")

    def variable(self, name: str, phase: str) -> Any:
        key = str(name).lower()
        if key in self.var_cache:
            return self.var_cache[key]
        if key not in self.variables:
            raise ExpressionError(f"The template variable '{name}' is not found. Please see "
                                  "https://aka.ms/arm-syntax-variables for usage details.")
        if key in self.var_resolving:
            raise ExpressionError(f"The template variable '{name}' refers to itself (a circular reference).")
        self.var_resolving.add(key)
        try:
            raw = self.variables[key]
            ctx = Ctx(self, {}, BODY if phase == OUTPUTS else phase)
            if isinstance(raw, _VariableCopy):
                value = copy_loop(raw.loop, ctx, raw.loop.get("name"))
            else:
                value = evaluate(raw, ctx)
        finally:
            self.var_resolving.discard(key)
        self.var_cache[key] = value
        return value


@dataclass(frozen=True)
class _VariableCopy:
    loop: dict[str, Any]


def variable_table(variables: dict[str, Any]) -> dict[str, Any]:
    """The ``variables`` section by lower-cased name, its ``copy`` loops made variables of their own."""
    out: dict[str, Any] = {}
    for name, raw in variables.items():
        if name.lower() == "copy" and isinstance(raw, list):
            for loop in raw:
                if not isinstance(loop, dict) or "name" not in loop or "input" not in loop:
                    raise ExpressionError("Each variable copy loop needs a 'name', a 'count' and an 'input'.")
                out[str(loop["name"]).lower()] = _VariableCopy(loop)
        else:
            out[name.lower()] = raw
    return out


class Ctx:
    """One place of evaluation: the shared deployment, the copy indices in force and the phase."""

    __slots__ = ("d", "copy", "phase")

    def __init__(self, d: Deployment, copy: dict[str | None, int], phase: str) -> None:
        self.d = d
        self.copy = copy
        self.phase = phase

    def with_copy(self, name: str | None, index: int, unnamed: bool = False) -> Ctx:
        copy = dict(self.copy)
        if name is not None:
            copy[str(name).lower()] = index
        if unnamed:
            copy[None] = index
        return Ctx(self.d, copy, self.phase)

    def at(self, phase: str) -> Ctx:
        return Ctx(self.d, self.copy, phase)

    def with_lambda(self, names: list[str], values: list[Any]) -> Ctx:
        d = replace(self.d, lambda_vars={**self.d.lambda_vars, **{n.lower(): v for n, v in
                                                                  zip(names, values, strict=True)}})
        return Ctx(d, self.copy, self.phase)


def evaluate(value: Any, ctx: Ctx) -> Any:
    """Evaluate every expression inside a JSON value (strings, arrays, objects with property copy loops)."""
    if isinstance(value, str):
        if is_expression(value):
            return evaluate_expression(value, ctx)
        return literal_text(value)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        loops = value.get("copy")
        is_copy = isinstance(loops, list) and loops and all(
            isinstance(c, dict) and "name" in c and "input" in c for c in loops)
        for k, v in value.items():
            if is_copy and k == "copy":
                continue
            key = evaluate_expression(k, ctx) if is_expression(k) else literal_text(k)
            out[str(key)] = evaluate(v, ctx)
        if is_copy:
            for loop in loops:
                out[str(evaluate(loop["name"], ctx))] = copy_loop(loop, ctx, loop["name"])
        return out
    if isinstance(value, list):
        return [evaluate(v, ctx) for v in value]
    return value


def evaluate_expression(text: str, ctx: Ctx) -> Any:
    return eval_node(parse(text[1:-1]), ctx)


def copy_count(loop: dict[str, Any], ctx: Ctx, what: str) -> int:
    count = evaluate(loop.get("count", 0), ctx)
    if isinstance(count, bool) or not isinstance(count, int):
        if isinstance(count, str) and count.strip().lstrip("-").isdigit():
            count = int(count)
        else:
            raise ExpressionError(f"The copy count of {what} must be an integer; the value is of type "
                                  f"'{type_name(count)}'.")
    if count < 0 or count > MAX_COPY:
        raise ExpressionError(f"The copy count of {what} must be a non-negative integer up to {MAX_COPY}; it is "
                              f"'{count}'.")
    return count


def copy_loop(loop: dict[str, Any], ctx: Ctx, name: Any, unnamed: bool = False) -> list[Any]:
    """A property, variable or output copy loop: ``input`` evaluated once per index."""
    label = f"'{name}'" if name is not None else "the output"
    count = copy_count(loop, ctx, f"copy loop {label}")
    loop_name = str(name) if name is not None else None
    return [evaluate(loop.get("input"), ctx.with_copy(loop_name, i, unnamed)) for i in range(count)]




@dataclass(frozen=True)
class Lambda:
    """A ``lambda('x', body)`` value, for map(), filter(), reduce(), sort() and toObject()."""

    names: tuple[str, ...]
    body: Node
    ctx: Ctx

    def __call__(self, *values: Any) -> Any:
        if len(values) != len(self.names):
            raise ExpressionError(f"The lambda expects {len(self.names)} argument(s), got {len(values)}.")
        return eval_node(self.body, self.ctx.with_lambda(list(self.names), list(values)))


def get_member(target: Any, key: Any) -> Any:
    """``x.key`` and ``x[key]``: case-insensitive property names, array indices."""
    if isinstance(target, dict):
        if isinstance(key, str):
            if key in target:
                return target[key]
            low = key.lower()
            for k, v in target.items():
                if k.lower() == low:
                    return v
            raise ExpressionError(f"The language expression property '{key}' doesn't exist, available properties "
                                  f"are '{', '.join(target)}'.")
        raise ExpressionError(f"The language expression property '{key}' of type '{type_name(key)}' can't be "
                              "used to index an object: a string property name is expected.")
    if isinstance(target, list):
        if isinstance(key, bool) or not isinstance(key, int):
            raise ExpressionError(f"The language expression array index '{key}' is not valid: an integer index "
                                  "is expected.")
        if not 0 <= key < len(target):
            raise ExpressionError(f"The language expression property array index '{key}' is out of bounds.")
        return target[key]
    raise ExpressionError(f"The language expression property '{key}' can't be evaluated on a value of type "
                          f"'{type_name(target)}'.")


def eval_node(node: Node, ctx: Ctx) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Member):
        target = eval_node(node.target, ctx)
        key = eval_node(node.key, ctx) if node.is_index else node.key
        return get_member(target, key)
    return _call(node, ctx)


def _call(node: Call, ctx: Ctx) -> Any:
    name = node.name
    lazy = LAZY.get(name)
    if lazy is not None:
        return lazy(ctx, node)
    spec = FUNCTIONS.get(name)
    if spec is None:
        if "." in name and name in ctx.d.functions:
            return user_function(ctx, node, [eval_node(a, ctx) for a in node.args])
        if name.startswith("list") and len(name) > 4:
            return _list_call(node, ctx)
        raise ExpressionError(f"The template function '{node.display}' is not valid. Please see "
                              "https://aka.ms/arm-functions for usage details.")
    fn, lo, hi = spec
    n = len(node.args)
    if n < lo or (hi is not None and n > hi):
        if lo == hi:
            want = f"exactly {lo} parameter(s)"
        elif hi is None:
            want = f"at least {lo} parameter(s)"
        else:
            want = f"from {lo} to {hi} parameter(s)"
        raise ExpressionError(f"Unable to evaluate template language function '{node.display}': function requires "
                              f"{want} but was given '{n}'. Please see https://aka.ms/arm-functions for usage "
                              "details.")
    args = [eval_node(a, ctx) for a in node.args]
    try:
        return fn(ctx, *args)
    except ExpressionError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError, OverflowError) as exc:
        raise ExpressionError(f"Unable to evaluate template language function '{node.display}': {exc}. Please "
                              "see https://aka.ms/arm-functions for usage details.") from None


def _list_call(node: Call, ctx: Ctx) -> Any:
    """``listKeys(resourceId, apiVersion[, functionValues])`` and every other list*: the resource type's action
    of that name, called while deploying."""
    if not 2 <= len(node.args) <= 3:
        raise ExpressionError(f"Unable to evaluate template language function '{node.display}': function requires "
                              "from 2 to 3 parameter(s): the resource id (or name), the api-version and, "
                              "optionally, the request body.")
    if ctx.phase in (PARAMETERS, PLAN) or ctx.d.list_action is None:
        raise ExpressionError(f"The template function '{node.display}' is not expected at this location: list* "
                              "functions can be used only in resource properties and outputs.")
    args = [eval_node(a, ctx) for a in node.args]
    if not isinstance(args[0], str) or not isinstance(args[1], str):
        raise ExpressionError(f"The template language function '{node.display}' expects a resource id and an "
                              "api-version, both strings.")
    return ctx.d.list_action(node.display, args[0], args[1], args[2] if len(args) == 3 else None)


def user_function(ctx: Ctx, node: Call, args: list[Any]) -> Any:
    """A function from the template's ``functions`` section: only its parameters are in scope."""
    spec = ctx.d.functions[node.name]
    params = spec.get("parameters") or []
    if len(args) != len(params):
        raise ExpressionError(f"The user function '{node.display}' expects {len(params)} parameter(s) but was "
                              f"given {len(args)}.")
    d = Deployment(ctx.d.scope, {str(p.get("name")).lower(): a for p, a in zip(params, args, strict=True)},
                   {}, ctx.d.functions, ctx.d.template)
    return evaluate((spec.get("output") or {}).get("value"), Ctx(d, {}, BODY))


# The library registers itself into the registry when imported (it imports this module too).
from . import functions  # noqa: E402, F401

__all__ = ["BODY", "OUTPUTS", "PARAMETERS", "PLAN", "Ctx", "Deployment", "ExpressionError", "Lambda",
           "RuntimeValueNeeded", "copy_count", "copy_loop", "evaluate", "evaluate_expression", "get_member",
           "type_name", "variable_table"]
