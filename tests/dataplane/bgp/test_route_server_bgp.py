"""Route Server BGP against a real FRR bgpd as the NVA: both instances peer with it, the routes it
announces reach the VNet's effective routes with the NVA as next hop, learnedRoutes / advertisedRoutes
of the bgpConnection come from the sessions, withdrawal when the NVA stops, and the 1000-route limit."""

from __future__ import annotations

from aznet.testing import frr
from tests.network.hybrid_support import pip
from tests.network.nic_support import make_vnet

from .support import cli, gateway_routes, needs_frr, route_server, speaker, vm_nic, wait_for

pytestmark = needs_frr
NVA_ASN = 65001


def _route_server(aznet, net, compute, rg, **hub_props):  # type: ignore[no-untyped-def]
    make_vnet(net, rg, name="hubvnet", prefixes=("10.0.0.0/16",), subnets={
        "default": "10.0.0.0/24", "RouteServerSubnet": "10.0.1.0/26"})
    pip(net, rg, "RouteServerIP")
    nics = {name: vm_nic(aznet, net, compute, rg, name, "hubvnet", "default") for name in ("nva", "web")}
    nva_ip = nics["nva"].ip_configurations[0].private_ip_address
    return route_server(aznet, net, rg, "hubvnet", nva_ip, NVA_ASN, **hub_props), nva_ip


def _nva(aznet, hub, networks):  # type: ignore[no-untyped-def]
    """FRR as the NVA, peering with both Route Server instances as Azure recommends."""
    status = [e for e in cli(aznet, "status", "--json")["endpoints"] if e.get("resourceId", "").lower() == hub.id.lower()]
    assert sorted(e["bgpPeeringAddress"] for e in status) == sorted(hub.virtual_router_ips)
    assert {e["asn"] for e in status} == {65515}
    src = status[0]["neighbors"][0]["connectFrom"]
    first, *rest = status
    return frr.Frr(src, NVA_ASN, first["address"], 65515, first.get("listenPort", first["port"]), networks,
                   more=tuple((e["address"], 65515, e.get("listenPort", e["port"])) for e in rest)).start(), status


def test_nva_routes_reach_the_vnet_with_the_nva_as_next_hop(aznet, network_client, compute, rg):
    net = network_client
    hub, nva_ip = _route_server(aznet, net, compute, rg)
    sp = speaker(aznet, hub.id)
    assert sp["neighbors"][0]["address"] == nva_ip
    nva, status = _nva(aznet, hub, ["10.100.0.0/16"])
    try:
        wait_for(lambda: net.virtual_hub_bgp_connection.get(rg, "rs", "nva").connection_state == "Connected",
                 timeout=30)
        routes = wait_for(lambda: (r := gateway_routes(net, rg, "web-nic")) and "10.100.0.0/16" in r and r,
                          timeout=30)
        assert routes["10.100.0.0/16"].next_hop_type == "VirtualNetworkGateway"
        assert routes["10.100.0.0/16"].next_hop_ip_address == [nva_ip]
        learned = wait_for(lambda: (got := net.virtual_hub_bgp_connections.begin_list_learned_routes(
            rg, "rs", "nva").result()) and all(got.get(k) for k in ("RouteServiceRole_IN_0",
                                                                    "RouteServiceRole_IN_1")) and got, timeout=30)
        r0 = learned["RouteServiceRole_IN_0"][0]
        assert (r0.network, r0.next_hop, r0.as_path, r0.source_peer) == ("10.100.0.0/16", nva_ip, "65001", nva_ip)
        # both instances announce the VNet to the NVA with AS path 65515
        for e in status:
            got = wait_for(lambda e=e: nva.received(e["address"]) or None, timeout=30)
            assert set(got) == {"10.0.0.0/16"} and got["10.0.0.0/16"][0]["path"] == "65515"
        adv = net.virtual_hub_bgp_connections.begin_list_advertised_routes(rg, "rs", "nva").result()
        assert {r.network for r in adv["RouteServiceRole_IN_0"]} == {"10.0.0.0/16"}
    finally:
        nva.close()
    wait_for(lambda: "10.100.0.0/16" not in gateway_routes(net, rg, "web-nic"), timeout=30)
    assert net.virtual_hub_bgp_connection.get(rg, "rs", "nva").connection_state == "Connecting"


def test_more_than_1000_routes_from_one_peer_end_the_session(aznet, network_client, compute, rg):
    net = network_client
    hub, _nva_ip = _route_server(aznet, net, compute, rg)
    many = [f"10.{200 + i // 256}.{i % 256}.0/24" for i in range(1001)]
    nva, status = _nva(aznet, hub, many)
    try:
        first = status[0]["address"]
        reason = wait_for(lambda: (n := nva.json(f"show bgp neighbors {first} json").get(first, {})) and
                          n.get("lastErrorCodeSubcode") == "0601" and n.get("lastNotificationReason"), timeout=30)
        assert reason == "Cease/Maximum Number of Prefixes Reached"
        assert not [p for p in gateway_routes(net, rg, "web-nic") if p.startswith("10.2")]
    finally:
        nva.close()
