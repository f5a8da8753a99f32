"""The TLS object of listeners and backend connections (``tls.SizedSSLObject``): reads sized to what is buffered instead of the 256 KiB
uvloop asks for, ``write``/``pending`` without a Python frame. What a reader gets must be what ``ssl.SSLObject``
gives for the same bytes: every byte in order whatever the chunking of the ciphertext, want-read when nothing
is there, end of stream on close_notify. End to end: large bodies both ways and keep-alive requests over an
HTTPS listener (uvloop's TLS protocol reading through it)."""

from __future__ import annotations

import datetime
import random
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aznet.dataplane.appgw import tls
from tests.network.nic_support import rid

from .support import backends, gateway, network, pip_address, port, signed_pfx, wait_for


def _pem(tmp_path: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tls.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = tmp_path / "server.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return pem


class _Pair:
    """A client and a server TLS object over memory BIOs, the server's of class ``cls``."""

    def __init__(self, pem: Path, cls: type[ssl.SSLObject], version: ssl.TLSVersion) -> None:
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(pem)
        sctx.sslobject_class = cls
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.check_hostname = False
        cctx.verify_mode = ssl.CERT_NONE
        cctx.maximum_version = version
        self.si, self.so, self.ci, self.co = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
        self.server = sctx.wrap_bio(self.si, self.so, server_side=True)
        self.client = cctx.wrap_bio(self.ci, self.co)
        for _ in range(8):
            for side in (self.client, self.server):
                try:
                    side.do_handshake()
                except ssl.SSLWantReadError:
                    pass
            self.si.write(self.co.read())
            self.ci.write(self.so.read())
        assert type(self.server) is cls and self.server.version() is not None

    def drain(self) -> bytes:
        """What uvloop's copied read does after new bytes: read while the BIO or OpenSSL holds any."""
        got = b""
        try:
            while self.si.pending > 0 or self.server.pending() > 0:
                chunk = self.server.read(256 * 1024)
                if not chunk:
                    return got + b"<eof>"
                got += chunk
        except ssl.SSLWantReadError:
            pass
        return got


def _transcript(pem: Path, cls: type[ssl.SSLObject], version: ssl.TLSVersion) -> list[bytes]:
    """Messages of many sizes, their ciphertext fed in seeded random chunks (from 1 byte to several records),
    each drain's plaintext recorded; then want-read with nothing there, then close_notify."""
    p = _Pair(pem, cls, version)
    rnd = random.Random(7)
    out: list[bytes] = []
    sent = b""
    for size in (1, 37, 200, 16383, 16384, 16385, 70000, 300000, 5):
        msg = bytes(rnd.getrandbits(8) for _ in range(min(size, 64))) * (size // 64 + 1)
        msg = msg[:size]
        sent += msg
        p.client.write(msg)
        wire = p.co.read()
        while wire:
            n = rnd.choice((1, 5, 100, 4000, 17000, 70000))
            p.si.write(wire[:n])
            wire = wire[n:]
            out.append(p.drain())
    assert b"".join(out) == sent
    with pytest.raises(ssl.SSLWantReadError):
        p.server.read(256 * 1024)
    buf = bytearray(100)
    p.client.write(b"into a buffer")
    p.si.write(p.co.read())
    n = p.server.read(100, buf)
    out.append(bytes(buf[:n]))
    with pytest.raises(ssl.SSLWantReadError):
        p.client.unwrap()
    p.si.write(p.co.read())
    out.append(p.drain())
    return out


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2])
def test_server_object_reads_what_ssl_sslobject_reads(tmp_path, version):
    pem = _pem(tmp_path)
    mine = _transcript(pem, tls.SizedSSLObject, version)
    stock = _transcript(pem, ssl.SSLObject, version)
    assert mine[-2:] == [b"into a buffer", b"<eof>"]
    assert b"".join(mine) == b"".join(stock)


