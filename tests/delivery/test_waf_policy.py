"""Application Gateway WAF policies through the SDK: managed rule sets with
overrides and exclusions checked against the catalogue, custom rules (match
and rate limit), links from a WAF_v2 gateway, listener and path rule with
back-references, and delete in use."""

from __future__ import annotations

import copy

import pytest

from tests.network.nic_support import LOC, error_of, rid

from .appgw_support import gateway_body, gw_id, network


def policy_body(**extra):  # type: ignore[no-untyped-def]
    body = {"location": LOC, "properties": {
        "policySettings": {"state": "Enabled", "mode": "Prevention", "requestBodyCheck": True,
                           "maxRequestBodySizeInKb": 128, "fileUploadLimitInMb": 100},
        "managedRules": {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2", "ruleGroupOverrides": [
            {"ruleGroupName": "REQUEST-942-APPLICATION-ATTACK-SQLI",
             "rules": [{"ruleId": "942100", "state": "Disabled"}]}]}],
            "exclusions": [{"matchVariable": "RequestHeaderNames", "selectorMatchOperator": "Equals",
                            "selector": "x-ms-token"}]},
        "customRules": [
            {"name": "blockEvilBot", "priority": 2, "ruleType": "MatchRule", "action": "Block",
             "matchConditions": [{"matchVariables": [{"variableName": "RequestHeaders", "selector": "User-Agent"}],
                                  "operator": "Contains", "matchValues": ["evilbot"], "transforms": ["Lowercase"]}]},
            {"name": "rateLimit", "priority": 3, "ruleType": "RateLimitRule", "rateLimitDuration": "OneMin",
             "rateLimitThreshold": 100, "action": "Block",
             "groupByUserSession": [{"groupByVariables": [{"variableName": "ClientAddr"}]}],
             "matchConditions": [{"matchVariables": [{"variableName": "RemoteAddr"}], "operator": "IPMatch",
                                  "negationConditon": True, "matchValues": ["10.0.0.0/8", "192.168.1.1"]}]},
        ]}}
    body["properties"].update(extra)
    return body


def test_policy_rules_and_bad_input(network_client, rg):  # type: ignore[no-untyped-def]
    pols = network_client.web_application_firewall_policies
    good = policy_body()
    made = pols.create_or_update(rg, "wafpolicy", good)
    assert made.managed_rules.managed_rule_sets[0].rule_group_overrides[0].rules[0].state == "Disabled"
    assert [r.name for r in made.custom_rules] == ["blockEvilBot", "rateLimit"]
    assert made.policy_settings.mode == "Prevention"
    before = pols.get(rg, "wafpolicy").as_dict()
    bad_cases = []

    def case(code, mutate):  # type: ignore[no-untyped-def]
        b = copy.deepcopy(good)
        mutate(b["properties"])
        bad_cases.append((b, code))

    case("ApplicationGatewayFirewallRuleSetNotSupported",
         lambda p: p["managedRules"]["managedRuleSets"][0].update({"ruleSetVersion": "9.9"}))
    case("ApplicationGatewayFirewallRuleGroupNotFound",
         lambda p: p["managedRules"]["managedRuleSets"][0]["ruleGroupOverrides"][0].update({"ruleGroupName": "NOPE"}))
    case("ApplicationGatewayFirewallRuleNotFound",
         lambda p: p["managedRules"]["managedRuleSets"][0]["ruleGroupOverrides"][0]["rules"][0].update({"ruleId": "1"}))
    case("ApplicationGatewayWafPolicyManagedRulesMustBeSpecified", lambda p: p.pop("managedRules"))
    case("WafCustomRuleDuplicatePriority", lambda p: p["customRules"][1].update({"priority": 2}))
    case("WafCustomRuleInvalidIpAddress",
         lambda p: p["customRules"][1]["matchConditions"][0].update({"matchValues": ["10.0.0.300"]}))
    case("ApplicationGatewayWafPolicyIPMatchRequiresRemoteAddr",
         lambda p: p["customRules"][0]["matchConditions"][0].update({"operator": "IPMatch", "matchValues": ["1.2.3.4"]}))
    case("WafCustomRuleInvalidRegex",
         lambda p: p["customRules"][0]["matchConditions"][0].update({"operator": "Regex", "matchValues": ["(["]}))
    case("WafCustomRuleInvalidCountryCode",
         lambda p: p["customRules"][1]["matchConditions"][0].update({"operator": "GeoMatch", "matchValues": ["QQ"]}))
    case("ApplicationGatewayWafPolicyMatchVariableSelectorRequired",
         lambda p: p["customRules"][0]["matchConditions"][0]["matchVariables"][0].pop("selector"))
    case("ApplicationGatewayWafPolicyRateLimitRuleIncomplete", lambda p: p["customRules"][1].pop("rateLimitThreshold"))
    case("ApplicationGatewayWafPolicyInvalidCustomRulePriority", lambda p: p["customRules"][0].update({"priority": 0}))
    case("ApplicationGatewayWafPolicyInvalidCustomRuleName", lambda p: p["customRules"][0].update({"name": "bad name"}))
    case("ApplicationGatewayWafPolicySettingOutOfRange",
         lambda p: p["policySettings"].update({"fileUploadLimitInMb": 5000}))
    case("ApplicationGatewayWafPolicyInvalidCustomBlockResponseStatusCode",
         lambda p: p["policySettings"].update({"customBlockResponseStatusCode": 500}))
    case("ApplicationGatewayWafPolicyInvalidCustomBlockResponseBody",
         lambda p: p["policySettings"].update({"customBlockResponseBody": "not base64!"}))
    case("InvalidRequestFormat", lambda p: p["policySettings"].update({"mode": "Stealth"}))
    case("InvalidRequestFormat", lambda p: p["customRules"][0].update({"action": "Explode"}))
    case("InvalidRequestFormat", lambda p: p["customRules"][0]["matchConditions"][0].update({"transforms": ["Rot13"]}))
    case("ApplicationGatewayWafPolicyExclusionInvalid",
         lambda p: p["managedRules"]["exclusions"][0].pop("selector"))
    for body, code in bad_cases:
        status, got = error_of(pols.create_or_update, rg, "wafpolicy", body)
        assert (status, got) == (400, code), (code, got)
    assert pols.get(rg, "wafpolicy").as_dict() == before


