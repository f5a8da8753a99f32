"""Client certificate revocation through OCSP (sslProfile ``clientAuthConfiguration.verifyClientRevocation:
OCSP``): the responder named in the client certificate's Authority Information Access extension is asked
about the certificate, its answer (signed by the issuing CA or a responder it delegated) cached until its
``nextUpdate`` (at most an hour; 5 minutes without one), bounded by count.

Azure's behaviour (docs): the gateway checks the client certificate's revocation status with the OCSP responder
of its AIA extension; a revoked certificate fails client authentication (400). Inferred: a certificate without
an OCSP URL, a responder that cannot be reached or answers with an error also fails
(``FAILED:OCSP ...``) — the check is strict. Only responders this machine can reach are asked: loopback
addresses, or names aznet's DNS resolves (the proxy's lookup); nothing leaves the machine."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from .upstream import BackendError, UpstreamPool

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_CACHE = 4096
MAX_AGE = 3600.0
DEFAULT_AGE = 300.0
TIMEOUT = 5.0


def ocsp_url(cert: x509.Certificate) -> str | None:
    try:
        aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    except x509.ExtensionNotFound:
        return None
    for desc in aia:
        if desc.access_method == AuthorityInformationAccessOID.OCSP and \
                isinstance(desc.access_location, x509.UniformResourceIdentifier):
            return str(desc.access_location.value)
    return None


class OcspChecker:
    def __init__(self) -> None:
        self.pool = UpstreamPool()
        self.cache: dict[tuple[str, int], tuple[float, str]] = {}

    async def verdict(self, cert: x509.Certificate, issuer: x509.Certificate, resolve: Callable[[str], str | None]
                      ) -> str:
        """``resolve``: host name -> an address on this machine (None: unreachable)."""
        key = (cert.issuer.rfc4514_string(), cert.serial_number)
        now = time.monotonic()
        hit = self.cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        result, ttl = await self._ask(cert, issuer, resolve)
        if len(self.cache) >= MAX_CACHE:
            self.cache.clear()
        self.cache[key] = (now + ttl, result)
        return result

    async def _ask(self, cert: x509.Certificate, issuer: x509.Certificate, resolve: Callable[[str], str | None]
                   ) -> tuple[str, float]:
        url = ocsp_url(cert)
        if url is None:
            return "FAILED:OCSP responder URL not found in the certificate", DEFAULT_AGE
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            return f"FAILED:OCSP responder {url} is not reachable over HTTP", DEFAULT_AGE
        ip = resolve(parts.hostname)
        if ip is None:
            return f"FAILED:OCSP responder {parts.hostname} cannot be resolved", 30.0
        req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303 - RFC 6960
        body = req.public_bytes(serialization.Encoding.DER)
        path = parts.path or "/"
        head = (f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/ocsp-request\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("latin-1")
        try:
            reply = await self.pool.request(ip, parts.port or 80, head + body, False, TIMEOUT)
            resp = ocsp.load_der_ocsp_response(bytes(reply.body))
        except (BackendError, ValueError) as exc:
            return f"FAILED:OCSP responder error ({exc})", 30.0
        if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return f"FAILED:OCSP response status {resp.response_status.name}", 30.0
        if not _signed_by(resp, issuer) or resp.serial_number != cert.serial_number:
            return "FAILED:OCSP response could not be verified", 30.0
        ttl = DEFAULT_AGE
        if resp.next_update_utc is not None:
            import datetime
            ttl = min(max((resp.next_update_utc - datetime.datetime.now(datetime.UTC)).total_seconds(), 1.0), MAX_AGE)
        if resp.certificate_status == ocsp.OCSPCertStatus.REVOKED:
            return "FAILED:certificate revoked", ttl
        if resp.certificate_status == ocsp.OCSPCertStatus.UNKNOWN:
            return "FAILED:certificate status unknown", ttl
        return "SUCCESS", ttl


def _signed_by(resp: ocsp.OCSPResponse, issuer: x509.Certificate) -> bool:
    """Signed by the issuer itself, or by a responder certificate the issuer signed (delegated, RFC 6960)."""
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    signer = issuer
    for c in resp.certificates:
        if c.issuer == issuer.subject:
            try:
                c.verify_directly_issued_by(issuer)
            except Exception:  # noqa: BLE001 - not a delegate of this issuer
                continue
            signer = c
            break
    key = signer.public_key()
    algo = resp.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey) and algo is not None:
            key.verify(resp.signature, resp.tbs_response_bytes, padding.PKCS1v15(), algo)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algo is not None:
            key.verify(resp.signature, resp.tbs_response_bytes, ec.ECDSA(algo))
        else:
            return False
    except Exception:  # noqa: BLE001 - InvalidSignature
        return False
    return True
