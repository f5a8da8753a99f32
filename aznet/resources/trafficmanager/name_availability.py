"""``POST /providers/Microsoft.Network/checkTrafficManagerNameAvailability`` and the
subscription-level ``…/checkTrafficManagerNameAvailabilityV2``: is a relative DNS
name free in ``trafficmanager.net`` (across every subscription)?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.http import Request, Response
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from ..dns.api_versions import TRAFFIC_MANAGER
from . import profiles
from .validation import bad

if TYPE_CHECKING:
    from ...arm.platform import Platform


def availability(p: Platform, req: Request, sub: str) -> dict[str, Any]:
    check_api_version(req.api_version, TRAFFIC_MANAGER, "checkTrafficManagerNameAvailability")
    payload = req.json()
    if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
        raise bad("The request needs the relative DNS name to check ('name').", "name")
    name = payload["name"]
    rtype = payload.get("type") or profiles.TYPE
    out: dict[str, Any] = {"name": name, "type": rtype}
    if not profiles.LABEL_RE.match(name):
        return {**out, "nameAvailable": False, "reason": "Invalid",
                "message": f"The relative DNS name '{name}' is invalid: it must be 1-63 letters, digits and "
                           "hyphens, starting and ending with a letter or digit."}
    ctx = p.ctx(req, sub)
    if profiles.name_taken(ctx, name) is not None:
        return {**out, "nameAvailable": False, "reason": "AlreadyExists",
                "message": f"Domain name {profiles.fqdn(name)} already exists. Please choose a different DNS "
                           "prefix."}
    return {**out, "nameAvailable": True}


def _v1(p: Platform, req: Request) -> Response:
    return Response(200, availability(p, req, p.settings.default_subscription))


def _v2(p: Platform, req: Request) -> Response:
    return Response(200, availability(p, req, req.params["sub"]))


ROUTES.add("providers/microsoft.network/checktrafficmanagernameavailability", "POST", _v1)
ROUTES.add("subscriptions/{sub}/providers/microsoft.network/checktrafficmanagernameavailabilityv2", "POST", _v2)
