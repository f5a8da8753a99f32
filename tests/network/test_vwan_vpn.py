"""Virtual WAN branches through the real SDK, following "Create a site-to-site connection using Virtual
WAN" and "Create a User VPN (point-to-site) connection": VPN sites with links, the hub's VPN gateway and
its connections, VPN server configurations and point-to-site gateways; rules with Azure's codes, the
branch routes in the hub's effective routes."""

from __future__ import annotations

from typing import Any

import pytest

from .cert_support import root_cert_b64
from .nic_support import LOC, error_of, rid
from .vwan_support import hub_with_spoke, make_hub, make_wan, routes_of


def site_body(aznet: Any, rg: str, wan: str = "myVirtualWan", links: int = 1, bgp: bool = False,
              prefixes: tuple[str, ...] = ("10.20.0.0/16",)) -> dict[str, Any]:
    out = []
    for i in range(links):
        lp: dict[str, Any] = {"ipAddress": f"203.0.113.{10 + i}",
                              "linkProperties": {"linkProviderName": "isp", "linkSpeedInMbps": 50}}
        if bgp:
            lp["bgpProperties"] = {"asn": 65050, "bgpPeeringAddress": f"10.20.255.{1 + i}"}
        out.append({"name": f"link{i + 1}", "properties": lp})
    return {"location": LOC, "properties": {
        "virtualWan": {"id": rid(aznet, rg, "virtualWans", wan)}, "addressSpace": {"addressPrefixes": list(prefixes)},
        "deviceProperties": {"deviceVendor": "Contoso", "linkSpeedInMbps": 50}, "vpnSiteLinks": out}}


def gw_body(aznet: Any, rg: str, hub: str = "hub1", **props: Any) -> dict[str, Any]:
    return {"location": LOC, "properties": {"virtualHub": {"id": rid(aznet, rg, "virtualHubs", hub)}, **props}}


def link_conn(aznet: Any, rg: str, site: str, link: str = "link1", **props: Any) -> dict[str, Any]:
    return {"name": f"{site}-{link}", "properties": {
        "vpnSiteLink": {"id": f"{rid(aznet, rg, 'vpnSites', site)}/vpnSiteLinks/{link}"}, **props}}


def test_site_to_site_tutorial(aznet, network_client, rg):
    net = network_client
    hub_with_spoke(aznet, net, rg)
    site = net.vpn_sites.begin_create_or_update(rg, "site1", site_body(aznet, rg, links=2, bgp=True)).result()
    assert [link.name for link in site.vpn_site_links] == ["link1", "link2"]
    assert [link.name for link in net.vpn_site_links.list_by_vpn_site(rg, "site1")] == ["link1", "link2"]
    assert net.vpn_site_links.get(rg, "site1", "link2").ip_address == "203.0.113.11"
    assert [s.id.rsplit("/", 1)[-1] for s in net.virtual_wans.get(rg, "myVirtualWan").vpn_sites] == ["site1"]
    gw = net.vpn_gateways.begin_create_or_update(rg, "hub1-vpngw", gw_body(aznet, rg)).result()
    assert gw.vpn_gateway_scale_unit == 1 and gw.bgp_settings.asn == 65515
    assert [(c.id, c.private_ip_address) for c in gw.ip_configurations] == [("Instance0", "10.100.0.12"),
                                                                          ("Instance1", "10.100.0.13")]
    publics = [c.public_ip_address for c in gw.ip_configurations]
    assert len(set(publics)) == 2 and all(publics)
    assert gw.bgp_settings.bgp_peering_addresses[1].tunnel_ip_addresses == [publics[1]]
    assert net.virtual_hubs.get(rg, "hub1").vpn_gateway.id == gw.id
    conn = net.vpn_connections.begin_create_or_update(rg, "hub1-vpngw", "site1-conn", {"properties": {
        "remoteVpnSite": {"id": site.id}, "vpnLinkConnections": [
            link_conn(aznet, rg, "site1", "link1", sharedKey="abc123", enableBgp=True),
            link_conn(aznet, rg, "site1", "link2")]}}).result()
    assert conn.connection_status == "NotConnected" and conn.enable_internet_security is False
    assert conn.routing_configuration.associated_route_table.id.endswith("/defaultRouteTable")
    links = list(net.vpn_link_connections.list_by_vpn_connection(rg, "hub1-vpngw", "site1-conn"))
    assert [(x.name, x.shared_key is not None, x.enable_bgp) for x in links] == [
        ("site1-link1", True, True), ("site1-link2", True, False)]
    assert links[0].shared_key == "abc123" and len(links[1].shared_key) == 32
    # the branch shows up in the hub's tables and in the spoke connection's routes; the spoke in the branch's
    got = routes_of(net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", None).result())
    assert got["10.20.0.0/16"] == ("VPN_S2S_Gateway", "hub1-vpngw", "65050")
    conn_routes = net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", {
        "resourceId": conn.id, "virtualWanResourceType": "VpnConnection"}).result()
    assert set(routes_of(conn_routes)) == {"10.1.0.0/16"}
    # the site cannot go while connected; the gateway goes with its connections
    assert error_of(net.vpn_sites.begin_delete, rg, "site1") == (400, "InUseVpnSiteCannotBeDeleted")
    assert error_of(net.virtual_hubs.begin_delete, rg, "hub1") == (400, "InUseVirtualHubCannotBeDeleted")
    net.vpn_gateways.begin_reset(rg, "hub1-vpngw").result()
    net.vpn_gateways.begin_delete(rg, "hub1-vpngw").result()
    assert list(net.vpn_gateways.list_by_resource_group(rg)) == []
    net.vpn_sites.begin_delete(rg, "site1").result()
    assert list(net.vpn_sites.list_by_resource_group(rg)) == []


