"""HTTP/2 from clients on the edge's HTTPS listener ("HTTP/2 support in Azure Front Door": on every configuration,
HTTP/1.1 to origins), through the shared h2 session App Gateway uses: httpx[http2] negotiates h2 by ALPN and gets
pass-through answers, request bodies, cache hits and the edge's headers; HTTP/1.1 clients still get HTTP/1.1."""

from __future__ import annotations

import json
import ssl

import httpx

from aznet.dataplane.frontdoor.service import FrontDoorService

from .support import afd_one_origin, backends, edge_port, resolve


def test_http2_clients_through_the_edge(aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    cdn = aznet.client(CdnManagementClient)
    svc = aznet.platform.services.get(FrontDoorService)
    with backends("two", base=79) as (b,):
        host = afd_one_origin(cdn, rg, "fdh", "h2", b, cached=("/static/*", {}))
        base = f"https://{resolve(aznet, host)}:{edge_port(aznet, 443)}"
        verify = ssl.create_default_context(cafile=str(aznet.ca_bundle))
        ext = {"sni_hostname": host}
        with httpx.Client(http2=True, verify=verify, timeout=30, headers={"Host": host}) as c:
            r = c.get(f"{base}/hello?q=1", extensions=ext)
            assert r.http_version == "HTTP/2" and r.status_code == 200 and r.text == "two /hello?q=1"
            assert r.headers["x-cache"] == "CONFIG_NOCACHE" and r.headers["x-azure-ref"]
            seen = {k.lower(): v for k, v in json.loads(r.headers["x-seen"]).items()}
            assert seen["via"] == "2.0 Azure" and seen["x-forwarded-proto"] == "https"   # HTTP/1.1 to the origin
            assert seen["host"] == "o.origin.test" and seen["x-forwarded-host"] == host
            body = b"y" * 200_000
            r = c.post(f"{base}/upload", content=body, extensions=ext)
            assert r.http_version == "HTTP/2" and r.text == f"two read {len(body)}"
            streamed = svc.proxy.streamed
            r = c.get(f"{base}/bytes/{1024 * 1024}", extensions=ext)
            assert r.http_version == "HTTP/2" and r.content == b"x" * (1024 * 1024)
            got = 0
            with c.stream("GET", f"{base}/bytes/{40 * 1024 * 1024}", extensions=ext) as big:   # DATA frames
                assert big.http_version == "HTTP/2" and big.headers["content-length"] == str(40 * 1024 * 1024)
                for chunk in big.iter_raw(1 << 20):
                    got += len(chunk)
            assert got == 40 * 1024 * 1024
            assert svc.proxy.streamed == streamed + 2          # both long answers passed on as they came
            first = c.get(f"{base}/static/a.css", extensions=ext)
            again = c.get(f"{base}/static/a.css", extensions=ext)
            assert first.http_version == again.http_version == "HTTP/2"
            assert first.headers["x-cache"] == "TCP_MISS" and again.headers["x-cache"] == "TCP_HIT"
            assert again.text == first.text == "two /static/a.css"
            r = c.get(f"{base}/nothing", extensions=ext, headers={"Host": "unknown.example.com"})
            assert r.status_code == 404 and r.http_version == "HTTP/2"
        with httpx.Client(verify=verify, timeout=30, headers={"Host": host}) as c:          # HTTP/1.1 still
            r = c.get(f"{base}/hello", extensions=ext)
            assert r.http_version == "HTTP/1.1" and r.text == "two /hello"
