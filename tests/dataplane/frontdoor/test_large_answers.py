"""Long origin answers pass through the edge as they come (bounded memory) instead of being buffered: a 100 MB
answer on a route without caching and on a caching route (larger than the cache keeps, the origin ignoring
Range), received whole with httpx while the edge holds at most a few MiB of it at any time."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx

from aznet.dataplane.frontdoor.service import FrontDoorService

from .support import P, afd_one_origin, afd_profile, backends, edge_port, resolve

SIZE = 100 * 1024 * 1024
BOUND = 8 * 1024 * 1024


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")      # VmHWM back to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def test_a_100mb_answer_streams_through_the_edge_with_bounded_memory(aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    cdn = aznet.client(CdnManagementClient)
    svc = aznet.platform.services.get(FrontDoorService)
    with backends("big", base=78) as (b,):
        host = afd_one_origin(cdn, rg, "fdl", "large", b, cached=("/cached/*", {"originPath": "/"}))
        ip = resolve(aznet, host)
        verify = ssl.create_default_context(cafile=str(aznet.ca_bundle))
        for scheme, path, x_cache in (("http", f"/bytes/{SIZE}", "CONFIG_NOCACHE"),
                                      ("https", f"/cached/bytes/{SIZE}", "TCP_MISS")):
            base = f"{scheme}://{ip}:{edge_port(aznet, 443 if scheme == 'https' else 80)}"
            svc.proxy.buffered_peak = 0
            streamed = svc.proxy.streamed
            measured = _reset_peak()
            before = _rss_kib("VmRSS")
            got = 0
            with httpx.Client(verify=verify, timeout=60, headers={"Host": host}) as c:
                with c.stream("GET", f"{base}{path}", extensions={"sni_hostname": host}) as r:
                    assert r.status_code == 200, r.read()
                    assert r.headers["content-length"] == str(SIZE)
                    assert r.headers["x-cache"] == x_cache and r.headers["x-azure-ref"]
                    for chunk in r.iter_raw(1 << 20):
                        assert chunk.count(b"x") == len(chunk)
                        got += len(chunk)
                assert got == SIZE
                assert svc.proxy.streamed == streamed + 1
                assert 0 < svc.proxy.buffered_peak <= BOUND, svc.proxy.buffered_peak
                if measured:
                    assert (_rss_kib("VmHWM") - before) * 1024 < 4 * BOUND
                # the connection stays usable, and short answers are still answered in one piece
                r = c.get(f"{base}/bytes/1000", extensions={"sni_hostname": host})
                assert r.status_code == 200 and r.content == b"x" * 1000


def test_an_object_over_the_cache_limit_is_asked_again_whole_and_passed_through(aznet, rg):  # type: ignore[no-untyped-def]
    """The origin honours ranges: the first 8 MB range shows a total over the cache's object limit, so the edge
    asks once more without Range and passes the answer through as it comes (nothing stored)."""
    from azure.mgmt.cdn import CdnManagementClient

    from .origin_support import scripted_origin

    cdn = aznet.client(CdnManagementClient)
    svc = aznet.platform.services.get(FrontDoorService)
    size = svc.proxy.cache.store.max_object + 3 * 1024 * 1024
    with scripted_origin("127.0.80.1", ranges=True) as origin:
        origin.page("/huge.bin", b"z" * size, content_type="application/octet-stream",
                    cache_control="public, max-age=600")
        afd_profile(cdn, rg, "fdr")
        ep = cdn.afd_endpoints.begin_create(rg, "fdr", "ranges", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fdr", "g", P(loadBalancingSettings={
            "sampleSize": 4, "successfulSamplesRequired": 3})).result()
        cdn.afd_origins.begin_create(rg, "fdr", "g", "o", P(hostName=origin.host, httpPort=origin.port,
                                                             originHostHeader="o.origin.test")).result()
        cdn.routes.begin_create(rg, "fdr", "ranges", "cached", P(
            originGroup={"id": g.id}, patternsToMatch=["/*"], linkToDefaultDomain="Enabled",
            forwardingProtocol="HttpOnly",
            cacheConfiguration={"queryStringCachingBehavior": "IgnoreQueryString"})).result()
        host = ep.host_name
        base = f"http://{resolve(aznet, host)}:{edge_port(aznet, 80)}"
        streamed = svc.proxy.streamed
        got = 0
        with httpx.Client(timeout=60, headers={"Host": host}) as c:
            with c.stream("GET", f"{base}/huge.bin") as r:
                assert r.status_code == 200 and r.headers["content-length"] == str(size)
                assert r.headers["x-cache"] == "TCP_MISS" and "content-range" not in r.headers
                for chunk in r.iter_raw(1 << 20):
                    got += len(chunk)
        assert got == size
        assert origin.asked == [f"bytes=0-{8 * 1024 * 1024 - 1}", None]     # one 8 MB range, then the whole
        assert svc.proxy.streamed == streamed + 1
