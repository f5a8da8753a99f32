"""Evaluating template expressions: the context (parameters, variables, copy
indices, scope, reference()) and the function library Azure's quickstart
templates use."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .expressions import Call, ExpressionError, Literal, Member, is_expression, parse, unescape

# The namespace Azure's guid() hashes its arguments under (RFC 4122 version 5).
GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


@dataclass
class EvalContext:
    scope: Any                                    # engine.Scope
    parameters: dict[str, Any] = field(default_factory=dict)
    variables_raw: dict[str, Any] = field(default_factory=dict)
    copy_index: dict[str | None, int] = field(default_factory=dict)
    reference: Callable[[str, str | None, bool], Any] | None = None
    resource_id_of: Callable[[list[str], str | None, str | None], str] | None = None
    allow_utcnow: bool = False
    _vars: dict[str, Any] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)

    def with_copy(self, name: str | None, index: int) -> EvalContext:
        ctx = EvalContext(self.scope, self.parameters, self.variables_raw, {**self.copy_index, name: index,
                                                                             None: index},
                          self.reference, self.resource_id_of, self.allow_utcnow, self._vars, self._resolving)
        return ctx

    def variable(self, name: str) -> Any:
        key = next((k for k in self.variables_raw if k.lower() == name.lower()), None)
        if key is None:
            raise ExpressionError(f"The template variable '{name}' is not found.")
        if key in self._vars:
            return self._vars[key]
        if key in self._resolving:
            raise ExpressionError(f"The template variable '{name}' refers to itself.")
        self._resolving.add(key)
        try:
            raw = self.variables_raw[key]
            if isinstance(raw, dict) and "__copy__" in raw:
                value = property_copy(raw["__copy__"], self)
            else:
                value = evaluate(raw, self)
        finally:
            self._resolving.discard(key)
        self._vars[key] = value
        return value


def evaluate(value: Any, ctx: EvalContext) -> Any:
    """Evaluate every expression inside a JSON value (strings, lists, objects)."""
    if isinstance(value, str):
        if is_expression(value):
            return _eval(parse(value[1:-1]), ctx)
        return unescape(value)
    if isinstance(value, list):
        return [evaluate(v, ctx) for v in value]
    if isinstance(value, dict):
        if "copy" in value and isinstance(value["copy"], list) and all(
                isinstance(c, dict) and "input" in c for c in value["copy"]):
            out = {k: evaluate(v, ctx) for k, v in value.items() if k != "copy"}
            for loop in value["copy"]:
                out[loop["name"]] = property_copy(loop, ctx)
            return out
        return {evaluate(k, ctx) if is_expression(k) else k: evaluate(v, ctx) for k, v in value.items()}
    return value


def property_copy(loop: dict[str, Any], ctx: EvalContext) -> list[Any]:
    count = evaluate(loop.get("count", 0), ctx)
    if not isinstance(count, int) or count < 0 or count > 800:
        raise ExpressionError(f"The copy count of '{loop.get('name')}' must be an integer from 0 to 800.")
    return [evaluate(loop["input"], ctx.with_copy(loop.get("name"), i)) for i in range(count)]


def _eval(node: Any, ctx: EvalContext) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Member):
        target = _eval(node.target, ctx)
        key = _eval(node.key, ctx) if node.is_index else node.key
        try:
            if isinstance(target, dict):
                if isinstance(key, str):
                    match = next((k for k in target if k.lower() == key.lower()), None)
                    if match is None:
                        raise KeyError(key)
                    return target[match]
                raise KeyError(key)
            if isinstance(target, (list, str)) and isinstance(key, int):
                return target[key]
        except (KeyError, IndexError):
            pass
        raise ExpressionError(f"The language expression property '{key}' doesn't exist, available properties "
                              f"are '{', '.join(target) if isinstance(target, dict) else ''}'.")
    assert isinstance(node, Call)
    fn = FUNCTIONS.get(node.name)
    if node.name == "if":
        if len(node.args) != 3:
            raise ExpressionError("The template function 'if' expects three parameters.")
        return _eval(node.args[1] if _eval(node.args[0], ctx) else node.args[2], ctx)
    if fn is None:
        raise ExpressionError(f"The template function '{node.name}' is not valid. Please see "
                              "https://aka.ms/arm-functions for usage details.")
    args = [_eval(a, ctx) for a in node.args]
    try:
        return fn(ctx, *args)
    except ExpressionError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError) as exc:
        raise ExpressionError(f"Unable to evaluate template language function '{node.name}': {exc}") from None


# -- the function library ------------------------------------------------------------------------------

def _str(v: Any) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    if v is None:
        return ""
    return str(v)


def _unique_string(*args: Any) -> str:
    # Azure hashes with MurmurHash64 and base32; this is a deterministic stand-in of the same shape
    # (13 characters of [a-z2-7]): equal inputs give equal outputs, not Azure's exact string.
    digest = hashlib.sha256("-".join(_str(a) for a in args).encode()).digest()
    return base64.b32encode(digest).decode().lower()[:13]


def _guid(*args: Any) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "-".join(_str(a) for a in args)))


def _resource_id(ctx: EvalContext, *args: Any) -> str:
    parts = [_str(a) for a in args]
    sub = ctx.scope.subscription_id
    rg = ctx.scope.resource_group
    # optional leading subscriptionId and resourceGroupName: the type is the first part with a '/'
    idx = next((i for i, p in enumerate(parts) if "/" in p), None)
    if idx is None:
        raise ExpressionError("The resource type given to resourceId() must be '<namespace>/<type>'.")
    lead = parts[:idx]
    if len(lead) == 2:
        sub, rg = lead
    elif len(lead) == 1:
        rg = lead[0]
    return build_id(sub, rg, parts[idx], parts[idx + 1:])


def build_id(sub: str, rg: str | None, rtype: str, names: list[str]) -> str:
    segs = rtype.split("/")
    ns, types = segs[0], segs[1:]
    flat_names = [n for name in names for n in name.split("/")]
    if len(types) != len(flat_names):
        raise ExpressionError(f"Unable to evaluate template language function 'resourceId': the type "
                              f"'{rtype}' requires {len(types)} resource name argument(s).")
    base = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
    tail = "/".join(f"{t}/{n}" for t, n in zip(types, flat_names, strict=True))
    return f"{base}/providers/{ns}/{tail}"


def _subscription_resource_id(ctx: EvalContext, *args: Any) -> str:
    parts = [_str(a) for a in args]
    sub = ctx.scope.subscription_id
    if parts and "/" not in parts[0]:
        sub, parts = parts[0], parts[1:]
    return build_id(sub, None, parts[0], parts[1:])


def _tenant_resource_id(ctx: EvalContext, rtype: str, *names: Any) -> str:
    return build_id("", None, rtype, [_str(n) for n in names]).replace("/subscriptions/", "", 1)


def _extension_resource_id(ctx: EvalContext, base: str, rtype: str, *names: Any) -> str:
    return base.rstrip("/") + build_id("x", None, rtype, [_str(n) for n in names]).split("/subscriptions/x", 1)[1]


def _reference(ctx: EvalContext, target: Any, api_version: Any = None, full: Any = None) -> Any:
    if ctx.reference is None:
        raise ExpressionError("The template function 'reference' is not expected at this location.")
    return ctx.reference(_str(target), api_version, str(full).lower() == "full")


def _copy_index(ctx: EvalContext, *args: Any) -> int:
    name: str | None = None
    offset = 0
    for a in args:
        if isinstance(a, str):
            name = a
        else:
            offset = int(a)
    if name not in ctx.copy_index:
        raise ExpressionError("The template function 'copyIndex' is not expected at this location."
                              if name is None else f"The copy loop '{name}' is not found.")
    return ctx.copy_index[name] + offset


def _contains(_: EvalContext, container: Any, item: Any) -> bool:
    if isinstance(container, dict):
        return any(k.lower() == _str(item).lower() for k in container)
    if isinstance(container, str):
        return _str(item) in container
    return item in container


def _union(_: EvalContext, *items: Any) -> Any:
    if all(isinstance(i, dict) for i in items):
        out: dict[str, Any] = {}
        for i in items:
            out.update(i)
        return out
    seen: list[Any] = []
    for i in items:
        for v in i:
            if v not in seen:
                seen.append(v)
    return seen


def _intersection(_: EvalContext, first: Any, *rest: Any) -> Any:
    if isinstance(first, dict):
        return {k: v for k, v in first.items() if all(k in r and r[k] == v for r in rest)}
    return [v for v in first if all(v in r for r in rest)]


def _length(_: EvalContext, v: Any) -> int:
    return len(v)


def _empty(_: EvalContext, v: Any) -> bool:
    return v is None or len(v) == 0


def _json(_: EvalContext, text: str) -> Any:
    return json.loads(text)


def _int(_: EvalContext, v: Any) -> int:
    return int(v)


def _bool(_: EvalContext, v: Any) -> bool:
    if isinstance(v, str):
        return v.lower() == "true"
    return bool(v)


def _range(_: EvalContext, start: int, count: int) -> list[int]:
    return list(range(int(start), int(start) + int(count)))


def _coalesce(_: EvalContext, *args: Any) -> Any:
    return next((a for a in args if a is not None), None)


def _utcnow(ctx: EvalContext, fmt: str = "yyyyMMddTHHmmssZ") -> str:
    if not ctx.allow_utcnow:
        raise ExpressionError("The template function 'utcNow' is only allowed in a parameter's defaultValue.")
    py = fmt.replace("yyyy", "%Y").replace("MM", "%m").replace("dd", "%d").replace("HH", "%H") \
        .replace("mm", "%M").replace("ss", "%S")
    if fmt in ("u",):
        py = "%Y-%m-%d %H:%M:%SZ"
    return time.strftime(py, time.gmtime())


def _new_guid(ctx: EvalContext) -> str:
    if not ctx.allow_utcnow:
        raise ExpressionError("The template function 'newGuid' is only allowed in a parameter's defaultValue.")
    return str(uuid.uuid4())


def _format(_: EvalContext, fmt: str, *args: Any) -> str:
    import re

    def sub(m: re.Match[str]) -> str:
        idx = int(m.group(1))
        spec = m.group(2)
        v = args[idx]
        if spec and isinstance(v, (int, float)):
            if spec.upper().startswith("D"):
                return str(int(v)).zfill(int(spec[1:] or 0))
            if spec.upper().startswith("N"):
                return f"{v:,.{int(spec[1:] or 2)}f}"
        return _str(v)
    return re.sub(r"\{(\d+)(?::([^}]*))?\}", sub, fmt).replace("{{", "{").replace("}}", "}")


def _scope_rg(ctx: EvalContext) -> dict[str, Any]:
    s = ctx.scope
    if s.resource_group is None:
        raise ExpressionError("The template function 'resourceGroup' is not expected at this location: the "
                              "deployment is at subscription scope.")
    return {"id": s.resource_group_id or f"/subscriptions/{s.subscription_id}/resourceGroups/{s.resource_group}",
            "name": s.resource_group, "type": "Microsoft.Resources/resourceGroups",
            "location": s.resource_group_location, "tags": s.resource_group_tags or {},
            "properties": {"provisioningState": "Succeeded"}}


def _subscription(ctx: EvalContext) -> dict[str, Any]:
    s = ctx.scope
    return {"id": f"/subscriptions/{s.subscription_id}", "subscriptionId": s.subscription_id,
            "tenantId": s.tenant_id, "displayName": "aznet"}


def _deployment(ctx: EvalContext) -> dict[str, Any]:
    s = ctx.scope
    return {"name": s.deployment_name, "properties": {"templateLink": None, "mode": "Incremental"},
            "location": s.resource_group_location or ""}


def _environment(ctx: EvalContext) -> dict[str, Any]:
    return {"name": "aznet", "resourceManager": "", "suffixes": {"storage": "core.windows.net",
                                                                   "keyvaultDns": ".vault.azure.net"},
            "authentication": {"loginEndpoint": "", "audiences": []}}


def _take(_: EvalContext, v: Any, n: int) -> Any:
    return v[: max(0, int(n))]


def _skip(_: EvalContext, v: Any, n: int) -> Any:
    return v[max(0, int(n)):]


def _minmax(pick: Callable[..., Any]) -> Callable[..., Any]:
    def fn(_: EvalContext, *args: Any) -> Any:
        vals = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
        return pick(vals)
    return fn


def _create_object(_: EvalContext, *args: Any) -> dict[str, Any]:
    if len(args) % 2:
        raise ExpressionError("The template function 'createObject' expects key and value pairs.")
    return {_str(args[i]): args[i + 1] for i in range(0, len(args), 2)}


def _items(_: EvalContext, obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


def _substring(_: EvalContext, s: str, start: int, length: int | None = None) -> str:
    return s[int(start):] if length is None else s[int(start):int(start) + int(length)]


def _pad_left(_: EvalContext, v: Any, width: int, ch: str = " ") -> str:
    return _str(v).rjust(int(width), ch[:1] or " ")


def _index_of(_: EvalContext, hay: Any, needle: Any) -> int:
    if isinstance(hay, str):
        return hay.lower().find(_str(needle).lower())
    return hay.index(needle) if needle in hay else -1


def _last_index_of(_: EvalContext, hay: Any, needle: Any) -> int:
    if isinstance(hay, str):
        return hay.lower().rfind(_str(needle).lower())
    return len(hay) - 1 - hay[::-1].index(needle) if needle in hay else -1


def _split(_: EvalContext, s: str, sep: Any) -> list[str]:
    seps = sep if isinstance(sep, list) else [sep]
    parts = [s]
    for d in seps:
        parts = [p for chunk in parts for p in chunk.split(d)]
    return parts


def _first(_: EvalContext, v: Any) -> Any:
    return v[0] if v else None


def _last(_: EvalContext, v: Any) -> Any:
    return v[-1] if v else None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "parameters": lambda ctx, n: _lookup(ctx.parameters, n, "parameter"),
    "variables": lambda ctx, n: ctx.variable(n),
    "resourcegroup": _scope_rg, "subscription": _subscription, "deployment": _deployment,
    "environment": _environment,
    "resourceid": _resource_id, "subscriptionresourceid": _subscription_resource_id,
    "tenantresourceid": _tenant_resource_id, "extensionresourceid": _extension_resource_id,
    "reference": _reference, "copyindex": _copy_index,
    "concat": lambda _, *a: ([x for v in a for x in v] if a and all(isinstance(v, list) for v in a)
                             else "".join(_str(v) for v in a)),
    "format": _format, "uniquestring": lambda _, *a: _unique_string(*a), "guid": lambda _, *a: _guid(*a),
    "and": lambda _, *a: all(a), "or": lambda _, *a: any(a), "not": lambda _, a: not a,
    "equals": lambda _, a, b: a == b,
    "less": lambda _, a, b: a < b, "lessorequals": lambda _, a, b: a <= b,
    "greater": lambda _, a, b: a > b, "greaterorequals": lambda _, a, b: a >= b,
    "true": lambda _: True, "false": lambda _: False, "null": lambda _: None,
    "contains": _contains, "length": _length, "empty": _empty, "union": _union,
    "intersection": _intersection, "first": _first, "last": _last, "split": _split,
    "join": lambda _, arr, sep: sep.join(_str(v) for v in arr),
    "replace": lambda _, s, old, new: s.replace(old, new), "tolower": lambda _, s: s.lower(),
    "toupper": lambda _, s: s.upper(), "trim": lambda _, s: s.strip(), "substring": _substring,
    "indexof": _index_of, "lastindexof": _last_index_of,
    "startswith": lambda _, s, p: s.lower().startswith(p.lower()),
    "endswith": lambda _, s, p: s.lower().endswith(p.lower()), "padleft": _pad_left,
    "string": lambda _, v: _str(v), "int": _int, "bool": _bool, "json": _json,
    "array": lambda _, v: v if isinstance(v, list) else [v], "createarray": lambda _, *a: list(a),
    "createobject": _create_object, "range": _range, "take": _take, "skip": _skip,
    "min": _minmax(min), "max": _minmax(max), "add": lambda _, a, b: a + b, "sub": lambda _, a, b: a - b,
    "mul": lambda _, a, b: a * b, "div": lambda _, a, b: int(a / b), "mod": lambda _, a, b: a % b,
    "coalesce": _coalesce,
    "base64": lambda _, s: base64.b64encode(_str(s).encode()).decode(),
    "base64tostring": lambda _, s: base64.b64decode(s).decode(),
    "base64tojson": lambda _, s: json.loads(base64.b64decode(s)),
    "uri": lambda _, base, rel: urllib.parse.urljoin(base, rel),
    "uricomponent": lambda _, s: urllib.parse.quote(_str(s), safe=""),
    "uricomponenttostring": lambda _, s: urllib.parse.unquote(s),
    "datauri": lambda _, s: "data:text/plain;charset=utf8;base64," + base64.b64encode(_str(s).encode()).decode(),
    "utcnow": _utcnow, "newguid": _new_guid, "items": _items,
    "objectkeys": lambda _, o: list(o.keys()),
}


def _lookup(table: dict[str, Any], name: str, what: str) -> Any:
    for k, v in table.items():
        if k.lower() == str(name).lower():
            return v
    raise ExpressionError(f"The template {what} '{name}' is not found. Please see https://aka.ms/arm-syntax-parameters "
                          "for usage details.")
