"""VNet peering through the real SDK: states on both sides, global peering,
address-space sync, and one test per rule with Azure's code."""

from __future__ import annotations

from .vnet_support import error_of, put_vnet, rid


def peer(net, rg, vnet, name, remote_id, sync=None, **props):  # type: ignore[no-untyped-def]
    kw = {"sync_remote_address_space": sync} if sync else {}
    body = {"properties": {"remoteVirtualNetwork": {"id": remote_id}, "allowVirtualNetworkAccess": True, **props}}
    return net.virtual_network_peerings.begin_create_or_update(rg, vnet, name, body, **kw).result()


def two_vnets(net, rg, b_location="westeurope"):  # type: ignore[no-untyped-def]
    a = put_vnet(net, rg, "va", prefixes=("10.0.0.0/16",), subnets={"s": "10.0.0.0/24"})
    b = put_vnet(net, rg, "vb", prefixes=("10.1.0.0/16",), subnets={"s": "10.1.0.0/24"}, location=b_location)
    return a.id, b.id


def state(net, rg, vnet, name):  # type: ignore[no-untyped-def]
    p = net.virtual_network_peerings.get(rg, vnet, name)
    return p.peering_state, p.peering_sync_level


def test_initiated_then_connected(network_client, rg):
    a, b = two_vnets(network_client, rg)
    ab = peer(network_client, rg, "va", "a-to-b", b)
    assert ab.peering_state == "Initiated" and ab.allow_virtual_network_access is True
    assert ab.allow_forwarded_traffic is False and ab.use_remote_gateways is False
    assert ab.remote_address_space.address_prefixes == ["10.1.0.0/16"]
    assert ab.remote_virtual_network_address_space.address_prefixes == ["10.1.0.0/16"]
    ba = peer(network_client, rg, "vb", "b-to-a", a)
    assert ba.peering_state == "Connected"
    assert state(network_client, rg, "va", "a-to-b") == ("Connected", "FullyInSync")
    assert [p.name for p in network_client.virtual_networks.get(rg, "va").virtual_network_peerings] == ["a-to-b"]


def test_global_peering_across_regions(network_client, rg):
    a, b = two_vnets(network_client, rg, b_location="eastus")
    peer(network_client, rg, "va", "ab", b)
    peer(network_client, rg, "vb", "ba", a)
    assert state(network_client, rg, "vb", "ba") == ("Connected", "FullyInSync")


def test_disconnected_when_one_side_goes(network_client, rg):
    a, b = two_vnets(network_client, rg)
    peer(network_client, rg, "va", "ab", b)
    peer(network_client, rg, "vb", "ba", a)
    network_client.virtual_network_peerings.begin_delete(rg, "vb", "ba").result()
    assert state(network_client, rg, "va", "ab")[0] == "Disconnected"
    assert error_of(peer, network_client, rg, "vb", "ba", a) == (400, "RemotePeeringIsDisconnected")
    assert peer(network_client, rg, "va", "ab", b).peering_state == "Initiated"
    assert peer(network_client, rg, "vb", "ba", a).peering_state == "Connected"
    network_client.virtual_networks.begin_delete(rg, "vb").result()
    assert state(network_client, rg, "va", "ab")[0] == "Disconnected"


def test_remote_vnet_must_exist(aznet, network_client, rg):
    put_vnet(network_client, rg, "va")
    assert error_of(peer, network_client, rg, "va", "ab", rid(aznet, rg, "virtualNetworks", "ghost")) == \
        (400, "InvalidResourceReference")
    assert list(network_client.virtual_network_peerings.list(rg, "va")) == []


def test_peered_vnets_may_not_overlap(network_client, rg):
    a = put_vnet(network_client, rg, "va", prefixes=("10.0.0.0/16",))
    b = put_vnet(network_client, rg, "vb", prefixes=("10.0.128.0/17",))
    assert error_of(peer, network_client, rg, "va", "ab", b.id) == (400, "VnetAddressSpacesOverlap")
    assert a.id and list(network_client.virtual_network_peerings.list(rg, "va")) == []


