"""Microsoft.KeyVault/vaults/secrets through ARM (templates put certificates and
passwords there). The services that read them call
``aznet.contracts.vault_secrets.resolve_secret_uri``.

- Name: 1-127 letters, digits and hyphens.
- ``properties.value`` is required when the secret is created, stored, and never
  returned (as in Azure); each PUT that carries a value adds a version.
- ``secretUri`` ``https://<vault>.vault.azure.net/secrets/<name>`` and
  ``secretUriWithVersion`` (``.../<version>``); ``attributes`` with created /
  updated times.

``aznet.contracts.vault_secrets.resolve_secret_uri(ctx_or_store, uri) -> bytes``: the value of the secret a
Key Vault secret URI names (latest version, or the one the URI names). A
certificate stored as a secret (content type ``application/x-pkcs12``, as Key
Vault stores certificates) resolves to its PFX bytes (the value is base64); a
PEM certificate (``application/x-pem-file``) and any other secret resolve to the
value's UTF-8 bytes. Raises ``SecretNotFound`` (a LookupError) otherwise."""

from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...contracts.vault_secrets import PFX
from . import vaults

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.KeyVault/vaults/secrets"
MAX_VALUE = 25 * 1024                     # Key Vault's secret size limit (25 KB)



class SecretHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        value = props.get("value")
        if value is None and old is None:
            raise ArmError(400, "BadRequest", f"Secret {new['name']} needs properties.value when it is created.")
        if value is not None and (not isinstance(value, str) or len(value.encode()) > MAX_VALUE):
            raise ArmError(400, "BadRequest", f"properties.value of secret {new['name']} must be a string of at most "
                           f"{MAX_VALUE} bytes.")
        ctype = props.get("contentType")
        if ctype is not None and not isinstance(ctype, str):
            raise ArmError(400, "BadRequest", "properties.contentType must be a string.")
        if ctype == PFX and value is not None:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ArmError(400, "BadRequest", f"Secret {new['name']} has content type {PFX} but its value is "
                               "not base64.") from None
        attrs = props.get("attributes") or {}
        if not isinstance(attrs, dict) or not isinstance(attrs.get("enabled", True), bool):
            raise ArmError(400, "BadRequest", "properties.attributes.enabled must be true or false.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        private = new.setdefault("_aznet", {})
        versions = list(private.get("versions") or [])
        value = props.pop("value", None)
        now = int(time.time())
        if value is not None:
            versions.append({"version": vaults.new_version(), "value": value, "contentType": props.get("contentType"),
                             "created": now})
            private["versions"] = versions[-25:]              # keep a bounded history
        latest = private["versions"][-1]
        vault_name = new["id"].split("/vaults/", 1)[1].split("/", 1)[0].lower()
        base = f"https://{vault_name}.vault.azure.net/secrets/{new['name']}"
        props["secretUri"] = base
        props["secretUriWithVersion"] = f"{base}/{latest['version']}"
        attrs = dict(props.get("attributes") or {})
        attrs.setdefault("enabled", True)
        attrs["created"] = ((old or {}).get("properties") or {}).get("attributes", {}).get("created", now)
        attrs["updated"] = now
        props["attributes"] = attrs




REGISTRY.add(ResourceType(TYPE, vaults.API_VERSIONS, model="SecretCreateOrUpdateParameters", schema_package="keyvault",
                          hooks=SecretHooks(), location="optional", long_running=False,
                          names=NameRule(1, 127, r"^[A-Za-z0-9-]+$", "The name can contain only letters, numbers and "
                                                                    "hyphens.")))
