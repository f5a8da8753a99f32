"""``GET /subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/virtualNetworkAvailableEndpointServices``:
the services a subnet can have a service endpoint for in a region (`az network vnet list-endpoint-services`).
The list is the one subnets accept (subnet_features.SERVICE_ENDPOINTS)."""

from __future__ import annotations

from typing import Any

from ...arm.errors import ArmError
from ...arm.http import Request, Response, page
from ...arm.regions import REGION_NAMES
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from .ref_checks import API_VERSIONS
from .subnet_features import SERVICE_ENDPOINTS

TYPE = "Microsoft.Network/virtualNetworkEndpointServices"


def list_endpoint_services(platform: Any, req: Request) -> Response:
    loc = req.params["loc"].replace(" ", "").lower()
    check_api_version(req.api_version, API_VERSIONS, "locations/virtualNetworkAvailableEndpointServices", loc)
    if loc not in REGION_NAMES:
        raise ArmError(400, "LocationNotAvailableForResourceType",
                       f"The provided location '{req.params['loc']}' is not available for resource type "
                       f"'Microsoft.Network/locations/virtualNetworkAvailableEndpointServices'. List of available "
                       f"regions for the resource type is '{','.join(sorted(REGION_NAMES))}'.")
    base = f"/subscriptions/{req.params['sub']}/providers/Microsoft.Network/virtualNetworkEndpointServices"
    items = [{"name": name, "id": f"{base}/{name}", "type": TYPE} for name in SERVICE_ENDPOINTS]
    return Response(200, page(req, items, None, platform.settings.page_size))


ROUTES.add("subscriptions/{sub}/providers/microsoft.network/locations/{loc}/virtualnetworkavailableendpointservices",
           "GET", list_endpoint_services)
