"""Quickstart-style ARM templates deployed through the SDK: an Azure Firewall with
a firewall policy, IP groups and rule collection groups (as Azure's
"azurefirewall-create-with-firewallpolicy-apprule-netrule-ipgroups" quickstart
writes it), and an Azure Bastion host with its VNet, NSG and public IP (as the
"azure-bastion" quickstart writes it)."""

from __future__ import annotations

import pytest

from .template_support import deploy

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


PRIVATE_ENDPOINT_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "storageAccountName": { "type": "string", "defaultValue": "[concat('st', uniqueString(resourceGroup().id))]" },
    "keyVaultName": { "type": "string", "defaultValue": "[concat('kv-', uniqueString(resourceGroup().id))]" }
  },
  "variables": { "privateDnsZoneName": "[format('privatelink.blob.{0}', environment().suffixes.storage)]" },
  "resources": [
    { "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[parameters('storageAccountName')]",
      "location": "[parameters('location')]", "sku": { "name": "Standard_LRS" }, "kind": "StorageV2",
      "properties": { "publicNetworkAccess": "Disabled", "minimumTlsVersion": "TLS1_2" } },
    { "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "[parameters('keyVaultName')]",
      "location": "[parameters('location')]",
      "properties": { "tenantId": "[subscription().tenantId]", "sku": { "family": "A", "name": "standard" },
                      "enableRbacAuthorization": true } },
    { "type": "Microsoft.KeyVault/vaults/secrets", "apiVersion": "2023-07-01",
      "name": "[format('{0}/{1}', parameters('keyVaultName'), 'storage-name')]",
      "dependsOn": [ "[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]" ],
      "properties": { "value": "[parameters('storageAccountName')]" } },
    { "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": "app-identity",
      "location": "[parameters('location')]" },
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet",
      "location": "[parameters('location')]",
      "properties": { "addressSpace": { "addressPrefixes": [ "10.0.0.0/16" ] },
                      "subnets": [ { "name": "endpoints", "properties": { "addressPrefix": "10.0.1.0/24" } } ] } },
    { "type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-09-01", "name": "storage-pe",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]",
                     "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]" ],
      "properties": {
        "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'endpoints')]" },
        "privateLinkServiceConnections": [ { "name": "storage-blob", "properties": {
          "privateLinkServiceId": "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]",
          "groupIds": [ "blob" ] } } ] } },
    { "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "[variables('privateDnsZoneName')]",
      "location": "global" },
    { "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "apiVersion": "2020-06-01",
      "name": "[format('{0}/{1}', variables('privateDnsZoneName'), 'link')]", "location": "global",
      "dependsOn": [ "[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZoneName'))]",
                     "[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]" ],
      "properties": { "registrationEnabled": false,
                      "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]" } } },
    { "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "apiVersion": "2023-09-01",
      "name": "storage-pe/default",
      "dependsOn": [ "[resourceId('Microsoft.Network/privateEndpoints', 'storage-pe')]",
                     "[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZoneName'))]" ],
      "properties": { "privateDnsZoneConfigs": [ { "name": "blob", "properties": {
        "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZoneName'))]" } } ] } }
  ],
  "outputs": {
    "blobEndpoint": { "type": "string",
      "value": "[reference(resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))).primaryEndpoints.blob]" },
    "vaultUri": { "type": "string",
      "value": "[reference(resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))).vaultUri]" }
  }
}
"""

RESOLVER_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "dnsResolverName": { "type": "string", "defaultValue": "dnsResolver" },
    "resolverVNETName": { "type": "string", "defaultValue": "dnsresolverVNET" },
    "resolverVNETAddressSpace": { "type": "string", "defaultValue": "10.7.0.0/24" },
    "inboundSubnet": { "type": "string", "defaultValue": "snet-inbound" },
    "inboundAddressPrefix": { "type": "string", "defaultValue": "10.7.0.0/28" },
    "outboundSubnet": { "type": "string", "defaultValue": "snet-outbound" },
    "outboundAddressPrefix": { "type": "string", "defaultValue": "10.7.0.16/28" },
    "forwardingRulesetName": { "type": "string", "defaultValue": "forwardingRule" },
    "forwardingRuleName": { "type": "string", "defaultValue": "contosocom" },
    "DomainName": { "type": "string", "defaultValue": "contoso.com." },
    "targetDNS": { "type": "array", "defaultValue": [ { "ipaddress": "10.0.0.4", "port": 53 },
                                                      { "ipaddress": "10.0.0.5", "port": 53 } ] }
  },
  "resources": [
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2022-01-01", "name": "[parameters('resolverVNETName')]",
      "location": "[parameters('location')]",
      "properties": {
        "addressSpace": { "addressPrefixes": [ "[parameters('resolverVNETAddressSpace')]" ] },
        "enableDdosProtection": false, "enableVmProtection": false,
        "subnets": [
          { "name": "[parameters('inboundSubnet')]", "properties": { "addressPrefix": "[parameters('inboundAddressPrefix')]",
            "delegations": [ { "name": "Microsoft.Network.dnsResolvers", "properties": { "serviceName": "Microsoft.Network/dnsResolvers" } } ] } },
          { "name": "[parameters('outboundSubnet')]", "properties": { "addressPrefix": "[parameters('outboundAddressPrefix')]",
            "delegations": [ { "name": "Microsoft.Network.dnsResolvers", "properties": { "serviceName": "Microsoft.Network/dnsResolvers" } } ] } }
        ] } },
    { "type": "Microsoft.Network/dnsResolvers", "apiVersion": "2022-07-01", "name": "[parameters('dnsResolverName')]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualNetworks', parameters('resolverVNETName'))]" ],
      "properties": { "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', parameters('resolverVNETName'))]" } } },
    { "type": "Microsoft.Network/dnsResolvers/inboundEndpoints", "apiVersion": "2022-07-01",
      "name": "[format('{0}/{1}', parameters('dnsResolverName'), parameters('inboundSubnet'))]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/dnsResolvers', parameters('dnsResolverName'))]" ],
      "properties": { "ipConfigurations": [ { "privateIpAllocationMethod": "Dynamic",
        "subnet": { "id": "[format('{0}/subnets/{1}', resourceId('Microsoft.Network/virtualNetworks', parameters('resolverVNETName')), parameters('inboundSubnet'))]" } } ] } },
    { "type": "Microsoft.Network/dnsResolvers/outboundEndpoints", "apiVersion": "2022-07-01",
      "name": "[format('{0}/{1}', parameters('dnsResolverName'), parameters('outboundSubnet'))]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/dnsResolvers', parameters('dnsResolverName'))]" ],
      "properties": { "subnet": { "id": "[format('{0}/subnets/{1}', resourceId('Microsoft.Network/virtualNetworks', parameters('resolverVNETName')), parameters('outboundSubnet'))]" } } },
    { "type": "Microsoft.Network/dnsForwardingRulesets", "apiVersion": "2022-07-01",
      "name": "[parameters('forwardingRulesetName')]", "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/dnsResolvers/outboundEndpoints', parameters('dnsResolverName'), parameters('outboundSubnet'))]" ],
      "properties": { "dnsResolverOutboundEndpoints": [ { "id": "[resourceId('Microsoft.Network/dnsResolvers/outboundEndpoints', parameters('dnsResolverName'), parameters('outboundSubnet'))]" } ] } },
    { "type": "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks", "apiVersion": "2022-07-01",
      "name": "[format('{0}/{1}', parameters('forwardingRulesetName'), format('vnetlink-{0}', parameters('resolverVNETName')))]",
      "dependsOn": [ "[resourceId('Microsoft.Network/dnsForwardingRulesets', parameters('forwardingRulesetName'))]" ],
      "properties": { "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', parameters('resolverVNETName'))]" } } },
    { "type": "Microsoft.Network/dnsForwardingRulesets/forwardingRules", "apiVersion": "2022-07-01",
      "name": "[format('{0}/{1}', parameters('forwardingRulesetName'), parameters('forwardingRuleName'))]",
      "dependsOn": [ "[resourceId('Microsoft.Network/dnsForwardingRulesets', parameters('forwardingRulesetName'))]" ],
      "properties": { "domainName": "[parameters('DomainName')]", "targetDnsServers": "[parameters('targetDNS')]" } }
  ]
}
"""


