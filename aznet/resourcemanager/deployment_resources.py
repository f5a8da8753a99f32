"""Template deployments (Microsoft.Resources/deployments) at resource-group
and subscription scope: validate, create/update, get, list, operations,
outputs, cancel, exportTemplate, delete.

The template engine (aznet.deployments) runs in a worker thread; every
resource it deploys is marshalled back to the event loop and written through
the same ``crud.put_resource`` a direct PUT uses, one transaction each (as in
Azure, resources deployed before a failure stay)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
import uuid
from typing import Any

from ..arm import crud, jsonio
from ..arm.context import Ctx
from ..arm.errors import ArmError, resource_group_not_found
from ..arm.http import Request, Response, page
from ..arm.ids import normalize, parse_resource_id
from ..arm.platform import Platform
from ..arm.router import ROUTES
from ..arm.versions import RESOURCES, check_api_version
from .deployment_workers import is_active, live_worker, start_worker
from .groups import create_group

DEPLOYMENT_TYPE = "Microsoft.Resources/deployments"
# Each deployment operation is a record of its own (a child of the deployment), so recording one costs the
# same whether it is the first or the 3,000th.
OPERATION_TYPE = "Microsoft.Resources/deployments/operations"
RUNNING = ("Accepted", "Running")


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def _scope(req: Request) -> tuple[str, str | None]:
    return req.params["sub"], req.params.get("rg")


def _deployment_id(sub: str, rg: str | None, name: str) -> str:
    base = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
    return f"{base}/providers/{DEPLOYMENT_TYPE}/{name}"


def _engine() -> Any:
    from ..deployments import engine

    return engine


def _template_error(exc: Any) -> ArmError:
    code = getattr(exc, "code", "InvalidTemplate")
    message = getattr(exc, "message", str(exc))
    return ArmError(400, code, message, target=getattr(exc, "target", None))


def _parse_request(p: Platform, req: Request, rg: str | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    body = _deployment_members(_lenient_json(req), req)
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise ArmError(400, "InvalidRequestContent",
                       "The request content was invalid and could not be deserialized: 'properties' is required.")
    props = body["properties"]
    template = props.get("template")
    for member, type_name in (("template", "Azure.Deployments.Core.Definitions.Schema.Template"),
                              ("parameters", "System.Collections.Generic.Dictionary`2[System.String,"
                                             "Azure.Deployments.Core.Definitions.DeploymentParameterDefinition]")):
        value = props.get(member)
        if value is not None and not isinstance(value, dict):
            shown = json.dumps(value)[1:-1] if isinstance(value, str) else json.dumps(value)
            if len(shown) > 200:
                shown = shown[:200] + "..."
            raise ArmError(400, "InvalidRequestContent",
                           f"The request content was invalid and could not be deserialized: 'Error converting value "
                           f"\"{shown}\" to type '{type_name}'. Path 'properties.{member}'.'.")
    if props.get("templateLink") is not None:
        if template is not None:
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid: 'properties.template' "
                           "and 'properties.templateLink' cannot both be set.")
        template = _fetch_link(p, props["templateLink"])
    if props.get("parametersLink") is not None:
        if props.get("parameters"):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid: "
                           "'properties.parameters' and 'properties.parametersLink' cannot both be set.")
        linked = _fetch_link(p, props["parametersLink"])
        props["parameters"] = linked.get("parameters", linked)
    if not isinstance(template, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                       "deserialized: 'properties.template' or 'properties.templateLink' is required.")
    mode = props.get("mode", "Incremental")
    mode = {"incremental": "Incremental", "complete": "Complete"}.get(str(mode).lower(), mode)  # ARM ignores case
    if mode in ("Incremental", "Complete"):
        props["mode"] = mode
    if mode not in ("Incremental", "Complete"):
        raise ArmError(400, "InvalidRequestContent",
                       f"The deployment mode '{mode}' is not valid. Allowed values are 'Incremental' and 'Complete'.")
    params = props.get("parameters") or {}
    if not isinstance(params, dict):
        raise ArmError(400, "InvalidRequestContent", "'properties.parameters' must be a JSON object.")
    if rg is None and not body.get("location"):
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    return body, template, params


def _fetch_link(p: Platform, link: Any) -> dict[str, Any]:
    from ..deployments import links

    try:
        return links.fetch(links.resolve_link(link, None), p.settings.template_dirs)
    except _engine().TemplateError as exc:
        raise _template_error(exc) from None


def _link_uri(props: dict[str, Any]) -> str | None:
    link = props.get("templateLink")
    return link.get("uri") if isinstance(link, dict) and isinstance(link.get("uri"), str) else None


def _lenient_json(req: Request) -> Any:
    """The body as az deployment sends it: JSON that may carry the template's comments. The strict
    reader's limits still hold (depth, NaN/Infinity, huge integers, lone surrogates)."""
    try:
        return req.json()
    except ArmError as strict:
        engine = _engine()
        try:
            value = engine.parse_template_text(req.body.decode("utf-8-sig", "replace"))
        except engine.TemplateError as exc:
            raise ArmError(400, "InvalidRequestContent",
                           f"The request content was invalid and could not be deserialized: '{exc.message}'.") from None
        except (RecursionError, ValueError):
            raise strict from None
        if jsonio.storable_problem(value, jsonio.MAX_DEPTH) is not None:
            raise strict from None
        return value


