"""Quickstart-style ARM templates deployed through the SDK: an Azure Firewall with
a firewall policy, IP groups and rule collection groups (as Azure's
"azurefirewall-create-with-firewallpolicy-apprule-netrule-ipgroups" quickstart
writes it), and an Azure Bastion host with its VNet, NSG and public IP (as the
"azure-bastion" quickstart writes it)."""

from __future__ import annotations

import pytest

from aznet.deployments.engine import parse_template_text

FIREWALL_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "firewallName": { "type": "string", "defaultValue": "[concat('fw', uniqueString(resourceGroup().id))]" },
    "numberOfPublicIPAddresses": { "type": "int", "defaultValue": 2, "minValue": 1, "maxValue": 100 }
  },
  "variables": {
    "vnetName": "[concat('vnet', uniqueString(resourceGroup().id))]",
    "azfwSubnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnetName'), 'AzureFirewallSubnet')]",
    "firewallPolicyName": "[concat(parameters('firewallName'), '-firewallPolicy')]",
    "azureFirewallPublicIpId": "[resourceId('Microsoft.Network/publicIPAddresses', concat('pip', 1))]",
    "copy": [
      { "name": "azureFirewallIpConfigurations", "count": "[parameters('numberOfPublicIPAddresses')]",
        "input": {
          "name": "[concat('IpConf', copyIndex('azureFirewallIpConfigurations'))]",
          "properties": {
            "subnet": "[if(equals(copyIndex('azureFirewallIpConfigurations'), 0), json(format('{{\"id\": \"{0}\"}}', variables('azfwSubnetId'))), json('null'))]",
            "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', concat('pip', add(copyIndex('azureFirewallIpConfigurations'), 1)))]" }
          } } }
    ]
  },
  "resources": [
    { "type": "Microsoft.Network/ipGroups", "apiVersion": "2022-01-01", "name": "workloadIpGroup",
      "location": "[parameters('location')]",
      "properties": { "ipAddresses": [ "10.20.0.0/24", "10.30.0.0/24" ] } },
    { "type": "Microsoft.Network/ipGroups", "apiVersion": "2022-01-01", "name": "infraIpGroup",
      "location": "[parameters('location')]",
      "properties": { "ipAddresses": [ "10.40.0.0/24", "10.50.0.0/24" ] } },
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2022-01-01", "name": "[variables('vnetName')]",
      "location": "[parameters('location')]",
      "properties": {
        "addressSpace": { "addressPrefixes": [ "10.10.0.0/24" ] },
        "subnets": [ { "name": "AzureFirewallSubnet", "properties": { "addressPrefix": "10.10.0.0/25" } } ]
      } },
    { "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2022-01-01",
      "name": "[concat('pip', copyIndex(1))]", "location": "[parameters('location')]",
      "sku": { "name": "Standard" },
      "copy": { "name": "publicIpCopy", "count": "[parameters('numberOfPublicIPAddresses')]" },
      "properties": { "publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4" } },
    { "type": "Microsoft.Network/firewallPolicies", "apiVersion": "2022-01-01",
      "name": "[variables('firewallPolicyName')]", "location": "[parameters('location')]",
      "properties": { "threatIntelMode": "Alert" } },
    { "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": "2022-01-01",
      "name": "[concat(variables('firewallPolicyName'), '/DefaultNetworkRuleCollectionGroup')]",
      "dependsOn": [
        "[resourceId('Microsoft.Network/ipGroups', 'workloadIpGroup')]",
        "[resourceId('Microsoft.Network/ipGroups', 'infraIpGroup')]",
        "[resourceId('Microsoft.Network/firewallPolicies', variables('firewallPolicyName'))]"
      ],
      "properties": {
        "priority": 200,
        "ruleCollections": [ {
          "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "action": { "type": "Allow" },
          "name": "azure-global-services-nrc", "priority": 1250,
          "rules": [ {
            "ruleType": "NetworkRule", "name": "time-windows", "ipProtocols": [ "UDP" ],
            "destinationAddresses": [ "13.86.101.172" ],
            "sourceIpGroups": [ "[resourceId('Microsoft.Network/ipGroups', 'workloadIpGroup')]",
                                "[resourceId('Microsoft.Network/ipGroups', 'infraIpGroup')]" ],
            "destinationPorts": [ "123" ]
          } ]
        } ]
      } },
    { "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": "2022-01-01",
      "name": "[concat(variables('firewallPolicyName'), '/DefaultApplicationRuleCollectionGroup')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/firewallPolicies/ruleCollectionGroups', variables('firewallPolicyName'), 'DefaultNetworkRuleCollectionGroup')]" ],
      "properties": {
        "priority": 300,
        "ruleCollections": [ {
          "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "global-rule-url-arc",
          "priority": 1000, "action": { "type": "Allow" },
          "rules": [ {
            "ruleType": "ApplicationRule", "name": "winupdate-rule-01",
            "protocols": [ { "protocolType": "Https", "port": 443 }, { "protocolType": "Http", "port": 80 } ],
            "fqdnTags": [ "WindowsUpdate" ], "terminateTLS": false,
            "sourceIpGroups": [ "[resourceId('Microsoft.Network/ipGroups', 'workloadIpGroup')]" ]
          } ]
        } ]
      } },
    { "type": "Microsoft.Network/azureFirewalls", "apiVersion": "2022-01-01", "name": "[parameters('firewallName')]",
      "location": "[parameters('location')]", "zones": [ "1", "2", "3" ],
      "dependsOn": [
        "[resourceId('Microsoft.Network/virtualNetworks', variables('vnetName'))]",
        "publicIpCopy",
        "[resourceId('Microsoft.Network/firewallPolicies/ruleCollectionGroups', variables('firewallPolicyName'), 'DefaultApplicationRuleCollectionGroup')]"
      ],
      "properties": {
        "ipConfigurations": "[variables('azureFirewallIpConfigurations')]",
        "firewallPolicy": { "id": "[resourceId('Microsoft.Network/firewallPolicies', variables('firewallPolicyName'))]" }
      } }
  ],
  "outputs": {
    "firewallPrivateIp": { "type": "string",
      "value": "[reference(resourceId('Microsoft.Network/azureFirewalls', parameters('firewallName'))).ipConfigurations[0].properties.privateIPAddress]" }
  }
}
"""

BASTION_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "vnetName": { "type": "string", "defaultValue": "vnet01" },
    "vnetIpPrefix": { "type": "string", "defaultValue": "10.1.0.0/16" },
    "bastionSubnetIpPrefix": { "type": "string", "defaultValue": "10.1.1.0/26" },
    "bastionHostName": { "type": "string", "defaultValue": "bastion01" },
    "bastionHostSku": { "type": "string", "defaultValue": "Standard", "allowedValues": [ "Basic", "Standard", "Premium" ] },
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" }
  },
  "variables": {
    "publicIpAddressName": "[format('{0}-pip', parameters('bastionHostName'))]",
    "bastionSubnetName": "AzureBastionSubnet",
    "nsgName": "[format('{0}-nsg', parameters('bastionHostName'))]"
  },
  "resources": [
    { "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2022-01-01", "name": "[variables('publicIpAddressName')]",
      "location": "[parameters('location')]", "sku": { "name": "Standard" },
      "properties": { "publicIPAllocationMethod": "Static" } },
    { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2022-01-01", "name": "[variables('nsgName')]",
      "location": "[parameters('location')]",
      "properties": { "securityRules": [
        { "name": "AllowHttpsInbound", "properties": { "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "443",
          "sourceAddressPrefix": "Internet", "destinationAddressPrefix": "*", "access": "Allow", "priority": 120, "direction": "Inbound" } },
        { "name": "AllowGatewayManagerInbound", "properties": { "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "443",
          "sourceAddressPrefix": "GatewayManager", "destinationAddressPrefix": "*", "access": "Allow", "priority": 130, "direction": "Inbound" } },
        { "name": "AllowAzureLoadBalancerInbound", "properties": { "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "443",
          "sourceAddressPrefix": "AzureLoadBalancer", "destinationAddressPrefix": "*", "access": "Allow", "priority": 140, "direction": "Inbound" } },
        { "name": "AllowBastionHostCommunication", "properties": { "protocol": "*", "sourcePortRange": "*", "destinationPortRanges": [ "8080", "5701" ],
          "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork", "access": "Allow", "priority": 150, "direction": "Inbound" } },
        { "name": "DenyAllInbound", "properties": { "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
          "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Deny", "priority": 4096, "direction": "Inbound" } },
        { "name": "AllowSshRdpOutbound", "properties": { "protocol": "*", "sourcePortRange": "*", "destinationPortRanges": [ "22", "3389" ],
          "sourceAddressPrefix": "*", "destinationAddressPrefix": "VirtualNetwork", "access": "Allow", "priority": 100, "direction": "Outbound" } },
        { "name": "AllowAzureCloudOutbound", "properties": { "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "443",
          "sourceAddressPrefix": "*", "destinationAddressPrefix": "AzureCloud", "access": "Allow", "priority": 110, "direction": "Outbound" } },
        { "name": "AllowBastionCommunication", "properties": { "protocol": "*", "sourcePortRange": "*", "destinationPortRanges": [ "8080", "5701" ],
          "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork", "access": "Allow", "priority": 120, "direction": "Outbound" } },
        { "name": "AllowGetSessionInformation", "properties": { "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "80",
          "sourceAddressPrefix": "*", "destinationAddressPrefix": "Internet", "access": "Allow", "priority": 130, "direction": "Outbound" } },
        { "name": "DenyAllOutbound", "properties": { "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
          "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Deny", "priority": 4096, "direction": "Outbound" } }
      ] } },
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2022-01-01", "name": "[parameters('vnetName')]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]" ],
      "properties": {
        "addressSpace": { "addressPrefixes": [ "[parameters('vnetIpPrefix')]" ] },
        "subnets": [ { "name": "[variables('bastionSubnetName')]", "properties": {
          "addressPrefix": "[parameters('bastionSubnetIpPrefix')]",
          "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]" } } } ]
      } },
    { "type": "Microsoft.Network/bastionHosts", "apiVersion": "2022-01-01", "name": "[parameters('bastionHostName')]",
      "location": "[parameters('location')]", "sku": { "name": "[parameters('bastionHostSku')]" },
      "dependsOn": [
        "[resourceId('Microsoft.Network/publicIPAddresses', variables('publicIpAddressName'))]",
        "[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]"
      ],
      "properties": {
        "enableTunneling": "[equals(parameters('bastionHostSku'), 'Standard')]",
        "ipConfigurations": [ { "name": "IpConf", "properties": {
          "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), variables('bastionSubnetName'))]" },
          "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', variables('publicIpAddressName'))]" } } } ]
      } }
  ]
}
"""


