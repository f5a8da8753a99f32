"""The peering a Virtual WAN hub connection shows on the spoke VNet (``RemoteVnetToHubPeering_<guid>`` towards the
hub's managed ``HV_`` VNet), through the SDK and `az network vnet peering list` / `az network vnet update`: there
while the connection is, kept through a VNet's GET-PUT round trip, not changeable or deletable by the user, gone
with the connection; the spoke's effective routes hold the hub prefix once."""

from __future__ import annotations

from .nic_support import LOC, error_of, nic_body, subnet_id
from .vwan_support import connect, make_hub, make_wan, spoke


def test_hub_connection_shows_a_peering_on_the_spoke(az, aznet, network_client):
    net = network_client
    with az.group("rg-hvpeer-", LOC) as rg:
        make_wan(net, rg)
        make_hub(aznet, net, rg)
        spoke(net, rg, "VNet1", 1)
        assert list(net.virtual_network_peerings.list(rg, "VNet1")) == []
        connect(aznet, net, rg, "hub1", "conn1", "VNet1")
        (p,) = net.virtual_network_peerings.list(rg, "VNet1")
        assert p.name.startswith("RemoteVnetToHubPeering_") and len(p.name) == len("RemoteVnetToHubPeering_") + 36
        assert "/resourceGroups/RG_hub1_" in p.remote_virtual_network.id
        assert "/providers/Microsoft.Network/virtualNetworks/HV_hub1_" in p.remote_virtual_network.id
        assert (p.peering_state, p.peering_sync_level) == ("Connected", "FullyInSync")
        assert (p.allow_virtual_network_access, p.allow_forwarded_traffic, p.allow_gateway_transit,
                p.use_remote_gateways, p.do_not_verify_remote_gateways) == (True, False, False, True, True)
        assert p.remote_address_space.address_prefixes == ["10.100.0.0/24"]
        assert p.remote_virtual_network_address_space.address_prefixes == ["10.100.0.0/24"]
        assert [x.name for x in net.virtual_networks.get(rg, "VNet1").virtual_network_peerings] == [p.name]
        # the user cannot change or delete it
        assert error_of(net.virtual_network_peerings.begin_delete, rg, "VNet1", p.name) == \
            (400, "VirtualHubManagedPeeringCannotBeModified")
        assert error_of(net.virtual_network_peerings.begin_create_or_update, rg, "VNet1", p.name, {"properties": {
            "remoteVirtualNetwork": {"id": p.remote_virtual_network.id}, "allowForwardedTraffic": True}}) == \
            (400, "VirtualHubManagedPeeringCannotBeModified")
        # a VNet's GET-PUT round trip (what az network vnet update does) keeps it
        shown = az.json("network", "vnet", "peering", "list", "-g", rg, "--vnet-name", "VNet1")
        assert [x["name"] for x in shown] == [p.name]
        az.run("network", "vnet", "update", "-g", rg, "-n", "VNet1", "--set", "tags.env=test")
        assert [x.name for x in net.virtual_network_peerings.list(rg, "VNet1")] == [p.name]
        vnet = net.virtual_networks.get(rg, "VNet1")
        net.virtual_networks.begin_create_or_update(rg, "VNet1", vnet).result()
        assert net.virtual_network_peerings.get(rg, "VNet1", p.name).allow_forwarded_traffic is False
        # the hub prefix reaches the spoke once, as a peering
        net.network_interfaces.begin_create_or_update(rg, "nic1", nic_body(subnet_id(aznet, rg, "VNet1", "default"))
                                                      ).result()
        table = net.network_interfaces.begin_get_effective_route_table(rg, "nic1").result().value
        hub_routes = [r for r in table if "10.100.0.0/24" in r.address_prefix]
        assert [(r.next_hop_type, r.state) for r in hub_routes] == [("VNetPeering", "Active")]
        # gone with the connection
        net.hub_virtual_network_connections.begin_delete(rg, "hub1", "conn1").result()
        assert list(net.virtual_network_peerings.list(rg, "VNet1")) == []


def test_a_group_with_a_connected_hub_can_be_deleted():
    """Deleting the resource group deletes the hub with its VNet connections (and the spoke's hub peering); the
    hub's own DELETE still refuses while connected (in process, a platform of its own)."""
    from aznet.testing.inprocess import InProcessClient

    c = InProcessClient.fresh()
    g = c.group("rg1")

    def n(rtype: str, name: str) -> str:
        return c.network(g, rtype, name)
    assert c.call("PUT", n("virtualWans", "wan1"), {"location": LOC, "properties": {}})[0] == 201
    assert c.call("PUT", n("virtualHubs", "hub1"), {"location": LOC, "properties": {
        "virtualWan": {"id": n("virtualWans", "wan1")}, "addressPrefix": "10.100.0.0/24"}})[0] == 201
    assert c.call("PUT", n("virtualNetworks", "vnet1"), {"location": LOC, "properties": {
        "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}})[0] == 201
    conn = n("virtualHubs", "hub1") + "/hubVirtualNetworkConnections/conn1"
    assert c.call("PUT", conn, {"properties": {"remoteVirtualNetwork": {"id": n("virtualNetworks", "vnet1")}}})[0] \
        == 201
    assert len(c.call("GET", n("virtualNetworks", "vnet1") + "/virtualNetworkPeerings")[1]["value"]) == 1
    status, body = c.call("DELETE", n("virtualHubs", "hub1"))
    assert (status, body["error"]["code"]) == (400, "InUseVirtualHubCannotBeDeleted")
    status, body = c.call("DELETE", g, api_version="2021-04-01")
    assert status in (200, 202), body
    assert c.call("GET", g, api_version="2021-04-01")[0] == 404
