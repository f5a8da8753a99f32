"""Microsoft.Cdn/profiles: Azure Front Door Standard/Premium and (retired)
classic CDN SKUs. New classic profiles are refused as Azure refuses them,
unless AZNET_ALLOW_RETIRED=1. ``frontDoorId`` and ``kind`` are computed;
``originResponseTimeoutSeconds`` 16–240. Profile actions: usages,
checkEndpointNameAvailability, checkHostNameAvailability, validateSecret."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ...arm.registry import REGISTRY, Action, Hooks, ResourceType
from ..retirements import CLASSIC_CDN, refuse_new
from .common import (
    AFD_SKUS,
    API_VERSIONS,
    CLASSIC_SKUS,
    NAMES,
    PROFILE,
    bad,
    choice,
    mark_profile_deleting,
    number,
)
from .name_checks import check_endpoint_name, check_host_name, validate_secret
from .usages import profile_usages

if TYPE_CHECKING:
    from ...arm.context import Ctx


class ProfileHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sku = new.get("sku")
        if not isinstance(sku, dict) or not sku.get("name"):
            raise bad("The profile's sku is required (sku.name).", "sku")
        name = choice(sku.get("name"), (*AFD_SKUS, *CLASSIC_SKUS), "sku.name")
        old_sku = ((old or {}).get("sku") or {}).get("name")
        if old_sku and old_sku != name:
            raise bad(f"The profile's sku cannot be changed from {old_sku} to {name} by an update; use the "
                      "upgrade action or migration.", "sku.name")
        new["sku"] = {"name": name}
        if name in CLASSIC_SKUS:
            refuse_new(ctx, CLASSIC_CDN, new, old)
        props = new["properties"]
        timeout = props.get("originResponseTimeoutSeconds")
        if timeout is not None:
            if name not in AFD_SKUS:
                raise bad("originResponseTimeoutSeconds applies to Azure Front Door profiles only.",
                          "properties.originResponseTimeoutSeconds")
            props["originResponseTimeoutSeconds"] = number(timeout, "properties.originResponseTimeoutSeconds", 16, 240)
        elif name in AFD_SKUS:
            props["originResponseTimeoutSeconds"] = 60

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        mark_profile_deleting(ctx, body["id"])

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        afd = new["sku"]["name"] in AFD_SKUS
        new["kind"] = "frontdoor" if afd else "cdn"
        props["resourceState"] = "Active"
        if afd:
            props["frontDoorId"] = oldp.get("frontDoorId") or str(uuid.uuid4())
        for key in ("extendedProperties",):
            props.pop(key, None)


REGISTRY.add(ResourceType(
    PROFILE, API_VERSIONS, model="Profile", schema_package="cdn", etag=False, hooks=ProfileHooks(), global_location=True,
    names=NAMES,
    actions=[Action("usages", profile_usages), Action("checkResourceUsage", profile_usages),
             Action("checkEndpointNameAvailability", check_endpoint_name),
             Action("checkHostNameAvailability", check_host_name),
             Action("validateSecret", validate_secret)]))
