"""The lists of a zone's record sets of every type: ``GET …/dnszones/{zone}/recordsets``
and ``…/all`` (public), ``…/privateDnsZones/{zone}/ALL`` (private), with ``$top``
paging and ``$recordsetnamesuffix`` filtering. (The list of one type,
``…/{zone}/{TYPE}``, is the generic child list.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...arm import crud
from ...arm.http import Request, Response, page
from ...arm.ids import normalize
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from . import zones
from .api_versions import DNS, PRIVATE_DNS

if TYPE_CHECKING:
    from ...arm.platform import Platform

_RG = "subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network"


def list_record_sets(p: Platform, req: Request, zone_type: str, versions: tuple[str, ...]) -> Response:
    check_api_version(req.api_version, versions, zone_type.split("/", 1)[1])
    sub, rg, zone = req.params["sub"], req.params["rg"], req.params["zone"]
    zone_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{zone_type}/{zone}"
    ctx = p.ctx(req, sub)
    crud.get_resource(ctx, zone_id)     # 404s as a GET of the zone would
    recs = [r for r in ctx.children(normalize(zone_id)) if r.type.lower().startswith(zone_type.lower() + "/")
            and not r.type.lower().endswith("/virtualnetworklinks")]
    suffix = req.arg("$recordsetnamesuffix")
    if suffix:
        low = suffix.lower().strip(".")
        recs = [r for r in recs if r.body["name"].lower() == low or r.body["name"].lower().endswith("." + low)
                or (low == "@" and r.body["name"] == "@")]
    return Response(200, page(req, recs, lambda r: crud.render(ctx, r), p.settings.page_size))


def _public(p: Platform, req: Request) -> Response:
    return list_record_sets(p, req, zones.TYPE, DNS)


def _private(p: Platform, req: Request) -> Response:
    return list_record_sets(p, req, "Microsoft.Network/privateDnsZones", PRIVATE_DNS)


ROUTES.add(_RG + "/dnszones/{zone}/recordsets", "GET", _public)
ROUTES.add(_RG + "/dnszones/{zone}/all", "GET", _public)
ROUTES.add(_RG + "/privatednszones/{zone}/all", "GET", _private)
