"""The routing core without sockets: listener order and host wildcards, path maps, redirects, rewrites with
captures, affinity values, probe judgement."""

from __future__ import annotations

from aznet.dataplane.appgw import health, rewrite, router
from aznet.dataplane.appgw.model import Condition, RewriteRule, compile_gateway

GW = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/gw"


def ref(kind: str, name: str) -> dict[str, str]:
    return {"id": f"{GW}/{kind}/{name}"}


def body(listeners, rules, sku="Standard_v2", **props):  # type: ignore[no-untyped-def]
    return {"id": GW, "name": "gw", "properties": {
        "sku": {"name": sku, "tier": sku},
        "frontendIPConfigurations": [{"id": f"{GW}/frontendIPConfigurations/fe", "name": "fe"}],
        "frontendPorts": [{"id": f"{GW}/frontendPorts/p80", "name": "p80", "properties": {"port": 80}}],
        "backendAddressPools": [{"id": f"{GW}/backendAddressPools/{n}", "name": n, "properties": {
            "backendAddresses": [{"ipAddress": "127.0.0.9"}]}} for n in ("a", "b", "c")],
        "backendHttpSettingsCollection": [{"id": f"{GW}/backendHttpSettingsCollection/s", "name": "s",
                                           "properties": {"port": 80, "protocol": "Http"}}],
        "httpListeners": [{"id": f"{GW}/httpListeners/{n}", "name": n, "properties": {
            "frontendIPConfiguration": ref("frontendIPConfigurations", "fe"),
            "frontendPort": ref("frontendPorts", "p80"), "protocol": "Http", **lp}} for n, lp in listeners],
        "requestRoutingRules": [{"id": f"{GW}/requestRoutingRules/{n}", "name": n, "properties": {
            "httpListener": ref("httpListeners", lst), "backendAddressPool": ref("backendAddressPools", pool),
            "backendHttpSettings": ref("backendHttpSettingsCollection", "s"), **rp}} for n, lst, pool, rp in rules],
        **props}}


def incoming(path: str = "/", host: str = "x", query: str = "", headers=None) -> router.Incoming:  # type: ignore[no-untyped-def]
    return router.Incoming("GET", path, query, host, headers or [("Host", host)], "127.0.0.1", 5555, "http", 80)


def route(plan, req):  # type: ignore[no-untyped-def]
    return router.decide(plan, plan.sockets[("127.0.0.5", 80)], req)


def test_v2_without_priorities_puts_multi_site_before_basic_and_wildcards_match():
    plan = compile_gateway(body([("basic", {}), ("site", {"hostNames": ["*.contoso.com", "contoso.c?m"]})],
                                [("r1", "basic", "a", {}), ("r2", "site", "b", {})]), lambda fe: "127.0.0.5")
    assert route(plan, incoming(host="www.contoso.com")).target.pool.endswith("/b")
    assert route(plan, incoming(host="CONTOSO.COM:8080")).target.pool.endswith("/b")
    assert route(plan, incoming(host="contoso.org")).target.pool.endswith("/a")
    # v1 keeps the rules' order: the basic listener first takes everything
    v1 = compile_gateway(body([("basic", {}), ("site", {"hostNames": ["*.contoso.com"]})],
                              [("r1", "basic", "a", {}), ("r2", "site", "b", {})], sku="Standard_Medium"),
                         lambda fe: "127.0.0.5")
    assert route(v1, incoming(host="www.contoso.com")).target.pool.endswith("/a")


def test_rule_priority_decides_the_order():
    plan = compile_gateway(body([("basic", {}), ("site", {"hostNames": ["www.contoso.com"]})],
                                [("r1", "basic", "a", {"priority": 1}), ("r2", "site", "b", {"priority": 2})]),
                           lambda fe: "127.0.0.5")
    assert route(plan, incoming(host="www.contoso.com")).target.pool.endswith("/a")
    none = compile_gateway(body([("site", {"hostNames": ["www.contoso.com"]})], [("r2", "site", "b", {})]),
                           lambda fe: "127.0.0.5")
    assert route(none, incoming(host="other")).status == 404


