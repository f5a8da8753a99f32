"""Classic Front Door and classic CDN endpoints on the same edge: frontend endpoint host names through aznet's
DNS, routing rules with forwarding (custom forwarding path, forwarding protocol) and redirect configurations,
backend pools with priorities and health probes, session affinity per frontend endpoint, the Front Door's own
X-Azure-FDID; CDN endpoint origins, isHttpAllowed / isHttpsAllowed, originHostHeader, originPath, caching on by
default, purge and load."""

from __future__ import annotations

import json

import pytest

from .support import backends, curl, edge_get, resolve, wait_for

FWD = "#Microsoft.Azure.FrontDoor.Models.FrontdoorForwardingConfiguration"
RED = "#Microsoft.Azure.FrontDoor.Models.FrontdoorRedirectConfiguration"


@pytest.fixture
def retired(aznet):  # type: ignore[no-untyped-def]
    aznet.platform.settings.allow_retired = True
    yield
    aznet.platform.settings.allow_retired = False


def _classic(aznet, rg, name, b1, b2):  # type: ignore[no-untyped-def]
    fid = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/frontDoors/{name}"

    def ref(kind, n):  # type: ignore[no-untyped-def]
        return {"id": f"{fid}/{kind}/{n}"}
    return {"location": "Global", "properties": {
        "enabledState": "Enabled",
        "frontendEndpoints": [{"name": "fe", "properties": {"hostName": f"{name}.azurefd.net",
                                                            "sessionAffinityEnabledState": "Enabled"}}],
        "loadBalancingSettings": [{"name": "lb", "properties": {"sampleSize": 2, "successfulSamplesRequired": 1}}],
        "healthProbeSettings": [{"name": "hp", "properties": {"path": "/health", "protocol": "Http",
                                                              "intervalInSeconds": 5, "healthProbeMethod": "GET"}}],
        "backendPools": [{"name": "pool", "properties": {
            "backends": [{"address": b1.host, "httpPort": b1.port, "priority": 1, "weight": 50,
                          "backendHostHeader": "app.contoso.test"},
                         {"address": b2.host, "httpPort": b2.port, "priority": 2, "weight": 50,
                          "backendHostHeader": "app.contoso.test"}],
            "loadBalancingSettings": ref("loadBalancingSettings", "lb"),
            "healthProbeSettings": ref("healthProbeSettings", "hp")}}],
        "routingRules": [
            {"name": "api", "properties": {
                "frontendEndpoints": [ref("frontendEndpoints", "fe")], "acceptedProtocols": ["Http", "Https"],
                "patternsToMatch": ["/api/*"],
                "routeConfiguration": {"@odata.type": FWD, "forwardingProtocol": "HttpOnly",
                                       "customForwardingPath": "/internal/", "backendPool": ref("backendPools", "pool")}}},
            {"name": "old", "properties": {
                "frontendEndpoints": [ref("frontendEndpoints", "fe")], "acceptedProtocols": ["Http"],
                "patternsToMatch": ["/old/*"],
                "routeConfiguration": {"@odata.type": RED, "redirectType": "Moved", "redirectProtocol": "HttpsOnly",
                                       "customHost": "www.contoso.test", "customPath": "/new"}}},
            {"name": "rest", "properties": {
                "frontendEndpoints": [ref("frontendEndpoints", "fe")], "acceptedProtocols": ["Http", "Https"],
                "patternsToMatch": ["/*"],
                "routeConfiguration": {"@odata.type": FWD, "forwardingProtocol": "HttpOnly",
                                       "backendPool": ref("backendPools", "pool")}}}]}}


