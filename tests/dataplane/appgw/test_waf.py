"""The WAF on a real application gateway (WAF_v2, made through the SDK), driven with httpx: managed rules in
Prevention and Detection, custom rules (IP, header, GeoMatch, rate limit), exclusions and rule overrides, the
request body limit, per-listener and per-path-rule policies, policy changes applied live, the legacy
webApplicationFirewallConfiguration, and the firewall log records in Azure's schema."""

from __future__ import annotations

import base64

import httpx

from .support import backends, gateway, get, network, pip_address, port, wait_for
from .waf_support import SQLI, WAF_SKU, XSS, firewall_logs, header_condition, ip_condition, logged, policy


def _waf_gateway(aznet, network_client, rg, b, name="gw", **props):  # type: ignore[no-untyped-def]
    ids = network(network_client, aznet, rg)
    body = gateway(aznet, rg, name, ids, pools={"p": [{"ipAddress": b.host}]}, settings={"s": {"port": b.port}},
                   listeners=[{"name": "l80"}], rules=[{"name": "r", "listener": "l80", "pool": "p", "settings": "s"}],
                   sku=WAF_SKU, **props)
    gw = network_client.application_gateways.begin_create_or_update(rg, name, body).result()
    return gw, f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"


def _ready(base: str) -> httpx.Response:
    """The first answer (the first policy of a process compiles CRS and Hyperscan: seconds)."""
    return wait_for(lambda: (r := get(f"{base}/")).status_code == 200 and r, timeout=120)


def test_prevention_blocks_sqli_and_xss_detection_logs_them_and_changes_apply_live(aznet, network_client, rg):
    with backends("app", base=61) as (b,):
        pol = policy(network_client, rg, "wafpol")
        gw, base = _waf_gateway(aznet, network_client, rg, b, firewallPolicy={"id": pol.id})
        firewall_logs(aznet, network_client, rg, gw.id)
        assert _ready(base).text == "app /"
        hits = b.hits
        r = get(f"{base}{SQLI}")
        assert r.status_code == 403
        assert b"403 Forbidden" in r.content and b"Microsoft-Azure-Application-Gateway/v2" in r.content
        assert get(f"{base}{XSS}").status_code == 403
        assert b.hits == hits                                   # blocked requests never reach the backend
        assert get(f"{base}/products?id=42&name=O%27Brien%20shoes").status_code == 200   # benign

        # the firewall log: the matched rules, then the anomaly-score rule that blocked, one transaction
        def sqli_records() -> list[dict[str, object]]:
            return [x for x in logged(aznet, gw.id) if x["properties"]["requestUri"] == SQLI]
        recs = wait_for(lambda: (x := sqli_records()) and any(r["properties"]["ruleId"] == "949110" for r in x) and x)
        for rec in recs:
            assert rec["category"] == "ApplicationGatewayFirewallLog"
            assert rec["operationName"] == "ApplicationGatewayFirewall"
            assert rec["resourceId"] == gw.id.upper()
            p = rec["properties"]
            assert p["clientIp"] == "127.0.0.1" and p["clientPort"].isdigit()
            assert p["policyId"] == pol.id and p["policyScope"] == "Global" and p["policyScopeName"] == "Global"
            assert p["ruleSetType"] == "OWASP_CRS" and p["ruleSetVersion"] == "3.2.0"
            assert p["engine"] == "Azwaf" and p["instanceId"]
        assert len({r["properties"]["transactionId"] for r in recs}) == 1
        by_rule = {r["properties"]["ruleId"]: r["properties"] for r in recs}
        assert by_rule["942100"]["action"] == "Matched"        # libinjection's SQLi detection
        assert "SQL Injection" in by_rule["942100"]["message"]
        assert by_rule["942100"]["details"]["file"] == "rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"
        assert by_rule["949110"]["action"] == "Blocked"
        assert "Inbound Anomaly Score Exceeded" in by_rule["949110"]["message"]
        # the access log says the WAF's mode and shares the transaction id
        access = wait_for(lambda: [x for x in logged(aznet, gw.id, "ApplicationGatewayAccessLog")
                                   if x["properties"]["originalRequestUriWithArgs"] == SQLI])
        assert access[0]["properties"]["httpStatus"] == 403 and access[0]["properties"]["WAFMode"] == "Prevention"
        assert access[0]["properties"]["transactionId"] == by_rule["949110"]["transactionId"]
        # the WAF metrics through the metrics API: requests by action, managed rule matches by rule
        from azure.mgmt.monitor import MonitorManagementClient
        mon = aznet.client(MonitorManagementClient)

        def by_dim(metric: str, dim: str) -> dict[str, float]:
            res = mon.metrics.list(gw.id, metricnames=metric, aggregation="Total", filter=f"{dim} eq '*'")
            return {ts.metadatavalues[0].value: sum(d.total or 0 for d in ts.data)
                    for m in res.value for ts in m.timeseries if ts.metadatavalues}
        actions = wait_for(lambda: (x := by_dim("AzwafTotalRequests", "Action")).get("Blocked", 0) >= 2 and x)
        assert actions.get("Allowed", 0) >= 2
        assert wait_for(lambda: by_dim("AzwafSecRule", "RuleID").get("942100", 0) >= 1)

        # Detection: the same attack passes and is logged as Detected; no restart, the next request sees it
        policy(network_client, rg, "wafpol", mode="Detection")
        r = wait_for(lambda: (x := get(f"{base}{SQLI}")).status_code == 200 and x)
        assert r.text.startswith("app /products")
        recs = wait_for(lambda: [x for x in logged(aznet, gw.id) if x["properties"]["requestUri"] == SQLI
                                 and x["properties"]["action"] == "Detected"])
        assert recs[0]["properties"]["ruleId"] == "949110"

        # a custom block status and body
        policy(network_client, rg, "wafpol", customBlockResponseStatusCode=405,
               customBlockResponseBody=base64.b64encode(b"blocked by contoso's WAF").decode())
        r = wait_for(lambda: (x := get(f"{base}{XSS}")).status_code == 405 and x)
        assert r.content == b"blocked by contoso's WAF"


