"""reference() in a template reads the resource as it is when the expression is evaluated (a GET), as Azure
does: outputs see read-only state another resource of the same deployment filled in afterwards (a Route
Server hub's virtualRouterIps, set once its ipConfiguration exists; a public IP's ipConfiguration, set once a
NIC uses it), and so does a resource deployed after those. Deployed with azure-mgmt-resource and with
`az deployment group create`."""

from __future__ import annotations

import json
from typing import Any

from aznet.deployments.engine import parse_template_text

TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "location": { "type": "string", "defaultValue": "[resourceGroup().location]" } },
  "variables": { "hubId": "[resourceId('Microsoft.Network/virtualHubs', 'rs')]" },
  "resources": [
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "rs-vnet",
      "location": "[parameters('location')]",
      "properties": { "addressSpace": { "addressPrefixes": [ "10.7.0.0/16" ] }, "subnets": [
        { "name": "RouteServerSubnet", "properties": { "addressPrefix": "10.7.1.0/26" } },
        { "name": "workload", "properties": { "addressPrefix": "10.7.2.0/24" } } ] } },
    { "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "rs-pip",
      "location": "[parameters('location')]", "sku": { "name": "Standard" },
      "properties": { "publicIPAllocationMethod": "Static" } },
    { "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "vm-pip",
      "location": "[parameters('location')]", "sku": { "name": "Standard" },
      "properties": { "publicIPAllocationMethod": "Static" } },
    { "type": "Microsoft.Network/virtualHubs", "apiVersion": "2023-04-01", "name": "rs",
      "location": "[parameters('location')]", "properties": { "sku": "Standard" } },
    { "type": "Microsoft.Network/virtualHubs/ipConfigurations", "apiVersion": "2023-04-01", "name": "rs/ipconfig1",
      "dependsOn": [ "[variables('hubId')]",
                     "[resourceId('Microsoft.Network/virtualNetworks', 'rs-vnet')]",
                     "[resourceId('Microsoft.Network/publicIPAddresses', 'rs-pip')]" ],
      "properties": {
        "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'rs-vnet', 'RouteServerSubnet')]" },
        "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', 'rs-pip')]" } } },
    { "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01", "name": "vm-nic",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualNetworks', 'rs-vnet')]",
                     "[resourceId('Microsoft.Network/publicIPAddresses', 'vm-pip')]" ],
      "properties": { "ipConfigurations": [ { "name": "ipconfig1", "properties": {
        "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'rs-vnet', 'workload')]" },
        "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', 'vm-pip')]" } } } ] } },
    { "type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": "via-rs",
      "location": "[parameters('location')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualHubs/ipConfigurations', 'rs', 'ipconfig1')]" ],
      "properties": { "routes": [ { "name": "to-onprem", "properties": {
        "addressPrefix": "172.16.0.0/12", "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "[first(reference(variables('hubId')).virtualRouterIps)]" } } ] } }
  ],
  "outputs": {
    "routerIps": { "type": "array", "value": "[reference(variables('hubId')).virtualRouterIps]" },
    "routerIpsFull": { "type": "array",
      "value": "[reference(variables('hubId'), '2023-04-01', 'Full').properties.virtualRouterIps]" },
    "routerIpsByName": { "type": "array", "value": "[reference('rs').virtualRouterIps]" },
    "pipUsedBy": { "type": "string",
      "value": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'vm-pip')).ipConfiguration.id]" },
    "pipAddress": { "type": "string",
      "value": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'vm-pip')).ipAddress]" }
  }
}
"""


def check(outputs: dict[str, Any], net: Any, rg: str) -> None:
    hub = net.virtual_hubs.get(rg, "rs")
    assert hub.virtual_router_ips == ["10.7.1.4", "10.7.1.5"]
    assert outputs["routerIps"]["value"] == hub.virtual_router_ips
    assert outputs["routerIpsFull"]["value"] == hub.virtual_router_ips
    assert outputs["routerIpsByName"]["value"] == hub.virtual_router_ips
    nic = net.network_interfaces.get(rg, "vm-nic")
    assert outputs["pipUsedBy"]["value"].lower() == nic.ip_configurations[0].id.lower()
    pip = net.public_ip_addresses.get(rg, "vm-pip")
    assert pip.ip_address and outputs["pipAddress"]["value"] == pip.ip_address
    # a resource deployed after the ipConfiguration reads the hub as it is then, too
    route = net.routes.get(rg, "via-rs", "to-onprem")
    assert route.next_hop_ip_address == "10.7.1.4"


def test_reference_reads_current_state_sdk(deployments, network_client, rg):
    result = deployments.deployments.begin_create_or_update(rg, "refnow", {"properties": {
        "mode": "Incremental", "template": parse_template_text(TEMPLATE)}}).result()
    assert result.properties.provisioning_state == "Succeeded"
    check(result.properties.outputs, network_client, rg)
    # the deployment record keeps the outputs it computed
    shown = deployments.deployments.get(rg, "refnow")
    assert shown.properties.outputs == result.properties.outputs


def test_reference_reads_current_state_az(az, network_client, tmp_path):
    with az.group("rg-refnow-") as rg:
        path = tmp_path / "refnow.json"
        path.write_text(json.dumps(parse_template_text(TEMPLATE)))
        out = az.json("deployment", "group", "create", "-g", rg, "-n", "refnow-cli", "--template-file", str(path))
        assert out["properties"]["provisioningState"] == "Succeeded"
        check(out["properties"]["outputs"], network_client, rg)
        shown = az.json("deployment", "group", "show", "-g", rg, "-n", "refnow-cli")
        assert shown["properties"]["outputs"]["routerIps"]["value"] == ["10.7.1.4", "10.7.1.5"]
