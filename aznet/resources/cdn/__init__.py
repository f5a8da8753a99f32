"""Microsoft.Cdn: Azure Front Door Standard/Premium and Azure CDN profiles with
their endpoints, origins, routes, rule sets, secrets, security policies and
custom domains (azure-mgmt-cdn models)."""

from ..autoload import import_submodules

DECLARATION = import_submodules(__name__, __path__)
