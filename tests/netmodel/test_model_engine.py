"""The network model and the address book as engines on the reconcile seam:
built from the store, kept current by each commit, rebuilt after a failure."""

from __future__ import annotations

import pytest

from aznet.netmodel import NetworkModel
from aznet.netmodel.address_book import AddressBook
from aznet.netmodel.engine import model_engine
from aznet.resources.network.ip_allocation import address_book
from aznet.testing.inprocess import InProcessClient
from tests.verifier.builders import Net


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> InProcessClient:  # type: ignore[no-untyped-def]
    return InProcessClient.fresh(tmp_path_factory.mktemp("netmodel"))


def test_model_is_built_from_resource_bodies():
    net = Net()
    vnet = net.vnet("v", ["10.0.0.0/16"], {"web": {"prefix": "10.0.1.0/24"}})
    nic = net.nic("n1", "v", "web", "10.0.1.4")
    model = NetworkModel.build(net.resources)
    assert vnet.lower() in model.vnets and nic.lower() in model.nics
    [ipc] = model.nics[nic.lower()].ipconfigs
    assert ipc.ip_text == "10.0.1.4" and ipc.subnet_key == net.subnet("v", "web").lower()


def test_engine_follows_commits_after_its_first_build(client):
    rg = client.group("nm")
    engine = model_engine(client.platform)
    vnet = client.network(rg, "virtualNetworks", "v1")
    assert client.call("PUT", vnet, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
        "subnets": [{"name": "a", "properties": {"addressPrefix": "10.9.1.0/24"}}]}})[0] == 201
    model = engine.model                                     # built now, from the store
    assert vnet.lower() in model.vnets and f"{vnet}/subnets/a".lower() in model.subnets
    status, _ = client.call("PUT", f"{vnet}/subnets/b", {"properties": {"addressPrefix": "10.9.2.0/24"}})
    assert status == 201
    assert engine.model is model                             # the same model, updated in place
    assert f"{vnet}/subnets/b".lower() in model.subnets
    assert client.call("DELETE", f"{vnet}/subnets/b")[0] in (200, 202)
    assert f"{vnet}/subnets/b".lower() not in engine.model.subnets


def test_a_failing_model_update_is_rebuilt_and_counted(client, monkeypatch):
    rg = client.group("nm2")
    engine = model_engine(client.platform)
    model = engine.model

    def boom(changes):  # type: ignore[no-untyped-def]
        raise RuntimeError("broken update")
    monkeypatch.setattr(model, "apply", boom)
    before = client.platform.reconciler.stats(engine).failures
    nsg = client.network(rg, "networkSecurityGroups", "n1")
    assert client.call("PUT", nsg, {"location": "westeurope"})[0] == 201     # the commit is not failed
    assert client.platform.reconciler.stats(engine).failures == before + 1
    rebuilt = engine.model
    assert rebuilt is not model and nsg.lower() in rebuilt.acls


def test_address_book_holds_committed_private_ips(client):
    rg = client.group("nm3")
    book = address_book(client.platform)
    assert isinstance(book, AddressBook)
    vnet = client.network(rg, "virtualNetworks", "v3")
    client.call("PUT", vnet, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.3.0.0/16"]},
        "subnets": [{"name": "s", "properties": {"addressPrefix": "10.3.0.0/24"}}]}})
    nic = client.network(rg, "networkInterfaces", "nic3")
    status, body = client.call("PUT", nic, {"location": "westeurope", "properties": {"ipConfigurations": [
        {"name": "ip1", "properties": {"subnet": {"id": f"{vnet}/subnets/s"}}}]}})
    assert status == 201, body
    ip = body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
    assert ip == "10.3.0.4"                                  # the first address Azure gives
    import ipaddress

    holder = book.holder(f"{vnet}/subnets/s".lower(), ipaddress.ip_address(ip))
    assert holder is not None and holder[0] == nic.lower()
    assert client.call("DELETE", nic)[0] in (200, 202)
    assert book.holder(f"{vnet}/subnets/s".lower(), ipaddress.ip_address(ip)) is None


def test_public_ips_are_indexed_by_address_and_name():
    from aznet.netmodel.addr import parse_ip
    from aznet.netmodel.model import Change

    net = Net()
    pip = net.add("Microsoft.Network/publicIPAddresses", "p1", {
        "ipAddress": "127.64.0.9", "dnsSettings": {"fqdn": "web.westeurope.cloudapp.azure.com"},
        "ipConfiguration": {"id": "/x/nic/ipConfigurations/a"}})
    model = NetworkModel.build(net.resources)
    found = model.public_ip_at(parse_ip("127.64.0.9"))
    assert found is not None and found.id == pip["id"] and found.ipconfig_key == "/x/nic/ipconfigurations/a"
    assert model.public_ip_named("WEB.westeurope.cloudapp.azure.com.") is found
    model.apply([Change("delete", pip["id"], "Microsoft.Network/publicIPAddresses")])
    assert model.public_ip_at(parse_ip("127.64.0.9")) is None and model.public_ip_named("web.westeurope.cloudapp.azure.com") is None
