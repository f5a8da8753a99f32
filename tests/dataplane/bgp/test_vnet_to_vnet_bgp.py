"""BGP over VNet-to-VNet between two aznet gateways (ASNs 65010 and 65020), with a real FRR site on the
first: the gateways' speakers peer with each other, the site's routes cross to the second VNet (transit,
AS path 65010 65050), and the site learns the second VNet through the first gateway."""

from __future__ import annotations

from aznet.testing import frr
from tests.network.nic_support import LOC, nic_body, subnet_id
from tests.network.test_vpn_connections import make_gateway

from .support import gateway_routes, needs_frr, speaker, vpn_site, wait_for

pytestmark = needs_frr


def test_site_routes_cross_a_bgp_vnet_to_vnet_connection(aznet, network_client, compute, rg):
    net = network_client
    site = vpn_site(aznet, net, compute, rg, vm=False)
    gw2 = make_gateway(aznet, net, rg, vnet="VNet2", space="10.2.0.0/16", enableBgp=True, bgpSettings={"asn": 65020})
    net.network_interfaces.begin_create_or_update(rg, "vm2-nic", nic_body(subnet_id(aznet, rg, "VNet2", "FrontEnd")))\
        .result()
    for name, a, b in (("1to2", site["gw"].id, gw2.id), ("2to1", gw2.id, site["gw"].id)):
        net.virtual_network_gateway_connections.begin_create_or_update(rg, name, {"location": LOC, "properties": {
            "connectionType": "Vnet2Vnet", "enableBgp": True, "sharedKey": "v2vkey",
            "virtualNetworkGateway1": {"id": a}, "virtualNetworkGateway2": {"id": b}}}).result()
    sp1 = speaker(aznet, site["gw"].id)
    assert {n["address"] for n in sp1["neighbors"]} == {"10.51.255.254", "10.2.255.30"}
    nb = next(n for n in sp1["neighbors"] if n["address"] == "10.51.255.254")
    onprem = frr.Frr(nb["connectFrom"], 65050, sp1["address"], 65010, sp1.get("listenPort", sp1["port"]),
                     ["192.168.50.0/24"]).start()
    try:
        def peers(gw: str):  # type: ignore[no-untyped-def]
            return {p.neighbor: p.state for p in net.virtual_network_gateways.begin_get_bgp_peer_status(
                rg, gw).result().value}
        wait_for(lambda: peers("VNet2GW") == {"10.1.255.30": "Connected"}, timeout=30)
        wait_for(lambda: peers("VNet1GW") == {"10.51.255.254": "Connected", "10.2.255.30": "Connected"}, timeout=30)
        routes = wait_for(lambda: (r := gateway_routes(net, rg, "vm2-nic")) and "192.168.50.0/24" in r and r,
                          timeout=30)
        assert routes["192.168.50.0/24"].next_hop_type == "VirtualNetworkGateway"
        learned = net.virtual_network_gateways.begin_get_learned_routes(rg, "VNet2GW").result().value
        via = {r.network: r for r in learned if r.origin == "EBgp"}
        assert via["192.168.50.0/24"].as_path == "65010 65050"
        assert via["192.168.50.0/24"].source_peer == "10.1.255.30"
        got = wait_for(lambda: "10.2.0.0/16" in (r := onprem.received()) and r, timeout=30)
        assert got["10.2.0.0/16"][0]["path"] == "65010 65020"
        onprem.withdraw("192.168.50.0/24")
        wait_for(lambda: "192.168.50.0/24" not in gateway_routes(net, rg, "vm2-nic"), timeout=30)
    finally:
        onprem.close()
