"""Virtual WAN downloads through the real SDK: a hub point-to-site gateway's VPN profile and the WAN-wide profile
of a VPN server configuration (real zips, read with zipfile and the certificate parsed), the point-to-site
connection health (no client is connected here: said honestly, the detailed list written empty where the SAS URL
points), disconnecting clients, and the VPN site configuration file Virtual WAN writes for the branch devices."""

from __future__ import annotations

import io
import json
import ssl
import zipfile
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509

from .cert_support import root_cert_b64
from .nic_support import LOC, error_of, rid
from .test_vwan_vpn import gw_body, link_conn, site_body
from .vwan_support import hub_with_spoke, make_hub, make_wan

SAS = "https://contosostore.blob.core.windows.net/vpn/{}?sv=2022-11-02&sr=b&sp=cw&sig=abc%3D"


def _user_vpn(aznet: Any, net: Any, rg: str, protocols: list[str]) -> tuple[Any, Any]:
    hub_with_spoke(aznet, net, rg)
    cfg = net.vpn_server_configurations.begin_create_or_update(rg, "cfg", {"location": LOC, "properties": {
        "vpnProtocols": protocols, "vpnAuthenticationTypes": ["Certificate"],
        "vpnClientRootCertificates": [{"name": "P2SRootCert", "publicCertData": root_cert_b64()}]}}).result()
    gw = net.p2_svpn_gateways.begin_create_or_update(rg, "p2sgw", gw_body(
        aznet, rg, vpnServerConfiguration={"id": cfg.id}, p2SConnectionConfigurations=[
            {"name": "P2SConnectionConfigDefault",
             "properties": {"vpnClientAddressPool": {"addressPrefixes": ["172.30.0.0/24"]}}}])).result()
    return cfg, gw


def _zip(aznet: Any, url: str) -> zipfile.ZipFile:
    got = httpx.get(url, verify=ssl.create_default_context(cafile=str(aznet.ca_path)))
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(got.content))


def test_user_vpn_profiles(aznet, network_client, rg):
    net = network_client
    cfg, gw = _user_vpn(aznet, net, rg, ["IkeV2", "OpenVPN"])
    url = net.p2_svpn_gateways.begin_generate_vpn_profile(rg, "p2sgw", {"authenticationMethod": "EAPTLS"}).result()
    assert url.profile_url.startswith("https://")
    z = _zip(aznet, url.profile_url)
    assert {"Generic/VpnSettings.xml", "Generic/VpnServerRoot.cer_0", "OpenVPN/vpnconfig.ovpn"} <= set(z.namelist())
    settings = z.read("Generic/VpnSettings.xml").decode()
    assert "<VpnType>IkeV2,OpenVPN</VpnType>" in settings
    assert "<Prefix>172.30.0.0/24</Prefix>" in settings
    # the routes a client gets: the hub and the VNets connected to it
    assert "<Route>10.100.0.0/24</Route>" in settings and "<Route>10.1.0.0/16</Route>" in settings
    assert "<Name>P2SRootCert</Name>" in settings
    root = x509.load_der_x509_certificate(z.read("Generic/VpnServerRoot.cer_0"))
    assert root.public_bytes(serialization_pem()).decode() in z.read("OpenVPN/vpnconfig.ovpn").decode()
    bad_sig = url.profile_url.replace("sig=", "sig=0")
    assert httpx.get(bad_sig, verify=ssl.create_default_context(cafile=str(aznet.ca_path))).status_code == 403
    # EAPMSCHAPv2 needs RADIUS on the server configuration
    assert error_of(net.p2_svpn_gateways.begin_generate_vpn_profile, rg, "p2sgw",
                    {"authenticationMethod": "EAPMSCHAPv2"}) == (400, "VpnClientAuthenticationMethodNotConfigured")
    # the WAN-wide profile of the server configuration: every hub gateway using it
    make_hub(aznet, net, rg, name="hub2", prefix="10.110.0.0/24")
    net.p2_svpn_gateways.begin_create_or_update(rg, "p2sgw2", gw_body(
        aznet, rg, hub="hub2", vpnServerConfiguration={"id": cfg.id}, p2SConnectionConfigurations=[
            {"name": "c", "properties": {"vpnClientAddressPool": {"addressPrefixes": ["172.31.0.0/24"]}}}])).result()
    wide = net.begin_generatevirtualwanvpnserverconfigurationvpnprofile(
        rg, "myVirtualWan", {"vpnServerConfigurationResourceId": cfg.id, "authenticationMethod": "EAPTLS"}).result()
    settings = _zip(aznet, wide.profile_url).read("Generic/VpnSettings.xml").decode()
    assert settings.count("<VpnServer>") == 2
    assert "<Prefix>172.30.0.0/24</Prefix>" in settings and "<Prefix>172.31.0.0/24</Prefix>" in settings
    assert "<Route>10.110.0.0/24</Route>" in settings
    other = net.vpn_server_configurations.begin_create_or_update(rg, "unused", {"location": LOC, "properties": {
        "vpnAuthenticationTypes": ["Certificate"],
        "vpnClientRootCertificates": [{"name": "r", "publicCertData": root_cert_b64()}]}}).result()
    assert error_of(net.begin_generatevirtualwanvpnserverconfigurationvpnprofile, rg,
                    "myVirtualWan", {"vpnServerConfigurationResourceId": other.id}) == \
        (400, "VpnServerConfigurationNotUsedInVirtualWan")
    assert error_of(net.begin_generatevirtualwanvpnserverconfigurationvpnprofile, rg,
                    "myVirtualWan", {"authenticationMethod": "EAPTLS"}) == (400, "VpnServerConfigurationRequired")


