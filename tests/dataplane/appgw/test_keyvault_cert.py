"""An HTTPS listener whose certificate is a Key Vault secret (keyVaultSecretId, with the gateway's user-assigned
identity): the gateway serves the PFX the vault holds, and a new version of the secret is served after it is
written (a versionless secret id follows the newest version)."""

from __future__ import annotations

import socket
import ssl

from tests.arm.helpers import authed
from tests.network.nic_support import LOC

from .support import backends, gateway, get, network, pip_address, port, signed_pfx, wait_for


def _peer_cn(ip: str, p: int, server_name: str, ca: str) -> str:
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection((ip, p), timeout=10) as raw, ctx.wrap_socket(raw, server_hostname=server_name) as s:
        cert = s.getpeercert()
    return dict(x[0] for x in cert["subject"])["commonName"]


def test_key_vault_certificate_is_served_and_follows_a_new_version(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    base = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers"
    vault = f"{base}/Microsoft.KeyVault/vaults/kv{rg[-8:]}"
    with authed(aznet) as c:
        r = c.put(f"{base}/Microsoft.ManagedIdentity/userAssignedIdentities/agw-id?api-version=2023-01-31",
                  json={"location": LOC})
        assert r.status_code in (200, 201), r.text
        identity = r.json()["id"]
        r = c.put(f"{vault}?api-version=2023-07-01", json={
            "location": LOC, "properties": {"tenantId": aznet.tenant_id, "sku": {"family": "A", "name": "standard"},
                                            "accessPolicies": [], "enableRbacAuthorization": True}})
        assert r.status_code in (200, 201), r.text
        r = c.put(f"{vault}/secrets/site?api-version=2023-07-01", json={"properties": {
            "value": signed_pfx(aznet, "first.contoso.com", password=""), "contentType": "application/x-pkcs12"}})
        assert r.status_code in (200, 201), r.text
        secret_id = r.json()["properties"]["secretUri"]
    with backends("app", base=49) as (b1,):
        body = gateway(aznet, rg, "gw", ids, ports=(443,), pools={"p": [{"ipAddress": b1.host}]},
                       settings={"s": {"port": b1.port}},
                       listeners=[{"name": "tls", "port": 443, "protocol": "Https", "cert": "kv"}],
                       rules=[{"name": "r", "listener": "tls", "pool": "p", "settings": "s"}],
                       sslCertificates=[{"name": "kv", "properties": {"keyVaultSecretId": secret_id}}])
        body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {identity: {}}}
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        ip, p443, ca = pip_address(network_client, rg), port(aznet, 443), str(aznet.ca_path)
        assert wait_for(lambda: _peer_cn(ip, p443, "first.contoso.com", ca)) == "first.contoso.com"
        r = get(f"https://first.contoso.com:{p443}/x".replace("first.contoso.com", ip), verify=False)
        assert r.status_code == 200 and r.text == "app /x"
        # a new version of the secret (a renewed certificate): served without touching the gateway
        with authed(aznet) as c:
            r = c.put(f"{vault}/secrets/site?api-version=2023-07-01", json={"properties": {
                "value": signed_pfx(aznet, "second.contoso.com", password=""), "contentType": "application/x-pkcs12"}})
            assert r.status_code in (200, 201), r.text
        assert wait_for(lambda: _peer_cn(ip, p443, "second.contoso.com", ca) == "second.contoso.com")
