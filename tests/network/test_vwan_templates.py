"""ARM templates in the shape of Azure's quickstarts, deployed through the SDK: a Virtual WAN with a hub,
a VNet connection, a VPN site and the hub's VPN gateway (its connection declared inline), and a Route
Server with its ipConfiguration and an NVA peer (the "route-server" quickstart shape)."""

from __future__ import annotations

import pytest

from .template_support import deploy

VWAN_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "wanName": { "type": "string", "defaultValue": "SampleVirtualWan" },
    "wanType": { "type": "string", "defaultValue": "Standard", "allowedValues": [ "Standard", "Basic" ] },
    "hubName": { "type": "string", "defaultValue": "SampleVirtualHub" },
    "hubAddressPrefix": { "type": "string", "defaultValue": "192.168.0.0/24" },
    "vnetName": { "type": "string", "defaultValue": "SampleSpoke" },
    "vnetAddressPrefix": { "type": "string", "defaultValue": "10.0.0.0/16" },
    "siteName": { "type": "string", "defaultValue": "SampleVpnSite" },
    "siteAddressPrefix": { "type": "string", "defaultValue": "10.10.0.0/24" },
    "sitePublicIp": { "type": "string", "defaultValue": "203.0.113.40" }
  },
  "resources": [
    { "type": "Microsoft.Network/virtualWans", "apiVersion": "2023-04-01", "name": "[parameters('wanName')]",
      "location": "[parameters('location')]",
      "properties": { "type": "[parameters('wanType')]", "allowBranchToBranchTraffic": true } },
    { "type": "Microsoft.Network/virtualHubs", "apiVersion": "2023-04-01", "name": "[parameters('hubName')]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualWans', parameters('wanName'))]" ],
      "properties": { "addressPrefix": "[parameters('hubAddressPrefix')]",
                      "virtualWan": { "id": "[resourceId('Microsoft.Network/virtualWans', parameters('wanName'))]" } } },
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "[parameters('vnetName')]",
      "location": "[parameters('location')]",
      "properties": { "addressSpace": { "addressPrefixes": [ "[parameters('vnetAddressPrefix')]" ] },
                      "subnets": [ { "name": "default", "properties": { "addressPrefix": "10.0.0.0/24" } } ] } },
    { "type": "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections", "apiVersion": "2023-04-01",
      "name": "[format('{0}/{1}_connection', parameters('hubName'), parameters('vnetName'))]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualHubs', parameters('hubName'))]",
                     "[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]" ],
      "properties": {
        "remoteVirtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]" },
        "enableInternetSecurity": true } },
    { "type": "Microsoft.Network/vpnSites", "apiVersion": "2023-04-01", "name": "[parameters('siteName')]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualWans', parameters('wanName'))]" ],
      "properties": {
        "addressSpace": { "addressPrefixes": [ "[parameters('siteAddressPrefix')]" ] },
        "virtualWan": { "id": "[resourceId('Microsoft.Network/virtualWans', parameters('wanName'))]" },
        "deviceProperties": { "deviceVendor": "Contoso", "linkSpeedInMbps": 100 },
        "vpnSiteLinks": [ { "name": "link1", "properties": {
          "ipAddress": "[parameters('sitePublicIp')]",
          "linkProperties": { "linkProviderName": "ISP", "linkSpeedInMbps": 100 } } } ] } },
    { "type": "Microsoft.Network/vpnGateways", "apiVersion": "2023-04-01",
      "name": "[format('{0}_S2SvpnGW', parameters('hubName'))]", "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualHubs', parameters('hubName'))]",
                     "[resourceId('Microsoft.Network/vpnSites', parameters('siteName'))]" ],
      "properties": {
        "virtualHub": { "id": "[resourceId('Microsoft.Network/virtualHubs', parameters('hubName'))]" },
        "vpnGatewayScaleUnit": 2,
        "bgpSettings": { "asn": 65515 },
        "connections": [ { "name": "HubToSiteConnection", "properties": {
          "remoteVpnSite": { "id": "[resourceId('Microsoft.Network/vpnSites', parameters('siteName'))]" },
          "vpnLinkConnections": [ { "name": "link1-connection", "properties": {
            "vpnSiteLink": { "id": "[resourceId('Microsoft.Network/vpnSites/vpnSiteLinks', parameters('siteName'), 'link1')]" },
            "sharedKey": "Template123", "enableBgp": false } } ] } } ] } }
  ],
  "outputs": {
    "routerIps": { "type": "array",
      "value": "[reference(resourceId('Microsoft.Network/virtualHubs', parameters('hubName'))).virtualRouterIps]" },
    "gatewayBgpAddress": { "type": "string",
      "value": "[reference(resourceId('Microsoft.Network/vpnGateways', format('{0}_S2SvpnGW', parameters('hubName')))).bgpSettings.bgpPeeringAddress]" }
  }
}
"""

ROUTE_SERVER_TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "routeServerSubnetPrefix": { "type": "string", "defaultValue": "10.1.1.0/26" },
    "peerAsn": { "type": "int", "defaultValue": 65002 }
  },
  "resources": [
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "rs-vnet",
      "location": "[parameters('location')]",
      "properties": { "addressSpace": { "addressPrefixes": [ "10.1.0.0/16" ] }, "subnets": [
        { "name": "RouteServerSubnet", "properties": { "addressPrefix": "[parameters('routeServerSubnetPrefix')]" } },
        { "name": "nva", "properties": { "addressPrefix": "10.1.2.0/24" } } ] } },
    { "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "rs-pip",
      "location": "[parameters('location')]", "sku": { "name": "Standard" },
      "properties": { "publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4" } },
    { "type": "Microsoft.Network/virtualHubs", "apiVersion": "2023-04-01", "name": "routeserver",
      "location": "[parameters('location')]", "properties": { "sku": "Standard", "allowBranchToBranchTraffic": true } },
    { "type": "Microsoft.Network/virtualHubs/ipConfigurations", "apiVersion": "2023-04-01",
      "name": "routeserver/ipconfig1",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualHubs', 'routeserver')]",
                     "[resourceId('Microsoft.Network/virtualNetworks', 'rs-vnet')]",
                     "[resourceId('Microsoft.Network/publicIPAddresses', 'rs-pip')]" ],
      "properties": {
        "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'rs-vnet', 'RouteServerSubnet')]" },
        "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', 'rs-pip')]" } } },
    { "type": "Microsoft.Network/virtualHubs/bgpConnections", "apiVersion": "2023-04-01",
      "name": "routeserver/nva1",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualHubs/ipConfigurations', 'routeserver', 'ipconfig1')]" ],
      "properties": { "peerIp": "10.1.2.4", "peerAsn": "[parameters('peerAsn')]" } }
  ],
  "outputs": {
    "firstRouterIp": { "type": "string",
      "value": "[reference(resourceId('Microsoft.Network/virtualHubs/ipConfigurations', 'routeserver', 'ipconfig1')).privateIPAddress]" }
  }
}
"""


