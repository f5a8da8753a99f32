"""Classic Azure Front Door (Microsoft.Network/frontDoors, rulesEngines) and
Front Door WAF policies (Microsoft.Network/frontDoorWebApplicationFirewallPolicies),
with the azure-mgmt-frontdoor models."""

from ..autoload import import_submodules

DECLARATION = import_submodules(__name__, __path__)
