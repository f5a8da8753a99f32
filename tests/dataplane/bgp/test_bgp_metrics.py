"""A VPN gateway's BGP metrics through Azure Monitor's metrics API (azure-mgmt-monitor), from a live session
with a real FRR bgpd: BgpPeerStatus, BgpRoutesLearned and BgpRoutesAdvertised per peer and instance; the
status drops to 0 when the peer goes."""

from __future__ import annotations

from azure.mgmt.monitor import MonitorManagementClient

from .support import metric, needs_frr, speaker, start_frr, vpn_site, wait_for

pytestmark = needs_frr
DIMS = ("BgpPeerAddress", "Instance")


def test_vpn_gateway_bgp_metrics_follow_the_session(aznet, network_client, compute, rg):
    site = vpn_site(aznet, network_client, compute, rg, vm=False)
    gw_id = site["gw"].id
    definitions = {d.name.value for d in aznet.client(MonitorManagementClient).metric_definitions.list(gw_id)}
    assert {"BgpPeerStatus", "BgpRoutesLearned", "BgpRoutesAdvertised"} <= definitions
    onprem = start_frr(speaker(aznet, gw_id), ["192.168.50.0/24", "172.20.0.0/16"])
    key = ("10.51.255.254", "VNet1GW_IN_0")
    try:
        wait_for(lambda: metric(aznet, gw_id, "BgpRoutesLearned", DIMS, "Maximum").get(key) == 2.0, timeout=30)
        assert metric(aznet, gw_id, "BgpPeerStatus", DIMS, "Maximum") == {key: 1.0}
        assert metric(aznet, gw_id, "BgpRoutesAdvertised", DIMS, "Maximum") == {key: 1.0}    # the VNet
    finally:
        onprem.close()
    wait_for(lambda: metric(aznet, gw_id, "BgpPeerStatus", DIMS, "Minimum").get(key) == 0.0, timeout=30)
