"""Resource groups: PUT, GET, HEAD, PATCH, DELETE (long-running, removing
what they contain in dependency order) and list."""

from __future__ import annotations

import re
from typing import Any

from .. import typenames
from ..arm import crud
from ..arm.context import Ctx
from ..arm.errors import ArmError, resource_group_not_found
from ..arm.http import Request, Response, page
from ..arm.ids import normalize, resource_group_id
from ..arm.platform import Platform
from ..arm.router import ROUTES
from ..arm.tags import check_tags
from ..arm.versions import RESOURCES, check_api_version
from ..store.base import Record

RG_TYPE = typenames.RESOURCE_GROUP
RG_NAME = re.compile(r"^[-\w._()]{1,90}$")


def _check_name(name: str) -> None:
    if not RG_NAME.match(name) or name.endswith("."):
        raise ArmError(400, "InvalidResourceGroupName",
                       f"Resource group name '{name}' is invalid. It can contain only alphanumeric, underscore, "
                       "parentheses, hyphen, period (except at end), and Unicode characters that match the "
                       "allowed characters.", target="resourceGroupName")


def _render(rec: Record) -> dict[str, Any]:
    return {k: crud.copy_json(v) for k, v in rec.body.items() if k != crud.PRIVATE}


def put_group(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "resourceGroups")
    ctx = p.ctx(req, req.params["sub"])
    status, body = create_group(ctx, req.params["sub"], req.params["rg"], req.json())
    p.commit(ctx)
    return Response(status, body)


def create_group(ctx: Ctx, sub: str, name: str, body: Any) -> tuple[int, dict[str, Any]]:
    """Create or update a resource group inside ``ctx``'s transaction."""
    _check_name(name)
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
    location = body.get("location")
    if not isinstance(location, str) or not location.strip():
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    location = location.replace(" ", "").lower()
    ctx.platform.check_location(location, RG_TYPE)
    tags = body.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ArmError(400, "InvalidRequestContent", "The tags must be an object of string values.", target="tags")
    check_tags(tags)
    rid = resource_group_id(sub, name)
    old = ctx.txn.get(normalize(rid))
    if old is not None:
        crud.guard(ctx, old.id, "write")
    else:
        _check_quota(ctx, sub, name)
    if old is not None and old.body["location"] != location:
        raise ArmError(409, "InvalidResourceGroupLocation",
                       f"Invalid resource group location '{location}'. The Resource group already exists in "
                       f"location '{old.body['location']}'.")
    new: dict[str, Any] = {"id": old.id if old else rid, "name": old.body["name"] if old else name,
                           "type": RG_TYPE, "location": location}
    if tags:
        new["tags"] = tags
    if isinstance(body.get("managedBy"), str):
        new["managedBy"] = body["managedBy"]
    new["properties"] = {"provisioningState": "Succeeded"}
    rec = ctx.txn.put(new["id"], RG_TYPE, None, normalize(f"/subscriptions/{sub}"), new)
    return (200 if old else 201), _render(rec)


def _check_quota(ctx: Ctx, sub: str, name: str) -> None:
    """Azure's limit of resource groups per subscription (980; AZNET_MAX_RESOURCE_GROUPS)."""
    limit = ctx.platform.settings.max_resource_groups
    prefix = normalize(f"/subscriptions/{sub}") + "/"
    count = sum(1 for r in ctx.txn.of_type(RG_TYPE) if r.key.startswith(prefix))
    if count >= limit:
        raise ArmError(409, "ResourceGroupQuotaExceeded",
                       f"Creating the resource group '{name}' would exceed the quota of '{limit}'. The current "
                       f"resource group count is '{count}', please delete some groups before creating a new one.")


def _get(ctx: Ctx, sub: str, name: str) -> Record:
    rec = ctx.txn.get(normalize(resource_group_id(sub, name)))
    if rec is None:
        raise resource_group_not_found(name)
    return rec


def get_group(p: Platform, req: Request) -> Response:
    if req.method == "HEAD":
        ctx = p.ctx(req, req.params["sub"])
        exists = ctx.txn.get(normalize(resource_group_id(req.params["sub"], req.params["rg"]))) is not None
        return Response(204 if exists else 404)
    check_api_version(req.api_version, RESOURCES, "resourceGroups")
    ctx = p.ctx(req, req.params["sub"])
    return Response(200, _render(_get(ctx, req.params["sub"], req.params["rg"])))


