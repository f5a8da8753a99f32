"""Resource types, one package per provider namespace. ``load_all`` imports
them so their types, routes and services register themselves."""

from __future__ import annotations

import importlib

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
    "aznet.dataplane.workloads.admin",
    "aznet.dataplane.lb.service",
    "aznet.dataplane.lb.health_routes",
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
    for name in PACKAGES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    _loaded = True
