"""An active-active VPN gateway runs two BGP speakers, one per instance (10.1.255.30 and 10.1.255.29),
each on a loopback address of its own; an on-premises FRR peers with both, both sessions hold its routes,
and stopping one session leaves the routes in place through the other instance."""

from __future__ import annotations

from aznet.testing import frr
from tests.dataplane.lb.support import cli
from tests.network.hybrid_support import gw_body, gw_vnet, pip
from tests.network.nic_support import nic_body, subnet_id

from .support import ONPREM_ASN, bgp_site, gateway_routes, needs_frr, wait_for

pytestmark = needs_frr


def test_each_instance_of_an_active_active_gateway_speaks_bgp(aznet, network_client, rg):
    net = network_client
    gw_vnet(net, rg)
    for name in ("VNet1GWpip", "second"):
        pip(net, rg, name)
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, pips=("VNet1GWpip", "second"), activeActive=True, enableBgp=True,
        bgpSettings={"asn": 65010})).result()
    bgp_site(aznet, net, rg, gw.id)
    net.network_interfaces.begin_create_or_update(rg, "vm1-nic", nic_body(subnet_id(aznet, rg, "VNet1", "FrontEnd")))\
        .result()
    eps = sorted((e for e in cli(aznet, "status", "--json")["endpoints"]
                  if e.get("resourceId", "").lower() == gw.id.lower()), key=lambda e: e["name"])
    assert [e["name"] for e in eps] == ["bgp:VNet1GW/0", "bgp:VNet1GW/1"]
    assert [e["bgpPeeringAddress"] for e in eps] == ["10.1.255.30", "10.1.255.29"]
    assert eps[0]["address"] != eps[1]["address"]
    src = eps[0]["neighbors"][0]["connectFrom"]
    onprem = frr.Frr(src, ONPREM_ASN, eps[0]["address"], 65010, eps[0].get("listenPort", eps[0]["port"]),
                     ["192.168.50.0/24"], more=((eps[1]["address"], 65010, eps[1].get("listenPort", eps[1]["port"])),)
                     ).start()
    try:
        def status():  # type: ignore[no-untyped-def]
            return sorted((p.local_address, p.state, p.routes_received) for p in
                          net.virtual_network_gateways.begin_get_bgp_peer_status(rg, "VNet1GW").result().value)
        wait_for(lambda: status() == [("10.1.255.29", "Connected", 1), ("10.1.255.30", "Connected", 1)], timeout=30)
        learned = net.virtual_network_gateways.begin_get_learned_routes(rg, "VNet1GW").result().value
        assert sorted(r.local_address for r in learned if r.origin == "EBgp") == ["10.1.255.29", "10.1.255.30"]
        wait_for(lambda: "192.168.50.0/24" in gateway_routes(net, rg), timeout=30)
        # one instance's session goes: the other still carries the route
        onprem.vtysh("configure terminal", f"router bgp {ONPREM_ASN}", f"neighbor {eps[0]['address']} shutdown")
        wait_for(lambda: [s for s in status() if s[0] == "10.1.255.30"] == [("10.1.255.30", "Connecting", 0)],
                 timeout=30)
        assert "192.168.50.0/24" in gateway_routes(net, rg)
    finally:
        onprem.close()
    wait_for(lambda: "192.168.50.0/24" not in gateway_routes(net, rg), timeout=30)
