"""A quickstart-style template for Application Gateway WAF_v2 with a WAF policy,
written as Azure's quickstart templates write it (resourceId() references to
the gateway's own parts, dependsOn, copy for the pool addresses), deployed
through the SDK; then a broken variant whose failure names the inner error."""

from __future__ import annotations

import copy
import json

import pytest

TEMPLATE = json.loads(r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
    "applicationGatewayName": {"type": "string", "defaultValue": "myAppGateway"},
    "backendCount": {"type": "int", "defaultValue": 2, "minValue": 1, "maxValue": 10}
  },
  "variables": {
    "virtualNetworkName": "myVNet",
    "publicIPAddressName": "public_ip",
    "wafPolicyName": "WafPolicy01",
    "gwId": "[resourceId('Microsoft.Network/applicationGateways', parameters('applicationGatewayName'))]"
  },
  "resources": [
    {
      "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01",
      "name": "[variables('publicIPAddressName')]", "location": "[parameters('location')]",
      "sku": {"name": "Standard"},
      "properties": {"publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4}
    },
    {
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
      "name": "[variables('virtualNetworkName')]", "location": "[parameters('location')]",
      "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [
          {"name": "myAGSubnet", "properties": {"addressPrefix": "10.0.0.0/24"}},
          {"name": "myBackendSubnet", "properties": {"addressPrefix": "10.0.1.0/24"}}
        ]
      }
    },
    {
      "type": "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies", "apiVersion": "2023-09-01",
      "name": "[variables('wafPolicyName')]", "location": "[parameters('location')]",
      "properties": {
        "customRules": [{
          "name": "CustRule01", "priority": 100, "ruleType": "MatchRule", "action": "Block",
          "matchConditions": [{"matchVariables": [{"variableName": "RemoteAddr"}], "operator": "IPMatch",
                               "negationConditon": true, "matchValues": ["10.10.10.0/24"]}]
        }],
        "policySettings": {"requestBodyCheck": true, "maxRequestBodySizeInKb": 128, "fileUploadLimitInMb": 100,
                           "state": "Enabled", "mode": "Prevention"},
        "managedRules": {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]}
      }
    },
    {
      "type": "Microsoft.Network/applicationGateways", "apiVersion": "2023-09-01",
      "name": "[parameters('applicationGatewayName')]", "location": "[parameters('location')]",
      "dependsOn": [
        "[resourceId('Microsoft.Network/publicIPAddresses', variables('publicIPAddressName'))]",
        "[resourceId('Microsoft.Network/virtualNetworks', variables('virtualNetworkName'))]",
        "[resourceId('Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies', variables('wafPolicyName'))]"
      ],
      "properties": {
        "sku": {"name": "WAF_v2", "tier": "WAF_v2"},
        "autoscaleConfiguration": {"minCapacity": 0, "maxCapacity": 10},
        "gatewayIPConfigurations": [{"name": "appGatewayIpConfig", "properties": {
          "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('virtualNetworkName'), 'myAGSubnet')]"}}}],
        "frontendIPConfigurations": [{"name": "appGwPublicFrontendIp", "properties": {
          "privateIPAllocationMethod": "Dynamic",
          "publicIPAddress": {"id": "[resourceId('Microsoft.Network/publicIPAddresses', variables('publicIPAddressName'))]"}}}],
        "frontendPorts": [{"name": "port_80", "properties": {"port": 80}}],
        "backendAddressPools": [{"name": "myBackendPool", "properties": {
          "copy": [{"name": "backendAddresses", "count": "[parameters('backendCount')]",
                    "input": {"ipAddress": "[concat('10.0.1.', add(4, copyIndex('backendAddresses')))]"}}]}}],
        "backendHttpSettingsCollection": [{"name": "myHTTPSetting", "properties": {
          "port": 80, "protocol": "Http", "cookieBasedAffinity": "Disabled", "pickHostNameFromBackendAddress": false,
          "requestTimeout": 20}}],
        "httpListeners": [{"name": "myListener", "properties": {
          "firewallPolicy": {"id": "[resourceId('Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies', variables('wafPolicyName'))]"},
          "frontendIPConfiguration": {"id": "[concat(variables('gwId'), '/frontendIPConfigurations/appGwPublicFrontendIp')]"},
          "frontendPort": {"id": "[resourceId('Microsoft.Network/applicationGateways/frontendPorts', parameters('applicationGatewayName'), 'port_80')]"},
          "protocol": "Http", "requireServerNameIndication": false}}],
        "requestRoutingRules": [{"name": "myRoutingRule", "properties": {
          "ruleType": "Basic", "priority": 1,
          "httpListener": {"id": "[resourceId('Microsoft.Network/applicationGateways/httpListeners', parameters('applicationGatewayName'), 'myListener')]"},
          "backendAddressPool": {"id": "[resourceId('Microsoft.Network/applicationGateways/backendAddressPools', parameters('applicationGatewayName'), 'myBackendPool')]"},
          "backendHttpSettings": {"id": "[resourceId('Microsoft.Network/applicationGateways/backendHttpSettingsCollection', parameters('applicationGatewayName'), 'myHTTPSetting')]"}}}],
        "enableHttp2": false,
        "firewallPolicy": {"id": "[resourceId('Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies', variables('wafPolicyName'))]"}
      }
    }
  ],
  "outputs": {
    "gatewayId": {"type": "string", "value": "[variables('gwId')]"},
    "publicIp": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/publicIPAddresses', variables('publicIPAddressName'))).ipAddress]"}
  }
}
""")


def test_quickstart_template(deployments, network_client, rg):  # type: ignore[no-untyped-def]
    result = deployments.deployments.begin_create_or_update(rg, "appgw", {"properties": {
        "mode": "Incremental", "template": TEMPLATE, "parameters": {"backendCount": {"value": 3}}}}).result()
    assert result.properties.provisioning_state == "Succeeded"
    gw = network_client.application_gateways.get(rg, "myAppGateway")
    assert result.properties.outputs["gatewayId"]["value"] == gw.id
    assert [a.ip_address for a in gw.backend_address_pools[0].backend_addresses] == ["10.0.1.4", "10.0.1.5", "10.0.1.6"]
    assert gw.autoscale_configuration.max_capacity == 10 and gw.sku.tier == "WAF_v2"
    policy = network_client.web_application_firewall_policies.get(rg, "WafPolicy01")
    assert [g.id for g in policy.application_gateways] == [gw.id]
    assert [h.id for h in policy.http_listeners] == [f"{gw.id}/httpListeners/myListener"]


def test_broken_template_reports_the_inner_error(deployments, network_client, rg):  # type: ignore[no-untyped-def]
    from azure.core.exceptions import HttpResponseError

    broken = copy.deepcopy(TEMPLATE)
    gw = broken["resources"][3]["properties"]
    gw["sku"] = {"name": "Standard_v2", "tier": "Standard_v2"}          # a WAF policy on a Standard_v2 gateway
    with pytest.raises(HttpResponseError) as info:
        deployments.deployments.begin_create_or_update(rg, "broken", {"properties": {
            "mode": "Incremental", "template": broken}}).result()
    assert "ApplicationGatewayFirewallCannotBeEnabledForSelectedSku" in str(info.value)
    assert [g.name for g in network_client.application_gateways.list(rg)] == []