@pytest.fixture(scope="module")
def deployments(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient

    return aznet.client(DeploymentsMgmtClient)


def deploy(deployments, rg, name, text, **params):  # type: ignore[no-untyped-def]
    return deployments.deployments.begin_create_or_update(rg, name, {"properties": {
        "mode": "Incremental", "template": parse_template_text(text),
        "parameters": {k: {"value": v} for k, v in params.items()}}}).result()


def test_firewall_policy_quickstart_template(deployments, network_client, rg):
    result = deploy(deployments, rg, "fw", FIREWALL_TEMPLATE)
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["firewallPrivateIp"]["value"] == "10.10.0.4"
    fw = next(iter(network_client.azure_firewalls.list(rg)))
    assert len(fw.ip_configurations) == 2 and fw.ip_configurations[1].subnet is None
    assert sorted(fw.zones) == ["1", "2", "3"]
    pol = network_client.firewall_policies.get(rg, fw.firewall_policy.id.rsplit("/", 1)[-1])
    assert sorted(g.id.rsplit("/", 1)[-1] for g in pol.rule_collection_groups) == \
        ["DefaultApplicationRuleCollectionGroup", "DefaultNetworkRuleCollectionGroup"]
    assert [f.id.lower() for f in pol.firewalls] == [fw.id.lower()]
    group = network_client.ip_groups.get(rg, "workloadIpGroup")
    assert [p.id.rsplit("/", 1)[-1] for p in group.firewall_policies] == [pol.name]


def test_firewall_template_with_a_small_subnet_fails_with_the_firewall_error(deployments, network_client, rg):
    bad = FIREWALL_TEMPLATE.replace('"addressPrefix": "10.10.0.0/25"', '"addressPrefix": "10.10.0.0/27"')
    with pytest.raises(Exception) as info:
        deploy(deployments, rg, "fw", bad)
    assert "AzureFirewallSubnetInvalid" in str(info.value)
    assert list(network_client.azure_firewalls.list(rg)) == []


def test_bastion_quickstart_template(deployments, network_client, rg):
    result = deploy(deployments, rg, "bastion", BASTION_TEMPLATE)
    assert result.properties.provisioning_state == "Succeeded"
    b = network_client.bastion_hosts.get(rg, "bastion01")
    assert b.sku.name == "Standard" and b.enable_tunneling and b.scale_units == 2
    sub = network_client.subnets.get(rg, "vnet01", "AzureBastionSubnet")
    assert sub.network_security_group.id.endswith("/bastion01-nsg")