def test_branch_to_branch(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg, allowBranchToBranchTraffic=False)
    make_hub(aznet, net, rg)
    for name, prefix in (("siteA", "10.20.0.0/16"), ("siteB", "10.30.0.0/16")):
        net.vpn_sites.begin_create_or_update(rg, name, site_body(aznet, rg, prefixes=(prefix,))).result()
    net.vpn_gateways.begin_create_or_update(rg, "gw", gw_body(aznet, rg)).result()
    for name in ("siteA", "siteB"):
        net.vpn_connections.begin_create_or_update(rg, "gw", f"{name}-conn", {"properties": {
            "remoteVpnSite": {"id": rid(aznet, rg, "vpnSites", name)},
            "vpnLinkConnections": [link_conn(aznet, rg, name)]}}).result()
    a = net.vpn_connections.get(rg, "gw", "siteA-conn").id

    def learned() -> set[str]:
        return set(routes_of(net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", {
            "resourceId": a, "virtualWanResourceType": "VpnConnection"}).result()))
    assert learned() == set()
    make_wan(net, rg, allowBranchToBranchTraffic=True)
    assert learned() == {"10.30.0.0/16"}


@pytest.mark.parametrize(("change", "code"), [
    ({"vpnSiteLinks": []}, "VpnSiteIpAddressRequired"),
    ({"ipAddress": "203.0.113.1"}, "VpnSiteCannotHaveIpAddressAndLinks"),
    ({"addressSpace": {"addressPrefixes": []}}, "VpnSiteAddressSpaceRequired"),
    ({"addressSpace": {"addressPrefixes": ["10.20.0.1/16"]}}, "InvalidCIDRNotation"),
    ({"virtualWan": None}, "VpnSiteVirtualWanRequired"),
    ({"vpnSiteLinks": [{"name": f"l{i}", "properties": {"ipAddress": f"203.0.113.{i}"}} for i in range(5)]},
     "TooManyVpnSiteLinks"),
    ({"vpnSiteLinks": [{"name": "l", "properties": {}}]}, "VpnSiteLinkIpAddressOrFqdnRequired"),
    ({"vpnSiteLinks": [{"name": "l", "properties": {"ipAddress": "2001:db8::1"}}]}, "InvalidVpnSiteIpAddress"),
    ({"vpnSiteLinks": [{"name": "l", "properties": {"fqdn": "not a host"}}]}, "InvalidVpnSiteLinkFqdn"),
    ({"vpnSiteLinks": [{"name": "l", "properties": {"ipAddress": "203.0.113.1", "bgpProperties": {
        "asn": 65515, "bgpPeeringAddress": "10.20.0.1"}}}]}, "BgpAsnReservedByAzure"),
    ({"vpnSiteLinks": [{"name": "l", "properties": {"ipAddress": "203.0.113.1", "bgpProperties": {
        "asn": 64500, "bgpPeeringAddress": "10.20.0.1"}}}]}, "BgpAsnReservedByIana"),
    ({"vpnSiteLinks": [{"name": "l", "properties": {"ipAddress": "203.0.113.1"}},
                       {"name": "L", "properties": {"ipAddress": "203.0.113.2"}}]}, "InvalidVpnSiteLinkName"),
])
def test_vpn_site_rules(aznet, network_client, rg, change, code):
    net = network_client
    make_wan(net, rg)
    body = site_body(aznet, rg)
    for k, v in change.items():
        if v is None:
            body["properties"].pop(k)
        else:
            body["properties"][k] = v
    assert error_of(net.vpn_sites.begin_create_or_update, rg, "site1", body) == (400, code)
    assert list(net.vpn_sites.list_by_resource_group(rg)) == []


