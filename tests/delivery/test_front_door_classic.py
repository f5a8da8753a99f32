"""Classic Front Door (Microsoft.Network/frontDoors) and Front Door WAF
policies through azure-mgmt-frontdoor: creation refused as Azure refuses it
(retired) unless the retired-SKU setting is on; the quickstart Front Door under
that setting, its rules, name availability, purge, a rules engine; WAF policy
rules and the managed rule set catalogue."""

from __future__ import annotations

import copy

import pytest
from azure.core.exceptions import HttpResponseError

from tests.network.nic_support import error_detail as fails
from tests.network.nic_support import retired_allowed

FWD = "#Microsoft.Azure.FrontDoor.Models.FrontdoorForwardingConfiguration"


@pytest.fixture(scope="module")
def fd(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.frontdoor import FrontDoorManagementClient

    return aznet.client(FrontDoorManagementClient)


def quickstart(aznet, rg: str, name: str = "contoso-frontend"):  # type: ignore[no-untyped-def]
    fid = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/frontDoors/{name}"
    return {"location": "Global", "properties": {
        "enabledState": "Enabled",
        "frontendEndpoints": [{"name": "frontendEndpoint1", "properties": {"hostName": f"{name}.azurefd.net",
                                                                           "sessionAffinityEnabledState": "Disabled"}}],
        "loadBalancingSettings": [{"name": "loadBalancingSettings1",
                                   "properties": {"sampleSize": 4, "successfulSamplesRequired": 2}}],
        "healthProbeSettings": [{"name": "healthProbeSettings1",
                                 "properties": {"path": "/", "protocol": "Http", "intervalInSeconds": 120}}],
        "backendPools": [{"name": "backendPool1", "properties": {
            "backends": [{"address": "web1.contoso.com", "backendHostHeader": "web1.contoso.com", "httpPort": 80,
                          "httpsPort": 443, "weight": 50, "priority": 1, "enabledState": "Enabled"}],
            "loadBalancingSettings": {"id": f"{fid}/loadBalancingSettings/loadBalancingSettings1"},
            "healthProbeSettings": {"id": f"{fid}/healthProbeSettings/healthProbeSettings1"}}}],
        "routingRules": [{"name": "routingRule1", "properties": {
            "frontendEndpoints": [{"id": f"{fid}/frontendEndpoints/frontendEndpoint1"}],
            "acceptedProtocols": ["Http", "Https"], "patternsToMatch": ["/*"],
            "routeConfiguration": {"@odata.type": FWD, "forwardingProtocol": "MatchRequest",
                                   "backendPool": {"id": f"{fid}/backendPools/backendPool1"}}}}]}}


def test_classic_front_door_refused_then_allowed(fd, aznet, rg):  # type: ignore[no-untyped-def]
    body = quickstart(aznet, rg)
    status, code, msg = fails(fd.front_doors.begin_create_or_update, rg, "contoso-frontend", body)
    assert (status, code, msg) == (400, "BadRequest",
                                   "Creation of new Frontdoors are not allowed as the resource has been deprecated.")
    with retired_allowed(aznet):
        made = fd.front_doors.begin_create_or_update(rg, "contoso-frontend", body).result()
    assert made.cname == "contoso-frontend.azurefd.net" and made.frontdoor_id
    from aznet.arm.registry import REGISTRY

    schema = aznet.platform.schema_for(REGISTRY.get("Microsoft.Network/frontDoors"))
    assert schema.unknown_fields(fd.front_doors.get(rg, "contoso-frontend").as_dict()) == []
    fid = made.id
    assert made.routing_rules[0].id == f"{fid}/routingRules/routingRule1"
    # an existing classic Front Door keeps working: update, GET frontend endpoints, purge
    body["properties"]["backendPools"][0]["properties"]["backends"][0]["weight"] = 60
    updated = fd.front_doors.begin_create_or_update(rg, "contoso-frontend", body).result()
    assert updated.backend_pools[0].backends[0].weight == 60
    fes = list(fd.frontend_endpoints.list_by_front_door(rg, "contoso-frontend"))
    assert [f.host_name for f in fes] == ["contoso-frontend.azurefd.net"]
    fd.endpoints.begin_purge_content(rg, "contoso-frontend", {"contentPaths": ["/*"]}).result()
    # bad references and values are refused and change nothing
    before = fd.front_doors.get(rg, "contoso-frontend").as_dict()
    for mutate in (lambda p: p["routingRules"][0]["properties"]["routeConfiguration"].update(
                       {"backendPool": {"id": f"{fid}/backendPools/missing"}}),
                   lambda p: p["backendPools"][0]["properties"]["backends"][0].update({"priority": 9}),
                   lambda p: p["healthProbeSettings"][0]["properties"].update({"intervalInSeconds": 1}),
                   lambda p: p["loadBalancingSettings"][0]["properties"].update({"successfulSamplesRequired": 9}),
                   lambda p: p["frontendEndpoints"].append({"name": "www", "properties": {"hostName": "www.contoso.com"}}),
                   lambda p: p["routingRules"][0]["properties"]["routeConfiguration"].update({"@odata.type": "#x"})):
        bad = copy.deepcopy(body)
        mutate(bad["properties"])
        assert fails(fd.front_doors.begin_create_or_update, rg, "contoso-frontend", bad)[:2] == (400, "BadRequest")
    assert fd.front_doors.get(rg, "contoso-frontend").as_dict() == before
    # rules engine, then linked from the routing rule
    engine = fd.rules_engines.begin_create_or_update(rg, "contoso-frontend", "rulesEngine1", {"properties": {"rules": [
        {"name": "addHeader", "priority": 1, "matchProcessingBehavior": "Continue",
         "matchConditions": [{"rulesEngineMatchVariable": "RequestPath", "rulesEngineOperator": "BeginsWith",
                              "rulesEngineMatchValue": ["/api/"]}],
         "action": {"responseHeaderActions": [{"headerActionType": "Overwrite", "headerName": "X-FD",
                                               "value": "1"}]}}]}}).result()
    body["properties"]["routingRules"][0]["properties"]["rulesEngine"] = {"id": engine.id}
    linked = fd.front_doors.begin_create_or_update(rg, "contoso-frontend", body).result()
    assert [e.name for e in linked.rules_engines] == ["rulesEngine1"]
    assert fails(fd.rules_engines.begin_delete, rg, "contoso-frontend", "rulesEngine1")[0] == 400
    # name availability
    taken = fd.front_door_name_availability.check({"name": "contoso-frontend", "type": "Microsoft.Network/frontDoors"})
    assert taken.name_availability == "Unavailable"
    free = fd.front_door_name_availability.check({"name": "another-frontend", "type": "Microsoft.Network/frontDoors"})
    assert free.name_availability == "Available"
    v = fd.front_doors.validate_custom_domain(rg, "contoso-frontend", {"hostName": "www.contoso.com"})
    assert v.custom_domain_validated is False


def test_front_door_waf_policy(fd, rg):  # type: ignore[no-untyped-def]
    good = {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}, "properties": {
        "policySettings": {"enabledState": "Enabled", "mode": "Prevention", "redirectUrl": "https://www.contoso.com/blocked",
                           "customBlockResponseStatusCode": 403},
        "customRules": {"rules": [
            {"name": "RateLimit", "priority": 1, "ruleType": "RateLimitRule", "rateLimitDurationInMinutes": 1,
             "rateLimitThreshold": 100, "action": "Block",
             "matchConditions": [{"matchVariable": "RequestUri", "operator": "Contains", "matchValue": ["/login"]}]},
            {"name": "GeoBlock", "priority": 2, "ruleType": "MatchRule", "action": "Redirect",
             "matchConditions": [{"matchVariable": "RemoteAddr", "operator": "GeoMatch", "negateCondition": True,
                                  "matchValue": ["US", "DE"]}]}]},
        "managedRules": {"managedRuleSets": [
            {"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1", "ruleSetAction": "Block",
             "ruleGroupOverrides": [{"ruleGroupName": "SQLI", "rules": [{"ruleId": "942100", "enabledState": "Disabled",
                                                                          "action": "Log"}]}]},
            {"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.1"}]}}}
    made = fd.policies.begin_create_or_update(rg, "contosoWaf", good).result()
    assert made.sku.name == "Premium_AzureFrontDoor" and len(made.custom_rules.rules) == 2
    before = fd.policies.get(rg, "contosoWaf").as_dict()
    cases = [
        lambda b: b["properties"]["customRules"]["rules"][0].update({"rateLimitDurationInMinutes": 3}),
        lambda b: b["properties"]["customRules"]["rules"][0].update({"rateLimitThreshold": 5}),
        lambda b: b["properties"]["customRules"]["rules"][1].update({"priority": 1}),
        lambda b: b["properties"]["customRules"]["rules"][1]["matchConditions"][0].update({"matchValue": ["XX1"]}),
        lambda b: b["properties"]["customRules"]["rules"][0]["matchConditions"][0].update({"operator": "IPMatch"}),
        lambda b: b["properties"]["policySettings"].pop("redirectUrl"),
        lambda b: b["properties"]["policySettings"].update({"customBlockResponseStatusCode": 500}),
        lambda b: b["properties"]["managedRules"]["managedRuleSets"][0].update({"ruleSetVersion": "9.9"}),
        lambda b: b["properties"]["managedRules"]["managedRuleSets"][0]["ruleGroupOverrides"][0].update(
            {"ruleGroupName": "NOPE"}),
        lambda b: b.update({"sku": {"name": "Standard_AzureFrontDoor"}}),
    ]
    for i, mutate in enumerate(cases):
        bad = copy.deepcopy(good)
        mutate(bad)
        assert fails(fd.policies.begin_create_or_update, rg, "contosoWaf", bad)[0] == 400, i
    assert fd.policies.get(rg, "contosoWaf").as_dict() == before
    std = copy.deepcopy(good)
    std["sku"] = {"name": "Standard_AzureFrontDoor"}
    assert "Premium" in fails(fd.policies.begin_create_or_update, rg, "stdWaf", std)[2]
    sets = list(fd.managed_rule_sets.list())
    assert {(s.rule_set_type, s.rule_set_version) for s in sets} >= {("Microsoft_DefaultRuleSet", "2.1"),
                                                                     ("Microsoft_BotManagerRuleSet", "1.1")}
    assert fails(fd.policies.begin_create_or_update, rg, "bad-name", good)[0] == 400


