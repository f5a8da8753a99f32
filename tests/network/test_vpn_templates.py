"""Quickstart-style ARM templates: Azure's "site-to-site-vpn-create" (VNet with GatewaySubnet, local
network gateway, public IP, VPN gateway, IPsec connection) and "vnet-to-vnet-bgp" (two BGP gateways
with Vnet2Vnet connections) shapes, deployed through the SDK."""

from __future__ import annotations

import pytest

from .template_support import deploy

S2S_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "vpnType": { "type": "string", "defaultValue": "RouteBased", "allowedValues": [ "RouteBased", "PolicyBased" ] },
    "localGatewayName": { "type": "string", "defaultValue": "localGateway" },
    "localGatewayIpAddress": { "type": "string", "defaultValue": "1.1.1.1" },
    "localAddressPrefix": { "type": "array", "defaultValue": [ "192.168.0.0/16" ] },
    "virtualNetworkName": { "type": "string", "defaultValue": "Azure_VNet" },
    "azureVNetAddressPrefix": { "type": "string", "defaultValue": "10.3.0.0/16" },
    "subnetName": { "type": "string", "defaultValue": "Subnet1" },
    "subnetPrefix": { "type": "string", "defaultValue": "10.3.1.0/24" },
    "gatewaySubnetPrefix": { "type": "string", "defaultValue": "10.3.200.0/29" },
    "gatewayPublicIPName": { "type": "string", "defaultValue": "azureGatewayIP" },
    "gatewayName": { "type": "string", "defaultValue": "azureGateway" },
    "gatewaySku": { "type": "string", "defaultValue": "VpnGw1" },
    "connectionName": { "type": "string", "defaultValue": "Local2Azure" },
    "sharedKey": { "type": "securestring" },
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" }
  },
  "variables": {
    "gatewaySubnetRef": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('virtualNetworkName'), 'GatewaySubnet')]"
  },
  "resources": [
    { "type": "Microsoft.Network/localNetworkGateways", "apiVersion": "2023-04-01",
      "name": "[parameters('localGatewayName')]", "location": "[parameters('location')]",
      "properties": { "localNetworkAddressSpace": { "addressPrefixes": "[parameters('localAddressPrefix')]" },
                      "gatewayIpAddress": "[parameters('localGatewayIpAddress')]" } },
    { "type": "Microsoft.Network/connections", "apiVersion": "2023-04-01",
      "name": "[parameters('connectionName')]", "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualNetworkGateways', parameters('gatewayName'))]",
                     "[resourceId('Microsoft.Network/localNetworkGateways', parameters('localGatewayName'))]" ],
      "properties": {
        "virtualNetworkGateway1": { "id": "[resourceId('Microsoft.Network/virtualNetworkGateways', parameters('gatewayName'))]" },
        "localNetworkGateway2": { "id": "[resourceId('Microsoft.Network/localNetworkGateways', parameters('localGatewayName'))]" },
        "connectionType": "IPsec", "routingWeight": 10, "sharedKey": "[parameters('sharedKey')]" } },
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01",
      "name": "[parameters('virtualNetworkName')]", "location": "[parameters('location')]",
      "properties": {
        "addressSpace": { "addressPrefixes": [ "[parameters('azureVNetAddressPrefix')]" ] },
        "subnets": [
          { "name": "[parameters('subnetName')]", "properties": { "addressPrefix": "[parameters('subnetPrefix')]" } },
          { "name": "GatewaySubnet", "properties": { "addressPrefix": "[parameters('gatewaySubnetPrefix')]" } } ] } },
    { "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
      "name": "[parameters('gatewayPublicIPName')]", "location": "[parameters('location')]",
      "sku": { "name": "Standard" }, "properties": { "publicIPAllocationMethod": "Static" } },
    { "type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-04-01",
      "name": "[parameters('gatewayName')]", "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/publicIPAddresses', parameters('gatewayPublicIPName'))]",
                     "[resourceId('Microsoft.Network/virtualNetworks', parameters('virtualNetworkName'))]" ],
      "properties": {
        "ipConfigurations": [ { "name": "vnetGatewayConfig", "properties": {
          "privateIPAllocationMethod": "Dynamic", "subnet": { "id": "[variables('gatewaySubnetRef')]" },
          "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', parameters('gatewayPublicIPName'))]" } } } ],
        "sku": { "name": "[parameters('gatewaySku')]", "tier": "[parameters('gatewaySku')]" },
        "gatewayType": "Vpn", "vpnType": "[parameters('vpnType')]", "enableBgp": false } }
  ],
  "outputs": {
    "bgpAddress": { "type": "string",
      "value": "[reference(resourceId('Microsoft.Network/virtualNetworkGateways', parameters('gatewayName'))).bgpSettings.bgpPeeringAddress]" }
  }
}
"""


def test_site_to_site_quickstart_template(deployments, network_client, rg):
    result = deploy(deployments, rg, "s2s", S2S_TEMPLATE, sharedKey="Quickstart123")
    assert result.properties.provisioning_state == "Succeeded"
    # GatewaySubnet 10.3.200.0/29: the last usable address is the default BGP peering address
    assert result.properties.outputs["bgpAddress"]["value"] == "10.3.200.6"
    gw = network_client.virtual_network_gateways.get(rg, "azureGateway")
    assert gw.sku.name == "VpnGw1" and gw.vpn_type == "RouteBased"
    conn = network_client.virtual_network_gateway_connections.get(rg, "Local2Azure")
    assert conn.routing_weight == 10 and conn.connection_type == "IPsec"
    assert network_client.virtual_network_gateway_connections.get_shared_key(rg, "Local2Azure").value == \
        "Quickstart123"


def test_policy_based_with_vpngw1_fails_with_the_gateway_error(deployments, network_client, rg):
    with pytest.raises(Exception) as info:
        deploy(deployments, rg, "s2s-bad", S2S_TEMPLATE, sharedKey="k", vpnType="PolicyBased")
    assert "PolicyBasedGatewayRequiresBasicSku" in str(info.value)
    assert list(network_client.virtual_network_gateways.list(rg)) == []
    assert list(network_client.virtual_network_gateway_connections.list(rg)) == []
