"""Front Door Standard/Premium caching and rule sets through the edge, with httpx and curl resolving through
aznet's DNS, beyond the basic hit/purge/rules tests: the specified-parameter query string behaviours and parameter
order, origin Cache-Control (private, no-store), Set-Cookie, brotli/gzip compression and ranges from the cached
copy, purge by case-insensitive path with every query variant and by domain, and rules with Stop, server
variables, header deletion, an origin group override and caching overrides."""

from __future__ import annotations

import json
from typing import Any

from .origin_support import scripted_origin
from .support import P, afd_profile, backends, curl, edge_get


def _group(cdn, rg, name, backend):  # type: ignore[no-untyped-def]
    g = cdn.afd_origin_groups.begin_create(rg, "fd", name, {"properties": {"loadBalancingSettings": {
        "sampleSize": 2, "successfulSamplesRequired": 1}}}).result()
    cdn.afd_origins.begin_create(rg, "fd", name, "o", P(hostName=backend.host, httpPort=backend.port,
                                                        originHostHeader="origin.test")).result()
    return g.id


def _route(cdn, rg, endpoint, group, cache=None, **extra):  # type: ignore[no-untyped-def]
    props: dict[str, Any] = {"originGroup": {"id": group}, "patternsToMatch": ["/*"], "forwardingProtocol": "HttpOnly",
                             "linkToDefaultDomain": "Enabled", **extra}
    if cache is not None:
        props["cacheConfiguration"] = cache
    cdn.routes.begin_create(rg, "fd", endpoint, "r", P(**props)).result()


def test_specified_query_parameters_and_parameter_order(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("static", base=71) as (b,):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "cached", {"location": "global"}).result()
        g = _group(cdn, rg, "g", b)
        host = ep.host_name
        _route(cdn, rg, "cached", g, {"queryStringCachingBehavior": "UseQueryString"})
        assert edge_get(aznet, f"http://{host}/u?a=1&b=2").headers["x-cache"] == "TCP_MISS"
        hits = b.hits
        again = edge_get(aznet, f"http://{host}/u?b=2&a=1")         # the order of the parameters does not matter
        assert again.headers["x-cache"] == "TCP_HIT" and again.text == "static /u?a=1&b=2" and b.hits == hits
        other = edge_get(aznet, f"http://{host}/u?a=2&b=2")
        assert other.headers["x-cache"] == "TCP_MISS" and other.text == "static /u?a=2&b=2"

        _route(cdn, rg, "cached", g, {"queryStringCachingBehavior": "IncludeSpecifiedQueryStrings",
                                      "queryParameters": "lang"})
        assert edge_get(aznet, f"http://{host}/i?lang=en&session=1").headers["x-cache"] == "TCP_MISS"
        inc = edge_get(aznet, f"http://{host}/i?session=2&lang=en")
        assert inc.headers["x-cache"] == "TCP_HIT" and inc.text == "static /i?lang=en&session=1"
        assert edge_get(aznet, f"http://{host}/i?lang=fr").headers["x-cache"] == "TCP_MISS"

        _route(cdn, rg, "cached", g, {"queryStringCachingBehavior": "IgnoreSpecifiedQueryStrings",
                                      "queryParameters": "utm_source,utm_medium"})
        assert edge_get(aznet, f"http://{host}/x?id=1&utm_source=a").headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"http://{host}/x?utm_medium=b&id=1").headers["x-cache"] == "TCP_HIT"
        assert edge_get(aznet, f"http://{host}/x?id=2&utm_source=a").headers["x-cache"] == "TCP_MISS"

        # a POST is proxied and never cached; caching removed from the route: CONFIG_NOCACHE
        assert edge_get(aznet, f"http://{host}/x?id=1", method="POST").headers["x-cache"] != "TCP_HIT"
        _route(cdn, rg, "cached", g, None)
        assert edge_get(aznet, f"http://{host}/x?id=1").headers["x-cache"] == "CONFIG_NOCACHE"


BODY = b"".join(b"<p>paragraph %04d of a page worth compressing</p>\n" % i for i in range(100))


