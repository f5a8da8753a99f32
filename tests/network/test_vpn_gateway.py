"""VPN gateways through the real SDK, following "Create a VPN gateway" and "Configure BGP": SKU rules,
GatewaySubnet, public IP rules, BGP ASNs and APIPA addresses, active-active, point-to-site; each
refusal leaves state unchanged."""

from __future__ import annotations

import pytest

from .hybrid_support import gw_body, gw_vnet, pip
from .nic_support import error_of, make_vnet


def test_create_route_based_gateway(aznet, network_client, rg):
    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(aznet, rg)).result()
    assert gw.provisioning_state == "Succeeded"
    assert gw.sku.name == "VpnGw2" and gw.sku.tier == "VpnGw2" and gw.vpn_gateway_generation == "Generation1"
    assert gw.gateway_type == "Vpn" and gw.vpn_type == "RouteBased" and not gw.active_active
    assert gw.bgp_settings.asn == 65515
    # the last usable address of GatewaySubnet 10.1.255.0/27
    assert gw.bgp_settings.bgp_peering_address == "10.1.255.30"
    assert gw.ip_configurations[0].subnet.id.endswith("/subnets/GatewaySubnet")
    shown = net.public_ip_addresses.get(rg, "VNet1GWpip")
    assert shown.ip_configuration.id.endswith("/virtualNetworkGateways/VNet1GW/ipConfigurations/ipconfig1")
    assert gw.bgp_settings.bgp_peering_addresses[0].tunnel_ip_addresses == [shown.ip_address]
    sub = net.subnets.get(rg, "VNet1", "GatewaySubnet")
    assert [c.id.rsplit("/", 3)[-3] for c in sub.ip_configurations] == ["VNet1GW"]
    assert error_of(net.subnets.begin_delete, rg, "VNet1", "GatewaySubnet")[1] == "InUseSubnetCannotBeDeleted"
    assert [g.name for g in net.virtual_network_gateways.list(rg)] == ["VNet1GW"]
    net.virtual_network_gateways.begin_delete(rg, "VNet1GW").result()
    assert list(net.virtual_network_gateways.list(rg)) == []


@pytest.mark.parametrize(("sku", "props", "code"), [
    ("Basic", {"enableBgp": True}, "BasicSkuVirtualNetworkGatewayDoesNotSupportBgp"),
    ("Basic", {"activeActive": True}, "ActiveActiveNotSupportedOnSku"),
    ("VpnGw2", {"vpnType": "PolicyBased"}, "PolicyBasedGatewayRequiresBasicSku"),
    ("ErGw1AZ", {}, "InvalidGatewaySku"),
    ("Bogus", {}, "InvalidGatewaySku"),
    ("VpnGw1", {"vpnGatewayGeneration": "Generation2"}, "InvalidGatewaySkuForGeneration"),
    ("VpnGw5", {"vpnGatewayGeneration": "Generation1"}, "InvalidGatewaySkuForGeneration"),
    ("VpnGw1", {"bgpSettings": {"asn": 65517}}, "BgpAsnReservedByAzure"),
    ("VpnGw1", {"bgpSettings": {"asn": 8075}}, "BgpAsnReservedByAzure"),
    ("VpnGw1", {"bgpSettings": {"asn": 64500}}, "BgpAsnReservedByIana"),
    ("VpnGw1", {"bgpSettings": {"asn": 23456}}, "BgpAsnReservedByIana"),
    ("VpnGw1", {"bgpSettings": {"asn": 0}}, "InvalidBgpAsn"),
    ("VpnGw1AZ", {}, "AzSkuGatewayRequiresStandardStaticPublicIp"),
])
def test_sku_and_bgp_rules(aznet, network_client, rg, request, sku, props, code):
    net = network_client
    gw_vnet(net, rg)
    name = "VNet1GWpip"
    if sku == "VpnGw1AZ":   # a Basic SKU public IP (retired: allowed here to check the gateway's own rule)
        request.getfixturevalue("allow_retired")
        name = "basicpip"
        pip(net, rg, name, sku="Basic")
    else:
        pip(net, rg, name)
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "VNet1GW",
                    gw_body(aznet, rg, pips=(name,), sku=sku, **props)) == (400, code)
    assert list(net.virtual_network_gateways.list(rg)) == []
    assert net.public_ip_addresses.get(rg, name).ip_configuration is None


