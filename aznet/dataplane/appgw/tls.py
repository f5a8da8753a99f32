"""TLS for listeners and backends: PFX certificates to OpenSSL contexts, sslPolicy to protocol versions and
cipher suites, SNI choosing the listener's certificate, trusted root certificates for end-to-end TLS.

sslPolicy (Azure's predefined policies from the "TLS policy overview" page): AppGwSslPolicy20150501 TLS 1.0+,
AppGwSslPolicy20170401 TLS 1.1+, AppGwSslPolicy20170401S / 20220101 / 20220101S TLS 1.2+ (20220101S: TLS 1.2
with the GCM suites only); Custom / CustomV2: ``minProtocolVersion`` and ``cipherSuites`` (IANA names mapped
to OpenSSL's). Where OpenSSL differs: TLS 1.3 suites cannot be narrowed through Python's ``ssl`` module, and
OpenSSL's security level may refuse TLS 1.0/1.1 even when the policy allows them. A gateway without a policy
gets TLS 1.2+ (the default of recent api-versions, inferred for all)."""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from . import mtls
from .model import Listener
from .router import host_matches

MAX_RECORD = 16384 + 2048   # more than the plaintext of one TLS record (2^14): what one read can return
NOTHING_PENDING = 1024      # the read size when nothing is buffered (the answer is want-read or end of stream)


class SizedSSLObject(ssl.SSLObject):
    """The TLS object of one connection (``SSLContext.sslobject_class`` of the listeners' contexts and of the
    backend contexts for end-to-end TLS), as ``ssl.SSLObject`` does it with less work per call of the event
    loop's TLS protocol:

    - ``read(n)`` without a buffer asks OpenSSL for no more than can be there: uvloop reads with n = 256 KiB,
      and Python allocates a bytes object of n for every call and then shrinks it, a large malloc per request
      (it consolidates the allocator's free lists and, depending on the heap, grows and trims it: measured
      ~2 us -> up to ~14 us per request in that state). What can be there is at most the ciphertext still in
      the incoming BIO plus the plaintext OpenSSL has decrypted and not yet returned (a record never decrypts
      to more than its ciphertext; Python does not set read-ahead, so OpenSSL holds no whole unread record),
      and one read returns at most one record. A record split across reads may return less than it holds; the
      rest stays in ``pending()``, which the caller (uvloop's read loop, like any ``SSLObject`` reader) reads
      again. With nothing buffered the call cannot return data, and still goes to OpenSSL (small), so
      want-read, end of stream and errors come back exactly as before.
    - ``write`` and ``pending`` are the C object's own methods (no Python frame per call).
    Everything else (the handshake, ``getpeercert``, ALPN, SNI switching ``context``) is ``ssl.SSLObject``'s."""

    _incoming: ssl.MemoryBIO

    @classmethod
    def _create(cls, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO, server_side: bool = False,
                server_hostname: str | None = None, session: ssl.SSLSession | None = None,
                context: ssl.SSLContext | None = None) -> SizedSSLObject:
        self = super()._create(incoming, outgoing, server_side=server_side,  # type: ignore[misc]
                               server_hostname=server_hostname, session=session, context=context)
        raw = self._sslobj
        self._incoming = incoming
        self.write = raw.write          # type: ignore[method-assign]
        self.pending = raw.pending      # type: ignore[method-assign]
        return self  # type: ignore[no-any-return]

    def read(self, len: int = 1024, buffer: Any = None) -> Any:  # noqa: A002 - ssl.SSLObject's signature
        raw = self._sslobj
        if buffer is not None:
            return raw.read(len, buffer)
        return raw.read(min(len, self._incoming.pending + raw.pending() or NOTHING_PENDING, MAX_RECORD))


VERSIONS = {"tlsv1_0": ssl.TLSVersion.TLSv1, "tlsv1_1": ssl.TLSVersion.TLSv1_1, "tlsv1_2": ssl.TLSVersion.TLSv1_2,
            "tlsv1_3": ssl.TLSVersion.TLSv1_3}
