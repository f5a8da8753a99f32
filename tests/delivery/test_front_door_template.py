"""The Front Door Standard/Premium quickstart template as Azure's quickstart
repository writes it (front-door-standard-premium with a WAF policy and
security policy), deployed through the SDK; outputs carry the endpoint host
name; a broken variant fails with the inner error."""

from __future__ import annotations

import copy
import json

import pytest

TEMPLATE = json.loads(r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "endpointName": {"type": "string", "defaultValue": "[concat('afd-', uniqueString(resourceGroup().id))]"},
    "skuName": {"type": "string", "defaultValue": "Premium_AzureFrontDoor",
                "allowedValues": ["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"]},
    "originHostName": {"type": "string", "defaultValue": "app.contoso.com"},
    "wafMode": {"type": "string", "defaultValue": "Prevention", "allowedValues": ["Detection", "Prevention"]}
  },
  "variables": {
    "profileName": "MyFrontDoor",
    "originGroupName": "MyOriginGroup",
    "originName": "MyAppServiceOrigin",
    "routeName": "MyRoute",
    "wafPolicyName": "WafPolicy",
    "securityPolicyName": "SecurityPolicy"
  },
  "resources": [
    {"type": "Microsoft.Cdn/profiles", "apiVersion": "2021-06-01", "name": "[variables('profileName')]",
     "location": "global", "sku": {"name": "[parameters('skuName')]"}},
    {"type": "Microsoft.Cdn/profiles/afdEndpoints", "apiVersion": "2021-06-01",
     "name": "[format('{0}/{1}', variables('profileName'), parameters('endpointName'))]", "location": "global",
     "properties": {"enabledState": "Enabled"},
     "dependsOn": ["[resourceId('Microsoft.Cdn/profiles', variables('profileName'))]"]},
    {"type": "Microsoft.Cdn/profiles/originGroups", "apiVersion": "2021-06-01",
     "name": "[format('{0}/{1}', variables('profileName'), variables('originGroupName'))]",
     "properties": {"loadBalancingSettings": {"sampleSize": 4, "successfulSamplesRequired": 3},
                    "healthProbeSettings": {"probePath": "/", "probeRequestType": "HEAD", "probeProtocol": "Http",
                                            "probeIntervalInSeconds": 100}},
     "dependsOn": ["[resourceId('Microsoft.Cdn/profiles', variables('profileName'))]"]},
    {"type": "Microsoft.Cdn/profiles/originGroups/origins", "apiVersion": "2021-06-01",
     "name": "[format('{0}/{1}/{2}', variables('profileName'), variables('originGroupName'), variables('originName'))]",
     "properties": {"hostName": "[parameters('originHostName')]", "httpPort": 80, "httpsPort": 443,
                    "originHostHeader": "[parameters('originHostName')]", "priority": 1, "weight": 1000},
     "dependsOn": ["[resourceId('Microsoft.Cdn/profiles/originGroups', variables('profileName'), variables('originGroupName'))]"]},
    {"type": "Microsoft.Cdn/profiles/afdEndpoints/routes", "apiVersion": "2021-06-01",
     "name": "[format('{0}/{1}/{2}', variables('profileName'), parameters('endpointName'), variables('routeName'))]",
     "properties": {"originGroup": {"id": "[resourceId('Microsoft.Cdn/profiles/originGroups', variables('profileName'), variables('originGroupName'))]"},
                    "supportedProtocols": ["Http", "Https"], "patternsToMatch": ["/*"],
                    "forwardingProtocol": "HttpsOnly", "linkToDefaultDomain": "Enabled", "httpsRedirect": "Enabled"},
     "dependsOn": ["[resourceId('Microsoft.Cdn/profiles/afdEndpoints', variables('profileName'), parameters('endpointName'))]",
                   "[resourceId('Microsoft.Cdn/profiles/originGroups/origins', variables('profileName'), variables('originGroupName'), variables('originName'))]"]},
    {"type": "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies", "apiVersion": "2022-05-01",
     "name": "[variables('wafPolicyName')]", "location": "global", "sku": {"name": "[parameters('skuName')]"},
     "properties": {"policySettings": {"enabledState": "Enabled", "mode": "[parameters('wafMode')]"},
                    "managedRules": {"managedRuleSets": [
                      {"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1", "ruleSetAction": "Block"},
                      {"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.0"}]}}},
    {"type": "Microsoft.Cdn/profiles/securityPolicies", "apiVersion": "2021-06-01",
     "name": "[format('{0}/{1}', variables('profileName'), variables('securityPolicyName'))]",
     "properties": {"parameters": {"type": "WebApplicationFirewall",
                                   "wafPolicy": {"id": "[resourceId('Microsoft.Network/FrontDoorWebApplicationFirewallPolicies', variables('wafPolicyName'))]"},
                                   "associations": [{"domains": [{"id": "[resourceId('Microsoft.Cdn/profiles/afdEndpoints', variables('profileName'), parameters('endpointName'))]"}],
                                                     "patternsToMatch": ["/*"]}]}},
     "dependsOn": ["[resourceId('Microsoft.Cdn/profiles/afdEndpoints', variables('profileName'), parameters('endpointName'))]",
                   "[resourceId('Microsoft.Network/FrontDoorWebApplicationFirewallPolicies', variables('wafPolicyName'))]"]}
  ],
  "outputs": {
    "frontDoorEndpointHostName": {"type": "string",
      "value": "[reference(resourceId('Microsoft.Cdn/profiles/afdEndpoints', variables('profileName'), parameters('endpointName')), '2021-06-01').hostName]"}
  }
}
""")


def test_front_door_quickstart_template(deployments, cdn, rg):  # type: ignore[no-untyped-def]
    result = deployments.deployments.begin_create_or_update(rg, "afd", {"properties": {
        "mode": "Incremental", "template": TEMPLATE}}).result()
    assert result.properties.provisioning_state == "Succeeded"
    host = result.properties.outputs["frontDoorEndpointHostName"]["value"]
    assert host.endswith(".z01.azurefd.net") and host.startswith("afd-")
    eps = list(cdn.afd_endpoints.list_by_profile(rg, "MyFrontDoor"))
    assert [e.host_name for e in eps] == [host]
    route = cdn.routes.get(rg, "MyFrontDoor", eps[0].name, "MyRoute")
    assert route.forwarding_protocol == "HttpsOnly" and route.https_redirect == "Enabled"
    sp = cdn.security_policies.get(rg, "MyFrontDoor", "SecurityPolicy")
    assert sp.parameters.waf_policy.id.endswith("/WafPolicy")


def test_standard_sku_with_managed_rules_fails(deployments, cdn, rg):  # type: ignore[no-untyped-def]
    from azure.core.exceptions import HttpResponseError

    broken = copy.deepcopy(TEMPLATE)
    broken["parameters"]["skuName"]["defaultValue"] = "Standard_AzureFrontDoor"
    with pytest.raises(HttpResponseError) as info:
        deployments.deployments.begin_create_or_update(rg, "afd-std", {"properties": {
            "mode": "Incremental", "template": broken}}).result()
    assert "Premium" in str(info.value)
    assert list(cdn.security_policies.list_by_profile(rg, "MyFrontDoor")) == []
