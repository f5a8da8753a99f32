"""The template engine's exceptions, in ARM's terms."""

from __future__ import annotations

from typing import Any


class ExpressionError(Exception):
    """A template language expression that cannot be parsed or evaluated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuntimeValueNeeded(ExpressionError):
    """Raised while planning when a value needs a deployed resource (reference(), list*())."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key   # the plan key of the template resource waited on, when known


class TemplateError(Exception):
    """A template or deployment error, with ARM's error code (InvalidTemplate, DeploymentFailed, ...)."""

    def __init__(self, message: str, code: str = "InvalidTemplate", target: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.target = target

    def to_error(self) -> dict[str, object]:
        err: dict[str, object] = {"code": self.code, "message": self.message}
        if self.target:
            err["target"] = self.target
        return err


class DeploymentResourceError(Exception):
    """A resource write (or read) that failed: what ``ResourceOps`` raises."""

    def __init__(self, code: str, message: str, status: int = 400,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details or []          # the resource provider's inner errors, passed on as ARM does


def validation_failed(message: str, target: str | None = None) -> TemplateError:
    """Azure's wrapping of a template validation problem."""
    return TemplateError(f"Deployment template validation failed: '{message}'.", "InvalidTemplate", target)
