"""Expanding and running an ARM template: parameters, variables, resources
(nested children, copy loops, conditions, dependsOn and implicit reference()
dependencies, nested inline deployments) and outputs. Pure: resources are
written through the caller's ``ResourceOps``, the same path a direct PUT takes."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .evaluate import EvalContext, build_id, evaluate, property_copy
from .expressions import ExpressionError

BODY_FIELDS = ("location", "tags", "sku", "kind", "zones", "identity", "plan", "extendedLocation", "properties",
               "managedBy")
TYPES = {"string": str, "securestring": str, "int": int, "bool": bool, "object": dict, "secureobject": dict,
         "array": list}


class ResourceOps(Protocol):
    def put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def get(self, resource_id: str, api_version: str | None) -> dict[str, Any]: ...


@dataclass
class Scope:
    subscription_id: str
    tenant_id: str
    resource_group: str | None
    resource_group_location: str | None
    deployment_name: str
    resource_group_id: str | None = None
    resource_group_tags: dict[str, Any] | None = None


class TemplateError(Exception):
    def __init__(self, message: str, code: str = "InvalidTemplate", target: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.target = target


class DeploymentResourceError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass
class PlannedResource:
    key: str                       # unique within the template: the lower-cased resource id
    resource_id: str
    type: str
    name: str
    api_version: str
    raw: dict[str, Any]            # the template resource (unevaluated body fields)
    ctx: EvalContext
    depends_on: set[str] = field(default_factory=set)
    loop: str | None = None
    deployed: dict[str, Any] | None = None


@dataclass
class DeploymentResult:
    provisioning_state: str
    outputs: dict[str, Any]
    output_resources: list[dict[str, str]]
    operations: list[dict[str, Any]]
    error: dict[str, Any] | None = None


class _Defer(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _invalid(message: str) -> TemplateError:
    return TemplateError(f"Deployment template validation failed: '{message}'.")


# -- parsing ------------------------------------------------------------------------------------------

def parse_template_text(text: str) -> dict[str, Any]:
    """Lenient JSON as Azure accepts templates: comments and trailing commas allowed."""
    out: list[str] = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
        elif c == '"':
            in_str = True
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] not in "\r\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif (c.isalpha() or c in "_$") and _last_significant(out) in "{,":
            # a bare key (az deployment sends `template: {...}` unquoted): quote it
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            k = j
            while k < n and text[k] in " \t\r\n":
                k += 1
            if k < n and text[k] == ":":
                out.append(f'"{text[i:j]}"')
            else:
                out.append(text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    cleaned = re.sub(r",(\s*[}\]])", r"\1", "".join(out))
    try:
        value = json.loads(cleaned, strict=False)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"Deployment template parse failed: '{exc}'.", "InvalidTemplate") from None
    if not isinstance(value, dict):
        raise TemplateError("Deployment template parse failed: the template must be a JSON object.")
    return value


def _last_significant(out: list[str]) -> str:
    for chunk in reversed(out):
        stripped = chunk.strip()
        if stripped:
            return stripped[-1]
    return ""


# -- parameters ------------------------------------------------------------------------------------------

def _param_values(template: dict[str, Any], given: dict[str, Any], scope: Scope) -> dict[str, Any]:
    declared = template.get("parameters") or {}
    if not isinstance(declared, dict):
        raise _invalid("The template 'parameters' section must be an object")
    supplied = {}
    for k, v in given.items():
        supplied[k.lower()] = v.get("value") if isinstance(v, dict) and "value" in v else v
        if isinstance(v, dict) and "reference" in v and "value" not in v:
            raise TemplateError(f"The parameter '{k}' references a Key Vault secret; aznet has no Key Vault.",
                                "InvalidTemplate")
    for k in given:
        if not any(k.lower() == d.lower() for d in declared):
            raise _invalid(f"The template parameters '{k}' in the parameters file are not valid; they are not "
                           "present in the original template and can therefore not be provided at deployment time. "
                           f"The only supported parameters for this template are '{', '.join(declared)}'")
    values: dict[str, Any] = {}
    ctx = EvalContext(scope, values, template.get("variables") or {}, allow_utcnow=True)
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        ptype = str(spec.get("type", "string")).lower()
        if name.lower() in supplied:
            value = supplied[name.lower()]
        elif "defaultValue" in spec:
            try:
                value = evaluate(spec["defaultValue"], ctx)
            except ExpressionError as exc:
                raise _invalid(f"The template parameter '{name}' default value is not valid: {exc}") from None
        else:
            raise _invalid(f"The value for the template parameter '{name}' at line '1' and column '1' is not "
                           "provided. Please see https://aka.ms/arm-create-parameter-file for usage details")
        want = TYPES.get(ptype)
        if want is int and isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if want is bool and isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if want is not None and (not isinstance(value, want) or (want is int and isinstance(value, bool))):
            raise _invalid(f"Template parameter '{name}' was provided an invalid value. Expected a value of "
                           f"type '{spec.get('type', 'string')}'")
        allowed = spec.get("allowedValues")
        if isinstance(allowed, list) and value not in allowed and not (
                isinstance(value, list) and all(v in allowed for v in value)):
            raise _invalid(f"The provided value '{value}' for the template parameter '{name}' at line '1' and "
                           "column '1' is not valid. The parameter value is not part of the allowed value(s): "
                           f"'{','.join(str(a) for a in allowed)}'")
        for key, test, what in (("minValue", lambda v, b: v >= b, "less than the minimum"),
                                ("maxValue", lambda v, b: v <= b, "greater than the maximum")):
            if key in spec and isinstance(value, int) and not test(value, spec[key]):
                raise _invalid(f"The provided value '{value}' for the template parameter '{name}' is {what} "
                               f"value '{spec[key]}'")
        for key, test, what in (("minLength", lambda v, b: len(v) >= b, "shorter than the minimum"),
                                ("maxLength", lambda v, b: len(v) <= b, "longer than the maximum")):
            if key in spec and isinstance(value, (str, list)) and not test(value, spec[key]):
                raise _invalid(f"The provided value for the template parameter '{name}' is {what} length "
                               f"'{spec[key]}'")
        values[name] = value
    return values


def parameter_view(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """``properties.parameters`` as ARM returns it: types filled, secure values left out."""
    declared = template.get("parameters") or {}
    supplied = {k.lower(): v for k, v in (parameters or {}).items()}
    out: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        ptype = str(spec.get("type", "string"))
        raw = supplied.get(name.lower())
        value = raw.get("value") if isinstance(raw, dict) and "value" in raw else raw
        if value is None and "defaultValue" in spec and not str(spec["defaultValue"]).startswith("["):
            value = spec["defaultValue"]
        type_name = {"securestring": "SecureString", "secureobject": "SecureObject"}.get(
            ptype.lower(), ptype[:1].upper() + ptype[1:])
        out[name] = {"type": type_name} if ptype.lower().startswith("secure") else {"type": type_name, "value": value}
    return out


# -- expansion -------------------------------------------------------------------------------------------

def _flatten(resources: list[Any], parent: dict[str, Any] | None = None) -> list[tuple[dict[str, Any], Any]]:
    """Nested child resources become top-level entries that depend on their parent."""
    out: list[tuple[dict[str, Any], Any]] = []
    for res in resources:
        if not isinstance(res, dict):
            raise _invalid("Each item of 'resources' must be an object")
        out.append((res, parent))
        if isinstance(res.get("resources"), list):
            out.extend(_flatten(res["resources"], res))
    return out


def _full_type_and_name(res: dict[str, Any], parent_ctx: tuple[str, str] | None, ctx: EvalContext) -> tuple[str, str]:
    rtype = str(evaluate(res.get("type", ""), ctx))
    name = str(evaluate(res.get("name", ""), ctx))
    if parent_ctx is not None and rtype.count("/") == 0:
        rtype = f"{parent_ctx[0]}/{rtype}"
        name = f"{parent_ctx[1]}/{name}"
    elif parent_ctx is not None and not rtype.lower().startswith(parent_ctx[0].lower() + "/") and "/" in rtype \
            and rtype.split("/")[0].lower() != parent_ctx[0].split("/")[0].lower():
        pass
    return rtype, name


def _resource_id(scope: Scope, rtype: str, name: str, res: dict[str, Any], ctx: EvalContext) -> str:
    if rtype.lower() == "microsoft.resources/resourcegroups":
        return f"/subscriptions/{scope.subscription_id}/resourceGroups/{name}"
    rg = scope.resource_group
    if "resourceGroup" in res:
        rg = str(evaluate(res["resourceGroup"], ctx))
    sub = str(evaluate(res["subscriptionId"], ctx)) if "subscriptionId" in res else scope.subscription_id
    try:
        return build_id(sub, rg, rtype, name.split("/"))
    except ExpressionError as exc:
        raise _invalid(f"The template resource '{name}' for type '{rtype}' has incorrect segment lengths. "
                       f"{exc}") from None


def plan(template: dict[str, Any], parameters: dict[str, Any], scope: Scope) -> tuple[list[PlannedResource], EvalContext]:
    if not isinstance(template, dict):
        raise _invalid("The template must be a JSON object")
    values = _param_values(template, parameters or {}, scope)
    variables = template.get("variables") or {}
    if not isinstance(variables, dict):
        raise _invalid("The template 'variables' section must be an object")
    root = EvalContext(scope, values, _expand_variable_copies(variables))
    resources = template.get("resources") or []
    if isinstance(resources, dict):  # languageVersion 2.0 symbolic names
        resources = list(resources.values())
    planned: list[PlannedResource] = []
    by_loop: dict[str, list[str]] = {}
    parents: dict[int, list[tuple[str, str, str]]] = {}
    for res, parent in _flatten(resources):
        copy = res.get("copy") if isinstance(res.get("copy"), dict) else None
        try:
            count = evaluate(copy.get("count", 1), root) if copy else None
        except ExpressionError as exc:
            raise _invalid(f"The template resource copy count is not valid: {exc}") from None
        if copy is not None and (not isinstance(count, int) or count < 0 or count > 800):
            raise _invalid(f"The copy count of '{copy.get('name')}' must be an integer from 0 to 800")
        instances = range(count) if copy is not None else [None]
        parent_instances = parents.get(id(parent), [(None, None, None)]) if parent is not None else [(None, None, None)]
        for pkey, ptype, pname in parent_instances:
            for i in instances:
                ctx = root.with_copy(copy.get("name"), i) if copy is not None and i is not None else root
                try:
                    if "condition" in res and not evaluate(res["condition"], ctx):
                        continue
                    rtype, name = _full_type_and_name(res, (ptype, pname) if ptype else None, ctx)
                    api = str(evaluate(res.get("apiVersion", ""), ctx))
                except ExpressionError as exc:
                    raise _invalid(f"The template resource '{res.get('name')}' is not valid: {exc}") from None
                if not rtype or not name or "/" not in rtype:
                    raise _invalid(f"The template resource '{name}' has an invalid type '{rtype}'")
                rid = _resource_id(scope, rtype, name, res, ctx)
                item = PlannedResource(rid.lower(), rid, rtype, name, api, res, ctx,
                                       loop=copy.get("name") if copy else None)
                if pkey:
                    item.depends_on.add(pkey)
                if any(p.key == item.key for p in planned):
                    raise _invalid(f"The resource '{rid}' is defined multiple times in a template")
                planned.append(item)
                parents.setdefault(id(res), []).append((item.key, rtype, name))
                if copy is not None:
                    by_loop.setdefault(str(copy.get("name")).lower(), []).append(item.key)
    _resolve_depends(planned, by_loop, template, scope, root)
    _check_cycles(planned)
    return planned, root


def _expand_variable_copies(variables: dict[str, Any]) -> dict[str, Any]:
    out = dict(variables)
    loops = out.pop("copy", None)
    if isinstance(loops, list):
        for loop in loops:
            out[loop["name"]] = {"__copy__": loop}
    return out


def _resolve_depends(planned: list[PlannedResource], by_loop: dict[str, list[str]], template: dict[str, Any],
                     scope: Scope, root: EvalContext) -> None:
    by_key = {p.key: p for p in planned}
    by_short: dict[str, list[str]] = {}
    for p in planned:
        by_short.setdefault(p.name.lower(), []).append(p.key)
        by_short.setdefault(f"{p.type}/{p.name}".lower(), []).append(p.key)
    declared_names = _all_declared_names(template, root)
    for p in planned:
        deps = p.raw.get("dependsOn") or []
        if not isinstance(deps, list):
            raise _invalid(f"The 'dependsOn' of resource '{p.name}' must be an array")
        for d in deps:
            try:
                ref = str(evaluate(d, p.ctx))
            except ExpressionError as exc:
                raise _invalid(f"The dependsOn of resource '{p.name}' is not valid: {exc}") from None
            low = ref.lower().rstrip("/")
            if low in by_key:
                p.depends_on.add(low)
            elif low in by_loop:
                p.depends_on.update(by_loop[low])
            elif low in by_short:
                p.depends_on.update(by_short[low])
            elif any(k.endswith("/" + low) or k.endswith(low) for k in by_key):
                p.depends_on.update(k for k in by_key if k.endswith("/" + low) or k.endswith(low))
            elif low in declared_names:
                continue   # a conditional resource that was not deployed: ignored, as Azure does
            else:
                raise _invalid(f"The resource '{ref}' is not defined in the template")
        p.depends_on.discard(p.key)


def _all_declared_names(template: dict[str, Any], root: EvalContext) -> set[str]:
    """Names, ids and loop names of every resource, including conditions evaluated false."""
    names: set[str] = set()
    resources = template.get("resources") or []
    if isinstance(resources, dict):
        resources = list(resources.values())
    for res, _ in _flatten(resources):
        copy = res.get("copy") if isinstance(res.get("copy"), dict) else None
        if copy is not None:
            names.add(str(copy.get("name")).lower())
        try:
            ctx = root.with_copy(copy.get("name"), 0) if copy else root
            name = str(evaluate(res.get("name", ""), ctx)).lower()
            rtype = str(evaluate(res.get("type", ""), ctx)).lower()
            names.update({name, f"{rtype}/{name}"})
            names.add(_resource_id(root.scope, rtype, name, res, ctx).lower())
        except (ExpressionError, TemplateError):
            continue
    return names


def _check_cycles(planned: list[PlannedResource]) -> None:
    state: dict[str, int] = {}
    by_key = {p.key: p for p in planned}

    def visit(key: str) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise _invalid(f"Circular dependency detected on resource: '{by_key[key].resource_id}'")
        state[key] = 1
        for d in by_key[key].depends_on:
            if d in by_key:
                visit(d)
        state[key] = 2
    for p in planned:
        visit(p.key)


def validate(template: dict[str, Any], parameters: dict[str, Any], scope: Scope) -> list[PlannedResource]:
    try:
        planned, root = plan(template, parameters, scope)
        outputs = template.get("outputs") or {}
        if not isinstance(outputs, dict):
            raise _invalid("The template 'outputs' section must be an object")
        for name in list(root.variables_raw):
            if not _uses_runtime(root.variables_raw[name]):
                _variable(root, name)
    except ExpressionError as exc:
        raise _invalid(str(exc)) from None
    return planned


def _uses_runtime(value: Any) -> bool:
    text = json.dumps(value).lower()
    return "reference(" in text or "list" in text


def _variable(root: EvalContext, name: str) -> Any:
    raw = root.variables_raw[name]
    if isinstance(raw, dict) and "__copy__" in raw:
        value = property_copy(raw["__copy__"], root)
        root._vars[name] = value
        return value
    return root.variable(name)


# -- execution -------------------------------------------------------------------------------------------

def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


def execute(template: dict[str, Any], parameters: dict[str, Any], scope: Scope, ops: ResourceOps,
            on_operation: Callable[[dict[str, Any]], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> DeploymentResult:
    planned, root = plan(template, parameters, scope)
    for name in list(root.variables_raw):
        raw = root.variables_raw[name]
        if isinstance(raw, dict) and "__copy__" in raw:
            _variable(root, name)
    by_key = {p.key: p for p in planned}
    by_name: dict[str, list[str]] = {}
    for p in planned:
        by_name.setdefault(p.name.lower(), []).append(p.key)

    def reference(target: str, api_version: str | None, full: bool) -> Any:
        low = target.lower()
        key = low if low in by_key else (by_name.get(low, [None])[0] if len(by_name.get(low, [])) == 1 else None)
        if key is None:
            key = next((k for k in by_key if k.endswith("/" + low)), None)
        if key is not None:
            if by_key[key].deployed is None:
                raise _Defer(key)
            body = by_key[key].deployed
        else:
            try:
                body = ops.get(target, api_version)
            except DeploymentResourceError as exc:
                raise ExpressionError(f"The Resource '{target}' was not found: {exc.message}") from None
        return body if full else (body or {}).get("properties", {})
    for p in planned:
        p.ctx.reference = reference
    root.reference = reference

    operations: list[dict[str, Any]] = []
    failed: dict[str, dict[str, Any]] = {}
    done: set[str] = set()
    pending = [p.key for p in planned]
    while pending:
        if cancelled is not None and cancelled():
            return DeploymentResult("Canceled", {}, [], operations,
                                    {"code": "DeploymentCanceled", "message": "The deployment was canceled."})
        progressed = False
        for key in list(pending):
            p = by_key[key]
            if any(d in failed for d in p.depends_on):
                pending.remove(key)
                failed[key] = {"code": "DependencyFailed", "message": f"A resource '{p.name}' depends on failed."}
                progressed = True
                continue
            if not all(d in done or d not in by_key for d in p.depends_on):
                continue
            start = time.time()
            try:
                body = _body(p)
                if p.type.lower() == "microsoft.resources/deployments":
                    result = _nested(p, body, scope, ops, on_operation, cancelled)
                else:
                    result = ops.put(p.resource_id, p.api_version, body)
            except _Defer as d:
                p.depends_on.add(d.key)
                _check_cycles(planned)
                continue
            except (ExpressionError, TemplateError) as exc:
                result = None
                err = {"code": "InvalidTemplate", "message": str(getattr(exc, "message", exc))}
            except DeploymentResourceError as exc:
                result = None
                err = {"code": exc.code, "message": exc.message}
            pending.remove(key)
            progressed = True
            op = {"operationId": uuid.uuid4().hex.upper()[:16], "provisioningOperation": "Create",
                  "provisioningState": "Succeeded" if result is not None else "Failed",
                  "timestamp": _now(), "duration": f"PT{time.time() - start:.3f}S",
                  "statusCode": "OK" if result is not None else "BadRequest",
                  "targetResource": {"id": p.resource_id, "resourceType": p.type, "resourceName": p.name}}
            if result is None:
                op["statusMessage"] = {"error": err}
                failed[key] = err
            else:
                p.deployed = result
                done.add(key)
            operations.append(op)
            if on_operation is not None:
                on_operation(op)
        if not progressed:
            raise TemplateError("Deployment could not make progress: unresolved dependencies.")
    if failed:
        details = [e for e in failed.values() if e["code"] != "DependencyFailed"] or list(failed.values())
        return DeploymentResult("Failed", {}, [], operations, {
            "code": "DeploymentFailed",
            "message": "At least one resource deployment operation failed. Please list deployment operations "
                       "for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
            "details": details})
    try:
        outputs = _outputs(template, root)
    except ExpressionError as exc:
        return DeploymentResult("Failed", {}, [], operations, {"code": "DeploymentOutputEvaluationFailed",
                                                                "message": str(exc)})
    resources = [{"id": by_key[k].resource_id} for k in by_key if k in done]
    return DeploymentResult("Succeeded", outputs, resources, operations)


def _body(p: PlannedResource) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for f in BODY_FIELDS:
        if f in p.raw:
            body[f] = evaluate(p.raw[f], p.ctx)
    if isinstance(p.raw.get("copy"), dict) or "copy" not in body.get("properties", {}):
        pass
    return body


def _nested(p: PlannedResource, body: dict[str, Any], scope: Scope, ops: ResourceOps,
            on_operation: Any, cancelled: Any) -> dict[str, Any]:
    props = body.get("properties") or {}
    template = props.get("template")
    if not isinstance(template, dict):
        raise TemplateError(f"The nested deployment '{p.name}' must carry an inline 'template' (linked templates "
                            "need a network).")
    params = props.get("parameters") or {}
    rg = p.resource_id.split("/")[4] if "/resourceGroups/" in p.resource_id else scope.resource_group
    inner = Scope(scope.subscription_id, scope.tenant_id, rg, scope.resource_group_location, p.name,
                  None if rg != scope.resource_group else scope.resource_group_id, scope.resource_group_tags)
    if (props.get("expressionEvaluationOptions") or {}).get("scope", "outer").lower() == "outer":
        # outer scope: the nested template sees the parent's parameters and variables
        parent = p.ctx
        template = dict(template)
        template["parameters"] = {k: {"type": "object" if isinstance(v, dict) else "string", "defaultValue": None}
                                  for k, v in parent.parameters.items()} | (template.get("parameters") or {})
        params = {k: {"value": v} for k, v in parent.parameters.items()} | params
        template["variables"] = {k: v for k, v in parent.variables_raw.items()} | (template.get("variables") or {})
    result = execute(template, params, inner, ops, on_operation, cancelled)
    if result.error:
        raise DeploymentResourceError(result.error["code"], result.error["message"])
    return {"id": p.resource_id, "name": p.name, "type": p.type,
            "properties": {"provisioningState": result.provisioning_state, "outputs": result.outputs}}


def _outputs(template: dict[str, Any], root: EvalContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in (template.get("outputs") or {}).items():
        if not isinstance(spec, dict):
            continue
        if "condition" in spec and not evaluate(spec["condition"], root):
            continue
        if isinstance(spec.get("copy"), dict):
            value = property_copy({"name": None, **spec["copy"]}, root)
        else:
            value = evaluate(spec.get("value"), root)
        type_name = str(spec.get("type", "string"))
        out[name] = {"type": type_name[:1].upper() + type_name[1:], "value": value}
    return out
