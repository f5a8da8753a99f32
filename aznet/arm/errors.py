"""ARM's error envelope: every failure a client sees is an ArmError rendered as
``{"error": {"code", "message", "target", "details"}}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArmError(Exception):
    status: int
    code: str
    message: str
    target: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            err["target"] = self.target
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(code: str, message: str) -> ArmError:
    return ArmError(400, code, message)


def not_found(code: str, message: str) -> ArmError:
    return ArmError(404, code, message)


def conflict(code: str, message: str) -> ArmError:
    return ArmError(409, code, message)


def resource_not_found(rtype: str, name: str, rg: str | None) -> ArmError:
    where = f" under resource group '{rg}'" if rg else ""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{rtype}/{name}'{where} was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def resource_group_not_found(rg: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
