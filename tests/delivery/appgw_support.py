"""Shared pieces of the application gateway tests: a VNet with a gateway
subnet, Standard public IPs, test PFX / CER certificates, and gateway bodies
in the shape Azure's docs and the SDK samples use."""

from __future__ import annotations

import base64
import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.network.nic_support import LOC, make_vnet, rid


def self_signed(cn: str = "www.contoso.com") -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def pfx_b64(password: str = "Azure123456!", cn: str = "www.contoso.com") -> str:
    key, cert = self_signed(cn)
    enc = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return base64.b64encode(pkcs12.serialize_key_and_certificates(b"cert", key, cert, None, enc)).decode()


def cer_b64(cn: str = "root.contoso.com") -> str:
    _, cert = self_signed(cn)
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def network(net: Any, aznet: Any, rg: str, vnet: str = "myVNet") -> dict[str, str]:
    make_vnet(net, rg, vnet, ("10.21.0.0/16",), {"myAGSubnet": "10.21.0.0/24", "myBackendSubnet": "10.21.1.0/24"})
    pip = net.public_ip_addresses.begin_create_or_update(
        rg, "myAGPublicIPAddress", {"location": LOC, "sku": {"name": "Standard"},
                                    "properties": {"publicIPAllocationMethod": "Static"}}).result()
    return {"subnet": rid(aznet, rg, "virtualNetworks", vnet) + "/subnets/myAGSubnet",
            "backend_subnet": rid(aznet, rg, "virtualNetworks", vnet) + "/subnets/myBackendSubnet",
            "pip": pip.id}


def gateway_body(aznet: Any, rg: str, name: str, ids: dict[str, str], sku: str = "Standard_v2",
                 **props: Any) -> dict[str, Any]:
    gw = rid(aznet, rg, "applicationGateways", name)
    body: dict[str, Any] = {
        "location": LOC,
        "properties": {
            "sku": {"name": sku, "tier": sku, "capacity": 2},
            "gatewayIPConfigurations": [{"name": "appGatewayIpConfig", "properties": {"subnet": {"id": ids["subnet"]}}}],
            "frontendIPConfigurations": [{"name": "appGwPublicFrontendIp",
                                          "properties": {"publicIPAddress": {"id": ids["pip"]}}}],
            "frontendPorts": [{"name": "port_80", "properties": {"port": 80}}],
            "backendAddressPools": [{"name": "myBackendPool",
                                     "properties": {"backendAddresses": [{"ipAddress": "10.21.1.4"},
                                                                         {"fqdn": "app.contoso.com"}]}}],
            "backendHttpSettingsCollection": [{"name": "myHTTPSetting",
                                               "properties": {"port": 80, "protocol": "Http",
                                                              "cookieBasedAffinity": "Disabled",
                                                              "requestTimeout": 20}}],
            "httpListeners": [{"name": "myListener", "properties": {
                "frontendIPConfiguration": {"id": f"{gw}/frontendIPConfigurations/appGwPublicFrontendIp"},
                "frontendPort": {"id": f"{gw}/frontendPorts/port_80"}, "protocol": "Http"}}],
            "requestRoutingRules": [{"name": "myRoutingRule", "properties": {
                "ruleType": "Basic", "priority": 1,
                "httpListener": {"id": f"{gw}/httpListeners/myListener"},
                "backendAddressPool": {"id": f"{gw}/backendAddressPools/myBackendPool"},
                "backendHttpSettings": {"id": f"{gw}/backendHttpSettingsCollection/myHTTPSetting"}}}],
        },
    }
    body["properties"].update(props)
    return body


def gw_id(aznet: Any, rg: str, name: str) -> str:
    return rid(aznet, rg, "applicationGateways", name)