def patch_group(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "resourceGroups")
    ctx = p.ctx(req, req.params["sub"])
    rec = _get(ctx, req.params["sub"], req.params["rg"])
    crud.guard(ctx, rec.id, "write")
    patch = req.json()
    if not isinstance(patch, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
    body = dict(rec.body)
    if "tags" in patch:
        tags = patch["tags"] or {}
        if not isinstance(tags, dict):
            raise ArmError(400, "InvalidRequestContent", "The tags must be an object.", target="tags")
        check_tags(tags)
        body["tags"] = tags
    if "managedBy" in patch:
        body["managedBy"] = patch["managedBy"]
    if patch.get("location") and str(patch["location"]).replace(" ", "").lower() != body["location"]:
        raise ArmError(409, "InvalidResourceGroupLocation",
                       f"Invalid resource group location '{patch['location']}'. The Resource group already "
                       f"exists in location '{body['location']}'.")
    ctx.txn.put(rec.id, rec.type, None, rec.scope, body)
    p.commit(ctx)
    return Response(200, _render(ctx.txn.get(rec.key) or rec))


def _top_level(key: str) -> str:
    scope, sep, rest = key.partition("/providers/")
    segs = rest.split("/")
    return scope + sep + "/".join(segs[:3])


def delete_contents(ctx: Ctx, scope_key: str) -> None:
    """Delete every resource under a scope, those nothing refers to first."""
    remaining = {}
    for r in ctx.txn.in_scope(scope_key):
        if ctx.platform.registry.get(r.type) is None:   # deployments and other platform records
            ctx.txn.delete(r.key)
        else:
            remaining[r.key] = r
    while remaining:
        progress = False
        for key, rec in list(remaining.items()):
            blockers = {_top_level(r) for r in ctx.txn.referrers(key)}
            blockers.discard(key)
            if not blockers & remaining.keys():
                if any(not b.startswith(scope_key + "/") for b in blockers if ctx.txn.get(b) is not None):
                    continue
                crud.delete_resource(ctx, rec.id, nested=True)
                del remaining[key]
                progress = True
        if not progress:
            inside = [k for k in remaining
                      if all(_top_level(r) in remaining or _top_level(r) == k for r in ctx.txn.referrers(k))]
            if not inside:
                first = next(iter(remaining.values()))
                crud.delete_resource(ctx, first.id, nested=True)  # raises the owner's in-use error
                del remaining[first.key]
                continue
            for key in inside:
                crud.delete_resource(ctx, remaining.pop(key).id, nested=True, force=True)


def delete_group(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "resourceGroups")
    sub, name = req.params["sub"], req.params["rg"]
    ctx = p.ctx(req, sub)
    rec = _get(ctx, sub, name)
    crud.guard(ctx, rec.id, "delete")
    delete_contents(ctx, rec.key)
    ctx.txn.delete(rec.key)
    p.commit(ctx)
    op = p.ops.start(result=None, result_status=200)
    loc = f"{req.base_url}/subscriptions/{sub}/operationresults/{op.id}?api-version={req.api_version}"
    return Response(202, None, {"Location": loc, **p.retry_headers()})


def list_groups(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, RESOURCES, "resourceGroups")
    from .odata_filter import parse_filter

    ctx = p.ctx(req, req.params["sub"])
    recs = ctx.txn.in_scope(normalize(f"/subscriptions/{req.params['sub']}"), RG_TYPE)
    flt = parse_filter(req.arg("$filter"), tags_only=True)   # resource groups filter by tags only
    items = [_render(r) for r in recs if flt(r.body)]
    if flt.hides_tags:
        for item in items:
            item.pop("tags", None)
    return Response(200, page(req, items, None, p.settings.page_size))


ROUTES.add("subscriptions/{sub}/resourcegroups/{rg}", "PUT", put_group)
ROUTES.add("subscriptions/{sub}/resourcegroups/{rg}", ["GET", "HEAD"], get_group)
ROUTES.add("subscriptions/{sub}/resourcegroups/{rg}", "PATCH", patch_group)
ROUTES.add("subscriptions/{sub}/resourcegroups/{rg}", "DELETE", delete_group)
ROUTES.add("subscriptions/{sub}/resourcegroups", "GET", list_groups)
