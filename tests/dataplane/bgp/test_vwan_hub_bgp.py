"""Virtual WAN hub router BGP against a real FRR bgpd as an NVA in a connected VNet ("Scenario: BGP peering
with a virtual hub"): both hub router instances peer with it; the routes it announces enter the hub routing
model (the hub's effectiveRoutes: next hop type HubBgpConnection, the NVA's AS path), reach the other spokes'
effective routes and Network Watcher's next hop (the hub router), show in the bgpConnection's learnedRoutes;
what the hub announces (its prefix and the other spokes, AS path 65515) is what FRR receives and what
advertisedRoutes answers; the routes leave with the NVA."""

from __future__ import annotations

from aznet.testing import frr
from tests.compute.test_vm import vm_body
from tests.network.nic_support import LOC, subnet_id
from tests.network.vwan_support import connect, make_hub, make_wan, spoke

from .support import gateway_routes, metric, needs_frr, speakers, wait_for

pytestmark = needs_frr
NVA_ASN = 65001
HUB_PREFIX = "10.100.0.0/23"


def _hub_with_nva(aznet, net, compute, rg):  # type: ignore[no-untyped-def]
    make_wan(net, rg)
    make_hub(aznet, net, rg, prefix=HUB_PREFIX)
    spoke(net, rg, "nvavnet", 1)
    spoke(net, rg, "webvnet", 2)
    vms = {}
    for name, vnet in (("nva", "nvavnet"), ("web", "webvnet")):
        nic = net.network_interfaces.begin_create_or_update(rg, f"{name}-nic", {
            "location": LOC, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": subnet_id(aznet, rg, vnet, "default")}}}]}}).result()
        vm = compute.virtual_machines.begin_create_or_update(rg, name, vm_body(nic.id)).result()
        vms[name] = (vm.id, nic.ip_configurations[0].private_ip_address)
    nva_conn = connect(aznet, net, rg, "hub1", "nvaconn", "nvavnet")
    connect(aznet, net, rg, "hub1", "webconn", "webvnet")
    net.virtual_hub_bgp_connection.begin_create_or_update(rg, "hub1", "nva", {"properties": {
        "peerIp": vms["nva"][1], "peerAsn": NVA_ASN, "hubVirtualNetworkConnection": {"id": nva_conn.id}}}).result()
    return net.virtual_hubs.get(rg, "hub1"), vms


def _speakers(aznet, hub):  # type: ignore[no-untyped-def]
    return speakers(aznet, hub.id)


def _hub_routes(net, rg):  # type: ignore[no-untyped-def]
    table = net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", None).result().value
    return {p: r for r in table for p in r.address_prefixes}


def test_nva_peers_with_the_hub_router_and_its_routes_follow_the_hub_routing(aznet, network_client, compute, rg):
    net = network_client
    hub, vms = _hub_with_nva(aznet, net, compute, rg)
    nva_ip = vms["nva"][1]
    status = _speakers(aznet, hub)
    # one speaker per hub router instance, on its own loopback address, ASN 65515
    assert sorted(e["bgpPeeringAddress"] for e in status) == sorted(hub.virtual_router_ips) == \
        ["10.100.0.68", "10.100.0.69"]
    assert {e["asn"] for e in status} == {65515}
    assert len({e["address"] for e in status}) == 2 and all(e["address"].startswith("127.") for e in status)
    assert {n["address"] for e in status for n in e["neighbors"]} == {nva_ip}
    src = status[0]["neighbors"][0]["connectFrom"]
    first, *rest = status
    nva = frr.Frr(src, NVA_ASN, first["address"], 65515, first.get("listenPort", first["port"]), ["10.200.0.0/16"],
                  more=tuple((e["address"], 65515, e.get("listenPort", e["port"])) for e in rest)).start()
    try:
        wait_for(lambda: net.virtual_hub_bgp_connection.get(rg, "hub1", "nva").connection_state == "Connected",
                 timeout=30)
        # the hub's default route table: the NVA's route, next hop its bgpConnection, AS path the NVA's
        routes = wait_for(lambda: (r := _hub_routes(net, rg)) and "10.200.0.0/16" in r and r, timeout=30)
        r = routes["10.200.0.0/16"]
        assert r.next_hop_type == "HubBgpConnection"
        assert r.next_hops[0].lower().endswith("/virtualhubs/hub1/bgpconnections/nva")
        assert r.as_path == "65001"
        # the other spoke learns it through the hub router; the NVA's own VNet does not learn it back
        web = wait_for(lambda: (g := gateway_routes(net, rg, "web-nic")) and "10.200.0.0/16" in g and g, timeout=30)
        assert web["10.200.0.0/16"].next_hop_type == "VirtualNetworkGateway"
        assert sorted(web["10.200.0.0/16"].next_hop_ip_address) == ["10.100.0.68", "10.100.0.69"]
        assert "10.200.0.0/16" not in gateway_routes(net, rg, "nva-nic")
        watcher = next(w for w in net.network_watchers.list_all() if w.location == LOC)
        hop = net.network_watchers.begin_get_next_hop(watcher.id.split("/")[4], watcher.name, {
            "targetResourceId": vms["web"][0], "sourceIPAddress": vms["web"][1],
            "destinationIPAddress": "10.200.3.4"}).result()
        assert hop.next_hop_type == "VirtualNetworkGateway"
        assert hop.next_hop_ip_address in ("10.100.0.68", "10.100.0.69")
        # learnedRoutes, per hub router instance
        learned = wait_for(lambda: (got := net.virtual_hub_bgp_connections.begin_list_learned_routes(
            rg, "hub1", "nva").result()) and all(got.get(k) for k in ("RouteServiceRole_IN_0",
                                                                      "RouteServiceRole_IN_1")) and got, timeout=30)
        r0 = learned["RouteServiceRole_IN_0"][0]
        assert (r0.network, r0.as_path, r0.source_peer, r0.local_address) == (
            "10.200.0.0/16", "65001", nva_ip, first["bgpPeeringAddress"])
        # what the hub announces, as FRR received it from each instance: the hub prefix and the web spoke
        for e in status:
            got = wait_for(lambda e=e: (g := nva.received(e["address"])) and "10.2.0.0/16" in g and g, timeout=30)
            assert set(got) == {HUB_PREFIX, "10.2.0.0/16"}
            assert {p: paths[0]["path"] for p, paths in got.items()} == {HUB_PREFIX: "65515", "10.2.0.0/16": "65515"}
        adv = net.virtual_hub_bgp_connections.begin_list_advertised_routes(rg, "hub1", "nva").result()
        assert {(x.network, x.as_path) for x in adv["RouteServiceRole_IN_0"]} == {
            (HUB_PREFIX, "65515"), ("10.2.0.0/16", "65515")}
        # Azure Monitor: the hub's BGP metrics per router instance and peer
        dims = ("routeserviceinstance", "bgppeerip", "bgppeertype")
        status_now = wait_for(lambda: (m := metric(aznet, hub.id, "BgpPeerStatus", dims)) and len(m) == 2 and m,
                              timeout=30)
        assert status_now == {("IN_0", nva_ip, "Nva"): 1.0, ("IN_1", nva_ip, "Nva"): 1.0}
        assert metric(aznet, hub.id, "CountOfRoutesLearnedFromPeer", dims)[("IN_0", nva_ip, "Nva")] == 1.0
        assert metric(aznet, hub.id, "CountOfRoutesAdvertisedToPeer", dims)[("IN_1", nva_ip, "Nva")] == 2.0
        # a spoke connected later is announced to the NVA at once
        spoke(net, rg, "appvnet", 3)
        connect(aznet, net, rg, "hub1", "appconn", "appvnet")
        got = wait_for(lambda: (g := nva.received(first["address"])) and "10.3.0.0/16" in g and g, timeout=30)
        assert got["10.3.0.0/16"][0]["path"] == "65515"
        # a withdrawal
        nva.announce("10.210.0.0/16")
        wait_for(lambda: "10.210.0.0/16" in _hub_routes(net, rg), timeout=30)
        nva.withdraw("10.210.0.0/16")
        wait_for(lambda: "10.210.0.0/16" not in _hub_routes(net, rg), timeout=30)
    finally:
        nva.close()
    # the NVA stops: its routes leave the hub and the spokes
    wait_for(lambda: "10.200.0.0/16" not in gateway_routes(net, rg, "web-nic"), timeout=30)
    assert "10.200.0.0/16" not in _hub_routes(net, rg)
    assert net.virtual_hub_bgp_connection.get(rg, "hub1", "nva").connection_state == "Connecting"

