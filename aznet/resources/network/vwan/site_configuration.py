"""``virtualWans/{wan}/vpnConfiguration`` (LRO, ``GetVpnSitesConfigurationRequest``): the VPN device configuration
of the WAN's sites, written where ``outputBlobSasUrl`` points (blob_output.py: a file under the data dir here).

The document is the one Virtual WAN's "Download the VPN configuration" step produces (Azure's site-to-site
tutorial shows it): a JSON array, one entry per site (per link for a site with links, with ``LinkName``) that a
VPN connection joins to a hub gateway:

    {"configurationVersion": {"LastUpdatedTime", "Version"},
     "vpnSiteConfiguration": {"Name", "IPAddress", "LinkName"?, "BgpSetting"?: {"Asn", "BgpPeeringAddress",
                              "PeerWeight"}},
     "vpnSiteConnections": [{"hubConfiguration": {"AddressSpace", "Region", "ConnectedSubnets"},
                             "gatewayConfiguration": {"IpAddresses": {"Instance0", "Instance1"},
                                                      "BgpSetting"?: {"Asn", "BgpPeeringAddresses": {...},
                                                                      "PeerWeight"}},
                             "connectionConfiguration": {"IsBgpEnabled", "PSK",
                                                         "IPsecParameters": {"SADataSizeInKilobytes",
                                                                             "SALifeTimeInSeconds"}}}]}

Confirmed: that shape (tutorial samples, with ``BgpSetting`` on both sides when BGP is on), the SA defaults
102400000 KB / 3600 s. Inferred: the gateway's BGP addresses shown are those it peers from on that link (its custom
APIPA addresses when the link connection names them, else the default ones); ``vpnSites`` absent = every connected
site of the WAN; a site of another WAN is refused (``VpnSiteNotInVirtualWan``); ``Version`` derived from the
site's etag."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Action
from ....jsondata import props_of
from ....regions import DISPLAY
from ..hybrid import vpn_client_package as pkg
from ..ref_checks import ref_id, since
from . import blob_output, virtual_wans, vpn_sites
from . import connections_index as index
from .hub_vnet_connections import TYPE as VNET_CONN_TYPE
from .hub_vnet_connections import remote_of, space_of

if TYPE_CHECKING:
    from ....arm.context import Ctx

MAX_SITES = 1000
SA_KB, SA_SECONDS = 102400000, 3600


def _sites(ctx: Ctx, wan: dict[str, Any], body: Any) -> list[dict[str, Any]]:
    body = body or {}
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    wanted = pkg.member(body, "vpnSites")
    mine = {normalize(rec.id): rec.body for rec in ctx.referrers(wan["id"])
            if rec.type.lower() == vpn_sites.TYPE.lower()}
    if wanted is None:
        return [mine[k] for k in sorted(mine)]
    if not isinstance(wanted, list) or not all(isinstance(s, str) for s in wanted) or len(wanted) > MAX_SITES:
        raise ArmError(400, "InvalidRequestFormat", f"vpnSites must be a list of at most {MAX_SITES} VPN site ids.")
    out = []
    for sid in wanted:
        if normalize(sid) not in mine:
            if ctx.body(sid) is None:
                raise ArmError(404, "ResourceNotFound", f"The VPN site {sid} was not found.")
            raise ArmError(400, "VpnSiteNotInVirtualWan", f"VPN site {sid} does not belong to virtual WAN {wan['id']}.")
        out.append(mine[normalize(sid)])
    return out


def _bgp(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if not raw:
        return None
    return {"Asn": raw.get("asn"), "BgpPeeringAddress": raw.get("bgpPeeringAddress"),
            "PeerWeight": raw.get("peerWeight", 0)}


def _gateway(gw: dict[str, Any], custom: dict[str, str], bgp_on: bool) -> dict[str, Any]:
    gp = props_of(gw)
    out: dict[str, Any] = {"IpAddresses": {c["id"]: c.get("publicIpAddress") for c in gp.get("ipConfigurations") or []
                                           if isinstance(c, dict) and c.get("id")}}
    if bgp_on:
        bs = gp.get("bgpSettings") or {}
        addrs = {}
        for p in bs.get("bgpPeeringAddresses") or []:
            inst = str(p.get("ipconfigurationId"))
            addrs[inst] = custom.get(inst.lower()) or (p.get("defaultBgpIpAddresses") or [""])[0]
        out["BgpSetting"] = {"Asn": bs.get("asn"), "BgpPeeringAddresses": addrs, "PeerWeight": bs.get("peerWeight", 0)}
    return out


def _hub(ctx: Ctx, gw: dict[str, Any]) -> dict[str, Any]:
    hub = ctx.body(ref_id(props_of(gw).get("virtualHub"), "") or "") or {}
    subnets = [str(n) for rec in ctx.children(hub["id"], VNET_CONN_TYPE) for n in space_of(ctx.body(remote_of(rec.body)
                                                                                                         or ""))] \
        if hub else []
    return {"AddressSpace": props_of(hub).get("addressPrefix"),
            "Region": DISPLAY.get(str(hub.get("location", "")).lower(), hub.get("location")),
            "ConnectedSubnets": subnets}


def _connection(conf: dict[str, Any], bgp_on: bool) -> dict[str, Any]:
    policy = (conf.get("ipsecPolicies") or [{}])[0]
    return {"IsBgpEnabled": bgp_on, "PSK": conf.get("sharedKey"),
            "IPsecParameters": {"SADataSizeInKilobytes": policy.get("saDataSizeKilobytes", SA_KB),
                                "SALifeTimeInSeconds": policy.get("saLifeTimeSeconds", SA_SECONDS)}}


def _connections_of(ctx: Ctx, wan_id: str) -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """site id -> [(hub VPN gateway, VPN connection)] across the WAN's hubs."""
    out: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for hub in index.hubs_of_wan(ctx, wan_id):
        for gw in index.gateways_of_hub(ctx, hub, index.VPN_GW_TYPE):
            for rec in ctx.children(gw.id, index.VPN_CONN_TYPE):
                site = normalize(ref_id(props_of(rec.body).get("remoteVpnSite"), "") or "")
                out.setdefault(site, []).append((gw.body, rec.body))
    return out


