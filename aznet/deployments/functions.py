"""The template function library (the functions Azure's quickstart templates
use), assembled from its parts. Each entry takes the evaluation context and
evaluated arguments; ``LAZY`` entries (if, lambda) receive the unevaluated call."""

from __future__ import annotations

from . import (  # noqa: F401  (they register)
    functions_cidr,
    functions_collections,
    functions_dates,
    functions_resources,
    functions_scope,
    functions_values,
)
from .registry import FUNCTIONS, LAZY


def function_names() -> list[str]:
    return sorted(FUNCTIONS) + sorted(LAZY)


__all__ = ["FUNCTIONS", "LAZY", "function_names"]
