"""The generic engine behind PUT, GET, PATCH, DELETE and list for every
declared resource type. Knows ARM, not VNets: behaviour comes from hooks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..jsondata import copy_json  # noqa: F401 - crud.copy_json is used by the resource types
from ..store.base import Record
from . import backrefs, jsonio, strict_members
from .context import Ctx
from .errors import ArmError, resource_group_not_found, resource_not_found
from .ids import ResourceId, normalize, parse_resource_id
from .registry import ResourceType
from .tags import check_tags

PRIVATE = "_aznet"
log = logging.getLogger("aznet.arm.crud")

# Checks every client write goes through before it changes anything: guard(ctx, resource id, operation),
# operation "write" | "delete" | "action"; a guard raises ArmError to refuse (management locks do).
WRITE_GUARDS: list[Callable[[Ctx, str, str], None]] = []


def guard(ctx: Ctx, rid: str, operation: str) -> None:
    for check in WRITE_GUARDS:
        check(ctx, rid, operation)


def _now() -> str:
    """ARM's timestamp format, e.g. 2026-12-04T18:11:48.1234567Z."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}0Z"


def new_etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def resource_guid(old: dict[str, Any] | None) -> str:
    """``properties.resourceGuid``: kept across updates, new on create."""
    return ((old or {}).get("properties") or {}).get("resourceGuid") or str(uuid.uuid4())


def resolve_type(ctx: Ctx, rid: ResourceId) -> ResourceType:
    registry = ctx.platform.registry
    rt = registry.get(rid.full_type)
    if rt is not None:
        return rt
    if registry.namespace(rid.namespace) is None:
        raise ArmError(400, "InvalidResourceNamespace",
                       f"The resource namespace '{rid.namespace}' is invalid.")
    raise ArmError(404, "InvalidResourceType",
                   f"The resource type '{'/'.join(rid.types)}' could not be found in the namespace "
                   f"'{rid.namespace}' for api version '{ctx.api_version}'.")


def check_scope(ctx: Ctx, rid: ResourceId, rt: ResourceType) -> Record | None:
    """The resource group (and parent) must exist; returns the parent record."""
    if rid.resource_group is not None:
        if ctx.txn.get(normalize(rid.scope)) is None:
            raise resource_group_not_found(rid.resource_group)
    parent = rid.parent()
    if parent is None:
        return None
    prec = ctx.txn.get(normalize(str(parent)))
    if prec is None:
        raise ArmError(404, "ParentResourceNotFound",
                       f"Can not perform requested operation on nested resource. Parent resource "
                       f"'{'/'.join(parent.names)}' not found.")
    return prec


def virtual_parent(ctx: Ctx, rid: ResourceId) -> Record:
    """The parent a computed read-only child is read from: a missing one answers as a GET of it would."""
    if rid.resource_group is not None and ctx.txn.get(normalize(rid.scope)) is None:
        raise resource_group_not_found(rid.resource_group)
    parent = rid.parent()
    assert parent is not None
    prec = ctx.txn.get(normalize(str(parent)))
    if prec is None:
        raise resource_not_found(parent.full_type, parent.name, parent.resource_group)
    return prec


def render(ctx: Ctx, rec: Record) -> dict[str, Any]:
    """The resource as GET returns it."""
    body = {k: copy_json(v) for k, v in rec.body.items() if k != PRIVATE}
    rt = ctx.platform.registry.get(rec.type)
    if rt is None:
        return body
    if rt.inline_children:
        props = body.setdefault("properties", {})
        for prop, ctype in rt.inline_children.items():
            props[prop] = [render(ctx, c) for c in ctx.txn.children(rec.key, ctype)]
    if rt.back_refs:
        backrefs.render(ctx, rt.back_refs, body)
    rt.hooks.render(ctx, body)
    return body


def render_or_skip(ctx: Ctx, rec: Record) -> dict[str, Any] | None:
    """``render`` for lists: a stored record that fails to render (written by an older aznet
    before today's checks) is logged and left out, so one bad record never fails a whole list."""
    try:
        return render(ctx, rec)
    except Exception:
        log.exception("cannot render %s: left out of the list", rec.id)
        return None


