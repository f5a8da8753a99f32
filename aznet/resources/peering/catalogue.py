"""The Peering Service catalogues: countries, peering service locations (a metro with its country, state
and Azure region) and the connectivity partners (with the peering locations where they meet Microsoft);
``checkServiceProviderAvailability`` answers whether a partner serves a location. The partner and location
names are a subset of Azure's published Peering Service partner list."""

from __future__ import annotations

from typing import Any

from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action
from ...arm.versions import supported

API_VERSIONS = supported("peering")

# location, country, state, Azure region
LOCATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Washington", "United States", "Washington", "westus2"),
    ("Virginia", "United States", "Virginia", "eastus"),
    ("Texas", "United States", "Texas", "southcentralus"),
    ("California", "United States", "California", "westus"),
    ("London", "United Kingdom", "England", "uksouth"),
    ("Amsterdam", "Netherlands", "North Holland", "westeurope"),
    ("Frankfurt", "Germany", "Hesse", "germanywestcentral"),
    ("Tokyo", "Japan", "Tokyo", "japaneast"),
    ("Singapore", "Singapore", "Singapore", "southeastasia"),
    ("Sydney", "Australia", "New South Wales", "australiaeast"),
)
# provider -> (service locations it serves, peering locations where it meets Microsoft)
PROVIDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Lumen Technologies": (("Washington", "Virginia", "Texas", "California"), ("Seattle", "Ashburn", "Dallas",
                                                                              "San Jose")),
    "Colt": (("London", "Amsterdam", "Frankfurt", "Tokyo"), ("London", "Amsterdam", "Frankfurt", "Tokyo")),
    "NTT Communications": (("Tokyo", "Singapore"), ("Tokyo", "Osaka", "Singapore")),
    "Kordia Limited": (("Sydney",), ("Sydney", "Auckland")),
    "DE-CIX": (("Frankfurt", "Amsterdam"), ("Frankfurt", "Madrid", "Marseille")),
}


def location(name: Any) -> tuple[str, str, str, str] | None:
    return next((r for r in LOCATIONS if isinstance(name, str) and r[0].lower() == name.lower()), None)


def provider(name: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    for n, (served, peering) in PROVIDERS.items():
        if isinstance(name, str) and n.lower() == name.lower():
            return n, served, peering
    return None


def _sub_path(sub: str, kind: str, name: str) -> str:
    return f"/subscriptions/{sub}/providers/Microsoft.Peering/{kind}/{name}"


@provider_action("subscriptions/{sub}/providers/microsoft.peering/peeringservicecountries", "GET",
                 api_versions=API_VERSIONS, name="peeringServiceCountries", paged=True)
def countries(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    names = sorted({r[1] for r in LOCATIONS})
    return 200, [{"id": _sub_path(params["sub"], "peeringServiceCountries", n), "name": n,
                  "type": "Microsoft.Peering/peeringServiceCountries"} for n in names]


@provider_action("subscriptions/{sub}/providers/microsoft.peering/peeringservicelocations", "GET",
                 api_versions=API_VERSIONS, name="peeringServiceLocations", paged=True)
def locations(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    country = ctx.arg("country")
    return 200, [{"id": _sub_path(params["sub"], "peeringServiceLocations", n), "name": n,
                  "type": "Microsoft.Peering/peeringServiceLocations",
                  "properties": {"country": c, "state": s, "azureRegion": region}}
                 for n, c, s, region in LOCATIONS if country is None or c.lower() == country.lower()]


@provider_action("subscriptions/{sub}/providers/microsoft.peering/peeringserviceproviders", "GET",
                 api_versions=API_VERSIONS, name="peeringServiceProviders", paged=True)
def providers(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, [{"id": _sub_path(params["sub"], "peeringServiceProviders", n), "name": n,
                  "type": "Microsoft.Peering/peeringServiceProviders",
                  "properties": {"serviceProviderName": n, "peeringLocations": list(peering)}}
                 for n, (_, peering) in PROVIDERS.items()]


@provider_action("subscriptions/{sub}/providers/microsoft.peering/checkserviceprovideravailability", "POST",
                 api_versions=API_VERSIONS, name="checkServiceProviderAvailability", body="required")
def check_availability(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    if not isinstance(payload, dict):
        raise ArmError(400, "InvalidRequestContent", "Expected peeringServiceLocation and peeringServiceProvider.")
    loc = location(payload.get("peeringServiceLocation"))
    prov = provider(payload.get("peeringServiceProvider"))
    return 200, "Available" if loc is not None and prov is not None and loc[0] in prov[1] else "Unavailable"