def test_custom_rules_ip_header_geo_and_rate_limit(aznet, network_client, rg):
    custom = [
        {"name": "allowPartner", "priority": 1, "ruleType": "MatchRule", "action": "Allow",
         "matchConditions": [header_condition("X-Partner", "Equal", "letmein")]},
        {"name": "blockEvilBot", "priority": 2, "ruleType": "MatchRule", "action": "Block",
         "matchConditions": [ip_condition("127.0.0.0/8"),
                             header_condition("User-Agent", "Contains", "evilbot", transforms=("Lowercase",))]},
        {"name": "blockOtherNets", "priority": 3, "ruleType": "MatchRule", "action": "Block",
         "matchConditions": [ip_condition("127.0.0.0/8", negate=True)]},
        {"name": "geoUnknown", "priority": 4, "ruleType": "MatchRule", "action": "Block",
         "matchConditions": [{"matchVariables": [{"variableName": "RemoteAddr"}], "operator": "GeoMatch",
                              "matchValues": ["ZZ"]},
                             {"matchVariables": [{"variableName": "RequestUri"}], "operator": "BeginsWith",
                              "matchValues": ["/geo"]}]},
        {"name": "logAdmin", "priority": 5, "ruleType": "MatchRule", "action": "Log",
         "matchConditions": [{"matchVariables": [{"variableName": "RequestUri"}], "operator": "Contains",
                              "matchValues": ["/admin"]}]},
        {"name": "limitLogin", "priority": 6, "ruleType": "RateLimitRule", "action": "Block",
         "rateLimitDuration": "OneMin", "rateLimitThreshold": 3,
         "groupByUserSession": [{"groupByVariables": [{"variableName": "ClientAddr"}]}],
         "matchConditions": [{"matchVariables": [{"variableName": "RequestUri"}], "operator": "BeginsWith",
                              "matchValues": ["/login"]}]},
    ]
    with backends("app", base=62) as (b,):
        pol = policy(network_client, rg, "custompol", custom=custom)
        gw, base = _waf_gateway(aznet, network_client, rg, b, firewallPolicy={"id": pol.id})
        firewall_logs(aznet, network_client, rg, gw.id)
        _ready(base)
        assert get(f"{base}/", headers={"User-Agent": "Mozilla/5.0 EvilBot/2.0"}).status_code == 403
        assert get(f"{base}/", headers={"User-Agent": "Mozilla/5.0"}).status_code == 200
        # Allow ends evaluation: neither the bot rule nor the managed rules run
        r = get(f"{base}{SQLI}", headers={"X-Partner": "letmein", "User-Agent": "evilbot"})
        assert r.status_code == 200
        assert get(f"{base}{SQLI}", headers={"X-Partner": "nope"}).status_code == 403
        # GeoMatch: a loopback client has no country (ZZ)
        assert get(f"{base}/geo/page").status_code == 403
        assert get(f"{base}/admin/panel").status_code == 200          # Log: logged, passed
        # rate limit: 3 requests per minute per client address; the 4th within the window is blocked
        statuses = [get(f"{base}/login").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [403, 403]
        assert get(f"{base}/other").status_code == 200                 # other paths are not counted

        recs = wait_for(lambda: (x := [r for r in logged(aznet, gw.id) if r["properties"]["ruleSetType"] == "Custom"])
                        and {"blockEvilBot", "allowPartner", "geoUnknown", "logAdmin", "limitLogin"}
                        <= {r["properties"]["ruleId"] for r in x} and x)
        by_rule = {r["properties"]["ruleId"]: r["properties"] for r in recs}
        assert by_rule["blockEvilBot"]["action"] == "Blocked"
        assert by_rule["allowPartner"]["action"] == "Allowed"
        assert by_rule["logAdmin"]["action"] == "Matched"
        assert by_rule["limitLogin"]["action"] == "Blocked" and by_rule["limitLogin"]["requestUri"] == "/login"
        assert by_rule["geoUnknown"]["policyId"] == pol.id


def test_exclusions_rule_overrides_and_the_body_limit(aznet, network_client, rg):
    xss_in = "/comment?{}=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    scanner = {"User-Agent": "Nikto/2.1.6"}
    with backends("app", base=63) as (b,):
        pol = policy(network_client, rg, "tuned", maxRequestBodySizeInKb=8)
        gw, base = _waf_gateway(aznet, network_client, rg, b, firewallPolicy={"id": pol.id})
        _ready(base)
        assert get(f"{base}{xss_in.format('comment')}").status_code == 403
        assert get(f"{base}/", headers=scanner).status_code == 403                       # 913100
        with httpx.Client(timeout=10) as c:
            assert c.post(f"{base}/upload", content=b"a=" + b"x" * (9 * 1024),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413
            assert c.post(f"{base}/upload", content=b"a=" + b"x" * (6 * 1024),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 200
        managed = {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2", "ruleGroupOverrides": [
                       {"ruleGroupName": "REQUEST-913-SCANNER-DETECTION",
                        "rules": [{"ruleId": "913100", "state": "Disabled"}]}]}],
                   "exclusions": [{"matchVariable": "RequestArgNames", "selectorMatchOperator": "Equals",
                                   "selector": "comment"}]}
        policy(network_client, rg, "tuned", managed=managed, maxRequestBodySizeInKb=8)
        r = wait_for(lambda: (x := get(f"{base}{xss_in.format('comment')}")).status_code == 200 and x)
        assert r.text.startswith("app /comment")
        assert get(f"{base}{xss_in.format('other')}").status_code == 403          # only the excluded arg
        assert get(f"{base}/", headers=scanner).status_code == 200               # the disabled rule
        assert get(f"{base}{SQLI}").status_code == 403                            # the rest still runs


