"""ARM resource type names, spelled once: the canonical casing (as the Azure REST specs and the
registry spell them). Compare case-insensitively (``KEY(...)`` or ``.lower()``), as ARM does."""

from __future__ import annotations

NETWORK = "Microsoft.Network"

VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
NSG = "Microsoft.Network/networkSecurityGroups"
SECURITY_RULE = "Microsoft.Network/networkSecurityGroups/securityRules"
ROUTE_TABLE = "Microsoft.Network/routeTables"
ROUTE = "Microsoft.Network/routeTables/routes"
NIC = "Microsoft.Network/networkInterfaces"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
PUBLIC_IP_PREFIX = "Microsoft.Network/publicIPPrefixes"
LOAD_BALANCER = "Microsoft.Network/loadBalancers"
APPLICATION_GATEWAY = "Microsoft.Network/applicationGateways"
NAT_GATEWAY = "Microsoft.Network/natGateways"
ASG = "Microsoft.Network/applicationSecurityGroups"
PRIVATE_ENDPOINT = "Microsoft.Network/privateEndpoints"
PRIVATE_LINK_SERVICE = "Microsoft.Network/privateLinkServices"
NETWORK_WATCHER = "Microsoft.Network/networkWatchers"
DDOS_PLAN = "Microsoft.Network/ddosProtectionPlans"
SERVICE_ENDPOINT_POLICY = "Microsoft.Network/serviceEndpointPolicies"
AZURE_FIREWALL = "Microsoft.Network/azureFirewalls"
FIREWALL_POLICY = "Microsoft.Network/firewallPolicies"
DNS_ZONE = "Microsoft.Network/dnszones"
PRIVATE_DNS_ZONE = "Microsoft.Network/privateDnsZones"
PRIVATE_DNS_LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
TM_PROFILE = "Microsoft.Network/trafficManagerProfiles"
DNS_RESOLVER = "Microsoft.Network/dnsResolvers"
DNS_RESOLVER_INBOUND = "Microsoft.Network/dnsResolvers/inboundEndpoints"
DNS_RESOLVER_OUTBOUND = "Microsoft.Network/dnsResolvers/outboundEndpoints"
DNS_FORWARDING_RULESET = "Microsoft.Network/dnsForwardingRulesets"
DNS_FORWARDING_RULE = "Microsoft.Network/dnsForwardingRulesets/forwardingRules"
DNS_FORWARDING_LINK = "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks"
VM = "Microsoft.Compute/virtualMachines"
VMSS = "Microsoft.Compute/virtualMachineScaleSets"
RESOURCE_GROUP = "Microsoft.Resources/resourceGroups"


def KEY(type_name: str) -> str:  # noqa: N802 - reads as a constant transform
    """The lower-case form the store and the registry key types by."""
    return type_name.lower()
