"""Microsoft.Network/applicationGateways: the gateway with all its inline
sub-resources, its rules, actions and the catalogue endpoints."""

from ...autoload import import_submodules

import_submodules(__name__, __path__)