def test_listener_and_path_rule_policies_take_precedence(aznet, network_client, rg):
    """Global policy: Prevention. Listener site2: a Detection policy. Path rule /api/* on the basic
    listener: a policy blocking X-Block: yes with status 405, Detection for the managed rules."""
    with backends("app", base=64) as (b,):
        glob = policy(network_client, rg, "globalpol")
        site = policy(network_client, rg, "sitepol", mode="Detection")
        api = policy(network_client, rg, "apipol", mode="Prevention", customBlockResponseStatusCode=405,
                     custom=[{"name": "blockFlag", "priority": 10, "ruleType": "MatchRule", "action": "Block",
                              "matchConditions": [header_condition("X-Block", "Equal", "yes")]}],
                     managed={"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}],
                              "exclusions": [{"matchVariable": "RequestArgNames", "selectorMatchOperator": "EqualsAny",
                                              "selector": "*"}]})
        ids = network(network_client, aznet, rg)

        def path_maps(gw: str) -> list[dict[str, object]]:
            pool, sets = {"id": f"{gw}/backendAddressPools/p"}, {"id": f"{gw}/backendHttpSettingsCollection/s"}
            return [{"name": "paths", "properties": {
                "defaultBackendAddressPool": pool, "defaultBackendHttpSettings": sets,
                "pathRules": [{"name": "apiRule", "properties": {"paths": ["/api/*"], "backendAddressPool": pool,
                                                                 "backendHttpSettings": sets,
                                                                 "firewallPolicy": {"id": api.id}}}]}}]
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b.host}]}, settings={"s": {"port": b.port}},
                       listeners=[{"name": "basic"}, {"name": "site2", "hostNames": ["site2.example"]}],
                       rules=[{"name": "rb", "listener": "basic", "pathMap": "paths", "priority": 200},
                              {"name": "rs", "listener": "site2", "pool": "p", "settings": "s", "priority": 100}],
                       sku=WAF_SKU, firewallPolicy={"id": glob.id}, urlPathMaps=path_maps)
        body["properties"]["httpListeners"][1]["properties"]["firewallPolicy"] = {"id": site.id}
        gw = network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        firewall_logs(aznet, network_client, rg, gw.id)
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        _ready(base)
        assert get(f"{base}{SQLI}").status_code == 403                                  # global: Prevention
        assert get(f"{base}{SQLI}", headers={"Host": "site2.example"}).status_code == 200   # listener: Detection
        api_sqli = "/api" + SQLI
        assert get(f"{base}{api_sqli}").status_code == 200           # path rule policy: args excluded
        assert get(f"{base}/api/x", headers={"X-Block": "yes"}).status_code == 405
        assert get(f"{base}/x", headers={"X-Block": "yes"}).status_code == 200       # not the global policy's rule
        recs = wait_for(lambda: (x := logged(aznet, gw.id)) and {"Listener", "Location"}
                        <= {r["properties"]["policyScope"] for r in x}
                        and any(r["properties"]["ruleId"] == "blockFlag" for r in x) and x)
        listener_recs = [r["properties"] for r in recs if r["properties"]["policyScope"] == "Listener"]
        assert {p["policyScopeName"] for p in listener_recs} == {"site2"}
        assert {p["policyId"] for p in listener_recs} == {site.id}
        assert {p["action"] for p in listener_recs} >= {"Detected"}
        loc = [r["properties"] for r in recs if r["properties"]["policyScope"] == "Location"]
        assert {p["policyScopeName"] for p in loc} == {"apiRule"} and {p["policyId"] for p in loc} == {api.id}
        flag = [p for p in loc if p["ruleId"] == "blockFlag"]
        assert flag and flag[0]["action"] == "Blocked" and flag[0]["requestUri"] == "/api/x"


