"""useRemoteGateways on a peering whose own VNet has a gateway is refused (Azure: "This flag cannot be set if
virtual network already has a gateway"), through the SDK and `az network vnet peering create`; nothing is
written. A VNet without a gateway may still use the remote one."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from .hybrid_support import gw_body, gw_vnet, pip
from .nic_support import rid
from .vnet_support import put_vnet


def two_gateway_vnets(aznet, net, rg):  # type: ignore[no-untyped-def]
    for name, space in (("VNet1", "10.1"), ("VNet2", "10.2")):
        gw_vnet(net, rg, name, space=f"{space}.0.0/16", gw_prefix=f"{space}.255.0/27", front=f"{space}.0.0/24")
        pip(net, rg, f"{name}GWpip")
        net.virtual_network_gateways.begin_create_or_update(
            rg, f"{name}GW", gw_body(aznet, rg, vnet=name, pips=(f"{name}GWpip",))).result()


def test_use_remote_gateways_refused_when_the_vnet_has_its_own(aznet, network_client, rg):
    net = network_client
    two_gateway_vnets(aznet, net, rg)
    vnet2 = rid(aznet, rg, "virtualNetworks", "VNet2")
    with pytest.raises(HttpResponseError) as info:
        net.virtual_network_peerings.begin_create_or_update(rg, "VNet1", "to-vnet2", {"properties": {
            "remoteVirtualNetwork": {"id": vnet2}, "useRemoteGateways": True}}).result()
    assert info.value.status_code == 400 and info.value.error.code == "LocalVnetHasGateways"
    assert "VNet1" in info.value.error.message
    assert list(net.virtual_network_peerings.list(rg, "VNet1")) == []
    # doNotVerifyRemoteGateways waives the remote check only
    with pytest.raises(HttpResponseError) as info:
        net.virtual_network_peerings.begin_create_or_update(rg, "VNet1", "to-vnet2", {"properties": {
            "remoteVirtualNetwork": {"id": vnet2}, "useRemoteGateways": True,
            "doNotVerifyRemoteGateways": True}}).result()
    assert info.value.error.code == "LocalVnetHasGateways"
    # without the flag the peering is fine; a spoke without a gateway may use VNet2's
    made = net.virtual_network_peerings.begin_create_or_update(rg, "VNet1", "to-vnet2", {"properties": {
        "remoteVirtualNetwork": {"id": vnet2}, "allowGatewayTransit": True}}).result()
    assert made.use_remote_gateways is False
    put_vnet(net, rg, "Spoke", prefixes=("10.3.0.0/16",), subnets={"s": "10.3.0.0/24"})
    spoke = net.virtual_network_peerings.begin_create_or_update(rg, "Spoke", "to-vnet2", {"properties": {
        "remoteVirtualNetwork": {"id": vnet2}, "useRemoteGateways": True}}).result()
    assert spoke.use_remote_gateways is True
    # turning the flag on later is refused the same way, and the peering keeps its state
    with pytest.raises(HttpResponseError) as info:
        net.virtual_network_peerings.begin_create_or_update(rg, "VNet1", "to-vnet2", {"properties": {
            "remoteVirtualNetwork": {"id": vnet2}, "useRemoteGateways": True}}).result()
    assert info.value.error.code == "LocalVnetHasGateways"
    kept = net.virtual_network_peerings.get(rg, "VNet1", "to-vnet2")
    assert kept.use_remote_gateways is False and kept.allow_gateway_transit is True


def test_use_remote_gateways_refused_az(az, aznet, network_client):
    with az.group("rg-peergw-") as rg:
        two_gateway_vnets(aznet, network_client, rg)
        err = az.fails("network", "vnet", "peering", "create", "-g", rg, "-n", "to-vnet2", "--vnet-name", "VNet1",
                       "--remote-vnet", "VNet2", "--allow-vnet-access", "--use-remote-gateways")
        assert "LocalVnetHasGateways" in err.stderr
        assert az.json("network", "vnet", "peering", "list", "-g", rg, "--vnet-name", "VNet1") == []
        made = az.json("network", "vnet", "peering", "create", "-g", rg, "-n", "to-vnet2", "--vnet-name", "VNet1",
                       "--remote-vnet", "VNet2", "--allow-vnet-access", "--allow-gateway-transit")
        assert made["useRemoteGateways"] is False and made["allowGatewayTransit"] is True


def test_gateway_refused_in_a_vnet_using_remote_gateways(aznet, network_client, rg):
    net = network_client
    two_gateway_vnets(aznet, net, rg)
    vnet2 = rid(aznet, rg, "virtualNetworks", "VNet2")
    gw_vnet(net, rg, "Spoke", space="10.3.0.0/16", gw_prefix="10.3.255.0/27", front="10.3.0.0/24")
    net.virtual_network_peerings.begin_create_or_update(rg, "Spoke", "to-vnet2", {"properties": {
        "remoteVirtualNetwork": {"id": vnet2}, "useRemoteGateways": True}}).result()
    pip(net, rg, "SpokeGWpip")
    with pytest.raises(HttpResponseError) as info:
        net.virtual_network_gateways.begin_create_or_update(
            rg, "SpokeGW", gw_body(aznet, rg, vnet="Spoke", pips=("SpokeGWpip",))).result()
    assert info.value.status_code == 400 and info.value.error.code == "VirtualNetworkPeeringUsesRemoteGateways"
    assert sorted(g.name for g in net.virtual_network_gateways.list(rg)) == ["VNet1GW", "VNet2GW"]
    # with the flag off the gateway can be created
    net.virtual_network_peerings.begin_create_or_update(rg, "Spoke", "to-vnet2", {"properties": {
        "remoteVirtualNetwork": {"id": vnet2}, "useRemoteGateways": False}}).result()
    made = net.virtual_network_gateways.begin_create_or_update(
        rg, "SpokeGW", gw_body(aznet, rg, vnet="Spoke", pips=("SpokeGWpip",))).result()
    assert made.provisioning_state == "Succeeded"
