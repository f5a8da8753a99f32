"""The ARM template engine's public face: validate a template, or execute it
through the caller's ``ResourceOps`` (the same path a direct PUT takes).
Pure: no HTTP, no store.

Nested ``Microsoft.Resources/deployments`` with an inline ``template`` run
in-process (recursively, through the same ``ops``): their resources' operations
are reported through ``on_operation`` like the parent's, followed by one
operation for the nested deployment itself; no deployment record is written
for them. ``templateLink`` (linked templates) is refused: aznet has no network."""

from __future__ import annotations

import http
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypedDict

from . import parameters as params_mod
from .errors import (
    DeploymentResourceError,
    ExpressionError,
    RuntimeValueNeeded,
    TemplateError,
    validation_failed,
)
from .evaluate import OUTPUTS, Ctx, Deployment, copy_loop, evaluate, variable_table
from .jsonc import parse_template_text
from .links import resolve_link
from .template import (
    Plan,
    PlannedResource,
    check_cycles,
    check_shape,
    new_deployment,
    order,
    plan,
    put_body,
    resource_error,
)

DEPLOYMENT_FAILED = ("At least one resource deployment operation failed. Please list deployment operations for "
                     "details. Please see https://aka.ms/arm-deployment-operations for usage details.")

__all__ = ["DeploymentResourceError", "DeploymentResult", "OperationRecord", "PlannedResource", "ResourceOps",
           "Scope", "TemplateError", "execute", "parameter_view", "parse_template_text", "validate"]


class ResourceOps(Protocol):
    def put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create or update; return the resource as GET returns it; raise DeploymentResourceError on failure."""
        ...

    def get(self, resource_id: str, api_version: str | None) -> dict[str, Any]:
        """Read (for reference()); raise DeploymentResourceError when missing."""
        ...

    def action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        """POST {resource_id}/{action} (the list* functions); raise DeploymentResourceError when the type has
        no such action or it fails."""
        ...


@dataclass
class Scope:
    subscription_id: str
    tenant_id: str
    resource_group: str | None            # None for subscription-scope deployments
    resource_group_location: str | None
    deployment_name: str
    resource_group_id: str | None = None
    resource_group_tags: dict[str, Any] | None = None
    deployment_location: str | None = None    # subscription-scope deployments' location (deployment().location)
    environment: dict[str, Any] | None = None  # environment() override
    resource_types: Callable[[], list[Any]] | None = None   # the declared types (registry.ResourceType), for providers()
    template_uri: str | None = None          # where the template came from (templateLink.uri): relativePath base
    fetch_link: Callable[[str], dict[str, Any]] | None = None   # links.fetch with the user's allowed directories


class OperationRecord(TypedDict, total=False):
    """One deployment operation, in ARM's wire names (``properties`` of a deploymentOperation)."""

    operationId: str
    provisioningOperation: str     # "Create"
    provisioningState: str         # "Succeeded" | "Failed"
    statusCode: str                # "OK", or the failure's HTTP status name ("BadRequest", "Conflict", ...)
    targetResource: dict[str, str]  # {"id", "resourceType", "resourceName"}
    timestamp: str
    duration: str
    statusMessage: dict[str, Any]  # on failure: {"status": "Failed", "error": {"code", "message"}}


@dataclass
class DeploymentResult:
    provisioning_state: str                                   # "Succeeded" | "Failed" | "Canceled"
    outputs: dict[str, Any] = field(default_factory=dict)     # name -> {"type": "String", "value": ...}
    output_resources: list[dict[str, str]] = field(default_factory=list)   # [{"id": ...}]
    operations: list[OperationRecord] = field(default_factory=list)
    error: dict[str, Any] | None = None                       # {"code", "message", "details": [...]}
    parameters: dict[str, Any] = field(default_factory=dict)  # properties.parameters view (secure values left out)


class _Defer(RuntimeValueNeeded):
    """reference() to a template resource not deployed yet: run it later."""


