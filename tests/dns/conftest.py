"""Clients for the DNS tests (Azure DNS, Private DNS, Traffic Manager) and small helpers."""

from __future__ import annotations

import pytest

from tests.network.conftest import inproc, inproc_group  # noqa: F401  (the in-process client, for rule tests)
from tests.network.nic_support import error_of  # noqa: F401  (the dns tests import it from here)


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
