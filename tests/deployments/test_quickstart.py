"""A quickstart-style template end to end: NSG + VNet with subnets + 3 public IPs by copy + 3 NICs by copy
that reference them, with outputs, written as Azure's quickstarts write it (comments included)."""

from __future__ import annotations

import re

from aznet.deployments.engine import execute, parse_template_text, validate

from .fakes import RG, SCOPE, FakeOps

TEMPLATE = r"""
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "prefix": { "type": "string", "defaultValue": "web", "minLength": 2, "maxLength": 10 },
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "instanceCount": { "type": "int", "defaultValue": 3, "minValue": 1, "maxValue": 5 },
    "allowedSourcePrefix": { "type": "string", "defaultValue": "*" },
    "adminPassword": { "type": "securestring" }
  },
  "variables": {
    "vnetName": "[concat(parameters('prefix'), '-vnet')]",
    "nsgName": "[format('{0}-nsg', parameters('prefix'))]",
    "subnetName": "frontend",
    "subnetRef": "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnetName'), variables('subnetName'))]",
    "dnsPrefix": "[toLower(concat(parameters('prefix'), '-', uniqueString(resourceGroup().id)))]",
    "copy": [
      { "name": "ruleList", "count": 2,
        "input": { "name": "[concat('allow-', split('80,443', ',')[copyIndex('ruleList')])]",
                   "properties": { "priority": "[add(100, copyIndex('ruleList'))]", "direction": "Inbound",
                                   "access": "Allow", "protocol": "Tcp", "sourcePortRange": "*",
                                   "destinationPortRange": "[split('80,443', ',')[copyIndex('ruleList')]]",
                                   "sourceAddressPrefix": "[parameters('allowedSourcePrefix')]",
                                   "destinationAddressPrefix": "*" } } }
    ]
  },
  "resources": [
    {
      // NICs first in the file: ordering must come from dependsOn
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "[concat(parameters('prefix'), '-nic-', copyIndex(1))]",
      "location": "[parameters('location')]",
      "copy": { "name": "nicLoop", "count": "[parameters('instanceCount')]" },
      "dependsOn": [
        "[resourceId('Microsoft.Network/virtualNetworks', variables('vnetName'))]",
        "[resourceId('Microsoft.Network/publicIPAddresses', concat(parameters('prefix'), '-ip-', copyIndex(1)))]"
      ],
      "properties": {
        "ipConfigurations": [{
          "name": "ipconfig1",
          "properties": {
            "privateIPAllocationMethod": "Dynamic",
            "subnet": { "id": "[variables('subnetRef')]" },
            "publicIPAddress": {
              "id": "[resourceId('Microsoft.Network/publicIPAddresses', concat(parameters('prefix'), '-ip-', copyIndex(1)))]"
            }
          }
        }]
      },
      "tags": { "publicIp": "[reference(concat(parameters('prefix'), '-ip-', copyIndex(1))).ipAddress]" }
    },
    {
      "type": "Microsoft.Network/publicIPAddresses",
      "apiVersion": "2024-05-01",
      "name": "[concat(parameters('prefix'), '-ip-', copyIndex(1))]",
      "location": "[parameters('location')]",
      "sku": { "name": "Standard" },
      "zones": ["1", "2", "3"],
      "copy": { "name": "ipLoop", "count": "[parameters('instanceCount')]" },
      "properties": {
        "publicIPAllocationMethod": "Static",
        "dnsSettings": { "domainNameLabel": "[concat(variables('dnsPrefix'), '-', copyIndex())]" }
      }
    },
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "[variables('vnetName')]",
      "location": "[parameters('location')]",
      "dependsOn": [ "[variables('nsgName')]" ],
      "properties": {
        "addressSpace": { "addressPrefixes": [ "10.0.0.0/16" ] },
        "copy": [{
          "name": "subnets", "count": 2,
          "input": {
            "name": "[if(equals(copyIndex('subnets'), 0), variables('subnetName'), 'backend')]",
            "properties": {
              "addressPrefix": "[format('10.0.{0}.0/24', copyIndex('subnets'))]",
              "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]" }
            }
          }
        }]
      }
    },
    {
      "type": "Microsoft.Network/networkSecurityGroups",
      "apiVersion": "2024-05-01",
      "name": "[variables('nsgName')]",
      "location": "[parameters('location')]",
      "properties": { "securityRules": "[variables('ruleList')]" },
    },
  ],
  "outputs": {
    "publicIps": { "type": "array", "copy": { "count": "[parameters('instanceCount')]",
      "input": "[reference(resourceId('Microsoft.Network/publicIPAddresses', concat(parameters('prefix'), '-ip-', copyIndex(1)))).ipAddress]" } },
    "fqdnLabel": { "type": "string", "value": "[reference(concat(parameters('prefix'), '-ip-1')).dnsSettings.domainNameLabel]" },
    "nicIds": { "type": "array", "copy": { "count": "[parameters('instanceCount')]",
      "input": "[resourceId('Microsoft.Network/networkInterfaces', concat(parameters('prefix'), '-nic-', copyIndex(1)))]" } },
    "subnetId": { "type": "string", "value": "[variables('subnetRef')]" },
    "password": { "type": "securestring", "value": "[parameters('adminPassword')]" }
  }
}
"""

