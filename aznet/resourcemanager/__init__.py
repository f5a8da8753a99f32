"""Azure Resource Manager's own types (the Microsoft.Resources namespace), the platform every other
provider sits in: subscriptions, tenants, resource groups, providers, generic resource listing and
template deployments (``deployment_resources``: the ARM resources; the template language itself is
``aznet/deployments/``)."""

from ..arm.declarations import declaration
from ..resources import PACKAGES
from . import deployment_resources, groups, listing, operations, providers, subscriptions  # noqa: F401

DECLARATION = declaration(__name__, PACKAGES)
