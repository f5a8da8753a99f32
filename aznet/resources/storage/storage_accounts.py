"""Microsoft.Storage/storageAccounts: minimal but honest, for flow logs,
diagnostics, private endpoints and service endpoints to point at.

- Name: 3-24 lower-case letters and digits (AccountNameInvalid), unique across
  the whole emulator as Azure's are global (409 StorageAccountAlreadyTaken);
  ``checkNameAvailability`` answers the same way.
- ``sku.name`` and ``kind`` are required and checked against Azure's values;
  ``accessTier`` Hot/Cool/Cold/Premium; ``minimumTlsVersion`` TLS1_0/1_1/1_2/1_3.
- Endpoints ``https://<name>.<service>.core.windows.net/`` for the services the
  kind offers; ``primaryLocation``, ``statusOfPrimary``, ``creationTime``.
- ``networkAcls``: default action Allow/Deny, bypass, IP rules (public IPv4
  addresses or CIDR ranges, no private ranges), VNet rules whose subnets must
  have the Microsoft.Storage service endpoint (NetworkAclsValidationFailure).
- ``listKeys`` / ``regenerateKey``: two 512-bit keys (base64), kept across reads.
- Private link: group ids blob, table, queue, file, web, dfs (+ _secondary);
  connections with the approval flow.

Codes confirmed from Azure's docs: AccountNameInvalid, StorageAccountAlreadyTaken,
NetworkAclsValidationFailure (message shape from real responses). Others are
best readings."""

from __future__ import annotations

import base64
import ipaddress
import os
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action
from ...arm.registry import Action, Hooks, NameRule, ResourceType
from ...arm.versions import supported
from .. import private_link_targets as plt

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Storage/storageAccounts"
API_VERSIONS = supported("storage")
SKUS = ("Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Premium_LRS", "Premium_ZRS",
        "Standard_GZRS", "Standard_RAGZRS", "StandardV2_LRS", "StandardV2_GRS", "StandardV2_ZRS", "StandardV2_GZRS",
        "PremiumV2_LRS", "PremiumV2_ZRS")
