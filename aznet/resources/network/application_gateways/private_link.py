"""Private endpoints to an application gateway: the gateway's privateLinkResources
are its frontend IP configurations that carry a privateLinkConfiguration (group
id = the frontend's name), and its privateEndpointConnections follow the
approval flow of other private link targets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.registry import REGISTRY, Action, ResourceType
from ..private_link_services import ConnectionHooks
from ..ref_checks import API_VERSIONS
from .model import TYPE

if TYPE_CHECKING:
    from ....arm.context import Ctx

CONNECTION_TYPE = f"{TYPE}/privateEndpointConnections"


def _link_resources(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    value = []
    for fe in (body.get("properties") or {}).get("frontendIPConfigurations") or []:
        if (fe.get("properties") or {}).get("privateLinkConfiguration"):
            value.append({"id": f"{body['id']}/privateLinkResources/{fe['name']}", "name": fe["name"],
                          "type": f"{TYPE}/privateLinkResources",
                          "properties": {"groupId": fe["name"], "requiredMembers": [fe["name"]],
                                         "requiredZoneNames": []}})
    return 200, {"value": value}


ACTION = Action("privateLinkResources", _link_resources, method="GET")
REGISTRY.add(ResourceType(CONNECTION_TYPE, API_VERSIONS, model="ApplicationGatewayPrivateEndpointConnection",
                          location="none", hooks=ConnectionHooks()))
