"""Routes: segment patterns (``subscriptions/{sub}/resourcegroups/{rg}``),
matched case-insensitively, each to a handler. Modules add their routes at
import; generic resource paths fall through to the CRUD dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .http import Request, Response

if TYPE_CHECKING:
    from .platform import Platform

Handler = Callable[["Platform", Request], Response]


@dataclass
class Route:
    segments: tuple[str, ...]
    methods: frozenset[str]
    handler: Handler
    auth: bool = True

    def match(self, segs: list[str]) -> dict[str, str] | None:
        if len(segs) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for pat, seg in zip(self.segments, segs, strict=True):
            if pat.startswith("{"):
                params[pat[1:-1]] = seg
            elif pat != seg.lower():
                return None
        return params


class RouteTable:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, pattern: str, methods: str | list[str], handler: Handler, auth: bool = True) -> None:
        segs = tuple(s if s.startswith("{") else s.lower() for s in pattern.strip("/").split("/") if s)
        ms = frozenset([methods] if isinstance(methods, str) else methods)
        self.routes.append(Route(segs, ms, handler, auth))

    def route(self, pattern: str, methods: str | list[str] = "GET", auth: bool = True):  # type: ignore[no-untyped-def]
        def deco(fn: Handler) -> Handler:
            self.add(pattern, methods, fn, auth)
            return fn
        return deco

    def find(self, method: str, segs: list[str]) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_matched_other_method)."""
        other = False
        for r in self.routes:
            params = r.match(segs)
            if params is None:
                continue
            if method in r.methods or (method == "HEAD" and "GET" in r.methods):
                return r, params, False
            other = True
        return None, {}, other


ROUTES = RouteTable()