def test_classic_front_door_template(fd, aznet, deployments, rg):  # type: ignore[no-untyped-def]
    """The classic Front Door quickstart template (front-door-create-basic): refused in a deployment with the
    retirement error as the inner error; deployed under the retired-SKU setting."""

    body = quickstart(aznet, rg, "[parameters('frontDoorName')]")
    fd_ref = "[resourceId('Microsoft.Network/frontDoors', parameters('frontDoorName'))]"
    props = body["properties"]
    props["frontendEndpoints"][0]["properties"]["hostName"] = "[concat(parameters('frontDoorName'), '.azurefd.net')]"
    props["backendPools"][0]["properties"]["loadBalancingSettings"]["id"] = \
        f"[concat({fd_ref[1:-1]}, '/loadBalancingSettings/loadBalancingSettings1')]"
    props["backendPools"][0]["properties"]["healthProbeSettings"]["id"] = \
        f"[concat({fd_ref[1:-1]}, '/healthProbeSettings/healthProbeSettings1')]"
    props["routingRules"][0]["properties"]["frontendEndpoints"][0]["id"] = \
        f"[concat({fd_ref[1:-1]}, '/frontendEndpoints/frontendEndpoint1')]"
    props["routingRules"][0]["properties"]["routeConfiguration"]["backendPool"]["id"] = \
        f"[concat({fd_ref[1:-1]}, '/backendPools/backendPool1')]"
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "parameters": {"frontDoorName": {"type": "string", "defaultValue": "contoso-classic-fd"}},
                "resources": [{"type": "Microsoft.Network/frontDoors", "apiVersion": "2020-05-01",
                               "name": "[parameters('frontDoorName')]", **body}],
                "outputs": {"cname": {"type": "string", "value": f"[reference({fd_ref[1:-1]}).cname]"}}}
    with pytest.raises(HttpResponseError) as info:
        deployments.deployments.begin_create_or_update(rg, "classic", {"properties": {
            "mode": "Incremental", "template": template}}).result()
    assert "Creation of new Frontdoors are not allowed as the resource has been deprecated." in str(info.value)
    with retired_allowed(aznet):
        done = deployments.deployments.begin_create_or_update(rg, "classic2", {"properties": {
            "mode": "Incremental", "template": template}}).result()
    assert done.properties.outputs["cname"]["value"] == "contoso-classic-fd.azurefd.net"
    assert fd.front_doors.get(rg, "contoso-classic-fd").backend_pools[0].backends[0].address == "web1.contoso.com"
