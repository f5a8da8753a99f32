"""``GET /providers/Microsoft.Network/trafficManagerGeographicHierarchies/default``:
the region codes Geographic routing maps (WORLD > GEO-xx regions > countries >
states/provinces). The tree comes from the DNS data plane's data file when it
ships one (``aznet/dataplane/trafficmanager/**/*hierarchy*.json``), else from the
compact built-in table below (Azure's regions, ISO 3166 country codes, and the
US, Canadian and Australian subdivisions Azure lists)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...arm.http import Request, Response
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from ..dns.api_versions import TRAFFIC_MANAGER

if TYPE_CHECKING:
    from ...arm.platform import Platform

REGIONS = {
    "GEO-EU": ("Europe", "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI "
                         "LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"),
    "GEO-AS": ("Asia", "AF BD BN BT CN HK ID IN JP KG KH KP KR KZ LA LK MM MN MO MV MY NP PH PK SG TH TJ TL TM TW "
                       "UZ VN"),
    "GEO-ME": ("Middle East", "AE AM AZ BH GE IL IQ IR JO KW LB OM PS QA SA SY TR YE"),
    "GEO-AF": ("Africa", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG "
                         "ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"),
    "GEO-NA": ("North America / Central America / Caribbean",
               "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR "
               "SV SX TC TT US VC VG VI"),
    "GEO-SA": ("South America", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"),
    "GEO-AP": ("Australia / Pacific", "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"),
    "GEO-AN": ("Antarctica", "AQ BV GS HM TF"),
}
SUBDIVISIONS = {
    "US": "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV NY "
          "OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY",
    "CA": "AB BC MB NB NL NS NT NU ON PE QC SK YT",
    "AU": "ACT NSW NT QLD SA TAS VIC WA",
}


def _built_in() -> dict[str, Any]:
    regions = []
    for code, (name, countries) in REGIONS.items():
        kids = []
        for c in countries.split():
            subs = [{"code": f"{c}-{s}", "name": f"{c}-{s}", "regions": []} for s in SUBDIVISIONS.get(c, "").split()]
            kids.append({"code": c, "name": c, "regions": subs})
        regions.append({"code": code, "name": name, "regions": kids})
    return {"code": "WORLD", "name": "World", "regions": regions}


@functools.cache
def hierarchy() -> dict[str, Any]:
    data_dir = Path(__file__).resolve().parents[2] / "dataplane" / "trafficmanager"
    for path in sorted(data_dir.glob("**/*hierarch*.json")) if data_dir.is_dir() else []:
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        tree = ((doc.get("properties") or {}).get("geographicHierarchy") if "properties" in doc else doc)
        if isinstance(tree, dict) and tree.get("code"):
            return tree
    return _built_in()


@functools.cache
def parents() -> dict[str, str | None]:
    """Every code (upper case) -> its parent's code."""
    out: dict[str, str | None] = {}

    def walk(node: dict[str, Any], parent: str | None) -> None:
        out[node["code"].upper()] = parent
        for child in node.get("regions") or []:
            walk(child, node["code"].upper())

    walk(hierarchy(), None)
    return out


def is_code(code: str) -> bool:
    return code.upper() in parents()


def _get(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, TRAFFIC_MANAGER, "trafficManagerGeographicHierarchies")
    return Response(200, {
        "id": "/providers/Microsoft.Network/trafficManagerGeographicHierarchies/default", "name": "default",
        "type": "Microsoft.Network/trafficManagerGeographicHierarchies",
        "properties": {"geographicHierarchy": hierarchy()}})


ROUTES.add("providers/microsoft.network/trafficmanagergeographichierarchies/default", "GET", _get)
