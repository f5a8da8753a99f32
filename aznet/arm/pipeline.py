"""The ARM request pipeline as a list of named steps.

``run`` is the whole pipeline; each step is a function of its own:

1. ``assign_request_id``   the request's id (kept from ``precheck`` if the server authenticated early)
2. ``authenticate``        the bearer token (or the admin key) and the subscription it names
3. ``route``               an explicit route, an extension route, or the generic resource operation
4. ``check_api_version``   against the type's (or the action's) declared api-versions
5. ``dispatch``            the route's handler, or the generic CRUD engine inside one store transaction
6. ``long_running``        an LRO type's answer becomes Azure-AsyncOperation/Location headers
7. ``error_envelope``      any ArmError becomes ARM's ``{"error": ...}``; anything else a 500 (a bug)
8. ``finish``              the x-ms-* response headers

``Platform`` holds the state these steps use (store, registry, routes, issuer, tenants, operations);
it does none of the steps itself."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..jsondata import copy_json
from . import crud
from .admin_auth import check_admin
from .context import Ctx
from .errors import ArmError, resource_group_not_found
from .http import Request, Response, page
from .ids import ResourceId, is_guid, normalize, parse_resource_id, split_path
from .registry import ResourceType
from .versions import REQUEST_LOCATION
from .versions import check_api_version as _check_versions

if TYPE_CHECKING:
    from .platform import Platform

log = logging.getLogger("aznet.arm")

STEPS = ("request id", "authenticate", "route", "check api-version", "dispatch", "LRO", "error envelope",
         "response headers")


@dataclass
class Target:
    """What the route step found. ``handler`` is an explicit route's; otherwise ``op`` names the
    generic operation ("list", "action" or "resource") on ``rid`` of type ``rt``."""
    handler: Callable[[Platform, Request], Response] | None = None
    op: str = ""
    rid: ResourceId | None = None
    rt: ResourceType | None = None
    action: Any = None
    ctx: Ctx | None = None
    api_versions: Any = None              # None: the handler checks its own api-version
    type_label: str = ""


@dataclass
class Outcome:
    """What a generic operation produced, before the LRO step decides how to answer."""
    status: int
    body: Any = None
    lro_location: str | None = None       # where the resource is (for the operation's URL)
    long_running: bool = False
    lro_status: int = 202
    result: Any = None                    # the operation's final body (None: the body above)
    result_status: int = 200
    location_header: bool = True


def run(platform: Platform, req: Request) -> Response:
    assign_request_id(req)
    token = REQUEST_LOCATION.set(lambda: platform.request_location(req))
    try:
        authenticate(platform, req)
        target = route(platform, req)
        check_api_version(req, target)
        outcome = dispatch(platform, req, target)
        resp = long_running(platform, req, target, outcome)
    except Exception as exc:  # the error envelope step sees everything
        resp = error_envelope(req, exc)
    finally:
        REQUEST_LOCATION.reset(token)
    return finish(req, resp)


def run_generic(platform: Platform, req: Request) -> Response:
    """Steps 3-6 for the generic resource operation alone (routes that wrap it call this)."""
    target = route_generic(platform, req)
    check_api_version(req, target)
    return long_running(platform, req, target, dispatch(platform, req, target))


# -- 1. request id ---------------------------------------------------------------
def assign_request_id(req: Request) -> None:
    if not req.request_id:
        req.request_id = str(uuid.uuid4())


# -- 2. authenticate -------------------------------------------------------------
def authenticate(platform: Platform, req: Request) -> None:
    """Check the token (and the subscription it names) if the route needs one; once per request."""
    if req.authenticated:
        return
    segs = split_path(req.path)
    found, params, _ = platform.routes.find(req.method, segs)
    if found is not None:
        if found.auth == "admin":
            req.claims = check_admin(platform, req, f"aznet/admin/{segs[-1].lower()}/{req.method.lower()}")
        elif found.auth:
            check_token(platform, req, params.get("sub"))
    elif len(segs) >= 4 and segs[0].lower() == "subscriptions" and "providers" in (s.lower() for s in segs):
        check_token(platform, req, segs[1])
    req.authenticated = True


def check_token(platform: Platform, req: Request, sub: str | None) -> None:
    """Signature and expiry, audience and issuer, then the subscription's tenant."""
    req.claims = platform.issuer.check(req.headers.get("authorization"))
    tenant = platform.tenants.check_claims(req.claims, req.base_url)
    check_subscription_id(sub)
    if sub is not None:
        platform.tenants.check_subscription(sub, tenant, str(req.claims.get("iss")), req.method)


