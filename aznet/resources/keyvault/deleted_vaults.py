"""Soft-deleted key vaults: a vault deleted with soft delete on (the default) is
kept for ``softDeleteRetentionInDays``; its name stays taken (409 ConflictError,
"A vault with the same name already exists in deleted state. You need to either
recover or purge existing key vault.") until it is recovered (PUT with
``createMode: recover``) or purged (``POST .../deletedVaults/{name}/purge``,
refused under purge protection).

Routes: ``GET /subscriptions/{sub}/providers/Microsoft.KeyVault/deletedVaults``,
``GET .../locations/{loc}/deletedVaults/{name}``, ``POST .../purge``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.http import Request, Response, page
from ...arm.ids import normalize
from ...arm.router import ROUTES
from ...arm.versions import check_api_version

if TYPE_CHECKING:
    from ...arm.context import Ctx
    from ...arm.platform import Platform

TYPE = "Microsoft.KeyVault/deletedVaults"
STORE_SCOPE = "_aznet:deletedvaults"


def deleted_id(sub: str, location: str, name: str) -> str:
    return f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}"


def find(ctx_or_txn: Any, name: str) -> Any:
    for rec in ctx_or_txn.of_type(TYPE):
        if str(rec.body.get("name", "")).lower() == name.lower():
            return rec
    return None


def keep(ctx: Ctx, vault: dict[str, Any]) -> None:
    """Called when a vault is deleted: with soft delete on, remember it."""
    props = vault.get("properties") or {}
    if props.get("enableSoftDelete") is False:
        return
    sub = vault["id"].split("/")[2]
    now = datetime.now(UTC)
    days = int(props.get("softDeleteRetentionInDays") or 90)
    rid = deleted_id(sub, vault["location"], vault["name"])
    body = {"id": rid, "name": vault["name"], "type": TYPE,
            "properties": {"vaultId": vault["id"], "location": vault["location"],
                           "deletionDate": now.isoformat().replace("+00:00", "Z"),
                           "scheduledPurgeDate": (now + timedelta(days=days)).isoformat().replace("+00:00", "Z"),
                           "tags": vault.get("tags") or {},
                           "purgeProtectionEnabled": bool(props.get("enablePurgeProtection"))},
            "_aznet": {"vault": {k: v for k, v in vault.items() if k != "_aznet"}}}
    ctx.txn.put(rid, TYPE, None, STORE_SCOPE, body)


def _render(rec: Any) -> dict[str, Any]:
    return {k: v for k, v in rec.body.items() if k != "_aznet"}


def list_deleted(p: Platform, req: Request) -> Response:
    from .vaults import API_VERSIONS

    check_api_version(req.api_version, API_VERSIONS, "deletedVaults")
    ctx = p.ctx(req, req.params["sub"])
    prefix = f"/subscriptions/{req.params['sub']}/".lower()
    recs = [r for r in ctx.txn.of_type(TYPE) if r.key.startswith(prefix)]
    return Response(200, page(req, recs, _render, p.settings.page_size))


def _one(p: Platform, req: Request) -> tuple[Any, Any]:
    from .vaults import API_VERSIONS

    check_api_version(req.api_version, API_VERSIONS, "deletedVaults")
    ctx = p.ctx(req, req.params["sub"])
    rec = ctx.txn.get(normalize(deleted_id(req.params["sub"], req.params["loc"], req.params["name"])))
    if rec is None:
        raise ArmError(404, "ResourceNotFound", f"The deleted vault '{req.params['name']}' was not found.")
    return ctx, rec


def get_deleted(p: Platform, req: Request) -> Response:
    _ctx, rec = _one(p, req)
    return Response(200, _render(rec))


def purge(p: Platform, req: Request) -> Response:
    ctx, rec = _one(p, req)
    if (rec.body.get("properties") or {}).get("purgeProtectionEnabled"):
        raise ArmError(409, "Conflict", f"Operation 'DeleteVault' is not allowed: vault {rec.body['name']} has purge "
                       "protection enabled and can only be purged after its retention period.")
    ctx.txn.delete(rec.key)
    p.commit(ctx)
    return Response(200)


_BASE = "subscriptions/{sub}/providers/microsoft.keyvault"
ROUTES.add(_BASE + "/deletedvaults", "GET", list_deleted)
ROUTES.add(_BASE + "/locations/{loc}/deletedvaults/{name}", "GET", get_deleted)
ROUTES.add(_BASE + "/locations/{loc}/deletedvaults/{name}/purge", "POST", purge)
