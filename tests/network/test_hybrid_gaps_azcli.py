"""The real Azure CLI on this slice: custom (APIPA) BGP addresses through `az network vnet-gateway update --set` /
`az network vpn-connection update --set` and `az network vnet-gateway list-bgp-peer-status`; the Virtual WAN
downloads through `az rest` (their commands live in the `virtual-wan` extension, not installable offline):
`p2svpnGateways/generatevpnprofile` (LRO: the result read at the Location URL, as az's --debug log shows it) and
`virtualWans/vpnConfiguration` (the file written where the SAS URL points)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from aznet.cli.azcli import az_env

from .hybrid_support import gw_body, gw_vnet, pip
from .nic_support import LOC
from .test_vwan_downloads import SAS, _user_vpn
from .test_vwan_vpn import gw_body as wan_gw_body
from .test_vwan_vpn import link_conn, site_body
from .vwan_support import make_hub, make_wan

API = "2024-05-01"
LOCATION = re.compile(r"'Location': '([^']+)'")


def _rest_lro(az: Any, method: str, url: str, body: dict[str, Any]) -> Any:
    """`az rest` on a long-running action: the 202's Location (from --debug), then `az rest` GET on it."""
    proc = subprocess.run([az.az, "rest", "--method", method, "--url", url, "--body", json.dumps(body), "--debug"],
                          env=az_env(az.data_dir), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = LOCATION.findall(proc.stderr)
    assert found, "the action answered without a Location header"
    return az.json("rest", "--method", "get", "--url", found[-1])


def test_custom_bgp_addresses_with_az(az, aznet, network_client):
    net = network_client
    with az.group("rg-apipa-", LOC) as rg:
        gw_vnet(net, rg)
        pip(net, rg, "VNet1GWpip")
        net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
            aznet, rg, enableBgp=True, bgpSettings={"asn": 65010})).result()
        az.run("network", "vnet-gateway", "update", "-g", rg, "-n", "VNet1GW", "--set",
               'bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses=["169.254.21.1","169.254.21.2"]')
        shown = az.json("network", "vnet-gateway", "show", "-g", rg, "-n", "VNet1GW")
        cfg = shown["bgpSettings"]["bgpPeeringAddresses"][0]
        assert cfg["customBgpIpAddresses"] == ["169.254.21.1", "169.254.21.2"]
        err = az.fails("network", "vnet-gateway", "update", "-g", rg, "-n", "VNet1GW", "--set",
                       'bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses=["169.254.30.1"]')
        assert "InvalidCustomBgpIpAddress" in err.stderr
        az.run("network", "local-gateway", "create", "-g", rg, "-n", "Site1", "--gateway-ip-address", "203.0.113.10",
               "--local-address-prefixes", "10.101.0.0/24", "--asn", "65050", "--bgp-peering-address", "169.254.21.9")
        az.run("network", "vpn-connection", "create", "-g", rg, "-n", "VNet1toSite1", "--vnet-gateway1", "VNet1GW",
               "--local-gateway2", "Site1", "--shared-key", "abc123", "--enable-bgp")
        choice = json.dumps([{"ipConfigurationId": cfg["ipconfigurationId"], "customBgpIpAddress": "169.254.21.2"}])
        az.run("network", "vpn-connection", "update", "-g", rg, "-n", "VNet1toSite1", "--set",
               f"gatewayCustomBgpIpAddresses={choice}")
        conn = az.json("network", "vpn-connection", "show", "-g", rg, "-n", "VNet1toSite1")
        assert [c["customBgpIpAddress"] for c in conn["gatewayCustomBgpIpAddresses"]] == ["169.254.21.2"]
        wrong = json.dumps([{"ipConfigurationId": cfg["ipconfigurationId"], "customBgpIpAddress": "169.254.22.7"}])
        err = az.fails("network", "vpn-connection", "update", "-g", rg, "-n", "VNet1toSite1", "--set",
                       f"gatewayCustomBgpIpAddresses={wrong}")
        assert "CustomBgpIpAddressNotConfiguredOnGateway" in err.stderr
        peers = az.json("network", "vnet-gateway", "list-bgp-peer-status", "-g", rg, "-n", "VNet1GW")
        rows = peers["value"] if isinstance(peers, dict) else peers
        assert [(p["localAddress"], p["neighbor"]) for p in rows] == [("169.254.21.2", "169.254.21.9")]


