"""The edge's HTTPS listener reads through the App Gateway's listener TLS object (``appgw.tls.SizedSSLObject``:
reads sized to what is buffered): keep-alive requests and large bodies both ways over HTTP/1.1 arrive whole."""

from __future__ import annotations

import ssl

import httpx

from aznet.dataplane.appgw.tls import SizedSSLObject
from aznet.dataplane.frontdoor.service import FrontDoorService

from .support import afd_one_origin, backends, edge_port, resolve


def test_edge_https_reads_through_the_server_tls_object(aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    cdn = aznet.client(CdnManagementClient)
    svc = aznet.platform.services.get(FrontDoorService)
    with backends("one", base=85) as (b,):
        host = afd_one_origin(cdn, rg, "fdt", "tls", b)
        base = f"https://{resolve(aznet, host)}:{edge_port(aznet, 443)}"
        verify = ssl.create_default_context(cafile=str(aznet.ca_bundle))
        ext = {"sni_hostname": host}
        with httpx.Client(verify=verify, timeout=30, headers={"Host": host}) as c:
            for i in range(10):
                r = c.get(f"{base}/k{i}", extensions=ext)
                assert r.http_version == "HTTP/1.1" and r.text == f"one /k{i}"
            body = b"u" * 2_000_000
            r = c.post(f"{base}/upload", content=body, extensions=ext)
            assert r.text == f"one read {len(body)}"
            r = c.get(f"{base}/bytes/{2 * 1024 * 1024}", extensions=ext)
            assert r.content == b"x" * (2 * 1024 * 1024)
            objs = [conn.transport.get_extra_info("ssl_object") for st in list(svc.sockets) if st.tls
                    for conn in list(st.conns) if conn.transport is not None]
            assert objs and all(type(o) is SizedSSLObject for o in objs)
