"""Shared fixtures: the session's aznet instance comes from the aznet pytest
plugin (fixture ``aznet``); here are the real clients pointed at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.azcli import AzCli
from tests.network.nic_support import retired_allowed


@pytest.fixture(scope="session")
def resource_client(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.resource.resources import ResourceManagementClient

    return aznet.client(ResourceManagementClient)


@pytest.fixture(scope="session")
def network_client(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.network import NetworkManagementClient

    return aznet.client(NetworkManagementClient)


@pytest.fixture(scope="session")
def compute(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.compute import ComputeManagementClient

    return aznet.client(ComputeManagementClient)


@pytest.fixture(scope="session")
def deployments(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient

    return aznet.client(DeploymentsMgmtClient)


@pytest.fixture(scope="session")
def cdn(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    return aznet.client(CdnManagementClient)


@pytest.fixture
def rg(resource_client) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh resource group, deleted afterwards."""
    name = f"rg-{uuid.uuid4().hex[:10]}"
    resource_client.resource_groups.create_or_update(name, {"location": "westeurope"})
    yield name
    try:
        resource_client.resource_groups.begin_delete(name).result()
    except Exception:  # best effort: the test may have deleted it
        pass


@pytest.fixture(scope="session")
def az(aznet) -> AzCli:  # type: ignore[no-untyped-def]
    cli = AzCli.for_instance(aznet)
    if cli is None:
        pytest.skip("the Azure CLI is not installed (scripts/test installs it)")
    return cli


@pytest.fixture
def allow_retired(aznet) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """AZNET_ALLOW_RETIRED=1 for one test: retired SKUs (Basic public IPs and load balancers …) can be created,
    as for a user who tests an older estate."""
    with retired_allowed(aznet):
        yield