@pytest.fixture
def ids(network_client, aznet, rg):  # type: ignore[no-untyped-def]
    return network(network_client, aznet, rg)


def test_policy_links_and_delete_in_use(network_client, aznet, rg, ids):  # type: ignore[no-untyped-def]
    net = network_client
    pol = net.web_application_firewall_policies.create_or_update(rg, "gwpolicy", policy_body())
    site = net.web_application_firewall_policies.create_or_update(rg, "sitepolicy", policy_body())
    body = gateway_body(aznet, rg, "wafgw", ids, sku="WAF_v2")
    body["properties"]["firewallPolicy"] = {"id": pol.id}
    body["properties"]["httpListeners"][0]["properties"]["firewallPolicy"] = {"id": site.id}
    gw = net.application_gateways.begin_create_or_update(rg, "wafgw", body).result()
    assert gw.firewall_policy.id == pol.id
    got = net.web_application_firewall_policies.get(rg, "gwpolicy")
    assert [g.id for g in got.application_gateways] == [gw_id(aznet, rg, "wafgw")]
    got_site = net.web_application_firewall_policies.get(rg, "sitepolicy")
    assert [listener.id for listener in got_site.http_listeners] == [f"{gw_id(aznet, rg, 'wafgw')}/httpListeners/myListener"]
    assert error_of(net.web_application_firewall_policies.begin_delete, rg, "gwpolicy") == \
        (400, "ApplicationGatewayFirewallPolicyInUse")
    # once associated, a gateway's policy can be replaced but not removed (Azure's WAF policy docs)
    removed = copy.deepcopy(body)
    del removed["properties"]["firewallPolicy"]
    assert error_of(net.application_gateways.begin_create_or_update, rg, "wafgw", removed) == \
        (400, "ApplicationGatewayFirewallPolicyCannotBeDisassociated")
    missing = copy.deepcopy(body)
    missing["properties"]["firewallPolicy"] = {"id": rid(aznet, rg, "ApplicationGatewayWebApplicationFirewallPolicies",
                                                         "nope")}
    assert error_of(net.application_gateways.begin_create_or_update, rg, "wafgw", missing) == \
        (400, "InvalidResourceReference")
    net.application_gateways.begin_delete(rg, "wafgw").result()
    # a Standard_v2 gateway cannot take a WAF policy; a missing policy is a bad reference
    std = gateway_body(aznet, rg, "stdgw", ids)
    std["properties"]["firewallPolicy"] = {"id": pol.id}
    assert error_of(net.application_gateways.begin_create_or_update, rg, "stdgw", std) == \
        (400, "ApplicationGatewayFirewallCannotBeEnabledForSelectedSku")
    net.web_application_firewall_policies.begin_delete(rg, "gwpolicy").result()
    assert [p.name for p in net.web_application_firewall_policies.list(rg)] == ["sitepolicy"]
