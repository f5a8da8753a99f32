"""Subscriptions, tenants and locations, as the caller's tenant sees them
(aznet/arm/tenants.py): a tenant lists the subscriptions it owns and itself."""

from __future__ import annotations

from typing import Any

from ..arm.http import Request, Response, page
from ..arm.platform import Platform
from ..arm.regions import location_list
from ..arm.router import ROUTES
from ..arm.versions import SUBSCRIPTIONS, check_api_version


def _tenant(p: Platform, req: Request) -> str:
    return str(req.claims.get("tid") or p.settings.tenant)


def subscription_body(p: Platform, sub: str, tenant: str | None = None) -> dict[str, Any]:
    """A subscription as ARM renders it; its tenant is its owner's (or the caller's, for one nobody owns)."""
    owner = p.tenants.owner(sub) or tenant or p.settings.tenant
    if sub.lower() == p.settings.default_subscription.lower():
        name = "aznet"
    elif sub.lower() == p.tenants.home_subscription(owner).lower():
        name = f"aznet ({owner})"
    else:
        name = f"aznet {sub[:8]}"
    return {
        "id": f"/subscriptions/{sub}", "authorizationSource": "RoleBased", "managedByTenants": [],
        "subscriptionId": sub, "tenantId": owner, "displayName": name, "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                 "spendingLimit": "Off"},
    }


def known_subscriptions(p: Platform, tenant: str | None = None) -> list[str]:
    """The subscriptions a tenant owns (the default tenant's when none is named)."""
    return p.tenants.subscriptions_of(tenant or p.settings.tenant)


@ROUTES.route("subscriptions")
def list_subscriptions(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "subscriptions")
    tenant = _tenant(p, req)
    return Response(200, page(req, [subscription_body(p, s, tenant) for s in known_subscriptions(p, tenant)]))


@ROUTES.route("subscriptions/{sub}")
def get_subscription(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "subscriptions")
    return Response(200, subscription_body(p, req.params["sub"], _tenant(p, req)))


@ROUTES.route("subscriptions/{sub}/locations")
def list_locations(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "locations")
    return Response(200, {"value": location_list(req.params["sub"])})


@ROUTES.route("tenants")
def list_tenants(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, SUBSCRIPTIONS, "tenants")
    t = _tenant(p, req)
    return Response(200, {"value": [{"id": f"/tenants/{t}", "tenantId": t, "tenantCategory": "Home",
                                     "countryCode": "US", "displayName": "aznet", "domains": ["aznet.localhost"],
                                     "defaultDomain": "aznet.localhost", "tenantType": "AAD"}]})
