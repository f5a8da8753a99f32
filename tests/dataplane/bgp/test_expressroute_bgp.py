"""ExpressRoute private peering over real BGP: a real FRR bgpd per link plays the customer's edge router
(peerASN 65020, the first address of each /30) and peers with aznet's MSEE speakers (AS 12076, the second
address). Its routes reach the linked ExpressRoute gateway's VNet (effective routes, Network Watcher), the
gateway's getBgpPeerStatus / getLearnedRoutes, and the circuit's route, ARP and summary tables and byte
counters; FRR receives the linked VNet (AS path 12076 65515); the routes stay while one link is up and leave
with the last one."""

from __future__ import annotations

from tests.compute.test_vm import vm_body
from tests.network.nic_support import LOC, nic_body, subnet_id
from tests.network.test_expressroute import er_connection, er_gateway, make_circuit, private_peering

from .support import gateway_routes, metric, needs_frr, speakers, start_frr, wait_for

pytestmark = needs_frr
CUSTOMER_ASN = 65020


def _links(aznet, peering_id):  # type: ignore[no-untyped-def]
    return {e["name"].rsplit("/", 1)[-1]: e for e in speakers(aznet, peering_id)}


def _customer(link, networks):  # type: ignore[no-untyped-def]
    return start_frr(link, networks, CUSTOMER_ASN)


def test_customer_router_routes_reach_the_vnet_through_the_msee_sessions(aznet, network_client, compute, rg):
    net = network_client
    make_circuit(aznet, net, rg)
    er_gateway(aznet, net, rg)
    peering = net.express_route_circuit_peerings.begin_create_or_update(
        rg, "er1", "AzurePrivatePeering", private_peering(asn=CUSTOMER_ASN)).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toER", er_connection(aznet, rg)).result()
    nic = net.network_interfaces.begin_create_or_update(rg, "vm1nic", nic_body(
        subnet_id(aznet, rg, "VNet1", "FrontEnd"))).result()
    vm = compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nic.id)).result()
    links = _links(aznet, peering.id)
    assert set(links) == {"primary", "secondary"}
    assert (links["primary"]["bgpPeeringAddress"], links["secondary"]["bgpPeeringAddress"]) == (
        "192.168.10.2", "192.168.10.6")
    assert {e["asn"] for e in links.values()} == {12076}
    assert [(n["address"], n["asn"]) for n in links["primary"]["neighbors"]] == [("192.168.10.1", CUSTOMER_ASN)]
    assert links["primary"]["address"].startswith("127.") and links["primary"]["address"] != \
        links["secondary"]["address"]

    primary = _customer(links["primary"], ["10.200.0.0/16"])
    secondary = _customer(links["secondary"], ["10.200.0.0/16"])
    try:
        routes = wait_for(lambda: (r := gateway_routes(net, rg, "vm1nic")) and "10.200.0.0/16" in r and r,
                          timeout=30)
        assert routes["10.200.0.0/16"].next_hop_type == "VirtualNetworkGateway"
        watcher = next(w for w in net.network_watchers.list_all() if w.location == LOC)
        hop = net.network_watchers.begin_get_next_hop(watcher.id.split("/")[4], watcher.name, {
            "targetResourceId": vm.id, "sourceIPAddress": nic.ip_configurations[0].private_ip_address,
            "destinationIPAddress": "10.200.1.1"}).result()
        assert hop.next_hop_type == "VirtualNetworkGateway"
        assert hop.next_hop_ip_address == routes["10.200.0.0/16"].next_hop_ip_address[0]

        # the gateway's BGP view: the two MSEE links, and the customer's route with 12076 in front
        peers = wait_for(lambda: (v := net.virtual_network_gateways.begin_get_bgp_peer_status(
            rg, "VNet1ERGW").result().value) and all(p.state == "Connected" and p.routes_received == 1 for p in v)
            and v, timeout=30)
        assert sorted((p.neighbor, p.asn) for p in peers) == [("192.168.10.2", 12076), ("192.168.10.6", 12076)]
        learned = net.virtual_network_gateways.begin_get_learned_routes(rg, "VNet1ERGW").result().value
        ebgp = [(r.network, r.as_path, r.source_peer) for r in learned if r.origin == "EBgp"]
        assert sorted(ebgp) == [("10.200.0.0/16", "12076 65020", "192.168.10.2"),
                                ("10.200.0.0/16", "12076 65020", "192.168.10.6")]

        # the circuit's tables answer from the sessions
        table = net.express_route_circuits.begin_list_routes_table(rg, "er1", "AzurePrivatePeering", "primary")\
            .result().value
        by_net = {r.network: r for r in table}
        assert (by_net["10.200.0.0/16"].path, by_net["10.200.0.0/16"].next_hop) == ("65020", "192.168.10.1")
        assert by_net["10.1.0.0/16"].path == "65515"
        arp = net.express_route_circuits.begin_list_arp_table(rg, "er1", "AzurePrivatePeering", "secondary")\
            .result().value
        assert {(e.interface, e.ip_address) for e in arp} == {("On-Prem", "192.168.10.5"),
                                                            ("Microsoft", "192.168.10.6")}
        summary = net.express_route_circuits.begin_list_routes_table_summary(
            rg, "er1", "AzurePrivatePeering", "primary").result().value
        assert [(s.neighbor, s.as_property, s.state_pfx_rcd) for s in summary] == [("192.168.10.1", 65020, "1")]
        assert summary[0].up_down.count(":") == 2
        stats = net.express_route_circuits.get_stats(rg, "er1")
        assert stats.primarybytes_in > 0 and stats.primarybytes_out > 0 and stats.secondarybytes_in > 0
        peering_stats = net.express_route_circuits.get_peering_stats(rg, "er1", "AzurePrivatePeering")
        assert peering_stats.primarybytes_in > 0

        # Azure Monitor: the circuit's BGP availability per link, the gateway's routes learned per MSEE link
        circuit_id = peering.id.rsplit("/peerings/", 1)[0]
        avail = metric(aznet, circuit_id, "BgpAvailability", ("PeeringType", "Peer"), "Average")
        assert avail == {("AzurePrivatePeering", "Primary"): 100.0, ("AzurePrivatePeering", "Secondary"): 100.0}
        gw_id = peers and net.virtual_network_gateways.get(rg, "VNet1ERGW").id
        counts = metric(aznet, gw_id, "ExpressRouteGatewayCountOfRoutesLearnedFromPeer",
                        ("roleInstance", "BgpPeerAddress"))
        assert counts == {("IN_0", "192.168.10.2"): 1.0, ("IN_1", "192.168.10.6"): 1.0}

        # what Microsoft announces to the customer: the linked VNet, AS path 12076 65515
        for router, link in ((primary, "primary"), (secondary, "secondary")):
            got = wait_for(lambda r=router, lk=link: r.received(links[lk]["address"]) or None, timeout=30)
            assert set(got) == {"10.1.0.0/16"}
            assert got["10.1.0.0/16"][0]["path"] == "12076 65515"

        # a new announcement and its withdrawal on the primary link only
        primary.announce("10.210.0.0/16")
        wait_for(lambda: "10.210.0.0/16" in gateway_routes(net, rg, "vm1nic"), timeout=30)
        primary.withdraw("10.210.0.0/16")
        wait_for(lambda: "10.210.0.0/16" not in gateway_routes(net, rg, "vm1nic"), timeout=30)

        # the primary link goes down: the route stays through the secondary; then the secondary goes too
        primary.stop()
        wait_for(lambda: net.express_route_circuits.begin_list_routes_table_summary(
            rg, "er1", "AzurePrivatePeering", "primary").result().value[0].state_pfx_rcd == "Active", timeout=30)
        assert "10.200.0.0/16" in gateway_routes(net, rg, "vm1nic")
        secondary.stop()
        wait_for(lambda: "10.200.0.0/16" not in gateway_routes(net, rg, "vm1nic"), timeout=30)
        avail = metric(aznet, circuit_id, "BgpAvailability", ("PeeringType", "Peer"), "Minimum")
        assert avail == {("AzurePrivatePeering", "Primary"): 0.0, ("AzurePrivatePeering", "Secondary"): 0.0}
        arp = net.express_route_circuits.begin_list_arp_table(rg, "er1", "AzurePrivatePeering", "secondary")\
            .result().value
        assert [(e.interface, e.ip_address) for e in arp] == [("Microsoft", "192.168.10.6")]
    finally:
        primary.close()
        secondary.close()


