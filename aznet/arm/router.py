"""Routes: segment patterns (``subscriptions/{sub}/resourcegroups/{rg}``),
matched case-insensitively, each to a handler. Modules add their routes at
import; generic resource paths fall through to the CRUD dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import declarations
from .http import Request, Response

if TYPE_CHECKING:
    from .platform import Platform

Handler = Callable[["Platform", Request], Response]


@dataclass
class Route:
    segments: tuple[str, ...]
    methods: frozenset[str]
    handler: Handler
    auth: bool | str = True               # True: an ARM token; "admin": the admin key or a default-tenant token

    def __post_init__(self) -> None:
        self.literals = tuple((i, s) for i, s in enumerate(self.segments) if not s.startswith("{"))
        self.captures = tuple((i, s[1:-1]) for i, s in enumerate(self.segments) if s.startswith("{"))

    def match(self, low: list[str], segs: list[str]) -> dict[str, str] | None:
        """``low`` is ``segs`` in lower case; both have this route's length."""
        for i, lit in self.literals:
            if low[i] != lit:
                return None
        return {name: segs[i] for i, name in self.captures}


class RouteTable:
    def __init__(self, record: bool = False) -> None:
        self._record = record                 # the global ROUTES records declarations (arm/declarations.py)
        self.routes: list[Route] = []
        self.by_length: dict[int, list[Route]] = {}
        self.extensions: list[Route] = []     # {resourceUri}/providers/<ns>/<...>: suffix routes

    def add_extension(self, suffix: str, methods: str | list[str], handler: Handler, auth: bool = True) -> None:
        """A route under any resource: ``providers/Microsoft.Insights/metrics`` matches
        ``{resourceUri}/providers/Microsoft.Insights/metrics``; ``params["resourceUri"]`` is the resource's id."""
        segs = tuple(s.lower() for s in suffix.strip("/").split("/") if s)
        ms = frozenset([methods] if isinstance(methods, str) else methods)
        route = Route(segs, ms, handler, auth)
        if self._record:
            declarations.record("extension", route)
        self.extensions.append(route)

    def find_extension(self, method: str, segs: list[str]) -> tuple[Route | None, dict[str, str], bool]:
        other = False
        for r in self.extensions:
            n = len(r.segments)
            if len(segs) <= n or [s.lower() for s in segs[-n:]] != list(r.segments):
                continue
            if method in r.methods or (method == "HEAD" and "GET" in r.methods):
                return r, {"resourceUri": "/" + "/".join(segs[:-n])}, False
            other = True
        return None, {}, other

    def add(self, pattern: str, methods: str | list[str], handler: Handler, auth: bool | str = True) -> None:
        segs = tuple(s if s.startswith("{") else s.lower() for s in pattern.strip("/").split("/") if s)
        ms = frozenset([methods] if isinstance(methods, str) else methods)
        route = Route(segs, ms, handler, auth)
        if self._record:
            declarations.record("route", route)
        self.add_route(route)

    def add_route(self, route: Route) -> None:
        self.routes.append(route)
        self.by_length.setdefault(len(route.segments), []).append(route)

    def route(self, pattern: str, methods: str | list[str] = "GET", auth: bool | str = True):  # type: ignore[no-untyped-def]
        def deco(fn: Handler) -> Handler:
            self.add(pattern, methods, fn, auth)
            return fn
        return deco

    def find(self, method: str, segs: list[str]) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_matched_other_method)."""
        other = False
        low = [s.lower() for s in segs]
        for r in self.by_length.get(len(segs), ()):
            params = r.match(low, segs)
            if params is None:
                continue
            if method in r.methods or (method == "HEAD" and "GET" in r.methods):
                return r, params, False
            other = True
        return None, {}, other


ROUTES = RouteTable(record=True)
