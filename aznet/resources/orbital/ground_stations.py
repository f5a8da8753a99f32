"""The ``availableGroundStations`` catalogue (``?capability=EarthObservation|Communication``): Azure
Orbital's own stations and its partners' (names, cities and providers as Azure Orbital lists them;
coordinates are the sites' published positions, to about a kilometre)."""

from __future__ import annotations

from typing import Any

from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action
from ...arm.versions import supported
from .passes import Station

API_VERSIONS = supported("orbital")
# name, city, provider, Azure region, latitude, longitude, altitude (m), capabilities, the antenna's
# minimum elevation in degrees (its horizon mask: a contact profile cannot go below it)
STATIONS: tuple[tuple[str, str, str, str, float, float, float, tuple[str, ...], float], ...] = (
    ("Microsoft_Quincy", "Quincy", "Microsoft", "westus2", 47.2339, -119.8524, 380.0,
     ("EarthObservation", "Communication"), 5.0),
    ("Microsoft_Gavle", "Gavle", "Microsoft", "swedencentral", 60.6749, 17.1413, 30.0,
     ("EarthObservation", "Communication"), 5.0),
    ("Microsoft_Singapore", "Singapore", "Microsoft", "southeastasia", 1.3521, 103.8198, 15.0,
     ("EarthObservation", "Communication"), 10.0),
    ("KSAT_Svalbard", "Svalbard", "KSAT", "northeurope", 78.2298, 15.4078, 500.0, ("EarthObservation",), 5.0),
    ("KSAT_Awarua", "Awarua", "KSAT", "australiaeast", -46.5287, 168.3812, 10.0, ("EarthObservation",), 5.0),
    ("KSAT_Prudhoe", "Prudhoe Bay", "KSAT", "westus2", 70.2003, -148.4597, 10.0, ("EarthObservation",), 5.0),
)
CAPABILITIES = ("EarthObservation", "Communication")


def station(name: Any) -> Station | None:
    for n, _, _, _, lat, lon, alt, _, min_el in STATIONS:
        if isinstance(name, str) and n.lower() == name.lower():
            return Station(n, lat, lon, alt, min_el)
    return None


def _body(sub: str, row: tuple[Any, ...]) -> dict[str, Any]:
    name, city, provider, region, lat, lon, alt, _, _ = row
    return {"id": f"/subscriptions/{sub}/providers/Microsoft.Orbital/availableGroundStations/{name}",
            "name": name, "type": "Microsoft.Orbital/availableGroundStations", "location": region,
            "properties": {"city": city, "providerName": provider, "longitudeDegrees": lon, "latitudeDegrees": lat,
                           "altitudeMeters": alt, "releaseMode": "GA"}}


@provider_action("subscriptions/{sub}/providers/microsoft.orbital/availablegroundstations", "GET",
                 api_versions=API_VERSIONS, name="availableGroundStations", paged=True)
def list_stations(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    cap = ctx.arg("capability")
    match = next((c for c in CAPABILITIES if isinstance(cap, str) and c.lower() == cap.lower()), None)
    if match is None:
        raise ArmError(400, "InvalidParameter",
                       f"The capability {cap!r} is not valid: use EarthObservation or Communication.")
    return 200, [_body(params["sub"], row) for row in STATIONS if match in row[7]]


@provider_action("subscriptions/{sub}/providers/microsoft.orbital/availablegroundstations/{name}", "GET",
                 api_versions=API_VERSIONS, name="availableGroundStations")
def get_station(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    for row in STATIONS:
        if row[0].lower() == params["name"].lower():
            return 200, _body(params["sub"], row)
    raise ArmError(404, "ResourceNotFound", f"Ground station {params['name']} was not found.")
