"""The tutorial "Virtual WAN hub with a VPN site and a VNet connection", end to end through the SDK:
the hub routing reaches the network model, so the spoke VMs' effective routes and Network Watcher's
next hop show the other spoke, the branch and (with routing intent) the hub firewall."""

from __future__ import annotations

from typing import Any

from tests.compute.test_vm import vm_body

from .nic_support import LOC, rid, subnet_id
from .vwan_support import connect, make_hub, make_wan, spoke, table_id


def vm_in(aznet: Any, net: Any, compute: Any, rg: str, vnet: str) -> dict[str, Any]:
    nic = net.network_interfaces.begin_create_or_update(rg, f"{vnet}-nic", {"location": LOC, "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet_id(aznet, rg, vnet, "default")}}}]}}).result()
    vm = compute.virtual_machines.begin_create_or_update(rg, f"{vnet}-vm", vm_body(nic.id)).result()
    return {"nic": nic.name, "vm": vm.id, "ip": nic.ip_configurations[0].private_ip_address}


def routes(net: Any, rg: str, nic: str) -> dict[str, Any]:
    table = net.network_interfaces.begin_get_effective_route_table(rg, nic).result().value
    return {p: r for r in table if r.state == "Active" for p in r.address_prefix}


def hub_and_spokes(aznet: Any, net: Any, compute: Any, rg: str) -> dict[str, Any]:
    """The virtual WAN, hub1, spokes VNet1 and VNet2 (not connected yet) and a VM in VNet1 (``vm_in``)."""
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    spoke(net, rg, "VNet1", 1)
    spoke(net, rg, "VNet2", 2)
    return vm_in(aznet, net, compute, rg, "VNet1")


def next_hop(net: Any, vm: dict[str, Any], dest: str) -> Any:
    watcher = next(w for w in net.network_watchers.list_all() if w.location == LOC)
    return net.network_watchers.begin_get_next_hop(watcher.id.split("/")[4], watcher.name, {
        "targetResourceId": vm["vm"], "sourceIPAddress": vm["ip"], "destinationIPAddress": dest}).result()


def test_hub_with_vpn_site_and_vnet_connections(aznet, network_client, compute, rg):
    net = network_client
    vm1 = hub_and_spokes(aznet, net, compute, rg)
    # before the hub knows VNet1, VNet2 is unreachable from it (no route: the private range is None)
    assert next_hop(net, vm1, "10.2.0.4").next_hop_type == "None"
    connect(aznet, net, rg, "hub1", "conn1", "VNet1")
    connect(aznet, net, rg, "hub1", "conn2", "VNet2")
    net.vpn_sites.begin_create_or_update(rg, "site1", {"location": LOC, "properties": {
        "virtualWan": {"id": rid(aznet, rg, "virtualWans", "myVirtualWan")},
        "addressSpace": {"addressPrefixes": ["192.168.10.0/24"]},
        "vpnSiteLinks": [{"name": "link1", "properties": {"ipAddress": "203.0.113.10"}}]}}).result()
    net.vpn_gateways.begin_create_or_update(rg, "hub1-vpngw", {"location": LOC, "properties": {
        "virtualHub": {"id": rid(aznet, rg, "virtualHubs", "hub1")}}}).result()
    net.vpn_connections.begin_create_or_update(rg, "hub1-vpngw", "site1-conn", {"properties": {
        "remoteVpnSite": {"id": rid(aznet, rg, "vpnSites", "site1")}, "vpnLinkConnections": [
            {"name": "link1", "properties": {
                "vpnSiteLink": {"id": f"{rid(aznet, rg, 'vpnSites', 'site1')}/vpnSiteLinks/link1"},
                "sharedKey": "abc123"}}]}}).result()
    got = routes(net, rg, "VNet1-nic")
    for prefix in ("10.2.0.0/16", "192.168.10.0/24"):
        assert got[prefix].source == "VirtualNetworkGateway" and got[prefix].next_hop_type == "VirtualNetworkGateway"
        assert got[prefix].next_hop_ip_address == ["10.100.0.68", "10.100.0.69"]
    assert got["10.100.0.0/24"].next_hop_type == "VNetPeering"
    assert "10.1.0.0/16" in got and got["10.1.0.0/16"].next_hop_type == "VnetLocal"
    hop = next_hop(net, vm1, "192.168.10.7")
    assert hop.next_hop_type == "VirtualNetworkGateway" and hop.next_hop_ip_address == "10.100.0.68"
    assert next_hop(net, vm1, "10.2.0.4").next_hop_type == "VirtualNetworkGateway"
    # isolate the VNets: they associate with RT_VNet, which only the branch propagates to
    net.hub_route_tables.begin_create_or_update(rg, "hub1", "RT_VNet", {"properties": {"labels": ["vnet"]}}).result()
    iso = {"associatedRouteTable": {"id": table_id(aznet, rg, "hub1", "RT_VNet")},
           "propagatedRouteTables": {"labels": ["default"],
                                     "ids": [{"id": table_id(aznet, rg, "hub1", "defaultRouteTable")}]}}
    connect(aznet, net, rg, "hub1", "conn1", "VNet1", routingConfiguration=iso)
    connect(aznet, net, rg, "hub1", "conn2", "VNet2", routingConfiguration=iso)
    net.vpn_connections.begin_create_or_update(rg, "hub1-vpngw", "site1-conn", {"properties": {
        "remoteVpnSite": {"id": rid(aznet, rg, "vpnSites", "site1")},
        "routingConfiguration": {"propagatedRouteTables": {
            "labels": ["default", "vnet"], "ids": [{"id": table_id(aznet, rg, "hub1", "defaultRouteTable")}]}},
        "vpnLinkConnections": [{"name": "link1", "properties": {
            "vpnSiteLink": {"id": f"{rid(aznet, rg, 'vpnSites', 'site1')}/vpnSiteLinks/link1"},
            "sharedKey": "abc123"}}]}}).result()
    got = routes(net, rg, "VNet1-nic")
    assert "10.2.0.0/16" not in got and got["192.168.10.0/24"].source == "VirtualNetworkGateway"
    assert next_hop(net, vm1, "10.2.0.4").next_hop_type == "None"
    # a route table with "propagate gateway routes" off drops what the hub gives
    net.route_tables.begin_create_or_update(rg, "nobgp", {"location": LOC, "properties": {
        "disableBgpRoutePropagation": True}}).result()
    net.subnets.begin_create_or_update(rg, "VNet1", "default", {"properties": {
        "addressPrefix": "10.1.0.0/24", "routeTable": {"id": rid(aznet, rg, "routeTables", "nobgp")}}}).result()
    assert "192.168.10.0/24" not in routes(net, rg, "VNet1-nic")


def test_routing_intent_sends_spoke_traffic_to_the_hub_firewall(aznet, network_client, compute, rg):
    net = network_client
    vm1 = hub_and_spokes(aznet, net, compute, rg)
    connect(aznet, net, rg, "hub1", "conn1", "VNet1")
    connect(aznet, net, rg, "hub1", "conn2", "VNet2")
    fw = net.azure_firewalls.begin_create_or_update(rg, "hubfw", {"location": LOC, "properties": {
        "sku": {"name": "AZFW_Hub", "tier": "Standard"},
        "virtualHub": {"id": rid(aznet, rg, "virtualHubs", "hub1")}}}).result()
    net.routing_intent.begin_create_or_update(rg, "hub1", "intent", {"properties": {"routingPolicies": [
        {"name": "PrivateTrafficPolicy", "destinations": ["PrivateTraffic"], "nextHop": fw.id},
        {"name": "InternetTrafficPolicy", "destinations": ["Internet"], "nextHop": fw.id}]}}).result()
    got = routes(net, rg, "VNet1-nic")
    for prefix in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "0.0.0.0/0"):
        assert got[prefix].source == "VirtualNetworkGateway"
        assert got[prefix].next_hop_ip_address == ["10.100.0.132"]
    assert next_hop(net, vm1, "10.2.0.4").next_hop_ip_address == "10.100.0.132"
    hop = next_hop(net, vm1, "93.184.216.34")
    assert (hop.next_hop_type, hop.next_hop_ip_address) == ("VirtualNetworkGateway", "10.100.0.132")


def test_expressroute_branch_in_the_hub(aznet, network_client, compute, rg):
    """A circuit's private peering connected to the hub's ExpressRoute gateway: what the customer edge
    announces reaches the hub's tables (next hop the ExpressRoute gateway, AS path from the MSEE's 12076)
    and the spoke VMs (next hop the hub router); against the same prefix from a VPN site the hub routing
    preference chooses; the route leaves when the edge goes down."""
    from tests.dataplane.lb.support import cli

    from .test_expressroute import make_circuit, private_peering

    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    spoke(net, rg, "VNet1", 1)
    vm_in(aznet, net, compute, rg, "VNet1")
    connect(aznet, net, rg, "hub1", "conn1", "VNet1")
    make_circuit(aznet, net, rg)
    net.express_route_circuit_peerings.begin_create_or_update(rg, "er1", "AzurePrivatePeering",
                                                              private_peering()).result()
    gw = net.express_route_gateways.begin_create_or_update(rg, "hub1-ergw", {"location": LOC, "properties": {
        "virtualHub": {"id": rid(aznet, rg, "virtualHubs", "hub1")},
        "autoScaleConfiguration": {"bounds": {"min": 1}}}}).result()
    assert net.virtual_hubs.get(rg, "hub1").express_route_gateway.id == gw.id
    net.express_route_connections.begin_create_or_update(rg, "hub1-ergw", "er1-conn", {
        "name": "er1-conn", "properties": {"expressRouteCircuitPeering": {
            "id": f"{rid(aznet, rg, 'expressRouteCircuits', 'er1')}/peerings/AzurePrivatePeering"}}}).result()
    cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "er1", "--route", "10.200.0.0/16:65021")
    table = net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", None).result().value
    er = [r for r in table if r.address_prefixes == ["10.200.0.0/16"]]
    assert len(er) == 1 and er[0].next_hop_type == "ExpressRouteGateway" and er[0].next_hops == [gw.id]
    assert er[0].as_path.startswith("12076")
    got = routes(net, rg, "VNet1-nic")
    assert got["10.200.0.0/16"].next_hop_type == "VirtualNetworkGateway"
    assert got["10.200.0.0/16"].next_hop_ip_address == ["10.100.0.68", "10.100.0.69"]
    # the same prefix from a VPN site: the hub routing preference decides (ExpressRoute by default)
    net.vpn_sites.begin_create_or_update(rg, "site1", {"location": LOC, "properties": {
        "virtualWan": {"id": rid(aznet, rg, "virtualWans", "myVirtualWan")},
        "addressSpace": {"addressPrefixes": ["10.200.0.0/16"]},
        "vpnSiteLinks": [{"name": "link1", "properties": {"ipAddress": "203.0.113.10"}}]}}).result()
    vpn = net.vpn_gateways.begin_create_or_update(rg, "hub1-vpngw", {"location": LOC, "properties": {
        "virtualHub": {"id": rid(aznet, rg, "virtualHubs", "hub1")}}}).result()
    net.vpn_connections.begin_create_or_update(rg, "hub1-vpngw", "site1-conn", {"properties": {
        "remoteVpnSite": {"id": rid(aznet, rg, "vpnSites", "site1")}, "vpnLinkConnections": [
            {"name": "link1", "properties": {
                "vpnSiteLink": {"id": f"{rid(aznet, rg, 'vpnSites', 'site1')}/vpnSiteLinks/link1"}}}]}}).result()

    def chosen() -> list[str]:
        table = net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", None).result().value
        return [r.next_hop_type for r in table if "10.200.0.0/16" in r.address_prefixes]
    assert chosen() == ["ExpressRouteGateway"]
    for preference, want in (("VpnGateway", ["VPN_S2S_Gateway"]), ("ASPath", ["VPN_S2S_Gateway"]),
                             ("ExpressRoute", ["ExpressRouteGateway"])):
        make_hub(aznet, net, rg, hubRoutingPreference=preference)
        assert chosen() == want, preference
    assert vpn.id
    cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "er1", "--down")
    assert chosen() == ["VPN_S2S_Gateway"]
