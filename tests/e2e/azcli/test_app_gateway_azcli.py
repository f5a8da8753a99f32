"""Application gateway with the real Azure CLI, following Azure's tutorials:
"Direct web traffic with Azure Application Gateway - Azure CLI" (quickstart),
"Route web traffic based on the URL" (url-path-map), "Redirect HTTP to HTTPS"
(ssl-cert, redirect-config), "Rewrite HTTP headers" (rewrite-rule), probes,
and WAF policies."""

from __future__ import annotations

from pathlib import Path

from tests.delivery.appgw_support import gateway_body, pfx_b64
from tests.network.nic_support import ensure_vnet_types, rid


def _setup(az, rg: str) -> None:  # type: ignore[no-untyped-def]
    az.run("network", "vnet", "create", "-g", rg, "-n", "myVNet", "--address-prefix", "10.21.0.0/16",
           "--subnet-name", "myAGSubnet", "--subnet-prefixes", "10.21.0.0/24")
    az.run("network", "vnet", "subnet", "create", "-g", rg, "--vnet-name", "myVNet", "-n", "myBackendSubnet",
           "--address-prefixes", "10.21.1.0/24")
    az.run("network", "public-ip", "create", "-g", rg, "-n", "myAGPublicIPAddress", "--allocation-method", "Static",
           "--sku", "Standard")


def _gateway_like_az_create(net, aznet, rg: str) -> None:  # type: ignore[no-untyped-def]
    """The gateway ``az network application-gateway create`` makes for the quickstart, with the names it uses."""
    ids = {"subnet": rid(aznet, rg, "virtualNetworks", "myVNet") + "/subnets/myAGSubnet",
           "pip": rid(aznet, rg, "publicIPAddresses", "myAGPublicIPAddress")}
    gid = rid(aznet, rg, "applicationGateways", "myAppGateway")
    body = gateway_body(aznet, rg, "myAppGateway", ids)
    p = body["properties"]
    p["frontendIPConfigurations"][0]["name"] = "appGatewayFrontendIP"
    p["frontendPorts"][0]["name"] = "appGatewayFrontendPort"
    p["backendAddressPools"] = [{"name": "appGatewayBackendPool", "properties": {"backendAddresses": [
        {"ipAddress": "10.21.1.4"}, {"ipAddress": "10.21.1.5"}]}}]
    p["backendHttpSettingsCollection"][0]["name"] = "appGatewayBackendHttpSettings"
    p["httpListeners"] = [{"name": "appGatewayHttpListener", "properties": {
        "frontendIPConfiguration": {"id": f"{gid}/frontendIPConfigurations/appGatewayFrontendIP"},
        "frontendPort": {"id": f"{gid}/frontendPorts/appGatewayFrontendPort"}, "protocol": "Http"}}]
    p["requestRoutingRules"] = [{"name": "rule1", "properties": {
        "ruleType": "Basic", "priority": 100, "httpListener": {"id": f"{gid}/httpListeners/appGatewayHttpListener"},
        "backendAddressPool": {"id": f"{gid}/backendAddressPools/appGatewayBackendPool"},
        "backendHttpSettings": {"id": f"{gid}/backendHttpSettingsCollection/appGatewayBackendHttpSettings"}}}]
    net.application_gateways.begin_create_or_update(rg, "myAppGateway", body).result()


