"""What uses a subnet: NIC ip configurations as back-references, the in-use
rules for delete and prefix changes, CheckIPAddressAvailability and usages;
plus the Network Watcher Azure creates with a region's first VNet and the
service tag list."""

from __future__ import annotations

import uuid

import pytest

from .nic_support import make_storage_account
from .vnet_support import LOC, error_of, put_vnet, rid, sub_id


def nic(net, rg, name, subnet, **ipprops):  # type: ignore[no-untyped-def]
    return net.network_interfaces.begin_create_or_update(rg, name, {
        "location": LOC, "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": subnet}, **ipprops}}]}}).result()


@pytest.fixture
def used(aznet, network_client, rg):  # type: ignore[no-untyped-def]
    put_vnet(network_client, rg, subnets={"s": "10.0.0.0/24", "free": "10.0.1.0/24"})
    sid = sub_id(aznet, rg, "vnet", "s")
    nic(network_client, rg, "nic1", sid)                                     # 10.0.0.4
    nic(network_client, rg, "nic2", sid, privateIPAllocationMethod="Static", privateIPAddress="10.0.0.100")
    return sid


def test_subnet_lists_its_ip_configurations(aznet, network_client, rg, used):
    s = network_client.subnets.get(rg, "vnet", "s")
    want = sorted(rid(aznet, rg, "networkInterfaces", n).lower() + "/ipconfigurations/ipconfig1"
                  for n in ("nic1", "nic2"))
    assert sorted(c.id.lower() for c in s.ip_configurations) == want
    assert network_client.subnets.get(rg, "vnet", "free").ip_configurations is None


def test_in_use_subnet_cannot_be_deleted(network_client, rg, used):
    assert error_of(network_client.subnets.begin_delete, rg, "vnet", "s") == (400, "InUseSubnetCannotBeDeleted")
    assert error_of(put_vnet, network_client, rg, subnets={"free": "10.0.1.0/24"}) == \
        (400, "InUseSubnetCannotBeDeleted")
    assert error_of(network_client.virtual_networks.begin_delete, rg, "vnet") == (400, "InUseSubnetCannotBeDeleted")
    assert sorted(s.name for s in network_client.subnets.list(rg, "vnet")) == ["free", "s"]
    network_client.subnets.begin_delete(rg, "vnet", "free").result()
    for n in ("nic1", "nic2"):
        network_client.network_interfaces.begin_delete(rg, n).result()
    network_client.virtual_networks.begin_delete(rg, "vnet").result()


def test_in_use_subnet_cannot_shrink_away_from_used_addresses(network_client, rg, used):
    def resize(prefix):  # type: ignore[no-untyped-def]
        return network_client.subnets.begin_create_or_update(rg, "vnet", "s",
                                                             {"properties": {"addressPrefix": prefix}}).result()

    assert error_of(resize, "10.0.0.0/26") == (400, "InUseSubnetCannotBeUpdated")     # drops 10.0.0.100
    assert network_client.subnets.get(rg, "vnet", "s").address_prefix == "10.0.0.0/24"
    assert resize("10.0.0.0/25").address_prefix == "10.0.0.0/25"                    # keeps .4 and .100


def test_check_ip_address_availability(network_client, rg, used):
    check = network_client.virtual_networks.check_ip_address_availability
    free = check(rg, "vnet", ip_address="10.0.0.50")
    assert free.available is True
    taken = check(rg, "vnet", ip_address="10.0.0.4")
    assert taken.available is False and taken.available_ip_addresses == \
        ["10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9"]
    reserved = check(rg, "vnet", ip_address="10.0.0.1")
    assert reserved.available is False and reserved.is_platform_reserved is True
    assert reserved.available_ip_addresses[0] == "10.0.0.5"
    assert check(rg, "vnet", ip_address="10.0.1.10").available is True
    assert error_of(check, rg, "vnet", ip_address="10.0.0.999")[0] == 400


def test_usages(network_client, rg, used):
    got = {u.id.rsplit("/", 1)[-1]: u for u in network_client.virtual_networks.list_usage(rg, "vnet")}
    assert got["s"].current_value == 2 and got["s"].limit == 251
    assert got["free"].current_value == 0 and got["s"].unit == "Count"
    assert got["s"].name.value == "SubnetSpace"


def test_network_watcher_created_with_first_vnet_in_region(network_client, rg):
    put_vnet(network_client, rg, "first", location="koreacentral")
    w = network_client.network_watchers.get("NetworkWatcherRG", "NetworkWatcher_koreacentral")
    assert w.location == "koreacentral"
    assert error_of(network_client.network_watchers.create_or_update, rg, "mine",
                    {"location": "koreacentral"}) == (400, "NetworkWatcherCountLimitReached")
    put_vnet(network_client, rg, "second", location="koreacentral")
    watchers = [x for x in network_client.network_watchers.list_all() if x.location == "koreacentral"]
    assert len(watchers) == 1


def test_network_watcher_one_per_region(network_client, rg):
    region = "brazilsoutheast"
    network_client.network_watchers.create_or_update(rg, "nw1", {"location": region})
    assert error_of(network_client.network_watchers.create_or_update, rg, f"nw-{uuid.uuid4().hex[:6]}",
                    {"location": region}) == (400, "NetworkWatcherCountLimitReached")
    put_vnet(network_client, rg, "v1", location=region)
    assert error_of(network_client.network_watchers.get, "NetworkWatcherRG", f"NetworkWatcher_{region}")[0] == 404


def test_service_tags_list(network_client):
    result = network_client.service_tags.list("westeurope")
    assert result.cloud == "Public" and result.type == "Microsoft.Network/serviceTags"
    names = {v.name: v for v in result.values_property}
    assert "Storage" in names and "Storage.WestEurope" in names and "AzureLoadBalancer" in names
    assert names["AzureLoadBalancer"].properties.address_prefixes[0] == "168.63.129.16/32"
    assert names["Storage.WestEurope"].properties.region == "westeurope"
    assert set(names["Storage.WestEurope"].properties.address_prefixes) <= \
        set(names["Storage"].properties.address_prefixes)


def test_private_endpoint_back_references(aznet, network_client, rg):
    put_vnet(network_client, rg, subnets={"pe": "10.0.0.0/24"})
    sid = sub_id(aznet, rg, "vnet", "pe")
    storage = make_storage_account(aznet, rg, "mystorage")
    pe = network_client.private_endpoints.begin_create_or_update(rg, "pe-blob", {
        "location": LOC, "properties": {"subnet": {"id": sid}, "privateLinkServiceConnections": [
            {"name": "c1", "properties": {"privateLinkServiceId": storage, "groupIds": ["blob"]}}]}}).result()
    s = network_client.subnets.get(rg, "vnet", "pe")
    assert [p.id.lower() for p in s.private_endpoints] == [pe.id.lower()]
    nic_id = pe.network_interfaces[0].id.lower()
    assert [c.id.lower().rsplit("/ipconfigurations/", 1)[0] for c in s.ip_configurations] == [nic_id]
    assert error_of(network_client.subnets.begin_delete, rg, "vnet", "pe") == (400, "InUseSubnetCannotBeDeleted")