KINDS = ("Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage")
NAME_RE = re.compile(r"^[a-z0-9]{3,24}$")
# IP rules may not name private (RFC 1918) ranges: those reach the account through VNet rules
PRIVATE_RANGES = tuple(ipaddress.IPv4Network(p) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
SERVICES = {"Storage": ("blob", "queue", "table", "file"), "StorageV2": ("blob", "queue", "table", "file", "web", "dfs"),
            "BlobStorage": ("blob", "table", "dfs"), "FileStorage": ("file",), "BlockBlobStorage": ("blob", "web", "dfs")}
GROUPS = [plt.GroupId(g, (g,), f"privatelink.{g}.core.windows.net")
          for g in ("blob", "table", "queue", "file", "web", "dfs")] + \
         [plt.GroupId(f"{g}_secondary", (f"{g}_secondary",), f"privatelink.{g}.core.windows.net")
          for g in ("blob", "table", "queue", "web", "dfs")]


def bad(code: str, message: str, status: int = 400) -> ArmError:
    return ArmError(status, code, message)


def _enum(value: Any, allowed: tuple[str, ...], what: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise bad("MissingRequiredProperty" if what != "sku.name" else "InvalidValuesForRequestParameters",
                      f"The value of parameter {what} is missing or invalid.")
        return None
    for a in allowed:
        if isinstance(value, str) and a.lower() == value.lower():
            return a
    raise bad("InvalidValuesForRequestParameters",
              f"Values for request parameters are invalid: {what}. '{value}' is not one of {', '.join(allowed)}.")


def name_taken(ctx: Ctx, name: str, own_id: str | None = None) -> bool:
    """Storage account names are global: any subscription, any group."""
    return any(r.body.get("name", "").lower() == name.lower() and (own_id is None or r.id.lower() != own_id.lower())
               for r in ctx.of_type(TYPE))


def _ip_rule(rule: Any, i: int) -> dict[str, Any]:
    value = rule.get("value") if isinstance(rule, dict) else None
    try:
        net = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        net = None
    rfc1918 = net is not None and net.version == 4 and any(net.subnet_of(p) for p in PRIVATE_RANGES)
    if net is None or net.version != 4 or rfc1918 or net.prefixlen > 30 and "/" in str(value):
        raise bad("NetworkAclsValidationFailure",
                  f"Validation of network acls failure: InvalidValueError:Invalid value '{value}' in "
                  f"networkAcls.ipRules[{i}]: use a public IPv4 address or a CIDR range up to /30.")
    return {"value": str(value), "action": "Allow"}


def network_acls(ctx: Ctx, acls: Any, owner: str) -> dict[str, Any]:
    if acls is None:
        return {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"}
    if not isinstance(acls, dict):
        raise bad("InvalidRequestContent", "networkAcls must be an object.")
    default = _enum(acls.get("defaultAction"), ("Allow", "Deny"), "networkAcls.defaultAction") or "Allow"
    bypass = acls.get("bypass", "AzureServices")
    parts = [p.strip() for p in str(bypass or "None").split(",")]
    for p in parts:
        _enum(p, ("None", "Logging", "Metrics", "AzureServices"), "networkAcls.bypass")
    vnet_rules = []
    for i, r in enumerate(acls.get("virtualNetworkRules") or []):
        sid = plt.check_subnet_rule(ctx, (r or {}).get("id"), owner, "Microsoft.Storage",
                                    f"networkAcls.virtualNetworkRules[{i}].id")
        vnet_rules.append({"id": sid, "action": "Allow", "state": "Succeeded"})
    ip_rules = [_ip_rule(r, i) for i, r in enumerate(acls.get("ipRules") or [])]
    out = {"bypass": bypass or "None", "virtualNetworkRules": vnet_rules, "ipRules": ip_rules,
           "defaultAction": default}
    if acls.get("resourceAccessRules"):
        out["resourceAccessRules"] = acls["resourceAccessRules"]
    return out


class StorageAccountHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        name = new["name"]
        if not NAME_RE.match(name):
            raise bad("AccountNameInvalid", f"{name} is not a valid storage account name. Storage account name must "
                      "be between 3 and 24 characters in length and use numbers and lower-case letters only.")
        if old is None and name_taken(ctx, name, new["id"]):
            raise bad("StorageAccountAlreadyTaken", f"The storage account named {name} is already taken.", 409)
        sku = new.get("sku")
        if sku is None and old is not None:
            sku = old.get("sku")
        if not isinstance(sku, dict):
            raise bad("InvalidValuesForRequestParameters", "The value of parameter sku.name is missing or invalid.")
        new["sku"] = {"name": _enum(sku.get("name"), SKUS, "sku.name", required=True),
                      "tier": "Premium" if str(sku.get("name", "")).startswith("Premium") else "Standard"}
        kind = new.get("kind") or (old or {}).get("kind")
        new["kind"] = _enum(kind, KINDS, "kind", required=True)
        if old is not None and old.get("kind") and old["kind"] != new["kind"] and \
                not (old["kind"] == "Storage" and new["kind"] == "StorageV2"):
            raise bad("InvalidAccountKindChange", f"The kind of storage account {name} cannot change from "
                      f"{old['kind']} to {new['kind']}.")
        props = new["properties"]
        props["accessTier"] = _enum(props.get("accessTier"), ("Hot", "Cool", "Cold", "Premium"),
                                    "properties.accessTier") or ("Hot" if new["kind"] != "FileStorage" else None)
        if props["accessTier"] is None:
            props.pop("accessTier")
        props["minimumTlsVersion"] = _enum(props.get("minimumTlsVersion"), ("TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"),
                                           "properties.minimumTlsVersion") or "TLS1_2"
        props["publicNetworkAccess"] = _enum(props.get("publicNetworkAccess"),
                                             ("Enabled", "Disabled", "SecuredByPerimeter"),
                                             "properties.publicNetworkAccess") or "Enabled"
        for flag, default in (("supportsHttpsTrafficOnly", True), ("allowBlobPublicAccess", False),
                              ("allowSharedKeyAccess", True), ("isHnsEnabled", False)):
            v = props.get(flag, default)
            if not isinstance(v, bool):
                raise bad("InvalidValuesForRequestParameters", f"properties.{flag} must be true or false.")
            props[flag] = v
        props["networkAcls"] = network_acls(ctx, props.get("networkAcls"), new["id"])

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        for key in ("primaryEndpoints", "secondaryEndpoints", "privateEndpointConnections", "statusOfPrimary",
                    "primaryLocation", "creationTime", "keyCreationTime"):
            props.pop(key, None)
        name, loc = new["name"], new["location"]
        props["primaryEndpoints"] = {s: f"https://{name}.{s}.core.windows.net/" for s in SERVICES[new["kind"]]}
        props["primaryLocation"] = loc
        props["statusOfPrimary"] = "available"
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        props["creationTime"] = oldp.get("creationTime") or now
        private = new.setdefault("_aznet", {})
        if "keys" not in private:
            private["keys"] = {k: base64.b64encode(os.urandom(64)).decode() for k in ("key1", "key2")}
        props["keyCreationTime"] = oldp.get("keyCreationTime") or {"key1": now, "key2": now}

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        plt.render_connections(ctx, body)


def _keys(body: dict[str, Any]) -> dict[str, Any]:
    keys = (body.get("_aznet") or {}).get("keys") or {}
    return {"keys": [{"keyName": k, "value": v, "permissions": "FULL",
                      "creationTime": ((body.get("properties") or {}).get("keyCreationTime") or {}).get(k)}
                     for k, v in sorted(keys.items())]}


def list_keys(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    return 200, _keys(ctx.body(body["id"]) or body)


def regenerate_key(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    key = payload.get("keyName") if isinstance(payload, dict) else None
    if not isinstance(key, str) or key.lower() not in ("key1", "key2"):
        raise bad("InvalidValuesForRequestParameters", "keyName must be key1 or key2.")
    rec = ctx.record(body["id"])
    assert rec is not None
    stored = dict(rec.body)
    private = dict(stored.get("_aznet") or {})
    private["keys"] = {**(private.get("keys") or {}), key.lower(): base64.b64encode(os.urandom(64)).decode()}
    stored["_aznet"] = private
    ctx.write_raw(rec.id, stored)
    return 200, _keys(stored)


@provider_action("subscriptions/{sub}/providers/microsoft.storage/checknameavailability", "POST",
                 api_versions=API_VERSIONS, name="checkNameAvailability", body="required")
def check_name_availability(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    name = payload.get("name") if isinstance(payload, dict) else None
    if not isinstance(name, str):
        raise bad("InvalidRequestContent", "The request must name the storage account in 'name'.")
    if not NAME_RE.match(name):
        return 200, {"nameAvailable": False, "reason": "AccountNameInvalid",
                     "message": f"{name} is not a valid storage account name. Storage account name must be "
                                "between 3 and 24 characters in length and use numbers and lower-case "
                                "letters only."}
    if name_taken(ctx, name):
        return 200, {"nameAvailable": False, "reason": "AlreadyExists",
                     "message": f"The storage account named {name} is already taken."}
    return 200, {"nameAvailable": True}


plt.declare(ResourceType(TYPE, API_VERSIONS, model="StorageAccountCreateParameters", schema_package="storage",
                         hooks=StorageAccountHooks(), names=NameRule(1, 80, r"^.+$", ""), created_status=202,
                         actions=[Action("listKeys", list_keys), Action("regenerateKey", regenerate_key)]),
            GROUPS)
