"""Resource groups, subscriptions, providers and generic listing through the
real SDK."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient


def _name() -> str:
    return f"rg-{uuid.uuid4().hex[:8]}"


def test_create_get_update_delete(resource_client):
    name = _name()
    created = resource_client.resource_groups.create_or_update(name, {"location": "West Europe", "tags": {"env": "t"}})
    assert created.location == "westeurope"
    assert created.properties.provisioning_state == "Succeeded"
    got = resource_client.resource_groups.get(name.upper())
    assert got.name == name  # original casing kept, lookup case-insensitive
    patched = resource_client.resource_groups.update(name, {"tags": {"env": "prod", "team": "net"}})
    assert patched.tags == {"env": "prod", "team": "net"}
    assert resource_client.resource_groups.check_existence(name) is True
    resource_client.resource_groups.begin_delete(name).result()
    assert resource_client.resource_groups.check_existence(name) is False
    with pytest.raises(ResourceNotFoundError) as exc:
        resource_client.resource_groups.get(name)
    assert exc.value.error.code == "ResourceGroupNotFound"


def test_location_cannot_change(resource_client):
    name = _name()
    resource_client.resource_groups.create_or_update(name, {"location": "westeurope"})
    with pytest.raises(HttpResponseError) as exc:
        resource_client.resource_groups.create_or_update(name, {"location": "eastus"})
    assert exc.value.status_code == 409
    assert exc.value.error.code == "InvalidResourceGroupLocation"
    assert resource_client.resource_groups.get(name).location == "westeurope"
    resource_client.resource_groups.begin_delete(name).result()


@pytest.mark.parametrize("bad", ["bad/name", "ends.", "x" * 91, "has space"])
def test_invalid_group_names(resource_client, bad):
    with pytest.raises(HttpResponseError) as exc:
        resource_client.resource_groups.create_or_update(bad, {"location": "westeurope"})
    assert 400 <= exc.value.status_code < 500


def test_unknown_location_is_rejected(resource_client):
    with pytest.raises(HttpResponseError) as exc:
        resource_client.resource_groups.create_or_update(_name(), {"location": "atlantis"})
    assert exc.value.error.code == "LocationNotAvailableForResourceType"


def test_list_with_tag_filter_and_paging(aznet, resource_client):
    tag = uuid.uuid4().hex[:6]
    names = [_name() for _ in range(5)]
    for i, n in enumerate(names):
        resource_client.resource_groups.create_or_update(n, {"location": "westeurope",
                                                             "tags": {"batch": tag, "i": str(i)}})
    old = aznet.platform.settings.page_size
    aznet.platform.settings.page_size = 2   # force several pages so the SDK follows nextLink
    try:
        listed = [g.name for g in resource_client.resource_groups.list(filter=f"tagName eq 'batch' and tagValue eq '{tag}'")]
    finally:
        aznet.platform.settings.page_size = old
    assert sorted(listed) == sorted(names)
    for n in names:
        resource_client.resource_groups.begin_delete(n).result()


def test_subscriptions_and_tenants(aznet):
    client = SubscriptionClient(aznet.credential(), base_url=aznet.endpoint,
                                credential_scopes=[f"{aznet.endpoint}/.default"])
    subs = list(client.subscriptions.list())
    assert aznet.subscription_id in [s.subscription_id for s in subs]
    other = "11111111-2222-3333-4444-555555555555"
    assert client.subscriptions.get(other).subscription_id == other
    assert [t.tenant_id for t in client.tenants.list()] == [aznet.tenant_id]
    locations = [loc.name for loc in client.subscriptions.list_locations(aznet.subscription_id)]
    assert "westeurope" in locations and "eastus" in locations


def test_other_subscription_is_isolated(aznet):
    other = "22222222-2222-3333-4444-555555555555"
    client = ResourceManagementClient(aznet.credential(), other, base_url=aznet.endpoint,
                                      credential_scopes=[f"{aznet.endpoint}/.default"])
    name = _name()
    client.resource_groups.create_or_update(name, {"location": "westeurope"})
    main = aznet.client(ResourceManagementClient)
    assert main.resource_groups.check_existence(name) is False
    client.resource_groups.begin_delete(name).result()


def test_providers_list_and_register(resource_client):
    providers = {p.namespace: p for p in resource_client.providers.list()}
    assert "Microsoft.Network" in providers
    net = providers["Microsoft.Network"]
    assert net.registration_state == "Registered"
    vnet = next(t for t in net.resource_types if t.resource_type == "virtualNetworks")
    assert "2024-05-01" in vnet.api_versions and "westeurope" in [x.replace(" ", "").lower() for x in vnet.locations]
    assert resource_client.providers.unregister("Microsoft.Network").registration_state == "Unregistered"
    assert resource_client.providers.register("Microsoft.Network").registration_state == "Registered"
    with pytest.raises(HttpResponseError) as exc:
        resource_client.providers.get("Microsoft.Nothing")
    assert exc.value.status_code == 404
