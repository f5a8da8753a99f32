"""VPN gateway BGP against a real FRR bgpd: effective routes, Network Watcher next hop, getBgpPeerStatus,
getLearnedRoutes, getAdvertisedRoutes as received by FRR, withdrawal, and the session ending with FRR."""

from __future__ import annotations

from tests.network.nic_support import LOC, make_vnet, nic_body, rid, subnet_id

from .support import gateway_routes, needs_frr, speaker, start_frr, vpn_site, wait_for

pytestmark = needs_frr


def _peers(net, rg):  # type: ignore[no-untyped-def]
    return net.virtual_network_gateways.begin_get_bgp_peer_status(rg, "VNet1GW").result().value


def test_routes_learned_from_frr_reach_effective_routes_and_leave_with_it(aznet, network_client, compute, rg):
    net = network_client
    site = vpn_site(aznet, net, compute, rg)
    sp = speaker(aznet, site["gw"].id)
    assert sp["asn"] == 65010 and sp["bgpPeeringAddress"] == "10.1.255.30" and sp["port"] == 179
    assert sp["address"].startswith("127.")
    onprem = start_frr(sp, ["192.168.50.0/24", "172.20.0.0/16"])
    try:
        peer = wait_for(lambda: [p for p in _peers(net, rg) if p.state == "Connected" and p.routes_received == 2]
                        and _peers(net, rg)[0], timeout=30)
        assert (peer.neighbor, peer.asn, peer.local_address, peer.routes_received) == (
            "10.51.255.254", 65050, "10.1.255.30", 2)
        routes = wait_for(lambda: (r := gateway_routes(net, rg)) and "192.168.50.0/24" in r and r, timeout=30)
        assert routes["192.168.50.0/24"].next_hop_type == "VirtualNetworkGateway"
        assert routes["192.168.50.0/24"].state == "Active"
        assert "172.20.0.0/16" in routes

        learned = net.virtual_network_gateways.begin_get_learned_routes(rg, "VNet1GW").result().value
        ebgp = {r.network: r for r in learned if r.origin == "EBgp"}
        assert set(ebgp) == {"192.168.50.0/24", "172.20.0.0/16"}
        assert ebgp["192.168.50.0/24"].as_path == "65050"
        assert ebgp["192.168.50.0/24"].source_peer == "10.51.255.254"

        # Network Watcher: traffic from the VM to on-premises goes to the gateway
        watcher = next(w for w in net.network_watchers.list_all() if w.location == LOC)
        hop = net.network_watchers.begin_get_next_hop(watcher.id.split("/")[4], watcher.name, {
            "targetResourceId": site["vm"], "sourceIPAddress": site["ip"],
            "destinationIPAddress": "192.168.50.7"}).result()
        assert hop.next_hop_type == "VirtualNetworkGateway"

        # what Azure advertises, as FRR received it: the VNet, AS path = the gateway's ASN
        got = wait_for(lambda: onprem.received() or None, timeout=30)
        assert set(got) == {"10.1.0.0/16"}
        path = got["10.1.0.0/16"][0]
        assert path["path"] == "65010"
        adv = net.virtual_network_gateways.begin_get_advertised_routes(rg, "VNet1GW", peer="10.51.255.254").result().value
        assert [(r.network, r.as_path) for r in adv] == [("10.1.0.0/16", "65010")]

        # a spoke peered with gateway transit: it learns the BGP routes, and the peer learns the spoke
        make_vnet(net, rg, name="Spoke", prefixes=("10.60.0.0/16",), subnets={"default": "10.60.0.0/24"})
        net.network_interfaces.begin_create_or_update(rg, "spoke-nic", nic_body(subnet_id(aznet, rg, "Spoke")))\
            .result()
        net.virtual_network_peerings.begin_create_or_update(rg, "VNet1", "to-spoke", {"properties": {
            "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", "Spoke")},
            "allowGatewayTransit": True}}).result()
        net.virtual_network_peerings.begin_create_or_update(rg, "Spoke", "to-hub", {"properties": {
            "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", "VNet1")},
            "useRemoteGateways": True}}).result()
        spoke = gateway_routes(net, rg, "spoke-nic")
        assert spoke["192.168.50.0/24"].next_hop_type == "VirtualNetworkGateway"
        got = wait_for(lambda: "10.60.0.0/16" in (r := onprem.received()) and r, timeout=30)
        assert got["10.60.0.0/16"][0]["path"] == "65010"

        # a new announcement, then a withdrawal
        onprem.announce("10.200.0.0/16")
        wait_for(lambda: "10.200.0.0/16" in gateway_routes(net, rg), timeout=30)
        onprem.withdraw("192.168.50.0/24")
        wait_for(lambda: "192.168.50.0/24" not in gateway_routes(net, rg), timeout=30)
        assert "10.200.0.0/16" in gateway_routes(net, rg)
        assert "192.168.50.0/24" not in gateway_routes(net, rg, "spoke-nic")
    finally:
        onprem.close()
    # the peer is gone: its routes are withdrawn and the session is no longer up
    wait_for(lambda: not gateway_routes(net, rg), timeout=30)
    assert not gateway_routes(net, rg, "spoke-nic")
    assert [p.state for p in _peers(net, rg)] == ["Connecting"]
    learned = net.virtual_network_gateways.begin_get_learned_routes(rg, "VNet1GW").result().value
    assert not [r for r in learned if r.origin == "EBgp"]
