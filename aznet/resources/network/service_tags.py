"""Azure service tags: the names NSG rules and routes accept in place of a
prefix (``Storage``, ``Sql.WestEurope``, ``VirtualNetwork`` …), a bundled table
of representative prefixes (aznet/netmodel/data/service_tags.json, the one table), and the list endpoint
``GET /subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/serviceTags``
in Azure's ServiceTagsListResult shape.

Public API: ``canonical(value) -> str | None`` (the tag's spelling, or None when
``value`` is not a tag), ``is_service_tag(value)``, ``prefixes(tag)``,
``is_regional_variant(value)``."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action
from ...arm.regions import DISPLAY, REGION_NAMES
from ...netmodel import service_tags as tag_model
from .ref_checks import API_VERSIONS

DATA = tag_model.DATA          # the one table, shared with the network model


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    doc = json.loads(DATA.read_text())
    doc["byName"] = {v["name"].lower(): v for v in doc["values"]}
    return doc


def _dynamic() -> dict[str, str]:
    return {n.lower(): n for n in table()["dynamicTags"]}


def _region(value: str) -> str | None:
    low = value.replace(" ", "").lower()
    return low if low in REGION_NAMES else None


def canonical(value: Any) -> str | None:
    """``Storage``, ``storage.westeurope`` -> ``Storage``, ``Storage.WestEurope``; None if not a tag."""
    if not isinstance(value, str) or not value:
        return None
    low = value.lower()
    dyn = _dynamic()
    if low in dyn:
        return dyn[low]
    by = table()["byName"]
    if low in by:
        return by[low]["name"]
    base, dot, region = value.rpartition(".")
    if dot and base.lower() in by and by[base.lower()]["regional"]:
        reg = _region(region)
        if reg is not None:
            return f"{by[base.lower()]['name']}.{DISPLAY[reg].replace(' ', '')}"
    return None


def is_service_tag(value: Any) -> bool:
    return canonical(value) is not None


def is_regional_variant(value: str) -> bool:
    name = canonical(value)
    return name is not None and name.lower() not in table()["byName"] and name.lower() not in _dynamic()


def prefixes(tag: str) -> list[str]:
    """The bundled prefixes of a tag (empty for the dynamic VirtualNetwork / Internet)."""
    name = canonical(tag)
    if name is None:
        return []
    by = table()["byName"]
    if name.lower() in by:
        return list(by[name.lower()]["addressPrefixes"])
    base, _, region = name.rpartition(".")
    entry = by.get(base.lower())
    reg = _region(region)
    if entry is None or reg is None:
        return []
    return list((entry.get("regions") or {}).get(reg, []))


# -- the list endpoint ----------------------------------------------------------------------

def _info(name: str, region: str, system: str, pfx: list[str], change: int) -> dict[str, Any]:
    return {"name": name, "id": name, "serviceTagChangeNumber": str(change),
            "properties": {"changeNumber": str(change), "region": region, "systemService": system,
                           "addressPrefixes": pfx, "state": "GA"}}


def list_result(subscription: str) -> dict[str, Any]:
    doc = table()
    change = doc["changeNumber"]
    values = []
    for v in doc["values"]:
        values.append(_info(v["name"], "", v["systemService"], v["addressPrefixes"], change))
        for reg, pfx in sorted((v.get("regions") or {}).items()):
            tag = f"{v['name']}.{DISPLAY[reg].replace(' ', '')}"
            values.append(_info(tag, reg, v["systemService"], pfx, change))
    return {"name": "Public", "id": f"/subscriptions/{subscription}/providers/Microsoft.Network/serviceTags/Public",
            "type": "Microsoft.Network/serviceTags", "changeNumber": str(change), "cloud": doc["cloud"],
            "values": values}


@provider_action("subscriptions/{sub}/providers/microsoft.network/locations/{loc}/servicetags", "GET",
                 api_versions=API_VERSIONS, name="locations/serviceTags")
def list_service_tags(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    loc = params["loc"].replace(" ", "").lower()
    if loc not in REGION_NAMES:
        raise ArmError(400, "InvalidLocation", f"The location '{params['loc']}' is not valid.")
    return 200, list_result(params["sub"])