class _ReferenceFailed(ExpressionError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _runtime_needed(target: str, api_version: str | None, full: bool) -> Any:
    raise RuntimeValueNeeded(f"The value of reference('{target}') is known only while deploying.")


def _list_runtime_needed(fname: str, target: str, api_version: str | None, body: Any) -> Any:
    raise RuntimeValueNeeded(f"The value of {fname}('{target}') is known only while deploying.")


def _copy_members(p: Plan, name: str) -> list[str]:
    """references(): the resource ids of a resource copy loop, in index order."""
    low = name.lower()
    members = sorted((r for r in p.resources if r.loop is not None and r.loop.lower() == low),
                     key=lambda r: r.index or 0)
    if not members:
        raise ExpressionError(f"The template function 'references' names '{name}', which is not a resource copy "
                              "loop of this template.")
    return [r.resource_id for r in members]


# -- validation ----------------------------------------------------------------------------------------

def _prepare(template: dict[str, Any], parameters: dict[str, Any] | None, scope: Any,
             d: Deployment | None = None, target: tuple[str | None, str | None | bool] = (None, False)) -> Plan:
    check_shape(template)
    if d is None:
        d = new_deployment(template, scope)
        params_mod.resolve(template, parameters, d)
    outputs = template.get("outputs")
    if outputs is not None and not isinstance(outputs, dict):
        raise validation_failed("The template 'outputs' section must be a JSON object")
    p = plan(template, d, target[0], target[1])
    for item in p.resources:
        if item.is_deployment:
            props = item.template_resource.get("properties") or {}
            if isinstance(props, dict) and props.get("templateLink") is not None:
                if props.get("template") is not None:
                    raise resource_error(item.name, "A nested deployment takes either 'template' or "
                                         "'templateLink', not both")
                if getattr(scope, "fetch_link", None) is None:
                    raise resource_error(item.name, "Linked templates ('templateLink') cannot be fetched here; "
                                         "put the template inline as 'template'")
                continue
            if not isinstance(props, dict) or not isinstance(props.get("template"), (dict, str)):
                raise resource_error(item.name, "A nested deployment needs an inline 'template' or a "
                                     "'templateLink'")
    return p


def validate(template: dict[str, Any], parameters: dict[str, Any] | None, scope: Scope) -> list[PlannedResource]:
    """Static checks and expansion without calling ops: the resources in deployment order, each with its
    evaluated ``put_body`` (None where reference() values are needed). Raises TemplateError (InvalidTemplate)."""
    p = _prepare(template, parameters, scope)
    d = p.root.d
    d.reference = _runtime_needed
    d.list_action = _list_runtime_needed
    d.copy_members = lambda name: _copy_members(p, name)
    for item in p.resources:
        try:
            item.put_body = put_body(item)
        except RuntimeValueNeeded:
            item.put_body = None
        except ExpressionError as exc:
            raise resource_error(item.name, exc.message) from None
    for name, spec in (template.get("outputs") or {}).items():
        try:
            _output(spec, p.root.at(OUTPUTS))
        except RuntimeValueNeeded:
            continue
        except ExpressionError as exc:
            raise validation_failed(f"The template output '{name}' is not valid: "
                                    f"{exc.message}. Please see https://aka.ms/arm-functions for usage "
                                    "details") from None
    return order(p)


def parameter_view(template: dict[str, Any], parameters: dict[str, Any] | None,
                   scope: Scope | None = None) -> dict[str, Any]:
    """``properties.parameters`` as ARM returns it: every declared parameter with its type ("String", "Int",
    "SecureString", ...) and value (defaults evaluated when possible); secure values are left out."""
    try:
        d = Deployment(scope)
        values = params_mod.resolve(template, parameters, d)
    except (TemplateError, ExpressionError, AttributeError, TypeError):
        values = {}
        declared = template.get("parameters") if isinstance(template.get("parameters"), dict) else {}
        supplied = params_mod.supplied_values({k: v for k, v in (parameters or {}).items()
                                               if not (isinstance(v, dict) and "reference" in v)})
        for name, spec in declared.items():
            if name.lower() in supplied:
                values[name.lower()] = supplied[name.lower()]
            elif isinstance(spec, dict) and "defaultValue" in spec and "[" not in str(spec["defaultValue"]):
                values[name.lower()] = spec["defaultValue"]
    try:
        return params_mod.view(template, values)
    except TemplateError:
        return {}


# -- execution -------------------------------------------------------------------------------------------

def execute(template: dict[str, Any], parameters: dict[str, Any] | None, scope: Scope, ops: ResourceOps,
            on_operation: Callable[[OperationRecord], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> DeploymentResult:
    """Deploy the template's resources in dependency order through ``ops``; never raises for template or
    resource errors (they come back as a Failed result)."""
    try:
        if isinstance(template, str):
            template = parse_template_text(template)
        p = _prepare(template, parameters, scope)
    except TemplateError as exc:
        return DeploymentResult("Failed", error=exc.to_error())
    run = _Run(template, p, ops, on_operation, cancelled, base_uri=getattr(scope, "template_uri", None))
    result = run.go()
    result.parameters = params_mod.view(template, p.root.d.parameters)
    return result


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


def _status_name(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return str(status)


class _Run:
    def __init__(self, template: dict[str, Any], p: Plan, ops: ResourceOps,
                 on_operation: Callable[[OperationRecord], None] | None, cancelled: Callable[[], bool] | None,
                 fallback: Callable[[str, str | None, bool], Any] | None = None,
                 base_uri: str | None = None) -> None:
        self.template = template
        self.base_uri = base_uri
        self.p = p
        self.ops = ops
        self.on_operation = on_operation
        self.cancelled = cancelled
        self.fallback = fallback
        self.deployed: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, dict[str, Any]] = {}
        self.blocked: set[str] = set()
        self.operations: list[OperationRecord] = []
        self.output_resources: list[dict[str, str]] = []
        p.root.d.reference = self.reference
        p.root.d.list_action = self.list_action
        p.root.d.copy_members = lambda name: _copy_members(self.p, name)

    # reference(): a template resource once deployed, or any resource through ops.get
    def reference(self, target: str, api_version: str | None, full: bool) -> Any:
        keys = self.p.resolve(target)
        if keys:
            if len(keys) > 1:
                raise ExpressionError(f"The template reference '{target}' is ambiguous: it names "
                                      f"{len(keys)} resources. Use the resource id.")
            key = keys[0]
            self._wait_for(key, f"referenced by '{target}'", f"reference('{target}')")
            body = self._current(key, api_version)
        elif target.strip().rstrip("/").lower() in self.p.skipped:
            raise ExpressionError(f"The template resource '{target}' is not deployed: its condition is false.")
        elif self.fallback is not None and not target.startswith("/"):
            return self.fallback(target, api_version, full)
        elif target.startswith("/"):
            try:
                body = self.ops.get(target, api_version)
            except DeploymentResourceError as exc:
                raise _ReferenceFailed(exc.code, exc.message) from None
        else:
            raise ExpressionError(f"The template reference '{target}' is not valid: could not find template "
                                  "resource or resource copy with this name. Please see "
                                  "https://aka.ms/arm-function-reference for usage details.")
        if full:
            return body
        return body.get("properties", {}) if isinstance(body, dict) else body

    def _wait_for(self, key: str, use: str, call: str) -> None:
        """A template resource an expression needs: deployed, or the expression waits for it (``_Defer``);
        one that failed (or cannot deploy) fails the expression (``use`` and ``call`` name it)."""
        if key in self.deployed:
            return
        if key in self.failed or key in self.blocked:
            raise ExpressionError(f"The resource '{self.p.by_key[key].resource_id}' {use} failed to deploy.")
        raise _Defer(f"{call} waits for its deployment", key)

    def _current(self, key: str, api_version: str | None) -> dict[str, Any]:
        """A deployed template resource as it is now: Azure evaluates reference() when the expression is
        evaluated (outputs: after every resource is deployed) with a GET, so read-only state another resource
        filled in later (a hub's virtualRouterIps once its ipConfiguration exists) is there. An inline nested
        deployment has no record to read: its result is what it produced."""
        item = self.p.by_key[key]
        if item.is_deployment:
            return self.deployed[key]
        try:
            return self.ops.get(item.resource_id, api_version or item.api_version)
        except DeploymentResourceError as exc:
            raise _ReferenceFailed(exc.code, exc.message) from None

    # list*(): the type's action of that name, on a template resource once deployed, or on any resource id
    def list_action(self, fname: str, target: str, api_version: str | None, body: Any) -> Any:
        keys = self.p.resolve(target)
        if keys:
            key = keys[0]
            self._wait_for(key, f"used by '{fname}'", f"{fname}('{target}')")
            rid = self.p.by_key[key].resource_id
        elif target.startswith("/"):
            rid = target
        else:
            raise ExpressionError(f"The template function '{fname}' names '{target}', which is neither a resource "
                                  "of this template nor a resource id.")
        try:
            return self.ops.action(rid, fname, api_version, body)
        except DeploymentResourceError as exc:
            raise _ReferenceFailed(exc.code, exc.message) from None

    def go(self) -> DeploymentResult:
        pending = order(self.p)
        while pending:
            progressed = False
            still: list[PlannedResource] = []
            for item in pending:
                if self.cancelled is not None and self.cancelled():
                    return self._result("Canceled")
                deps = [d for d in item.depends_on if d in self.p.by_key]
                if any(d in self.failed or d in self.blocked for d in deps):
                    self.blocked.add(item.key)
                    progressed = True
                    continue
                if not all(d in self.deployed for d in deps):
                    still.append(item)
                    continue
                try:
                    self._deploy(item)
                except _Defer as exc:
                    if exc.key:
                        item.depends_on.add(exc.key)
                    try:
                        check_cycles(self.p)
                    except TemplateError as cyc:
                        self._fail(item, time.time(), cyc.code, cyc.message)
                        progressed = True
                        continue
                    still.append(item)
                    continue
                progressed = True
            if not progressed:
                for item in still:
                    self._fail(item, time.time(), "InvalidTemplate",
                               f"The resource '{item.resource_id}' waits on resources that cannot be deployed.")
                break
            pending = still
        if self.failed:
            details = list(self.failed.values())
            return self._result("Failed", {"code": "DeploymentFailed", "message": DEPLOYMENT_FAILED,
                                           "details": details})
        try:
            outputs = self._outputs()
        except _OutputFailed as exc:
            return self._result("Failed", {
                "code": "DeploymentOutputEvaluationFailed",
                "message": f"Unable to evaluate template outputs: '{exc.name}'. Please see error details and "
                           "deployment operations. Please see https://aka.ms/arm-common-errors for usage details.",
                "details": [{"code": "DeploymentOutputEvaluationFailed", "target": exc.name,
                             "message": f"The template output '{exc.name}' is not valid: {exc.message}."}]})
        return self._result("Succeeded", outputs=outputs)

    def _result(self, state: str, error: dict[str, Any] | None = None,
                outputs: dict[str, Any] | None = None) -> DeploymentResult:
        return DeploymentResult(state, outputs or {}, list(self.output_resources), list(self.operations), error)

    def _deploy(self, item: PlannedResource) -> None:
        start = time.time()
        try:
            body = put_body(item)
        except _Defer:
            raise
        except _ReferenceFailed as exc:
            self._fail(item, start, exc.code, exc.message)
            return
        except ExpressionError as exc:
            self._fail(item, start, "InvalidTemplate", resource_error(item.name, exc.message).message)
            return
        item.put_body = body
        try:
            if item.is_deployment:
                result = self._nested(item, body)
            else:
                result = self.ops.put(item.resource_id, item.api_version, body)
        except _NestedFailed as exc:
            self._fail(item, start, exc.error["code"], exc.error["message"], exc.error.get("details"), 400)
            return
        except DeploymentResourceError as exc:
            self._fail(item, start, exc.code, exc.message, exc.details, status=exc.status)
            return
        except TemplateError as exc:
            self._fail(item, start, exc.code, exc.message)
            return
        self.deployed[item.key] = result if isinstance(result, dict) else {}
        if not item.is_deployment:
            self.output_resources.append({"id": item.resource_id})
        self._record(item, start, "Succeeded", "OK")

    def _fail(self, item: PlannedResource, start: float, code: str, message: str,
              details: list[Any] | None = None, status: int = 400) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if details:
            error["details"] = details
        self.failed[item.key] = {**error, "target": item.resource_id}
        self._record(item, start, "Failed", _status_name(status), {"status": "Failed", "error": error})

    def _record(self, item: PlannedResource, start: float, state: str, status: str,
                message: dict[str, Any] | None = None) -> None:
        op: OperationRecord = {
            "operationId": uuid.uuid4().hex[:16].upper(), "provisioningOperation": "Create",
            "provisioningState": state, "statusCode": status, "timestamp": _now(),
            "duration": f"PT{max(time.time() - start, 0):.3f}S",
            "targetResource": {"id": item.resource_id, "resourceType": item.type, "resourceName": item.name}}
        if message is not None:
            op["statusMessage"] = message
        self._emit(op)

    def _emit(self, op: OperationRecord) -> None:
        self.operations.append(op)
        if self.on_operation is not None:
            self.on_operation(op)

    def _nested(self, item: PlannedResource, body: dict[str, Any]) -> dict[str, Any]:
        props = body.get("properties") or {}
        template = props.get("template")
        params = props.get("parameters") or {}
        base_uri = self.base_uri
        linked = template is None and props.get("templateLink") is not None
        try:
            if linked:
                fetch = getattr(self.p.root.d.scope, "fetch_link", None)
                if fetch is None:
                    raise TemplateError("Linked templates cannot be fetched here.", "InvalidContentLink")
                base_uri = resolve_link(props["templateLink"], self.base_uri)
                template = fetch(base_uri)
            if props.get("parametersLink") is not None and not props.get("parameters"):
                fetch = getattr(self.p.root.d.scope, "fetch_link", None)
                if fetch is None:
                    raise TemplateError("Linked parameters cannot be fetched here.", "InvalidContentLink")
                linked = fetch(resolve_link(props["parametersLink"], self.base_uri))
                params = linked.get("parameters", linked)
            if isinstance(template, str):
                template = parse_template_text(template)
        except TemplateError as exc:
            raise _NestedFailed(exc.to_error()) from None
        segs = item.resource_id.split("/")
        sub = segs[2]
        rg = segs[4] if len(segs) > 4 and segs[3].lower() == "resourcegroups" else None
        outer = self.p.root.d
        # a linked template is always its own scope; an inline one only with expressionEvaluationOptions 'inner'
        inner_scope = linked or str(
            (props.get("expressionEvaluationOptions") or {}).get("scope", "outer")).lower() == "inner"
        try:
            if inner_scope:
                scope = self._nested_scope(sub, rg, item.short_name, base_uri if linked else None)
                p = _prepare(template, params, scope)
                fallback = None
            else:
                if template.get("parameters"):
                    raise validation_failed("A nested template evaluated in the outer scope cannot declare "
                                            "parameters; use expressionEvaluationOptions scope 'inner'")
                d = replace(outer, template=template, reference=None,
                            variables={**outer.variables, **variable_table(template.get("variables") or {})})
                p = _prepare(template, None, outer.scope, d, (sub, rg))
                fallback = self.reference
        except TemplateError as exc:
            raise _NestedFailed(exc.to_error()) from None
        run = _Run(template, p, self.ops, self._emit, self.cancelled, fallback, base_uri)
        result = run.go()
        self.output_resources.extend(run.output_resources)
        if result.provisioning_state != "Succeeded":
            raise _NestedFailed(result.error or {"code": "DeploymentCanceled",
                                                 "message": "The nested deployment was canceled."})
        return {"id": item.resource_id, "name": item.short_name, "type": item.type,
                "properties": {"provisioningState": "Succeeded", "mode": props.get("mode", "Incremental"),
                               "outputs": result.outputs, "outputResources": result.output_resources,
                               "timestamp": _now()}}

    def _nested_scope(self, sub: str, rg: str | None, name: str, template_uri: str | None = None) -> Scope:
        outer = self.p.root.d.scope
        inner = self._nested_place(sub, rg, name)
        return replace(inner, environment=getattr(outer, "environment", None),
                       resource_types=getattr(outer, "resource_types", None),
                       fetch_link=getattr(outer, "fetch_link", None), template_uri=template_uri)

    def _nested_place(self, sub: str, rg: str | None, name: str) -> Scope:
        outer = self.p.root.d.scope
        if rg is None:
            return Scope(sub, outer.tenant_id, None, None, name,
                         deployment_location=getattr(outer, "deployment_location", None))
        if outer.resource_group and rg.lower() == outer.resource_group.lower() and sub == outer.subscription_id:
            return Scope(sub, outer.tenant_id, outer.resource_group, outer.resource_group_location, name,
                         outer.resource_group_id, outer.resource_group_tags)
        rg_id = f"/subscriptions/{sub}/resourceGroups/{rg}"
        known = self.deployed.get(rg_id.lower())
        if known is None:
            try:
                known = self.ops.get(rg_id, None)
            except DeploymentResourceError:
                known = {}
        return Scope(sub, outer.tenant_id, known.get("name", rg), known.get("location"), name, rg_id,
                     known.get("tags"))

    def _outputs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        ctx = self.p.root.at(OUTPUTS)
        for name, spec in (self.template.get("outputs") or {}).items():
            try:
                entry = _output(spec, ctx)
            except ExpressionError as exc:
                raise _OutputFailed(name, exc.message) from None
            if entry is not None:
                out[name] = entry
        return out


class _NestedFailed(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.error = error


class _OutputFailed(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _output(spec: Any, ctx: Ctx) -> dict[str, Any] | None:
    """One output as ARM returns it, or None when its condition is false."""
    if not isinstance(spec, dict):
        raise ExpressionError("An output must be a JSON object with a 'type' and a 'value'")
    if "condition" in spec:
        cond = evaluate(spec["condition"], ctx)
        if not isinstance(cond, bool):
            raise ExpressionError(f"The output condition must evaluate to a boolean, not '{cond}'")
        if not cond:
            return None
    ptype = str(spec.get("type", "string")).lower()
    if isinstance(spec.get("copy"), dict):
        value = copy_loop(spec["copy"], ctx, None, unnamed=True)
    else:
        value = evaluate(spec.get("value"), ctx)
    display = params_mod.DISPLAY.get(ptype, str(spec.get("type", "String")))
    if ptype in params_mod.SECURE:
        return {"type": display}
    return {"type": display, "value": value}

