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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives import serialization

from ....arm import crud
from ....arm.errors import ArmError
from ....arm.provider_actions import Reply, provider_action
from ....arm.registry import REGISTRY, Action
from ..ref_checks import since
from . import virtual_network_gateways as gws

if TYPE_CHECKING:
    from ....arm.context import Ctx

KEY = secrets.token_bytes(32)
API_VERSIONS = since("2015-06-15")
AUTH_METHODS = ("EAPTLS", "EAPMSCHAPv2")


def _sign(path: str) -> str:
    return hmac.new(KEY, path.lower().encode(), hashlib.sha256).hexdigest()[:32]


def _gateway(ctx: Ctx, params: dict[str, str]) -> dict[str, Any]:
    gid = (f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/Microsoft.Network/"
           f"virtualNetworkGateways/{params['name']}")
    return crud.get_resource(ctx, gid)


def _p2s(gw: dict[str, Any]) -> dict[str, Any]:
    vc = (gw.get("properties") or {}).get("vpnClientConfiguration")
    if not vc:
        raise ArmError(400, "VpnClientConfigurationNotFound",
                       f"Virtual network gateway {gw['id']} has no point-to-site (vpnClientConfiguration) settings.")
    return vc


def _generate(kind: str) -> Callable[[Ctx, dict[str, Any], Any], tuple[int, Any]]:
    """The action ``kind`` on a gateway: a long-running answer whose result is the download URL."""
    def generate(ctx: Ctx, gw: dict[str, Any], body: Any) -> tuple[int, Any]:
        vc = _p2s(gw)
        body = body or {}
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
        method = next((v for k, v in body.items() if k.lower() == "authenticationmethod"), None)
        if method is not None and method not in AUTH_METHODS:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", details=[{
                "code": "InvalidJson", "message": f"Error converting value {method!r} to type 'AuthenticationMethod'."}])
        if method == "EAPMSCHAPv2" and "Radius" not in (vc.get("vpnAuthenticationTypes") or []):
            raise ArmError(400, "VpnClientAuthenticationMethodNotConfigured",
                           f"EAPMSCHAPv2 needs RADIUS authentication on virtual network gateway {gw['id']}.")
        sub, rg, name = gw["id"].split("/")[2], gw["id"].split("/")[4], gw["name"]
        path = f"/_aznet/vpnclientpackage/{sub}/{rg}/{name}/" + ("profile" if "profile" in kind.lower() else "package")
        return 200, f"{ctx.base_url}{path}?sig={_sign(path)}"
    return generate


def server_name(gw: dict[str, Any]) -> str:
    guid = (gw.get("properties") or {}).get("resourceGuid", "")
    return f"azuregateway-{guid}.vpn.azure.com"


def build_zip(ctx: Ctx, gw: dict[str, Any]) -> bytes:
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
    ca, _ = _load_or_create_ca(ctx.settings.data_dir)
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


@provider_action("_aznet/vpnclientpackage/{sub}/{rg}/{name}/{kind}", "GET", api_versions=None,
                 name="vpnclientpackage", auth=False)
def download(ctx: Ctx, payload: Any, params: dict[str, str]) -> Reply:
    path = ctx.path.split("?", 1)[0]
    if not hmac.compare_digest(ctx.arg("sig") or "", _sign(path)):
        return Reply(403, {"error": {"code": "AuthenticationFailed", "message": "Signature did not match the resource."}})
    data = build_zip(ctx, _gateway(ctx, params))
    return Reply(200, data, (("Content-Type", "application/zip"),
                             ("Content-Disposition", f"attachment; filename={params['name']}.zip")))


REGISTRY.add_actions(gws.TYPE, [Action(kind, _generate(kind), long_running=True, api_versions=API_VERSIONS)
                                for kind in ("generatevpnclientpackage", "generatevpnprofile", "getvpnprofilepackageurl")])
