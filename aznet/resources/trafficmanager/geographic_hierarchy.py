"""``GET /providers/Microsoft.Network/trafficManagerGeographicHierarchies/default``:
the region codes Geographic routing maps (WORLD > GEO-xx regions > countries >
states/provinces). The tree is the Traffic Manager data plane's
(``aznet.dataplane.trafficmanager.geo``), so the codes ARM accepts in
``geoMapping`` are the ones the routing decisions know."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...arm.http import Request, Response
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from ...dataplane import dns as _dns_engine  # noqa: F401 - loads the engine before trafficmanager (import cycle)
from ...dataplane.trafficmanager import geo
from ..dns.api_versions import TRAFFIC_MANAGER

if TYPE_CHECKING:
    from ...arm.platform import Platform


def is_code(code: str) -> bool:
    return geo.known_code(code)


def _get(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, TRAFFIC_MANAGER, "trafficManagerGeographicHierarchies")
    return Response(200, {
        "id": "/providers/Microsoft.Network/trafficManagerGeographicHierarchies/default", "name": "default",
        "type": "Microsoft.Network/trafficManagerGeographicHierarchies",
        "properties": {"geographicHierarchy": geo.hierarchy()}})


ROUTES.add("providers/microsoft.network/trafficmanagergeographichierarchies/default", "GET", _get)