def test_overlap_with_a_vnet_already_peered(network_client, rg):
    a, b = two_vnets(network_client, rg)
    c = put_vnet(network_client, rg, "vc", prefixes=("10.0.0.0/20",))
    peer(network_client, rg, "va", "ab", b)
    peer(network_client, rg, "vb", "ba", a)
    assert error_of(peer, network_client, rg, "vc", "cb", b) == (400, "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet")
    assert c.id


def test_use_remote_gateways_needs_a_gateway(network_client, rg):
    _, b = two_vnets(network_client, rg)
    assert error_of(peer, network_client, rg, "va", "ab", b, useRemoteGateways=True) == (400, "RemoteVnetHasNoGateways")
    assert peer(network_client, rg, "va", "ab", b, allowGatewayTransit=True).allow_gateway_transit is True


def test_one_peering_per_remote_and_remote_is_fixed(network_client, rg):
    a, b = two_vnets(network_client, rg)
    c = put_vnet(network_client, rg, "vc", prefixes=("10.2.0.0/16",)).id
    peer(network_client, rg, "va", "ab", b)
    assert error_of(peer, network_client, rg, "va", "ab2", b) == (400, "AnotherPeeringAlreadyReferencesRemoteVnet")
    assert error_of(peer, network_client, rg, "va", "ab", c) == (400, "ChangingRemoteVirtualNetworkNotAllowed")
    assert a


def test_address_space_change_and_sync(network_client, rg):
    a, b = two_vnets(network_client, rg)
    peer(network_client, rg, "va", "ab", b)
    peer(network_client, rg, "vb", "ba", a)
    put_vnet(network_client, rg, "vb", prefixes=("10.1.0.0/16", "10.5.0.0/16"), subnets={"s": "10.1.0.0/24"})
    assert state(network_client, rg, "va", "ab") == ("Connected", "LocalNotInSync")
    assert state(network_client, rg, "vb", "ba") == ("Connected", "RemoteNotInSync")
    ab = network_client.virtual_network_peerings.get(rg, "va", "ab")
    assert ab.remote_address_space.address_prefixes == ["10.1.0.0/16"]
    assert ab.remote_virtual_network_address_space.address_prefixes == ["10.1.0.0/16", "10.5.0.0/16"]
    synced = peer(network_client, rg, "va", "ab", b, sync="true")
    assert synced.remote_address_space.address_prefixes == ["10.1.0.0/16", "10.5.0.0/16"]
    assert state(network_client, rg, "va", "ab") == ("Connected", "FullyInSync")
    assert state(network_client, rg, "vb", "ba") == ("Connected", "FullyInSync")


def test_address_space_change_may_not_overlap_a_peer(network_client, rg):
    a, b = two_vnets(network_client, rg)
    peer(network_client, rg, "va", "ab", b)
    assert error_of(put_vnet, network_client, rg, "va", prefixes=("10.0.0.0/16", "10.1.128.0/17"),
                    subnets={"s": "10.0.0.0/24"}) == (400, "VnetAddressSpacesOverlap")
    assert network_client.virtual_networks.get(rg, "va").address_space.address_prefixes == ["10.0.0.0/16"]


def test_bad_flag_type(network_client, rg):
    _, b = two_vnets(network_client, rg)
    assert error_of(peer, network_client, rg, "va", "ab", b, allowForwardedTraffic="yes please") == \
        (400, "InvalidRequestFormat")


def test_vnet_put_without_peerings_keeps_them(network_client, rg):
    a, b = two_vnets(network_client, rg)
    peer(network_client, rg, "va", "ab", b)
    put_vnet(network_client, rg, "va", prefixes=("10.0.0.0/16",), subnets={})
    v = network_client.virtual_networks.get(rg, "va")
    assert [p.name for p in v.virtual_network_peerings] == ["ab"] and v.subnets == []
    assert a