def test_private_endpoint_storage_and_key_vault_template(deployments, network_client, rg):
    result = deploy(deployments, rg, "pe", PRIVATE_ENDPOINT_TEMPLATE)
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    outputs = result.properties.outputs
    assert outputs["blobEndpoint"]["value"].endswith(".blob.core.windows.net/")
    assert outputs["vaultUri"]["value"].endswith(".vault.azure.net/")
    pe = network_client.private_endpoints.get(rg, "storage-pe")
    conn = pe.private_link_service_connections[0]
    assert conn.private_link_service_connection_state.status == "Approved" and conn.group_ids == ["blob"]


def test_dns_private_resolver_quickstart_template(deployments, rg, aznet):
    from azure.mgmt.dnsresolver import DnsResolverManagementClient

    result = deploy(deployments, rg, "resolver", RESOLVER_TEMPLATE)
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    dr = aznet.client(DnsResolverManagementClient)
    inbound = dr.inbound_endpoints.get(rg, "dnsResolver", "snet-inbound")
    assert inbound.ip_configurations[0].private_ip_address == "10.7.0.4"
    rule = dr.forwarding_rules.get(rg, "forwardingRule", "contosocom")
    assert rule.domain_name == "contoso.com." and [t.ip_address for t in rule.target_dns_servers] == \
        ["10.0.0.4", "10.0.0.5"]