PREDEFINED = {"appgwsslpolicy20150501": ("tlsv1_0", None), "appgwsslpolicy20170401": ("tlsv1_1", None),
              "appgwsslpolicy20170401s": ("tlsv1_2", None), "appgwsslpolicy20220101": ("tlsv1_2", None),
              "appgwsslpolicy20220101s": ("tlsv1_2", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
                                                     "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")}
_CIPHER = {"AES_128_GCM_SHA256": "AES128-GCM-SHA256", "AES_256_GCM_SHA384": "AES256-GCM-SHA384",
           "AES_128_CBC_SHA256": "AES128-SHA256", "AES_256_CBC_SHA384": "AES256-SHA384",
           "AES_128_CBC_SHA": "AES128-SHA", "AES_256_CBC_SHA": "AES256-SHA", "AES_256_CBC_SHA256": "AES256-SHA256",
           "3DES_EDE_CBC_SHA": "DES-CBC3-SHA"}


def openssl_cipher(iana: str) -> str | None:
    """TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -> ECDHE-RSA-AES128-GCM-SHA256 (None if unknown)."""
    name = iana.upper()
    if not name.startswith("TLS_") or "_WITH_" not in name:
        return None
    kx, cipher = name[4:].split("_WITH_", 1)
    c = _CIPHER.get(cipher)
    if c is None:
        return None
    if kx == "RSA":
        return c if c != "DES-CBC3-SHA" else "DES-CBC3-SHA"
    kx = kx.replace("_", "-")
    if c == "DES-CBC3-SHA":
        return f"{kx}-DES-CBC3-SHA" if kx.startswith("ECDHE") else f"EDH-{kx.split('-')[1]}-DES-CBC3-SHA"
    return f"{kx}-{c}"


def apply_policy(ctx: ssl.SSLContext, policy: dict[str, Any]) -> None:
    kind = str(policy.get("policyType") or "").lower()
    low, ciphers = "tlsv1_2", None
    if kind == "predefined" or (not kind and policy.get("policyName")):
        low, ciphers = PREDEFINED.get(str(policy.get("policyName") or "").lower(), (low, None))
    elif kind in ("custom", "customv2"):
        low = str(policy.get("minProtocolVersion") or "tlsv1_2").lower()
        names = [c for c in (openssl_cipher(s) for s in policy.get("cipherSuites") or []) if c]
        ciphers = ":".join(names) or None
    ctx.minimum_version = VERSIONS.get(low, ssl.TLSVersion.TLSv1_2)
    if ctx.minimum_version < ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if ciphers:
        try:
            ctx.set_ciphers(ciphers + (":@SECLEVEL=0" if ctx.minimum_version < ssl.TLSVersion.TLSv1_2 else ""))
        except ssl.SSLError:
            pass                       # none OpenSSL knows: keep its defaults


def pfx_to_pem(data_b64: str, password: str) -> tuple[bytes, bytes]:
    """An sslCertificate's base64 PFX (and its password) as a PEM chain and a PEM PKCS#8 key."""
    return pfx_bytes_to_pem(base64.b64decode(data_b64), password.encode() or None)


def pfx_bytes_to_pem(raw: bytes, password: bytes | None) -> tuple[bytes, bytes]:
    """PFX bytes as (the certificate and its chain as PEM, the key as unencrypted PEM PKCS#8); ValueError when the
    bytes are not a PFX this password opens, or it holds no key or no certificate."""
    key, cert, extra = pkcs12.load_key_and_certificates(raw, password)
    if key is None or cert is None:
        raise ValueError("the PFX has no key or no certificate")
    chain = cert.public_bytes(serialization.Encoding.PEM) + b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in extra or [])
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return chain, key_pem


