"""Resource template functions besides resourceId() and reference(): pickZones(), providers(), references()
and managementGroup(). ``list*`` functions are dispatched in evaluate (any name starting with 'list')."""

from __future__ import annotations

from typing import Any

from ..arm.regions import REGION_NAMES, ZONAL_REGIONS
from .errors import ExpressionError
from .evaluate import PARAMETERS, PLAN, Ctx
from .registry import fn, want, want_int

ZONES_PER_REGION = 3


@fn("pickZones", 3, 5)
def _pick_zones(ctx: Ctx, namespace: Any, rtype: Any, location: Any, count: Any = 1, offset: Any = 0) -> list[str]:
    want("pickZones", namespace, str, what="provider namespace")
    want("pickZones", rtype, str, what="resource type")
    region = want("pickZones", location, str, what="location").replace(" ", "").lower()
    count = want_int("pickZones", count, "number of zones")
    offset = want_int("pickZones", offset, "offset")
    if count < 1 or offset < 0:
        raise ExpressionError("The template language function 'pickZones' expects a number of zones of at least 1 "
                              "and an offset of at least 0.")
    if region not in ZONAL_REGIONS:
        return []
    return [str((offset + i) % ZONES_PER_REGION + 1) for i in range(min(count, ZONES_PER_REGION))]


@fn("providers", 1, 2)
def _providers(ctx: Ctx, namespace: Any, rtype: Any = None) -> Any:
    ns = want("providers", namespace, str, what="provider namespace")
    listing = getattr(ctx.d.scope, "resource_types", None)
    types = [t for t in (listing() if listing else []) if t.namespace.lower() == ns.lower() and t.type.count("/") == 1]
    if not types:
        raise ExpressionError(f"The resource provider namespace '{ns}' is not registered in aznet.")

    def entry(t: Any) -> dict[str, Any]:
        locations = [] if t.global_location else sorted(REGION_NAMES)
        return {"resourceType": t.type.split("/", 1)[1], "locations": locations,
                "apiVersions": sorted(t.api_versions, reverse=True)}
    if rtype is None:
        return {"namespace": types[0].namespace, "resourceTypes": [entry(t) for t in types]}
    want("providers", rtype, str, what="resource type")
    for t in types:
        if t.type.split("/", 1)[1].lower() == rtype.lower():
            return entry(t)
    raise ExpressionError(f"The resource type '{ns}/{rtype}' is not registered in aznet.")


@fn("references", 1, 2)
def _references(ctx: Ctx, name: Any, full: Any = None) -> list[Any]:
    if ctx.phase in (PARAMETERS, PLAN) or ctx.d.reference is None or ctx.d.copy_members is None:
        raise ExpressionError("The template function 'references' is not expected at this location. Please see "
                              "https://aka.ms/arm-functions-resource for usage details.")
    members = ctx.d.copy_members(want("references", name, str))
    return [ctx.d.reference(m, None, isinstance(full, str) and full.lower() == "full") for m in members]


@fn("managementGroup", 0, 1)
def _management_group(ctx: Ctx, *args: Any) -> Any:
    raise ExpressionError("The template function 'managementGroup' is not expected at this location: it can only "
                          "be used in deployments to a management group, and aznet deploys to resource groups "
                          "and subscriptions.")