def test_server_object_asks_openssl_for_what_is_buffered(tmp_path):
    p = _Pair(_pem(tmp_path), tls.SizedSSLObject, ssl.TLSVersion.TLSv1_3)
    sizes: list[int] = []
    real = p.server._sslobj

    class Spy:                                  # the C object, its read sizes recorded
        def read(self, n: int, *buf: object) -> object:
            sizes.append(n)
            return real.read(n, *buf)

        def pending(self) -> int:
            return real.pending()

    p.server._sslobj = Spy()   # type: ignore[assignment]
    p.client.write(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    record = p.co.read()
    p.si.write(record)
    assert p.drain() == b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    assert sizes == [len(record)]          # not the 256 KiB the caller asked for
    p.client.write(b"x" * 100000)
    p.si.write(p.co.read())
    assert p.drain() == b"x" * 100000
    assert max(sizes[1:]) == tls.MAX_RECORD


def test_listener_contexts_make_server_objects(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("app", base=84) as (b1,):
        body = gateway(aznet, rg, "gw", ids, ports=(443,), pools={"p": [{"ipAddress": b1.host}]},
                       settings={"s": {"port": b1.port}},
                       listeners=[{"name": "tls", "port": 443, "protocol": "Https", "cert": "site"}],
                       rules=[{"name": "r", "listener": "tls", "pool": "p", "settings": "s"}],
                       sslCertificates=[{"name": "site", "properties": {
                           "data": signed_pfx(aznet, "www.contoso.com"), "password": "Azure123456!"}}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        ip, p443 = pip_address(network_client, rg), port(aznet, 443)
        ctx = ssl.create_default_context(cafile=str(aznet.ca_path))
        url = f"https://{ip}:{p443}"
        ext = {"sni_hostname": "www.contoso.com"}
        with httpx.Client(verify=ctx, timeout=20) as c:
            wait_for(lambda: c.get(f"{url}/x", extensions=ext).status_code == 200)
            for i in range(20):                     # keep-alive: small requests on one connection
                r = c.get(f"{url}/k{i}", extensions=ext)
                assert r.http_version == "HTTP/1.1" and r.text == f"app /k{i}"
            r = c.post(f"{url}/upload", content=b"u" * 3_000_000, extensions=ext)
            assert r.text == "app read 3000000"
            r = c.get(f"{url}/bytes/3000000", extensions=ext)
            assert len(r.content) == 3_000_000
            svc = aznet.platform.services.get("appgw")
            objs = [c.transport.get_extra_info("ssl_object") for st in list(svc.sockets.values()) if st.tls
                    for c in list(st.conns) if c.transport is not None]
            assert objs and all(type(o) is tls.SizedSSLObject for o in objs)


def test_end_to_end_tls_to_the_backend_reads_through_sized_objects(aznet, network_client, rg, tmp_path):
    from .support import Backend, ca_der_b64, signed_pem

    ids = network(network_client, aznet, rg)
    b = Backend("secure", "127.0.86.1", tls=signed_pem(aznet, tmp_path, "backend.contoso.com"))
    try:
        gw = rid(aznet, rg, "applicationGateways", "gw")
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b.host}]},
                       settings={"s": {"port": b.port, "protocol": "Https", "hostName": "backend.contoso.com",
                                       "trustedRootCertificates": [{"id": f"{gw}/trustedRootCertificates/ca"}]}},
                       listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}],
                       trustedRootCertificates=[{"name": "ca", "properties": {"data": ca_der_b64(aznet)}}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        url = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        with httpx.Client(timeout=20) as c:
            wait_for(lambda: c.get(f"{url}/x").status_code == 200)
            for i in range(10):
                assert c.get(f"{url}/k{i}").text == f"secure /k{i}"
            assert c.post(f"{url}/upload", content=b"u" * 3_000_000).text == "secure read 3000000"
            assert len(c.get(f"{url}/bytes/3000000").content) == 3_000_000
        svc = aznet.platform.services.get("appgw")
        objs = wait_for(lambda: [u.transport.get_extra_info("ssl_object")       # once back in the idle pool
                                 for q in list(svc.proxy.upstream.idle.values()) for u in list(q)
                                 if u.transport is not None
                                 and u.transport.get_extra_info("peername") == (b.host, b.port)])
        assert objs and all(type(o) is tls.SizedSSLObject for o in objs)
    finally:
        b.close()
