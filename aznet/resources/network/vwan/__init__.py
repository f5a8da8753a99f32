"""Virtual WAN and Route Server (issue 11): virtualWans, virtualHubs of both kinds (a Virtual WAN hub,
or a Route Server: a hub with no virtualWan, in a VNet's RouteServerSubnet), their children
(ipConfigurations, bgpConnections, hub route tables, hub VNet connections, routing intent) and
the branch resources (vpnSites, vpnGateways, p2sVpnGateways, vpnServerConfigurations)."""

from ...autoload import import_submodules

import_submodules(__name__, __path__)
