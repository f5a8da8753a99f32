"""Long-lived services that run beside the ARM endpoint (data-plane engines,
monitors). A resource package registers a factory; ``aznet up`` starts them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .arm.platform import Platform


class Service(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def endpoints(self) -> list[dict[str, Any]]:
        """Where it listens: [{"name", "host", "port", "protocol"}]."""
        ...


ServiceFactory = Callable[["Platform"], Service | None]
FACTORIES: list[ServiceFactory] = []


def register(factory: ServiceFactory) -> ServiceFactory:
    FACTORIES.append(factory)
    return factory