def _check_conditions(old: Record | None, if_match: str | None, if_none_match: str | None) -> None:
    etag = old.body.get("etag") if old else None
    if if_match is not None:
        if old is None or (if_match.strip() != "*" and if_match.strip() != etag):
            raise ArmError(412, "PreconditionFailed",
                           "The condition specified using HTTP conditional header(s) is not met.")
    if if_none_match is not None and old is not None:
        if if_none_match.strip() == "*" or if_none_match.strip() == etag:
            raise ArmError(412, "PreconditionFailed",
                           "The condition specified using HTTP conditional header(s) is not met.")


def _normalize_location(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    return value.replace(" ", "").lower()


def _schema_check(ctx: Ctx, rt: ResourceType, body: dict[str, Any], check_members: bool = True) -> dict[str, Any]:
    schema = ctx.platform.schema_for(rt)
    if schema is None:
        return body
    if check_members:       # unknown members (Network RP), names matched case-insensitively
        body = strict_members.check_members(schema, body, ctx.body_text)
    errors = schema.validate(body)
    if errors:
        from .schema import invalid_request_format

        raise invalid_request_format(errors[:10])
    return schema.strip_readonly(body)


def cannot_parse(path: str, problem: str) -> ArmError:
    """NRP's "Cannot parse the request." with a detail naming the path (and member)."""
    return ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", target=path,
                    details=[{"code": "InvalidJson", "message": f"{problem} Path '{path}'."}])


def _target(ctx: Ctx, rid_str: str) -> tuple[ResourceId, ResourceType]:
    """The id of one resource (not a collection) and its registered type."""
    rid = parse_resource_id(rid_str)
    if rid is None or rid.is_collection:
        raise ArmError(400, "InvalidResourceId", f"The resource id '{rid_str}' is not valid.")
    return rid, resolve_type(ctx, rid)


def _stored_target(ctx: Ctx, rid_str: str, method: str) -> tuple[ResourceId, ResourceType]:
    """``_target`` for a write: a virtual type (computed from its parent, never stored) refuses ``method``."""
    rid, rt = _target(ctx, rid_str)
    if rt.virtual is not None:
        raise ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")
    return rid, rt


def _json_object(body: Any) -> None:
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestContent",
                       "The request content was invalid and could not be deserialized: the body must be a JSON object.")


