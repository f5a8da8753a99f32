"""Virtual WAN User VPN (point-to-site) actions:

- ``p2sVpnGateways/{gw}/generatevpnprofile`` (LRO, ``P2SVpnProfileParameters``): ``{"profileUrl"}``, a signed URL
  serving a real zip (the same package as a VPN gateway's ``generatevpnclientpackage``, hybrid/vpn_client_package.py):
  the hub gateway's server name, the server configuration's tunnel types, authentication types, root certificate
  names and AAD settings, the gateway's client pools and the routes a client gets (the hub's prefix and the VNets
  connected to the hub);
- ``virtualWans/{wan}/generateVpnProfile`` (LRO, ``VirtualWanVpnProfileParameters``): the WAN-wide ("global")
  profile of one VPN server configuration: every point-to-site gateway of the WAN using it, their pools and hubs;
- ``getP2sVpnConnectionHealth`` (the gateway with ``vpnClientConnectionHealth``, p2s_vpn_gateways.py) and
  ``getP2sVpnConnectionHealthDetailed`` (LRO, ``P2SVpnConnectionHealthRequest``): Azure writes the per-client list to
  the blob ``outputBlobSasUrl`` names and answers ``{"sasUrl"}``; no point-to-site client connects to aznet, so the
  list written is empty (``{"value": []}``, the shape of ``VpnClientConnectionHealthDetailListResult``), to the file
  blob_output.py maps the URL to;
- ``disconnectP2sVpnConnections`` (LRO, ``P2SVpnConnectionRequest``): an empty list is done at once; a connection id
  is refused (``P2SVpnConnectionNotFound``): no client is connected.

Confirmed: the paths, bodies and answers (REST specs / azure-mgmt-network models); the WAN profile is per VPN
server configuration. Inferred: the profile content for Virtual WAN (the VPN gateway's layout reused), the codes
``VpnServerConfigurationRequired``, ``VpnServerConfigurationNotUsedInVirtualWan``, ``P2SVpnConnectionNotFound``,
``OutputBlobSasUrlRequired``, ``InvalidOutputBlobSasUrl``, and the empty detailed-health document."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from ....arm import crud
from ....arm.errors import ArmError
from ....arm.ids import normalize
from ....arm.provider_actions import Reply, provider_action
from ....arm.registry import REGISTRY, Action
from ....jsondata import props_of
from ..hybrid import vpn_client_package as pkg
from ..ref_checks import ref_id, since
from . import blob_output, p2s_vpn_gateways, virtual_wans
from . import connections_index as index
from .hub_vnet_connections import TYPE as VNET_CONN_TYPE
from .hub_vnet_connections import remote_of, space_of

if TYPE_CHECKING:
    from ....arm.context import Ctx

P2S = p2s_vpn_gateways.TYPE
ROOT = "/_aznet/vwanprofile"


def _server(gw: dict[str, Any]) -> str:
    guid = uuid.uuid5(uuid.NAMESPACE_URL, normalize(gw["id"]))   # the gateway has no resourceGuid: from its id
    return f"azuregateway-{guid}.vpn.azure.com"


def _hub_routes(ctx: Ctx, gw: dict[str, Any]) -> list[str]:
    hub = ctx.body(ref_id(props_of(gw).get("virtualHub"), "") or "")
    if hub is None:
        return []
    out = [str(props_of(hub).get("addressPrefix"))] if props_of(hub).get("addressPrefix") else []
    for rec in ctx.children(hub["id"], VNET_CONN_TYPE):
        out.extend(str(n) for n in space_of(ctx.body(remote_of(rec.body) or "")))
    return out


def _pools(gw: dict[str, Any]) -> list[str]:
    return [p for c in props_of(gw).get("p2SConnectionConfigurations") or []
            for p in (props_of(c).get("vpnClientAddressPool") or {}).get("addressPrefixes") or []]


def profile(ctx: Ctx, name: str, gateways: list[dict[str, Any]], cfg: dict[str, Any]) -> pkg.ClientProfile:
    cp = props_of(cfg)
    auths = list(cp.get("vpnAuthenticationTypes") or [])
    aad_raw = cp.get("aadAuthenticationParameters") or {}
    aad = (str(aad_raw.get("aadTenant", "")), str(aad_raw.get("aadAudience", "")), str(aad_raw.get("aadIssuer", ""))) \
        if "AAD" in auths else None
    routes: list[str] = []
    for gw in gateways:
        routes.extend(r for r in _hub_routes(ctx, gw) if r not in routes)
    return pkg.ClientProfile(name, [_server(g) for g in gateways], list(cp.get("vpnProtocols") or []),
                             [p for g in gateways for p in _pools(g)], routes, auths,
                             [str(c.get("name", "")) for c in cp.get("vpnClientRootCertificates") or []], aad)


def _config_of(ctx: Ctx, gw: dict[str, Any]) -> dict[str, Any]:
    return ctx.body(ref_id(props_of(gw).get("vpnServerConfiguration"), "") or "") or {}


def _radius(cfg: dict[str, Any]) -> bool:
    return "Radius" in (props_of(cfg).get("vpnAuthenticationTypes") or [])


def gateway_profile(ctx: Ctx, gw: dict[str, Any], body: Any) -> tuple[int, Any]:
    pkg.auth_method(body, _radius(_config_of(ctx, gw)), f"point-to-site gateway {gw['id']}")
    sub, rg = gw["id"].split("/")[2], gw["id"].split("/")[4]
    return 200, {"profileUrl": pkg.signed_url(ctx, f"{ROOT}/{sub}/{rg}/p2svpngateways/{gw['name']}")}


def _wan_gateways(ctx: Ctx, wan_id: str, cfg_id: str) -> list[dict[str, Any]]:
    out = []
    for hub in index.hubs_of_wan(ctx, wan_id):
        for rec in index.gateways_of_hub(ctx, hub, index.P2S_GW_TYPE):
            if normalize(ref_id(props_of(rec.body).get("vpnServerConfiguration"), "") or "") == normalize(cfg_id):
                out.append(rec.body)
    return sorted(out, key=lambda b: normalize(b["id"]))


def wan_profile(ctx: Ctx, wan: dict[str, Any], body: Any) -> tuple[int, Any]:
    body = body or {}
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    cfg_id = pkg.member(body, "vpnServerConfigurationResourceId")
    if not isinstance(cfg_id, str) or not cfg_id:
        raise ArmError(400, "VpnServerConfigurationRequired",
                       f"vpnServerConfigurationResourceId is required to generate a profile of virtual WAN {wan['id']}.")
    cfg = ctx.body(cfg_id)
    if cfg is None or "/vpnserverconfigurations/" not in normalize(cfg_id):
        raise ArmError(404, "ResourceNotFound", f"The VPN server configuration {cfg_id} was not found.")
    pkg.auth_method(body, _radius(cfg), f"VPN server configuration {cfg['id']}")
    if not _wan_gateways(ctx, wan["id"], cfg["id"]):
        raise ArmError(400, "VpnServerConfigurationNotUsedInVirtualWan",
                       f"No point-to-site gateway of virtual WAN {wan['id']} uses VPN server configuration "
                       f"{cfg['id']}.")
    sub, rg = wan["id"].split("/")[2], wan["id"].split("/")[4]
    return 200, {"profileUrl": pkg.signed_url(ctx, f"{ROOT}/{sub}/{rg}/virtualwans/{wan['name']}",
                                              f"config={cfg['name']}")}


@provider_action(f"{ROOT[1:]}/{{sub}}/{{rg}}/{{kind}}/{{name}}", "GET", api_versions=None, name="vwanvpnprofile",
                 auth=False)
def download(ctx: Ctx, payload: Any, params: dict[str, str]) -> Reply:
    kind = params["kind"].lower()
    config = ctx.arg("config") or ""
    if kind not in ("p2svpngateways", "virtualwans") or not pkg.signature_ok(ctx, f"config={config}" if config else ""):
        return pkg.FORBIDDEN
    base = f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/Microsoft.Network"
    if kind == "p2svpngateways":
        gw = crud.get_resource(ctx, f"{base}/p2sVpnGateways/{params['name']}")
        prof = profile(ctx, gw["name"], [gw], _config_of(ctx, gw))
    else:
        wan = crud.get_resource(ctx, f"{base}/virtualWans/{params['name']}")
        cfg = crud.get_resource(ctx, f"{base}/vpnServerConfigurations/{config}")
        prof = profile(ctx, wan["name"], _wan_gateways(ctx, wan["id"], cfg["id"]), cfg)
    return pkg.zip_reply(pkg.build_profile_zip(ctx, prof), params["name"])


def health_detailed(ctx: Ctx, gw: dict[str, Any], body: Any) -> tuple[int, Any]:
    body = body or {}
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    names = pkg.member(body, "vpnUserNamesFilter")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise ArmError(400, "InvalidRequestFormat", "vpnUserNamesFilter must be a list of user names.")
    url = pkg.member(body, "outputBlobSasUrl")
    blob_output.write(ctx, url, json.dumps({"value": []}).encode())   # no client is connected here
    return 200, {"sasUrl": url}


def disconnect(ctx: Ctx, gw: dict[str, Any], body: Any) -> tuple[int, Any]:
    body = body or {}
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    ids = pkg.member(body, "vpnConnectionIds") or []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ArmError(400, "InvalidRequestFormat", "vpnConnectionIds must be a list of connection ids.")
    if ids:
        raise ArmError(400, "P2SVpnConnectionNotFound",
                       f"No point-to-site client is connected to gateway {gw['id']}: {ids[0]} is not a connection.")
    return 200, None


REGISTRY.add_actions(P2S, [
    Action("generatevpnprofile", gateway_profile, long_running=True, api_versions=since("2018-08-01")),
    Action("getP2sVpnConnectionHealthDetailed", health_detailed, long_running=True, api_versions=since("2020-04-01")),
    Action("disconnectP2sVpnConnections", disconnect, long_running=True, api_versions=since("2020-04-01")),
])
REGISTRY.add_actions(virtual_wans.TYPE, [
    Action("GenerateVpnProfile", wan_profile, long_running=True, api_versions=since("2019-08-01")),
])
