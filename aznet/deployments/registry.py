"""The template function registry: name -> (function, min args, max args), plus the lazy functions that
receive their call unevaluated, and the argument checks the library shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ExpressionError
from .values import type_name

if TYPE_CHECKING:
    from .evaluate import Ctx
    from .expressions import Call

FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {}
LAZY: dict[str, Callable[[Ctx, Call], Any]] = {}


def fn(name: str, lo: int = 0, hi: int | None = -1) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``name`` taking from ``lo`` to ``hi`` arguments (``hi=None``: any number; -1: exactly lo)."""
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[name.lower()] = (f, lo, lo if hi == -1 else hi)
        return f
    return deco


def want(name: str, value: Any, *types: type, what: str = "") -> Any:
    if isinstance(value, bool) and bool not in types:
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        names = "' or '".join(type_name(t()) if t is not float else "Float" for t in types)
        raise ExpressionError(f"The template language function '{name}' expects its {what or 'parameter'} to be "
                              f"of type '{names}'. The provided value is of type '{type_name(value)}'. Please see "
                              "https://aka.ms/arm-functions for usage details.")
    return value


def want_int(name: str, value: Any, what: str = "") -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return want(name, value, int, what=what)
