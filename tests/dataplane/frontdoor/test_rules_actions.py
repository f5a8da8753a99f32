"""Rules-engine actions, rule order and matchProcessingBehavior, classic rules engines and CDN delivery policies
(pure)."""

from __future__ import annotations

from typing import Any

from aznet.dataplane.frontdoor.cache import CachePolicy
from aznet.dataplane.frontdoor.rules import HeaderOp, RuleEngine, apply_header_ops

from .core_support import request

GROUP = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cdn/profiles/p/originGroups/images"


def rule(name: str, order: int, actions: list[dict[str, Any]], conditions: list[dict[str, Any]] | None = None,
         stop: bool = False) -> dict[str, Any]:
    return {"name": name, "properties": {"order": order, "conditions": conditions or [], "actions": actions,
                                         "matchProcessingBehavior": "Stop" if stop else "Continue"}}


def action(name: str, **params: Any) -> dict[str, Any]:
    return {"name": name, "parameters": {"typeName": f"DeliveryRule{name}ActionParameters", **params}}


def path_begins(value: str) -> dict[str, Any]:
    return {"name": "UrlPath", "parameters": {"typeName": "DeliveryRuleUrlPathMatchConditionParameters",
                                              "operator": "BeginsWith", "matchValues": [value]}}


def engine(*rules: dict[str, Any]) -> RuleEngine:
    return RuleEngine.from_rule_sets([list(rules)], geo=lambda ip: None)


def test_redirect_types_protocol_host_path_query_fragment() -> None:
    e = engine(rule("r", 1, [action("UrlRedirect", redirectType="PermanentRedirect", destinationProtocol="Https",
                                    customHostname="www.fabrikam.com", customPath="/redirected-site",
                                    customQueryString="utm=1", customFragment="top")]))
    out = e.evaluate(request("/a/b", "x=1", scheme="http", host="www.contoso.com"))
    assert out.redirect is not None and out.redirect.status == 308
    assert out.redirect.location == "https://www.fabrikam.com/redirected-site?utm=1#top"


def test_redirect_preserves_what_is_left_blank() -> None:
    for kind, status in (("Moved", 301), ("Found", 302), ("TemporaryRedirect", 307), ("PermanentRedirect", 308)):
        out = engine(rule("r", 1, [action("UrlRedirect", redirectType=kind, destinationProtocol="MatchRequest")])
                     ).evaluate(request("/keep/me", "q=1", host="www.contoso.com"))
        assert out.redirect is not None
        assert (out.redirect.status, out.redirect.location) == (status, "https://www.contoso.com/keep/me?q=1")


def test_redirect_with_server_variables() -> None:
    e = engine(rule("r", 1, [action("UrlRedirect", redirectType="Found", destinationProtocol="Https",
                                    customPath="/new{url_path}", customQueryString="from={hostname}")]))
    out = e.evaluate(request("/old.html", scheme="http", host="contoso.com"))
    assert out.redirect.location == "https://contoso.com/new/old.html?from=contoso.com"


def test_url_rewrite_prefix_and_preserve_unmatched_path() -> None:
    keep = engine(rule("r", 1, [action("UrlRewrite", sourcePattern="/sub/", destination="/foo/",
                                       preserveUnmatchedPath=True)]))
    assert keep.evaluate(request("/sub/image/1.jpg")).rewrite_path == "/foo/image/1.jpg"
    assert keep.evaluate(request("/other/1.jpg")).rewrite_path is None
    root = engine(rule("r", 1, [action("UrlRewrite", sourcePattern="/", destination="/foo/")]))
    assert root.evaluate(request("/sub/1.jpg")).rewrite_path == "/foo/sub/1.jpg"
    fixed = engine(rule("r", 1, [action("UrlRewrite", sourcePattern="/sub/", destination="/foo/2.jpg",
                                        preserveUnmatchedPath=False)]))
    assert fixed.evaluate(request("/sub/image/1.jpg")).rewrite_path == "/foo/2.jpg"


