"""HTTP/2 on an HTTPS listener when the gateway has enableHttp2 (ALPN h2; httpx[http2] and curl --http2), with
HTTP/1.1 to the backend; without enableHttp2 the listener offers HTTP/1.1 only."""

from __future__ import annotations

import json
import ssl
import subprocess

import httpx

from .support import backends, gateway, network, pip_address, port, signed_pfx, wait_for

PASSWORD = "Azure123456!"


def test_http2_to_clients_http11_to_backends(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("app", base=56) as (b1,):
        body = gateway(aznet, rg, "gw", ids, ports=(443,), pools={"p": [{"ipAddress": b1.host}]},
                       settings={"s": {"port": b1.port}},
                       listeners=[{"name": "tls", "port": 443, "protocol": "Https", "cert": "site"}],
                       rules=[{"name": "r", "listener": "tls", "pool": "p", "settings": "s"}],
                       sslCertificates=[{"name": "site", "properties": {"data": signed_pfx(aznet, "www.contoso.com"),
                                                                        "password": PASSWORD}}],
                       enableHttp2=True)
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        ip, p443 = pip_address(network_client, rg), port(aznet, 443)
        ctx = ssl.create_default_context(cafile=str(aznet.ca_path))
        url = f"https://{ip}:{p443}"
        ext = {"sni_hostname": "www.contoso.com"}
        with httpx.Client(http2=True, verify=ctx, timeout=10) as c:
            def once() -> httpx.Response:
                return c.get(f"{url}/h2?x=1", headers={"Host": "www.contoso.com"}, extensions=ext)
            r = wait_for(lambda: (x := once()).status_code == 200 and x)
            assert r.http_version == "HTTP/2"
            assert r.text == "app /h2?x=1"
            seen = {k.lower(): v for k, v in json.loads(r.headers["x-seen"]).items()}
            assert seen["host"] == "www.contoso.com" and seen["x-forwarded-proto"] == "https"
            # a body larger than HTTP/2's initial flow-control window, several streams on one connection
            for _ in range(3):
                r = c.get(f"{url}/bytes/300000", headers={"Host": "www.contoso.com"}, extensions=ext)
                assert r.http_version == "HTTP/2" and len(r.content) == 300000
            # a long body streams through in DATA frames as the client opens its window
            got = 0
            with c.stream("GET", f"{url}/bytes/8000000", headers={"Host": "www.contoso.com"}, extensions=ext) as r:
                assert r.http_version == "HTTP/2" and r.headers["content-length"] == "8000000"
                for chunk in r.iter_bytes():
                    got += len(chunk)
            assert got == 8000000
            r = c.post(f"{url}/upload", content=b"y" * 100000, headers={"Host": "www.contoso.com"}, extensions=ext)
            assert r.text == "app read 100000"
            r = c.get(f"{url}/none", headers={"Host": "other.example"}, extensions=ext)
            assert r.status_code == 200       # a basic listener takes any host
        out = subprocess.run(["curl", "-sS", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                              "--cacert", str(aznet.ca_path), "--resolve", f"www.contoso.com:{p443}:{ip}",
                              f"https://www.contoso.com:{p443}/c"], capture_output=True, text=True, timeout=30)
        assert out.stdout == "2 200", out.stderr
        # enableHttp2 off: ALPN offers HTTP/1.1 only
        body["properties"]["enableHttp2"] = False
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        with httpx.Client(http2=True, verify=ctx, timeout=10) as c:
            r = wait_for(lambda: (x := c.get(f"{url}/h1", headers={"Host": "www.contoso.com"}, extensions=ext))
                         .http_version == "HTTP/1.1" and x)
            assert r.text == "app /h1"