def serialization_pem() -> Any:
    from cryptography.hazmat.primitives import serialization
    return serialization.Encoding.PEM


def test_user_vpn_health_and_disconnect(aznet, network_client, rg):
    net = network_client
    _user_vpn(aznet, net, rg, ["OpenVPN"])
    health = net.p2_svpn_gateways.begin_get_p2_s_vpn_connection_health(rg, "p2sgw").result()
    assert health.vpn_client_connection_health.vpn_client_connections_count == 0
    assert health.vpn_client_connection_health.allocated_ip_addresses == []
    url = SAS.format("health/p2sgw.json")
    detailed = net.p2_svpn_gateways.begin_get_p2_s_vpn_connection_health_detailed(rg, "p2sgw", {
        "vpnUserNamesFilter": ["alice"], "outputBlobSasUrl": url}).result()
    assert detailed.sas_url == url
    written = Path(aznet.platform.settings.data_dir) / "blobs" / "contosostore" / "vpn" / "health" / "p2sgw.json"
    assert json.loads(written.read_text()) == {"value": []}
    for bad, code in [("not a url", "InvalidOutputBlobSasUrl"), (SAS.format("../../etc/x"), "InvalidOutputBlobSasUrl"),
                      ("https://contosostore.blob.core.windows.net/onlycontainer", "InvalidOutputBlobSasUrl")]:
        assert error_of(net.p2_svpn_gateways.begin_get_p2_s_vpn_connection_health_detailed, rg, "p2sgw",
                        {"outputBlobSasUrl": bad}) == (400, code)
    assert error_of(net.p2_svpn_gateways.begin_get_p2_s_vpn_connection_health_detailed, rg, "p2sgw",
                    {"vpnUserNamesFilter": []}) == (400, "OutputBlobSasUrlRequired")
    net.p2_svpn_gateways.begin_disconnect_p2_s_vpn_connections(rg, "p2sgw", {"vpnConnectionIds": []}).result()
    assert error_of(net.p2_svpn_gateways.begin_disconnect_p2_s_vpn_connections, rg, "p2sgw",
                    {"vpnConnectionIds": ["0f8fad5b-d9cb-469f-a165-70867728950e"]}) == (400, "P2SVpnConnectionNotFound")


