"""Long-lived services that run beside the ARM endpoint (data-plane engines,
monitors). A resource package registers a factory; ``aznet up`` starts them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

if TYPE_CHECKING:
    from .config import Settings
    from .dataplane.reconcile import Reconciler
    from .monitor.metrics import MetricsRegistry
    from .store.base import Store


class Host(Protocol):
    """What a service sees of the platform it runs in (``aznet.arm.platform.Platform`` is one): the
    store it reads, the other services, the reconcile seam it registers on, the metrics registry it
    reports to and the settings. Data planes type their platform as ``Host``, so they never import
    ``aznet/arm`` (``tests/arm/test_layers.py``); what they need from the control plane reaches them
    through these, never through module globals."""

    settings: Settings
    store: Store
    services: Services
    reconciler: Reconciler
    metrics: MetricsRegistry


class Service(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def endpoints(self) -> list[dict[str, Any]]:
        """Where it listens: [{"name", "host", "port", "protocol"}]."""
        ...


ServiceFactory = Callable[[Host], Service | None]
FACTORIES: list[ServiceFactory] = []


def register(factory: ServiceFactory) -> ServiceFactory:
    from .arm import declarations

    declarations.record("service", factory)
    FACTORIES.append(factory)
    return factory


T = TypeVar("T")


class Services:
    """The long-lived helpers of one platform, looked up by type:
    ``platform.services.get(DnsService)``. The name lookups (``services["dns"]``,
    ``sorted(services)``, ``services.values()``) remain for tools and tests."""

    def __init__(self) -> None:
        self._by_name: dict[str, Any] = {}

    def add(self, svc: Any, name: str | None = None) -> Any:
        self._by_name[name or svc.name] = svc
        return svc

    @overload
    def get(self, key: type[T], default: None = None) -> T | None: ...

    @overload
    def get(self, key: str, default: Any = None) -> Any: ...

    def get(self, key: Any, default: Any = None) -> Any:
        if isinstance(key, str):
            return self._by_name.get(key, default)
        for svc in self._by_name.values():
            if type(svc) is key:
                return svc
        for svc in self._by_name.values():
            if isinstance(svc, key):
                return svc
        return default

    def require(self, key: type[T]) -> T:
        svc = self.get(key)
        if svc is None:
            raise LookupError(f"no {key.__name__} on this platform")
        return svc

    def ensure(self, key: type[T], factory: Callable[[], T]) -> T:
        """The service of type ``key``, made by ``factory`` and added on first use."""
        svc = self.get(key)
        if svc is None:
            svc = self.add(factory())
        return svc

    def __getitem__(self, name: str) -> Any:
        return self._by_name[name]

    def __setitem__(self, name: str, svc: Any) -> None:
        self._by_name[name] = svc

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            return key in self._by_name
        return isinstance(key, type) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._by_name))

    def __len__(self) -> int:
        return len(self._by_name)

    def values(self) -> list[Any]:
        return list(self._by_name.values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._by_name.items())