def test_gateway_subnet_and_public_ip_rules(aznet, network_client, rg):
    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    pip(net, rg, "second")
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "VNet1GW",
                    gw_body(aznet, rg, subnet="FrontEnd")) == (400, "GatewayIpConfigurationSubnetMustBeGatewaySubnet")
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "VNet1GW",
                    gw_body(aznet, rg, pips=("VNet1GWpip", "second"))) == \
        (400, "VirtualNetworkGatewayMustHaveOneIpConfiguration")
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "VNet1GW",
                    gw_body(aznet, rg, activeActive=True)) == (400, "ActiveActiveGatewayRequiresTwoIpConfigurations")
    assert list(net.virtual_network_gateways.list(rg)) == []
    aa = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, pips=("VNet1GWpip", "second"), activeActive=True, enableBgp=True,
        bgpSettings={"asn": 65010})).result()
    assert aa.active_active and aa.bgp_settings.asn == 65010
    assert aa.bgp_settings.bgp_peering_address == "10.1.255.30,10.1.255.29"
    # one Vpn gateway per VNet; the public IP is taken
    pip(net, rg, "third")
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "Other",
                    gw_body(aznet, rg, pips=("third",))) == (400, "VirtualNetworkAlreadyHasGatewayOfType")
    make_vnet(net, rg, name="VNet2", prefixes=("10.2.0.0/16",), subnets={"GatewaySubnet": "10.2.255.0/27"})
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "Other",
                    gw_body(aznet, rg, vnet="VNet2", pips=("second",))) == (400, "PublicIPAddressInUse")
    assert [g.name for g in net.virtual_network_gateways.list(rg)] == ["VNet1GW"]


def test_custom_apipa_bgp_addresses(aznet, network_client, rg):
    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    cfg = (f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/"
           "virtualNetworkGateways/VNet1GW/ipConfigurations/ipconfig1")
    body = gw_body(aznet, rg, enableBgp=True, bgpSettings={"asn": 65010, "bgpPeeringAddresses": [
        {"ipconfigurationId": cfg, "customBgpIpAddresses": ["169.254.23.1"]}]})
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "VNet1GW", body) == \
        (400, "InvalidCustomBgpIpAddress")
    body["properties"]["bgpSettings"]["bgpPeeringAddresses"][0]["customBgpIpAddresses"] = ["169.254.21.1"]
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", body).result()
    assert gw.bgp_settings.bgp_peering_addresses[0].custom_bgp_ip_addresses == ["169.254.21.1"]


def test_expressroute_gateway(aznet, network_client, rg):
    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "vpnpip")
    pip(net, rg, "erpip")
    body = gw_body(aznet, rg, pips=("erpip",), sku="ErGw1AZ")
    body["properties"]["gatewayType"] = "ExpressRoute"
    er = net.virtual_network_gateways.begin_create_or_update(rg, "ERGW", body).result()
    assert er.gateway_type == "ExpressRoute" and er.sku.name == "ErGw1AZ" and er.bgp_settings.asn == 65515
    # an ExpressRoute and a VPN gateway coexist in one VNet
    vpn = net.virtual_network_gateways.begin_create_or_update(rg, "VPNGW", gw_body(aznet, rg, pips=("vpnpip",))).result()
    assert vpn.gateway_type == "Vpn"
    body["properties"]["sku"] = {"name": "VpnGw1"}
    assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "ERGW2", body)[1] == "InvalidGatewaySku"


