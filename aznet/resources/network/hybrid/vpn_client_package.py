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
from dataclasses import dataclass
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


def member(body: dict[str, Any], name: str) -> Any:
    return next((v for k, v in body.items() if k.lower() == name.lower()), None)


def auth_method(body: Any, radius: bool, owner: str) -> str | None:
    """The ``authenticationMethod`` of a profile request (EAPTLS | EAPMSCHAPv2; the latter needs RADIUS)."""
    body = body or {}
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    method = member(body, "authenticationMethod")
    if method is not None and method not in AUTH_METHODS:
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", details=[{
            "code": "InvalidJson", "message": f"Error converting value {method!r} to type 'AuthenticationMethod'."}])
    if method == "EAPMSCHAPv2" and not radius:
        raise ArmError(400, "VpnClientAuthenticationMethodNotConfigured",
                       f"EAPMSCHAPv2 needs RADIUS authentication on {owner}.")
    return method


def _generate(kind: str) -> Callable[[Ctx, dict[str, Any], Any], tuple[int, Any]]:
    """The action ``kind`` on a gateway: a long-running answer whose result is the download URL."""
    def generate(ctx: Ctx, gw: dict[str, Any], body: Any) -> tuple[int, Any]:
        vc = _p2s(gw)
        auth_method(body, "Radius" in (vc.get("vpnAuthenticationTypes") or []), f"virtual network gateway {gw['id']}")
        sub, rg, name = gw["id"].split("/")[2], gw["id"].split("/")[4], gw["name"]
        path = f"/_aznet/vpnclientpackage/{sub}/{rg}/{name}/" + ("profile" if "profile" in kind.lower() else "package")
        return 200, signed_url(ctx, path)
    return generate


def server_name(gw: dict[str, Any]) -> str:
    guid = (gw.get("properties") or {}).get("resourceGuid", "")
    return f"azuregateway-{guid}.vpn.azure.com"


def signed_url(ctx: Ctx, path: str, query: str = "") -> str:
    """A download URL under ``path`` (``query``: extra ``k=v`` parameters, signed with it), valid until restart."""
    extra = f"{query}&" if query else ""
    return f"{ctx.base_url}{path}?{extra}sig={_sign(path + '?' + query if query else path)}"


def signature_ok(ctx: Ctx, query: str = "") -> bool:
    path = ctx.path.split("?", 1)[0]
    return hmac.compare_digest(ctx.arg("sig") or "", _sign(path + "?" + query if query else path))


@dataclass
class ClientProfile:
    """What a point-to-site client needs, whatever gateway serves it (a VNet gateway, a Virtual WAN hub's
    point-to-site gateway, or every hub of a WAN using one VPN server configuration)."""

    name: str
    servers: list[str]
    tunnels: list[str]
    pools: list[str]
    routes: list[str]
    auths: list[str]
    certs: list[str]
    aad: tuple[str, str, str] | None = None      # tenant, audience, issuer


def gateway_profile(ctx: Ctx, gw: dict[str, Any]) -> ClientProfile:
    vc = _p2s(gw)
    props = gw.get("properties") or {}
    subnet = next((((c.get("properties") or {}).get("subnet") or {}).get("id") for c in
                   props.get("ipConfigurations") or []), None)
    vnet = ctx.body(gws.vnet_of(subnet)) if subnet else None
    routes = ((vnet or {}).get("properties") or {}).get("addressSpace", {}).get("addressPrefixes") or []
    auths = vc.get("vpnAuthenticationTypes") or ["Certificate"]
    aad = (str(vc.get("aadTenant", "")), str(vc.get("aadAudience", "")), str(vc.get("aadIssuer", ""))) \
        if "AAD" in auths else None
    return ClientProfile(gw.get("name", ""), [server_name(gw)], list(vc.get("vpnClientProtocols") or []),
                         list((vc.get("vpnClientAddressPool") or {}).get("addressPrefixes") or []), list(routes),
                         list(auths), [c.get("name", "") for c in vc.get("vpnClientRootCertificates") or []], aad)


