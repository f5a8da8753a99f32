"""Helpers for JSON-shaped data (dicts, lists, scalars) shared by every layer."""

from __future__ import annotations

from typing import Any


def copy_json(node: Any) -> Any:
    """A fast deep copy for JSON-shaped data."""
    if isinstance(node, dict):
        return {k: copy_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [copy_json(v) for v in node]
    return node
