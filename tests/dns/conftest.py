"""Clients for the DNS tests (Azure DNS, Private DNS, Traffic Manager) and small helpers."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.network.conftest import inproc, inproc_group  # noqa: F401  (the in-process client, for rule tests)


@pytest.fixture(scope="session")
def dns_client(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.dns import DnsManagementClient

    return aznet.client(DnsManagementClient)


@pytest.fixture(scope="session")
def private_dns_client(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.privatedns import PrivateDnsManagementClient

    return aznet.client(PrivateDnsManagementClient)


@pytest.fixture(scope="session")
def tm_client(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.trafficmanager import TrafficManagerManagementClient

    return aznet.client(TrafficManagerManagementClient)


def error_of(fn: Any, *args: Any, **kw: Any) -> tuple[int, str]:
    """(status, code) of the ARM error ``fn`` raises."""
    try:
        result = fn(*args, **kw)
        if hasattr(result, "result"):
            result.result()
    except HttpResponseError as exc:
        return exc.status_code, exc.error.code if exc.error else ""
    raise AssertionError(f"{fn} did not fail")
