"""BGP route translation for NAT (``enableBgpRouteTranslationForNat``) on a live session with a real FRR
bgpd: the VNet's space goes out to the on-premises peer through the connection's EgressSnat rule, and
what the peer announces is used through its IngressSnat rule (Azure's "Configure NAT on Azure VPN
Gateway": with BGP route translation the gateway advertises and learns the post-NAT prefixes)."""

from __future__ import annotations

from tests.network.nic_support import rid
from tests.network.test_vpn_nat_rules import rule

from .support import ONPREM_PEER, gateway_routes, needs_frr, speaker, start_frr, vpn_site, wait_for

pytestmark = needs_frr


def test_frr_receives_and_sends_post_nat_prefixes(aznet, network_client, compute, rg):
    net = network_client
    site = vpn_site(aznet, net, compute, rg, sku="VpnGw2")        # NAT needs VpnGw2 or larger
    onprem = start_frr(speaker(aznet, site["gw"].id), ["192.168.50.0/24"])
    try:
        # before any NAT: FRR receives the VNet as it is, and the VM routes to the on-premises prefix
        got = wait_for(lambda: onprem.received() or None, timeout=30)
        assert set(got) == {"10.1.0.0/16"}
        wait_for(lambda: "192.168.50.0/24" in gateway_routes(net, rg), timeout=30)

        nat = net.virtual_network_gateway_nat_rules
        nat.begin_create_or_update(rg, "VNet1GW", "VNetOut", rule("EgressSnat", ["10.1.0.0/16"],
                                                                   ["100.64.0.0/16"])).result()
        nat.begin_create_or_update(rg, "VNet1GW", "SiteIn", rule("IngressSnat", ["192.168.50.0/24"],
                                                                  ["100.65.50.0/24"])).result()
        gw = net.virtual_network_gateways.get(rg, "VNet1GW")
        gw.enable_bgp_route_translation_for_nat = True
        net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw).result()
        gw_id = rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")
        conn = net.virtual_network_gateway_connections.get(rg, "VNet1toSite1")
        conn.egress_nat_rules = [{"id": f"{gw_id}/natRules/VNetOut"}]
        conn.ingress_nat_rules = [{"id": f"{gw_id}/natRules/SiteIn"}]
        net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", conn).result()

        # FRR now receives the VNet's post-NAT space, and only that
        got = wait_for(lambda: (r := onprem.received()) and set(r) == {"100.64.0.0/16"} and r, timeout=30)
        assert got["100.64.0.0/16"][0]["path"] == "65010"
        adv = net.virtual_network_gateways.begin_get_advertised_routes(rg, "VNet1GW", peer=ONPREM_PEER).result()
        assert {r.network for r in adv.value} == {"100.64.0.0/16"}
        # and the VM reaches the on-premises prefix by its post-NAT address
        routes = wait_for(lambda: (r := gateway_routes(net, rg)) and "100.65.50.0/24" in r and r, timeout=30)
        assert "192.168.50.0/24" not in routes
        assert routes["100.65.50.0/24"].next_hop_type == "VirtualNetworkGateway"

        # translation off again: the VNet goes out as it is
        gw = net.virtual_network_gateways.get(rg, "VNet1GW")
        gw.enable_bgp_route_translation_for_nat = False
        net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw).result()
        wait_for(lambda: set(onprem.received() or {}) == {"10.1.0.0/16"}, timeout=30)
    finally:
        onprem.stop()