def put_resource(ctx: Ctx, rid_str: str, body: Any, *, nested: bool = False,
                 if_match: str | None = None, if_none_match: str | None = None,
                 sync_parent: bool = True, check_members: bool = True) -> tuple[int, dict[str, Any]]:
    rid, rt = _stored_target(ctx, rid_str, "PUT")
    _json_object(body)
    parent_rec = check_scope(ctx, rid, rt)      # ARM finds the group (and parent) before the RP sees the name
    if not nested:
        guard(ctx, str(rid), "write")
    rt.names.check(rid.name, rt.type)
    key = normalize(str(rid))
    old = ctx.txn.get(key)
    _check_conditions(old, if_match, if_none_match)
    body = _schema_check(ctx, rt, body, check_members)
    props = body.get("properties", {})
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise cannot_parse("properties", f"Unexpected {_token(props)} when reading the member 'properties'.")
    props = dict(props)
    children_in: dict[str, list[Any] | None] = {}
    for prop in rt.inline_children:
        value = props.pop(prop, None)
        if value is not None and not isinstance(value, list):
            raise cannot_parse(f"properties.{prop}", f"Unexpected {_token(value)} when reading the member '{prop}'.")
        children_in[prop] = value

    new: dict[str, Any] = {"id": old.id if old else str(rid), "name": rid.name, "type": rt.type}
    if rt.etag:
        new["etag"] = new_etag()
    if not rt.is_child:
        for f in rt.top_level_fields:
            if f in body and body[f] is not None:
                new[f] = copy_json(body[f])
        if rt.global_location:
            loc = body.get("location", "global")
            if not isinstance(loc, str) or loc.lower() != "global":
                raise ArmError(400, "LocationNotAvailableForResourceType",
                               f"The provided location '{loc}' is not available for resource type "
                               f"'{rt.type}'. List of available regions for the resource type is 'global'.")
            new["location"] = "global"
        elif rt.location == "required":
            new["location"] = _normalize_location(body.get("location"))
            ctx.platform.check_location(new["location"], rt.type)
        elif "location" in new:
            new["location"] = _normalize_location(new["location"])
        if "tags" in new and not isinstance(new["tags"], dict):
            raise cannot_parse("tags", f"Unexpected {_token(new['tags'])} when reading the member 'tags'.")
    elif rt.location != "none":
        # tracked child resources (private DNS zone links, …) keep their tags and location
        if isinstance(body.get("tags"), dict):
            new["tags"] = copy_json(body["tags"])
        if isinstance(body.get("location"), str) and body["location"].strip():
            new["location"] = "global" if rt.global_location else _normalize_location(body["location"])
    check_tags(new.get("tags"))
    new["properties"] = copy_json(props)
    if rt.provisioning_state:
        new["properties"]["provisioningState"] = "Succeeded"
    old_body = old.body if old else None
    if old_body and PRIVATE in old_body:
        new[PRIVATE] = copy_json(old_body[PRIVATE])
    if not nested or old_body is None:      # createdTime/changedTime for $expand on resource lists
        stamp = _now()
        private = new.setdefault(PRIVATE, {})
        private.setdefault("createdTime", stamp)
        private["changedTime"] = stamp
    rt.hooks.validate(ctx, new, old_body)
    if rt.back_refs:
        backrefs.drop_on_put(rt.back_refs, new)
    rt.hooks.prepare(ctx, new, old_body)
    _check_storable(new, old_body)
    scope = normalize(rid.scope)
    ctx.txn.put(new["id"], rt.type, parent_rec.key if parent_rec else None, scope, new)
    if rt.inline_children:
        ctx.children_batch.add(key)
        try:
            for prop, ctype in rt.inline_children.items():
                _sync_children(ctx, rid, rt, prop, ctype, children_in[prop])
        finally:
            ctx.children_batch.discard(key)
        rt.hooks.validate_children(ctx, new, old_body)
    rt.hooks.after_write(ctx, new, old_body)
    if parent_rec is not None and sync_parent and not nested:
        touch(ctx, parent_rec)
    rec = ctx.txn.get(key)
    assert rec is not None
    return (200 if old else 201), render(ctx, rec)


