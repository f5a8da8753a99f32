"""Shared pieces of classic Front Door and Front Door WAF policies."""

from __future__ import annotations

from typing import Any

from ...arm.errors import ArmError
from ..cdn.common import choice as pick  # noqa: F401 - the same enum check, one definition

FRONT_DOOR_API = (
    "2018-08-01 2019-04-01 2019-05-01 2020-01-01 2020-04-01 2020-05-01 2021-06-01 2024-02-01 2025-03-01 2025-10-01"
).split()
WAF_API = (
    "2018-08-01 2019-03-01 2019-10-01 2020-04-01 2020-11-01 2021-06-01 2022-05-01 2024-02-01 2025-03-01 2025-10-01"
).split()
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
