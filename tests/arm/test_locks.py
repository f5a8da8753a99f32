"""Management locks (Microsoft.Authorization/locks) with their real effect,
through the SDK and `az lock`: CanNotDelete refuses deletes, ReadOnly refuses
writes and POST actions, both inherited from the resource group and the
subscription, with ARM's 409 ScopeLocked; nothing changes while refused."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError

from tests.network.nic_support import LOC, make_storage_account, make_vnet


@pytest.fixture(scope="module")
def locks(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.resource.locks import ManagementLockClient

    return aznet.client(ManagementLockClient)


def refused(fn, *args, **kw):  # type: ignore[no-untyped-def]
    with pytest.raises(HttpResponseError) as info:
        r = fn(*args, **kw)
        if hasattr(r, "result"):
            r.result()
    assert info.value.status_code == 409 and info.value.error.code == "ScopeLocked", info.value
    return info.value.message


def test_can_not_delete_on_a_group_is_inherited(aznet, locks, network_client, resource_client, rg):
    make_vnet(network_client, rg)
    lock = locks.management_locks.create_or_update_at_resource_group_level(
        rg, "no-delete", {"level": "CanNotDelete", "notes": "production"})
    assert lock.level == "CanNotDelete" and lock.id.endswith(f"/resourceGroups/{rg}/providers/"
                                                              "Microsoft.Authorization/locks/no-delete")
    message = refused(network_client.virtual_networks.begin_delete, rg, "vnet")
    assert f"/resourceGroups/{rg}'" in message
    refused(network_client.subnets.begin_delete, rg, "vnet", "default")
    refused(resource_client.resource_groups.begin_delete, rg)
    # writes still work under CanNotDelete
    make_vnet(network_client, rg, subnets={"default": "10.0.0.0/24", "more": "10.0.1.0/24"})
    assert network_client.virtual_networks.get(rg, "vnet").subnets[1].name == "more"
    names = [x.name for x in locks.management_locks.list_at_resource_group_level(rg)]
    assert names == ["no-delete"]
    locks.management_locks.delete_at_resource_group_level(rg, "no-delete")
    network_client.virtual_networks.begin_delete(rg, "vnet").result()


def test_read_only_on_a_resource_refuses_writes_and_actions(aznet, locks, network_client, rg):
    from azure.mgmt.storage import StorageManagementClient

    storage = aznet.client(StorageManagementClient)
    name = "st" + uuid.uuid4().hex[:12]
    make_storage_account(aznet, rg, name)
    locks.management_locks.create_or_update_at_resource_level(
        rg, "Microsoft.Storage", "", "storageAccounts", name, "ro", {"level": "ReadOnly"})
    refused(storage.storage_accounts.update, rg, name, {"tags": {"a": "b"}})
    refused(storage.storage_accounts.list_keys, rg, name)          # a POST action
    refused(storage.storage_accounts.delete, rg, name)
    assert storage.storage_accounts.get_properties(rg, name).tags in (None, {})
    # other resources of the group are not affected
    make_vnet(network_client, rg)
    at_resource = list(locks.management_locks.list_at_resource_level(rg, "Microsoft.Storage", "", "storageAccounts",
                                                                     name))
    assert [x.name for x in at_resource] == ["ro"]
    locks.management_locks.delete_at_resource_level(rg, "Microsoft.Storage", "", "storageAccounts", name, "ro")
    storage.storage_accounts.update(rg, name, {"tags": {"a": "b"}})


def test_subscription_lock_reaches_every_group(aznet, locks, network_client, rg):
    make_vnet(network_client, rg)
    locks.management_locks.create_or_update_at_subscription_level("sub-ro", {"level": "ReadOnly"})
    try:
        refused(network_client.network_security_groups.begin_create_or_update, rg, "nsg", {"location": LOC})
        assert "sub-ro" in [x.name for x in locks.management_locks.list_at_subscription_level()]
    finally:
        locks.management_locks.delete_at_subscription_level("sub-ro")
    network_client.network_security_groups.begin_create_or_update(rg, "nsg", {"location": LOC}).result()


@pytest.mark.parametrize("props,code", [
    ({"level": "Sometimes"}, "LockLevelInvalid"),
    ({"level": "ReadOnly", "notes": "x" * 513}, "LockNotesTooLong"),
])
def test_bad_locks_refused(locks, rg, props, code):
    with pytest.raises(HttpResponseError) as info:
        locks.management_locks.create_or_update_at_resource_group_level(rg, "bad", props)
    assert info.value.status_code == 400 and info.value.error.code == code
    assert list(locks.management_locks.list_at_resource_group_level(rg)) == []


def test_az_lock(az, network_client, rg):  # type: ignore[no-untyped-def]
    make_vnet(network_client, rg)
    az.run("lock", "create", "-n", "keep", "-g", rg, "--lock-type", "CanNotDelete")
    shown = az.json("lock", "list", "-g", rg)
    assert [x["name"] for x in shown] == ["keep"] and shown[0]["level"] == "CanNotDelete"
    err = az.fails("network", "vnet", "delete", "-g", rg, "-n", "vnet")
    assert "ScopeLocked" in err.stderr
    az.run("lock", "create", "-n", "vnet-ro", "-g", rg, "--lock-type", "ReadOnly", "--resource", "vnet",
           "--resource-type", "Microsoft.Network/virtualNetworks")
    err = az.fails("network", "vnet", "update", "-g", rg, "-n", "vnet", "--set", "tags.a=b")
    assert "ScopeLocked" in err.stderr
    az.run("lock", "delete", "-n", "vnet-ro", "-g", rg, "--resource", "vnet", "--resource-type",
           "Microsoft.Network/virtualNetworks")
    az.run("lock", "delete", "-n", "keep", "-g", rg)
    az.run("network", "vnet", "delete", "-g", rg, "-n", "vnet")