def check_subscription_id(sub: str | None) -> None:
    if sub is not None and not is_guid(sub):
        raise ArmError(400, "InvalidSubscriptionId",
                       f"The provided subscription identifier '{sub}' is malformed or invalid.")


def precheck(platform: Platform, req: Request) -> Response | None:
    """Steps 1-2 as soon as a request's headers are in, before its body is read: a request that
    would be refused costs no memory. None lets the request through to ``run``."""
    req.request_id = str(uuid.uuid4())
    try:
        authenticate(platform, req)
    except ArmError as exc:
        return finish(req, error_envelope(req, exc))
    return None


# -- 3. route ----------------------------------------------------------------------
def route(platform: Platform, req: Request) -> Target:
    segs = split_path(req.path)
    found, params, other = platform.routes.find(req.method, segs)
    if found is None and not other and platform.routes.extensions:
        found, params, other = platform.routes.find_extension(req.method, segs)
    if found is not None:
        req.params = params
        return Target(handler=found.handler)
    if other:
        raise method_not_allowed(req.method)
    if len(segs) >= 4 and segs[0].lower() == "subscriptions" and "providers" in (s.lower() for s in segs):
        return route_generic(platform, req)
    raise ArmError(404, "NotFound", f"No route matches '{req.method} {req.path}'.")


def route_generic(platform: Platform, req: Request) -> Target:
    """The generic operation a resource path names: a collection list, an action, or the resource."""
    rid = parse_resource_id(req.path)
    if rid is None:
        raise ArmError(400, "InvalidResourceId", f"The resource path '{req.path}' is not valid.")
    if rid.is_collection:
        rt = platform.registry.get(rid.full_type)
        if rt is not None:
            if req.method != "GET":
                raise method_not_allowed(req.method)
            return Target(op="list", rid=rid, rt=rt, api_versions=rt.api_versions,
                          type_label="/".join(rid.types))
        owner = ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.types[:-1], rid.names)
        ort = platform.registry.get(owner.full_type) if owner.types else None
        if ort is not None:
            action = ort.action(rid.types[-1], req.method)
            if action is not None:
                return Target(op="action", rid=owner, rt=ort, action=action,
                              api_versions=action.api_versions or ort.api_versions,
                              type_label="/".join(owner.types))
        ctx = platform.ctx(req, rid.subscription)
        crud.resolve_type(ctx, rid)
        raise ArmError(404, "NotFound", f"The action '{rid.types[-1]}' is not supported on '{owner.full_type}'.")
    ctx = platform.ctx(req, rid.subscription)
    rt = crud.resolve_type(ctx, rid)
    return Target(op="resource", rid=rid, rt=rt, ctx=ctx, api_versions=rt.api_versions,
                  type_label="/".join(rid.types))


def method_not_allowed(method: str) -> ArmError:
    return ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")


# -- 4. check api-version ----------------------------------------------------------
def check_api_version(req: Request, target: Target) -> None:
    if target.api_versions is not None:
        _check_versions(req.api_version, target.api_versions, target.type_label)


# -- 5. dispatch ---------------------------------------------------------------------
def dispatch(platform: Platform, req: Request, target: Target) -> Response | Outcome:
    if target.handler is not None:
        return target.handler(platform, req)
    assert target.rid is not None and target.rt is not None
    if target.op == "list":
        return list_collection(platform, req, target.rid, target.rt)
    if target.op == "action":
        return run_action(platform, req, target.rid, target.rt, target.action)
    return resource_operation(platform, req, target.rt, target.ctx or platform.ctx(req, target.rid.subscription))