def test_bgp_only_site_needs_no_address_space(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    site = net.vpn_sites.begin_create_or_update(rg, "site1", site_body(aznet, rg, bgp=True, prefixes=())).result()
    assert site.address_space.address_prefixes == [] and site.vpn_site_links[0].bgp_properties.asn == 65050


def test_vpn_gateway_and_connection_rules(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg)
    make_hub(aznet, net, rg)
    make_wan(net, rg, name="otherWan")
    net.vpn_sites.begin_create_or_update(rg, "site1", site_body(aznet, rg)).result()
    net.vpn_sites.begin_create_or_update(rg, "foreign", site_body(aznet, rg, wan="otherWan")).result()
    bad_gw: list[tuple[dict[str, Any], str]] = [
        ({"vpnGatewayScaleUnit": 21}, "InvalidVpnGatewayScaleUnit"),
        ({"bgpSettings": {"asn": 65010}}, "VirtualWanVpnGatewayAsnCannotBeChanged"),
        ({"bgpSettings": {"asn": 65515, "bgpPeeringAddresses": [{"ipconfigurationId": "Instance0",
                                                                  "customBgpIpAddresses": ["169.254.30.1"]}]}},
         "InvalidCustomBgpIpAddress"),
    ]
    for props, code in bad_gw:
        assert error_of(net.vpn_gateways.begin_create_or_update, rg, "gw", gw_body(aznet, rg, **props)) == (400, code)
    body = gw_body(aznet, rg)
    body["location"] = "eastus"
    assert error_of(net.vpn_gateways.begin_create_or_update, rg, "gw", body) == (400, "InvalidResourceReference")
    net.vpn_gateways.begin_create_or_update(rg, "gw", gw_body(aznet, rg)).result()
    assert error_of(net.vpn_gateways.begin_create_or_update, rg, "gw2", gw_body(aznet, rg)) == \
        (400, "VirtualHubAlreadyHasGatewayOfType")
    site = rid(aznet, rg, "vpnSites", "site1")
    bad_conn: list[tuple[dict[str, Any], str]] = [
        ({"remoteVpnSite": {"id": rid(aznet, rg, "vpnSites", "foreign")},
          "vpnLinkConnections": [link_conn(aznet, rg, "foreign")]}, "VpnSiteNotInVirtualWan"),
        ({"remoteVpnSite": {"id": site}}, "VpnLinkConnectionsRequired"),
        ({"remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1", "nope")]},
         "InvalidVpnSiteLink"),
        ({"remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1", enableBgp=True)]},
         "BgpSettingsRequiredOnVpnSite"),
        ({"remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1", sharedKey="a b")]},
         "InvalidSharedKey"),
        ({"remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1", routingWeight=40000)]},
         "InvalidRoutingWeight"),
        ({"remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1",
                                                                          usePolicyBasedTrafficSelectors=True)]},
         "PolicyBasedTrafficSelectorsRequireIpsecPolicy"),
        ({"remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1")],
          "routingConfiguration": {"associatedRouteTable": {"id": f"{rid(aznet, rg, 'virtualHubs', 'hub1')}"
                                                                  "/hubRouteTables/noneRouteTable"}}},
         "BranchConnectionMustAssociateToDefaultRouteTable"),
    ]
    for props, code in bad_conn:
        assert error_of(net.vpn_connections.begin_create_or_update, rg, "gw", "c", {"properties": props}) == \
            (400, code)
    assert list(net.vpn_connections.list_by_vpn_gateway(rg, "gw")) == []
    net.vpn_connections.begin_create_or_update(rg, "gw", "c", {"properties": {
        "remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1")]}}).result()
    assert error_of(net.vpn_connections.begin_create_or_update, rg, "gw", "c2", {"properties": {
        "remoteVpnSite": {"id": site}, "vpnLinkConnections": [link_conn(aznet, rg, "site1")]}}) == \
        (400, "VpnSiteAlreadyConnectedToGateway")


