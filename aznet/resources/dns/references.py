"""``POST /subscriptions/{sub}/providers/Microsoft.Network/getDnsResourceReference``
(``az network dns list-references``): for each target resource, the alias record
sets of public zones that point at it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.http import Request, Response
from ...arm.ids import normalize
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from . import zones
from .api_versions import DNS
from .records import bad

if TYPE_CHECKING:
    from ...arm.platform import Platform

RECORD_PREFIX = zones.TYPE.lower() + "/"


def _references(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, DNS, "getDnsResourceReference")
    payload = req.json()
    targets = ((payload or {}).get("properties") or {}).get("targetResources") if isinstance(payload, dict) else None
    if not isinstance(targets, list):
        raise bad("The request needs 'properties.targetResources', a list of resource references.",
                  "properties.targetResources")
    ctx = p.ctx(req, req.params["sub"])
    out: list[dict[str, Any]] = []
    for t in targets:
        tid = t.get("id") if isinstance(t, dict) else None
        if not isinstance(tid, str):
            continue
        found = []
        for rec in ctx.referrers(tid):
            if not rec.type.lower().startswith(RECORD_PREFIX):
                continue
            alias = ((rec.body.get("properties") or {}).get("targetResource") or {}).get("id", "")
            if normalize(alias) == normalize(tid):
                found.append({"id": rec.id})
        out.append({"dnsResources": found, "targetResource": {"id": tid}})
    return Response(200, {"properties": {"dnsResourceReferences": out}})


ROUTES.add("subscriptions/{sub}/providers/microsoft.network/getdnsresourcereference", "POST", _references)