# Members of ARM's deployment request ("DeploymentContent"): ARM answers an unknown one with
# InvalidRequestContent "... Could not find member 'template' on object of type 'DeploymentContent'.
# Path 'template', line 1, position 12." (seen in ansible-collections/azure#1134); names match
# case-insensitively, as Json.NET matches them.
DEPLOYMENT_MEMBERS = {"location": "location", "properties": "properties", "tags": "tags", "identity": "identity"}


def _deployment_members(body: Any, req: Request) -> Any:
    if not isinstance(body, dict):
        return body
    out: dict[str, Any] = {}
    for key, value in body.items():
        wire = DEPLOYMENT_MEMBERS.get(key.lower())
        if wire is None:
            text = req.body.decode("utf-8-sig", "replace")
            pos = jsonio.member_position(text, (key,))
            where = f", line {pos[0]}, position {pos[1]}" if pos else ""
            raise ArmError(400, "InvalidRequestContent",
                           "The request content was invalid and could not be deserialized: 'Could not find member "
                           f"'{key}' on object of type 'DeploymentContent'. Path '{jsonio.join_path('', key)}'"
                           f"{where}.'.")
        out[wire] = value
    return out


def _scope_obj(ctx: Ctx, sub: str, rg: str | None, name: str) -> Any:
    engine = _engine()
    rg_rec = ctx.txn.get(normalize(f"/subscriptions/{sub}/resourceGroups/{rg}")) if rg else None
    if rg is not None and rg_rec is None:
        raise resource_group_not_found(rg)
    return engine.Scope(
        subscription_id=sub, tenant_id=ctx.platform.tenants.owner(sub) or ctx.platform.settings.tenant,
        resource_group=rg_rec.body["name"] if rg_rec else None,
        resource_group_location=rg_rec.body["location"] if rg_rec else None, deployment_name=name,
        resource_group_id=rg_rec.id if rg_rec else None,
        resource_group_tags=rg_rec.body.get("tags") if rg_rec else None,
        resource_types=ctx.platform.registry.types,
        fetch_link=lambda uri: _links().fetch(uri, ctx.platform.settings.template_dirs),
    )


def _links() -> Any:
    from ..deployments import links

    return links


def _is_extension(resource_id: str) -> bool:
    """An id with a second provider segment: an extension resource on another resource or scope."""
    return resource_id.lower().count("/providers/") > 1 or (
        resource_id.lower().count("/providers/") == 1 and "/providers/microsoft.authorization/locks/" in
        resource_id.lower())


