"""Certificates an application gateway carries: PFX server certificates
(``sslCertificates``, parsed with ``cryptography``; the password is checked and
``publicCertData`` derived as Azure shows it, a base64 PKCS#7 of the chain) and
CER trusted root / trusted client certificates. The PFX and password are never
returned: they are kept in the gateway's private record for the data plane."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from ....arm.errors import ArmError

MAX_CERT_BYTES = 16 * 1024        # Azure: "the certificate file must be under 16 KB" (trusted roots, client CAs)
MAX_PFX_BYTES = 64 * 1024         # a PFX with a chain and a 4096-bit key stays well under this


@dataclass
class ParsedPfx:
    public_cert_data: str         # base64 PKCS#7 (DER) of the leaf and its chain
    subject: str
    not_after: str


def b64(value: str, path: str, limit: int) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ArmError(400, "ApplicationGatewayCertificateDataInvalidBase64",
                       f"The certificate data at {path} is not valid base64.", target=path) from None
    if not raw or len(raw) > limit:
        raise ArmError(400, "ApplicationGatewayCertificateDataTooLarge" if raw else
                       "ApplicationGatewayCertificateDataInvalidBase64",
                       f"The certificate data at {path} must be between 1 and {limit} bytes.", target=path)
    return raw


def parse_pfx(cert_id: str, data: str, password: str | None, path: str) -> ParsedPfx:
    raw = b64(data, path, MAX_PFX_BYTES)
    pw = password.encode() if password else None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(raw, pw)
    except ValueError as exc:
        bad_password = "password" in str(exc).lower() or "mac" in str(exc).lower()
        if bad_password:
            raise ArmError(400, "ApplicationGatewaySslCertificateInvalidPassword",
                           f"The certificate {cert_id} could not be opened with the password given. "
                           "Check that the password is correct.", target=path) from None
        raise ArmError(400, "ApplicationGatewaySslCertificateInvalidData",
                       f"Data for certificate {cert_id} is invalid: it must be a base64-encoded .pfx file.",
                       target=path) from None
    except Exception:  # noqa: BLE001 - any decoder failure is bad input, never a 5xx
        raise ArmError(400, "ApplicationGatewaySslCertificateInvalidData",
                       f"Data for certificate {cert_id} is invalid: it must be a base64-encoded .pfx file.",
                       target=path) from None
    if cert is None or key is None:
        raise ArmError(400, "ApplicationGatewaySslCertificateMissingPrivateKey" if cert is not None else
                       "ApplicationGatewaySslCertificateInvalidData",
                       f"Certificate {cert_id} must contain a certificate and its private key.", target=path)
    chain = [cert, *(extra or [])]
    p7 = pkcs7.serialize_certificates(chain, serialization.Encoding.DER)
    return ParsedPfx(base64.b64encode(p7).decode(), cert.subject.rfc4514_string(),
                     cert.not_valid_after_utc.isoformat())


def parse_cer(cert_id: str, data: str, path: str) -> x509.Certificate:
    """A .cer file (DER, or PEM text), base64-encoded as Azure expects it."""
    raw = b64(data, path, MAX_CERT_BYTES)
    for loader in (x509.load_der_x509_certificate, x509.load_pem_x509_certificate):
        try:
            return loader(raw)
        except Exception:  # noqa: BLE001 - try the other encoding
            continue
    raise ArmError(400, "ApplicationGatewayTrustedRootCertificateInvalidData",
                   f"Data for certificate {cert_id} is invalid: it must be a base64-encoded .cer file.", target=path)


def pem_chain(certs: list[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def server_certificate(gateway: dict[str, Any], name: str, store: Any = None) -> tuple[bytes, str] | None:
    """For the gateway's data plane: the PFX bytes and password of the gateway's sslCertificate ``name``, from
    the gateway's private record, or from Key Vault (``store``: a store or Ctx that aznet's Key Vault can read)
    when the certificate names a secret. None when the gateway has no such certificate."""
    kept = ((gateway.get("_aznet") or {}).get("pfx") or {})
    for cert_name, entry in kept.items():
        if cert_name.lower() == name.lower():
            return base64.b64decode(entry["data"]), entry.get("password") or ""
    for cert in ((gateway.get("properties") or {}).get("sslCertificates") or []):
        uri = (cert.get("properties") or {}).get("keyVaultSecretId")
        if cert.get("name", "").lower() == name.lower() and uri and store is not None:
            from ....contracts.vault_secrets import resolve_secret_uri

            return resolve_secret_uri(store, uri), ""
    return None
