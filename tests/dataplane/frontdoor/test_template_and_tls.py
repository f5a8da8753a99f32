"""The Front Door Standard/Premium quickstart template (as tests/delivery deploys it: profile, endpoint, origin
group, origin, route with HTTPS redirect and HttpsOnly forwarding, a Premium WAF with Microsoft_DefaultRuleSet 2.1)
deployed through the SDK and then curled: the origin is a local HTTPS service whose FQDN resolves through aznet's
DNS and whose certificate name the edge checks. A custom domain with a customer certificate from Key Vault and its
minimum TLS version."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import socket
import ssl
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from aznet.dataplane.frontdoor.certs import EdgeCerts
from tests.delivery.test_front_door_template import TEMPLATE

from .support import Backend, P, afd_profile, curl, edge_get, edge_port, resolve


def _https_backend(aznet, name, host, base):  # type: ignore[no-untyped-def]
    cert, key = EdgeCerts(aznet.data_dir).managed_pem(host)     # signed by the aznet CA
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return Backend(name, f"127.0.{base}.1", tls=ctx)


def test_quickstart_template_deployed_then_curled(aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.dns import DnsManagementClient
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient

    b = _https_backend(aznet, "app", "app.contoso-origin.test", 72)
    try:
        dnsc = aznet.client(DnsManagementClient)
        dnsc.zones.create_or_update(rg, "contoso-origin.test", {"location": "global"})
        dnsc.record_sets.create_or_update(rg, "contoso-origin.test", "app", "A",
                                          {"ttl": 60, "a_records": [{"ipv4_address": b.host}]})
        template = copy.deepcopy(TEMPLATE)
        origin = next(r for r in template["resources"] if r["type"].endswith("/origins"))
        origin["properties"]["httpsPort"] = b.port          # the local service's port instead of 443
        deployments = aznet.client(DeploymentsMgmtClient)
        result = deployments.deployments.begin_create_or_update(rg, "afd", {"properties": {
            "mode": "Incremental", "template": template,
            "parameters": {"originHostName": {"value": "app.contoso-origin.test"}}}}).result()
        host = result.properties.outputs["frontDoorEndpointHostName"]["value"]
        out = curl(aznet, f"http://{host}/shop", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}")
        assert out.stdout == f"307 https://{host}/shop", out.stdout + out.stderr
        out = curl(aznet, f"https://{host}/shop?item=1", "-i")
        # curl negotiates HTTP/2 by ALPN, as with Azure's edge (HTTP/2 on every Front Door configuration)
        assert out.stdout.splitlines()[0].startswith("HTTP/2 200") and out.stdout.endswith("app /shop?item=1")
        r = edge_get(aznet, f"https://{host}/shop")
        seen = json.loads(r.headers["x-seen"])
        assert seen["Host"] == "app.contoso-origin.test" and seen["X-Forwarded-Proto"] == "https"
        r = edge_get(aznet, f"https://{host}/search?q=1' OR '1'='1")     # the template's WAF (DRS 2.1) blocks it
        assert r.status_code == 403
        # the origin's certificate must name the origin host header: a wrong name fails the check (503)
        cdn_host = "wrong.contoso-origin.test"
        dnsc.record_sets.create_or_update(rg, "contoso-origin.test", "wrong", "A",
                                          {"ttl": 60, "a_records": [{"ipv4_address": b.host}]})
        from azure.mgmt.cdn import CdnManagementClient
        cdn = aznet.client(CdnManagementClient)
        cdn.afd_origins.begin_create(rg, "MyFrontDoor", "MyOriginGroup", "MyAppServiceOrigin", P(
            hostName=cdn_host, httpsPort=b.port, originHostHeader=cdn_host)).result()
        r = edge_get(aznet, f"https://{host}/shop", headers={"X-Azure-DebugInfo": "1"})
        assert r.status_code == 503 and "x-azure-externalerror" in r.headers
        cdn.afd_origins.begin_create(rg, "MyFrontDoor", "MyOriginGroup", "MyAppServiceOrigin", P(
            hostName=cdn_host, httpsPort=b.port, originHostHeader=cdn_host,
            enforceCertificateNameCheck=False)).result()
        assert edge_get(aznet, f"https://{host}/shop").text == "app /shop"
    finally:
        b.close()


def _pfx(host: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"c", key, cert, None, serialization.NoEncryption())


def test_custom_domain_with_key_vault_certificate_and_minimum_tls(aznet, rg):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient
    from azure.mgmt.dns import DnsManagementClient
    from azure.mgmt.keyvault import KeyVaultManagementClient

    cdn = aznet.client(CdnManagementClient)
    dnsc = aznet.client(DnsManagementClient)
    kv = aznet.client(KeyVaultManagementClient)
    vault = kv.vaults.begin_create_or_update(rg, f"kv{rg[-8:]}", {"location": "westeurope", "properties": {
        "tenantId": aznet.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}).result()
    raw = _pfx("shop.fabrikam.test")
    secret = kv.secrets.create_or_update(rg, vault.name, "shopcert", {"properties": {
        "value": base64.b64encode(raw).decode(), "contentType": "application/x-pkcs12"}})
    b = Backend("shop", "127.0.73.1")
    try:
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "shop", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fd", "g", {"properties": {"loadBalancingSettings": {}}}).result()
        cdn.afd_origins.begin_create(rg, "fd", "g", "o", P(hostName=b.host, httpPort=b.port)).result()
        sec = cdn.secrets.begin_create(rg, "fd", "shopcert", P(parameters={
            "type": "CustomerCertificate", "secretSource": {"id": secret.id}, "useLatestVersion": True})).result()
        dnsc.zones.create_or_update(rg, "fabrikam.test", {"location": "global"})
        dom = cdn.afd_custom_domains.begin_create(rg, "fd", "shop", P(hostName="shop.fabrikam.test", tlsSettings={
            "certificateType": "CustomerCertificate", "minimumTlsVersion": "TLS13", "secret": {"id": sec.id}})).result()
        token = dom.validation_properties.validation_token
        dnsc.record_sets.create_or_update(rg, "fabrikam.test", "_dnsauth.shop", "TXT",
                                          {"ttl": 60, "txt_records": [{"value": [token]}]})
        dnsc.record_sets.create_or_update(rg, "fabrikam.test", "shop", "CNAME",
                                          {"ttl": 60, "cname_record": {"cname": ep.host_name}})
        cdn.routes.begin_create(rg, "fd", "shop", "r", P(originGroup={"id": g.id}, patternsToMatch=["/*"],
                                                         customDomains=[{"id": dom.id}],
                                                         forwardingProtocol="HttpOnly")).result()
        ip = resolve(aznet, "shop.fabrikam.test")
        port = edge_port(aznet, 443)
        # the customer certificate is served (self-signed here: the client does not verify it, it reads it)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection((ip, port), timeout=10) as s, \
                ctx.wrap_socket(s, server_hostname="shop.fabrikam.test") as t:
            der = t.getpeercert(binary_form=True)
            assert t.version() == "TLSv1.3"
        assert x509.load_der_x509_certificate(der).subject.rfc4514_string() == "CN=shop.fabrikam.test"
        # TLS 1.2 is below the domain's minimum (TLS13): the connection is refused
        out = subprocess.run(["curl", "-sk", "--tlsv1.2", "--tls-max", "1.2", "--resolve",
                              f"shop.fabrikam.test:{port}:{ip}", f"https://shop.fabrikam.test:{port}/"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode != 0 and out.stdout == ""
        out = subprocess.run(["curl", "-sk", "--tlsv1.3", "--resolve", f"shop.fabrikam.test:{port}:{ip}",
                              f"https://shop.fabrikam.test:{port}/cart"], capture_output=True, text=True, timeout=30)
        assert out.stdout == "shop /cart", out.stderr
    finally:
        b.close()

