"""Point-to-site client packages: ``generatevpnclientpackage``, ``generatevpnprofile`` and
``getvpnprofilepackageurl`` answer (long-running) with a download URL, as Azure answers with a SAS
URL; the URL serves a real zip built from the gateway as it is when downloaded:

- ``Generic/VpnSettings.xml``: the gateway's server name, tunnel types, client address pool, the
  routes the client gets (the VNet's prefixes), the authentication types and root certificate names;
- ``Generic/VpnServerRoot.cer_0``: the root the client must trust for the gateway's server
  certificate (aznet's local CA, which signs every server certificate here);
- ``OpenVPN/vpnconfig.ovpn`` when OpenVPN is a tunnel type; ``AzureVPN/azurevpnconfig.xml`` with AAD.

The URL carries an HMAC of its path under a key of this process, as a SAS URL carries a signature;
it stays valid until aznet restarts."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import zipfile
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives import serialization

from ....arm import crud
from ....arm.errors import ArmError
from ....arm.http import Response
from ....arm.router import ROUTES
from ....arm.versions import check_api_version
from ..ref_checks import since
from . import virtual_network_gateways as gws

if TYPE_CHECKING:
    from ....arm.http import Request
    from ....arm.platform import Platform

KEY = secrets.token_bytes(32)
API_VERSIONS = since("2015-06-15")
GW_PATH = "subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/virtualnetworkgateways/{name}"
AUTH_METHODS = ("EAPTLS", "EAPMSCHAPv2")


def _sign(path: str) -> str:
    return hmac.new(KEY, path.lower().encode(), hashlib.sha256).hexdigest()[:32]


def _gateway(p: Platform, req: Request) -> tuple[Any, dict[str, Any]]:
    params = req.params
    gid = (f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/Microsoft.Network/"
           f"virtualNetworkGateways/{params['name']}")
    ctx = p.ctx(req, params["sub"])
    return ctx, crud.get_resource(ctx, gid)


def _p2s(gw: dict[str, Any]) -> dict[str, Any]:
    vc = (gw.get("properties") or {}).get("vpnClientConfiguration")
    if not vc:
        raise ArmError(400, "VpnClientConfigurationNotFound",
                       f"Virtual network gateway {gw['id']} has no point-to-site (vpnClientConfiguration) settings.")
    return vc


def generate(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, API_VERSIONS, "virtualNetworkGateways")
    ctx, gw = _gateway(p, req)
    vc = _p2s(gw)
    body = req.json(required=False) or {}
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    method = next((v for k, v in body.items() if k.lower() == "authenticationmethod"), None)
    if method is not None and method not in AUTH_METHODS:
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", details=[{
            "code": "InvalidJson", "message": f"Error converting value {method!r} to type 'AuthenticationMethod'."}])
    if method == "EAPMSCHAPv2" and "Radius" not in (vc.get("vpnAuthenticationTypes") or []):
        raise ArmError(400, "VpnClientAuthenticationMethodNotConfigured",
                       f"EAPMSCHAPv2 needs RADIUS authentication on virtual network gateway {gw['id']}.")
    kind = req.path.rstrip("/").rsplit("/", 1)[-1].lower()
    path = f"/_aznet/vpnclientpackage/{req.params['sub']}/{req.params['rg']}/{req.params['name']}/" + \
        ("profile" if "profile" in kind else "package")
    url = f"{req.base_url}{path}?sig={_sign(path)}"
    return p.lro(req, 202, None, namespace="Microsoft.Network", location=gw.get("location"), result=url,
                 result_status=200)


def server_name(gw: dict[str, Any]) -> str:
    guid = (gw.get("properties") or {}).get("resourceGuid", "")
    return f"azuregateway-{guid}.vpn.azure.com"


def build_zip(p: Platform, ctx: Any, gw: dict[str, Any]) -> bytes:
    from ....arm.tls import _load_or_create_ca

    vc = _p2s(gw)
    props = gw.get("properties") or {}
    subnet = next((((c.get("properties") or {}).get("subnet") or {}).get("id") for c in
                   props.get("ipConfigurations") or []), None)
    vnet = ctx.body(gws.vnet_of(subnet)) if subnet else None
    routes = ((vnet or {}).get("properties") or {}).get("addressSpace", {}).get("addressPrefixes") or []
    pool = (vc.get("vpnClientAddressPool") or {}).get("addressPrefixes") or []
    tunnels = vc.get("vpnClientProtocols") or []
    auths = vc.get("vpnAuthenticationTypes") or ["Certificate"]
    server = server_name(gw)
    certs = [c.get("name", "") for c in vc.get("vpnClientRootCertificates") or []]

    def tags(name: str, values: list[str]) -> str:
        return "".join(f"<{name}>{escape(v)}</{name}>" for v in values)
    xml = ("<?xml version=\"1.0\"?>\n<VpnProfile>\n  <VpnServer>" + escape(server) + "</VpnServer>\n"
           f"  <VpnType>{escape(','.join(tunnels))}</VpnType>\n"
           f"  <VpnClientAddressPool>{tags('Prefix', pool)}</VpnClientAddressPool>\n"
           f"  <Routes>{tags('Route', routes)}</Routes>\n"
           f"  <AuthenticationTypes>{tags('Type', auths)}</AuthenticationTypes>\n"
           f"  <ClientRootCertificates>{tags('Name', certs)}</ClientRootCertificates>\n"
           "  <CaCert>VpnServerRoot.cer_0</CaCert>\n</VpnProfile>\n")
    ca, _ = _load_or_create_ca(p.settings.data_dir)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Generic/VpnSettings.xml", xml)
        z.writestr("Generic/VpnServerRoot.cer_0", ca.public_bytes(serialization.Encoding.DER))
        if "OpenVPN" in tunnels:
            pem = ca.public_bytes(serialization.Encoding.PEM).decode()
            routes_cfg = "".join(f"route {r}\n" for r in routes)
            z.writestr("OpenVPN/vpnconfig.ovpn",
                       f"client\nremote {server} 443\nproto tcp\ndev tun\nverify-x509-name '{server}' name\n"
                       f"remote-cert-tls server\n{routes_cfg}<ca>\n{pem}</ca>\n"
                       "# <cert> and <key>: the client certificate chained to one of the root certificates\n")
        if "AAD" in auths:
            z.writestr("AzureVPN/azurevpnconfig.xml",
                       f"<AzVpnProfile><name>{escape(gw.get('name', ''))}</name><serverlist><ServerEntry>"
                       f"<fqdn>{escape(server)}</fqdn></ServerEntry></serverlist>"
                       f"<tenant>{escape(str(vc.get('aadTenant', '')))}</tenant>"
                       f"<audience>{escape(str(vc.get('aadAudience', '')))}</audience>"
                       f"<issuer>{escape(str(vc.get('aadIssuer', '')))}</issuer></AzVpnProfile>")
    return buf.getvalue()


def download(p: Platform, req: Request) -> Response:
    path = req.path.split("?", 1)[0]
    sig = req.arg("sig") or ""
    if not hmac.compare_digest(sig, _sign(path)):
        return Response(403, {"error": {"code": "AuthenticationFailed",
                                        "message": "Signature did not match the resource."}})
    ctx, gw = _gateway(p, req)
    data = build_zip(p, ctx, gw)
    return Response(200, data, {"Content-Type": "application/zip",
                                "Content-Disposition": f"attachment; filename={req.params['name']}.zip"})


for _action in ("generatevpnclientpackage", "generatevpnprofile", "getvpnprofilepackageurl"):
    ROUTES.add(f"{GW_PATH}/{_action}", "POST", generate)
ROUTES.add("_aznet/vpnclientpackage/{sub}/{rg}/{name}/{kind}", "GET", download, auth=False)