def document(ctx: Ctx, wan: dict[str, Any], sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    conns = _connections_of(ctx, wan["id"])
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    out = []
    for site in sites:
        sp = props_of(site)
        joined = conns.get(normalize(site["id"]), [])
        if not joined:
            continue
        version = {"LastUpdatedTime": now, "Version": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site['id']}|{site.get('etag')}"))}
        links = sp.get("vpnSiteLinks") or []
        if not links:
            entry: dict[str, Any] = {"Name": site["name"], "IPAddress": sp.get("ipAddress")}
            if sp.get("bgpProperties"):
                entry["BgpSetting"] = _bgp(sp.get("bgpProperties"))
            out.append({"configurationVersion": version, "vpnSiteConfiguration": entry, "vpnSiteConnections": [
                {"hubConfiguration": _hub(ctx, gw), "gatewayConfiguration": _gateway(gw, {}, props_of(c).get("enableBgp")
                                                                                    is True),
                 "connectionConfiguration": _connection(props_of(c), props_of(c).get("enableBgp") is True)}
                for gw, c in joined]})
            continue
        for link in links:
            lp = props_of(link)
            entry = {"Name": site["name"], "IPAddress": lp.get("ipAddress") or lp.get("fqdn"), "LinkName": link["name"]}
            if lp.get("bgpProperties"):
                entry["BgpSetting"] = _bgp(lp.get("bgpProperties"))
            rows = []
            for gw, c in joined:
                lc = next((x for x in props_of(c).get("vpnLinkConnections") or []
                           if normalize(ref_id(props_of(x).get("vpnSiteLink"), "") or "") == normalize(link["id"])), None)
                if lc is None:
                    continue
                lcp = props_of(lc)
                bgp_on = lcp.get("enableBgp") is True
                custom = {str(x.get("ipConfigurationId", "")).lower(): x.get("customBgpIpAddress")
                          for x in lcp.get("vpnGatewayCustomBgpAddresses") or [] if isinstance(x, dict)}
                rows.append({"hubConfiguration": _hub(ctx, gw), "gatewayConfiguration": _gateway(gw, custom, bgp_on),
                             "connectionConfiguration": _connection(lcp, bgp_on)})
            if rows:
                out.append({"configurationVersion": version, "vpnSiteConfiguration": entry, "vpnSiteConnections": rows})
    return out


def vpn_configuration(ctx: Ctx, wan: dict[str, Any], body: Any) -> tuple[int, Any]:
    sites = _sites(ctx, wan, body)
    url = pkg.member(body or {}, "outputBlobSasUrl")
    blob_output.target(ctx, url)                      # checked before anything is computed
    blob_output.write(ctx, url, json.dumps(document(ctx, wan, sites), indent=2).encode())
    return 200, None


REGISTRY.add_actions(virtual_wans.TYPE, [
    Action("vpnConfiguration", vpn_configuration, long_running=True, api_versions=since("2018-04-01")),
])
