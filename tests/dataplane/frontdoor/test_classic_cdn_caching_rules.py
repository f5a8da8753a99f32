"""Caching and rules on classic Front Door and classic CDN endpoints through the edge (httpx resolving through
aznet's DNS): a classic routing rule's cacheConfiguration (queryParameterStripDirective, cacheDuration), a classic
rules engine (header actions, a forwarding override without caching, a redirect override, Stop), the classic
purge; a CDN endpoint's BypassCaching, its deliveryPolicy rules (rewrite, response header, cache bypass), its
compression settings and HEAD answered from the cached GET."""

from __future__ import annotations

import json

import pytest

from .origin_support import scripted_origin
from .support import backends, edge_get

FWD = "#Microsoft.Azure.FrontDoor.Models.FrontdoorForwardingConfiguration"
RED = "#Microsoft.Azure.FrontDoor.Models.FrontdoorRedirectConfiguration"


@pytest.fixture
def retired(aznet):  # type: ignore[no-untyped-def]
    aznet.platform.settings.allow_retired = True
    yield
    aznet.platform.settings.allow_retired = False


def _front_door(aznet, rg, name, b, rules_engine=None):  # type: ignore[no-untyped-def]
    fid = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/frontDoors/{name}"

    def ref(kind, n):  # type: ignore[no-untyped-def]
        return {"id": f"{fid}/{kind}/{n}"}
    rule = {"frontendEndpoints": [ref("frontendEndpoints", "fe")], "acceptedProtocols": ["Http", "Https"],
            "patternsToMatch": ["/*"],
            "routeConfiguration": {"@odata.type": FWD, "forwardingProtocol": "HttpOnly",
                                   "backendPool": ref("backendPools", "pool"),
                                   "cacheConfiguration": {"queryParameterStripDirective": "StripAllExcept",
                                                          "queryParameters": "v", "dynamicCompression": "Enabled",
                                                          "cacheDuration": "PT1H"}}}
    if rules_engine is not None:
        rule["rulesEngine"] = ref("rulesEngines", rules_engine)
    return {"location": "Global", "properties": {
        "frontendEndpoints": [{"name": "fe", "properties": {"hostName": f"{name}.azurefd.net"}}],
        "loadBalancingSettings": [{"name": "lb", "properties": {"sampleSize": 2, "successfulSamplesRequired": 1}}],
        "healthProbeSettings": [{"name": "hp", "properties": {"path": "/", "protocol": "Http",
                                                              "intervalInSeconds": 30, "enabledState": "Disabled"}}],
        "backendPools": [{"name": "pool", "properties": {
            "backends": [{"address": b.host, "httpPort": b.port, "backendHostHeader": "app.contoso.test"}],
            "loadBalancingSettings": ref("loadBalancingSettings", "lb"),
            "healthProbeSettings": ref("healthProbeSettings", "hp")}}],
        "routingRules": [{"name": "all", "properties": rule}]}}


def test_classic_front_door_caching_rules_engine_and_purge(aznet, rg, retired):  # type: ignore[no-untyped-def]
    from azure.mgmt.frontdoor import FrontDoorManagementClient

    fd = aznet.client(FrontDoorManagementClient)
    name = f"fdcache{rg[-8:]}"
    with backends("app", base=75) as (b,):
        fd.front_doors.begin_create_or_update(rg, name, _front_door(aznet, rg, name, b)).result()
        host = f"{name}.azurefd.net"
        assert edge_get(aznet, f"http://{host}/a.js?v=1&t=1").headers["x-cache"] == "TCP_MISS"
        hits = b.hits
        r = edge_get(aznet, f"http://{host}/a.js?t=2&v=1")        # StripAllExcept v: t is not in the key
        assert r.headers["x-cache"] == "TCP_HIT" and r.text == "app /a.js?v=1&t=1" and b.hits == hits
        assert edge_get(aznet, f"http://{host}/a.js?v=2").headers["x-cache"] == "TCP_MISS"

        fd.rules_engines.begin_create_or_update(rg, name, "edgeRules", {"properties": {"rules": [
            {"name": "mobile", "priority": 1, "matchProcessingBehavior": "Stop",
             "matchConditions": [{"rulesEngineMatchVariable": "RequestHeader", "selector": "X-Device",
                                  "rulesEngineOperator": "Equal", "rulesEngineMatchValue": ["phone"],
                                  "transforms": ["Lowercase"]}],
             "action": {"routeConfigurationOverride": {"@odata.type": RED, "redirectType": "Found",
                                                       "redirectProtocol": "HttpsOnly",
                                                       "customHost": "m.contoso.test"}}},
            {"name": "api", "priority": 2,
             "matchConditions": [{"rulesEngineMatchVariable": "RequestPath", "rulesEngineOperator": "BeginsWith",
                                  "rulesEngineMatchValue": ["api/"]}],
             "action": {"routeConfigurationOverride": {
                 "@odata.type": FWD, "forwardingProtocol": "HttpOnly", "customForwardingPath": "/internal/",
                 "backendPool": {"id": f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/"
                                       f"Microsoft.Network/frontDoors/{name}/backendPools/pool"}}}},
            {"name": "headers", "priority": 3, "matchConditions": [],
             "action": {"requestHeaderActions": [{"headerActionType": "Overwrite", "headerName": "X-Classic",
                                                  "value": "yes"}],
                        "responseHeaderActions": [{"headerActionType": "Append", "headerName": "X-Engine",
                                                   "value": "classic"}]}},
        ]}}).result()
        fd.front_doors.begin_create_or_update(rg, name, _front_door(aznet, rg, name, b, "edgeRules")).result()
        r = edge_get(aznet, f"http://{host}/page", headers={"X-Device": "PHONE"}, follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"] == "https://m.contoso.test/page"
        assert "x-engine" not in r.headers                          # Stop
        r = edge_get(aznet, f"http://{host}/api/users?v=9")
        assert r.text == "app /internal/api/users?v=9"         # the routing rule /* matched api/users
        assert r.headers["x-engine"] == "classic"
        assert json.loads(r.headers["x-seen"])["X-Classic"] == "yes"
        # the forwarding override has no cacheConfiguration: caching is off for these requests
        assert edge_get(aznet, f"http://{host}/api/users?v=9").headers["x-cache"] == "CONFIG_NOCACHE"
        assert edge_get(aznet, f"http://{host}/b.css").headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"http://{host}/b.css").headers["x-cache"] == "TCP_HIT"

        fd.endpoints.begin_purge_content(rg, name, {"contentPaths": ["/*"]}).result()
        assert edge_get(aznet, f"http://{host}/b.css").headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"http://{host}/a.js?v=1").headers["x-cache"] == "TCP_MISS"


