"""Fixtures of the network tests: the in-process client for rule tests (tests/network/inprocess_support.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from aznet.testing.inprocess import InProcessClient


@pytest.fixture(scope="session")
def inproc(aznet) -> InProcessClient:  # type: ignore[no-untyped-def]
    """The session's platform reached in process: ``Platform.handle`` on its loop thread, no TLS, no SDK."""
    return InProcessClient(aznet.platform, aznet.endpoint, runner=aznet.call)


@pytest.fixture
def inproc_group(inproc: InProcessClient) -> Iterator[str]:
    """A resource group of this test's own on ``inproc`` (its id path), deleted afterwards."""
    path = inproc.group(f"rg-{uuid.uuid4().hex[:10]}")
    yield path
    status, body = inproc.call("DELETE", path, api_version="2021-04-01")
    assert status in (200, 202, 204), body
