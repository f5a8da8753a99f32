"""Route Server with allowBranchToBranchTraffic beside a BGP VPN gateway in the same VNet, both peers real
FRR instances: the NVA learns the on-premises prefix and the on-premises router learns the NVA's, and
without branch-to-branch neither crosses."""

from __future__ import annotations

from tests.network.hybrid_support import gw_body

from .support import (
    ONPREM_ASN,
    ONPREM_PEER,
    bgp_site,
    branch_vnet,
    needs_frr,
    route_server,
    speaker,
    start_frr,
    vm_nic,
    wait_for,
)

pytestmark = needs_frr
NVA_ASN = 65001


def test_route_server_branch_to_branch_with_a_vpn_gateway(aznet, network_client, compute, rg):
    net = network_client
    branch_vnet(net, rg, "VNet1GWpip", "RouteServerIP")
    nic = vm_nic(aznet, net, compute, rg, "nva", "VNet1", "FrontEnd")
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, sku="VpnGw1", enableBgp=True, bgpSettings={"asn": 65010})).result()
    bgp_site(aznet, net, rg, gw.id)
    hub = route_server(aznet, net, rg, "VNet1", nic.ip_configurations[0].private_ip_address, NVA_ASN)
    rs = speaker(aznet, hub.id)
    onprem = start_frr(speaker(aznet, gw.id), ["192.168.50.0/24"])
    nva = start_frr(rs, ["10.100.0.0/16"], NVA_ASN, remote_asn=65515)
    try:
        wait_for(lambda: "10.1.0.0/16" in nva.received() and "10.1.0.0/16" in onprem.received(), timeout=30)
        wait_for(lambda: net.virtual_hub_bgp_connection.get(rg, "rs", "nva").connection_state == "Connected",
                 timeout=30)
        # branch-to-branch off (the default): nothing crosses
        assert "192.168.50.0/24" not in nva.received() and "10.100.0.0/16" not in onprem.received()
        hub.allow_branch_to_branch_traffic = True
        net.virtual_hubs.begin_create_or_update(rg, "rs", hub).result()
        got = wait_for(lambda: "192.168.50.0/24" in (r := nva.received()) and r, timeout=30)
        assert got["192.168.50.0/24"][0]["path"] == f"65515 {ONPREM_ASN}"
        got = wait_for(lambda: "10.100.0.0/16" in (r := onprem.received()) and r, timeout=30)
        assert got["10.100.0.0/16"][0]["path"] == f"65010 {NVA_ASN}"
        adv = net.virtual_network_gateways.begin_get_advertised_routes(rg, "VNet1GW", peer=ONPREM_PEER).result()
        assert "10.100.0.0/16" in {r.network for r in adv.value}
    finally:
        nva.close()
        onprem.close()