def test_cdn_endpoint_bypass_caching_and_delivery_policy(aznet, rg, retired):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    cdn = aznet.client(CdnManagementClient)
    with backends("origin", base=76) as (b,):
        cdn.profiles.begin_create(rg, "cdn", {"location": "global", "sku": {"name": "Standard_Microsoft"}}).result()
        name = f"cdnrules{rg[-8:]}"
        ep = cdn.endpoints.begin_create(rg, "cdn", name, {"location": "global", "properties": {
            "origins": [{"name": "o1", "properties": {"hostName": b.host, "httpPort": b.port}}],
            "isHttpAllowed": True, "isHttpsAllowed": True, "queryStringCachingBehavior": "BypassCaching",
            "deliveryPolicy": {"rules": [
                {"name": "Global", "order": 0, "conditions": [], "actions": [
                    {"name": "ModifyResponseHeader", "parameters": {
                        "typeName": "DeliveryRuleHeaderActionParameters", "headerAction": "Overwrite",
                        "headerName": "X-Cdn-Rule", "value": "global"}}]},
                {"name": "docs", "order": 1, "conditions": [
                    {"name": "UrlPath", "parameters": {"typeName": "DeliveryRuleUrlPathMatchConditionParameters",
                                                       "operator": "BeginsWith", "matchValues": ["docs/"]}}],
                 "actions": [{"name": "UrlRewrite", "parameters": {
                     "typeName": "DeliveryRuleUrlRewriteActionParameters", "sourcePattern": "/docs/",
                     "destination": "/content/docs/", "preserveUnmatchedPath": True}}]},
                {"name": "live", "order": 2, "conditions": [
                    {"name": "UrlFileExtension", "parameters": {
                        "typeName": "DeliveryRuleUrlFileExtensionMatchConditionParameters", "operator": "Equal",
                        "matchValues": ["json"], "transforms": ["Lowercase"]}}],
                 "actions": [{"name": "CacheExpiration", "parameters": {
                     "typeName": "DeliveryRuleCacheExpirationActionParameters", "cacheBehavior": "BypassCache",
                     "cacheType": "All"}}]},
            ]}}}).result()
        host = ep.host_name
        assert edge_get(aznet, f"http://{host}/img/a.png").headers["x-cache"] == "TCP_MISS"
        r = edge_get(aznet, f"http://{host}/img/a.png")
        assert r.headers["x-cache"] == "TCP_HIT" and r.headers["x-cdn-rule"] == "global"
        for _ in range(2):                                      # BypassCaching: a query string is never cached
            assert edge_get(aznet, f"http://{host}/img/a.png?s=1").headers["x-cache"] == "CONFIG_NOCACHE"
        r = edge_get(aznet, f"http://{host}/docs/guide.html")
        assert r.text == "origin /content/docs/guide.html" and r.headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"http://{host}/docs/guide.html").headers["x-cache"] == "TCP_HIT"
        for _ in range(2):
            live = edge_get(aznet, f"http://{host}/feed.JSON")
            assert live.headers["x-cache"] == "CONFIG_NOCACHE" and live.text == "origin /feed.JSON"


def test_cdn_endpoint_compression_and_head_from_cache(aznet, rg, retired):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    cdn = aznet.client(CdnManagementClient)
    text = b"".join(b"row %05d, a line of a plain text file\n" % i for i in range(300))
    with scripted_origin("127.0.76.9") as o:
        o.page("/data.txt", text, content_type="text/plain", cache_control="max-age=600")
        cdn.profiles.begin_create(rg, "cdnz", {"location": "global", "sku": {"name": "Standard_Microsoft"}}).result()
        name = f"cdnzip{rg[-8:]}"
        ep = cdn.endpoints.begin_create(rg, "cdnz", name, {"location": "global", "properties": {
            "origins": [{"name": "o1", "properties": {"hostName": o.host, "httpPort": o.port}}],
            "isCompressionEnabled": True, "contentTypesToCompress": ["text/plain"],
            "queryStringCachingBehavior": "IgnoreQueryString"}}).result()
        host = ep.host_name
        first = edge_get(aznet, f"http://{host}/data.txt", headers={"Accept-Encoding": "gzip"})
        assert first.headers["content-encoding"] == "gzip" and first.content == text
        assert first.headers["x-cache"] == "TCP_MISS"
        head = edge_get(aznet, f"http://{host}/data.txt", method="HEAD", headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200 and head.headers["x-cache"] == "TCP_HIT"
        assert head.headers["content-length"] == str(len(text)) and head.content == b""
        assert o.hits["/data.txt"] == 1
