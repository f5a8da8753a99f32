"""Tenants and the subscriptions they own, and the checks ARM makes on a
token's claims: audience, issuer, and the tenant of the subscription a
request names.

Any tenant id works, as the README promises: a tenant aznet has not seen is
created on its first token, with a subscription of its own (its id derived
from the tenant id). The default tenant owns the default subscription. A
well-formed subscription id nobody owns yet is claimed by the first tenant
that writes to it. No token reads or writes another tenant's subscription
(401 InvalidAuthenticationTokenTenant, as ARM answers).

Tenants and subscriptions are store records (``/tenants/{id}``,
``/subscriptions/{id}`` with their tenant as scope), so they survive a
restart and travel with export/import; reset forgets them."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from ..lru import ByteLRU
from .errors import ArmError

if TYPE_CHECKING:
    from .platform import Platform

TENANT_TYPE = "Microsoft.Resources/tenants"
SUBSCRIPTION_TYPE = "Microsoft.Resources/subscriptions"
# Audiences ARM accepts besides its own endpoint (with and without the trailing slash).
ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.core.windows.net",
                 "https://management.azure.com/", "https://management.azure.com")
# A tenant id as Entra ID accepts it in an authority URL: a GUID or a domain name.
TENANT_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,254}[A-Za-z0-9])?$")
WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})


def derived_subscription(tenant: str) -> str:
    """The subscription a new tenant gets: a stable id derived from the tenant id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aznet:tenant-subscription:{tenant.lower()}"))


def tenant_key(tenant: str) -> str:
    return f"/tenants/{tenant.lower()}"


def subscription_key(sub: str) -> str:
    return f"/subscriptions/{sub.lower()}"


