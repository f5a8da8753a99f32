"""Route Server with allowBranchToBranchTraffic beside a BGP VPN gateway in the same VNet, both peers real
FRR instances: the NVA learns the on-premises prefix and the on-premises router learns the NVA's, and
without branch-to-branch neither crosses."""

from __future__ import annotations

from aznet.testing import frr
from tests.compute.test_vm import vm_body
from tests.network.hybrid_support import gw_body, pip
from tests.network.nic_support import LOC, make_vnet, rid, subnet_id

from .support import ONPREM_ASN, ONPREM_PEER, needs_frr, speaker, start_frr, wait_for

pytestmark = needs_frr
NVA_ASN = 65001


def test_route_server_branch_to_branch_with_a_vpn_gateway(aznet, network_client, compute, rg):
    net = network_client
    make_vnet(net, rg, name="VNet1", prefixes=("10.1.0.0/16",), subnets={
        "FrontEnd": "10.1.0.0/24", "RouteServerSubnet": "10.1.1.0/26", "GatewaySubnet": "10.1.255.0/27"})
    for name in ("VNet1GWpip", "RouteServerIP"):
        pip(net, rg, name)
    nic = net.network_interfaces.begin_create_or_update(rg, "nva-nic", {"location": LOC, "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet_id(aznet, rg, "VNet1", "FrontEnd")}}}]}}).result()
    compute.virtual_machines.begin_create_or_update(rg, "nva", vm_body(nic.id)).result()
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, sku="VpnGw1", enableBgp=True, bgpSettings={"asn": 65010})).result()
    net.local_network_gateways.begin_create_or_update(rg, "Site1", {"location": LOC, "properties": {
        "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": []},
        "bgpSettings": {"asn": ONPREM_ASN, "bgpPeeringAddress": ONPREM_PEER}}}).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "c1", {"location": LOC, "properties": {
        "connectionType": "IPsec", "enableBgp": True, "sharedKey": "abc", "virtualNetworkGateway1": {"id": gw.id},
        "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", "Site1")}}}).result()
    net.virtual_hubs.begin_create_or_update(rg, "rs", {"location": LOC, "properties": {"sku": "Standard"}}).result()
    net.virtual_hub_ip_configuration.begin_create_or_update(rg, "rs", "Default", {"properties": {
        "subnet": {"id": subnet_id(aznet, rg, "VNet1", "RouteServerSubnet")},
        "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", "RouteServerIP")}}}).result()
    net.virtual_hub_bgp_connection.begin_create_or_update(rg, "rs", "nva", {"properties": {
        "peerIp": nic.ip_configurations[0].private_ip_address, "peerAsn": NVA_ASN}}).result()
    hub = net.virtual_hubs.get(rg, "rs")
    rs = speaker(aznet, hub.id)
    onprem = start_frr(speaker(aznet, gw.id), ["192.168.50.0/24"])
    nva = frr.Frr(rs["neighbors"][0]["connectFrom"], NVA_ASN, rs["address"], 65515, rs.get("listenPort", rs["port"]),
                  ["10.100.0.0/16"]).start()
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
