"""Custom (APIPA) BGP addresses through the real SDK: an active-active VPN gateway with one custom address per
instance (169.254.21.0-169.254.22.255), a site-to-site connection peering from one of them
(gatewayCustomBgpIpAddresses) with an on-premises APIPA peer, getBgpPeerStatus / getAdvertisedRoutes showing the
address the connection peers from; the Virtual WAN VPN gateway and its link connections
(vpnGatewayCustomBgpAddresses). Each refusal with its code, nothing written."""

from __future__ import annotations

from typing import Any

from .hybrid_support import gw_body, gw_vnet, pip
from .nic_support import LOC, error_of, rid
from .test_vwan_vpn import gw_body as wan_gw_body
from .test_vwan_vpn import link_conn, site_body
from .vwan_support import make_hub, make_wan


def _aa_gateway(aznet: Any, net: Any, rg: str, custom: tuple[list[str], list[str]]) -> dict[str, Any]:
    gid = rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")
    body = gw_body(aznet, rg, pips=("pip1", "pip2"), activeActive=True, enableBgp=True,
                   bgpSettings={"asn": 65010, "bgpPeeringAddresses": [
                       {"ipconfigurationId": f"{gid}/ipConfigurations/ipconfig1", "customBgpIpAddresses": custom[0]},
                       {"ipconfigurationId": f"{gid}/ipConfigurations/ipconfig2", "customBgpIpAddresses": custom[1]}]})
    return body


def _conn(aznet: Any, rg: str, **props: Any) -> dict[str, Any]:
    return {"location": LOC, "properties": {
        "connectionType": "IPsec", "sharedKey": "abc123", "enableBgp": True,
        "virtualNetworkGateway1": {"id": rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")},
        "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", "Site1")}, **props}}


def test_custom_bgp_addresses_on_a_vpn_gateway(aznet, network_client, rg):
    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "pip1")
    pip(net, rg, "pip2")
    gws = net.virtual_network_gateways
    # the gateway's custom addresses: Azure's APIPA range, one instance each
    assert error_of(gws.begin_create_or_update, rg, "VNet1GW",
                    _aa_gateway(aznet, net, rg, (["169.254.20.1"], []))) == (400, "InvalidCustomBgpIpAddress")
    assert error_of(gws.begin_create_or_update, rg, "VNet1GW",
                    _aa_gateway(aznet, net, rg, (["169.254.23.0"], []))) == (400, "InvalidCustomBgpIpAddress")
    assert error_of(gws.begin_create_or_update, rg, "VNet1GW",
                    _aa_gateway(aznet, net, rg, (["169.254.21.1"], ["169.254.21.1"]))) == \
        (400, "DuplicateCustomBgpIpAddress")
    assert list(gws.list(rg)) == []
    gw = gws.begin_create_or_update(rg, "VNet1GW", _aa_gateway(
        aznet, net, rg, (["169.254.21.1", "169.254.21.5"], ["169.254.22.1"]))).result()
    peering = {p.ipconfiguration_id.rsplit("/", 1)[-1]: p for p in gw.bgp_settings.bgp_peering_addresses}
    assert peering["ipconfig1"].custom_bgp_ip_addresses == ["169.254.21.1", "169.254.21.5"]
    assert peering["ipconfig2"].custom_bgp_ip_addresses == ["169.254.22.1"]
    defaults = {k: p.default_bgp_ip_addresses[0] for k, p in peering.items()}
    assert defaults == {"ipconfig1": "10.1.255.30", "ipconfig2": "10.1.255.29"}
    # an on-premises peer on an APIPA address goes in the local network gateway as it is
    net.local_network_gateways.begin_create_or_update(rg, "Site1", {"location": LOC, "properties": {
        "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": ["10.101.0.0/24"]},
        "bgpSettings": {"asn": 65050, "bgpPeeringAddress": "169.254.21.2"}}}).result()
    conns = net.virtual_network_gateway_connections
    cfg1, cfg2 = (f"{gw.id}/ipConfigurations/ipconfig{i}" for i in (1, 2))
    bad_choices: list[tuple[list[dict[str, str]], dict[str, Any], str]] = [
        ([{"ipConfigurationId": cfg1, "customBgpIpAddress": "169.254.21.9"}], {},
         "CustomBgpIpAddressNotConfiguredOnGateway"),
        ([{"ipConfigurationId": cfg2, "customBgpIpAddress": "169.254.21.1"}], {},
         "CustomBgpIpAddressNotConfiguredOnGateway"),
        ([{"ipConfigurationId": f"{gw.id}/ipConfigurations/nope", "customBgpIpAddress": "169.254.21.1"}], {},
         "InvalidGatewayCustomBgpIpAddressIpConfiguration"),
        ([{"ipConfigurationId": cfg1, "customBgpIpAddress": "169.254.21.1"},
          {"ipConfigurationId": cfg1, "customBgpIpAddress": "169.254.21.5"}], {},
         "DuplicateGatewayCustomBgpIpAddressIpConfiguration"),
        ([{"ipConfigurationId": cfg1, "customBgpIpAddress": "10.0.0.1"}], {}, "InvalidCustomBgpIpAddress"),
        ([{"ipConfigurationId": cfg1, "customBgpIpAddress": "169.254.21.1"}], {"enableBgp": False},
         "GatewayCustomBgpIpAddressRequiresBgp"),
    ]
    for choices, extra, code in bad_choices:
        assert error_of(conns.begin_create_or_update, rg, "VNet1toSite1",
                        _conn(aznet, rg, gatewayCustomBgpIpAddresses=choices, **extra)) == (400, code), code
    assert list(conns.list(rg)) == []
    # one instance peers from a custom address, the other (not named) from its default one
    conn = conns.begin_create_or_update(rg, "VNet1toSite1", _conn(aznet, rg, gatewayCustomBgpIpAddresses=[
        {"ipConfigurationId": cfg1.upper(), "customBgpIpAddress": "169.254.21.5"}])).result()
    assert [(c.ip_configuration_id, c.custom_bgp_ip_address) for c in conn.gateway_custom_bgp_ip_addresses] == [
        (cfg1, "169.254.21.5")]
    status = gws.begin_get_bgp_peer_status(rg, "VNet1GW").result()
    assert sorted((p.local_address, p.neighbor) for p in status.value) == [
        ("10.1.255.29", "169.254.21.2"), ("169.254.21.5", "169.254.21.2")]
    advertised = gws.begin_get_advertised_routes(rg, "VNet1GW", peer="169.254.21.2").result()
    assert "169.254.21.5" in {r.local_address for r in advertised.value}
    assert "10.1.0.0/16" in {r.network for r in advertised.value}
    # the address the connection uses stays on the gateway; the other can go
    assert error_of(gws.begin_create_or_update, rg, "VNet1GW", _aa_gateway(
        aznet, net, rg, (["169.254.21.1"], ["169.254.22.1"]))) == (400, "CustomBgpIpAddressInUse")
    kept = gws.begin_create_or_update(rg, "VNet1GW", _aa_gateway(
        aznet, net, rg, (["169.254.21.5"], ["169.254.22.1"]))).result()
    assert [p.custom_bgp_ip_addresses for p in kept.bgp_settings.bgp_peering_addresses] == [
        ["169.254.21.5"], ["169.254.22.1"]]


