"""The lists of a zone's record sets of every type: ``GET …/dnszones/{zone}/recordsets``
and ``…/all`` (public), ``…/privateDnsZones/{zone}/ALL`` (private), with ``$top``
paging and ``$recordsetnamesuffix`` filtering. (The list of one type,
``…/{zone}/{TYPE}``, is the generic child list.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm import crud
from ...arm.ids import normalize
from ...arm.provider_actions import Paged, provider_action
from . import zones
from .api_versions import DNS, PRIVATE_DNS

if TYPE_CHECKING:
    from ...arm.context import Ctx

_RG = "subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network"


def list_record_sets(ctx: Ctx, params: dict[str, str], zone_type: str) -> Paged:
    sub, rg, zone = params["sub"], params["rg"], params["zone"]
    zone_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{zone_type}/{zone}"
    crud.get_resource(ctx, zone_id)     # 404s as a GET of the zone would
    recs = [r for r in ctx.children(normalize(zone_id)) if r.type.lower().startswith(zone_type.lower() + "/")
            and not r.type.lower().endswith("/virtualnetworklinks")]
    suffix = ctx.arg("$recordsetnamesuffix")
    if suffix:
        low = suffix.lower().strip(".")
        recs = [r for r in recs if r.body["name"].lower() == low or r.body["name"].lower().endswith("." + low)
                or (low == "@" and r.body["name"] == "@")]
    return Paged(recs, lambda r: crud.render(ctx, r))


_PRIVATE = "Microsoft.Network/privateDnsZones"


@provider_action(_RG + "/dnszones/{zone}/recordsets", "GET", api_versions=DNS, name=zones.TYPE.split("/", 1)[1],
                 paged=True)
@provider_action(_RG + "/dnszones/{zone}/all", "GET", api_versions=DNS, name=zones.TYPE.split("/", 1)[1],
                 paged=True)
def _public(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, list_record_sets(ctx, params, zones.TYPE)


@provider_action(_RG + "/privatednszones/{zone}/all", "GET", api_versions=PRIVATE_DNS,
                 name=_PRIVATE.split("/", 1)[1], paged=True)
def _private(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, list_record_sets(ctx, params, _PRIVATE)
