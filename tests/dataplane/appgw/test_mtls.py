"""Mutual TLS through an sslProfile with a trusted client CA: httpx with a client certificate made by
``cryptography`` gets through and its certificate reaches the backend in headers a rewrite rule sets from the
client-certificate server variables; no certificate is answered 400; a certificate of another CA fails."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import ssl
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aznet.dataplane.appgw import mtls
from aznet.dataplane.appgw.model import SslProfile

from .support import backends, gateway, network, pip_address, port, signed_pfx, wait_for

PASSWORD = "Azure123456!"
NOW = datetime.datetime.now(datetime.UTC)


def _cert(cn: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None, ca: bool = False
          ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Contoso")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer[0].subject if issuer else name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer[1] if issuer else key, hashes.SHA256()))
    return cert, key


def _client_files(folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Path:
    path = folder / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return path


def _der_b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


HEADERS = {"X-Client-Cert": "client_certificate", "X-Client-Subject": "client_certificate_subject",
           "X-Client-Issuer": "client_certificate_issuer", "X-Client-Serial": "client_certificate_serial",
           "X-Client-Fingerprint": "client_certificate_fingerprint", "X-Client-Verify": "client_certificate_verification",
           "X-Client-Start": "client_certificate_start_date", "X-Client-End": "client_certificate_end_date"}


def test_mutual_tls_passes_the_client_certificate_to_the_backend(aznet, network_client, rg, tmp_path):
    ids = network(network_client, aznet, rg)
    ca = _cert("Contoso Client CA", ca=True)
    client = _cert("device-17", ca)
    stranger_ca = _cert("Other CA", ca=True)
    stranger = _cert("intruder", stranger_ca)
    rules = [{"name": "cert-headers", "ruleSequence": 100, "conditions": [],
              "actionSet": {"requestHeaderConfigurations": [{"headerName": h, "headerValue": "{var_" + v + "}"}
                                                            for h, v in HEADERS.items()]}}]
    with backends("app", base=48) as (b1,):
        body = gateway(
            aznet, rg, "gw", ids, ports=(443,), pools={"p": [{"ipAddress": b1.host}]},
            settings={"s": {"port": b1.port}},
            listeners=[{"name": "tls", "port": 443, "protocol": "Https", "cert": "site"}],
            rules=[{"name": "r", "listener": "tls", "pool": "p", "settings": "s", "rewrite": "rw"}],
            sslCertificates=[{"name": "site", "properties": {"data": signed_pfx(aznet, "www.contoso.com"),
                                                             "password": PASSWORD}}],
            trustedClientCertificates=[{"name": "clientca", "properties": {"data": _der_b64(ca[0])}}],
            sslProfiles=lambda gw: [{"name": "mtls", "properties": {
                "trustedClientCertificates": [{"id": f"{gw}/trustedClientCertificates/clientca"}],
                "clientAuthConfiguration": {"verifyClientCertIssuerDN": True}}}],
            rewriteRuleSets=[{"name": "rw", "properties": {"rewriteRules": rules}}])
        lst = body["properties"]["httpListeners"][0]["properties"]
        lst["sslProfile"] = {"id": lst["frontendPort"]["id"].split("/frontendPorts/")[0] + "/sslProfiles/mtls"}
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        url = f"https://www.contoso.com:{port(aznet, 443)}/who"
        ip = pip_address(network_client, rg)

        def client_ctx(pem: Path | None) -> ssl.SSLContext:
            ctx = ssl.create_default_context(cafile=str(aznet.ca_path))
            if pem is not None:
                ctx.load_cert_chain(pem)
            return ctx

        def call(pem: Path | None) -> httpx.Response:
            transport = httpx.HTTPTransport(verify=client_ctx(pem))
            with httpx.Client(transport=transport, timeout=10) as c:
                return c.get(url.replace("www.contoso.com", ip), headers={"Host": "www.contoso.com"},
                             extensions={"sni_hostname": "www.contoso.com"})

        good = _client_files(tmp_path, "client", *client)
        r = wait_for(lambda: (x := call(good)).status_code == 200 and x)
        assert r.text == "app /who"
        seen = {k.lower(): v for k, v in json.loads(r.headers["x-seen"]).items()}
        cert = client[0]
        assert seen["x-client-verify"] == "SUCCESS"
        assert unquote(seen["x-client-cert"]) == cert.public_bytes(serialization.Encoding.PEM).decode()
        assert seen["x-client-subject"] == "O=Contoso,CN=device-17"
        assert seen["x-client-issuer"] == "O=Contoso,CN=Contoso Client CA"
        assert int(seen["x-client-serial"], 16) == cert.serial_number
        assert seen["x-client-fingerprint"] == hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
        assert datetime.datetime.strptime(seen["x-client-end"], "%b %d %H:%M:%S %Y GMT").replace(
            tzinfo=datetime.UTC) == cert.not_valid_after_utc
        assert seen["x-client-start"].endswith(" GMT") and str(cert.not_valid_before_utc.year) in seen["x-client-start"]
        # no certificate: client authentication fails with 400, nothing reaches the backend
        hits = b1.hits
        r = call(None)
        assert r.status_code == 400
        assert b1.hits == hits
        # a certificate of a CA the profile does not trust: the server ends the handshake, nothing reaches the backend
        with pytest.raises((httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):   # TLS 1.3: after the Finished
            call(_client_files(tmp_path, "stranger", *stranger))
        assert b1.hits == hits


def test_client_certificate_check_and_variables_without_sockets():
    ca = _cert("Root", ca=True)
    inter = _cert("Issuing CA", ca, ca=True)
    leaf = _cert("leaf", inter)
    chain_pem = base64.b64encode(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (inter[0], ca[0])))
    profile = SslProfile("p", (chain_pem.decode(),), verify_issuer_dn=True)
    cc = mtls.ClientCert(leaf[0].public_bytes(serialization.Encoding.DER))
    assert mtls.check(profile, cc) == "SUCCESS"
    assert mtls.check(profile, None).startswith("FAILED")
    # the issuer-DN check: only the leaf-most CA of the uploaded chain may have issued the client certificate
    root_only = SslProfile("q", (_der_b64(ca[0]), chain_pem.decode()), verify_issuer_dn=True)
    direct = mtls.ClientCert(_cert("direct", ca)[0].public_bytes(serialization.Encoding.DER))
    assert mtls.check(root_only, direct) == "SUCCESS"            # the first file's leaf-most CA is Root
    only_chain = SslProfile("r", (chain_pem.decode(),), verify_issuer_dn=True)
    assert mtls.check(only_chain, direct) == "FAILED:client certificate issuer DN does not match"
    assert mtls.check(SslProfile("s", (chain_pem.decode(),)), direct) == "SUCCESS"
    # a certificate signed by another key under the same issuer name is not accepted
    forged = _cert("forged", (inter[0], ec.generate_private_key(ec.SECP256R1())))
    assert mtls.check(profile, mtls.ClientCert(forged[0].public_bytes(serialization.Encoding.DER))).startswith("FAILED")
    v = cc.variables("SUCCESS")
    assert v["client_certificate_subject"] == "O=Contoso,CN=leaf"
    serial = v["client_certificate_serial"]
    assert len(serial) % 2 == 0 and serial == serial.upper() and int(serial, 16) == leaf[0].serial_number
    assert "\n" not in v["client_certificate"] and unquote(v["client_certificate"]).startswith("-----BEGIN CERTIFICATE")
    assert mtls.no_certificate()["client_certificate_verification"] == "NONE"


def test_ocsp_revocation_check(aznet, network_client, rg, tmp_path):
    """verifyClientRevocation OCSP: the responder of the certificate's AIA extension (a local one, signing with
    the CA's key through ``cryptography``) says good or revoked; a revoked certificate is answered 400."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cryptography.x509 import ocsp
    from cryptography.x509.oid import AuthorityInformationAccessOID

    ca = _cert("OCSP Client CA", ca=True)
    known: dict[int, x509.Certificate] = {}
    revoked: set[int] = set()
    asked: list[int] = []

    class Responder(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            req = ocsp.load_der_ocsp_request(self.rfile.read(int(self.headers["Content-Length"])))
            asked.append(req.serial_number)
            leaf = known[req.serial_number]
            status = ocsp.OCSPCertStatus.REVOKED if req.serial_number in revoked else ocsp.OCSPCertStatus.GOOD
            now = datetime.datetime.now(datetime.UTC)
            resp = (ocsp.OCSPResponseBuilder()
                    .add_response(cert=leaf, issuer=ca[0], algorithm=hashes.SHA1(), cert_status=status,
                                  this_update=now, next_update=now + datetime.timedelta(hours=1),
                                  revocation_time=now if status == ocsp.OCSPCertStatus.REVOKED else None,
                                  revocation_reason=None)
                    .responder_id(ocsp.OCSPResponderEncoding.HASH, ca[0]).sign(ca[1], hashes.SHA256()))
            body = resp.public_bytes(serialization.Encoding.DER)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    responder = ThreadingHTTPServer(("127.0.0.58", 0), Responder)
    threading.Thread(target=responder.serve_forever, daemon=True).start()
    url = f"http://127.0.0.58:{responder.server_address[1]}/"

    def client(cn: str) -> Path:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
                .issuer_name(ca[0].subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=7))
                .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url))]), critical=False)
                .sign(ca[1], hashes.SHA256()))
        known[cert.serial_number] = cert
        if cn == "revoked":
            revoked.add(cert.serial_number)
        return _client_files(tmp_path, cn, cert, key)

    ids = network(network_client, aznet, rg)
    try:
        with backends("app", base=58) as (b1,):
            rules = [{"name": "v", "ruleSequence": 100, "conditions": [], "actionSet": {"requestHeaderConfigurations": [
                {"headerName": "X-Client-Verify", "headerValue": "{var_client_certificate_verification}"}]}}]
            body = gateway(
                aznet, rg, "gw", ids, ports=(443,), pools={"p": [{"ipAddress": b1.host}]},
                settings={"s": {"port": b1.port}},
                listeners=[{"name": "tls", "port": 443, "protocol": "Https", "cert": "site"}],
                rules=[{"name": "r", "listener": "tls", "pool": "p", "settings": "s", "rewrite": "rw"}],
                sslCertificates=[{"name": "site", "properties": {"data": signed_pfx(aznet, "www.contoso.com"),
                                                                 "password": PASSWORD}}],
                trustedClientCertificates=[{"name": "clientca", "properties": {"data": _der_b64(ca[0])}}],
                sslProfiles=lambda gw: [{"name": "mtls", "properties": {
                    "trustedClientCertificates": [{"id": f"{gw}/trustedClientCertificates/clientca"}],
                    "clientAuthConfiguration": {"verifyClientRevocation": "OCSP"}}}],
                rewriteRuleSets=[{"name": "rw", "properties": {"rewriteRules": rules}}])
            lst = body["properties"]["httpListeners"][0]["properties"]
            lst["sslProfile"] = {"id": lst["frontendPort"]["id"].split("/frontendPorts/")[0] + "/sslProfiles/mtls"}
            network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
            target = f"https://{pip_address(network_client, rg)}:{port(aznet, 443)}/who"

            def call(pem: Path) -> httpx.Response:
                ctx = ssl.create_default_context(cafile=str(aznet.ca_path))
                ctx.load_cert_chain(pem)
                with httpx.Client(transport=httpx.HTTPTransport(verify=ctx), timeout=10) as c:
                    return c.get(target, headers={"Host": "www.contoso.com"},
                                 extensions={"sni_hostname": "www.contoso.com"})

            good, bad = client("good"), client("revoked")
            r = wait_for(lambda: (x := call(good)).status_code == 200 and x)
            assert json.loads(r.headers["x-seen"])["X-Client-Verify"] == "SUCCESS"
            hits = b1.hits
            assert call(bad).status_code == 400
            assert b1.hits == hits
            assert set(asked) == {s for s in known}          # both certificates were asked about
    finally:
        responder.shutdown()
