"""Finding the resource ids a body refers to (``{"id": "/subscriptions/..."}``)."""

from __future__ import annotations

from typing import Any


def referenced_ids(body: Any, own: str) -> set[str]:
    """Normalized ids that ``body`` points at, other than itself and its own sub-resources."""
    out: set[str] = set()
    own = own.lower()

    def walk(node: Any, top: bool) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "id" and not top and isinstance(v, str) and v[:15].lower() == "/subscriptions/":
                    low = v.rstrip("/").lower()
                    if low != own and not low.startswith(own + "/"):
                        out.add(low)
                elif k != "_aznet":
                    walk(v, False)
        elif isinstance(node, list):
            for item in node:
                walk(item, False)

    walk(body, True)
    return out
