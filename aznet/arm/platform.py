"""The ARM pipeline: request ids, authentication, routing, api-version
checks, transactions and long-running operations around the generic CRUD
engine. Protocol only: resource behaviour lives in the declared types."""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any

from ..config import Settings
from ..dataplane.reconcile import Reconciler
from ..jsondata import copy_json
from ..monitor.metrics import MetricsRegistry
from ..regions import REGION_NAMES
from ..services import Services
from ..store.base import Store
from . import crud
from .admin_auth import check_admin, ensure_admin_key
from .context import Ctx
from .errors import ArmError, resource_group_not_found
from .http import Request, Response, page
from .identity import TokenIssuer
from .ids import ResourceId, is_guid, normalize, parse_resource_id, split_path
from .jsonio import dumps
from .lro import Operations
from .registry import REGISTRY, Registry, ResourceType
from .router import ROUTES, RouteTable
from .tenants import TenantDirectory
from .versions import REQUEST_LOCATION, check_api_version

log = logging.getLogger("aznet.arm")


class Platform:
    def __init__(self, settings: Settings, store: Store, registry: Registry = REGISTRY,
                 routes: RouteTable = ROUTES) -> None:
        self.settings = settings
        self.store = store
        self.registry = registry
        self.routes = routes
        self.issuer = TokenIssuer(settings.data_dir, settings.endpoint, settings.tenant, settings.token_lifetime)
        self.admin_key = ensure_admin_key(settings.data_dir)
        self.tenants = TenantDirectory(self)
        self.ops = Operations(settings.lro_delay)
        self.provider_state: dict[tuple[str, str], str] = {}
        self._schemas: dict[str, Any] = {}
        self.services = Services()           # data-plane engines and other long-lived helpers, by type
        self.reconciler = Reconciler()       # feeds every commit to the engines (aznet.dataplane.reconcile)
        self.reconciler.start(store)
        self.metrics = MetricsRegistry(settings.metrics_retention_days * 24 * 60, settings.metrics_max_bytes)
        self.ready = False                   # set once every service has started

    # -- the pipeline ----------------------------------------------------------
    def handle(self, req: Request) -> Response:
        if not req.request_id:
            req.request_id = str(uuid.uuid4())
        token = REQUEST_LOCATION.set(lambda: self.request_location(req))
        try:
            resp = self._dispatch(req)
        except ArmError as exc:
            resp = Response(exc.status, exc.body(), dict(exc.headers))
        except Exception:
            log.exception("unhandled error on %s %s", req.method, req.path)
            resp = Response(500, {"error": {"code": "InternalServerError",
                                            "message": "Encountered internal server error. Diagnostic information: "
                                                       f"request id '{req.request_id}'."}})
        finally:
            REQUEST_LOCATION.reset(token)
        return self._finish(req, resp)

    def request_location(self, req: Request) -> str | None:
        """The region a request is about: the path's ``{loc}``, the body's location, or where the resource
        (or the top-level resource it belongs to, or its resource group) is."""
        loc = (req.params or {}).get("loc")
        if loc:
            return str(loc)
        if req.method in ("PUT", "PATCH") and req.body:
            try:
                body = req.json()
            except ArmError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("location"), str):
                return body["location"]
        segs = split_path(req.path)
        low = [s.lower() for s in segs]
        if "locations" in low and low.index("locations") + 1 < len(segs):
            return segs[low.index("locations") + 1]
        txn = self.store.transaction()
        rid = parse_resource_id(req.path)
        if rid is not None and rid.is_collection:
            rid = ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.types[:len(rid.names)],
                             rid.names) if rid.names else None
        while rid is not None:
            rec = txn.get(normalize(str(rid))) if not rid.is_collection else None
            if rec is not None and isinstance(rec.body.get("location"), str):
                return rec.body["location"]
            rid = rid.parent()
        if len(segs) >= 4 and low[2] == "resourcegroups":
            rec = txn.get(normalize(f"/subscriptions/{segs[1]}/resourceGroups/{segs[3]}"))
            if rec is not None:
                return rec.body.get("location")
        return None

    def precheck(self, req: Request) -> Response | None:
        """Authenticate as soon as a request's headers are in, before its body is read: a request that
        would be refused costs no memory. None lets the request through to ``handle``."""
        req.request_id = str(uuid.uuid4())
        try:
            self.authenticate(req)
        except ArmError as exc:
            return self._finish(req, Response(exc.status, exc.body(), dict(exc.headers)))
        return None

    def authenticate(self, req: Request) -> None:
        """Check the token (and the subscription it names) if the route needs one; once per request."""
        if req.authenticated:
            return
        segs = split_path(req.path)
        route, params, _ = self.routes.find(req.method, segs)
        if route is not None:
            if route.auth == "admin":
                req.claims = check_admin(self, req, f"aznet/admin/{segs[-1].lower()}/{req.method.lower()}")
            elif route.auth:
                self._check_token(req, params.get("sub"))
        elif len(segs) >= 4 and segs[0].lower() == "subscriptions" and "providers" in (s.lower() for s in segs):
            self._check_token(req, segs[1])
        req.authenticated = True

    def _check_token(self, req: Request, sub: str | None) -> None:
        """Signature and expiry, audience and issuer, then the subscription's tenant."""
        req.claims = self.issuer.check(req.headers.get("authorization"))
        tenant = self.tenants.check_claims(req.claims, req.base_url)
        self._check_subscription(sub)
        if sub is not None:
            self.tenants.check_subscription(sub, tenant, str(req.claims.get("iss")), req.method)

    def _finish(self, req: Request, resp: Response) -> Response:
        h = resp.headers
        h["x-ms-request-id"] = req.request_id
        h["x-ms-correlation-request-id"] = req.headers.get("x-ms-correlation-request-id", req.request_id)
        if "x-ms-client-request-id" in req.headers:
            h["x-ms-client-request-id"] = req.headers["x-ms-client-request-id"]
        h["x-ms-routing-request-id"] = f"LOCAL:{req.request_id}"
        if req.method == "HEAD":
            resp.body = None
        return resp

    def _dispatch(self, req: Request) -> Response:
        segs = split_path(req.path)
        self.authenticate(req)
        route, params, other = self.routes.find(req.method, segs)
        if route is None and not other and self.routes.extensions:
            route, params, other = self.routes.find_extension(req.method, segs)
        if route is not None:
            req.params = params
            return route.handler(self, req)
        if other:
            raise ArmError(405, "MethodNotAllowed",
                           f"The requested resource does not support http method '{req.method}'.")
        if len(segs) >= 4 and segs[0].lower() == "subscriptions" and "providers" in (s.lower() for s in segs):
            return self.generic(req)
        raise ArmError(404, "NotFound", f"No route matches '{req.method} {req.path}'.")

    def _check_subscription(self, sub: str | None) -> None:
        if sub is not None and not is_guid(sub):
            raise ArmError(400, "InvalidSubscriptionId",
                           f"The provided subscription identifier '{sub}' is malformed or invalid.")

    # -- helpers for handlers -----------------------------------------------------
    def ctx(self, req: Request, subscription: str) -> Ctx:
        ctx = Ctx(self, self.store.transaction(), subscription, req.api_version, req.request_id)
        ctx.query = dict(req.query)
        return ctx

    def commit(self, ctx: Ctx) -> None:
        self.store.commit(ctx.txn)

    def check_location(self, location: str, rtype: str) -> None:
        if location not in REGION_NAMES:
            raise ArmError(400, "LocationNotAvailableForResourceType",
                           f"The provided location '{location}' is not available for resource type '{rtype}'. "
                           f"List of available regions for the resource type is '{','.join(sorted(REGION_NAMES))}'.")

    def schema_for(self, rt: ResourceType) -> Any:
        """The type's schema from the SDK models: the declared model, else the one the SDK's PUT sends."""
        if rt.type not in self._schemas:
            try:
                from . import schema

                if rt.model is not None:
                    found = schema.load_schema(rt.model, rt.schema_package)
                else:
                    found = schema.schema_for_type(rt.type)
            except Exception:  # schema unavailable: the type runs schemaless
                log.warning("no schema for %s", rt.type, exc_info=True)
                found = None
            self._schemas[rt.type] = found
        return self._schemas[rt.type]

    def lro(self, req: Request, status: int, body: Any, *, namespace: str, location: str | None = None,
            result: Any = None, result_status: int = 200, location_header: bool = True) -> Response:
        # the body goes out as JSON text once, and the operation keeps that text (not the dicts: a server
        # holding tens of thousands of finished operations must not make the garbage collector walk them)
        payload = body if body is None or isinstance(body, bytes) else dumps(body).encode()
        if result is None:
            kept = payload
        else:
            kept = result if isinstance(result, bytes) else dumps(result).encode()
        op = self.ops.start(result=kept, result_status=result_status)
        sub = split_path(req.path)[1]
        loc = location or self.settings.default_location
        api = req.api_version or ""
        base = f"{req.base_url}/subscriptions/{sub}/providers/{namespace}/locations/{loc}"
        headers = {"Azure-AsyncOperation": f"{base}/operations/{op.id}?api-version={api}"}
        if location_header:
            headers["Location"] = f"{base}/operationResults/{op.id}?api-version={api}"
        headers.update(self.retry_headers())
        return Response(status, payload, headers)

    def retry_headers(self) -> dict[str, str]:
        delay = self.settings.lro_delay
        if delay >= 1:
            return {"Retry-After": str(math.ceil(delay))}
        return {"retry-after-ms": str(max(10, int(delay * 1000)))}

    # -- generic resource dispatch --------------------------------------------------
    def generic(self, req: Request) -> Response:
        rid = parse_resource_id(req.path)
        if rid is None:
            raise ArmError(400, "InvalidResourceId", f"The resource path '{req.path}' is not valid.")
        if rid.is_collection:
            rt = self.registry.get(rid.full_type)
            if rt is not None:
                if req.method != "GET":
                    raise ArmError(405, "MethodNotAllowed",
                                   f"The requested resource does not support http method '{req.method}'.")
                return self._list(req, rid, rt)
            owner = ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.types[:-1], rid.names)
            ort = self.registry.get(owner.full_type) if owner.types else None
            if ort is not None:
                action = ort.action(rid.types[-1], req.method)
                if action is not None:
                    return self._action(req, owner, ort, action)
            ctx = self.ctx(req, rid.subscription)
            crud.resolve_type(ctx, rid)
            raise ArmError(404, "NotFound", f"The action '{rid.types[-1]}' is not supported on '{owner.full_type}'.")
        ctx = self.ctx(req, rid.subscription)
        rt = crud.resolve_type(ctx, rid)
        check_api_version(req.api_version, rt.api_versions, "/".join(rid.types))
        method = req.method
        if method in ("GET", "HEAD"):
            return Response(200, crud.get_resource(ctx, req.path))
        if method == "PUT":
            status, body = crud.put_resource(ctx, req.path, req.json(), if_match=req.headers.get("if-match"),
                                             if_none_match=req.headers.get("if-none-match"))
            self.commit(ctx)
            if status == 201 and rt.created_status is not None:
                status = rt.created_status
            if rt.long_running:
                return self.lro(req, status, body, namespace=rt.namespace, location=body.get("location"),
                                location_header=status == 202)
            return Response(status, body)
        if method == "PATCH":
            body = crud.patch_resource(ctx, req.path, req.json(), if_match=req.headers.get("if-match"))
            self.commit(ctx)
            return Response(200, body)
        if method == "DELETE":
            rec = ctx.txn.get(normalize(req.path))
            if rec is not None and req.headers.get("if-match") not in (None, "*") \
                    and req.headers.get("if-match") != rec.body.get("etag"):
                raise ArmError(412, "PreconditionFailed",
                               "The condition specified using HTTP conditional header(s) is not met.")
            existed = crud.delete_resource(ctx, req.path)
            self.commit(ctx)
            if not existed:
                return Response(204)
            if rt.long_running:
                return self.lro(req, 202, None, namespace=rt.namespace, location=rec.body.get("location")
                                if rec else None, result=None, result_status=204)
            return Response(200, copy_json(rt.delete_result) if rt.delete_result is not None else None)
        raise ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")

    def _list(self, req: Request, rid: ResourceId, rt: ResourceType) -> Response:
        check_api_version(req.api_version, rt.api_versions, "/".join(rid.types))
        ctx = self.ctx(req, rid.subscription)
        if rt.is_child:
            parent = ResourceId(rid.subscription, rid.resource_group, rid.namespace, rid.types[:-1], rid.names)
            parent_rec = crud.check_scope(ctx, parent.child(rid.types[-1], "x"), rt)
            if rt.virtual is not None and parent_rec is not None:
                return Response(200, page(req, rt.virtual(ctx, parent_rec.body), None, self.settings.page_size))
            recs = ctx.txn.children(normalize(str(parent)), rt.type)
        else:
            if rid.resource_group is not None and ctx.txn.get(normalize(rid.scope)) is None:
                raise resource_group_not_found(rid.resource_group)
            recs = ctx.txn.in_scope(normalize(rid.scope), rt.type)
        return Response(200, page(req, recs, lambda r: crud.render_or_skip(ctx, r), self.settings.page_size))

    def _action(self, req: Request, owner: ResourceId, rt: ResourceType, action: Any) -> Response:
        check_api_version(req.api_version, action.api_versions or rt.api_versions, "/".join(owner.types))
        ctx = self.ctx(req, owner.subscription)
        body = crud.get_resource(ctx, str(owner))
        if req.method == "POST":
            crud.guard(ctx, body.get("id") or str(owner), "action")
        payload = req.json(required=False)
        status, result = action.handler(ctx, body, payload)
        self.commit(ctx)
        if action.long_running:
            return self.lro(req, 202, None, namespace=rt.namespace, location=body.get("location"),
                            result=result, result_status=status)
        return Response(status, result)