class StoreOps:
    """``ResourceOps`` for the engine: runs in the worker thread, hops onto the loop for each write."""

    def __init__(self, platform: Platform, loop: asyncio.AbstractEventLoop, sub: str) -> None:
        self.platform = platform
        self.loop = loop
        self.sub = sub

    def _on_loop(self, fn: Any) -> Any:
        async def run() -> Any:
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result()

    def put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._on_loop(lambda: self._put(resource_id, api_version, body))

    def _put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        engine = _engine()
        if _is_extension(resource_id):
            return self._routed("PUT", resource_id, api_version, body)
        ctx = Ctx(self.platform, self.platform.store.transaction(), self.sub, api_version)
        try:
            segs = [s for s in resource_id.split("/") if s]
            self._reach(segs, resource_id, "write", True)
            if len(segs) == 4 and segs[2].lower() == "resourcegroups":
                _, result = create_group(ctx, segs[1], segs[3], body)
            else:
                rid = parse_resource_id(resource_id)
                if rid is not None and not rid.is_collection:
                    rt = crud.resolve_type(ctx, rid)
                    check_api_version(api_version, rt.api_versions, "/".join(rid.types),
                                      body.get("location") if isinstance(body.get("location"), str) else None)
                _, result = crud.put_resource(ctx, resource_id, body)
            self.platform.commit(ctx)
            return result
        except ArmError as exc:
            raise engine.DeploymentResourceError(exc.code, exc.message, exc.status, exc.details) from None

    def _routed(self, method: str, resource_id: str, api_version: str | None, body: Any = None) -> Any:
        """An extension resource (``{resource}/providers/Microsoft.Authorization/locks/x``, diagnostic
        settings, ...) through the route a client's request reaches, so its rules and effects are the same."""
        from ..arm.ids import split_path
        from ..arm.jsonio import dumps

        segs = split_path(resource_id)
        route, params, _ = self.platform.routes.find(method, segs)
        if route is None:
            raise _engine().DeploymentResourceError(
                "InvalidResourceType", f"The extension resource '{resource_id}' is not supported.", 400)
        req = Request(method, "/" + "/".join(segs), {"api-version": api_version or ""}, {},
                      dumps(body).encode() if body is not None else b"")
        req.params = params
        try:
            resp = route.handler(self.platform, req)
        except ArmError as exc:
            raise _engine().DeploymentResourceError(exc.code, exc.message, exc.status) from None
        return resp.body if isinstance(resp.body, dict) else {}

    def get(self, resource_id: str, api_version: str | None) -> dict[str, Any]:
        if _is_extension(resource_id):
            return self._on_loop(lambda: self._routed("GET", resource_id, api_version))

        def read() -> dict[str, Any]:
            ctx = Ctx(self.platform, self.platform.store.transaction(), self.sub, api_version)
            try:
                segs = [s for s in resource_id.split("/") if s]
                self._reach(segs, resource_id, "read", False)
                if len(segs) == 4 and segs[2].lower() == "resourcegroups":
                    rec = ctx.txn.get(normalize(resource_id))
                    if rec is None:
                        raise resource_group_not_found(segs[3])
                    return crud.copy_json(rec.body)
                return crud.get_resource(ctx, resource_id)
            except ArmError as exc:
                raise _engine().DeploymentResourceError(exc.code, exc.message, exc.status, exc.details) from None
        return self._on_loop(read)


    def _reach(self, segs: list[str], resource_id: str, verb: str, write: bool) -> None:
        """A template may reach another subscription of its own tenant, never another tenant's."""
        if len(segs) < 2 or segs[0].lower() != "subscriptions":
            return
        low = [s.lower() for s in segs]
        if "providers" in low:
            at = len(low) - 1 - low[::-1].index("providers")
            rtype = "/".join([segs[at + 1], *segs[at + 2::2]]) if at + 1 < len(segs) else "Microsoft.Resources"
        else:
            rtype = "Microsoft.Resources/subscriptions/resourceGroups"
        self.platform.tenants.check_reach(self.sub, segs[1], f"{rtype}/{verb}", resource_id, write)

    def action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        return self._on_loop(lambda: self._action(resource_id, action, api_version, body))

    def _action(self, resource_id: str, name: str, api_version: str | None, payload: Any) -> Any:
        """A list* function: the POST action of that name, through the same handler a direct POST reaches."""
        ctx = Ctx(self.platform, self.platform.store.transaction(), self.sub, api_version)
        try:
            rid = parse_resource_id(resource_id)
            if rid is None or rid.is_collection:
                raise ArmError(400, "InvalidResourceId", f"The resource id '{resource_id}' is not valid.")
            self._reach([s for s in resource_id.split("/") if s], resource_id, "action", True)
            rt = crud.resolve_type(ctx, rid)
            handler = rt.action(name, "POST")
            if handler is None:
                raise ArmError(404, "NotFound", f"The action '{name}' is not supported on '{rt.type}'.")
            check_api_version(api_version, handler.api_versions or rt.api_versions, "/".join(rid.types))
            body = crud.get_resource(ctx, resource_id)
            _, result = handler.handler(ctx, body, payload)
            self.platform.commit(ctx)
            return result
        except ArmError as exc:
            raise _engine().DeploymentResourceError(exc.code, exc.message, exc.status, exc.details) from None