def test_path_map_exact_beats_wildcard_then_longest_prefix():
    pm = {"id": f"{GW}/urlPathMaps/m", "name": "m", "properties": {
        "defaultBackendAddressPool": ref("backendAddressPools", "a"),
        "defaultBackendHttpSettings": ref("backendHttpSettingsCollection", "s"),
        "pathRules": [
            {"id": f"{GW}/urlPathMaps/m/pathRules/wild", "name": "wild", "properties": {
                "paths": ["/images/*"], "backendAddressPool": ref("backendAddressPools", "b"),
                "backendHttpSettings": ref("backendHttpSettingsCollection", "s")}},
            {"id": f"{GW}/urlPathMaps/m/pathRules/deep", "name": "deep", "properties": {
                "paths": ["/images/large/*", "/images/logo.png"], "backendAddressPool": ref("backendAddressPools", "c"),
                "backendHttpSettings": ref("backendHttpSettingsCollection", "s")}}]}}
    plan = compile_gateway(body([("l", {})], [("r", "l", "a", {"ruleType": "PathBasedRouting",
                                                               "urlPathMap": ref("urlPathMaps", "m")})],
                                urlPathMaps=[pm]), lambda fe: "127.0.0.5")
    pool = lambda p: route(plan, incoming(p)).target.pool.rsplit("/", 1)[-1]  # noqa: E731
    assert pool("/images/x.png") == "b"
    assert pool("/images/large/x.png") == "c"
    assert pool("/Images/Logo.PNG") == "c"
    assert pool("/images") == "b"
    assert pool("/video") == "a"
    assert route(plan, incoming("/images/large/x")).prefix == "/images/large/"


def test_redirect_to_listener_and_url():
    props = {"redirectConfigurations": [
        {"id": f"{GW}/redirectConfigurations/l", "name": "l", "properties": {
            "redirectType": "Temporary", "targetListener": ref("httpListeners", "l"), "includePath": True}},
        {"id": f"{GW}/redirectConfigurations/u", "name": "u", "properties": {
            "redirectType": "Found", "targetUrl": "https://bing.com", "includeQueryString": True}}]}
    plan = compile_gateway(body([("l", {}), ("m", {"hostNames": ["m.example"]})],
                                [("r", "l", "a", {"redirectConfiguration": ref("redirectConfigurations", "l")}),
                                 ("r2", "m", "a", {"redirectConfiguration": ref("redirectConfigurations", "u")})],
                                **props), lambda fe: "127.0.0.5")
    d = route(plan, incoming("/p/q", host="h.example:80", query="a=1"))
    assert (d.status, d.location) == (307, "http://h.example/p/q")
    d = route(plan, incoming("/p/q", host="m.example", query="a=1"))
    assert (d.status, d.location) == (302, "https://bing.com?a=1")


def test_rewrite_conditions_negation_captures_and_response_phase():
    rules = (
        RewriteRule("r1", 10, (Condition("var_uri_path", r"^/shop/(\w+)"),), (("X-Cat", "{var_uri_path_1}"),),
                    modified_path="/store/{var_uri_path_1}", modified_query="q={var_query_string}"),
        RewriteRule("r2", 20, (Condition("http_req_X-Debug", ".", negate=True),), (("X-Debug", "off"),)),
        RewriteRule("r3", 30, (Condition("http_resp_Location", r"^http://(.*)$"),),
                    response_headers=(("Location", "https://{http_resp_Location_1}"),)),
        RewriteRule("r4", 40, (Condition("var_uri_path", "^/SHOP", ignore_case=False),), (("X-Never", "1"),)),
    )
    req = incoming("/shop/books", query="x=1", headers=[("Host", "h")])
    v = rewrite.Vars(router.server_vars(req, None), req.header)
    edits = rewrite.request_phase(rules, v)
    assert edits.path == "/store/books" and edits.query == "q=x=1"
    assert edits.headers == [("X-Cat", "books"), ("X-Debug", "off")]
    resp = {"location": "http://backend/a"}
    v2 = rewrite.Vars(v.server, req.header, lambda n: resp.get(n.lower()))
    assert rewrite.response_phase(edits.later, v2) == [("Location", "https://backend/a")]
    assert rewrite.apply_headers([("A", "1"), ("a", "2"), ("B", "3")], [("a", "9"), ("B", "")]) == [("a", "9")]


def test_affinity_cookie_names_a_member_and_probe_judgement():
    v = lambda a: router.affinity_value(GW, a)  # noqa: E731
    assert v("10.0.0.4") != v("10.0.0.5") and len(v("10.0.0.4")) == 32
    cookie = f"other=1; ApplicationGatewayAffinity={v('10.0.0.5')}"
    assert router.affinity_member(cookie, "ApplicationGatewayAffinity", ["10.0.0.4", "10.0.0.5"], v) == "10.0.0.5"
    assert router.affinity_member(cookie, "ApplicationGatewayAffinity", ["10.0.0.4"], v) is None
    spec = health.ProbeSpec("Http", "", "/", 80, 1, 1, 2, ((200, 204), (301, 301)), "healthy")
    assert health.judge(spec, 200, b"I am healthy") == (True, "Success. Received 200 status code")
    ok, why = health.judge(spec, 302, b"healthy")
    assert not ok and "Received invalid status code: 302" in why and "200-204,301" in why
    ok, why = health.judge(spec, 200, b"nope")
    assert not ok and "does not contain healthy" in why
    st = health.MemberHealth()
    assert not st.observe(False, "x", 2) and st.state == "Unknown"
    assert st.observe(False, "x", 2) and st.state == "Down"
    assert st.observe(True, "ok", 2) and st.state == "Up"
