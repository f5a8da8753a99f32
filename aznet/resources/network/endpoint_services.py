"""``GET /subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/virtualNetworkAvailableEndpointServices``:
the services a subnet can have a service endpoint for in a region (`az network vnet list-endpoint-services`).
The list is the one subnets accept (subnet_features.SERVICE_ENDPOINTS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action
from ...arm.regions import REGION_NAMES
from .ref_checks import API_VERSIONS
from .subnet_features import SERVICE_ENDPOINTS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/virtualNetworkEndpointServices"


@provider_action("subscriptions/{sub}/providers/microsoft.network/locations/{loc}/"
                 "virtualnetworkavailableendpointservices", "GET", api_versions=API_VERSIONS,
                 name="locations/virtualNetworkAvailableEndpointServices", paged=True)
def list_endpoint_services(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    loc = params["loc"].replace(" ", "").lower()
    if loc not in REGION_NAMES:
        raise ArmError(400, "LocationNotAvailableForResourceType",
                       f"The provided location '{params['loc']}' is not available for resource type "
                       f"'Microsoft.Network/locations/virtualNetworkAvailableEndpointServices'. List of available "
                       f"regions for the resource type is '{','.join(sorted(REGION_NAMES))}'.")
    base = f"/subscriptions/{params['sub']}/providers/Microsoft.Network/virtualNetworkEndpointServices"
    return 200, [{"name": name, "id": f"{base}/{name}", "type": TYPE} for name in SERVICE_ENDPOINTS]
