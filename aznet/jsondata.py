"""Helpers for JSON-shaped data (dicts, lists, scalars) shared by every layer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def copy_json(node: Any) -> Any:
    """A fast deep copy for JSON-shaped data; any depth (an explicit stack takes over when the
    recursive copy runs out of recursion, e.g. for a body stored by an older aznet)."""
    try:
        return _copy_rec(node)
    except RecursionError:
        return _copy_iter(node)


def _copy_rec(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy_rec(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy_rec(v) for v in node]
    return node


def _copy_iter(node: Any) -> Any:
    if not isinstance(node, dict | list):
        return node
    root: Any = {} if isinstance(node, dict) else []
    stack: list[tuple[Any, Any]] = [(node, root)]
    while stack:
        src, dst = stack.pop()
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for k, v in items:
            new = ({} if isinstance(v, dict) else []) if isinstance(v, dict | list) else v
            if isinstance(v, dict | list):
                stack.append((v, new))
            if isinstance(dst, dict):
                dst[k] = new
            else:
                dst.append(new)
    return root


def json_kind(value: Any) -> str | None:
    """Which JSON value this is: null, bool, int, float, str, array or object (None for anything else)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None


def props_of(body: dict[str, Any] | None) -> dict[str, Any]:
    """The ``properties`` of a resource body, {} when there is no body or it has none."""
    return (body or {}).get("properties") or {}


def spelled_as(value: Any, allowed: Iterable[str]) -> str | None:
    """The allowed spelling of an enum value given in any letter case (Azure's resource providers match enum
    values case-insensitively), None when ``value`` is not a string or not one of them."""
    if isinstance(value, str):
        for a in allowed:
            if a.lower() == value.lower():
                return a
    return None