def test_vwan_downloads_with_az_rest(az, aznet, network_client):
    net = network_client
    with az.group("rg-vwandl-", LOC) as rg:
        _, gw = _user_vpn(aznet, net, rg, ["OpenVPN"])
        got = _rest_lro(az, "post", f"{gw.id}/generatevpnprofile?api-version={API}", {"authenticationMethod": "EAPTLS"})
        assert got["profileUrl"].startswith("https://") and "sig=" in got["profileUrl"]
        make_wan(net, rg, name="wan2")
        make_hub(aznet, net, rg, name="hub2", prefix="10.120.0.0/24", wan="wan2")
        net.vpn_sites.begin_create_or_update(rg, "site1", site_body(aznet, rg, wan="wan2")).result()
        vgw = net.vpn_gateways.begin_create_or_update(rg, "gw2", wan_gw_body(aznet, rg, hub="hub2")).result()
        net.vpn_connections.begin_create_or_update(rg, "gw2", "c", {"properties": {
            "remoteVpnSite": {"id": f"{gw.id.rsplit('/providers/', 1)[0]}/providers/Microsoft.Network/vpnSites/site1"},
            "vpnLinkConnections": [link_conn(aznet, rg, "site1", "link1", sharedKey="abc123")]}}).result()
        wan_id = f"{vgw.id.rsplit('/providers/', 1)[0]}/providers/Microsoft.Network/virtualWans/wan2"
        url = SAS.format(f"{rg}/sites.json")
        proc = subprocess.run([az.az, "rest", "--method", "post", "--url",
                               f"{wan_id}/vpnConfiguration?api-version={API}",
                               "--body", json.dumps({"outputBlobSasUrl": url})],
                              env=az_env(az.data_dir), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        written = Path(aznet.platform.settings.data_dir) / "blobs" / "contosostore" / "vpn" / rg / "sites.json"
        doc = json.loads(written.read_text())
        assert [(e["vpnSiteConfiguration"]["Name"], e["vpnSiteConnections"][0]["connectionConfiguration"]["PSK"])
                for e in doc] == [("site1", "abc123")]
        assert doc[0]["vpnSiteConnections"][0]["hubConfiguration"]["AddressSpace"] == "10.120.0.0/24"


def test_nat_translated_routes_with_az(az, aznet, network_client):
    """The NAT how-to's gateway and connection, read back with `az network vnet-gateway list-learned-routes` and
    `az network nic show-effective-route-table`: the branch's post-NAT prefix."""
    from .nic_support import nic_body, subnet_id
    from .test_vpn_nat_routing import _conn, _how_to

    net = network_client
    with az.group("rg-natrt-", LOC) as rg:
        _how_to(aznet, net, rg)
        net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1-Branch1",
                                                                      _conn(aznet, rg, "Branch1")).result()
        net.network_interfaces.begin_create_or_update(rg, "nic1", nic_body(subnet_id(aznet, rg, "VNet1", "FrontEnd"))
                                                      ).result()
        learned = az.json("network", "vnet-gateway", "list-learned-routes", "-g", rg, "-n", "VNet1GW")
        rows = learned["value"] if isinstance(learned, dict) else learned
        assert {r["network"] for r in rows if r["nextHop"]} == {"100.0.2.0/24"}
        table = az.json("network", "nic", "show-effective-route-table", "-g", rg, "-n", "nic1")
        rows = table["value"] if isinstance(table, dict) else table
        gateway = {p for r in rows if r["source"] == "VirtualNetworkGateway" for p in r["addressPrefix"]}
        assert gateway == {"100.0.2.0/24"}
