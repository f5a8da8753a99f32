"""Site-to-site VPN with BGP through the az CLI (the VPN Gateway BGP tutorial's commands), with a real FRR
as the on-premises router: az network vnet-gateway / local-gateway / vpn-connection, then the learned
routes in `az network nic show-effective-route-table` and the gateway's BGP commands."""

from __future__ import annotations

import uuid

from tests.network.nic_support import ensure_vnet_types

from .support import needs_frr, speaker, start_frr, wait_for

pytestmark = needs_frr


def test_site_to_site_bgp_with_frr_azcli(az, aznet):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    rg = f"rg-bgpfrr-{uuid.uuid4().hex[:8]}"
    az.run("group", "create", "-n", rg, "-l", "eastus")
    onprem = None
    try:
        az.run("network", "vnet", "create", "-n", "VNet1", "-g", rg, "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "FrontEnd", "--subnet-prefix", "10.1.0.0/24")
        az.run("network", "vnet", "subnet", "create", "--vnet-name", "VNet1", "-n", "GatewaySubnet", "-g", rg,
               "--address-prefix", "10.1.255.0/27")
        az.run("network", "nic", "create", "-n", "vm1-nic", "-g", rg, "--vnet-name", "VNet1", "--subnet", "FrontEnd")
        az.run("network", "public-ip", "create", "-n", "VNet1GWIP", "-g", rg, "--sku", "Standard")
        gw = az.json("network", "vnet-gateway", "create", "-n", "VNet1GW", "--public-ip-address", "VNet1GWIP",
                     "-g", rg, "--vnet", "VNet1", "--gateway-type", "Vpn", "--vpn-type", "RouteBased",
                     "--sku", "VpnGw1", "--asn", "65010")
        gw_id = (gw.get("vnetGateway") or gw)["id"]
        az.run("network", "local-gateway", "create", "-n", "Site5", "-g", rg, "--gateway-ip-address", "203.0.113.10",
               "--asn", "65050", "--bgp-peering-address", "10.51.255.254")
        az.run("network", "vpn-connection", "create", "-n", "VNet1ToSite5", "-g", rg, "--vnet-gateway1", "VNet1GW",
               "--local-gateway2", "Site5", "--shared-key", "AzureA1b2C3", "--enable-bgp")
        onprem = start_frr(speaker(aznet, gw_id), ["10.52.0.0/16"])

        def peers():  # type: ignore[no-untyped-def]
            return az.json("network", "vnet-gateway", "list-bgp-peer-status", "-n", "VNet1GW", "-g", rg)["value"]

        wait_for(lambda: [(p["neighbor"], p["state"], p["routesReceived"]) for p in peers()] ==
                 [("10.51.255.254", "Connected", 1)], timeout=60)

        def bgp_routes():  # type: ignore[no-untyped-def]
            table = az.json("network", "nic", "show-effective-route-table", "-n", "vm1-nic", "-g", rg)["value"]
            return {p: r for r in table if r["source"] == "VirtualNetworkGateway" for p in r["addressPrefix"]}

        routes = wait_for(lambda: (r := bgp_routes()) and "10.52.0.0/16" in r and r, timeout=60)
        assert routes["10.52.0.0/16"]["nextHopType"] == "VirtualNetworkGateway"
        learned = az.json("network", "vnet-gateway", "list-learned-routes", "-n", "VNet1GW", "-g", rg)["value"]
        assert [(r["network"], r["asPath"], r["nextHop"]) for r in learned if r["origin"] == "EBgp"] == [
            ("10.52.0.0/16", "65050", "10.51.255.254")]
        adv = az.json("network", "vnet-gateway", "list-advertised-routes", "-n", "VNet1GW", "-g", rg,
                      "--peer", "10.51.255.254")["value"]
        assert [(r["network"], r["asPath"]) for r in adv] == [("10.1.0.0/16", "65010")]
        got = wait_for(lambda: onprem.received() or None, timeout=60)
        assert list(got) == ["10.1.0.0/16"] and got["10.1.0.0/16"][0]["path"] == "65010"
        onprem.close()
        onprem = None
        wait_for(lambda: "10.52.0.0/16" not in bgp_routes(), timeout=60)
    finally:
        if onprem is not None:
            onprem.close()
        az.run("group", "delete", "-n", rg, "--yes", "--no-wait", check=False)