class CertStore:
    """Server contexts per certificate, their PEM files in a private folder of the data dir."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cache: dict[tuple[str, str], ssl.SSLContext] = {}

    def context(self, data_b64: str, password: str, policy: dict[str, Any], alpn: Sequence[str] = ("http/1.1",),
                client_cas: tuple[str, ...] = ()) -> ssl.SSLContext:
        digest = hashlib.sha256(f"{data_b64}|{password}".encode()).hexdigest()[:32]
        key = (digest, repr(sorted(policy.items())) + ",".join(alpn) + "|" + "|".join(client_cas))
        ctx = self.cache.get(key)
        if ctx is not None:
            return ctx
        chain, key_pem = pfx_to_pem(data_b64, password)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        cert_path, key_path = self.folder / f"{digest}.pem", self.folder / f"{digest}-key.pem"
        if not key_path.exists():
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key_pem)
            cert_path.write_bytes(chain)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        apply_policy(ctx, policy)
        ctx.load_cert_chain(cert_path, key_path)
        ctx.set_alpn_protocols(list(alpn))
        mtls.load_client_cas(ctx, client_cas)
        ctx._aznet_paths = (cert_path, key_path)  # type: ignore[attr-defined]
        ctx._aznet_client_cas = client_cas  # type: ignore[attr-defined]
        if len(self.cache) > 256:
            self.cache.clear()
        self.cache[key] = ctx
        return ctx


def listener_context(listeners: Sequence[Listener], contexts: dict[str, ssl.SSLContext]) -> ssl.SSLContext | None:
    """One server context for a socket: SNI picks the certificate of the first listener whose host names
    match (in listener order); no SNI or no match: the basic listener's certificate, else the first."""
    ordered = [(lst, contexts[lst.ssl_certificate]) for lst in listeners
               if lst.ssl_certificate and lst.ssl_certificate in contexts]
    if not ordered:
        return None
    default = next((c for lst, c in ordered if not lst.host_names), ordered[0][1])
    if len(ordered) == 1:
        return default
    pick: Callable[[str], ssl.SSLContext | None] = _picker(ordered)

    def sni(sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        if name:
            chosen = pick(name.lower())
            if chosen is not None and chosen is not sslobj.context:
                sslobj.context = chosen
    # a context of its own for the socket, so the callback does not leak into the shared per-cert contexts
    base = _clone(default)
    base.sni_callback = sni  # type: ignore[assignment]
    return base


def _picker(ordered: list[tuple[Listener, ssl.SSLContext]]) -> Callable[[str], ssl.SSLContext | None]:
    def pick(name: str) -> ssl.SSLContext | None:
        for lst, ctx in ordered:
            if not lst.host_names or any(host_matches(p, name) for p in lst.host_names):
                return ctx
        return None
    return pick


def _clone(ctx: ssl.SSLContext, alpn: Sequence[str] = ("http/1.1",)) -> ssl.SSLContext:
    """A server context with the same certificate, policy and client CAs (the SNI callback lives on it)."""
    new = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    new.sslobject_class = SizedSSLObject
    new.minimum_version = ctx.minimum_version
    try:
        new.set_ciphers(":".join(c["name"] for c in ctx.get_ciphers() if c["protocol"] != "TLSv1.3"))
    except ssl.SSLError:
        pass
    new.set_alpn_protocols(list(alpn))
    paths = getattr(ctx, "_aznet_paths", None)
    if paths:
        new.load_cert_chain(*paths)
    mtls.load_client_cas(new, getattr(ctx, "_aznet_client_cas", ()))
    return new


def backend_context(trusted_roots_b64: Sequence[str], extra_ca: Path | None) -> ssl.SSLContext:
    """End-to-end TLS: the trusted root certificates when given (v2), else the system's and the aznet CA."""
    ctx = ssl.create_default_context()
    if trusted_roots_b64:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        for data in trusted_roots_b64:
            ctx.load_verify_locations(cadata=base64.b64decode(data))
    elif extra_ca is not None and extra_ca.exists():
        ctx.load_verify_locations(cafile=str(extra_ca))
    ctx.check_hostname = True
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.sslobject_class = SizedSSLObject
    return ctx
