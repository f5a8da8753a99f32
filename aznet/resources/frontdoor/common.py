"""Shared pieces of classic Front Door and Front Door WAF policies."""

from __future__ import annotations

from typing import Any

from ...arm.errors import ArmError
from ...arm.versions import supported
from ..cdn.common import choice as pick  # noqa: F401 - the same enum check, one definition

FRONT_DOOR_API = supported("frontdoor")
WAF_API = supported("frontdoorwaf")
FRONT_DOOR = "Microsoft.Network/frontDoors"
RULES_ENGINE = "Microsoft.Network/frontDoors/rulesEngines"
WAF_POLICY = "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"


def bad(message: str, target: str | None = None, code: str = "BadRequest") -> ArmError:
    return ArmError(400, code, message, target=target)


def integer(value: Any, path: str, low: int, high: int, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(f"The value '{value}' at {path} must be an integer between {low} and {high}.", path)
    return value
