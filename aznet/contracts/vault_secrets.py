"""The bytes a Key Vault secret URI names, read from a store, a reconcile snapshot or a request context:
PFX bytes for a certificate (application/x-pkcs12), else UTF-8. The App Gateway and Front Door data
planes read their TLS certificates through it; the control plane's secret checks call the same function."""

from __future__ import annotations

import base64
import re
import urllib.parse
from typing import Any

from ..ids import normalize

PFX = "application/x-pkcs12"
VAULT_TYPE = "Microsoft.KeyVault/vaults"


class SecretNotFound(LookupError):
    pass


def _vault_named(source: Any, name: str) -> Any:
    """The vault record with this (global) name."""
    for rec in source.of_type(VAULT_TYPE):
        if str(rec.body.get("name", "")).lower() == name.lower():
            return rec
    return None


def _parse(uri: str) -> tuple[str, str, str | None]:
    parts = urllib.parse.urlsplit(uri)
    host = (parts.hostname or "").lower()
    m = re.match(r"^([a-z0-9-]+)\.vault\.azure\.net$", host)
    segs = [s for s in parts.path.split("/") if s]
    if parts.scheme != "https" or not m or len(segs) not in (2, 3) or segs[0].lower() != "secrets":
        raise SecretNotFound(f"'{uri}' is not a Key Vault secret URI (https://<vault>.vault.azure.net/secrets/<name>"
                             "[/<version>]).")
    return m.group(1), segs[1], segs[2] if len(segs) == 3 else None


def resolve_secret_uri(ctx_or_store: Any, uri: str) -> bytes:
    """The bytes a secret URI names: PFX bytes for a certificate (application/x-pkcs12), else UTF-8."""
    vault_name, name, version = _parse(uri)
    vault = _vault_named(ctx_or_store, vault_name)
    if vault is None:
        raise SecretNotFound(f"Key Vault '{vault_name}' does not exist.")
    key = normalize(f"{vault.id}/secrets/{name}")
    getter = getattr(ctx_or_store, "record", None) or ctx_or_store.get
    rec = getter(key)
    if rec is None:
        raise SecretNotFound(f"Secret '{name}' was not found in Key Vault '{vault_name}'.")
    if not ((rec.body.get("properties") or {}).get("attributes") or {}).get("enabled", True):
        raise SecretNotFound(f"Secret '{name}' in Key Vault '{vault_name}' is disabled.")
    versions = (rec.body.get("_aznet") or {}).get("versions") or []
    chosen = versions[-1] if version is None else next((v for v in versions if v["version"] == version), None)
    if chosen is None:
        raise SecretNotFound(f"Version '{version}' of secret '{name}' was not found in Key Vault '{vault_name}'.")
    if chosen.get("contentType") == PFX:
        return base64.b64decode(chosen["value"])
    return str(chosen["value"]).encode()
