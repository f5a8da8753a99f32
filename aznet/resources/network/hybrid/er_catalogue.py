"""ExpressRoute catalogues: the connectivity providers (``expressRouteServiceProviders``: peering
locations and the bandwidths each offers), the ExpressRoute Direct port locations
(``ExpressRoutePortsLocations``, with the port bandwidths 10 and 100 Gbps) and the BGP communities
of Microsoft's services (``bgpServiceCommunities``, what a route filter rule may name).

The provider names and locations are a subset of Azure's published list ("ExpressRoute connectivity
providers" and "ExpressRoute locations"); the bandwidth steps are Azure's (50 Mbps to 10 Gbps); the
community values are Azure's documented ones ("ExpressRoute routing requirements": service and
regional BGP community values). A circuit's serviceProviderProperties are checked against this table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ....arm.errors import ArmError
from ....arm.provider_actions import provider_action
from .. import service_tags
from ..ref_checks import since

API_VERSIONS = since("2015-06-15")
PORTS_API_VERSIONS = since("2018-08-01")
COMMUNITIES_API_VERSIONS = since("2016-12-01")

MBPS_STEPS = (50, 100, 200, 500, 1000, 2000, 5000, 10000)


def _offer(mbps: int) -> dict[str, Any]:
    return {"offerName": f"{mbps // 1000}Gbps" if mbps >= 1000 else f"{mbps}Mbps", "valueInMbps": mbps}


@dataclass(frozen=True)
class Provider:
    name: str
    locations: tuple[str, ...]
    bandwidths: tuple[int, ...] = MBPS_STEPS


PROVIDERS: tuple[Provider, ...] = (
    Provider("Equinix", ("Amsterdam", "Chicago", "Dallas", "Frankfurt", "London", "Silicon Valley", "Singapore",
                         "Tokyo", "Washington DC", "Sydney", "Seattle", "Paris")),
    Provider("AT&T NetBond", ("Chicago", "Dallas", "Silicon Valley", "Washington DC", "Amsterdam", "London")),
    Provider("Verizon", ("Chicago", "Dallas", "Silicon Valley", "Washington DC", "London", "Amsterdam", "Hong Kong")),
    Provider("Megaport", ("Amsterdam", "Chicago", "Dallas", "Frankfurt", "London", "Los Angeles", "Seattle",
                          "Silicon Valley", "Singapore", "Sydney", "Washington DC"), (50, 100, 200, 500, 1000,
                                                                                      2000, 5000, 10000)),
    Provider("Colt", ("Amsterdam", "Frankfurt", "London", "Paris", "Tokyo")),
    Provider("BT", ("Amsterdam", "London", "Silicon Valley", "Washington DC")),
    Provider("Orange", ("Amsterdam", "London", "Paris", "Silicon Valley", "Washington DC")),
    Provider("Zayo", ("Amsterdam", "Chicago", "London", "Los Angeles", "Washington DC"), (200, 500, 1000, 2000,
                                                                                          5000, 10000)),
    Provider("NTT Communications", ("London", "Osaka", "Tokyo", "Singapore", "Hong Kong")),
    Provider("Lumen Technologies", ("Chicago", "Dallas", "Denver", "London", "Washington DC", "Silicon Valley")),
)
_BY_NAME = {p.name.lower(): p for p in PROVIDERS}

# ExpressRoute Direct: port pairs at these peering locations, 10 or 100 Gbps per port
PORT_LOCATIONS: tuple[tuple[str, str, str], ...] = (
    ("Equinix-Ashburn-DC2", "21715 Filigree Court, DC2, Building F, Ashburn, VA 20147", "support@equinix.com"),
    ("Equinix-Amsterdam-AM5", "Luttenbergweg 4, 1101 EC Amsterdam, Netherlands", "support@equinix.com"),
    ("Equinix-SiliconValley-SV1", "11 Great Oaks Blvd, San Jose, CA 95119", "support@equinix.com"),
    ("Equinix-London-LD5", "8 Buckingham Avenue, Slough SL1 4AX, United Kingdom", "support@equinix.com"),
    ("Interxion-Frankfurt-FRA6", "Weissmuellerstrasse 21-23, 60314 Frankfurt, Germany", "support@interxion.com"),
)
PORT_GBPS = (10, 100)
DIRECT_CIRCUIT_GBPS = (1, 2, 5, 10, 40, 100)

# (service name, service group, community name, community value, supported region, service tag whose
# bundled prefixes the community carries: the regional communities carry AzureCloud.<region>)
COMMUNITIES: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("ExchangeOnline", "Microsoft 365", "Exchange Online", "12076:5010", "Global", None),
    ("SharePointOnline", "Microsoft 365", "SharePoint Online", "12076:5020", "Global", None),
    ("SkypeForBusiness", "Microsoft 365", "Skype For Business Online", "12076:5030", "Global", None),
    ("CRMOnline", "Dynamics 365", "CRM Online", "12076:5040", "Global", None),
    ("AzureActiveDirectory", "Other Microsoft services", "Azure Active Directory", "12076:5060", "Global",
     "AzureActiveDirectory"),
    ("OtherMicrosoftOffice365", "Microsoft 365", "Other Office 365 Services", "12076:5100", "Global", None),
    ("AzureWestEurope", "Azure regional", "Azure West Europe", "12076:51002", "West Europe", "AzureCloud.westeurope"),
    ("AzureNorthEurope", "Azure regional", "Azure North Europe", "12076:51003", "North Europe",
     "AzureCloud.northeurope"),
    ("AzureEastUS", "Azure regional", "Azure East US", "12076:51004", "East US", "AzureCloud.eastus"),
    ("AzureEastUS2", "Azure regional", "Azure East US 2", "12076:51005", "East US 2", "AzureCloud.eastus2"),
    ("AzureWestUS", "Azure regional", "Azure West US", "12076:51006", "West US", "AzureCloud.westus"),
    ("AzureWestUS2", "Azure regional", "Azure West US 2", "12076:51026", "West US 2", "AzureCloud.westus2"),
    ("AzureCentralUS", "Azure regional", "Azure Central US", "12076:51009", "Central US", "AzureCloud.centralus"),
    ("AzureUKSouth", "Azure regional", "Azure UK South", "12076:51024", "UK South", "AzureCloud.uksouth"),
)
COMMUNITY_VALUES = frozenset(c[3] for c in COMMUNITIES)


def community_prefixes(value: str, version: int = 4) -> list[str]:
    """The prefixes Microsoft announces with a BGP community over Microsoft peering: the bundled prefixes of
    the service tag it stands for (aznet's service-tag table is a representative subset of Azure's)."""
    tag = next((c[5] for c in COMMUNITIES if c[3] == value), None)
    if tag is None:
        return []
    return [p for p in service_tags.prefixes(tag) if (":" in p) == (version == 6)]


def provider(name: Any) -> Provider | None:
    return _BY_NAME.get(name.lower()) if isinstance(name, str) else None


def port_location(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    return next((n for n, _, _ in PORT_LOCATIONS if n.lower() == name.lower()), None)


def _provider_body(sub: str, p: Provider) -> dict[str, Any]:
    return {"id": f"/subscriptions/{sub}/providers/Microsoft.Network/expressRouteServiceProviders/{p.name}",
            "name": p.name, "type": "Microsoft.Network/expressRouteServiceProviders",
            "properties": {"peeringLocations": list(p.locations),
                           "bandwidthsOffered": [_offer(m) for m in p.bandwidths],
                           "provisioningState": "Succeeded"}}


@provider_action("subscriptions/{sub}/providers/microsoft.network/expressrouteserviceproviders", "GET",
                 api_versions=API_VERSIONS, name="expressRouteServiceProviders", paged=True)
def list_providers(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, [_provider_body(params["sub"], p) for p in PROVIDERS]


def _port_location_body(sub: str, name: str, address: str, contact: str) -> dict[str, Any]:
    return {"id": f"/subscriptions/{sub}/providers/Microsoft.Network/ExpressRoutePortsLocations/{name}",
            "name": name, "type": "Microsoft.Network/expressRoutePortsLocations",
            "properties": {"address": address, "contact": contact,
                           "availableBandwidths": [{"offerName": f"{g} Gbps", "valueInGbps": g} for g in PORT_GBPS],
                           "provisioningState": "Succeeded"}}


@provider_action("subscriptions/{sub}/providers/microsoft.network/expressrouteportslocations", "GET",
                 api_versions=PORTS_API_VERSIONS, name="ExpressRoutePortsLocations", paged=True)
def list_port_locations(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, [_port_location_body(params["sub"], *loc) for loc in PORT_LOCATIONS]


@provider_action("subscriptions/{sub}/providers/microsoft.network/expressrouteportslocations/{loc}", "GET",
                 api_versions=PORTS_API_VERSIONS, name="ExpressRoutePortsLocations")
def get_port_location(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    for loc in PORT_LOCATIONS:
        if loc[0].lower() == params["loc"].lower():
            return 200, _port_location_body(params["sub"], *loc)
    raise ArmError(404, "ResourceNotFound", f"ExpressRoute ports location {params['loc']} was not found.")


@provider_action("subscriptions/{sub}/providers/microsoft.network/bgpservicecommunities", "GET",
                 api_versions=COMMUNITIES_API_VERSIONS, name="bgpServiceCommunities", paged=True)
def list_communities(ctx: Any, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    out = []
    for service, group, cname, value, region, _tag in COMMUNITIES:
        out.append({"id": f"/subscriptions/{params['sub']}/providers/Microsoft.Network/bgpServiceCommunities/"
                          f"{service}", "name": service, "type": "Microsoft.Network/bgpServiceCommunities",
                    "properties": {"serviceName": service, "bgpCommunities": [{
                        "serviceSupportedRegion": region, "communityName": cname, "communityValue": value,
                        "communityPrefixes": community_prefixes(value) + community_prefixes(value, 6),
                        "isAuthorizedToUse": True, "serviceGroup": group}]}})
    return 200, out
