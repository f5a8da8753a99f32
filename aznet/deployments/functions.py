"""The template function library (the functions Azure's quickstart templates
use). Each entry takes the evaluation context and evaluated arguments; ``LAZY``
entries (if, lambda, ...) receive the unevaluated call instead."""

from __future__ import annotations

import base64
import functools
import json
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from . import hashing
from .errors import ExpressionError
from .evaluate import BODY, PARAMETERS, PLAN, Ctx, Lambda, eval_node, type_name
from .expressions import Call, Literal
from .ids import build_id, extension_id, provider_path, scope_prefix
from .values import deep_equal, format_dotnet, to_string, union_values, utc_now

FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {}
LAZY: dict[str, Callable[[Ctx, Call], Any]] = {}


def fn(name: str, lo: int = 0, hi: int | None = -1) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``name`` taking from ``lo`` to ``hi`` arguments (``hi=None``: any number; -1: exactly lo)."""
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[name.lower()] = (f, lo, lo if hi == -1 else hi)
        return f
    return deco


def _want(name: str, value: Any, *types: type, what: str = "") -> Any:
    if isinstance(value, bool) and bool not in types:
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        names = "' or '".join(type_name(t()) if t is not float else "Float" for t in types)
        raise ExpressionError(f"The template language function '{name}' expects its {what or 'parameter'} to be "
                              f"of type '{names}'. The provided value is of type '{type_name(value)}'. Please see "
                              "https://aka.ms/arm-functions for usage details.")
    return value


def _int(name: str, value: Any, what: str = "") -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return _want(name, value, int, what=what)


# -- deployment values ---------------------------------------------------------------------------------

@fn("parameters", 1)
def _parameters(ctx: Ctx, name: Any) -> Any:
    return ctx.d.parameter(_want("parameters", name, str))


@fn("variables", 1)
def _variables(ctx: Ctx, name: Any) -> Any:
    if ctx.phase == PARAMETERS:
        raise ExpressionError("The template function 'variables' is not expected at this location: a parameter's "
                              "default value cannot use variables.")
    return ctx.d.variable(_want("variables", name, str), ctx.phase)


@fn("copyIndex", 0, 2)
def _copy_index(ctx: Ctx, *args: Any) -> int:
    name: str | None = None
    offset = 0
    for a in args:
        if isinstance(a, str):
            name = a.lower()
        else:
            offset = _int("copyIndex", a, "offset")
    if name not in ctx.copy:
        if name is None:
            raise ExpressionError("The template function 'copyIndex' is not expected at this location. The "
                                  "function can only be used in a resource with copy specified.")
        raise ExpressionError(f"The template function 'copyIndex' refers to the copy loop '{name}' which is not "
                              "in scope at this location.")
    return ctx.copy[name] + offset


@fn("resourceGroup")
def _resource_group(ctx: Ctx) -> dict[str, Any]:
    s = ctx.d.scope
    if s.resource_group is None:
        raise ExpressionError("The template function 'resourceGroup' is not expected at this location: the "
                              "deployment is at subscription scope.")
    out: dict[str, Any] = {
        "id": s.resource_group_id or scope_prefix(s.subscription_id, s.resource_group),
        "name": s.resource_group, "type": "Microsoft.Resources/resourceGroups",
        "location": s.resource_group_location, "properties": {"provisioningState": "Succeeded"}}
    if s.resource_group_tags:
        out["tags"] = dict(s.resource_group_tags)
    return out


@fn("subscription")
def _subscription(ctx: Ctx) -> dict[str, Any]:
    s = ctx.d.scope
    return {"id": f"/subscriptions/{s.subscription_id}", "subscriptionId": s.subscription_id,
            "tenantId": s.tenant_id, "displayName": getattr(s, "subscription_name", None) or "aznet"}


@fn("tenant")
def _tenant(ctx: Ctx) -> dict[str, Any]:
    tid = ctx.d.scope.tenant_id
    return {"id": f"/tenants/{tid}", "tenantId": tid, "displayName": "aznet", "countryCode": "US"}


@fn("deployment")
def _deployment(ctx: Ctx) -> dict[str, Any]:
    s = ctx.d.scope
    t = ctx.d.template
    out: dict[str, Any] = {
        "name": s.deployment_name,
        "properties": {"template": {"contentVersion": t.get("contentVersion", "1.0.0.0"),
                                    "metadata": t.get("metadata")},
                       "templateHash": hashing.template_hash(t), "mode": "Incremental",
                       "provisioningState": "Accepted"}}
    location = getattr(s, "deployment_location", None)
    if s.resource_group is None or location:
        out["location"] = location or s.resource_group_location
    return out


ENVIRONMENT: dict[str, Any] = {
    "name": "AzureCloud", "gallery": "https://gallery.azure.com/", "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com", "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/", "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net", "sqlManagement": "https://management.core.windows.net:8443/",
    "resourceManager": "https://management.azure.com/",
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                       "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                       "tenant": "common", "identityProvider": "AAD"},
    "suffixes": {"acrLoginServer": ".azurecr.io", "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                 "azureDatalakeStoreFileSystem": "azuredatalakestore.net", "azureFrontDoorEndpointSuffix": "azurefd.net",
                 "keyvaultDns": ".vault.azure.net", "sqlServerHostname": ".database.windows.net",
                 "storage": "core.windows.net"},
}


@fn("environment")
def _environment(ctx: Ctx) -> dict[str, Any]:
    return json.loads(json.dumps(getattr(ctx.d.scope, "environment", None) or ENVIRONMENT))


# -- resource ids and runtime values ---------------------------------------------------------------------

@fn("resourceId", 2, None)
def _resource_id(ctx: Ctx, *args: Any) -> str:
    parts = [_want("resourceId", a, str) for a in args]
    s = ctx.d.scope
    idx = next((i for i, p in enumerate(parts) if "/" in p), None)
    if idx is None or idx > 2:
        raise ExpressionError("Unable to evaluate template language function 'resourceId': the resource type "
                              "('<namespace>/<type>') is expected as the first, second or third argument.")
    sub, rg = s.subscription_id, s.resource_group
    if idx == 2:
        sub, rg = parts[0], parts[1]
    elif idx == 1:
        rg = parts[0]
    return build_id(sub, rg, parts[idx], parts[idx + 1:])


@fn("subscriptionResourceId", 2, None)
def _subscription_resource_id(ctx: Ctx, *args: Any) -> str:
    parts = [_want("subscriptionResourceId", a, str) for a in args]
    sub = ctx.d.scope.subscription_id
    if "/" not in parts[0]:
        sub, parts = parts[0], parts[1:]
    if not parts:
        raise ExpressionError("Unable to evaluate template language function 'subscriptionResourceId': a "
                              "resource type is required.")
    return build_id(sub, None, parts[0], parts[1:], "subscriptionResourceId")


@fn("tenantResourceId", 2, None)
def _tenant_resource_id(ctx: Ctx, rtype: Any, *names: Any) -> str:
    return provider_path(_want("tenantResourceId", rtype, str), [to_string(n) for n in names], "tenantResourceId")


@fn("extensionResourceId", 3, None)
def _extension_resource_id(ctx: Ctx, base: Any, rtype: Any, *names: Any) -> str:
    return extension_id(_want("extensionResourceId", base, str), _want("extensionResourceId", rtype, str),
                        [to_string(n) for n in names])


@fn("managementGroupResourceId", 2, None)
def _mg_resource_id(ctx: Ctx, *args: Any) -> str:
    parts = [to_string(a) for a in args]
    if "/" not in parts[0]:
        raise ExpressionError("aznet has no management groups.")
    return provider_path(parts[0], parts[1:], "managementGroupResourceId")


@fn("reference", 1, 3)
def _reference(ctx: Ctx, target: Any, api_version: Any = None, full: Any = None) -> Any:
    if ctx.phase in (PARAMETERS, PLAN) or ctx.d.reference is None:
        raise ExpressionError("The template function 'reference' is not expected at this location. Please see "
                              "https://aka.ms/arm-functions-resource for usage details.")
    return ctx.d.reference(_want("reference", target, str), api_version,
                           isinstance(full, str) and full.lower() == "full")


# -- logic and comparison ---------------------------------------------------------------------------------

def _lazy_if(ctx: Ctx, node: Call) -> Any:
    if len(node.args) != 3:
        raise ExpressionError("The template language function 'if' expects exactly three parameters: the "
                              "condition, the true value and the false value.")
    cond = eval_node(node.args[0], ctx)
    _want("if", cond, bool, what="first parameter")
    return eval_node(node.args[1] if cond else node.args[2], ctx)


LAZY["if"] = _lazy_if


@fn("and", 2, None)
def _and(ctx: Ctx, *args: Any) -> bool:
    return all(_want("and", a, bool) for a in args)


@fn("or", 2, None)
def _or(ctx: Ctx, *args: Any) -> bool:
    return any([_want("or", a, bool) for a in args])


@fn("not", 1)
def _not(ctx: Ctx, value: Any) -> bool:
    return not _want("not", value, bool)


@fn("bool", 1)
def _bool(ctx: Ctx, value: Any) -> bool:
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ExpressionError(f"The template language function 'bool' cannot convert '{value}' to a boolean.")
    if isinstance(value, (bool, int)):
        return bool(value)
    return _want("bool", value, bool, str, int)


fn("true")(lambda ctx: True)
fn("false")(lambda ctx: False)
fn("null")(lambda ctx: None)
fn("equals", 2)(lambda ctx, a, b: deep_equal(a, b))


def _compare(name: str, op: Callable[[Any, Any], bool]) -> None:
    def f(ctx: Ctx, a: Any, b: Any) -> bool:
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        _want(name, a, int, float, what="first parameter")
        _want(name, b, int, float, what="second parameter")
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
        return op(_int(name, a, "first parameter"), _int(name, b, "second parameter"))
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
def _to_int(ctx: Ctx, value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ExpressionError(f"The template language function 'int' cannot convert '{value}' to an "
                                  "integer.") from None
    if isinstance(value, float):
        return int(value)
    return _int("int", value)


@fn("float", 1)
def _to_float(ctx: Ctx, value: Any) -> float:
    return float(value)


def _minmax(name: str, pick: Callable[..., Any]) -> None:
    def f(ctx: Ctx, *args: Any) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
        if not values:
            raise ExpressionError(f"The template language function '{name}' needs at least one value.")
        for v in values:
            _want(name, v, int, float)
        return pick(values)
    fn(name, 1, None)(f)


_minmax("min", min)
_minmax("max", max)


@fn("range", 2)
def _range(ctx: Ctx, start: Any, count: Any) -> list[int]:
    start, count = _int("range", start, "start index"), _int("range", count, "count")
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
    return format_dotnet(_want("format", template, str), list(args))


@fn("string", 1)
def _string(ctx: Ctx, value: Any) -> str:
    return to_string(value)


@fn("toLower", 1)
def _lower(ctx: Ctx, s: Any) -> str:
    return _want("toLower", s, str).lower()


@fn("toUpper", 1)
def _upper(ctx: Ctx, s: Any) -> str:
    return _want("toUpper", s, str).upper()


@fn("trim", 1)
def _trim(ctx: Ctx, s: Any) -> str:
    return _want("trim", s, str).strip()


@fn("replace", 3)
def _replace(ctx: Ctx, s: Any, old: Any, new: Any) -> str:
    return _want("replace", s, str).replace(_want("replace", old, str), _want("replace", new, str))


@fn("substring", 2, 3)
def _substring(ctx: Ctx, s: Any, start: Any, length: Any = None) -> str:
    s, start = _want("substring", s, str), _int("substring", start, "start index")
    length = len(s) - start if length is None else _int("substring", length, "length")
    if start < 0 or length < 0 or start + length > len(s):
        raise ExpressionError(f"The index and length parameters must refer to a location within the string. The "
                              f"index parameter: '{start}', the length parameter: '{length}', the length of the "
                              f"string parameter: '{len(s)}'. Please see https://aka.ms/arm-functions#substring for "
                              "usage details.")
    return s[start:start + length]


@fn("split", 2)
def _split(ctx: Ctx, s: Any, sep: Any) -> list[str]:
    parts = [_want("split", s, str)]
    for d in (sep if isinstance(sep, list) else [sep]):
        d = _want("split", d, str, what="delimiter")
        parts = [p for chunk in parts for p in (chunk.split(d) if d else [chunk])]
    return parts


@fn("join", 2)
def _join(ctx: Ctx, items: Any, sep: Any) -> str:
    return _want("join", sep, str).join(to_string(v) for v in _want("join", items, list))


@fn("startsWith", 2)
def _starts(ctx: Ctx, s: Any, prefix: Any) -> bool:
    return _want("startsWith", s, str).lower().startswith(_want("startsWith", prefix, str).lower())


@fn("endsWith", 2)
def _ends(ctx: Ctx, s: Any, suffix: Any) -> bool:
    return _want("endsWith", s, str).lower().endswith(_want("endsWith", suffix, str).lower())


@fn("indexOf", 2)
def _index_of(ctx: Ctx, hay: Any, needle: Any) -> int:
    if isinstance(hay, list):
        return next((i for i, v in enumerate(hay) if deep_equal(v, needle)), -1)
    return _want("indexOf", hay, str).lower().find(to_string(needle).lower())


@fn("lastIndexOf", 2)
def _last_index_of(ctx: Ctx, hay: Any, needle: Any) -> int:
    if isinstance(hay, list):
        return next((i for i in range(len(hay) - 1, -1, -1) if deep_equal(hay[i], needle)), -1)
    return _want("lastIndexOf", hay, str).lower().rfind(to_string(needle).lower())


@fn("padLeft", 2, 3)
def _pad_left(ctx: Ctx, value: Any, width: Any, ch: Any = " ") -> str:
    ch = _want("padLeft", ch, str, what="padding character")
    if len(ch) != 1:
        raise ExpressionError("The template language function 'padLeft' expects a single padding character.")
    return to_string(value).rjust(_int("padLeft", width, "total length"), ch)


@fn("uniqueString", 1, None)
def _unique_string(ctx: Ctx, *args: Any) -> str:
    return hashing.unique_string(*[_want("uniqueString", a, str) for a in args])


@fn("guid", 1, None)
def _guid(ctx: Ctx, *args: Any) -> str:
    return hashing.deterministic_guid(*[_want("guid", a, str) for a in args])


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
    return utc_now(_want("utcNow", fmt, str))


@fn("base64", 1)
def _base64(ctx: Ctx, s: Any) -> str:
    return base64.b64encode(_want("base64", s, str).encode()).decode()


@fn("base64ToString", 1)
def _base64_to_string(ctx: Ctx, s: Any) -> str:
    return base64.b64decode(_want("base64ToString", s, str)).decode()


@fn("base64ToJson", 1)
def _base64_to_json(ctx: Ctx, s: Any) -> Any:
    return json.loads(base64.b64decode(_want("base64ToJson", s, str)))


@fn("uri", 2)
def _uri(ctx: Ctx, base: Any, rel: Any) -> str:
    return urllib.parse.urljoin(_want("uri", base, str), _want("uri", rel, str))


@fn("uriComponent", 1)
def _uri_component(ctx: Ctx, s: Any) -> str:
    return urllib.parse.quote(_want("uriComponent", s, str), safe="~")


@fn("uriComponentToString", 1)
def _uri_component_to_string(ctx: Ctx, s: Any) -> str:
    return urllib.parse.unquote(_want("uriComponentToString", s, str))


@fn("dataUri", 1)
def _data_uri(ctx: Ctx, s: Any) -> str:
    return "data:text/plain;charset=utf8;base64," + base64.b64encode(to_string(s).encode()).decode()


@fn("dataUriToString", 1)
def _data_uri_to_string(ctx: Ctx, s: Any) -> str:
    head, _, data = _want("dataUriToString", s, str).partition(",")
    return base64.b64decode(data).decode() if head.endswith(";base64") else urllib.parse.unquote(data)


@fn("json", 1)
def _json(ctx: Ctx, text: Any) -> Any:
    try:
        return json.loads(_want("json", text, str))
    except json.JSONDecodeError as exc:
        raise ExpressionError(f"The template language function 'json' got text that is not valid JSON: "
                              f"{exc.msg}.") from None


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
    return {_want("createObject", args[i], str, what="property name"): args[i + 1] for i in range(0, len(args), 2)}


@fn("length", 1)
def _length(ctx: Ctx, value: Any) -> int:
    if value is None:
        return 0
    return len(_want("length", value, str, list, dict))


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
    return to_string(item) in _want("contains", container, str, list, dict)


@fn("first", 1)
def _first(ctx: Ctx, value: Any) -> Any:
    value = _want("first", value, str, list)
    return value[0] if value else (None if isinstance(value, list) else "")


@fn("last", 1)
def _last(ctx: Ctx, value: Any) -> Any:
    value = _want("last", value, str, list)
    return value[-1] if value else (None if isinstance(value, list) else "")


@fn("take", 2)
def _take(ctx: Ctx, value: Any, n: Any) -> Any:
    return _want("take", value, str, list)[: max(0, _int("take", n))]


@fn("skip", 2)
def _skip(ctx: Ctx, value: Any, n: Any) -> Any:
    return _want("skip", value, str, list)[max(0, _int("skip", n)):]


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
    for v in _want("intersection", first, list, dict):
        if all(any(deep_equal(v, x) for x in _want("intersection", r, list)) for r in rest) \
                and not any(deep_equal(v, o) for o in out):
            out.append(v)
    return out


@fn("items", 1)
def _items(ctx: Ctx, obj: Any) -> list[dict[str, Any]]:
    obj = _want("items", obj, dict)
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


@fn("objectKeys", 1)
def _object_keys(ctx: Ctx, obj: Any) -> list[str]:
    return list(_want("objectKeys", obj, dict))


@fn("flatten", 1)
def _flatten(ctx: Ctx, arrays: Any) -> list[Any]:
    return [x for a in _want("flatten", arrays, list) for x in _want("flatten", a, list)]


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
    for o in _want("shallowMerge", objects, list):
        out.update(_want("shallowMerge", o, dict))
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
    key = _want("lambdaVariables", name, str).lower()
    if key not in ctx.d.lambda_vars:
        raise ExpressionError(f"The lambda variable '{name}' is not in scope at this location.")
    return ctx.d.lambda_vars[key]


def _lam(name: str, value: Any, arity: int) -> Lambda:
    if not isinstance(value, Lambda) or len(value.names) != arity:
        raise ExpressionError(f"The template language function '{name}' expects a lambda with {arity} "
                              "parameter(s).")
    return value


@fn("map", 2)
def _map(ctx: Ctx, items: Any, f: Any) -> list[Any]:
    lam = f if isinstance(f, Lambda) and len(f.names) == 2 else _lam("map", f, 1)
    return [lam(v, i) if len(lam.names) == 2 else lam(v) for i, v in enumerate(_want("map", items, list))]


@fn("filter", 2)
def _filter(ctx: Ctx, items: Any, f: Any) -> list[Any]:
    lam = _lam("filter", f, 1)
    return [v for v in _want("filter", items, list) if lam(v) is True]


@fn("reduce", 3)
def _reduce(ctx: Ctx, items: Any, initial: Any, f: Any) -> Any:
    lam = _lam("reduce", f, 2)
    acc = initial
    for v in _want("reduce", items, list):
        acc = lam(acc, v)
    return acc


@fn("sort", 2)
def _sort(ctx: Ctx, items: Any, f: Any) -> list[Any]:
    lam = _lam("sort", f, 2)
    return sorted(_want("sort", items, list), key=functools.cmp_to_key(lambda a, b: -1 if lam(a, b) else 1))


@fn("toObject", 2, 3)
def _to_object(ctx: Ctx, items: Any, key_fn: Any, value_fn: Any = None) -> dict[str, Any]:
    kf = _lam("toObject", key_fn, 1)
    vf = _lam("toObject", value_fn, 1) if value_fn is not None else None
    return {to_string(kf(v)): (vf(v) if vf else v) for v in _want("toObject", items, list)}


# -- user-defined functions --------------------------------------------------------------------------------

def user_function(ctx: Ctx, node: Call, args: list[Any]) -> Any:
    """A function from the template's ``functions`` section: only its parameters are in scope."""
    from .evaluate import Deployment, evaluate  # noqa: PLC0415

    spec = ctx.d.functions[node.name]
    params = spec.get("parameters") or []
    if len(args) != len(params):
        raise ExpressionError(f"The user function '{node.display}' expects {len(params)} parameter(s) but was "
                              f"given {len(args)}.")
    d = Deployment(ctx.d.scope, {str(p.get("name")).lower(): a for p, a in zip(params, args, strict=True)},
                   {}, ctx.d.functions, ctx.d.template)
    return evaluate((spec.get("output") or {}).get("value"), Ctx(d, {}, BODY))


def function_names() -> list[str]:
    return sorted(FUNCTIONS) + sorted(LAZY)


__all__ = ["FUNCTIONS", "LAZY", "function_names", "user_function"]
