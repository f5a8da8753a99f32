"""``POST /providers/Microsoft.Network/checkTrafficManagerNameAvailability`` and the
subscription-level ``…/checkTrafficManagerNameAvailabilityV2``: is a relative DNS
name free in ``trafficmanager.net`` (across every subscription)?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.provider_actions import provider_action
from ..dns.api_versions import TRAFFIC_MANAGER
from . import profiles
from .validation import bad

if TYPE_CHECKING:
    from ...arm.context import Ctx


def availability(ctx: Ctx, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
        raise bad("The request needs the relative DNS name to check ('name').", "name")
    name = payload["name"]
    rtype = payload.get("type") or profiles.TYPE
    out: dict[str, Any] = {"name": name, "type": rtype}
    if not profiles.LABEL_RE.match(name):
        return {**out, "nameAvailable": False, "reason": "Invalid",
                "message": f"The relative DNS name '{name}' is invalid: it must be 1-63 letters, digits and "
                           "hyphens, starting and ending with a letter or digit."}
    if profiles.name_taken(ctx, name) is not None:
        return {**out, "nameAvailable": False, "reason": "AlreadyExists",
                "message": f"Domain name {profiles.fqdn(name)} already exists. Please choose a different DNS "
                           "prefix."}
    return {**out, "nameAvailable": True}


@provider_action("providers/microsoft.network/checktrafficmanagernameavailability", "POST",
                 api_versions=TRAFFIC_MANAGER, name="checkTrafficManagerNameAvailability", body="required")
@provider_action("subscriptions/{sub}/providers/microsoft.network/checktrafficmanagernameavailabilityv2", "POST",
                 api_versions=TRAFFIC_MANAGER, name="checkTrafficManagerNameAvailability", body="required")
def check_name(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, availability(ctx, payload)