def test_point_to_site_configuration(aznet, network_client, rg):
    from .cert_support import root_cert_b64

    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    cert = root_cert_b64()
    p2s = {"vpnClientAddressPool": {"addressPrefixes": ["172.16.201.0/24"]}, "vpnClientProtocols": ["IkeV2", "OpenVPN"],
           "vpnAuthenticationTypes": ["Certificate"],
           "vpnClientRootCertificates": [{"name": "P2SRootCert", "properties": {"publicCertData": cert}}]}
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, vpnClientConfiguration=p2s)).result()
    vc = gw.vpn_client_configuration
    assert vc.vpn_client_address_pool.address_prefixes == ["172.16.201.0/24"]
    assert vc.vpn_client_root_certificates[0].name == "P2SRootCert"
    for change, code in ((("vpnClientAddressPool", {"addressPrefixes": ["10.1.5.0/24"]}),
                          "VpnClientAddressPoolOverlapsVirtualNetwork"),
                         (("vpnClientRootCertificates", [{"name": "x", "properties": {"publicCertData": "bm90IGEgY2VydA=="}}]),
                          "InvalidVpnClientRootCertificate"),
                         (("vpnClientProtocols", ["SSTP", "OpenVPN"]), "OpenVpnAndSstpCannotBeCombined"),
                         (("vpnAuthenticationTypes", ["AAD"]), "AadAuthenticationRequiresOpenVpn")):
        bad = {**p2s, change[0]: change[1]}
        assert error_of(net.virtual_network_gateways.begin_create_or_update, rg, "VNet1GW", gw_body(
            aznet, rg, vpnClientConfiguration=bad)) == (400, code)
    again = net.virtual_network_gateways.get(rg, "VNet1GW")
    assert again.vpn_client_configuration.vpn_client_address_pool.address_prefixes == ["172.16.201.0/24"]
    assert again.etag == gw.etag


def test_vpn_client_package_is_a_real_zip(aznet, network_client, rg):
    import io
    import ssl
    import zipfile

    import httpx

    from .cert_support import root_cert_b64

    net = network_client
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(aznet, rg)).result()
    assert error_of(net.virtual_network_gateways.begin_generatevpnclientpackage, rg, "VNet1GW", {}) == \
        (400, "VpnClientConfigurationNotFound")
    p2s = {"vpnClientAddressPool": {"addressPrefixes": ["172.16.201.0/24"]}, "vpnClientProtocols": ["OpenVPN"],
           "vpnAuthenticationTypes": ["Certificate"],
           "vpnClientRootCertificates": [{"name": "P2SRootCert", "properties": {"publicCertData": root_cert_b64()}}]}
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, vpnClientConfiguration=p2s)).result()
    url = net.virtual_network_gateways.begin_generatevpnclientpackage(rg, "VNet1GW", {
        "processorArchitecture": "Amd64", "authenticationMethod": "EAPTLS"}).result()
    profile_url = net.virtual_network_gateways.begin_generate_vpn_profile(rg, "VNet1GW", {
        "authenticationMethod": "EAPTLS"}).result()
    assert url.startswith("https://") and profile_url != url
    tls = ssl.create_default_context(cafile=str(aznet.ca_path))
    got = httpx.get(url, verify=tls)
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(got.content))
    assert {"Generic/VpnSettings.xml", "Generic/VpnServerRoot.cer_0", "OpenVPN/vpnconfig.ovpn"} <= set(z.namelist())
    settings = z.read("Generic/VpnSettings.xml").decode()
    assert f"azuregateway-{gw.resource_guid}.vpn.azure.com" in settings
    assert "<Route>10.1.0.0/16</Route>" in settings and "<Prefix>172.16.201.0/24</Prefix>" in settings
    assert "<Name>P2SRootCert</Name>" in settings
    ovpn = z.read("OpenVPN/vpnconfig.ovpn").decode()
    assert "remote azuregateway-" in ovpn and "BEGIN CERTIFICATE" in ovpn
    assert httpx.get(url.replace("sig=", "sig=0"), verify=tls).status_code == 403
