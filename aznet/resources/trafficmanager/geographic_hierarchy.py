"""``GET /providers/Microsoft.Network/trafficManagerGeographicHierarchies/default``:
the region codes Geographic routing maps (WORLD > GEO-xx regions > countries >
states/provinces). The tree is the Traffic Manager data plane's
(``aznet.dataplane.trafficmanager.geo``), so the codes ARM accepts in
``geoMapping`` are the ones the routing decisions know."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.provider_actions import provider_action
from ...dataplane import dns as _dns_engine  # noqa: F401 - loads the engine before trafficmanager (import cycle)
from ...dataplane.trafficmanager import geo
from ..dns.api_versions import TRAFFIC_MANAGER

if TYPE_CHECKING:
    from ...arm.context import Ctx


def is_code(code: str) -> bool:
    return geo.known_code(code)


@provider_action("providers/microsoft.network/trafficmanagergeographichierarchies/default", "GET",
                 api_versions=TRAFFIC_MANAGER, name="trafficManagerGeographicHierarchies")
def get_hierarchy(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, {
        "id": "/providers/Microsoft.Network/trafficManagerGeographicHierarchies/default", "name": "default",
        "type": "Microsoft.Network/trafficManagerGeographicHierarchies",
        "properties": {"geographicHierarchy": geo.hierarchy()}}