def _write(p: Platform, rid: str, fn: Any) -> None:
    """Update a deployment record's body on the loop thread."""
    ctx = Ctx(p, p.store.transaction(), rid.split("/")[2])
    rec = ctx.txn.get(normalize(rid))
    if rec is None:
        return
    body = crud.copy_json(rec.body)
    fn(body)
    ctx.txn.put(rec.id, rec.type, rec.parent, rec.scope, body)
    p.commit(ctx)


def _write_operation(p: Platform, rid: str, op: dict[str, Any], seq: int) -> None:
    """One operation record, scoped under its deployment (so deleting the group or the deployment removes it).
    The operation is kept under the private key: its targetResource id is not a reference that could keep a
    resource from being deleted."""
    ctx = Ctx(p, p.store.transaction(), rid.split("/")[2])
    dep = ctx.txn.get(normalize(rid))
    if dep is None:      # deleted meanwhile
        return
    ctx.txn.put(op["id"], OPERATION_TYPE, None, dep.key, {"id": op["id"], crud.PRIVATE: {"seq": seq, "op": op}})
    p.commit(ctx)


def _operation_records(ctx: Ctx, key: str) -> list[Any]:
    return [r for r in ctx.txn.in_scope(key, OPERATION_TYPE) if r.scope == key]


def _operations(ctx: Ctx, rec: Any) -> list[dict[str, Any]]:
    """A deployment's operations in the order they happened (records written before operations were kept
    apart still carry them inline)."""
    legacy = rec.body.get(crud.PRIVATE, {}).get("operations", [])
    kept = sorted(_operation_records(ctx, rec.key), key=lambda r: r.body[crud.PRIVATE]["seq"])
    return list(legacy) + [crud.copy_json(r.body[crud.PRIVATE]["op"]) for r in kept]


def _drop_operations(ctx: Ctx, key: str) -> None:
    for r in _operation_records(ctx, key):
        ctx.txn.delete(r.key)


def _op_record(rid: str, op: Any) -> dict[str, Any]:
    data = op if isinstance(op, dict) else getattr(op, "__dict__", {})
    data = {k: v for k, v in data.items()}
    op_id = str(data.get("operation_id") or data.get("operationId") or uuid.uuid4().hex.upper()[:16])
    props = {
        "provisioningOperation": data.get("provisioning_operation", data.get("provisioningOperation", "Create")),
        "provisioningState": data.get("provisioning_state", data.get("provisioningState", "Succeeded")),
        "timestamp": data.get("timestamp") or _iso(time.time()),
        "duration": data.get("duration", "PT0S"),
        "trackingId": str(uuid.uuid4()),
        "statusCode": data.get("status_code", data.get("statusCode", "OK")),
        "targetResource": data.get("target_resource", data.get("targetResource")),
    }
    message = data.get("status_message", data.get("statusMessage"))
    if message is not None:
        props["statusMessage"] = message
    return {"id": f"{rid}/operations/{op_id}", "operationId": op_id, "properties": props}


