"""The site-to-site and VNet-to-VNet tutorials with the real Azure CLI: vnet-gateway, local-gateway,
vpn-connection (with its shared key commands) and the gateway's BGP/route listing commands."""

from __future__ import annotations

from .nic_support import ensure_vnet_types


def test_site_to_site_tutorial_azcli(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-vpn-", "eastus") as rg:
        az.run("network", "vnet", "create", "-n", "VNet1", "-g", rg, "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "FrontEnd", "--subnet-prefix", "10.1.0.0/24")
        az.run("network", "vnet", "subnet", "create", "--vnet-name", "VNet1", "-n", "GatewaySubnet", "-g", rg,
               "--address-prefix", "10.1.255.0/27")
        az.run("network", "public-ip", "create", "-n", "VNet1GWIP", "-g", rg, "--sku", "Standard")
        gw = az.json("network", "vnet-gateway", "create", "-n", "VNet1GW", "-l", "eastus", "--public-ip-address",
                     "VNet1GWIP", "-g", rg, "--vnet", "VNet1", "--gateway-type", "Vpn", "--sku", "VpnGw2",
                     "--vpn-type", "RouteBased", "--asn", "65010")
        gw = gw.get("vnetGateway", gw)
        assert gw["sku"]["name"] == "VpnGw2" and gw["bgpSettings"]["asn"] == 65010
        shown = az.json("network", "vnet-gateway", "show", "-n", "VNet1GW", "-g", rg)
        assert shown["provisioningState"] == "Succeeded" and shown["gatewayType"] == "Vpn"
        lng = az.json("network", "local-gateway", "create", "--gateway-ip-address", "203.0.113.10", "-n", "Site1",
                      "-g", rg, "--local-address-prefixes", "10.101.0.0/24", "10.101.1.0/24")
        assert lng["gatewayIpAddress"] == "203.0.113.10"
        az.run("network", "vpn-connection", "create", "-n", "VNet1toSite1", "-g", rg, "--vnet-gateway1", "VNet1GW",
               "-l", "eastus", "--shared-key", "abc123", "--local-gateway2", "Site1")
        conn = az.json("network", "vpn-connection", "show", "-n", "VNet1toSite1", "-g", rg)
        assert conn["connectionType"] == "IPsec" and conn["connectionStatus"] == "NotConnected"
        assert az.json("network", "vpn-connection", "shared-key", "show", "--connection-name", "VNet1toSite1",
                       "-g", rg)["value"] == "abc123"
        az.run("network", "vpn-connection", "shared-key", "update", "--connection-name", "VNet1toSite1", "-g", rg,
               "--value", "Azure@123")
        assert az.json("network", "vpn-connection", "shared-key", "show", "--connection-name", "VNet1toSite1",
                       "-g", rg)["value"] == "Azure@123"
        az.run("network", "vpn-connection", "shared-key", "reset", "--connection-name", "VNet1toSite1", "-g", rg,
               "--key-length", "32")
        assert len(az.json("network", "vpn-connection", "shared-key", "show", "--connection-name", "VNet1toSite1",
                           "-g", rg)["value"]) == 32
        az.run("network", "vpn-connection", "ipsec-policy", "add", "-g", rg, "--connection-name", "VNet1toSite1",
               "--ike-encryption", "AES256", "--ike-integrity", "SHA384", "--dh-group", "DHGroup24",
               "--ipsec-encryption", "GCMAES256", "--ipsec-integrity", "GCMAES256", "--pfs-group", "PFS24",
               "--sa-lifetime", "27000", "--sa-max-size", "102400000")
        bad = az.fails("network", "vpn-connection", "ipsec-policy", "add", "-g", rg, "--connection-name",
                       "VNet1toSite1", "--ike-encryption", "AES256", "--ike-integrity", "SHA384", "--dh-group",
                       "DHGroup24", "--ipsec-encryption", "GCMAES256", "--ipsec-integrity", "SHA256", "--pfs-group",
                       "PFS24", "--sa-lifetime", "27000", "--sa-max-size", "102400000")
        assert "TooManyIpsecPolicies" in bad.stderr or "InvalidIpsecPolicy" in bad.stderr
        policies = az.json("network", "vpn-connection", "ipsec-policy", "list", "-g", rg, "--connection-name",
                           "VNet1toSite1")
        assert [p["ipsecEncryption"] for p in policies] == ["GCMAES256"]
        routes = az.json("network", "vnet-gateway", "list-learned-routes", "-n", "VNet1GW", "-g", rg)
        assert {r["network"] for r in routes["value"]} >= {"10.1.0.0/16", "10.101.0.0/24", "10.101.1.0/24"}
        assert az.json("network", "vnet-gateway", "list-bgp-peer-status", "-n", "VNet1GW", "-g", rg)["value"] == []
        names = [c["name"] for c in az.json("network", "vpn-connection", "list", "-g", rg)]
        assert names == ["VNet1toSite1"]
        err = az.fails("network", "local-gateway", "delete", "-n", "Site1", "-g", rg)
        assert "InUseLocalNetworkGatewayCannotBeDeleted" in err.stderr
        az.run("network", "vpn-connection", "delete", "-n", "VNet1toSite1", "-g", rg)
        az.run("network", "local-gateway", "delete", "-n", "Site1", "-g", rg)
        az.run("network", "vnet-gateway", "delete", "-n", "VNet1GW", "-g", rg)
        assert az.json("network", "vnet-gateway", "list", "-g", rg) == []


def test_vnet_to_vnet_tutorial_azcli(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-v2v-", "eastus") as rg:
        for vnet, second in (("TestVNet1", "11"), ("TestVNet4", "41")):
            az.run("network", "vnet", "create", "-n", vnet, "-g", rg, "--address-prefix", f"10.{second}.0.0/16",
                   "--subnet-name", "FrontEnd", "--subnet-prefix", f"10.{second}.0.0/24")
            az.run("network", "vnet", "subnet", "create", "--vnet-name", vnet, "-n", "GatewaySubnet", "-g", rg,
                   "--address-prefix", f"10.{second}.255.0/27")
            az.run("network", "public-ip", "create", "-n", f"{vnet}GWIP", "-g", rg, "--sku", "Standard")
            az.run("network", "vnet-gateway", "create", "-n", f"{vnet}GW", "-l", "eastus", "--public-ip-address",
                   f"{vnet}GWIP", "-g", rg, "--vnet", vnet, "--gateway-type", "Vpn", "--sku", "VpnGw1",
                   "--vpn-type", "RouteBased")
        ids = {n: az.json("network", "vnet-gateway", "show", "-n", f"{n}GW", "-g", rg)["id"]
               for n in ("TestVNet1", "TestVNet4")}
        az.run("network", "vpn-connection", "create", "-n", "VNet1ToVNet4", "-g", rg, "--vnet-gateway1",
               ids["TestVNet1"], "-l", "eastus", "--shared-key", "aabbcc", "--vnet-gateway2", ids["TestVNet4"])
        az.run("network", "vpn-connection", "create", "-n", "VNet4ToVNet1", "-g", rg, "--vnet-gateway1",
               ids["TestVNet4"], "-l", "eastus", "--shared-key", "aabbcc", "--vnet-gateway2", ids["TestVNet1"])
        shown = az.json("network", "vpn-connection", "show", "-n", "VNet1ToVNet4", "-g", rg)
        assert shown["connectionType"] == "Vnet2Vnet" and shown["connectionStatus"] == "Connected"


def test_point_to_site_azcli(az, tmp_path):  # type: ignore[no-untyped-def]
    import base64

    from .cert_support import root_cert_b64

    ensure_vnet_types()
    with az.group("rg-p2s-", "eastus") as rg:
        az.run("network", "vnet", "create", "-n", "VNet1", "-g", rg, "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "GatewaySubnet", "--subnet-prefix", "10.1.255.0/27")
        az.run("network", "public-ip", "create", "-n", "VNet1GWIP", "-g", rg, "--sku", "Standard")
        az.run("network", "vnet-gateway", "create", "-n", "VNet1GW", "--public-ip-address", "VNet1GWIP", "-g", rg,
               "--vnet", "VNet1", "--sku", "VpnGw2", "--address-prefixes", "172.16.201.0/24",
               "--client-protocol", "OpenVPN", "IkeV2")
        pem = "-----BEGIN CERTIFICATE-----\n" + root_cert_b64() + "\n-----END CERTIFICATE-----\n"
        cert = tmp_path / "root.cer"
        cert.write_text(pem)
        az.run("network", "vnet-gateway", "root-cert", "create", "-g", rg, "--gateway-name", "VNet1GW",
               "-n", "P2SRootCert", "--public-cert-data", str(cert))
        shown = az.json("network", "vnet-gateway", "show", "-n", "VNet1GW", "-g", rg)
        vc = shown["vpnClientConfiguration"]
        assert [c["name"] for c in vc["vpnClientRootCertificates"]] == ["P2SRootCert"]
        assert sorted(vc["vpnClientProtocols"]) == ["IkeV2", "OpenVPN"]
        url = az.json("network", "vnet-gateway", "vpn-client", "generate", "-g", rg, "-n", "VNet1GW")
        assert isinstance(url, str) and "/_aznet/vpnclientpackage/" in url
        bad = tmp_path / "bad.cer"
        bad.write_text(base64.b64encode(b"not a certificate").decode())
        err = az.fails("network", "vnet-gateway", "root-cert", "create", "-g", rg, "--gateway-name", "VNet1GW",
                       "-n", "Bad", "--public-cert-data", str(bad))
        assert "InvalidVpnClientRootCertificate" in err.stderr


def test_bgp_site_and_gateway_commands_azcli(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-bgp-", "eastus") as rg:
        az.run("network", "vnet", "create", "-n", "VNet1", "-g", rg, "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "GatewaySubnet", "--subnet-prefix", "10.1.255.0/27")
        az.run("network", "public-ip", "create", "-n", "VNet1GWIP", "-g", rg, "--sku", "Standard")
        az.run("network", "vnet-gateway", "create", "-n", "VNet1GW", "--public-ip-address", "VNet1GWIP", "-g", rg,
               "--vnet", "VNet1", "--sku", "VpnGw1", "--asn", "65010")
        err = az.fails("network", "local-gateway", "create", "-n", "Bad", "-g", rg, "--gateway-ip-address",
                       "203.0.113.10", "--asn", "65515", "--bgp-peering-address", "10.51.255.254")
        assert "BgpAsnReservedByAzure" in err.stderr
        az.run("network", "local-gateway", "create", "-n", "Site5", "-g", rg, "--gateway-ip-address", "203.0.113.10",
               "--asn", "65050", "--bgp-peering-address", "10.51.255.254")
        az.run("network", "vpn-connection", "create", "-n", "VNet1ToSite5", "-g", rg, "--vnet-gateway1", "VNet1GW",
               "--local-gateway2", "Site5", "--shared-key", "AzureA1b2C3", "--enable-bgp")
        peers = az.json("network", "vnet-gateway", "list-bgp-peer-status", "-n", "VNet1GW", "-g", rg)["value"]
        assert [(p["neighbor"], p["asn"], p["state"]) for p in peers] == [("10.51.255.254", 65050, "Connecting")]
        adv = az.json("network", "vnet-gateway", "list-advertised-routes", "-n", "VNet1GW", "-g", rg,
                      "--peer", "10.51.255.254")["value"]
        assert [(r["network"], r["asPath"]) for r in adv] == [("10.1.0.0/16", "65010")]
        devices = az.json("network", "vnet-gateway", "show-supported-devices", "-n", "VNet1GW", "-g", rg)
        assert "<Vendors>" in devices
        script = az.json("network", "vpn-connection", "show-device-config-script", "-n", "VNet1ToSite5", "-g", rg,
                         "--vendor", "Juniper", "--device-family", "SRX", "--firmware-version", "JunOS 11.4")
        assert "Pre-shared key: AzureA1b2C3" in script and "Azure ASN 65010" in script
        az.run("network", "vnet-gateway", "reset", "-n", "VNet1GW", "-g", rg)
        up = az.json("network", "vnet-gateway", "update", "-n", "VNet1GW", "-g", rg, "--sku", "VpnGw3")
        assert up["sku"]["name"] == "VpnGw3"
        conn = az.json("network", "vpn-connection", "update", "-n", "VNet1ToSite5", "-g", rg, "--routing-weight", "20")
        assert conn["routingWeight"] == 20 and conn["enableBgp"] is True
        site = az.json("network", "local-gateway", "update", "-n", "Site5", "-g", rg, "--local-address-prefixes",
                       "10.105.0.0/16")
        assert site["localNetworkAddressSpace"]["addressPrefixes"] == ["10.105.0.0/16"]
        learned = az.json("network", "vnet-gateway", "list-learned-routes", "-n", "VNet1GW", "-g", rg)["value"]
        assert {r["network"] for r in learned} == {"10.1.0.0/16", "10.105.0.0/16"}
        assert all(r["origin"] == "Network" for r in learned)
