"""Finding the resource ids a body refers to (``{"id": "/subscriptions/..."}``)."""

from __future__ import annotations

from typing import Any


def referenced_ids(body: Any, own: str) -> set[str]:
    """Normalized ids that ``body`` points at, other than itself and its own sub-resources."""
    out: set[str] = set()
    own = own.lower()

    stack: list[tuple[Any, bool]] = [(body, True)]      # an explicit stack: bodies may be deep
    while stack:
        node, top = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "id" and not top and isinstance(v, str) and v[:15].lower() == "/subscriptions/":
                    low = v.rstrip("/").lower()
                    if low != own and not low.startswith(own + "/"):
                        out.add(low)
                elif k != "_aznet" and isinstance(v, dict | list):
                    stack.append((v, False))
        elif isinstance(node, list):
            stack.extend((item, False) for item in node if isinstance(item, dict | list))
    return out