def _run(p: Platform, loop: asyncio.AbstractEventLoop, rid: str, sub: str, template: dict[str, Any],
         params: dict[str, Any], scope: Any, cancel: threading.Event) -> None:
    start = time.time()
    ops = StoreOps(p, loop, sub)

    seq = [0]

    def on_operation(op: Any) -> None:
        seq[0] += 1
        rec = _op_record(rid, op)
        asyncio.run_coroutine_threadsafe(_async(lambda: _write_operation(p, rid, rec, seq[0])), loop).result()

    try:
        result = _engine().execute(template, params, scope, ops, on_operation=on_operation, cancelled=cancel.is_set)
        state = result.provisioning_state
        outputs, out_res, error = result.outputs, result.output_resources, result.error
    except Exception as exc:  # a template error found while running
        state, outputs, out_res = "Failed", {}, []
        error = {"code": getattr(exc, "code", "DeploymentFailed"), "message": getattr(exc, "message", str(exc))}

    def finish(body: dict[str, Any]) -> None:
        props = body["properties"]
        props["provisioningState"] = state
        props["duration"] = f"PT{time.time() - start:.3f}S"
        props["timestamp"] = _iso(time.time())
        props["outputs"] = outputs or {}
        # kept privately: the ids it lists are not references that could keep those resources from being deleted
        props.pop("outputResources", None)
        body.setdefault(crud.PRIVATE, {})["outputResources"] = out_res or []
        if error:
            props["error"] = error
    asyncio.run_coroutine_threadsafe(_async(lambda: _write(p, rid, finish)), loop).result()


async def _async(fn: Any) -> Any:
    return fn()


def _prepare(p: Platform, req: Request, check_name: bool) -> tuple[str, str | None, str, dict[str, Any],
                                                                   dict[str, Any], dict[str, Any], Ctx, Any]:
    """What a PUT and a validate of a deployment start with: (subscription, resource group, name, body, template,
    parameters, context, the template's scope), the name checked first when ``check_name``."""
    check_api_version(req.api_version, RESOURCES, "deployments")
    sub, rg = _scope(req)
    name = req.params["name"]
    if check_name and (not (1 <= len(name) <= 64) or not all(c.isalnum() or c in "-._()" for c in name)):
        raise ArmError(400, "InvalidDeploymentName",
                       f"The deployment name '{name}' is invalid. It can contain only alphanumeric, underscore, "
                       "parentheses, hyphen and period characters, and be at most 64 characters long.")
    body, template, params = _parse_request(p, req, rg)
    ctx = p.ctx(req, sub)
    scope = _scope_obj(ctx, sub, rg, name)
    scope.template_uri = _link_uri(body["properties"])
    return sub, rg, name, body, template, params, ctx, scope