EXTENSIONS_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "storageName": { "type": "string" } },
  "resources": [
    { "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[parameters('storageName')]",
      "location": "[resourceGroup().location]", "sku": { "name": "Standard_LRS" }, "kind": "StorageV2" },
    { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "nsg",
      "location": "[resourceGroup().location]" },
    { "type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "nsg-logs",
      "scope": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]",
                     "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageName'))]" ],
      "properties": { "storageAccountId": "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageName'))]",
                      "logs": [ { "categoryGroup": "allLogs", "enabled": true } ] } },
    { "type": "Microsoft.Authorization/locks", "apiVersion": "2020-05-01", "name": "nsg-lock",
      "scope": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]",
      "dependsOn": [ "[extensionResourceId(resourceId('Microsoft.Network/networkSecurityGroups', 'nsg'), 'Microsoft.Insights/diagnosticSettings', 'nsg-logs')]" ],
      "properties": { "level": "CanNotDelete", "notes": "keep the NSG" } }
  ]
}
"""


def test_locks_and_diagnostic_settings_in_a_template(deployments, network_client, rg, aznet):
    import uuid

    from azure.core.exceptions import HttpResponseError

    result = deploy(deployments, rg, "ext", EXTENSIONS_TEMPLATE, storageName="st" + uuid.uuid4().hex[:12])
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    from aznet.resources.insights.diagnostic_settings import settings_for

    nsg_id = network_client.network_security_groups.get(rg, "nsg").id
    assert [s["name"] for s in settings_for(aznet.platform.store, nsg_id)] == ["nsg-logs"]
    with pytest.raises(HttpResponseError) as info:
        network_client.network_security_groups.begin_delete(rg, "nsg").result()
    assert info.value.error.code == "ScopeLocked"
    from azure.mgmt.resource.locks import ManagementLockClient

    locks = aznet.client(ManagementLockClient)
    found = list(locks.management_locks.list_at_resource_level(rg, "Microsoft.Network", "", "networkSecurityGroups",
                                                               "nsg"))
    assert [x.name for x in found] == ["nsg-lock"] and found[0].notes == "keep the NSG"
    locks.management_locks.delete_at_resource_level(rg, "Microsoft.Network", "", "networkSecurityGroups", "nsg",
                                                    "nsg-lock")


PAAS_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "suffix": { "type": "string", "defaultValue": "[uniqueString(resourceGroup().id)]" },
    "adminPassword": { "type": "securestring", "defaultValue": "Str0ng!Passw0rd" }
  },
  "variables": { "vnetId": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]" },
  "resources": [
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet",
      "location": "[parameters('location')]",
      "properties": { "addressSpace": { "addressPrefixes": [ "10.0.0.0/16" ] }, "subnets": [
        { "name": "sql", "properties": { "addressPrefix": "10.0.1.0/24",
          "serviceEndpoints": [ { "service": "Microsoft.Sql" }, { "service": "Microsoft.AzureCosmosDB" } ] } },
        { "name": "web", "properties": { "addressPrefix": "10.0.2.0/24", "delegations": [
          { "name": "web", "properties": { "serviceName": "Microsoft.Web/serverFarms" } } ] } },
        { "name": "aci", "properties": { "addressPrefix": "10.0.3.0/24", "delegations": [
          { "name": "aci", "properties": { "serviceName": "Microsoft.ContainerInstance/containerGroups" } } ] } },
        { "name": "default", "properties": { "addressPrefix": "10.0.4.0/24" } } ] } },
    { "type": "Microsoft.Sql/servers", "apiVersion": "2023-08-01", "name": "[concat('sql-', parameters('suffix'))]",
      "location": "[parameters('location')]",
      "properties": { "administratorLogin": "azureuser", "administratorLoginPassword": "[parameters('adminPassword')]",
                      "version": "12.0", "publicNetworkAccess": "Enabled" } },
    { "type": "Microsoft.Sql/servers/virtualNetworkRules", "apiVersion": "2023-08-01",
      "name": "[format('{0}/{1}', concat('sql-', parameters('suffix')), 'allow-sql-subnet')]",
      "dependsOn": [ "[resourceId('Microsoft.Sql/servers', concat('sql-', parameters('suffix')))]", "[variables('vnetId')]" ],
      "properties": { "virtualNetworkSubnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sql')]" } },
    { "type": "Microsoft.Web/serverfarms", "apiVersion": "2024-04-01", "name": "plan", "location": "[parameters('location')]",
      "sku": { "name": "P1v3" }, "kind": "linux", "properties": { "reserved": true } },
    { "type": "Microsoft.Web/sites", "apiVersion": "2024-04-01", "name": "[concat('app-', parameters('suffix'))]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Web/serverfarms', 'plan')]", "[variables('vnetId')]" ],
      "properties": { "serverFarmId": "[resourceId('Microsoft.Web/serverfarms', 'plan')]", "httpsOnly": true,
                      "virtualNetworkSubnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'web')]",
                      "vnetRouteAllEnabled": true } },
    { "type": "Microsoft.DocumentDB/databaseAccounts", "apiVersion": "2024-05-15", "name": "[concat('cosmos-', parameters('suffix'))]",
      "location": "[parameters('location')]", "kind": "GlobalDocumentDB", "dependsOn": [ "[variables('vnetId')]" ],
      "properties": { "databaseAccountOfferType": "Standard", "isVirtualNetworkFilterEnabled": true,
                      "locations": [ { "locationName": "[parameters('location')]", "failoverPriority": 0 } ],
                      "virtualNetworkRules": [ { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sql')]" } ] } },
    { "type": "Microsoft.ContainerInstance/containerGroups", "apiVersion": "2023-05-01", "name": "appcontainer",
      "location": "[parameters('location')]", "dependsOn": [ "[variables('vnetId')]" ],
      "properties": { "osType": "Linux", "restartPolicy": "Always",
        "subnetIds": [ { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'aci')]" } ],
        "ipAddress": { "type": "Private", "ports": [ { "port": 80, "protocol": "TCP" } ] },
        "containers": [ { "name": "app", "properties": { "image": "mcr.microsoft.com/azuredocs/aci-helloworld",
          "ports": [ { "port": 80 } ], "resources": { "requests": { "cpu": 1, "memoryInGB": 1.5 } } } } ] } },
    { "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-09-01", "name": "collector-nic",
      "location": "[parameters('location')]", "dependsOn": [ "[variables('vnetId')]" ],
      "properties": { "ipConfigurations": [ { "name": "ipconfig1", "properties": {
        "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'default')]" } } } ] } },
    { "type": "Microsoft.Network/virtualNetworkTaps", "apiVersion": "2023-09-01", "name": "tap",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/networkInterfaces', 'collector-nic')]" ],
      "properties": { "destinationNetworkInterfaceIPConfiguration": {
        "id": "[concat(resourceId('Microsoft.Network/networkInterfaces', 'collector-nic'), '/ipConfigurations/ipconfig1')]" },
        "destinationPort": 4789 } }
  ],
  "outputs": {
    "sqlFqdn": { "type": "string", "value": "[reference(resourceId('Microsoft.Sql/servers', concat('sql-', parameters('suffix')))).fullyQualifiedDomainName]" },
    "appHost": { "type": "string", "value": "[reference(resourceId('Microsoft.Web/sites', concat('app-', parameters('suffix')))).defaultHostName]" },
    "containerIp": { "type": "string", "value": "[reference(resourceId('Microsoft.ContainerInstance/containerGroups', 'appcontainer')).ipAddress.ip]" }
  }
}
"""


def test_private_link_targets_and_tap_template(deployments, network_client, rg):
    result = deploy(deployments, rg, "paas", PAAS_TEMPLATE)
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    outputs = result.properties.outputs
    assert outputs["sqlFqdn"]["value"].endswith(".database.windows.net")
    assert outputs["appHost"]["value"].endswith(".azurewebsites.net")
    assert outputs["containerIp"]["value"] == "10.0.3.4"
    assert network_client.virtual_network_taps.get(rg, "tap").destination_port == 4789