def _check_storable(body: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Never store what cannot be rendered as strict JSON. Request bodies are checked when parsed;
    this catches values computed on the way (template expressions such as json() or reduce()).
    A resource stored too deep by an older aznet can still be updated (its tags patched)."""
    problem = jsonio.storable_problem(body)
    if problem is not None and old is not None and "nested" in problem and jsonio.too_deep(old):
        problem = None
    if problem is not None:
        raise ArmError(400, "InvalidRequestContent",
                       f"The request content was invalid and could not be deserialized: '{problem}'.")


def _sync_children(ctx: Ctx, rid: ResourceId, rt: ResourceType, prop: str, ctype: str,
                   items: list[Any] | None) -> None:
    key = normalize(str(rid))
    existing = {c.key: c for c in ctx.txn.children(key, ctype)}
    keep = rt.keep_children_when_absent
    if items is None and (keep is True or (not isinstance(keep, bool) and prop in keep)):
        return
    child_rt = ctx.platform.registry.get(ctype)
    assert child_rt is not None, ctype
    child_segment = ctype.split("/")[-1]
    seen: set[str] = set()
    for i, item in enumerate(items or []):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            path = f"properties.{prop}[{i}]"
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", target=path,
                           details=[{"code": "MissingName",
                                     "message": f"Each item of {prop} needs a member 'name'. Path '{path}'."}])
        crid = rid.child(child_segment, item["name"])
        ckey = normalize(str(crid))
        if ckey in seen:
            raise ArmError(400, "InvalidRequestFormat",
                           f"Two items of {prop} have the same name '{item['name']}'.", target=f"properties.{prop}")
        seen.add(ckey)
        put_resource(ctx, str(crid), {k: v for k, v in item.items() if k not in ("id", "etag", "type")},
                     nested=True)
    for ckey, crec in existing.items():
        if ckey not in seen:
            delete_resource(ctx, crec.id, nested=True)


def touch(ctx: Ctx, rec: Record) -> None:
    """A child changed: the parent gets a new etag (and subscribers hear of it)."""
    rec = ctx.txn.get(rec.key) or rec     # the parent as it is now (a child's hooks may have updated it)
    body = dict(rec.body)
    if "etag" in body:
        body["etag"] = new_etag()
    ctx.txn.put(rec.id, rec.type, rec.parent, rec.scope, body)


def get_resource(ctx: Ctx, rid_str: str) -> dict[str, Any]:
    rid, rt = _target(ctx, rid_str)
    if rt.virtual is not None:
        for child in rt.virtual(ctx, virtual_parent(ctx, rid).body):
            if child["name"].lower() == rid.name.lower():
                return child
        raise ArmError(404, "NotFound", f"Resource {rid} not found.")
    check_scope(ctx, rid, rt)
    rec = ctx.txn.get(normalize(str(rid)))
    if rec is None:
        if rt.is_child:
            raise ArmError(404, "NotFound", f"Resource {rid} not found.")
        raise resource_not_found(rt.type, rid.name, rid.resource_group)
    return render(ctx, rec)


def delete_resource(ctx: Ctx, rid_str: str, *, nested: bool = False, force: bool = False) -> bool:
    """Delete a resource and its children. Returns False when it did not exist."""
    rid, rt = _stored_target(ctx, rid_str, "DELETE")
    if not nested:
        if rid.resource_group is not None and ctx.txn.get(normalize(rid.scope)) is None:
            raise resource_group_not_found(rid.resource_group)
    key = normalize(str(rid))
    rec = ctx.txn.get(key)
    if rec is None:
        return False
    if not nested:
        guard(ctx, rec.id, "delete")
    if not force:
        if rt.back_refs:
            backrefs.check_delete(ctx, rt.back_refs, rec.body)
        rt.hooks.before_delete(ctx, rec.body)
    for child in ctx.txn.children(key):
        delete_resource(ctx, child.id, nested=True, force=force)
    ctx.txn.delete(key)
    rt.hooks.after_delete(ctx, rec.body)
    if rec.parent and not nested:
        prec = ctx.txn.get(rec.parent)
        if prec is not None:
            touch(ctx, prec)
    return True


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy_json(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def patch_resource(ctx: Ctx, rid_str: str, patch: Any, *, if_match: str | None = None) -> dict[str, Any]:
    _json_object(patch)
    rid = parse_resource_id(rid_str)
    if rid is not None and not rid.is_collection:
        # the PATCH body is checked against the PATCH model (TagsObject for most Network types)
        patch = strict_members.check_members(strict_members.patch_schema(ctx, resolve_type(ctx, rid)), patch,
                                             ctx.body_text)
    current = jsonio.repair(get_resource(ctx, rid_str))    # stored by an older aznet: NaN -> null, …
    if "tags" in patch and patch["tags"] is not None and not isinstance(patch["tags"], dict):
        raise cannot_parse("tags", f"Unexpected {_token(patch['tags'])} when reading the member 'tags'.")
    merged = merge_patch(current, patch)
    if "tags" in patch:
        merged["tags"] = copy_json(patch["tags"]) or {}
    # the merged body holds what GET rendered (computed members too): its members are not re-checked
    return put_resource(ctx, rid_str, merged, if_match=if_match, check_members=False)[1]


def _token(value: Any) -> str:
    """Json.NET's name for the token a value starts with."""
    if isinstance(value, dict):
        return "StartObject"
    if isinstance(value, list):
        return "StartArray"
    return "value " + jsonio.dumps(value)[:40]
