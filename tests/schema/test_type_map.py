"""ARM resource type -> body model, derived from the SDK operations."""

from __future__ import annotations

import pytest

from aznet.arm.schema import model_for_type, resource_types, schema_for_type

EXPECTED = {
    "Microsoft.Network/virtualNetworks": "VirtualNetwork",
    "Microsoft.Network/virtualNetworks/subnets": "Subnet",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings": "VirtualNetworkPeering",
    "Microsoft.Network/networkSecurityGroups": "NetworkSecurityGroup",
    "Microsoft.Network/networkSecurityGroups/securityRules": "SecurityRule",
    "Microsoft.Network/routeTables": "RouteTable",
    "Microsoft.Network/routeTables/routes": "Route",
    "Microsoft.Network/publicIPAddresses": "PublicIPAddress",
    "Microsoft.Network/publicIPPrefixes": "PublicIPPrefix",
    "Microsoft.Network/networkInterfaces": "NetworkInterface",
    "Microsoft.Network/natGateways": "NatGateway",
    "Microsoft.Network/privateEndpoints": "PrivateEndpoint",
    "Microsoft.Network/privateLinkServices": "PrivateLinkService",
    "Microsoft.Network/loadBalancers": "LoadBalancer",
    "Microsoft.Network/applicationGateways": "ApplicationGateway",
    "Microsoft.Network/networkWatchers": "NetworkWatcher",
    "Microsoft.Network/ddosProtectionPlans": "DdosProtectionPlan",
    "Microsoft.Network/serviceEndpointPolicies": "ServiceEndpointPolicy",
    "Microsoft.Network/applicationSecurityGroups": "ApplicationSecurityGroup",
    "Microsoft.Network/bastionHosts": "BastionHost",
    "Microsoft.Network/azureFirewalls": "AzureFirewall",
    "Microsoft.Network/firewallPolicies": "FirewallPolicy",
    "Microsoft.Network/virtualNetworkGateways": "VirtualNetworkGateway",
}


@pytest.mark.parametrize("rtype", sorted(EXPECTED))
def test_network_types(rtype: str, cache_dir) -> None:  # type: ignore[no-untyped-def]
    assert model_for_type(rtype) == ("network", EXPECTED[rtype])
    assert model_for_type(rtype.lower()) == ("network", EXPECTED[rtype])  # ARM types are case-insensitive


def test_patch_models_and_listing(cache_dir) -> None:  # type: ignore[no-untyped-def]
    assert model_for_type("Microsoft.Network/virtualNetworks", "patch") == ("network", "TagsObject")
    listed = resource_types("network")
    assert listed["Microsoft.Network/virtualNetworks/subnets"] == "Subnet"
    assert len(listed) > 100


def test_other_packages(cache_dir) -> None:  # type: ignore[no-untyped-def]
    assert model_for_type("Microsoft.Network/dnsZones") == ("dns", "Zone")
    assert model_for_type("Microsoft.Network/dnsZones/A") == (
        "dns",
        "RecordSet",
    )  # record type is a URL parameter
    assert model_for_type("Microsoft.Network/privateDnsZones/virtualNetworkLinks") == (
        "privatedns",
        "VirtualNetworkLink",
    )
    assert model_for_type("Microsoft.Compute/virtualMachines") == ("compute", "VirtualMachine")
    found = schema_for_type("Microsoft.Network/trafficmanagerprofiles")
    assert found is not None and found.name == "Profile"