def test_legacy_waf_configuration(aznet, network_client, rg):
    with backends("app", base=65) as (b,):
        cfg = {"enabled": True, "firewallMode": "Prevention", "ruleSetType": "OWASP", "ruleSetVersion": "3.2",
               "disabledRuleGroups": [{"ruleGroupName": "REQUEST-913-SCANNER-DETECTION"}],
               "maxRequestBodySizeInKb": 8, "fileUploadLimitInMb": 100, "requestBodyCheck": True}
        gw, base = _waf_gateway(aznet, network_client, rg, b, webApplicationFirewallConfiguration=cfg)
        firewall_logs(aznet, network_client, rg, gw.id)
        _ready(base)
        assert get(f"{base}{XSS}").status_code == 403
        assert get(f"{base}/", headers={"User-Agent": "Nikto/2.1.6"}).status_code == 200   # group disabled
        with httpx.Client(timeout=10) as c:
            assert c.post(f"{base}/f", content=b"a=" + b"y" * 9000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413
        recs = wait_for(lambda: [r for r in logged(aznet, gw.id) if r["properties"]["ruleId"] == "949110"])
        assert recs[0]["properties"]["policyId"] == "default" and recs[0]["properties"]["policyScope"] == "Global"
        # switched to Detection on the gateway itself: applies without a restart
        cfg["firewallMode"] = "Detection"
        body = network_client.application_gateways.get(rg, "gw")
        body.web_application_firewall_configuration.firewall_mode = "Detection"
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        assert wait_for(lambda: get(f"{base}{XSS}").status_code == 200)


def test_az_cli_waf_policy_on_a_gateway(aznet, network_client, az, rg):
    """The WAF quickstart's shape with the real az: a policy (Microsoft_DefaultRuleSet 2.1, az's default), a
    custom rule, a WAF_v2 gateway created with --waf-policy; then the mode switched by az, applied live."""
    waf = ("network", "application-gateway", "waf-policy")
    with backends("app", base=66) as (b,):
        network(network_client, aznet, rg)
        az.run(*waf, "create", "-g", rg, "-n", "myWafPolicy")
        az.run(*waf, "policy-setting", "update", "-g", rg, "--policy-name", "myWafPolicy", "--mode", "Prevention",
               "--state", "Enabled")
        az.run(*waf, "custom-rule", "create", "-g", rg, "--policy-name", "myWafPolicy", "-n", "blockEvil",
               "--priority", "10", "--rule-type", "MatchRule", "--action", "Block")
        az.run(*waf, "custom-rule", "match-condition", "add", "-g", rg, "--policy-name", "myWafPolicy", "--name",
               "blockEvil", "--match-variables", "RequestHeaders.X-Client", "--operator", "Contains", "--values", "evil",
               "--transforms", "Lowercase")
        az.run("network", "application-gateway", "create", "-g", rg, "-n", "myWafGateway", "-l", "westeurope",
               "--sku", "WAF_v2", "--public-ip-address", "myAGPublicIPAddress", "--vnet-name", "myVNet", "--subnet",
               "myAGSubnet", "--capacity", "1", "--priority", "100", "--waf-policy", "myWafPolicy",
               "--servers", b.host, "--http-settings-port", str(b.port), "--frontend-port", "80")
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        assert _ready(base).text == "app /"
        assert get(f"{base}{SQLI}").status_code == 403                 # DRS 2.1 (CRS 942xxx under DRS groups)
        assert get(f"{base}/", headers={"X-Client": "EVIL corp"}).status_code == 403
        assert get(f"{base}/", headers={"X-Client": "good corp"}).status_code == 200
        az.run(*waf, "policy-setting", "update", "-g", rg, "--policy-name", "myWafPolicy", "--mode", "Detection",
               "--state", "Enabled")
        assert wait_for(lambda: get(f"{base}{SQLI}").status_code == 200)
