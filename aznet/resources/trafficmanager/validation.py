"""Value checks Traffic Manager makes on profiles and endpoints (400 BadRequest)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...arm.errors import ArmError
from ...jsondata import spelled_as


def bad(message: str, target: str | None = None) -> ArmError:
    return ArmError(400, "BadRequest", message, target=target)


def enum(value: Any, allowed: Iterable[str], path: str, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    options = list(allowed)
    found = spelled_as(value, options)
    if found is None:
        raise bad(f"The value '{value}' of '{path}' is invalid. Allowed values are {', '.join(options)}.", path)
    return found


def integer(value: Any, path: str, lo: int, hi: int, default: int | None = None) -> Any:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str) or (
            isinstance(value, str) and not value.strip().lstrip("-").isdigit()):
        raise bad(f"The value '{value}' of '{path}' is invalid: it must be an integer.", path)
    number = int(value)
    if not lo <= number <= hi:
        raise bad(f"The value {number} of '{path}' is out of range: it must be between {lo} and {hi}.", path)
    return number
