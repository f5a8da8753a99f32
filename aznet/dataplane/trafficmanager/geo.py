"""Where a client is: Azure's geographic hierarchy, IP → country, and a region-distance heuristic.

- ``data/geographic_hierarchy.json`` is the tree ``trafficManagerGeographicHierarchies/default``
  returns (WORLD → GEO-xx continents → countries → US/CA/AU/GB states), built from the region
  codes Azure's documentation lists.
- Countries come from ``iptocc``: an offline IP-to-country table (regional internet registry
  delegations) shipped inside the package; nothing is looked up over the network. It knows
  countries only, so a client never matches a state code (US-WA…) directly; a state mapped in a
  profile is reached by clients of that state only through a Subnet profile or not at all.
- Performance routing (``client_point``): a client's position is its country's Azure region
  when the country has one (table below), else a point in its continent; the endpoint whose
  ``endpointLocation`` region is nearest (great-circle distance) wins. Real Azure measures
  latency; this stand-in is deterministic and documented.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
from importlib import resources as importlib_resources
from typing import Any

from ...regions import REGIONS

try:  # the offline IP-to-country table
    import iptocc as _iptocc
except ImportError:  # pragma: no cover - the dependency is declared; keep answering without it
    _iptocc = None

WORLD = "WORLD"

REGION_POINTS: dict[str, tuple[float, float]] = {r[0]: (r[3], r[4]) for r in REGIONS}

# countries with an Azure region of their own: the client sits at that region
COUNTRY_REGION = {
    "US": "centralus", "CA": "canadacentral", "MX": "mexicocentral", "BR": "brazilsouth", "GB": "uksouth",
    "IE": "northeurope", "NL": "westeurope", "FR": "francecentral", "DE": "germanywestcentral",
    "CH": "switzerlandnorth", "NO": "norwayeast", "SE": "swedencentral", "PL": "polandcentral",
    "IT": "italynorth", "ES": "spaincentral", "AE": "uaenorth", "QA": "qatarcentral", "IL": "israelcentral",
    "ZA": "southafricanorth", "IN": "centralindia", "JP": "japaneast", "KR": "koreacentral",
    "AU": "australiaeast", "NZ": "newzealandnorth", "SG": "southeastasia", "HK": "eastasia",
}
# otherwise a point in the continent (GEO-xx code of the hierarchy)
CONTINENT_POINTS = {
    "GEO-EU": (50.0, 10.0), "GEO-ME": (26.0, 45.0), "GEO-NA": (39.0, -95.0), "GEO-SA": (-15.0, -55.0),
    "GEO-AS": (25.0, 100.0), "GEO-AF": (2.0, 20.0), "GEO-AP": (-25.0, 140.0), "GEO-AN": (-75.0, 0.0),
}


@functools.cache
def hierarchy() -> dict[str, Any]:
    """The default geographic hierarchy (WORLD at the root), as ARM returns it."""
    text = importlib_resources.files(__package__).joinpath("data/geographic_hierarchy.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _parents() -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(node: dict[str, Any]) -> None:
        for child in node.get("regions") or []:
            out[child["code"].upper()] = node["code"].upper()
            walk(child)

    walk(hierarchy())
    return out


def known_code(code: str) -> bool:
    c = code.upper()
    return c == WORLD or c in _parents()


def ancestry(code: str) -> list[str]:
    """``code`` and every region containing it, most specific first, ending at WORLD."""
    out = [code.upper()]
    parents = _parents()
    while out[-1] in parents:
        out.append(parents[out[-1]])
    if out[-1] != WORLD:
        out.append(WORLD)
    return out


@functools.lru_cache(maxsize=65536)
def country_of(address: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a public address; None for private, loopback or unknown ones."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if not ip.is_global or _iptocc is None:
        return None
    try:
        code = _iptocc.country_code(str(ip))
    except Exception:  # noqa: BLE001
        return None
    return code.upper() if isinstance(code, str) and code else None


def client_point(country: str | None) -> tuple[float, float] | None:
    if country is None:
        return None
    region = COUNTRY_REGION.get(country)
    if region in REGION_POINTS:
        return REGION_POINTS[region]
    for code in ancestry(country):
        if code in CONTINENT_POINTS:
            return CONTINENT_POINTS[code]
    return None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))
