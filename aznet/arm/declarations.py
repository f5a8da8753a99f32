"""What each package of the platform declares, and assembling a platform from an explicit list of packages.

A module declares with the usual calls (``REGISTRY.add``, ``REGISTRY.add_actions``, ``@provider_action``,
``ROUTES.add``, ``services.register``). Each declaration is recorded with the modules that made it (the
call chain, without the declaring machinery), so it belongs to the package whose module made it even when
a helper of another module did the call (``private_link_targets.declare``) or another package imported
the module first. Nothing depends on the order packages are imported in:

- ``declaration(package)`` is what one package declares: its types, the actions it offers on other
  packages' types, its routes and its service factories (each package exports it as ``DECLARATION``);
- ``assemble(packages)`` imports the packages and builds a registry, a route table and the service
  factories from their declarations alone, so two platforms in one process can differ."""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .registry import Action, Registry, ResourceType
    from .router import Route, RouteTable

# the modules that implement declaring: a declaration belongs to the module that called them
MACHINERY = frozenset({"aznet.arm.registry", "aznet.arm.router", "aznet.arm.provider_actions", "aznet.services",
                       "aznet.arm.declarations"})


@dataclass(frozen=True)
class Recorded:
    kind: str                      # "type" | "actions" | "route" | "extension" | "service"
    item: Any
    chain: tuple[str, ...]         # the declaring modules, innermost first (the call chain up to the import)


RECORDED: list[Recorded] = []


def record(kind: str, item: Any) -> None:
    chain: list[str] = []
    frame = sys._getframe(1)
    while frame is not None and len(chain) < 12:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("importlib"):
            break           # the module that imported the declaring one does not own its declarations
        if name not in MACHINERY and name.startswith("aznet.") and (not chain or chain[-1] != name):
            chain.append(name)
        frame = frame.f_back
    RECORDED.append(Recorded(kind, item, tuple(chain)))


def owner(chain: Iterable[str], packages: Sequence[str]) -> str | None:
    """The listed package a declaration belongs to: that of the innermost declaring module in one."""
    for module in chain:
        for package in packages:
            if module == package or module.startswith(package + "."):
                return package
    return None


@dataclass
class Declaration:
    """What one package declares."""
    package: str
    types: list[ResourceType] = field(default_factory=list)
    actions: list[tuple[str, list[Action]]] = field(default_factory=list)   # on other packages' types
    routes: list[Route] = field(default_factory=list)
    extensions: list[Route] = field(default_factory=list)                  # {resourceUri}/providers/...
    services: list[Callable[..., Any]] = field(default_factory=list)

    def add(self, rec: Recorded) -> None:
        if rec.kind == "type":
            rt, own_actions = rec.item
            self.types.append(copy.copy(rt) if own_actions is None else _with_actions(rt, own_actions))
        elif rec.kind == "actions":
            self.actions.append(rec.item)
        elif rec.kind == "route":
            self.routes.append(rec.item)
        elif rec.kind == "extension":
            self.extensions.append(rec.item)
        elif rec.kind == "service":
            self.services.append(rec.item)


def _with_actions(rt: ResourceType, actions: Sequence[Action]) -> ResourceType:
    """A copy of ``rt`` with the actions it was declared with (actions other packages offer are merged
    by the registry it is assembled into)."""
    out = copy.copy(rt)
    out.actions = list(actions)
    return out


def declaration(package: str, packages: Sequence[str] | None = None) -> Declaration:
    """What ``package`` declared so far (its modules are imported by its ``__init__``)."""
    listed = list(packages) if packages is not None else [package]
    if package not in listed:
        listed.append(package)
    found = Declaration(package)
    for rec in RECORDED:
        if owner(rec.chain, listed) == package:
            found.add(rec)
    return found


@dataclass
class Assembly:
    packages: tuple[str, ...]
    registry: Registry
    routes: RouteTable
    services: list[Callable[..., Any]]


def load(packages: Sequence[str]) -> None:
    for name in packages:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def assemble(packages: Sequence[str]) -> Assembly:
    """A registry, a route table and service factories from ``packages``' declarations alone."""
    from .registry import Registry
    from .router import RouteTable

    load(packages)
    decls = {p: Declaration(p) for p in packages}
    for rec in RECORDED:
        pkg = owner(rec.chain, packages)
        if pkg is not None:
            decls[pkg].add(rec)
    registry, routes = Registry(record=False), RouteTable(record=False)
    services: list[Callable[..., Any]] = []
    for pkg in packages:
        d = decls[pkg]
        registry.add_all(d.types)
        for rtype, actions in d.actions:
            registry.add_actions(rtype, actions)
        for r in d.routes:
            routes.add_route(r)
        for r in d.extensions:
            routes.extensions.append(r)
        services.extend(d.services)
    return Assembly(tuple(packages), registry, routes, services)


def unowned(packages: Sequence[str]) -> list[Recorded]:
    """Declarations made by modules of no listed package (they would be missing from an assembly)."""
    return [rec for rec in RECORDED if owner(rec.chain, packages) is None]