def test_virtual_wan_template(deployments, network_client, rg):
    net = network_client
    result = deploy(deployments, rg, "vwan", VWAN_TEMPLATE)
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["routerIps"]["value"] == ["192.168.0.68", "192.168.0.69"]
    assert result.properties.outputs["gatewayBgpAddress"]["value"] == "192.168.0.12,192.168.0.13"
    hub = net.virtual_hubs.get(rg, "SampleVirtualHub")
    assert hub.vpn_gateway.id.endswith("/vpnGateways/SampleVirtualHub_S2SvpnGW")
    conn = net.vpn_connections.get(rg, "SampleVirtualHub_S2SvpnGW", "HubToSiteConnection")
    assert conn.vpn_link_connections[0].shared_key == "Template123"
    vnet_conn = net.hub_virtual_network_connections.get(rg, "SampleVirtualHub", "SampleSpoke_connection")
    routes = net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "SampleVirtualHub", {
        "resourceId": vnet_conn.id, "virtualWanResourceType": "HubVirtualNetworkConnection"}).result()
    assert [(r.address_prefixes, r.next_hop_type) for r in routes.value] == [(["10.10.0.0/24"], "VPN_S2S_Gateway")]
    # deploying again is idempotent (same addresses, same key)
    again = deploy(deployments, rg, "vwan2", VWAN_TEMPLATE)
    assert again.properties.outputs == result.properties.outputs


def test_virtual_wan_template_refusal_writes_nothing_more(deployments, network_client, rg):
    with pytest.raises(Exception) as info:
        deploy(deployments, rg, "vwan-bad", VWAN_TEMPLATE, hubAddressPrefix="192.168.0.0/25")
    assert "VirtualHubAddressPrefixTooSmall" in str(info.value)
    assert list(network_client.virtual_hubs.list_by_resource_group(rg)) == []
    assert list(network_client.vpn_gateways.list_by_resource_group(rg)) == []


def test_route_server_template(deployments, network_client, rg):
    net = network_client
    result = deploy(deployments, rg, "rs", ROUTE_SERVER_TEMPLATE)
    assert result.properties.outputs["firstRouterIp"]["value"] == "10.1.1.4"
    # (reference() to the hub itself reads it as it is then: tests/network/test_template_reference_now.py)
    assert net.virtual_hubs.get(rg, "routeserver").virtual_router_ips == ["10.1.1.4", "10.1.1.5"]
    peer = net.virtual_hub_bgp_connection.get(rg, "routeserver", "nva1")
    assert peer.peer_asn == 65002 and peer.peer_ip == "10.1.2.4"
    with pytest.raises(Exception) as info:
        deploy(deployments, rg, "rs-small", ROUTE_SERVER_TEMPLATE.replace('"rs-vnet"', '"rs-vnet2"')
               .replace("'rs-vnet'", "'rs-vnet2'").replace('"routeserver"', '"routeserver2"')
               .replace("'routeserver'", "'routeserver2'").replace("routeserver/", "routeserver2/")
               .replace('"rs-pip"', '"rs-pip2"').replace("'rs-pip'", "'rs-pip2'"),
               routeServerSubnetPrefix="10.1.1.0/27")
    assert "RouteServerSubnetTooSmall" in str(info.value)