def put_deployment(p: Platform, req: Request) -> Response:
    sub, rg, name, body, template, params, ctx, scope = _prepare(p, req, check_name=True)
    engine = _engine()
    try:
        engine.validate(template, params, scope)
    except engine.TemplateError as exc:
        raise _template_error(exc) from None
    rid = _deployment_id(sub, rg, name)
    key = normalize(rid)
    old = ctx.txn.get(key)
    if old is not None and is_active(p, key, old.body):
        raise ArmError(409, "DeploymentActive", f"The deployment '{name}' is already running.")
    text = json.dumps(template, sort_keys=True)
    record: dict[str, Any] = {
        "id": old.id if old else rid, "name": name, "type": DEPLOYMENT_TYPE,
        "properties": {
            "templateHash": str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)),
            "parameters": engine.parameter_view(template, params, scope),
            "mode": body["properties"].get("mode", "Incremental"),
            "provisioningState": "Running", "timestamp": _iso(time.time()), "duration": "PT0S",
            "correlationId": req.headers.get("x-ms-correlation-request-id", req.request_id),
            "providers": [], "dependencies": [],
        },
        "_aznet": {"template": template},
    }
    if scope.template_uri:
        record["properties"]["templateLink"] = {"uri": scope.template_uri,
                                                "contentVersion": template.get("contentVersion", "1.0.0.0")}
    if body.get("location"):
        record["location"] = str(body["location"]).replace(" ", "").lower()
    if body.get("tags"):
        record["tags"] = body["tags"]
    scope_key = normalize(f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else ""))
    if old is not None:
        _drop_operations(ctx, key)     # a redeployment's operations replace the last run's
    ctx.txn.put(record["id"], DEPLOYMENT_TYPE, None, scope_key, record)
    p.commit(ctx)
    loop = asyncio.get_running_loop()
    start_worker(p, key, name, _run, (p, loop, rid, sub, template, params, scope))
    status_url = f"{req.base_url}{rid}/operationStatuses/{uuid.uuid4()}?api-version={req.api_version}"
    return Response(200 if old else 201, _render(record), {"Azure-AsyncOperation": status_url, **p.retry_headers()})


def _render(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: crud.copy_json(v) for k, v in body.items() if k != crud.PRIVATE}
    private = body.get(crud.PRIVATE) or {}
    if "outputResources" in private and isinstance(out.get("properties"), dict):
        out["properties"]["outputResources"] = crud.copy_json(private["outputResources"])
    return out


def _get_record(p: Platform, req: Request) -> Any:
    sub, rg = _scope(req)
    ctx = p.ctx(req, sub)
    if rg is not None and ctx.txn.get(normalize(f"/subscriptions/{sub}/resourceGroups/{rg}")) is None:
        raise resource_group_not_found(rg)
    rec = ctx.txn.get(normalize(_deployment_id(sub, rg, req.params["name"])))
    if rec is None:
        raise ArmError(404, "DeploymentNotFound", f"Deployment '{req.params['name']}' could not be found.")
    return rec


def get_deployment(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "deployments")
    rec = _get_record(p, req)
    if req.method == "HEAD":
        return Response(204)
    return Response(200, _render(rec.body))


def deployment_status(p: Platform, req: Request) -> Response:
    rec = _get_record(p, req)
    state = rec.body["properties"]["provisioningState"]
    body: dict[str, Any] = {"status": state}
    if "error" in rec.body["properties"]:
        body["error"] = rec.body["properties"]["error"]
    headers = p.retry_headers() if state in RUNNING else {}
    return Response(200, body, headers)


def list_deployments(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "deployments")
    sub, rg = _scope(req)
    ctx = p.ctx(req, sub)
    scope = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
    if rg is not None and ctx.txn.get(normalize(scope)) is None:
        raise resource_group_not_found(rg)
    recs = [r for r in ctx.txn.in_scope(normalize(scope), DEPLOYMENT_TYPE) if r.scope == normalize(scope)]
    return Response(200, page(req, recs, lambda r: _render(r.body), p.settings.page_size))


def list_operations(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "deployments")
    rec = _get_record(p, req)
    ctx = p.ctx(req, req.params["sub"])
    return Response(200, page(req, _operations(ctx, rec), None, p.settings.page_size))


def get_operation(p: Platform, req: Request) -> Response:
    rec = _get_record(p, req)
    for op in _operations(p.ctx(req, req.params["sub"]), rec):
        if op["operationId"].lower() == req.params["op"].lower():
            return Response(200, op)
    raise ArmError(404, "DeploymentOperationNotFound", f"Deployment operation '{req.params['op']}' could not be found.")


