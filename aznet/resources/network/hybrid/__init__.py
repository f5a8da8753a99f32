"""Hybrid connectivity: VPN / ExpressRoute virtual network gateways, local network gateways and
connections, with the gateways' actions (issue 11, first slice)."""

from ...autoload import import_submodules

import_submodules(__name__, __path__)
