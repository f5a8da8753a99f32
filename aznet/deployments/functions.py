"""The template function library (the functions Azure's quickstart templates
use), assembled from its parts. Each entry takes the evaluation context and
evaluated arguments; ``LAZY`` entries (if, lambda) receive the unevaluated call."""

from __future__ import annotations

from . import functions_collections, functions_scope, functions_values  # noqa: F401  (they register)
from .registry import FUNCTIONS, LAZY


def function_names() -> list[str]:
    return sorted(FUNCTIONS) + sorted(LAZY)


__all__ = ["FUNCTIONS", "LAZY", "function_names"]