def validate_deployment(p: Platform, req: Request) -> Response:
    sub, rg, name, body, template, params, _ctx, scope = _prepare(p, req, check_name=False)
    engine = _engine()
    try:
        planned = engine.validate(template, params, scope)
    except engine.TemplateError as exc:
        err = _template_error(exc)
        return Response(400, err.body())
    rid = _deployment_id(sub, rg, name)
    validated = []
    for item in planned or []:
        pid = getattr(item, "resource_id", None) or getattr(item, "id", None)
        if pid:
            validated.append({"id": pid})
    return Response(200, {"id": rid, "name": name, "type": DEPLOYMENT_TYPE, "properties": {
        "templateHash": "0", "parameters": engine.parameter_view(template, params, scope),
        "mode": body["properties"].get("mode", "Incremental"), "provisioningState": "Succeeded",
        "timestamp": _iso(time.time()), "duration": "PT0S", "correlationId": req.request_id,
        "providers": [], "dependencies": [], "validatedResources": validated}})


def cancel_deployment(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "deployments")
    rec = _get_record(p, req)
    if rec.body["properties"]["provisioningState"] not in RUNNING:
        raise ArmError(409, "DeploymentCannotBeCancelled",
                       f"The deployment '{req.params['name']}' cannot be cancelled: it is "
                       f"'{rec.body['properties']['provisioningState']}'.")
    worker = live_worker(p, rec.key)
    if worker is not None:
        worker.cancel.set()
    else:   # no worker deploys it (it lost its process): cancel the record itself
        _write(p, rec.id, _mark_canceled)
    return Response(204)


def _mark_canceled(body: dict[str, Any]) -> None:
    props = body["properties"]
    props["provisioningState"] = "Canceled"
    props["timestamp"] = _iso(time.time())


def export_template(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "deployments")
    rec = _get_record(p, req)
    return Response(200, {"template": rec.body.get("_aznet", {}).get("template", {})})


def delete_deployment(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "deployments")
    sub, rg = _scope(req)
    ctx = p.ctx(req, sub)
    rec = ctx.txn.get(normalize(_deployment_id(sub, rg, req.params["name"])))
    if rec is None:
        return Response(204)
    if is_active(p, rec.key, rec.body):
        raise ArmError(409, "DeploymentActive", f"The deployment '{req.params['name']}' is running.")
    _drop_operations(ctx, rec.key)
    ctx.txn.delete(rec.key)
    p.commit(ctx)
    op = p.ops.start(result=None, result_status=204)
    return Response(202, None, {"Location": f"{req.base_url}/subscriptions/{sub}/operationresults/{op.id}"
                                            f"?api-version={req.api_version}", **p.retry_headers()})


for prefix in ("subscriptions/{sub}/resourcegroups/{rg}", "subscriptions/{sub}"):
    base = f"{prefix}/providers/microsoft.resources/deployments"
    ROUTES.add(f"{base}/{{name}}", "PUT", put_deployment)
    ROUTES.add(f"{base}/{{name}}", ["GET", "HEAD"], get_deployment)
    ROUTES.add(f"{base}/{{name}}", "DELETE", delete_deployment)
    ROUTES.add(base, "GET", list_deployments)
    ROUTES.add(f"{base}/{{name}}/operations", "GET", list_operations)
    ROUTES.add(f"{base}/{{name}}/operations/{{op}}", "GET", get_operation)
    ROUTES.add(f"{base}/{{name}}/operationstatuses/{{opid}}", "GET", deployment_status)
    ROUTES.add(f"{base}/{{name}}/validate", "POST", validate_deployment)
    ROUTES.add(f"{base}/{{name}}/cancel", "POST", cancel_deployment)
    ROUTES.add(f"{base}/{{name}}/exporttemplate", "POST", export_template)
    # the operations of a deployment are also addressed without the provider segment
    ROUTES.add(f"{prefix}/deployments/{{name}}/operations", "GET", list_operations)
    ROUTES.add(f"{prefix}/deployments/{{name}}/operations/{{op}}", "GET", get_operation)