def test_virtual_wan_expressroute_connection_learns_from_the_customer_router(aznet, network_client, rg):
    """A Virtual WAN hub's ExpressRoute gateway connected to the peering: the customer's route (over the
    primary link's session) is in the hub's routing (next hop the ExpressRoute gateway, AS path 12076-65020)
    and in the connected spoke; the customer receives the hub prefix and the spoke (12076 65515)."""
    from tests.network.nic_support import make_vnet, rid
    from tests.network.vwan_support import connect, make_hub, make_wan

    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg, prefix="10.100.0.0/23")
    make_vnet(net, rg, name="spoke1", prefixes=("10.1.0.0/16",), subnets={"default": "10.1.0.0/24"})
    net.network_interfaces.begin_create_or_update(rg, "spoke-nic", nic_body(subnet_id(aznet, rg, "spoke1"))).result()
    connect(aznet, net, rg, "hub1", "conn1", "spoke1")
    make_circuit(aznet, net, rg)
    peering = net.express_route_circuit_peerings.begin_create_or_update(
        rg, "er1", "AzurePrivatePeering", private_peering(asn=CUSTOMER_ASN)).result()
    gw = net.express_route_gateways.begin_create_or_update(rg, "hub1-ergw", {"location": LOC, "properties": {
        "virtualHub": {"id": rid(aznet, rg, "virtualHubs", "hub1")},
        "autoScaleConfiguration": {"bounds": {"min": 1}}}}).result()
    net.express_route_connections.begin_create_or_update(rg, "hub1-ergw", "er1-conn", {
        "name": "er1-conn", "properties": {"expressRouteCircuitPeering": {"id": peering.id}}}).result()
    link = _links(aznet, peering.id)["primary"]
    customer = _customer(link, ["10.200.0.0/16"])
    try:
        def hub_er() -> list[tuple[str, list[str], str]]:
            table = net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", None).result().value
            return [(r.next_hop_type, r.next_hops, r.as_path) for r in table if "10.200.0.0/16" in r.address_prefixes]
        assert wait_for(hub_er, timeout=30) == [("ExpressRouteGateway", [gw.id], "12076-65020")]
        spoke = wait_for(lambda: (g := gateway_routes(net, rg, "spoke-nic")) and "10.200.0.0/16" in g and g,
                         timeout=30)
        assert sorted(spoke["10.200.0.0/16"].next_hop_ip_address) == ["10.100.0.68", "10.100.0.69"]
        got = wait_for(lambda: (r := customer.received(link["address"])) and "10.1.0.0/16" in r and r, timeout=30)
        assert {p: paths[0]["path"] for p, paths in got.items()} == {"10.100.0.0/23": "12076 65515",
                                                                     "10.1.0.0/16": "12076 65515"}
    finally:
        customer.close()
    wait_for(lambda: not hub_er(), timeout=30)
    assert "10.200.0.0/16" not in gateway_routes(net, rg, "spoke-nic")
