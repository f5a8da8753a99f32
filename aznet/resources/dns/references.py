"""``POST /subscriptions/{sub}/providers/Microsoft.Network/getDnsResourceReference``
(``az network dns list-references``): for each target resource, the alias record
sets of public zones that point at it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from . import zones
from .api_versions import DNS
from .records import bad

if TYPE_CHECKING:
    from ...arm.context import Ctx

RECORD_PREFIX = zones.TYPE.lower() + "/"


@provider_action("subscriptions/{sub}/providers/microsoft.network/getdnsresourcereference", "POST",
                 api_versions=DNS, name="getDnsResourceReference", body="required")
def references(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    targets = ((payload or {}).get("properties") or {}).get("targetResources") if isinstance(payload, dict) else None
    if not isinstance(targets, list):
        raise bad("The request needs 'properties.targetResources', a list of resource references.",
                  "properties.targetResources")
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
    return 200, {"properties": {"dnsResourceReferences": out}}