NET = f"{RG}/providers/Microsoft.Network"


def test_validate_plans_the_quickstart():
    t = parse_template_text(TEMPLATE)
    planned = validate(t, {"adminPassword": {"value": "P@ssw0rd!"}}, SCOPE)
    names = [p.name for p in planned]
    assert sorted(names) == sorted(["web-nsg", "web-vnet", "web-ip-1", "web-ip-2", "web-ip-3",
                                    "web-nic-1", "web-nic-2", "web-nic-3"])
    for i in (1, 2, 3):
        assert names.index(f"web-ip-{i}") < names.index(f"web-nic-{i}")
        assert names.index("web-vnet") < names.index(f"web-nic-{i}")
    assert names.index("web-nsg") < names.index("web-vnet")
    nic = next(p for p in planned if p.name == "web-nic-1")
    assert nic.put_body is None          # its tags read the public IP's address: known only while deploying


def test_execute_deploys_the_quickstart():
    t = parse_template_text(TEMPLATE)
    ops = FakeOps()
    result = execute(t, {"adminPassword": {"value": "P@ssw0rd!"}, "instanceCount": {"value": 3}}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert len(ops.puts) == 8 and len(result.operations) == 8
    bodies = {rid.rsplit("/", 1)[-1]: body for rid, _, body in ops.puts}

    rules = bodies["web-nsg"]["properties"]["securityRules"]
    assert [(r["name"], r["properties"]["priority"], r["properties"]["destinationPortRange"]) for r in rules] == [
        ("allow-80", 100, "80"), ("allow-443", 101, "443")]

    subnets = bodies["web-vnet"]["properties"]["subnets"]
    assert [s["name"] for s in subnets] == ["frontend", "backend"]
    assert subnets[1]["properties"] == {"addressPrefix": "10.0.1.0/24",
                                        "networkSecurityGroup": {"id": f"{NET}/networkSecurityGroups/web-nsg"}}

    label = bodies["web-ip-1"]["properties"]["dnsSettings"]["domainNameLabel"]
    assert re.fullmatch(r"web-[a-z2-7]{13}-0", label)
    assert bodies["web-ip-3"]["zones"] == ["1", "2", "3"] and bodies["web-ip-3"]["sku"] == {"name": "Standard"}

    ipconfig = bodies["web-nic-2"]["properties"]["ipConfigurations"][0]["properties"]
    assert ipconfig["subnet"]["id"] == f"{NET}/virtualNetworks/web-vnet/subnets/frontend"
    assert ipconfig["publicIPAddress"]["id"] == f"{NET}/publicIPAddresses/web-ip-2"
    ip_of = {rid.rsplit("/", 1)[-1]: ops.resources[rid.lower()]["properties"].get("ipAddress")
             for rid, _, _ in ops.puts}
    assert bodies["web-nic-2"]["tags"] == {"publicIp": ip_of["web-ip-2"]}
    assert bodies["web-nic-1"]["location"] == "westeurope"

    assert result.outputs["publicIps"] == {"type": "Array", "value": [ip_of[f"web-ip-{i}"] for i in (1, 2, 3)]}
    assert result.outputs["fqdnLabel"]["value"] == label
    assert result.outputs["nicIds"]["value"] == [f"{NET}/networkInterfaces/web-nic-{i}" for i in (1, 2, 3)]
    assert result.outputs["subnetId"]["value"] == f"{NET}/virtualNetworks/web-vnet/subnets/frontend"
    assert result.outputs["password"] == {"type": "SecureString"}
    assert "P@ssw0rd!" not in str(result.parameters) and "P@ssw0rd!" not in str(result.outputs)
    assert sorted(r["id"] for r in result.output_resources) == sorted(rid for rid, _, _ in ops.puts)


def test_the_quickstart_with_a_different_count_and_prefix():
    t = parse_template_text(TEMPLATE)
    ops = FakeOps()
    result = execute(t, {"adminPassword": {"value": "x"}, "instanceCount": {"value": "2"},
                         "prefix": {"value": "api"}}, SCOPE, ops)
    assert result.provisioning_state == "Succeeded", result.error
    assert sorted(ops.names()) == sorted(["api-nsg", "api-vnet", "api-ip-1", "api-ip-2", "api-nic-1", "api-nic-2"])
    assert len(result.outputs["publicIps"]["value"]) == 2