def test_classic_front_door_routing_redirect_failover(aznet, rg, retired):  # type: ignore[no-untyped-def]
    from azure.mgmt.frontdoor import FrontDoorManagementClient

    fd = aznet.client(FrontDoorManagementClient)
    name = f"classic{rg[-8:]}"
    with backends("primary", "secondary", base=69) as (b1, b2):
        made = fd.front_doors.begin_create_or_update(rg, name, _classic(aznet, rg, name, b1, b2)).result()
        host = f"{name}.azurefd.net"
        assert resolve(aznet, host) == aznet.platform.settings.frontdoor_edge_address
        r = edge_get(aznet, f"http://{host}/api/users?id=3")
        assert r.status_code == 200 and r.text == "primary /internal/users?id=3"
        seen = json.loads(r.headers["x-seen"])
        assert seen["Host"] == "app.contoso.test" and seen["X-Azure-FDID"] == made.frontdoor_id
        assert r.cookies.get("ASLBSA")                         # affinity on the frontend endpoint
        r = edge_get(aznet, f"http://{host}/old/page?x=1")
        assert r.status_code == 301 and r.headers["location"] == "https://www.contoso.test/new?x=1"
        r = edge_get(aznet, f"https://{host}/old/page")     # the redirect rule accepts Http only: /* takes HTTPS
        assert r.status_code == 200 and r.text == "primary /old/page"
        r = edge_get(aznet, f"https://{host}/index.html")
        assert r.text == "primary /index.html"
        b1.fail = True                                          # /health answers 500: the pool fails over
        assert wait_for(lambda: edge_get(aznet, f"http://{host}/x").text == "secondary /x", timeout=60)
        b1.fail = False
        assert wait_for(lambda: edge_get(aznet, f"http://{host}/x").text == "primary /x", timeout=60)
        out = curl(aznet, f"http://{host}/api/ping")
        assert out.stdout == "primary /internal/ping", out.stderr


def test_classic_cdn_endpoint_origins_protocols_cache_purge_load(aznet, rg, retired):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    cdn = aznet.client(CdnManagementClient)
    with backends("origin", base=70) as (b,):
        cdn.profiles.begin_create(rg, "cdn", {"location": "global", "sku": {"name": "Standard_Microsoft"}}).result()
        name = f"cdn{rg[-8:]}"
        ep = cdn.endpoints.begin_create(rg, "cdn", name, {"location": "global", "properties": {
            "origins": [{"name": "o1", "properties": {"hostName": b.host, "httpPort": b.port}}],
            "originHostHeader": "files.contoso.test", "originPath": "/content",
            "isHttpAllowed": True, "isHttpsAllowed": False,
            "queryStringCachingBehavior": "UseQueryString"}}).result()
        host = ep.host_name
        assert host == f"{name}.azureedge.net" and resolve(aznet, host) == aznet.platform.settings.frontdoor_edge_address
        r = edge_get(aznet, f"http://{host}/img/a.png?s=1")
        assert r.status_code == 200 and r.text == "origin /content/img/a.png?s=1"
        assert json.loads(r.headers["x-seen"])["Host"] == "files.contoso.test"
        assert r.headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"http://{host}/img/a.png?s=1").headers["x-cache"] == "TCP_HIT"
        assert edge_get(aznet, f"http://{host}/img/a.png?s=2").headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"https://{host}/img/a.png").status_code == 404     # isHttpsAllowed false
        cdn.endpoints.begin_purge_content(rg, "cdn", name, {"contentPaths": ["/img/*"]}).result()
        assert edge_get(aznet, f"http://{host}/img/a.png?s=1").headers["x-cache"] == "TCP_MISS"
        hits = b.hits
        cdn.endpoints.begin_load_content(rg, "cdn", name, {"contentPaths": ["/docs/readme.txt"]}).result()
        assert wait_for(lambda: b.hits > hits)                  # the edge fetched it from the origin
        r = wait_for(lambda: (x := edge_get(aznet, f"http://{host}/docs/readme.txt")).headers["x-cache"] == "TCP_HIT"
                     and x)
        assert r.text == "origin /content/docs/readme.txt"
        cdn.endpoints.begin_stop(rg, "cdn", name).result()
        assert edge_get(aznet, f"http://{host}/img/a.png").status_code == 404      # a stopped endpoint serves nothing
