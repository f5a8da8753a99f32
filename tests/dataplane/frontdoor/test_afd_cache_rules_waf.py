"""Front Door Standard/Premium with caching, rule sets and a WAF security policy, through httpx and curl:
a second request is a cache hit (``X-Cache: TCP_HIT``) with the query string behaviours, purge makes the next one a
miss, rules redirect / rewrite / modify headers, a WAF geo filter and rate limit block with their log records and
metrics; the access log in Azure's schema."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from tests.network.nic_support import make_storage_account

from .support import P, afd_profile, backends, curl, edge_get, wait_for


def _site(cdn, rg, b, sku="Standard_AzureFrontDoor", **route):  # type: ignore[no-untyped-def]
    afd_profile(cdn, rg, sku=sku)
    ep = cdn.afd_endpoints.begin_create(rg, "fd", "site", {"location": "global"}).result()
    g = cdn.afd_origin_groups.begin_create(rg, "fd", "g", {"properties": {"loadBalancingSettings": {}}}).result()
    cdn.afd_origins.begin_create(rg, "fd", "g", "o", P(hostName=b.host, httpPort=b.port)).result()
    return ep, g.id


def _logs(aznet, category):  # type: ignore[no-untyped-def]
    out = []
    for p in (aznet.data_dir / "logs").glob(f"*/{category}.jsonl"):
        out += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
    return out


def test_cache_hit_query_strings_and_purge(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("static", base=66) as (b,):
        ep, g = _site(cdn, rg, b)
        cdn.routes.begin_create(rg, "fd", "site", "assets", P(
            originGroup={"id": g}, patternsToMatch=["/assets/*"], forwardingProtocol="HttpOnly",
            cacheConfiguration={"queryStringCachingBehavior": "UseQueryString"})).result()
        cdn.routes.begin_create(rg, "fd", "site", "img", P(
            originGroup={"id": g}, patternsToMatch=["/img/*"], forwardingProtocol="HttpOnly",
            cacheConfiguration={"queryStringCachingBehavior": "IgnoreQueryString"})).result()
        cdn.routes.begin_create(rg, "fd", "site", "api", P(originGroup={"id": g}, patternsToMatch=["/*"],
                                                            forwardingProtocol="HttpOnly")).result()
        host = ep.host_name
        r1 = edge_get(aznet, f"http://{host}/assets/app.js?v=1")
        assert r1.headers["x-cache"] == "TCP_MISS" and r1.text == "static /assets/app.js?v=1"
        hits = b.hits
        r2 = edge_get(aznet, f"http://{host}/assets/app.js?v=1")
        assert r2.headers["x-cache"] == "TCP_HIT" and r2.text == r1.text and b.hits == hits
        assert edge_get(aznet, f"http://{host}/assets/app.js?v=2").headers["x-cache"] == "TCP_MISS"   # UseQueryString
        edge_get(aznet, f"http://{host}/img/cat.png?a=1")
        r = edge_get(aznet, f"http://{host}/img/cat.png?a=2")                 # IgnoreQueryString: same object
        assert r.headers["x-cache"] == "TCP_HIT" and r.text == "static /img/cat.png?a=1"
        assert edge_get(aznet, f"http://{host}/api/x").headers["x-cache"] == "CONFIG_NOCACHE"
        out = curl(aznet, f"http://{host}/assets/app.js?v=1", "-D", "-", "-o", "/dev/null")
        assert "X-Cache: TCP_HIT" in out.stdout
        cdn.afd_endpoints.begin_purge_content(rg, "fd", "site", {"contentPaths": ["/assets/*"]}).result()
        assert edge_get(aznet, f"http://{host}/assets/app.js?v=1").headers["x-cache"] == "TCP_MISS"
        assert edge_get(aznet, f"http://{host}/img/cat.png?a=3").headers["x-cache"] == "TCP_HIT"   # not purged
        cdn.afd_endpoints.begin_purge_content(rg, "fd", "site", {"contentPaths": ["/img/cat.png"]}).result()
        assert edge_get(aznet, f"http://{host}/img/cat.png").headers["x-cache"] == "TCP_MISS"


def test_rule_set_redirect_rewrite_and_headers(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("app", base=67) as (b,):
        ep, g = _site(cdn, rg, b)
        rs = cdn.rule_sets.begin_create(rg, "fd", "rules").result()   # UrlPath values carry no leading "/"
        cdn.rules.begin_create(rg, "fd", "rules", "oldToNew", P(order=1, conditions=[
            {"name": "UrlPath", "parameters": {"typeName": "DeliveryRuleUrlPathMatchConditionParameters",
                                               "operator": "BeginsWith", "matchValues": ["old/"]}}],
            actions=[{"name": "UrlRedirect", "parameters": {
                "typeName": "DeliveryRuleUrlRedirectActionParameters", "redirectType": "PermanentRedirect",
                "destinationProtocol": "Https", "customPath": "/new/"}}],
            matchProcessingBehavior="Stop")).result()
        cdn.rules.begin_create(rg, "fd", "rules", "rewrite", P(order=2, conditions=[
            {"name": "UrlPath", "parameters": {"typeName": "DeliveryRuleUrlPathMatchConditionParameters",
                                               "operator": "BeginsWith", "matchValues": ["app/"]}}],
            actions=[{"name": "UrlRewrite", "parameters": {
                "typeName": "DeliveryRuleUrlRewriteActionParameters", "sourcePattern": "/app/",
                "destination": "/v2/", "preserveUnmatchedPath": True}}])).result()
        cdn.rules.begin_create(rg, "fd", "rules", "headers", P(order=3, conditions=[], actions=[
            {"name": "ModifyResponseHeader", "parameters": {
                "typeName": "DeliveryRuleHeaderActionParameters", "headerAction": "Overwrite",
                "headerName": "X-Frame-Options", "value": "DENY"}},
            {"name": "ModifyRequestHeader", "parameters": {
                "typeName": "DeliveryRuleHeaderActionParameters", "headerAction": "Append",
                "headerName": "X-Edge-Rule", "value": "applied"}}])).result()
        cdn.routes.begin_create(rg, "fd", "site", "r", P(originGroup={"id": g}, patternsToMatch=["/*"],
                                                         forwardingProtocol="HttpOnly",
                                                         ruleSets=[{"id": rs.id}])).result()
        host = ep.host_name
        r = edge_get(aznet, f"http://{host}/old/page?q=1")
        assert r.status_code == 308 and r.headers["location"].startswith(f"https://{host}/new/")
        r = edge_get(aznet, f"http://{host}/app/users/7")
        assert r.status_code == 200 and r.text == "app /v2/users/7"
        assert r.headers["x-frame-options"] == "DENY"
        assert json.loads(r.headers["x-seen"])["X-Edge-Rule"] == "applied"


def test_waf_geo_filter_and_rate_limit_with_logs_and_metrics(aznet, cdn, rg, resource_client):  # type: ignore[no-untyped-def]
    from azure.mgmt.frontdoor import FrontDoorManagementClient
    from azure.monitor.query import MetricsQueryClient

    fd = aznet.client(FrontDoorManagementClient)
    with backends("app", base=68) as (b,):
        ep, g = _site(cdn, rg, b, sku="Premium_AzureFrontDoor")
        cdn.routes.begin_create(rg, "fd", "site", "r", P(originGroup={"id": g}, patternsToMatch=["/*"],
                                                         forwardingProtocol="HttpOnly")).result()
        waf = fd.policies.begin_create_or_update(rg, "edgeWaf", {
            "location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}, "properties": {
                "policySettings": {"enabledState": "Enabled", "mode": "Prevention"},
                "customRules": {"rules": [
                    {"name": "BlockUS", "priority": 1, "ruleType": "MatchRule", "action": "Block",
                     "matchConditions": [{"matchVariable": "RemoteAddr", "operator": "GeoMatch",
                                          "matchValue": ["US"]}]},
                    {"name": "LoginRate", "priority": 2, "ruleType": "RateLimitRule", "action": "Block",
                     "rateLimitDurationInMinutes": 1, "rateLimitThreshold": 10,
                     "matchConditions": [{"matchVariable": "RequestUri", "operator": "Contains",
                                          "matchValue": ["/login"]}]}]}}}).result()
        prof = cdn.profiles.get(rg, "fd")
        st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
        resource_client.resources.begin_create_or_update_by_id(
            f"{prof.id}/providers/Microsoft.Insights/diagnosticSettings/logs",
            {"properties": {"storageAccountId": st, "logs": [{"category": c, "enabled": True} for c in (
                "FrontDoorAccessLog", "FrontDoorWebApplicationFirewallLog", "FrontDoorHealthProbeLog")]}},
            api_version="2021-05-01-preview").result()
        cdn.security_policies.begin_create(rg, "fd", "waf", P(parameters={
            "type": "WebApplicationFirewall", "wafPolicy": {"id": waf.id},
            "associations": [{"domains": [{"id": ep.id}], "patternsToMatch": ["/*"]}]})).result()
        host = ep.host_name
        assert edge_get(aznet, f"http://{host}/home").status_code == 200
        r = edge_get(aznet, f"http://{host}/home", headers={"X-Forwarded-For": "8.8.8.8"})   # a US client
        assert r.status_code == 403
        statuses = [edge_get(aznet, f"http://{host}/login").status_code for _ in range(14)]
        assert statuses[:10] == [200] * 10 and statuses[-1] != 200, statuses
        blocked_status = statuses[-1]
        assert blocked_status in (403, 429)
        def both() -> dict | None:  # type: ignore[type-arg]
            got = {x["properties"]["ruleName"]: x for x in _logs(aznet, "FrontDoorWebApplicationFirewallLog")}
            return got if {"BlockUS", "LoginRate"} <= set(got) else None
        rules = wait_for(both, timeout=20)
        assert rules["BlockUS"]["properties"]["clientIP"] == "8.8.8.8"
        assert rules["BlockUS"]["properties"]["action"] == "Block"
        assert rules["BlockUS"]["resourceId"] == prof.id.upper()
        assert rules["LoginRate"]["properties"]["action"] == "Block"
        access = wait_for(lambda: _logs(aznet, "FrontDoorAccessLog") or None, timeout=20)
        one = next(a for a in access if a["properties"]["requestUri"].endswith("/home"))
        assert one["category"] == "FrontDoorAccessLog" and one["operationName"] == "Microsoft.Cdn/Profiles/AccessLog/Write"
        assert one["properties"]["endpoint"] == host and one["properties"]["trackingReference"]
        query = MetricsQueryClient(aznet.credential(), endpoint=aznet.endpoint,
                                   connection_verify=str(aznet.ca_bundle))
        res = query.query_resource(prof.id, ["WebApplicationFirewallRequestCount"], timespan=timedelta(minutes=10),
                                   aggregations=["Total"], filter="RuleName eq '*'")
        by_rule = {ts.metadata_values.get("rulename") or ts.metadata_values.get("RuleName"):
                   sum(p.total or 0 for p in ts.data) for ts in res.metrics[0].timeseries}
        assert by_rule.get("BlockUS", 0) >= 1 and by_rule.get("LoginRate", 0) >= 1, by_rule
        res = query.query_resource(prof.id, ["RequestCount"], timespan=timedelta(minutes=10), aggregations=["Total"],
                                   filter="HttpStatus eq '*'")
        by_status = {ts.metadata_values.get("httpstatus") or ts.metadata_values.get("HttpStatus"):
                     sum(p.total or 0 for p in ts.data) for ts in res.metrics[0].timeseries}
        assert by_status.get("403", 0) >= 1 and by_status.get("200", 0) >= 11, by_status