def resource_operation(platform: Platform, req: Request, rt: ResourceType, ctx: Ctx) -> Response | Outcome:
    method = req.method
    if rt.virtual is not None and method not in ("GET", "HEAD"):
        raise method_not_allowed(method)          # computed read-only children (an LB's frontends)
    if method in ("GET", "HEAD"):
        body = crud.get_resource(ctx, req.path)
        expand = req.arg("$expand")
        if rt.expand is not None and expand:
            rt.expand(ctx, body, expand)
        return Response(200, body)
    if method in ("PUT", "PATCH"):
        ctx.body_text = req.body.decode("utf-8", "replace")     # for Json.NET-style error positions
    if method == "PUT":
        payload = req.json(required=not rt.put_body_optional)
        status, body = crud.put_resource(ctx, req.path, {} if payload is None else payload,
                                         if_match=req.headers.get("if-match"),
                                         if_none_match=req.headers.get("if-none-match"))
        platform.commit(ctx)
        if status == 201 and rt.created_status is not None:
            status = rt.created_status
        return Outcome(status, body, long_running=rt.long_running, lro_status=status,
                       lro_location=body.get("location"), location_header=status == 202)
    if method == "PATCH":
        body = crud.patch_resource(ctx, req.path, req.json(), if_match=req.headers.get("if-match"))
        platform.commit(ctx)
        return Response(200, body)
    if method == "DELETE":
        rec = ctx.txn.get(normalize(req.path))
        if rec is not None and req.headers.get("if-match") not in (None, "*") \
                and req.headers.get("if-match") != rec.body.get("etag"):
            raise ArmError(412, "PreconditionFailed",
                           "The condition specified using HTTP conditional header(s) is not met.")
        existed = crud.delete_resource(ctx, req.path)
        platform.commit(ctx)
        if not existed:
            return Response(204)
        if rt.long_running:
            return Outcome(202, None, long_running=True, lro_location=rec.body.get("location") if rec else None,
                           result_status=204)
        return Response(200, copy_json(rt.delete_result) if rt.delete_result is not None else None)
    raise method_not_allowed(method)


def list_collection(platform: Platform, req: Request, rid: ResourceId, rt: ResourceType) -> Response:
    ctx = platform.ctx(req, rid.subscription)
    size = platform.settings.page_size
    if rt.is_child:
        parent = ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.types[:-1], rid.names)
        if rt.virtual is not None:
            parent_rec = crud.virtual_parent(ctx, parent.child(rid.types[-1], "x"))
            return Response(200, page(req, rt.virtual(ctx, parent_rec.body), None, size))
        crud.check_scope(ctx, parent.child(rid.types[-1], "x"), rt)
        recs = ctx.txn.children(normalize(str(parent)), rt.type)
    else:
        if rid.resource_group is not None and ctx.txn.get(normalize(rid.scope)) is None:
            raise resource_group_not_found(rid.resource_group)
        recs = ctx.txn.in_scope(normalize(rid.scope), rt.type)
    return Response(200, page(req, recs, lambda r: crud.render_or_skip(ctx, r), size))


def run_action(platform: Platform, req: Request, owner: ResourceId, rt: ResourceType,
               action: Any) -> Response | Outcome:
    ctx = platform.ctx(req, owner.subscription)
    body = crud.get_resource(ctx, str(owner))
    if req.method == "POST":
        crud.guard(ctx, body.get("id") or str(owner), "action")
    payload = req.json(required=False)
    status, result = action.handler(ctx, body, payload)
    platform.commit(ctx)
    if action.long_running:
        return Outcome(202, None, long_running=True, lro_location=body.get("location"), result=result,
                       result_status=status)
    return Response(status, result)


# -- 6. LRO -----------------------------------------------------------------------------
def long_running(platform: Platform, req: Request, target: Target, outcome: Response | Outcome) -> Response:
    if isinstance(outcome, Response):
        return outcome
    if not outcome.long_running:
        return Response(outcome.status, outcome.body)
    assert target.rt is not None
    return platform.lro(req, outcome.lro_status, outcome.body, namespace=target.rt.namespace,
                        location=outcome.lro_location, result=outcome.result, result_status=outcome.result_status,
                        location_header=outcome.location_header)


# -- 7. error envelope ----------------------------------------------------------------------
def error_envelope(req: Request, exc: BaseException) -> Response:
    if isinstance(exc, ArmError):
        return Response(exc.status, exc.body(), dict(exc.headers))
    log.error("unhandled error on %s %s", req.method, req.path, exc_info=exc)
    return Response(500, {"error": {"code": "InternalServerError",
                                    "message": "Encountered internal server error. Diagnostic information: "
                                               f"request id '{req.request_id}'."}})


# -- 8. response headers ------------------------------------------------------------------------
def finish(req: Request, resp: Response) -> Response:
    h = resp.headers
    h["x-ms-request-id"] = req.request_id
    h["x-ms-correlation-request-id"] = req.headers.get("x-ms-correlation-request-id", req.request_id)
    if "x-ms-client-request-id" in req.headers:
        h["x-ms-client-request-id"] = req.headers["x-ms-client-request-id"]
    h["x-ms-routing-request-id"] = f"LOCAL:{req.request_id}"
    if req.method == "HEAD":
        resp.body = None
    return resp
