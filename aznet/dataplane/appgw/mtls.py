"""Mutual TLS (sslProfiles with trusted client certificates): the client CA chains a listener trusts, the check
of the certificate a client presented, and the client-certificate server variables rewrite rules read.

Azure's behaviour (docs unless marked inferred):
- a listener whose sslProfile lists trustedClientCertificates asks the client for a certificate; one that does
  not chain to the uploaded CA chain, or none at all, fails client authentication, answered with 400
  ("All client certificate authentication failures result in an HTTP 400");
- ``verifyClientCertIssuerDN``: the client certificate's immediate issuer DN must also equal the DN of the
  leaf-most CA of the uploaded chain (inferred from the docs' description of the issuer-DN check);
- server variables: ``client_certificate`` (PEM), ``client_certificate_issuer`` / ``_subject`` (RFC 2253 DN),
  ``client_certificate_serial``, ``client_certificate_fingerprint`` (SHA-1), ``client_certificate_start_date`` /
  ``_end_date``, ``client_certificate_verification`` (SUCCESS, FAILED:<reason>, NONE). Their formats follow the
  nginx variables Azure's v2 data plane exposes them as (inferred): the PEM URL-encoded (a header cannot carry
  new lines), the serial in upper-case hex, the fingerprint in lower-case hex, dates as ``Dec  4 21:08:50 2026
  GMT``.

Where Python's ``ssl`` differs: the request for a certificate is made per socket (when any listener on it has
mutual TLS, with the union of the CA chains), because OpenSSL does not carry the verify mode across an SNI
switch; and a certificate that fails OpenSSL's chain check ends the handshake with a TLS alert instead of an
HTTP 400 (Python's ``ssl`` has no verify callback to defer the failure). The per-listener check below then
requires a certificate directly issued by one of that listener's CA certificates. ``verifyClientRevocation``
OCSP: see ``ocsp.py`` (asked after this check passes)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import ssl
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .model import SslProfile

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
VARS = ("client_certificate", "client_certificate_issuer", "client_certificate_subject", "client_certificate_serial",
        "client_certificate_fingerprint", "client_certificate_start_date", "client_certificate_end_date")


@lru_cache(maxsize=256)
def ca_chain(data_b64: str) -> tuple[x509.Certificate, ...]:
    """The certificates of one uploaded trusted client CA file (base64 of DER, or of PEM text with a chain)."""
    try:
        raw = base64.b64decode(data_b64.strip())
    except (binascii.Error, ValueError):
        return ()
    try:
        if raw.lstrip().startswith(b"-----"):
            return tuple(x509.load_pem_x509_certificates(raw))
        return (x509.load_der_x509_certificate(raw),)
    except ValueError:
        return ()


def load_client_cas(ctx: ssl.SSLContext, datas: Iterable[str]) -> bool:
    """Ask clients for a certificate (optional at the TLS layer, required per listener) and trust these CAs."""
    loaded = False
    for data in datas:
        for cert in ca_chain(data):
            ctx.load_verify_locations(cadata=cert.public_bytes(serialization.Encoding.DER))
            loaded = True
    if loaded:
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return loaded


def _date(d: object) -> str:
    import datetime
    assert isinstance(d, datetime.datetime)
    return f"{MONTHS[d.month - 1]} {d.day:2d} {d:%H:%M:%S} {d.year} GMT"


class ClientCert:
    """The certificate a client presented on one connection, parsed once."""
    __slots__ = ("der", "cert", "_vars", "verdicts")

    def __init__(self, der: bytes) -> None:
        self.der = der
        self.cert: x509.Certificate | None
        try:
            self.cert = x509.load_der_x509_certificate(der)
        except ValueError:
            self.cert = None
        self._vars: dict[str, str] | None = None
        self.verdicts: dict[str, str] = {}      # per profile id, for the connection's life (bounded: few)

    def variables(self, verification: str) -> dict[str, str]:
        if self._vars is None:
            c = self.cert
            if c is None:
                self._vars = dict.fromkeys(VARS, "")
            else:
                pem = c.public_bytes(serialization.Encoding.PEM).decode()
                serial = format(c.serial_number, "X")
                self._vars = {
                    "client_certificate": quote(pem, safe=""),
                    "client_certificate_issuer": c.issuer.rfc4514_string(),
                    "client_certificate_subject": c.subject.rfc4514_string(),
                    "client_certificate_serial": serial if len(serial) % 2 == 0 else "0" + serial,
                    "client_certificate_fingerprint": hashlib.sha1(self.der).hexdigest(),   # noqa: S324 - Azure's
                    "client_certificate_start_date": _date(c.not_valid_before_utc),
                    "client_certificate_end_date": _date(c.not_valid_after_utc),
                }
        return self._vars | {"client_certificate_verification": verification}


def no_certificate() -> dict[str, str]:
    return dict.fromkeys(VARS, "") | {"client_certificate_verification": "NONE"}


NO_CERTIFICATE = no_certificate()       # shared, never changed (router.server_vars copies it)


def check(profile: SslProfile, cert: ClientCert | None) -> str:
    """``SUCCESS``, ``NONE`` (the profile asks for nothing and none came) or ``FAILED:<reason>``."""
    if not profile.client_cas:
        return "SUCCESS" if cert is not None else "NONE"
    if cert is None:
        return "FAILED:No required SSL certificate was sent"
    if cert.cert is None:
        return "FAILED:unable to parse the certificate"
    got = cert.verdicts.get(profile.id)
    if got is None:
        got = _verify(profile, cert.cert)
        if len(cert.verdicts) < 16:
            cert.verdicts[profile.id] = got
    return got


def _verify(profile: SslProfile, leaf: x509.Certificate) -> str:
    chains: Sequence[tuple[x509.Certificate, ...]] = [ca_chain(d) for d in profile.client_cas]
    issuer = next((ca for chain in chains for ca in chain if _issued_by(leaf, ca)), None)
    if issuer is None:
        return "FAILED:unable to get local issuer certificate"
    if profile.verify_issuer_dn and not any(chain and leaf.issuer == chain[0].subject for chain in chains):
        return "FAILED:client certificate issuer DN does not match"
    return "SUCCESS"


def issuer_of(profile: SslProfile, cert: ClientCert) -> x509.Certificate | None:
    """The uploaded CA certificate that issued the client certificate (for the OCSP request)."""
    if cert.cert is None:
        return None
    leaf = cert.cert
    return next((ca for d in profile.client_cas for ca in ca_chain(d) if _issued_by(leaf, ca)), None)


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    if cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - InvalidSignature and odd keys alike: not issued
        return False
    return True