def build_zip(ctx: Ctx, gw: dict[str, Any]) -> bytes:
    return build_profile_zip(ctx, gateway_profile(ctx, gw))


def build_profile_zip(ctx: Ctx, prof: ClientProfile) -> bytes:
    from ....arm.tls import _load_or_create_ca

    def tags(name: str, values: list[str]) -> str:
        return "".join(f"<{name}>{escape(v)}</{name}>" for v in values)
    xml = ("<?xml version=\"1.0\"?>\n<VpnProfile>\n" + "".join(f"  <VpnServer>{escape(s)}</VpnServer>\n"
                                                            for s in prof.servers) +
           f"  <VpnType>{escape(','.join(prof.tunnels))}</VpnType>\n"
           f"  <VpnClientAddressPool>{tags('Prefix', prof.pools)}</VpnClientAddressPool>\n"
           f"  <Routes>{tags('Route', prof.routes)}</Routes>\n"
           f"  <AuthenticationTypes>{tags('Type', prof.auths)}</AuthenticationTypes>\n"
           f"  <ClientRootCertificates>{tags('Name', prof.certs)}</ClientRootCertificates>\n"
           "  <CaCert>VpnServerRoot.cer_0</CaCert>\n</VpnProfile>\n")
    ca, _ = _load_or_create_ca(ctx.settings.data_dir)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Generic/VpnSettings.xml", xml)
        z.writestr("Generic/VpnServerRoot.cer_0", ca.public_bytes(serialization.Encoding.DER))
        if "OpenVPN" in prof.tunnels:
            pem = ca.public_bytes(serialization.Encoding.PEM).decode()
            routes_cfg = "".join(f"route {r}\n" for r in prof.routes)
            remotes = "".join(f"remote {s} 443\n" for s in prof.servers)
            z.writestr("OpenVPN/vpnconfig.ovpn",
                       f"client\n{remotes}proto tcp\ndev tun\nverify-x509-name '{prof.servers[0]}' name\n"
                       f"remote-cert-tls server\n{routes_cfg}<ca>\n{pem}</ca>\n"
                       "# <cert> and <key>: the client certificate chained to one of the root certificates\n")
        if prof.aad is not None:
            tenant, audience, issuer = prof.aad
            z.writestr("AzureVPN/azurevpnconfig.xml",
                       f"<AzVpnProfile><name>{escape(prof.name)}</name><serverlist>"
                       + "".join(f"<ServerEntry><fqdn>{escape(s)}</fqdn></ServerEntry>" for s in prof.servers)
                       + f"</serverlist><tenant>{escape(tenant)}</tenant><audience>{escape(audience)}</audience>"
                       f"<issuer>{escape(issuer)}</issuer></AzVpnProfile>")
    return buf.getvalue()


def zip_reply(data: bytes, name: str) -> Reply:
    return Reply(200, data, (("Content-Type", "application/zip"),
                             ("Content-Disposition", f"attachment; filename={name}.zip")))


FORBIDDEN = Reply(403, {"error": {"code": "AuthenticationFailed", "message": "Signature did not match the resource."}})


@provider_action("_aznet/vpnclientpackage/{sub}/{rg}/{name}/{kind}", "GET", api_versions=None,
                 name="vpnclientpackage", auth=False)
def download(ctx: Ctx, payload: Any, params: dict[str, str]) -> Reply:
    if not signature_ok(ctx):
        return FORBIDDEN
    return zip_reply(build_zip(ctx, _gateway(ctx, params)), params["name"])


REGISTRY.add_actions(gws.TYPE, [Action(kind, _generate(kind), long_running=True, api_versions=API_VERSIONS)
                                for kind in ("generatevpnclientpackage", "generatevpnprofile", "getvpnprofilepackageurl")])
