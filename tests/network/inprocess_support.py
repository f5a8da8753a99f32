"""The in-process client for rule tests where the real SDK adds nothing (``Platform.handle``, no TLS):
``inproc`` (one platform per test module) and ``inproc_group`` (a resource group per test) are fixtures
(tests/network/conftest.py), ``code_of`` reads a refused request."""

from __future__ import annotations

from typing import Any


def code_of(answer: tuple[int, Any]) -> tuple[int, str]:
    """(status, ARM error code) of an in-process answer."""
    status, body = answer
    return status, ((body or {}).get("error") or {}).get("code", "")
