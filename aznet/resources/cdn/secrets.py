"""Microsoft.Cdn/profiles/secrets: customer certificates from Key Vault
(the secret resolves through aznet's Key Vault; subject, SANs and expiry
come from the certificate), managed certificates, URL signing keys."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from ...arm.errors import ArmError
from ...arm.ids import parse_resource_id
from ...arm.registry import REGISTRY, Hooks, ResourceType
from .common import API_VERSIONS, CHILD_NAMES, SECRET, bad, choice, require_afd

if TYPE_CHECKING:
    from ...arm.context import Ctx

SECRET_TYPES = ("UrlSigningKey", "CustomerCertificate", "ManagedCertificate", "AzureFirstPartyManagedCertificate",
                "MtlsCertificateChain")
KV_SECRET = "microsoft.keyvault/vaults/secrets"


def load_certificate(ctx: Ctx, source_id: str, version: str | None) -> x509.Certificate:
    """The leaf certificate of a Key Vault secret (PFX or PEM), found by the secret's resource id."""
    parsed = parse_resource_id(source_id)
    if parsed is None or parsed.full_type.lower() != KV_SECRET:
        raise bad(f"The secret source {source_id} is not a Key Vault secret id "
                  "(…/providers/Microsoft.KeyVault/vaults/{vault}/secrets/{name}).", "secretSource")
    if ctx.platform.registry.get("Microsoft.KeyVault/vaults/secrets") is None:
        raise bad("Key Vault is not available to resolve the secret.", "secretSource")
    from ...contracts.vault_secrets import resolve_secret_uri

    vault = parsed.names[0]
    uri = f"https://{vault}.vault.azure.net/secrets/{parsed.names[1]}" + (f"/{version}" if version else "")
    try:
        raw = resolve_secret_uri(ctx, uri)
    except LookupError as exc:
        raise bad(f"The secret {source_id} could not be read: {exc}", "secretSource") from None
    try:
        _, cert, _ = pkcs12.load_key_and_certificates(raw, None)
        if cert is not None:
            return cert
    except Exception:  # noqa: BLE001 - maybe PEM
        pass
    try:
        return x509.load_pem_x509_certificate(raw)
    except Exception:  # noqa: BLE001
        raise bad(f"The secret {source_id} does not hold a certificate (PFX without password, or PEM).",
                  "secretSource") from None


class SecretHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        require_afd(ctx, new["id"], "a secret")
        props = new["properties"]
        params = props.get("parameters")
        if not isinstance(params, dict):
            raise bad("The secret's parameters are required.", "properties.parameters")
        kind = choice(params.get("type"), SECRET_TYPES, "properties.parameters.type")
        if kind is None:
            raise bad("parameters.type is required.", "properties.parameters.type")
        out: dict[str, Any] = {"type": kind}
        if kind in ("CustomerCertificate", "UrlSigningKey", "MtlsCertificateChain"):
            source = (params.get("secretSource") or {}).get("id") if isinstance(params.get("secretSource"), dict) else None
            if not isinstance(source, str):
                raise bad(f"A {kind} secret needs secretSource.id.", "properties.parameters.secretSource")
            latest = bool(params.get("useLatestVersion", False))
            version = params.get("secretVersion")
            if not latest and kind == "CustomerCertificate" and not version:
                raise bad("secretVersion is required unless useLatestVersion is true.",
                          "properties.parameters.secretVersion")
            out.update({"secretSource": {"id": source}, "useLatestVersion": latest})
            if version:
                out["secretVersion"] = version
            if kind == "UrlSigningKey":
                key_id = params.get("keyId")
                if not isinstance(key_id, str) or not key_id:
                    raise bad("A UrlSigningKey secret needs keyId.", "properties.parameters.keyId")
                out["keyId"] = key_id
            else:
                try:
                    cert = load_certificate(ctx, source, None if latest else version)
                except ArmError as err:
                    raise bad(err.message, "properties.parameters.secretSource") from None
                sans: list[str] = []
                try:
                    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
                    sans = ext.value.get_values_for_type(x509.DNSName)
                except x509.ExtensionNotFound:
                    pass
                cn = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
                out.update({"subject": str(cn[0].value) if cn else cert.subject.rfc4514_string(),
                            "expirationDate": cert.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
                            "certificateAuthority": cert.issuer.rfc4514_string(),
                            "subjectAlternativeNames": sans or [str(cn[0].value)] if cn else sans,
                            "thumbprint": cert.fingerprint(cert.signature_hash_algorithm).hex().upper()
                            if cert.signature_hash_algorithm else None})
        else:
            expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=180)
            out.update({"subject": "", "expirationDate": expires.isoformat().replace("+00:00", "Z")})
        props["parameters"] = out


REGISTRY.add(ResourceType(SECRET, API_VERSIONS, model="Secret", schema_package="cdn", etag=False, hooks=SecretHooks(),
                          location="none", names=CHILD_NAMES))
