"""Usage answers (current value and Azure's documented limit) for profiles,
endpoints, origin groups and rule sets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import (
    AFD_ENDPOINT,
    CUSTOM_DOMAIN,
    ORIGIN,
    ORIGIN_GROUP,
    ROUTE,
    RULE,
    RULE_SET,
    SECRET,
    SECURITY_POLICY,
)

if TYPE_CHECKING:
    from ...arm.context import Ctx

# Azure Front Door Standard/Premium limits (front-door limits table): per profile, per endpoint, per group, per set.
PROFILE_LIMITS = {AFD_ENDPOINT: ("afdEndpoint", 25), ORIGIN_GROUP: ("originGroup", 200), CUSTOM_DOMAIN: ("customdomain", 500),
                  RULE_SET: ("ruleSet", 200), SECRET: ("secret", 500), SECURITY_POLICY: ("securityPolicy", 500)}
CHILD_LIMITS = {ROUTE: ("route", 100), ORIGIN: ("origin", 50), RULE: ("rule", 100)}


def usage(rid: str, name: str, current: int, limit: int) -> dict[str, Any]:
    return {"id": rid, "unit": "Count", "currentValue": current, "limit": limit,
            "name": {"value": name, "localizedValue": name}}


def profile_usages(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    out = []
    for rtype, (name, limit) in PROFILE_LIMITS.items():
        out.append(usage(body["id"], name, len(ctx.children(body["id"], rtype)), limit))
    return 200, {"value": out}


def child_usages(rtype: str) -> Any:
    def handler(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
        name, limit = CHILD_LIMITS[rtype]
        return 200, {"value": [usage(body["id"], name, len(ctx.children(body["id"], rtype)), limit)]}
    return handler