class TenantDirectory:
    def __init__(self, platform: Platform) -> None:
        self.p = platform
        # (aud, iss, tid, base URL) combinations already found good: most requests skip the checks
        self._passed: ByteLRU[tuple[Any, ...], str] = ByteLRU(1024 * 1024)

    @property
    def default_tenant(self) -> str:
        return self.p.settings.tenant

    @property
    def default_subscription(self) -> str:
        return self.p.settings.default_subscription

    def is_default(self, tenant: str) -> bool:
        return tenant.lower() == self.default_tenant.lower()

    def home_subscription(self, tenant: str) -> str:
        return self.default_subscription if self.is_default(tenant) else derived_subscription(tenant)

    # -- tenants -------------------------------------------------------------------
    def check_name(self, tenant: str) -> None:
        if not TENANT_NAME.match(tenant):
            raise ArmError(400, "invalid_tenant",
                           f"AADSTS90002: Tenant '{tenant[:64]}' not found. Check to make sure you have the "
                           "correct tenant ID and are signing into the correct cloud.")

    def ensure(self, tenant: str) -> None:
        """Create a tenant not seen before, with its own subscription (idempotent, cheap when known)."""
        if self.is_default(tenant) or self.p.store.get(tenant_key(tenant)) is not None:
            return
        self.check_name(tenant)
        limit = self.p.settings.max_tenants
        if len(self.p.store.of_type(TENANT_TYPE)) >= limit:
            raise ArmError(400, "invalid_tenant",
                           f"AADSTS90002: Tenant '{tenant}' cannot be created: aznet holds its limit of {limit} "
                           "tenants (AZNET_MAX_TENANTS).")
        txn = self.p.store.transaction()
        txn.put(tenant_key(tenant), TENANT_TYPE, None, tenant_key(tenant),
                {"id": f"/tenants/{tenant}", "tenantId": tenant})
        sub = derived_subscription(tenant)
        if txn.get(subscription_key(sub)) is None:
            txn.put(subscription_key(sub), SUBSCRIPTION_TYPE, None, tenant_key(tenant),
                    {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "tenantId": tenant})
        self.p.store.commit(txn)

    # -- subscriptions -----------------------------------------------------------------
    def owner(self, sub: str) -> str | None:
        if sub.lower() == self.default_subscription.lower():
            return self.default_tenant
        rec = self.p.store.get(subscription_key(sub))
        return rec.body.get("tenantId") if rec is not None else None

    def claim(self, sub: str, tenant: str) -> None:
        limit = self.p.settings.max_subscriptions
        low = tenant.lower()
        owned = sum(1 for r in self.p.store.of_type(SUBSCRIPTION_TYPE)
                    if str(r.body.get("tenantId", "")).lower() == low)
        if owned >= limit:      # beyond the tenant's quota the id is one Azure would not know
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        txn = self.p.store.transaction()
        txn.put(subscription_key(sub), SUBSCRIPTION_TYPE, None, tenant_key(tenant),
                {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "tenantId": tenant})
        self.p.store.commit(txn)

    def subscriptions_of(self, tenant: str) -> list[str]:
        low = tenant.lower()
        subs: dict[str, str] = {}
        if self.is_default(tenant):
            subs[self.default_subscription.lower()] = self.default_subscription
        for rec in self.p.store.of_type(SUBSCRIPTION_TYPE):
            if str(rec.body.get("tenantId", "")).lower() == low:
                sub = rec.body["subscriptionId"]
                subs.setdefault(sub.lower(), sub)
        if self.is_default(tenant):
            # subscriptions holding resource groups from before subscriptions had owners
            for rec in self.p.store.of_type("Microsoft.Resources/resourceGroups"):
                sub = rec.id.split("/")[2]
                if sub.lower() not in subs and self.owner(sub) is None:
                    subs[sub.lower()] = sub
        return list(subs.values())

    # -- the checks on every authenticated request -----------------------------------
    def check_claims(self, claims: dict[str, Any], base_url: str) -> str:
        """Audience and issuer; returns the token's tenant (created if new)."""
        key = (claims.get("aud"), claims.get("iss"), claims.get("tid"), base_url)
        tenant = self._passed.get(key)
        if tenant is None:
            tenant = self._check_claims(claims, base_url)
            self._passed.put(key, tenant, 2 * sum(len(str(k)) for k in key) + 200)
        self.ensure(tenant)
        return tenant

    def _check_claims(self, claims: dict[str, Any], base_url: str) -> str:
        aud = claims.get("aud")
        accepted = self.audiences(base_url)
        if not isinstance(aud, str) or aud not in accepted:
            raise self._unauthorized(
                "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource '{aud}'. It should exactly "
                f"match with one of the allowed audiences {','.join(repr(a) for a in accepted)}.")
        tenant = claims.get("tid")
        iss = claims.get("iss")
        if not isinstance(tenant, str) or not tenant or iss not in self.issuers(tenant):
            raise self._unauthorized(
                "InvalidAuthenticationTokenTenant",
                f"The access token is from the wrong issuer '{iss}'. It must match the tenant "
                f"'{self.issuers(str(tenant or self.default_tenant))[0]}' of this server.")
        return tenant

    def check_subscription(self, sub: str, tenant: str, iss: str, method: str) -> None:
        owner = self.owner(sub)
        if owner is None:
            if method in WRITE_METHODS:
                self.claim(sub, tenant)
            return
        if owner.lower() != tenant.lower():
            expected = self.issuers(owner)[0]
            authority = expected.rstrip("/")
            raise self._unauthorized(
                "InvalidAuthenticationTokenTenant",
                f"The access token is from the wrong issuer '{iss}'. It must match the tenant '{expected}' "
                f"associated with this subscription. Please use the authority (URL) '{authority}' to get the "
                "token. Note, if the subscription is transferred to another tenant there is no impact to the "
                "services, but information about new tenant could take time to propagate (up to an hour). If "
                "you just transferred your subscription and see this error message, please try back later.")

    def check_reach(self, home_sub: str, target_sub: str, action: str, scope: str, write: bool) -> None:
        """Work done on behalf of ``home_sub`` (a template deployment) may reach another subscription only
        if that subscription belongs to the same tenant (or to nobody yet: then a write claims it)."""
        if target_sub.lower() == home_sub.lower():
            return
        tenant = self.owner(home_sub) or self.default_tenant
        owner = self.owner(target_sub)
        if owner is None:
            if write:
                self.claim(target_sub, tenant)
            return
        if owner.lower() != tenant.lower():
            raise ArmError(403, "AuthorizationFailed",
                           f"The client does not have authorization to perform action '{action}' over scope "
                           f"'{scope}' or the scope is invalid: subscription '{target_sub}' belongs to another "
                           "tenant. If access was recently granted, please refresh your credentials.")

    def audiences(self, base_url: str) -> tuple[str, ...]:
        eps = [self.p.issuer.endpoint.rstrip("/")]
        if base_url and base_url.rstrip("/") not in eps:
            eps.append(base_url.rstrip("/"))
        return tuple(a for ep in eps for a in (f"{ep}/", ep)) + ARM_AUDIENCES

    def issuers(self, tenant: str) -> tuple[str, str]:
        """The v1 and v2 issuer of a tenant's tokens."""
        ep = self.p.issuer.endpoint.rstrip("/")
        return f"{ep}/{tenant}/", f"{ep}/{tenant}/v2.0"

    def _unauthorized(self, code: str, message: str) -> ArmError:
        err = self.p.issuer._unauthorized(code, message, message)
        return err
