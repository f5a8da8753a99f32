"""ExpressRoute and a BGP site-to-site VPN coexisting in one VNet, the VPN side a real FRR session: for the
same prefix the ExpressRoute path wins even with the longer AS path (Azure's default preference); when the
ExpressRoute edge withdraws it, the VPN's BGP path takes over; a prefix only the VPN peer announces stays
on the VPN gateway."""

from __future__ import annotations

from tests.dataplane.lb.support import cli
from tests.network.hybrid_support import gw_body, pip
from tests.network.nic_support import LOC, rid
from tests.network.test_expressroute import er_gateway, gateway_hops, make_circuit, peer_er_and_add_nic

from .support import ONPREM_ASN, ONPREM_PEER, needs_frr, speaker, start_frr, wait_for

pytestmark = needs_frr


def test_expressroute_beats_a_shorter_vpn_bgp_path_until_it_is_withdrawn(aznet, network_client, rg):
    net = network_client
    make_circuit(aznet, net, rg)
    er_gateway(aznet, net, rg)
    pip(net, rg, "VNet1VPNpip")
    vpn = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1VPNGW", gw_body(
        aznet, rg, vnet="VNet1", pips=("VNet1VPNpip",), enableBgp=True, bgpSettings={"asn": 65010})).result()
    net.local_network_gateways.begin_create_or_update(rg, "Site1", {"location": LOC, "properties": {
        "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": []},
        "bgpSettings": {"asn": ONPREM_ASN, "bgpPeeringAddress": ONPREM_PEER}}}).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", {"location": LOC, "properties": {
        "connectionType": "IPsec", "enableBgp": True, "sharedKey": "abc", "virtualNetworkGateway1": {"id": vpn.id},
        "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", "Site1")}}}).result()
    peer_er_and_add_nic(aznet, net, rg)

    onprem = start_frr(speaker(aznet, vpn.id), ["10.200.0.0/16", "10.210.0.0/16"])
    try:
        vpn_hops = wait_for(lambda: (h := gateway_hops(net, rg)) and {"10.200.0.0/16", "10.210.0.0/16"} <= set(h) and h,
                            timeout=30)
        er_pip = net.public_ip_addresses.get(rg, "VNet1ERpip").ip_address
        assert er_pip not in vpn_hops["10.200.0.0/16"]
        # ExpressRoute announces the same prefix with a longer AS path (3 ASNs against the VPN's 1): still chosen
        cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "er1", "--route", "10.200.0.0/16:65020 65020 65020")
        now = gateway_hops(net, rg)
        assert now["10.200.0.0/16"] == [er_pip]
        assert now["10.210.0.0/16"] == vpn_hops["10.210.0.0/16"]
        # the VPN gateway still holds its BGP path for the prefix
        learned = net.virtual_network_gateways.begin_get_learned_routes(rg, "VNet1VPNGW").result().value
        assert ("10.200.0.0/16", "65050") in {(r.network, r.as_path) for r in learned if r.origin == "EBgp"}
        # the ExpressRoute edge goes down: the VPN's BGP path takes over
        cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "er1", "--down")
        assert gateway_hops(net, rg)["10.200.0.0/16"] == vpn_hops["10.200.0.0/16"]
    finally:
        onprem.close()