def test_custom_bgp_addresses_in_virtual_wan(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    net.vpn_sites.begin_create_or_update(rg, "site1", site_body(aznet, rg, links=1, bgp=True)).result()

    def gateway(custom0: list[str], custom1: list[str]) -> dict[str, Any]:
        return wan_gw_body(aznet, rg, bgpSettings={"asn": 65515, "bgpPeeringAddresses": [
            {"ipconfigurationId": "Instance0", "customBgpIpAddresses": custom0},
            {"ipconfigurationId": "Instance1", "customBgpIpAddresses": custom1}]})
    assert error_of(net.vpn_gateways.begin_create_or_update, rg, "gw", gateway(["169.254.23.1"], [])) == \
        (400, "InvalidCustomBgpIpAddress")
    assert error_of(net.vpn_gateways.begin_create_or_update, rg, "gw", gateway(["169.254.21.5"], ["169.254.21.5"])) == \
        (400, "DuplicateCustomBgpIpAddress")
    gw = net.vpn_gateways.begin_create_or_update(rg, "gw", gateway(["169.254.21.5"], ["169.254.22.5"])).result()
    assert [p.custom_bgp_ip_addresses for p in gw.bgp_settings.bgp_peering_addresses] == [
        ["169.254.21.5"], ["169.254.22.5"]]
    site = rid(aznet, rg, "vpnSites", "site1")

    def conn(choices: list[dict[str, str]], bgp: bool = True) -> dict[str, Any]:
        return {"properties": {"remoteVpnSite": {"id": site}, "vpnLinkConnections": [
            link_conn(aznet, rg, "site1", "link1", enableBgp=bgp, vpnGatewayCustomBgpAddresses=choices)]}}
    for choices, bgp, code in [
            ([{"ipConfigurationId": "Instance0", "customBgpIpAddress": "169.254.22.5"}], True,
             "CustomBgpIpAddressNotConfiguredOnGateway"),
            ([{"ipConfigurationId": "Instance7", "customBgpIpAddress": "169.254.21.5"}], True,
             "InvalidGatewayCustomBgpIpAddressIpConfiguration"),
            ([{"ipConfigurationId": "Instance0", "customBgpIpAddress": "169.254.21.5"}], False,
             "GatewayCustomBgpIpAddressRequiresBgp")]:
        assert error_of(net.vpn_connections.begin_create_or_update, rg, "gw", "c", conn(choices, bgp)) == \
            (400, code), code
    assert list(net.vpn_connections.list_by_vpn_gateway(rg, "gw")) == []
    made = net.vpn_connections.begin_create_or_update(rg, "gw", "c", conn([
        {"ipConfigurationId": "instance0", "customBgpIpAddress": "169.254.21.5"},
        {"ipConfigurationId": "Instance1", "customBgpIpAddress": "169.254.22.5"}])).result()
    link = made.vpn_link_connections[0]
    assert [(c.ip_configuration_id, c.custom_bgp_ip_address) for c in link.vpn_gateway_custom_bgp_addresses] == [
        ("Instance0", "169.254.21.5"), ("Instance1", "169.254.22.5")]
    assert error_of(net.vpn_gateways.begin_create_or_update, rg, "gw", gateway(["169.254.21.6"], ["169.254.22.5"])) \
        == (400, "CustomBgpIpAddressInUse")
