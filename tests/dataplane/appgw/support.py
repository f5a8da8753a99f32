"""Helpers for the application gateway data-plane tests: local backend services on loopback, gateway bodies
with listeners, rules and path maps, polling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from aznet.dataplane.appgw.upstream import UpstreamConn, UpstreamPool
from aznet.dataplane.ports import listen_port
from tests.dataplane.lb.support import wait_for
from tests.delivery.appgw_support import network
from tests.network.nic_support import LOC, rid

__all__ = ["wait_for", "network", "Backend", "backends", "gateway", "port", "get", "ShellOwner", "FakeTransport",
           "backend_conn", "BACKEND_KEY"]


class FakeTransport:
    """A transport for shell tests without sockets: keeps what is written (nothing may be written after a close)
    and answers the client address 127.0.0.1:40000."""

    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.out.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


BACKEND_KEY = ("127.0.0.1", 1, None, None)      # a backend connection's pool key in socket-less tests


def backend_conn(pool: UpstreamPool, key: tuple[Any, ...] = BACKEND_KEY) -> UpstreamConn:
    """A kept-alive backend connection of ``pool`` on a ``FakeTransport`` (call it inside a running loop)."""
    conn = UpstreamConn(pool, key)
    conn.connection_made(FakeTransport())  # type: ignore[arg-type]
    return conn


class ShellOwner:
    """The part of a ``ClientConn`` owner (``appgw/owner.py``) that shell tests without a gateway leave idle: no
    TLS, no streaming, connection events ignored, and any request that fails fails the test. Subclasses give
    ``max_body``, ``now`` and the handlers."""
    tls = False
    max_body = 1 << 20

    def now(self) -> float:
        return 0.0

    def opened(self, conn: Any) -> None:
        pass

    def closed(self, conn: Any) -> None:
        pass

    def refused(self, conn: Any, status: int) -> None:
        pass

    def may_stream(self) -> bool:
        return False

    def log_exception(self) -> None:
        raise AssertionError("no request may fail here")


class Backend:
    """A local HTTP service: answers ``<name> <path>`` with the request headers as JSON in ``X-Seen``;
    ``fail`` makes it answer 500; ``/error.html`` answers a custom error page; ``/sleep/<seconds>`` answers
    after that long; ``/bytes/<n>`` answers n bytes; a POST to ``/upload`` answers the length it read."""

    def __init__(self, name: str, host: str, port: int = 0, tls: Any = None) -> None:
        self.name, self.host = name, host
        self.fail = False
        self.hits = 0
        self.paths: list[str] = []       # every request's path, probes included, in arrival order
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                owner.hits += 1
                owner.paths.append(self.path)
                if self.path.startswith("/sleep/"):
                    time.sleep(float(self.path.rsplit("/", 1)[1]))
                length = int(self.headers.get("Content-Length") or 0)
                got = 0
                while got < length:
                    chunk = self.rfile.read(min(65536, length - got))
                    if not chunk:
                        break
                    got += len(chunk)
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        got += len(self.rfile.read(size))
                        self.rfile.readline()
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                if self.path.startswith("/bytes/"):
                    n = int(self.path.rsplit("/", 1)[1])
                    self.send_response(200)
                    self.send_header("Content-Length", str(n))
                    self.end_headers()
                    for i in range(0, n, 65536):
                        self.wfile.write(b"x" * min(65536, n - i))
                    return
                if self.command == "POST" and self.path == "/upload":
                    body = f"{owner.name} read {got}".encode()
                    status = 200
                elif self.path == "/error.html":
                    body = f"<html>custom error page of {owner.name}</html>".encode()
                    status = 200
                else:
                    body = f"{owner.name} {self.path}".encode()
                    status = 500 if owner.fail else 200
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Backend", owner.name)
                self.send_header("X-Seen", json.dumps(dict(self.headers.items())))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        if tls is not None:           # an ssl.SSLContext: serve HTTPS
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def backends(*names: str, base: int = 40, same_port: bool = False) -> Iterator[list[Backend]]:
    """Services on 127.0.<base>.1, .2, ...; with ``same_port`` all on the first one's port (one pool, one
    settings port)."""
    out: list[Backend] = []
    for i, n in enumerate(names):
        out.append(Backend(n, f"127.0.{base}.{i + 1}", out[0].port if same_port and out else 0))
    try:
        yield out
    finally:
        for b in out:
            b.close()


def gateway(aznet: Any, rg: str, name: str, ids: dict[str, str], pools: dict[str, list[dict[str, Any]]],
            settings: dict[str, dict[str, Any]], listeners: list[dict[str, Any]], rules: list[dict[str, Any]],
            ports: tuple[int, ...] = (80,), **props: Any) -> dict[str, Any]:
    """A v2 gateway body; references are written by name (``"pool": "a"``) and expanded here."""
    gw = rid(aznet, rg, "applicationGateways", name)

    def ref(kind: str, n: str) -> dict[str, str]:
        return {"id": f"{gw}/{kind}/{n}"}

    lsts = []
    for lst in listeners:
        lp: dict[str, Any] = {"frontendIPConfiguration": ref("frontendIPConfigurations", "fe"),
                              "frontendPort": ref("frontendPorts", f"p{lst.get('port', 80)}"),
                              "protocol": lst.get("protocol", "Http")}
        if lst.get("hostNames"):
            lp["hostNames"] = lst["hostNames"]
        if lst.get("cert"):
            lp["sslCertificate"] = ref("sslCertificates", lst["cert"])
        if lst.get("errors"):
            lp["customErrorConfigurations"] = lst["errors"]
        lsts.append({"name": lst["name"], "properties": lp})
    rrs = []
    for i, r in enumerate(rules):
        rp: dict[str, Any] = {"ruleType": "PathBasedRouting" if r.get("pathMap") else "Basic",
                              "priority": r.get("priority", 100 + i), "httpListener": ref("httpListeners", r["listener"])}
        if r.get("pathMap"):
            rp["urlPathMap"] = ref("urlPathMaps", r["pathMap"])
        if r.get("redirect"):
            rp["redirectConfiguration"] = ref("redirectConfigurations", r["redirect"])
        elif not r.get("pathMap"):
            rp["backendAddressPool"] = ref("backendAddressPools", r["pool"])
            rp["backendHttpSettings"] = ref("backendHttpSettingsCollection", r["settings"])
        if r.get("rewrite"):
            rp["rewriteRuleSet"] = ref("rewriteRuleSets", r["rewrite"])
        rrs.append({"name": r["name"], "properties": rp})
    sets = []
    for n, s in settings.items():
        sp = {"port": 80, "protocol": "Http", "cookieBasedAffinity": "Disabled", "requestTimeout": 5, **s}
        if "probe" in sp:
            sp["probe"] = ref("probes", sp["probe"])
        sets.append({"name": n, "properties": sp})
    body: dict[str, Any] = {
        "location": LOC,
        "properties": {
            "sku": {"name": "Standard_v2", "tier": "Standard_v2", "capacity": 1},
            "gatewayIPConfigurations": [{"name": "gwip", "properties": {"subnet": {"id": ids["subnet"]}}}],
            "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": ids["pip"]}}}],
            "frontendPorts": [{"name": f"p{p}", "properties": {"port": p}} for p in ports],
            "backendAddressPools": [{"name": n, "properties": {"backendAddresses": addrs}} for n, addrs in pools.items()],
            "backendHttpSettingsCollection": sets,
            "httpListeners": lsts,
            "requestRoutingRules": rrs,
        },
    }
    for k, v in props.items():
        body["properties"][k] = v(gw) if callable(v) else v
    return body


def port(aznet: Any, p: int) -> int:
    return listen_port(p, aznet.platform.settings.privileged_port_offset)


def get(url: str, **kw: Any) -> httpx.Response:
    with httpx.Client(timeout=10, **{k: v for k, v in kw.items() if k in ("verify", "cookies")}) as c:
        return c.get(url, headers=kw.get("headers"), follow_redirects=False)


def pip_address(net: Any, rg: str, name: str = "myAGPublicIPAddress") -> str:
    return str(net.public_ip_addresses.get(rg, name).ip_address)


def signed_pem(aznet: Any, folder: Any, *names: str) -> Any:
    """A server ssl.SSLContext for ``names`` with a certificate signed by the running aznet's CA."""
    import base64
    import ssl

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, extra = pkcs12.load_key_and_certificates(base64.b64decode(signed_pfx(aznet, *names)), b"Azure123456!")
    pem = folder / "backend.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem)
    return ctx


def ca_der_b64(aznet: Any) -> str:
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    cert = x509.load_pem_x509_certificate((aznet.data_dir / "ca.pem").read_bytes())
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def signed_pfx(aznet: Any, *names: str, password: str = "Azure123456!") -> str:
    """A PFX (base64) for ``names`` signed by the running aznet's CA (which the test clients trust); an empty
    password: an unencrypted PFX, as Key Vault keeps certificates."""
    import base64
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    ca_cert = x509.load_pem_x509_certificate((aznet.data_dir / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((aznet.data_dir / "ca-key.pem").read_bytes(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    enc = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    data = pkcs12.serialize_key_and_certificates(b"gw", key, cert, [ca_cert], enc)
    return base64.b64encode(data).decode()