def test_vpn_site_configuration_download(aznet, network_client, rg):
    net = network_client
    hub_with_spoke(aznet, net, rg)
    net.vpn_sites.begin_create_or_update(rg, "site1", site_body(aznet, rg, links=2, bgp=True)).result()
    net.vpn_sites.begin_create_or_update(rg, "idle", site_body(aznet, rg, prefixes=("10.30.0.0/16",))).result()
    gw = net.vpn_gateways.begin_create_or_update(rg, "gw", gw_body(aznet, rg, bgpSettings={
        "asn": 65515, "bgpPeeringAddresses": [{"ipconfigurationId": "Instance0",
                                               "customBgpIpAddresses": ["169.254.21.5"]}]})).result()
    publics = {c.id: c.public_ip_address for c in gw.ip_configurations}
    net.vpn_connections.begin_create_or_update(rg, "gw", "site1-conn", {"properties": {
        "remoteVpnSite": {"id": rid(aznet, rg, "vpnSites", "site1")}, "vpnLinkConnections": [
            link_conn(aznet, rg, "site1", "link1", sharedKey="abc123", enableBgp=True, vpnGatewayCustomBgpAddresses=[
                {"ipConfigurationId": "Instance0", "customBgpIpAddress": "169.254.21.5"}]),
            link_conn(aznet, rg, "site1", "link2", sharedKey="def456")]}}).result()
    url = SAS.format("config/all.json")
    net.vpn_sites_configuration.begin_download(rg, "myVirtualWan", {"outputBlobSasUrl": url}).result()
    path = Path(aznet.platform.settings.data_dir) / "blobs" / "contosostore" / "vpn" / "config" / "all.json"
    doc = json.loads(path.read_text())
    assert [(e["vpnSiteConfiguration"]["Name"], e["vpnSiteConfiguration"]["LinkName"]) for e in doc] == [
        ("site1", "link1"), ("site1", "link2")]        # the idle site has no connection: not in the file
    first, second = doc
    assert first["vpnSiteConfiguration"]["IPAddress"] == "203.0.113.10"
    assert first["vpnSiteConfiguration"]["BgpSetting"] == {"Asn": 65050, "BgpPeeringAddress": "10.20.255.1",
                                                           "PeerWeight": 0}
    (row,) = first["vpnSiteConnections"]
    assert row["hubConfiguration"] == {"AddressSpace": "10.100.0.0/24", "Region": "West Europe",
                                       "ConnectedSubnets": ["10.1.0.0/16"]}
    assert row["gatewayConfiguration"]["IpAddresses"] == publics
    assert row["gatewayConfiguration"]["BgpSetting"] == {
        "Asn": 65515, "BgpPeeringAddresses": {"Instance0": "169.254.21.5", "Instance1": "10.100.0.13"},
        "PeerWeight": 0}
    assert row["connectionConfiguration"] == {"IsBgpEnabled": True, "PSK": "abc123", "IPsecParameters": {
        "SADataSizeInKilobytes": 102400000, "SALifeTimeInSeconds": 3600}}
    (row2,) = second["vpnSiteConnections"]
    assert "BgpSetting" not in row2["gatewayConfiguration"]
    assert row2["connectionConfiguration"]["PSK"] == "def456" and row2["connectionConfiguration"]["IsBgpEnabled"] is False
    # one site by id; a site of another WAN is refused and nothing is written
    make_wan(net, rg, name="otherWan")
    net.vpn_sites.begin_create_or_update(rg, "foreign", site_body(aznet, rg, wan="otherWan")).result()
    one = SAS.format("config/one.json")
    net.vpn_sites_configuration.begin_download(rg, "myVirtualWan", {
        "vpnSites": [rid(aznet, rg, "vpnSites", "idle")], "outputBlobSasUrl": one}).result()
    assert json.loads((path.parent / "one.json").read_text()) == []
    assert error_of(net.vpn_sites_configuration.begin_download, rg, "myVirtualWan", {
        "vpnSites": [rid(aznet, rg, "vpnSites", "foreign")], "outputBlobSasUrl": SAS.format("config/x.json")}) == \
        (400, "VpnSiteNotInVirtualWan")
    assert not (path.parent / "x.json").exists()
