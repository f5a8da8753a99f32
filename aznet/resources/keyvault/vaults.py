"""Microsoft.KeyVault/vaults: the control plane only (no vault data plane).

- Name: 3-24 letters, digits and hyphens, starting with a letter, ending with a
  letter or digit, no consecutive hyphens (VaultNameNotValid); global
  (409 VaultAlreadyExists); ``checkNameAvailability`` answers the same way.
- ``tenantId`` (a GUID) and ``sku`` (family A, standard / premium) are required.
- Access policies need tenantId and objectId GUIDs and known permissions.
- Soft delete on by default, retention 7-90 days (default 90); purge protection
  cannot be turned off once on.
- ``vaultUri`` is ``https://<name>.vault.azure.net/``.
- ``networkAcls``: default action, bypass, IP rules, VNet rules whose subnets need
  the Microsoft.KeyVault service endpoint (unless ignoreMissingVnetServiceEndpoint).
- Private link group id ``vault`` (privatelink.vaultcore.azure.net), connections
  with the approval flow.
- Soft delete: a deleted vault keeps its name (deleted_vaults) until recovered
  (createMode recover) or purged.

Codes: VaultAlreadyExists is Azure's; VaultNameNotValid and the rest are best readings."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import is_guid
from ...arm.provider_actions import provider_action
from ...arm.registry import Hooks, NameRule, ResourceType
from .. import private_link_targets as plt
from . import deleted_vaults
from .api_versions import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.KeyVault/vaults"
NAME_RE = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$")
PERMISSIONS = {
    "keys": {"all", "encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify", "get", "list", "create",
             "update", "import", "delete", "backup", "restore", "recover", "purge", "release", "rotate",
             "getrotationpolicy", "setrotationpolicy"},
    "secrets": {"all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"},
    "certificates": {"all", "get", "list", "delete", "create", "import", "update", "managecontacts",
                     "getissuers", "listissuers", "setissuers", "deleteissuers", "manageissuers", "recover",
                     "purge", "backup", "restore"},
    "storage": {"all", "get", "list", "delete", "set", "update", "regeneratekey", "recover", "purge", "backup",
                "restore", "setsas", "listsas", "getsas", "deletesas"},
}
GROUPS = [plt.GroupId("vault", ("default",), "privatelink.vaultcore.azure.net")]


def bad(code: str, message: str, status: int = 400) -> ArmError:
    return ArmError(status, code, message)


def name_message(name: str) -> str:
    return (f"The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. "
            "The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.")


def vault_named(ctx: Any, name: str) -> Any:
    """The vault record with this (global) name, from a Ctx or a Store."""
    for rec in ctx.of_type(TYPE):
        if str(rec.body.get("name", "")).lower() == name.lower():
            return rec
    return None


def _policies(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad("BadRequest", "properties.accessPolicies must be an array.")
    out = []
    for i, p in enumerate(value):
        if not isinstance(p, dict) or not is_guid(str(p.get("tenantId"))) or not isinstance(p.get("objectId"), str) \
                or not p["objectId"]:
            raise bad("BadRequest", f"properties.accessPolicies[{i}] needs a tenantId (GUID) and an objectId.")
        perms = p.get("permissions") or {}
        if not isinstance(perms, dict):
            raise bad("BadRequest", f"properties.accessPolicies[{i}].permissions must be an object.")
        clean: dict[str, list[str]] = {}
        for kind, names in perms.items():
            if kind not in PERMISSIONS or not isinstance(names, list):
                raise bad("BadRequest", f"Unknown permission kind '{kind}' in properties.accessPolicies[{i}].")
            for n in names:
                if not isinstance(n, str) or n.lower() not in PERMISSIONS[kind]:
                    raise bad("BadRequest", f"Invalid {kind} permission '{n}' in properties.accessPolicies[{i}].")
            clean[kind] = list(names)
        out.append({**p, "permissions": clean})
    return out


class VaultHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        name = new["name"]
        if not NAME_RE.match(name):
            raise bad("VaultNameNotValid", name_message(name))
        other = vault_named(ctx, name)
        if old is None and other is not None and other.id.lower() != new["id"].lower():
            raise bad("VaultAlreadyExists", f"The vault name '{name}' is already in use. Vault names are globally "
                      "unique so it is possible that the name is already taken.", 409)
        props = new["properties"]
        mode = props.pop("createMode", None)
        gone = deleted_vaults.find(ctx.txn, name) if old is None else None
        if mode is not None and mode not in ("default", "recover"):
            raise bad("BadRequest", f"createMode '{mode}' is not valid: default or recover.")
        if gone is not None and mode != "recover":
            raise bad("ConflictError", "A vault with the same name already exists in deleted state. You need to "
                      "either recover or purge existing key vault.", 409)
        if mode == "recover":
            if gone is None:
                raise bad("ResourceNotFound", f"The vault '{name}' was not found in deleted state.", 404)
            kept = ((gone.body.get("_aznet") or {}).get("vault") or {}).get("properties") or {}
            props.update({k: v for k, v in kept.items() if k not in props})
            new.setdefault("_aznet", {})["recovered"] = gone.key
        if not is_guid(str(props.get("tenantId"))):
            raise bad("BadRequest", "properties.tenantId is required and must be a GUID.")
        sku = props.get("sku")
        if not isinstance(sku, dict) or str(sku.get("name", "")).lower() not in ("standard", "premium") \
                or str(sku.get("family", "A")) != "A":
            raise bad("BadRequest", "properties.sku is required: family 'A', name 'standard' or 'premium'.")
        props["sku"] = {"family": "A", "name": sku["name"].lower()}
        props["accessPolicies"] = _policies(props.get("accessPolicies"))
        for flag in ("enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment",
                     "enableRbacAuthorization", "enableSoftDelete", "enablePurgeProtection"):
            if props.get(flag) is not None and not isinstance(props[flag], bool):
                raise bad("BadRequest", f"properties.{flag} must be true or false.")
        props.setdefault("enableSoftDelete", True)
        days = props.get("softDeleteRetentionInDays", 90)
        if not isinstance(days, int) or isinstance(days, bool) or not 7 <= days <= 90:
            raise bad("BadRequest", "properties.softDeleteRetentionInDays must be between 7 and 90.")
        props["softDeleteRetentionInDays"] = days
        if ((old or {}).get("properties") or {}).get("enablePurgeProtection") and \
                props.get("enablePurgeProtection") is False:
            raise bad("BadRequest", f"Purge protection of vault {name} cannot be disabled once enabled.")
        props["networkAcls"] = self._acls(ctx, props.get("networkAcls"), new["id"])
        props["publicNetworkAccess"] = props.get("publicNetworkAccess") or "Enabled"
        if props["publicNetworkAccess"] not in ("Enabled", "Disabled"):
            raise bad("BadRequest", "properties.publicNetworkAccess must be Enabled or Disabled.")

    def _acls(self, ctx: Ctx, acls: Any, owner: str) -> dict[str, Any]:
        if acls is None:
            return {"bypass": "AzureServices", "defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []}
        if not isinstance(acls, dict):
            raise bad("BadRequest", "properties.networkAcls must be an object.")
        default = acls.get("defaultAction", "Allow")
        bypass = acls.get("bypass", "AzureServices")
        if default not in ("Allow", "Deny") or bypass not in ("AzureServices", "None"):
            raise bad("BadRequest", "networkAcls.defaultAction must be Allow or Deny, bypass AzureServices or None.")
        rules = []
        for i, r in enumerate(acls.get("virtualNetworkRules") or []):
            ignore = bool((r or {}).get("ignoreMissingVnetServiceEndpoint"))
            sid = plt.check_subnet_rule(ctx, (r or {}).get("id"), owner, "Microsoft.KeyVault",
                                        f"networkAcls.virtualNetworkRules[{i}].id", ignore, code="BadRequest")
            rules.append({"id": sid, "ignoreMissingVnetServiceEndpoint": ignore})
        ips = []
        for i, r in enumerate(acls.get("ipRules") or []):
            value = (r or {}).get("value")
            from ...netmodel.addr import try_ip, try_prefix

            if not isinstance(value, str) or (try_ip(value) is None and try_prefix(value) is None):
                raise bad("BadRequest", f"networkAcls.ipRules[{i}].value '{value}' is not an IPv4 address or range.")
            ips.append({"value": value})
        return {"bypass": bypass, "defaultAction": default, "ipRules": ips, "virtualNetworkRules": rules}

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["vaultUri"] = f"https://{new['name'].lower()}.vault.azure.net/"
        props.pop("privateEndpointConnections", None)
        props.pop("hsmPoolResourceId", None)

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        recovered = (new.get("_aznet") or {}).pop("recovered", None)
        if recovered:
            if ctx.txn.get(recovered) is not None:
                ctx.txn.delete(recovered)
            ctx.write_raw(new["id"], new)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        deleted_vaults.keep(ctx, body)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        plt.render_connections(ctx, body)


@provider_action("subscriptions/{sub}/providers/microsoft.keyvault/checknameavailability", "POST",
                 api_versions=API_VERSIONS, name="checkNameAvailability", body="required")
def check_name_availability(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    name = payload.get("name") if isinstance(payload, dict) else None
    if not isinstance(name, str):
        raise bad("BadRequest", "The request must name the vault in 'name'.")
    if not NAME_RE.match(name):
        return 200, {"nameAvailable": False, "reason": "AccountNameInvalid", "message": name_message(name)}
    if vault_named(ctx, name) is not None:
        return 200, {"nameAvailable": False, "reason": "AlreadyExists",
                     "message": f"The vault name '{name}' is already in use."}
    return 200, {"nameAvailable": True}


def new_version() -> str:
    return uuid.uuid4().hex


plt.declare(ResourceType(TYPE, API_VERSIONS, model="VaultCreateOrUpdateParameters", schema_package="keyvault",
                         hooks=VaultHooks(), names=NameRule(1, 80, r"^.+$", ""), long_running=False), GROUPS)