def test_subcommands(az, network_client, aznet, tmp_path: Path):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-agw-") as rg:
        _setup(az, rg)
        _gateway_like_az_create(network_client, aznet, rg)
        shown = az.json("network", "application-gateway", "show", "-g", rg, "-n", "myAppGateway")
        assert shown["sku"]["name"] == "Standard_v2" and shown["operationalState"] == "Running"
        assert [a["ipAddress"] for a in shown["backendAddressPools"][0]["backendAddresses"]] == ["10.21.1.4", "10.21.1.5"]
        az.run("network", "application-gateway", "address-pool", "create", "-g", rg, "--gateway-name", "myAppGateway",
               "-n", "imagesBackendPool", "--servers", "10.21.1.6")
        az.run("network", "application-gateway", "frontend-port", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", "port8080", "--port", "8080")
        az.run("network", "application-gateway", "http-listener", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", "backendListener", "--frontend-port", "port8080")
        az.run("network", "application-gateway", "probe", "create", "-g", rg, "--gateway-name", "myAppGateway",
               "-n", "healthProbe", "--protocol", "Http", "--host", "127.0.0.1", "--path", "/health",
               "--interval", "15", "--timeout", "10", "--threshold", "3")
        az.run("network", "application-gateway", "url-path-map", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", "myPathMap", "--paths", "/images/*", "--address-pool", "imagesBackendPool",
               "--default-address-pool", "appGatewayBackendPool", "--default-http-settings", "appGatewayBackendHttpSettings",
               "--http-settings", "appGatewayBackendHttpSettings", "--rule-name", "imagePathRule")
        az.run("network", "application-gateway", "rule", "create", "-g", rg, "--gateway-name", "myAppGateway",
               "-n", "rule2", "--http-listener", "backendListener", "--rule-type", "PathBasedRouting",
               "--url-path-map", "myPathMap", "--address-pool", "appGatewayBackendPool", "--priority", "200")
        err = az.fails("network", "application-gateway", "rule", "create", "-g", rg, "--gateway-name", "myAppGateway",
                       "-n", "rule3", "--http-listener", "backendListener", "--address-pool", "imagesBackendPool",
                       "--priority", "300")
        assert "ApplicationGatewayHttpListenerUsedByMultipleRequestRoutingRules" in err.stderr
        err = az.fails("network", "application-gateway", "rule", "create", "-g", rg, "--gateway-name", "myAppGateway",
                       "-n", "rule4", "--http-listener", "nope", "--address-pool", "imagesBackendPool",
                       "--priority", "400")
        assert "InvalidResourceReference" in err.stderr
        # HTTPS listener with a certificate, and HTTP -> HTTPS redirect
        pfx = tmp_path / "appgwcert.pfx"
        import base64

        pfx.write_bytes(base64.b64decode(pfx_b64("Azure123456!")))
        az.run("network", "application-gateway", "ssl-cert", "create", "-g", rg, "--gateway-name", "myAppGateway",
               "-n", "appgwcert", "--cert-file", str(pfx), "--cert-password", "Azure123456!")
        certs = az.json("network", "application-gateway", "ssl-cert", "list", "-g", rg, "--gateway-name", "myAppGateway")
        assert certs[0]["publicCertData"] and "password" not in certs[0] and "data" not in certs[0]
        az.run("network", "application-gateway", "frontend-port", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", "httpsPort", "--port", "443")
        az.run("network", "application-gateway", "http-listener", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", "httpsListener", "--frontend-port", "httpsPort", "--ssl-cert", "appgwcert")
        az.run("network", "application-gateway", "redirect-config", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", "httpToHttps", "--type", "Permanent", "--target-listener", "httpsListener",
               "--include-path", "true", "--include-query-string", "true")
        az.run("network", "application-gateway", "rule", "create", "-g", rg, "--gateway-name", "myAppGateway",
               "-n", "httpsRule", "--http-listener", "httpsListener", "--address-pool", "appGatewayBackendPool",
               "--priority", "50")
        redirect = az.json("network", "application-gateway", "redirect-config", "show", "-g", rg, "--gateway-name",
                           "myAppGateway", "-n", "httpToHttps")
        assert redirect["targetListener"]["id"].endswith("/httpListeners/httpsListener")
        # rewrite rules
        az.run("network", "application-gateway", "rewrite-rule", "set", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", "rewriteSet")
        az.run("network", "application-gateway", "rewrite-rule", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "--rule-set-name", "rewriteSet", "-n", "addHeader", "--sequence", "100",
               "--request-headers", "X-Test=on")
        az.run("network", "application-gateway", "rewrite-rule", "condition", "create", "-g", rg, "--gateway-name",
               "myAppGateway", "--rule-set-name", "rewriteSet", "--rule-name", "addHeader",
               "--variable", "http_req_User-Agent", "--pattern", "curl.*", "--ignore-case", "true")
        rules = az.json("network", "application-gateway", "rewrite-rule", "list", "-g", rg, "--gateway-name",
                        "myAppGateway", "--rule-set-name", "rewriteSet")
        assert rules[0]["conditions"][0]["variable"] == "http_req_User-Agent"
        err = az.fails("network", "application-gateway", "rewrite-rule", "condition", "create", "-g", rg,
                       "--gateway-name", "myAppGateway", "--rule-set-name", "rewriteSet", "--rule-name", "addHeader",
                       "--variable", "var_not_a_variable", "--pattern", "x")
        assert "ApplicationGatewayRewriteRuleConditionInvalidVariable" in err.stderr
        # stop / start / backend health
        az.run("network", "application-gateway", "stop", "-g", rg, "-n", "myAppGateway")
        assert az.json("network", "application-gateway", "show", "-g", rg, "-n", "myAppGateway")["operationalState"] == "Stopped"
        az.run("network", "application-gateway", "start", "-g", rg, "-n", "myAppGateway")
        health = az.json("network", "application-gateway", "show-backend-health", "-g", rg, "-n", "myAppGateway")
        servers = [s for p in health["backendAddressPools"] for c in p["backendHttpSettingsCollection"]
                   for s in c["servers"]]
        assert servers and {s["health"] for s in servers} == {"Unknown"}
        # catalogues
        assert "AppGwSslPolicy20220101" in az.run("network", "application-gateway", "ssl-policy", "list-options",
                                                  "-o", "json").stdout
        rule_sets = az.json("network", "application-gateway", "waf-config", "list-rule-sets")
        assert {(r["ruleSetType"], r["ruleSetVersion"]) for r in rule_sets} >= {("OWASP", "3.2")}
        az.run("network", "application-gateway", "delete", "-g", rg, "-n", "myAppGateway")
        assert az.json("network", "application-gateway", "list", "-g", rg) == []


def test_waf_policy_commands(az):  # type: ignore[no-untyped-def]
    """"Create Web Application Firewall policies for Application Gateway" with the CLI."""
    with az.group("rg-waf-") as rg:
        pol = az.json("network", "application-gateway", "waf-policy", "create", "-g", rg, "-n", "myWafPolicy")
        assert pol["managedRules"]["managedRuleSets"][0]["ruleSetType"] == "Microsoft_DefaultRuleSet"
        az.run("network", "application-gateway", "waf-policy", "policy-setting", "update", "-g", rg,
               "--policy-name", "myWafPolicy", "--mode", "Prevention", "--state", "Enabled",
               "--request-body-check", "true", "--max-request-body-size-in-kb", "128", "--file-upload-limit-in-mb", "100")
        az.run("network", "application-gateway", "waf-policy", "custom-rule", "create", "-g", rg, "--policy-name",
               "myWafPolicy", "-n", "blockIp", "--priority", "10", "--rule-type", "MatchRule", "--action", "Block")
        az.run("network", "application-gateway", "waf-policy", "custom-rule", "match-condition", "add", "-g", rg,
               "--policy-name", "myWafPolicy", "--name", "blockIp", "--match-variables", "RemoteAddr",
               "--operator", "IPMatch", "--values", "10.0.0.0/24", "203.0.113.7")
        err = az.fails("network", "application-gateway", "waf-policy", "custom-rule", "match-condition", "add",
                       "-g", rg, "--policy-name", "myWafPolicy", "--name", "blockIp", "--match-variables",
                       "RemoteAddr", "--operator", "IPMatch", "--values", "999.1.1.1")
        assert "WafCustomRuleInvalidIpAddress" in err.stderr
        az.run("network", "application-gateway", "waf-policy", "managed-rule", "rule-set", "update", "-g", rg,
               "--policy-name", "myWafPolicy", "--type", "Microsoft_DefaultRuleSet", "--version", "2.1",
               "--group-name", "SQLI", "--rule", "rule-id=942100")
        az.run("network", "application-gateway", "waf-policy", "managed-rule", "exclusion", "add", "-g", rg,
               "--policy-name", "myWafPolicy", "--match-variable", "RequestHeaderNames", "--selector-match-operator",
               "StartsWith", "--selector", "x-token")
        shown = az.json("network", "application-gateway", "waf-policy", "show", "-g", rg, "-n", "myWafPolicy")
        assert shown["policySettings"]["mode"] == "Prevention"
        assert shown["customRules"][0]["matchConditions"][0]["matchValues"] == ["10.0.0.0/24", "203.0.113.7"]
        overrides = shown["managedRules"]["managedRuleSets"][0]["ruleGroupOverrides"]
        assert overrides[0]["rules"][0]["ruleId"] == "942100"
        assert shown["managedRules"]["exclusions"][0]["selector"] == "x-token"
        err = az.fails("network", "application-gateway", "waf-policy", "managed-rule", "rule-set", "update", "-g", rg,
                       "--policy-name", "myWafPolicy", "--type", "Microsoft_DefaultRuleSet", "--version", "2.1",
                       "--group-name", "SQLI", "--rule", "rule-id=1234")
        assert "ApplicationGatewayFirewallRuleNotFound" in err.stderr
        az.run("network", "application-gateway", "waf-policy", "delete", "-g", rg, "-n", "myWafPolicy")
        assert az.json("network", "application-gateway", "waf-policy", "list", "-g", rg) == []


def test_create_quickstart(az):  # type: ignore[no-untyped-def]
    """"Quickstart: Direct web traffic with Azure Application Gateway - Azure CLI": the create command deploys a
    template (after listing the group's resources), with a WAF_v2 variant that makes its WAF policy."""
    ensure_vnet_types()
    with az.group("rg-agwq-") as rg:
        _setup(az, rg)
        gw = az.json("network", "application-gateway", "create", "-g", rg, "-n", "myAppGateway", "-l", "westeurope",
                     "--sku", "Standard_v2", "--public-ip-address", "myAGPublicIPAddress", "--vnet-name", "myVNet",
                     "--subnet", "myAGSubnet", "--capacity", "2", "--http-settings-cookie-based-affinity", "Disabled",
                     "--frontend-port", "80", "--http-settings-port", "80", "--http-settings-protocol", "Http",
                     "--priority", "100", "--servers", "10.21.1.4", "10.21.1.5")
        made = gw["applicationGateway"]
        assert made["provisioningState"] == "Succeeded" and made["sku"]["capacity"] == 2
        assert made["requestRoutingRules"][0]["properties"]["priority"] == 100
        pool = made["backendAddressPools"][0]["properties"]
        assert [a["ipAddress"] for a in pool["backendAddresses"]] == ["10.21.1.4", "10.21.1.5"]
        # without --priority the v2 rule is refused as Azure refuses it
        az.run("network", "public-ip", "create", "-g", rg, "-n", "pip2", "--allocation-method", "Static",
               "--sku", "Standard")
        err = az.fails("network", "application-gateway", "create", "-g", rg, "-n", "noPriority", "-l", "westeurope",
                       "--sku", "Standard_v2", "--public-ip-address", "pip2", "--vnet-name", "myVNet",
                       "--subnet", "myAGSubnet", "--servers", "10.21.1.4")
        assert "ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty" in err.stderr
        # a WAF_v2 gateway with a WAF policy, as the WAF quickstart makes it
        az.run("network", "application-gateway", "waf-policy", "create", "-g", rg, "-n", "myWafPolicy")
        az.run("network", "public-ip", "create", "-g", rg, "-n", "pip3", "--allocation-method", "Static",
               "--sku", "Standard")
        waf = az.json("network", "application-gateway", "create", "-g", rg, "-n", "myWafGateway", "-l", "westeurope",
                      "--sku", "WAF_v2", "--public-ip-address", "pip3", "--vnet-name", "myVNet", "--subnet",
                      "myAGSubnet", "--capacity", "2", "--priority", "100", "--waf-policy", "myWafPolicy",
                      "--servers", "10.21.1.6")["applicationGateway"]
        assert waf["firewallPolicy"]["id"].endswith("/myWafPolicy")
        pol = az.json("network", "application-gateway", "waf-policy", "show", "-g", rg, "-n", "myWafPolicy")
        assert [g["id"].rsplit("/", 1)[1] for g in pol["applicationGateways"]] == ["myWafGateway"]
