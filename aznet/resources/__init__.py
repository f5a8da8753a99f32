"""The explicit list of the packages aznet is assembled from (``PACKAGES``): one package per provider
namespace, plus the platform's own route packages and the data planes' service modules. Each package
declares its types, actions, routes and services (``DECLARATION``, see ``aznet/arm/declarations.py``);
``aznet.server.build_platform`` assembles a platform from this list. ``load_all`` only imports them."""

from __future__ import annotations

PACKAGES = (
    "aznet.arm.identity_routes",
    "aznet.arm.admin_routes",
    "aznet.monitor.api",
    "aznet.resourcemanager",
    "aznet.resources.network",
    "aznet.resources.compute",
    "aznet.resources.dns",
    "aznet.resources.privatedns",
    "aznet.resources.trafficmanager",
    "aznet.resources.cdn",
    "aznet.resources.frontdoor",
    "aznet.resources.storage",
    "aznet.resources.keyvault",
    "aznet.resources.managedidentity",
    "aznet.resources.authorization",
    "aznet.resources.sql",
    "aznet.resources.web",
    "aznet.resources.cosmosdb",
    "aznet.resources.containerinstance",
    "aznet.resources.insights",
    "aznet.resources.orbital",
    "aznet.resources.peering",
    "aznet.dataplane.workloads.service",
    "aznet.dataplane.lb.service",
    "aznet.dataplane.dns_resolver.service",
    "aznet.dataplane.appgw.service",
    "aznet.dataplane.bgp.service",
    "aznet.dataplane.frontdoor.service",
)

_loaded = False


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    from ..arm.declarations import load

    load(PACKAGES)
    _loaded = True
