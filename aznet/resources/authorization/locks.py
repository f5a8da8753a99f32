"""Microsoft.Authorization/locks: management locks with their real effect.

A lock sits on a subscription, a resource group or a resource
(``{scope}/providers/Microsoft.Authorization/locks/{name}``) and applies to that
scope and everything under it:
- ``CanNotDelete``: deletes are refused;
- ``ReadOnly``: deletes, writes (PUT, PATCH) and POST actions (such as a storage
  account's listKeys) are refused.
Deleting a scope that holds a locked resource is refused too. The refusal is
ARM's ``409 ScopeLocked`` ("The scope '...' cannot perform delete operation
because following scope(s) are locked: '...'. Please remove the lock and try
again."). Locks themselves stay manageable under a ReadOnly lock.

Lock records live in the store with a scope of their own (they are not resources
of the group: not listed by ``/resources``, not deleted with it — a group that
holds one cannot be deleted anyway). Listing at a scope returns the locks at and
below it; ``$filter=atScope()`` only those at it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...arm import crud
from ...arm.errors import ArmError, resource_group_not_found
from ...arm.ids import normalize, parse_resource_id
from ...arm.provider_actions import Paged, provider_action, require_body
from ...arm.versions import supported

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Authorization/locks"
STORE_SCOPE = "_aznet:locks"
API_VERSIONS = supported("locks")
LEVELS = ("CanNotDelete", "ReadOnly")
NAME_RE = re.compile(r"^[^<>%&:\\?/]{1,260}$")
BLOCKS = {"delete": ("CanNotDelete", "ReadOnly"), "write": ("ReadOnly",), "action": ("ReadOnly",)}
MARKER = "/providers/microsoft.authorization/locks"


def _under(key: str, scope: str) -> bool:
    return key == scope or key.startswith(scope + "/")


def all_locks(ctx: Any) -> list[Any]:
    return list(ctx.txn.of_type(TYPE)) if hasattr(ctx, "txn") else list(ctx.of_type(TYPE))


def lock_scope(lock_id: str) -> str:
    return normalize(lock_id.rsplit("/providers/", 1)[0])


def check(ctx: Ctx, rid: str, operation: str) -> None:
    """The write guard: raise ScopeLocked when a lock forbids ``operation`` on ``rid``."""
    levels = BLOCKS.get(operation)
    if not levels:
        return
    key = normalize(rid)
    if MARKER in key:                 # the locks themselves stay manageable
        return
    locked = []
    for rec in all_locks(ctx):
        level = (rec.body.get("properties") or {}).get("level")
        scope = lock_scope(rec.id)
        if level in levels and (_under(key, scope) or (operation == "delete" and _under(scope, key))):
            shown = rec.id.rsplit("/providers/", 1)[0]
            if shown not in locked:
                locked.append(shown)
    if locked:
        verb = "delete" if operation == "delete" else "write"
        raise ArmError(409, "ScopeLocked",
                       f"The scope '{rid}' cannot perform {verb} operation because following scope(s) are locked: "
                       f"{', '.join(repr(s) for s in locked)}. Please remove the lock and try again.")


crud.WRITE_GUARDS.append(check)


# -- the API ------------------------------------------------------------------------------------

def _scope_from(path: str) -> str:
    path = path.split("?", 1)[0]
    low = path.lower()
    i = low.rfind(MARKER)
    return "/" + "/".join(seg for seg in path[:i].split("/") if seg)      # SDKs send an empty parent path as //


def _check_scope(ctx: Ctx, scope: str) -> None:
    parsed = parse_resource_id(scope)
    if parsed is not None:                       # a resource
        if parsed.resource_group and ctx.txn.get(normalize(parsed.scope)) is None:
            raise resource_group_not_found(parsed.resource_group)
        if ctx.txn.get(normalize(scope)) is None:
            raise ArmError(404, "ResourceNotFound", f"The Resource '{parsed.full_type}/{parsed.name}' under "
                           f"resource group '{parsed.resource_group}' was not found.")
        return
    segs = [s for s in scope.split("/") if s]
    if len(segs) == 4 and segs[2].lower() == "resourcegroups" and ctx.txn.get(normalize(scope)) is None:
        raise resource_group_not_found(segs[3])


def _render(rec: Any) -> dict[str, Any]:
    return {k: v for k, v in rec.body.items() if k != "_aznet"}


_RESOURCE = "subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}"
_BASES = ["subscriptions/{sub}", "subscriptions/{sub}/resourcegroups/{rg}",
          *(_RESOURCE + "".join(f"/{{t{i}}}/{{n{i}}}" for i in range(depth)) for depth in (1, 2, 3))]
_ONE = [base + "/providers/microsoft.authorization/locks/{lock}" for base in _BASES]
_ALL = [base + "/providers/microsoft.authorization/locks" for base in _BASES]


@provider_action(_ONE, "PUT", api_versions=API_VERSIONS, name="locks", body="optional", writes=True)
def put_lock(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    name = params["lock"]
    if not NAME_RE.match(name):
        raise ArmError(400, "LockNameInvalid", f"The lock name '{name}' is invalid: at most 260 characters, none of "
                       "< > % & : \\ ? /.")
    scope = _scope_from(ctx.path)
    _check_scope(ctx, scope)
    require_body(body)
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must have a 'properties' object.")
    level = next((lv for lv in LEVELS if isinstance(props.get("level"), str) and props["level"].lower() == lv.lower()),
                 None)
    if level is None:
        raise ArmError(400, "LockLevelInvalid", f"The lock level '{props.get('level')}' is invalid: use CanNotDelete "
                       "or ReadOnly.")
    notes = props.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 512):
        raise ArmError(400, "LockNotesTooLong", "The lock notes must be a string of at most 512 characters.")
    owners = props.get("owners")
    if owners is not None and (not isinstance(owners, list) or not all(
            isinstance(o, dict) and isinstance(o.get("applicationId"), str) for o in owners)):
        raise ArmError(400, "InvalidRequestContent", "Lock owners must be objects with an applicationId.")
    lid = f"{scope}/providers/{TYPE}/{name}"
    old = ctx.txn.get(normalize(lid))
    out = {"id": old.id if old else lid, "type": TYPE, "name": name,
           "properties": {"level": level, **({"notes": notes} if notes is not None else {}),
                          **({"owners": owners} if owners is not None else {})}}
    ctx.txn.put(out["id"], TYPE, None, STORE_SCOPE, out)
    return (200 if old else 201), out


@provider_action(_ONE, "GET", api_versions=API_VERSIONS, name="locks")
def get_lock(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    rec = ctx.txn.get(normalize(f"{_scope_from(ctx.path)}/providers/{TYPE}/{params['lock']}"))
    if rec is None:
        raise ArmError(404, "LockNotFound", f"The lock '{params['lock']}' could not be found.")
    return 200, _render(rec)


@provider_action(_ONE, "DELETE", api_versions=API_VERSIONS, name="locks", writes=True)
def delete_lock(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    key = normalize(f"{_scope_from(ctx.path)}/providers/{TYPE}/{params['lock']}")
    if ctx.txn.get(key) is None:
        return 204, None
    ctx.txn.delete(key)
    return 200, None


@provider_action(_ALL, "GET", api_versions=API_VERSIONS, name="locks", paged=True)
def list_locks(ctx: Ctx, body: Any, params: dict[str, str]) -> tuple[int, Any]:
    scope = _scope_from(ctx.path)
    _check_scope(ctx, scope)
    key = normalize(scope)
    at_scope = "atscope()" in (ctx.arg("$filter") or "").replace(" ", "").lower()
    recs = [r for r in all_locks(ctx)
            if (lock_scope(r.id) == key if at_scope else _under(lock_scope(r.id), key))
            or (not at_scope and _under(key, lock_scope(r.id)))]
    return 200, Paged(recs, _render)
