"""The platform: the state one ARM endpoint runs on (store, registry, routes, token issuer, tenants,
operations, services, reconciler, metrics) and the helpers handlers use (``ctx``, ``commit``, ``lro``).
The request pipeline itself is ``aznet/arm/pipeline.py``, one function per named step."""

from __future__ import annotations

import logging
import math
from typing import Any

from ..config import Settings
from ..dataplane.reconcile import Reconciler
from ..monitor.metrics import MetricsRegistry
from ..regions import REGION_NAMES
from ..services import FACTORIES, Services
from ..store.base import Store
from . import pipeline
from .admin_auth import ensure_admin_key
from .context import Ctx
from .errors import ArmError
from .http import Request, Response
from .identity import TokenIssuer
from .ids import ResourceId, normalize, parse_resource_id, split_path
from .jsonio import dumps
from .lro import Operations
from .registry import REGISTRY, Registry, ResourceType
from .router import ROUTES, RouteTable
from .tenants import TenantDirectory

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
        self.ops = Operations(settings.lro_delay, max_bytes=settings.operations_max_bytes,
                              ttl=settings.operations_ttl)
        self.provider_state: dict[tuple[str, str], str] = {}
        self._schemas: dict[str, Any] = {}
        self.services = Services()           # data-plane engines and other long-lived helpers, by type
        self.service_factories: list[Any] = list(FACTORIES)   # what ``aznet up`` starts (assembly sets it)
        self.reconciler = Reconciler()       # feeds every commit to the engines (aznet.dataplane.reconcile)
        self.reconciler.start(store)
        self.metrics = MetricsRegistry(settings.metrics_retention_days * 24 * 60, settings.metrics_max_bytes)
        self.ready = False                   # set once every service has started

    # -- the pipeline (aznet/arm/pipeline.py: one function per named step) ---------------
    def handle(self, req: Request) -> Response:
        return pipeline.run(self, req)

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
        """Authenticate as soon as a request's headers are in, before its body is read."""
        return pipeline.precheck(self, req)

    def authenticate(self, req: Request) -> None:
        pipeline.authenticate(self, req)

    # -- helpers for handlers -----------------------------------------------------
    def ctx(self, req: Request, subscription: str) -> Ctx:
        ctx = Ctx(self, self.store.transaction(), subscription, req.api_version, req.request_id)
        ctx.query = dict(req.query)
        ctx.path = req.path
        ctx.base_url = req.base_url
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
        # a result is kept only where a client can fetch it (the Location of an action, or of a PUT answered
        # with one), as JSON text, not dicts: a server holding thousands of finished operations must not make
        # the garbage collector walk them
        payload = body if body is None or isinstance(body, bytes) else dumps(body).encode()
        if not location_header:
            kept = None
        elif result is None:
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
        """Route, api-version, dispatch and LRO for the generic resource operation (for routes that wrap it)."""
        return pipeline.run_generic(self, req)