def test_header_actions_and_their_application() -> None:
    e = engine(rule("r", 1, [
        action("ModifyRequestHeader", headerAction="Append", headerName="X-Trace", value="edge"),
        action("ModifyRequestHeader", headerAction="Delete", headerName="Cookie"),
        action("ModifyResponseHeader", headerAction="Overwrite", headerName="Server", value="aznet"),
        action("ModifyResponseHeader", headerAction="Append", headerName="X-Client", value="{client_ip}:{client_port}"),
    ]))
    out = e.evaluate(request(client_ip="203.0.113.9", client_port=4242))
    sent = apply_header_ops([("x-trace", "client"), ("Cookie", "a=1"), ("Host", "h")], out.request_headers)
    assert sent == [("x-trace", "client,edge"), ("Host", "h")]
    back = apply_header_ops([("Server", "origin"), ("server", "dup")], out.response_headers)
    assert back == [("Server", "aznet"), ("X-Client", "203.0.113.9:4242")]


def test_header_ops_helper() -> None:
    ops = [HeaderOp("Append", "A", "2"), HeaderOp("Overwrite", "B", "x"), HeaderOp("Delete", "C")]
    assert apply_header_ops([("a", "1"), ("c", "3")], ops) == [("a", "1,2"), ("B", "x")]


def test_rules_run_in_order_later_wins_and_stop_ends_evaluation() -> None:
    e = RuleEngine.from_rule_sets([
        [rule("second", 2, [action("UrlRewrite", sourcePattern="/", destination="/two/")]),
         rule("first", 1, [action("UrlRewrite", sourcePattern="/", destination="/one/")])],
        [rule("stopper", 1, [action("ModifyResponseHeader", headerAction="Overwrite", headerName="X-Set",
                                    value="2")], [path_begins("stop")], stop=True),
         rule("after", 2, [action("ModifyResponseHeader", headerAction="Overwrite", headerName="X-After",
                                  value="1")])],
    ], geo=lambda ip: None)
    out = e.evaluate(request("/stop/x"))
    assert out.matched == ["first", "second", "stopper"]
    assert out.rewrite_path == "/two/stop/x"
    assert [op.name for op in out.response_headers] == ["X-Set"]
    assert e.evaluate(request("/go")).matched == ["first", "second", "after"]


def test_route_configuration_override_origin_group_and_caching() -> None:
    e = engine(rule("img", 1, [action("RouteConfigurationOverride", originGroupOverride={
        "originGroup": {"id": GROUP}, "forwardingProtocol": "HttpsOnly"}, cacheConfiguration={
        "queryStringCachingBehavior": "IgnoreQueryString", "isCompressionEnabled": "Disabled",
        "cacheBehavior": "OverrideAlways", "cacheDuration": "1.00:00:00"})], [path_begins("images/")]))
    out = e.evaluate(request("/images/a.png"))
    assert out.origin_group == GROUP and out.forwarding_protocol == "HttpsOnly"
    policy = CachePolicy.from_afd_route(None).with_rules(out.cache)
    assert policy.enabled and policy.behaviour == "OverrideAlways" and policy.duration == 86400
    assert e.evaluate(request("/other")).origin_group is None


def test_route_configuration_override_without_caching_disables_it() -> None:
    e = engine(rule("nocache", 1, [action("RouteConfigurationOverride",
                                          originGroupOverride={"originGroup": {"id": GROUP}})]))
    route = CachePolicy.from_afd_route({"queryStringCachingBehavior": "UseQueryString"})
    assert not route.with_rules(e.evaluate(request("/x")).cache).enabled


def test_cache_expiration_and_cache_key_query_string_actions() -> None:
    e = engine(rule("ttl", 1, [action("CacheExpiration", cacheBehavior="SetIfMissing", cacheType="All",
                                      cacheDuration="0.06:00:00"),
                               action("CacheKeyQueryString", queryStringBehavior="Exclude",
                                      queryParameters="userid,sessionid")]))
    policy = CachePolicy.from_afd_route({}).with_rules(e.evaluate(request("/x")).cache)
    assert policy.behaviour == "OverrideIfOriginMissing" and policy.duration == 6 * 3600
    assert policy.cache_key("h", "/p", "language=EN&userid=100&sessionid=200") == "h/p?language=EN"
    bypass = engine(rule("b", 1, [action("CacheExpiration", cacheBehavior="BypassCache", cacheType="All")]))
    assert not CachePolicy.from_afd_route({}).with_rules(bypass.evaluate(request("/x")).cache).caches("GET", "")


