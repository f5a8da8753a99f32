"""Subscriptions, tenants and locations. Any well-formed subscription id is
accepted; the default one and those holding resource groups are listed."""

from __future__ import annotations

from typing import Any

from ...arm.http import Request, Response, page
from ...arm.platform import Platform
from ...arm.regions import location_list
from ...arm.router import ROUTES
from ...arm.versions import SUBSCRIPTIONS, check_api_version


def subscription_body(p: Platform, sub: str) -> dict[str, Any]:
    name = "aznet" if sub == p.settings.default_subscription else f"aznet {sub[:8]}"
    return {
        "id": f"/subscriptions/{sub}", "authorizationSource": "RoleBased", "managedByTenants": [],
        "subscriptionId": sub, "tenantId": p.settings.tenant, "displayName": name, "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                 "spendingLimit": "Off"},
    }


def known_subscriptions(p: Platform) -> list[str]:
    subs = {p.settings.default_subscription.lower(): p.settings.default_subscription}
    for rec in p.store.of_type("Microsoft.Resources/resourceGroups"):
        sub = rec.id.split("/")[2]
        subs.setdefault(sub.lower(), sub)
    return list(subs.values())


@ROUTES.route("subscriptions")
def list_subscriptions(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "subscriptions")
    return Response(200, page(req, [subscription_body(p, s) for s in known_subscriptions(p)]))


@ROUTES.route("subscriptions/{sub}")
def get_subscription(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "subscriptions")
    return Response(200, subscription_body(p, req.params["sub"]))


@ROUTES.route("subscriptions/{sub}/locations")
def list_locations(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "locations")
    return Response(200, {"value": location_list(req.params["sub"])})


@ROUTES.route("tenants")
def list_tenants(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "tenants")
    t = p.settings.tenant
    return Response(200, {"value": [{"id": f"/tenants/{t}", "tenantId": t, "tenantCategory": "Home",
                                     "countryCode": "US", "displayName": "aznet", "domains": ["aznet.localhost"],
                                     "defaultDomain": "aznet.localhost", "tenantType": "AAD"}]})
