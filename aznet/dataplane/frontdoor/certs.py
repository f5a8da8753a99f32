"""TLS on the edge: a managed certificate for each host name the edge serves (endpoint host names and custom
domains with ``ManagedCertificate``), issued by the aznet CA (``ca.pem`` in the data dir, which aznet's clients
already trust); a customer certificate from the Key Vault secret a ``CustomerCertificate`` domain names; the
domain's ``minimumTlsVersion`` (TLS10 / TLS12 / TLS13) as the context's minimum protocol version.

Server contexts are cached per (certificate, minimum version) and bounded; SNI picks the host's context."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..appgw.tls import pfx_bytes_to_pem

MINIMUM = {"TLS10": ssl.TLSVersion.TLSv1, "TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
MAX_CONTEXTS = 512


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


class EdgeCerts:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.folder = data_dir / "frontdoor-certs"
        self.contexts: dict[tuple[str, str], ssl.SSLContext] = {}
        self._ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None

    def _load_ca(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        if self._ca is None:
            cert = x509.load_pem_x509_certificate((self.data_dir / "ca.pem").read_bytes())
            key = serialization.load_pem_private_key((self.data_dir / "ca-key.pem").read_bytes(), None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            self._ca = (cert, key)
        return self._ca

    def managed_pem(self, host: str) -> tuple[Path, Path]:
        """The managed certificate of ``host`` (signed by the aznet CA), issued once and kept in the data dir."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        safe = hashlib.sha256(host.encode()).hexdigest()[:24]
        cert_path, key_path = self.folder / f"managed-{safe}.pem", self.folder / f"managed-{safe}-key.pem"
        if cert_path.exists() and key_path.exists():
            return cert_path, key_path
        ca_cert, ca_key = self._load_ca()
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=180))      # Azure's managed certificates: 6 months
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert_path, key_path

    def customer_pem(self, raw: bytes) -> tuple[Path, Path]:
        """A Key Vault certificate (PFX bytes without password, or PEM with the key) as PEM files."""
        digest = hashlib.sha256(raw).hexdigest()[:24]
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        cert_path, key_path = self.folder / f"kv-{digest}.pem", self.folder / f"kv-{digest}-key.pem"
        if cert_path.exists() and key_path.exists():
            return cert_path, key_path
        try:
            chain, key_pem = pfx_bytes_to_pem(raw, None)
        except ValueError:
            if b"PRIVATE KEY" not in raw:
                raise ValueError("the secret holds no private key") from None
            chain, key_pem = raw, raw
        _write_private(key_path, key_pem)
        cert_path.write_bytes(chain)
        return cert_path, key_path

    def context(self, paths: tuple[Path, Path], minimum: str) -> ssl.SSLContext:
        key = (str(paths[0]), minimum)
        ctx = self.contexts.get(key)
        if ctx is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = MINIMUM.get(minimum.upper(), ssl.TLSVersion.TLSv1_2)
            if ctx.minimum_version < ssl.TLSVersion.TLSv1_2:
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.load_cert_chain(*paths)
            ctx.set_alpn_protocols(["h2", "http/1.1"])     # HTTP/2 to clients on every configuration
            if len(self.contexts) >= MAX_CONTEXTS:
                self.contexts.clear()
            self.contexts[key] = ctx
        return ctx
