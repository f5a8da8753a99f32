"""Microsoft.Resources: subscriptions, tenants, resource groups, providers,
generic resource listing and template deployments."""

from . import deployments, groups, listing, operations, providers, subscriptions  # noqa: F401
