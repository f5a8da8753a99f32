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
from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from .api_versions import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

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


_BASE = "subscriptions/{sub}/providers/microsoft.keyvault"


@provider_action(_BASE + "/deletedvaults", "GET", api_versions=API_VERSIONS, name="deletedVaults", paged=True)
def list_deleted(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    prefix = f"/subscriptions/{params['sub']}/".lower()
    return 200, [_render(r) for r in ctx.txn.of_type(TYPE) if r.key.startswith(prefix)]


def _one(ctx: Ctx, params: dict[str, str]) -> Any:
    rec = ctx.txn.get(normalize(deleted_id(params["sub"], params["loc"], params["name"])))
    if rec is None:
        raise ArmError(404, "ResourceNotFound", f"The deleted vault '{params['name']}' was not found.")
    return rec


@provider_action(_BASE + "/locations/{loc}/deletedvaults/{name}", "GET", api_versions=API_VERSIONS,
                 name="deletedVaults")
def get_deleted(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, _render(_one(ctx, params))


@provider_action(_BASE + "/locations/{loc}/deletedvaults/{name}/purge", "POST", api_versions=API_VERSIONS,
                 name="deletedVaults", writes=True)
def purge(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    rec = _one(ctx, params)
    if (rec.body.get("properties") or {}).get("purgeProtectionEnabled"):
        raise ArmError(409, "Conflict", f"Operation 'DeleteVault' is not allowed: vault {rec.body['name']} has purge "
                       "protection enabled and can only be purged after its retention period.")
    ctx.txn.delete(rec.key)
    return 200, None