def test_origin_directives_set_cookie_compression_and_ranges(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with scripted_origin("127.0.74.1") as o:
        o.page("/page.html", BODY, content_type="text/html; charset=utf-8", cache_control="max-age=600",
               set_cookie="session=abc")
        o.page("/private.html", b"mine", content_type="text/html", cache_control="private", set_cookie="s=1")
        o.page("/nostore", b"nope", cache_control="no-store")
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "origin", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fd", "g", {"properties": {"loadBalancingSettings": {}}}).result()
        cdn.afd_origins.begin_create(rg, "fd", "g", "o", P(hostName=o.host, httpPort=o.port)).result()
        _route(cdn, rg, "origin", g.id, {"queryStringCachingBehavior": "IgnoreQueryString", "compressionSettings": {
            "isCompressionEnabled": True, "contentTypesToCompress": ["text/html"]}})
        host = ep.host_name
        first = edge_get(aznet, f"http://{host}/page.html", headers={"Accept-Encoding": "gzip, br"})
        assert first.headers["x-cache"] == "TCP_MISS" and first.headers["content-encoding"] == "br"
        assert first.content == BODY                      # httpx decodes brotli
        assert "set-cookie" not in first.headers          # a cacheable response loses Set-Cookie
        assert "accept-encoding" in o.last["/page.html"] and "accept" not in o.last["/page.html"]
        gz = edge_get(aznet, f"https://{host}/page.html", headers={"Accept-Encoding": "gzip"})
        assert gz.headers["x-cache"] == "TCP_HIT" and gz.headers["content-encoding"] == "gzip" and gz.content == BODY
        plain = edge_get(aznet, f"http://{host}/page.html", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == BODY
        part = edge_get(aznet, f"http://{host}/page.html", headers={"Range": "bytes=3-12",
                                                                  "Accept-Encoding": "identity"})
        assert part.status_code == 206 and part.content == BODY[3:13]
        assert part.headers["content-range"] == f"bytes 3-12/{len(BODY)}" and part.headers["x-cache"] == "TCP_HIT"
        assert o.hits["/page.html"] == 1
        out = curl(aznet, f"http://{host}/page.html", "--compressed", "-D", "-")
        assert "x-cache: tcp_hit" in out.stdout.lower() and out.stdout.endswith(BODY.decode()), out.stderr

        o.page("/tagged.css", b"body{}", content_type="text/css", cache_control="max-age=600", etag='"v7"')
        edge_get(aznet, f"http://{host}/tagged.css")
        nm = edge_get(aznet, f"http://{host}/tagged.css", headers={"If-None-Match": '"v7"'})
        assert nm.status_code == 304 and nm.content == b"" and nm.headers["etag"] == '"v7"'
        assert nm.headers["x-cache"] == "TCP_HIT"
        again = edge_get(aznet, f"http://{host}/tagged.css")
        assert again.status_code == 200 and again.content == b"body{}"
        assert o.hits["/tagged.css"] == 1
        for _ in range(2):
            private = edge_get(aznet, f"http://{host}/private.html")
            assert private.headers["x-cache"] == "PRIVATE_NOSTORE" and private.headers["set-cookie"] == "s=1"
            assert edge_get(aznet, f"http://{host}/nostore").headers["x-cache"] == "PRIVATE_NOSTORE"
        assert o.hits["/private.html"] == 2 and o.hits["/nostore"] == 2


def test_large_object_fetched_in_8_mb_chunks_then_ranges_from_cache(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    chunk = 8 * 1024 * 1024
    big = bytes(range(256)) * (chunk // 256) + b"the end"
    with scripted_origin("127.0.74.2", ranges=True) as o:
        o.page("/video.mp4", big, content_type="video/mp4", cache_control="max-age=600", etag='"v1"')
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "large", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fd", "g", {"properties": {"loadBalancingSettings": {}}}).result()
        cdn.afd_origins.begin_create(rg, "fd", "g", "o", P(hostName=o.host, httpPort=o.port)).result()
        _route(cdn, rg, "large", g.id, {"queryStringCachingBehavior": "IgnoreQueryString"})
        host = ep.host_name
        r = edge_get(aznet, f"http://{host}/video.mp4", headers={"Range": "bytes=0-99"})
        assert r.status_code == 206 and r.content == big[:100] and r.headers["x-cache"] == "TCP_MISS"
        assert o.asked == [f"bytes=0-{chunk - 1}", f"bytes={chunk}-{len(big) - 1}"]   # 8 MB chunks
        whole = edge_get(aznet, f"http://{host}/video.mp4")
        assert whole.status_code == 200 and whole.content == big and whole.headers["x-cache"] == "TCP_HIT"
        tail = edge_get(aznet, f"http://{host}/video.mp4", headers={"Range": "bytes=-7"})
        assert tail.status_code == 206 and tail.content == b"the end"
        assert tail.headers["content-range"] == f"bytes {len(big) - 7}-{len(big) - 1}/{len(big)}"
        assert o.hits["/video.mp4"] == 2


def test_purge_then_miss(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("files", base=72) as (b,):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "purged", {"location": "global"}).result()
        g = _group(cdn, rg, "g", b)
        _route(cdn, rg, "purged", g, {"queryStringCachingBehavior": "UseQueryString"})
        host = ep.host_name
        for path in ("/pictures/city.png?v=1", "/pictures/city.png?v=2", "/pictures/sub/a.png", "/site.css"):
            edge_get(aznet, f"http://{host}{path}")
            assert edge_get(aznet, f"http://{host}{path}").headers["x-cache"] == "TCP_HIT"
        cdn.afd_endpoints.begin_purge_content(rg, "fd", "purged", {"contentPaths": ["/PICTURES/City.png"]}).result()
        hits = b.hits
        r = edge_get(aznet, f"http://{host}/pictures/city.png?v=2")   # every query variant, case-insensitive
        assert r.headers["x-cache"] == "TCP_MISS" and b.hits == hits + 1
        assert edge_get(aznet, f"http://{host}/pictures/sub/a.png").headers["x-cache"] == "TCP_HIT"
        cdn.afd_endpoints.begin_purge_content(rg, "fd", "purged", {"contentPaths": ["/pictures/*"],
                                                                   "domains": [host]}).result()
        assert edge_get(aznet, f"http://{host}/pictures/sub/a.png").headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"http://{host}/site.css").headers["x-cache"] == "TCP_HIT"
        cdn.afd_endpoints.begin_purge_content(rg, "fd", "purged", {"contentPaths": ["/*"]}).result()
        assert edge_get(aznet, f"http://{host}/site.css").headers["x-cache"] == "TCP_MISS"


def _rule(cdn, rg, name, order, conditions, actions, stop=False):  # type: ignore[no-untyped-def]
    cdn.rules.begin_create(rg, "fd", "rules", name, P(order=order, conditions=conditions, actions=actions,
                                                       matchProcessingBehavior="Stop" if stop else "Continue")
                           ).result()


def _path(operator: str, *values: str) -> dict[str, Any]:
    return {"name": "UrlPath", "parameters": {"typeName": "DeliveryRuleUrlPathMatchConditionParameters",
                                              "operator": operator, "matchValues": list(values),
                                              "transforms": ["Lowercase"]}}


def _header(kind: str, action: str, name: str, value: str | None = None) -> dict[str, Any]:
    params = {"typeName": "DeliveryRuleHeaderActionParameters", "headerAction": action, "headerName": name}
    if value is not None:
        params["value"] = value
    return {"name": kind, "parameters": params}


def test_rule_set_redirect_rewrite_and_header_actions(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("app", "images", base=73) as (b, bi):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "ruled", {"location": "global"}).result()
        g = _group(cdn, rg, "g", b)
        gi = _group(cdn, rg, "gi", bi)
        rs = cdn.rule_sets.begin_create(rg, "fd", "rules").result()
        _rule(cdn, rg, "redirectOld", 1, [_path("BeginsWith", "old/")], [{"name": "UrlRedirect", "parameters": {
            "typeName": "DeliveryRuleUrlRedirectActionParameters", "redirectType": "PermanentRedirect",
            "destinationProtocol": "Https", "customPath": "/new/landing", "customQueryString": "from={url_path}"}}],
            stop=True)
        _rule(cdn, rg, "rewriteApi", 2, [_path("BeginsWith", "api/")], [{"name": "UrlRewrite", "parameters": {
            "typeName": "DeliveryRuleUrlRewriteActionParameters", "sourcePattern": "/api/", "destination": "/v2/",
            "preserveUnmatchedPath": True}}])
        _rule(cdn, rg, "headers", 3, [], [
            _header("ModifyRequestHeader", "Overwrite", "X-Edge-Client", "{client_ip}"),
            _header("ModifyRequestHeader", "Delete", "X-Secret"),
            _header("ModifyResponseHeader", "Overwrite", "X-Frame-Options", "DENY"),
            _header("ModifyResponseHeader", "Delete", "X-Backend")])
        _rule(cdn, rg, "images", 4, [_path("BeginsWith", "img/")], [{"name": "RouteConfigurationOverride",
                                                                     "parameters": {
            "typeName": "DeliveryRuleRouteConfigurationOverrideActionParameters",
            "originGroupOverride": {"originGroup": {"id": gi}, "forwardingProtocol": "HttpOnly"},
            "cacheConfiguration": {"queryStringCachingBehavior": "IgnoreQueryString", "cacheBehavior": "OverrideAlways",
                                   "cacheDuration": "0.01:00:00", "isCompressionEnabled": "Disabled"}}}])
        _route(cdn, rg, "ruled", g, None, ruleSets=[{"id": rs.id}])
        host = ep.host_name

        r = edge_get(aznet, f"http://{host}/OLD/page.html", follow_redirects=False)
        assert r.status_code == 308
        assert r.headers["location"] == f"https://{host}/new/landing?from=/OLD/page.html"
        assert "x-frame-options" not in r.headers       # Stop: later rules did not run

        r = edge_get(aznet, f"http://{host}/api/users?id=7", headers={"X-Secret": "s3cret"})
        assert r.status_code == 200 and r.text == "app /v2/users?id=7"
        seen = {k.lower(): v for k, v in json.loads(r.headers["x-seen"]).items()}
        assert seen["x-edge-client"] == "127.0.0.1" and "x-secret" not in seen
        assert r.headers["x-frame-options"] == "DENY" and "x-backend" not in r.headers

        r = edge_get(aznet, f"http://{host}/img/cat.png?v=1")
        assert r.text == "images /img/cat.png?v=1"         # the rule's origin group, cached by the rule
        assert r.headers["x-cache"] == "TCP_MISS"
        hits = bi.hits
        r = edge_get(aznet, f"http://{host}/img/cat.png?v=2")
        assert r.headers["x-cache"] == "TCP_HIT" and r.text == "images /img/cat.png?v=1" and bi.hits == hits

        r = edge_get(aznet, f"http://{host}/plain")
        assert r.text == "app /plain" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-cache"] == "CONFIG_NOCACHE"    # the route itself does not cache
