"""Route Server and an ExpressRoute gateway in the same VNet, all peers real FRR instances (an NVA on the
Route Server, the customer's primary router on the circuit's MSEE): with allowBranchToBranchTraffic the NVA
learns the customer's prefix (65515 12076 <customer>) and the customer learns the NVA's (12076 65515 <NVA>);
without it neither crosses."""

from __future__ import annotations

from tests.network.hybrid_support import gw_body
from tests.network.test_expressroute import er_connection, make_circuit, private_peering

from .support import branch_vnet, needs_frr, route_server, speaker, speakers, start_frr, vm_nic, wait_for

pytestmark = needs_frr
NVA_ASN = 65001
CUSTOMER_ASN = 65020


def test_route_server_branch_to_branch_with_an_expressroute_gateway(aznet, network_client, compute, rg):
    net = network_client
    branch_vnet(net, rg, "VNet1ERpip", "RouteServerIP")
    body = gw_body(aznet, rg, pips=("VNet1ERpip",), sku="Standard")
    body["properties"].update(gatewayType="ExpressRoute")
    body["properties"].pop("vpnType")
    net.virtual_network_gateways.begin_create_or_update(rg, "VNet1ERGW", body).result()
    make_circuit(aznet, net, rg)
    peering = net.express_route_circuit_peerings.begin_create_or_update(
        rg, "er1", "AzurePrivatePeering", private_peering(asn=CUSTOMER_ASN)).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toER", er_connection(aznet, rg)).result()
    nic = vm_nic(aznet, net, compute, rg, "nva", "VNet1", "FrontEnd")
    hub = route_server(aznet, net, rg, "VNet1", nic.ip_configurations[0].private_ip_address, NVA_ASN)
    rs = speaker(aznet, hub.id)
    link = next(e for e in speakers(aznet, peering.id) if e["name"].endswith("/primary"))
    customer = start_frr(link, ["10.200.0.0/16"], CUSTOMER_ASN, remote_asn=12076)
    nva = start_frr(rs, ["10.150.0.0/16"], NVA_ASN, remote_asn=65515)
    try:
        wait_for(lambda: "10.1.0.0/16" in nva.received() and "10.1.0.0/16" in customer.received(), timeout=30)
        wait_for(lambda: net.virtual_hub_bgp_connection.get(rg, "rs", "nva").connection_state == "Connected",
                 timeout=30)
        learned = wait_for(lambda: [r for r in net.virtual_network_gateways.begin_get_learned_routes(
            rg, "VNet1ERGW").result().value if r.origin == "EBgp"], timeout=30)
        assert {r.network for r in learned} == {"10.200.0.0/16"}
        # branch-to-branch off (the default): nothing crosses
        assert "10.200.0.0/16" not in nva.received() and "10.150.0.0/16" not in customer.received()
        hub.allow_branch_to_branch_traffic = True
        net.virtual_hubs.begin_create_or_update(rg, "rs", hub).result()
        got = wait_for(lambda: "10.200.0.0/16" in (r := nva.received()) and r, timeout=30)
        assert got["10.200.0.0/16"][0]["path"] == f"65515 12076 {CUSTOMER_ASN}"
        got = wait_for(lambda: "10.150.0.0/16" in (r := customer.received()) and r, timeout=30)
        assert got["10.150.0.0/16"][0]["path"] == f"12076 65515 {NVA_ASN}"
        # the customer's route leaves the NVA with the customer
        customer.stop()
        wait_for(lambda: "10.200.0.0/16" not in nva.received(), timeout=30)
    finally:
        nva.close()
        customer.close()