def test_user_vpn(aznet, network_client, rg):
    net = network_client
    hub_with_spoke(aznet, net, rg)
    cert = root_cert_b64()
    bad_cfg: list[tuple[dict[str, Any], str]] = [
        ({"vpnAuthenticationTypes": ["Certificate"]}, "VpnClientRootCertificateRequired"),
        ({"vpnAuthenticationTypes": ["AAD"], "vpnProtocols": ["IkeV2"]}, "AadAuthenticationRequiresOpenVpn"),
        ({"vpnAuthenticationTypes": ["AAD"], "vpnProtocols": ["OpenVPN"]}, "AadAuthenticationSettingsRequired"),
        ({"vpnAuthenticationTypes": ["Radius"]}, "RadiusServerRequired"),
        ({"vpnAuthenticationTypes": ["Certificate"], "vpnClientRootCertificates": [
            {"name": "root", "publicCertData": "bm90IGEgY2VydA=="}]}, "InvalidVpnClientRootCertificate"),
        ({}, "VpnAuthenticationTypeRequired"),
    ]
    for props, code in bad_cfg:
        assert error_of(net.vpn_server_configurations.begin_create_or_update, rg, "cfg", {"location": LOC,
                                                                                         "properties": props}) == \
            (400, code)
    cfg = net.vpn_server_configurations.begin_create_or_update(rg, "cfg", {"location": LOC, "properties": {
        "vpnProtocols": ["IkeV2", "OpenVPN"], "vpnAuthenticationTypes": ["Certificate"],
        "vpnClientRootCertificates": [{"name": "P2SRootCert", "publicCertData": cert}]}}).result()
    assert cfg.vpn_protocols == ["IkeV2", "OpenVPN"]
    base = gw_body(aznet, rg, vpnServerConfiguration={"id": cfg.id})

    def with_pool(*prefixes: str) -> dict[str, Any]:
        return {**base, "properties": {**base["properties"], "p2SConnectionConfigurations": [
            {"name": "P2SConnectionConfigDefault", "properties": {"vpnClientAddressPool": {
                "addressPrefixes": list(prefixes)}}}]}}
    assert error_of(net.p2_svpn_gateways.begin_create_or_update, rg, "p2sgw", base) == \
        (400, "P2SConnectionConfigurationRequired")
    assert error_of(net.p2_svpn_gateways.begin_create_or_update, rg, "p2sgw", with_pool("10.1.128.0/24")) == \
        (400, "VpnClientAddressPoolOverlaps")
    assert error_of(net.p2_svpn_gateways.begin_create_or_update, rg, "p2sgw", with_pool("10.100.0.0/25")) == \
        (400, "VpnClientAddressPoolOverlaps")
    gw = net.p2_svpn_gateways.begin_create_or_update(rg, "p2sgw", with_pool("172.30.0.0/24")).result()
    assert gw.vpn_client_connection_health.vpn_client_connections_count == 0
    pc = gw.p2_s_connection_configurations[0]
    assert pc.routing_configuration.associated_route_table.id.endswith("/defaultRouteTable")
    assert [g.id for g in net.vpn_server_configurations.get(rg, "cfg").p2_s_vpn_gateways] == [gw.id]
    assert error_of(net.vpn_server_configurations.begin_delete, rg, "cfg") == \
        (400, "InUseVpnServerConfigurationCannotBeDeleted")
    got = routes_of(net.virtual_hubs.begin_get_effective_virtual_hub_routes(rg, "hub1", None).result())
    assert got["172.30.0.0/24"] == ("VPN_P2S_Gateway", "p2sgw", "")
    ids = net.vpn_server_configurations_associated_with_virtual_wan.begin_list(rg, "myVirtualWan").result()
    assert ids.vpn_server_configuration_resource_ids == [cfg.id]


def test_basic_wan_has_no_user_vpn(aznet, network_client, rg):
    net = network_client
    make_wan(net, rg, kind="Basic")
    make_hub(aznet, net, rg)
    cfg = net.vpn_server_configurations.begin_create_or_update(rg, "cfg", {"location": LOC, "properties": {
        "vpnAuthenticationTypes": ["Certificate"],
        "vpnClientRootCertificates": [{"name": "root", "publicCertData": root_cert_b64()}]}}).result()
    assert error_of(net.p2_svpn_gateways.begin_create_or_update, rg, "p2sgw", gw_body(
        aznet, rg, vpnServerConfiguration={"id": cfg.id}, p2SConnectionConfigurations=[
            {"name": "c", "properties": {"vpnClientAddressPool": {"addressPrefixes": ["172.30.0.0/24"]}}}])) == \
        (400, "P2SVpnGatewayNotSupportedOnBasicVirtualWan")