def test_classic_rules_engine() -> None:
    body = {"properties": {"rules": [
        {"name": "mobile", "priority": 2, "matchProcessingBehavior": "Stop",
         "matchConditions": [{"rulesEngineMatchVariable": "IsMobile", "rulesEngineOperator": "Equal",
                              "rulesEngineMatchValue": ["true"]}],
         "action": {"routeConfigurationOverride": {
             "@odata.type": "#Microsoft.Azure.FrontDoor.Models.FrontdoorRedirectConfiguration",
             "redirectType": "Found", "redirectProtocol": "HttpsOnly", "customHost": "m.contoso.com"}}},
        {"name": "headers", "priority": 1,
         "matchConditions": [{"rulesEngineMatchVariable": "RequestPath", "rulesEngineOperator": "BeginsWith",
                              "rulesEngineMatchValue": ["api/"], "transforms": ["Lowercase"]}],
         "action": {"requestHeaderActions": [{"headerActionType": "Overwrite", "headerName": "X-Api",
                                              "value": "{client_ip}"}],
                    "responseHeaderActions": [{"headerActionType": "Delete", "headerName": "Server"}],
                    "routeConfigurationOverride": {
                        "@odata.type": "#Microsoft.Azure.FrontDoor.Models.FrontdoorForwardingConfiguration",
                        "customForwardingPath": "/v2/", "backendPool": {"id": "/fd/backendPools/api"},
                        "cacheConfiguration": {"queryParameterStripDirective": "StripNone",
                                               "dynamicCompression": "Disabled"}}}},
        {"name": "never", "priority": 3, "matchConditions": [], "action": {
            "responseHeaderActions": [{"headerActionType": "Append", "headerName": "X-Never", "value": "1"}]}},
    ]}}
    e = RuleEngine.from_classic(body, geo=lambda ip: None)
    api = e.evaluate(request("/API/users"))
    assert api.matched == ["headers", "never"]
    assert api.request_headers == [HeaderOp("Overwrite", "X-Api", "{client_ip}")]  # no server variables in classic
    assert api.forwarding_path == "/v2/" and api.rewrite_path is None and api.origin_group == "/fd/backendPools/api"
    policy = CachePolicy.from_classic(None).with_rules(api.cache)
    assert policy.enabled and policy.query_mode == "use" and not policy.compression
    phone = e.evaluate(request("/x", headers=[("User-Agent", "Mozilla/5.0 (Linux; Android 14) Mobile")]))
    assert phone.matched == ["mobile"]
    assert phone.redirect.status == 302 and phone.redirect.location == "https://m.contoso.com/x"


def test_cdn_delivery_policy_global_rule_first() -> None:
    policy = {"rules": [
        {"name": "docs", "order": 1, "conditions": [path_begins("docs/")],
         "actions": [action("UrlRewrite", sourcePattern="/docs/", destination="/content/")]},
        {"name": "Global", "order": 0, "conditions": [],
         "actions": [action("CacheExpiration", cacheBehavior="Override", cacheType="All", cacheDuration="00:10:00")]},
    ]}
    e = RuleEngine.from_delivery_policy(policy, geo=lambda ip: None)
    out = e.evaluate(request("/docs/a.html"))
    assert out.matched == ["Global", "docs"] and out.rewrite_path == "/content/a.html"
    assert CachePolicy.from_cdn_endpoint({}).with_rules(out.cache).duration == 600
    assert RuleEngine.from_delivery_policy(None).evaluate(request("/")).matched == []


def test_durations_and_server_variable_offsets() -> None:
    from aznet.dataplane.frontdoor.rules import RequestView, duration_seconds, expand

    assert duration_seconds("1.02:03:04") == 93784 and duration_seconds("00:00:30") == 30
    assert duration_seconds("PT90S") == 90 and duration_seconds("P2D") == 172800 and duration_seconds("P1DT1H") == 90000
    assert duration_seconds("forever") is None and duration_seconds(None) is None and duration_seconds("P") is None
    view = RequestView(request("/article.aspx", "id=123&title=fabrikam", client_ip="111.222.33.44", http_version="2.0"))
    assert expand("{client_ip}", view) == "111.222.33.44"
    assert expand("{client_ip:3}", view) == ".222.33.44" and expand("{client_ip:4:3}", view) == "222"
    assert expand("{request_uri}|{url_path}|{query_string}", view) == \
        "/article.aspx?id=123&title=fabrikam|/article.aspx|id=123&title=fabrikam"
    assert expand("{http_version} {request_scheme} {server_port} {unknown}", view) == "HTTP/2.0 https 443 {unknown}"
    assert expand("{client_ip:99}", view) == ""
