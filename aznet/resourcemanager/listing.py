"""Generic listing: ``/subscriptions/{s}/resources`` and
``/resourceGroups/{rg}/resources`` with ``$filter``, ``$top`` and paging."""

from __future__ import annotations

from typing import Any

from ..arm import crud
from ..arm.errors import resource_group_not_found
from ..arm.http import Request, Response, page
from ..arm.ids import normalize
from ..arm.platform import Platform
from ..arm.router import ROUTES
from ..arm.versions import RESOURCES, check_api_version
from .odata_filter import parse_filter

_EXPANDS = {"createdtime", "changedtime", "provisioningstate", "properties"}

SUMMARY_FIELDS = ("id", "name", "type", "location", "tags", "sku", "kind", "managedBy", "zones", "identity",
                  "extendedLocation", "plan")


def _expand(req: Request) -> set[str]:
    """``$expand=createdTime,changedTime,provisioningState`` (what ``az resource list`` sends), and
    ``properties``; other names are ignored (inferred: no documented error for them)."""
    raw = req.arg("$expand") or ""
    return {part.strip().lower() for part in raw.split(",") if part.strip()} & _EXPANDS


def _list(p: Platform, req: Request, scope: str) -> Response:
    check_api_version(req.api_version, RESOURCES, "resources")
    ctx = p.ctx(req, req.params["sub"])
    flt = parse_filter(req.arg("$filter"))
    expand = _expand(req)
    recs = [r for r in ctx.txn.in_scope(normalize(scope))
            if r.type != "Microsoft.Resources/resourceGroups" and not r.type.startswith("Microsoft.Resources/deployments")
            and flt(r.body)]

    def summary(rec: Any) -> dict[str, Any] | None:
        body = crud.render_or_skip(ctx, rec) if "properties" in expand else rec.body
        if body is None:
            return None
        out = {k: crud.copy_json(body[k]) for k in SUMMARY_FIELDS if k in body}
        if flt.hides_tags:
            out.pop("tags", None)
        private = rec.body.get(crud.PRIVATE) or {}
        for key in ("createdTime", "changedTime"):
            if key.lower() in expand and private.get(key):
                out[key] = private[key]
        if "properties" in expand:
            out["properties"] = body.get("properties", {})
        if "provisioningstate" in expand:
            out["provisioningState"] = (body.get("properties") or {}).get("provisioningState", "Succeeded")
        return out
    return Response(200, page(req, recs, summary, p.settings.page_size))


def list_subscription(p: Platform, req: Request) -> Response:
    return _list(p, req, f"/subscriptions/{req.params['sub']}")


def list_group(p: Platform, req: Request) -> Response:
    ctx = p.ctx(req, req.params["sub"])
    scope = f"/subscriptions/{req.params['sub']}/resourceGroups/{req.params['rg']}"
    if ctx.txn.get(normalize(scope)) is None:
        raise resource_group_not_found(req.params["rg"])
    return _list(p, req, scope)


ROUTES.add("subscriptions/{sub}/resources", "GET", list_subscription)
ROUTES.add("subscriptions/{sub}/resourcegroups/{rg}/resources", "GET", list_group)
