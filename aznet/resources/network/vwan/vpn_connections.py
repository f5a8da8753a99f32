"""Microsoft.Network/vpnGateways/vpnConnections (and their vpnLinkConnections): a VPN site connected to a
hub's VPN gateway.

Rules (Virtual WAN site-to-site docs, REST specs; IPsec rules shared with VPN Gateway connections):
- ``remoteVpnSite``: required, a VPN site of the same virtual WAN as the gateway's hub; a site connects
  to a gateway once.
- A site with links is connected link by link: ``vpnLinkConnections`` (one per link at most, each naming
  a ``vpnSiteLink`` of that site); a site without links uses the connection's own settings.
- ``sharedKey`` (connection and each link connection): printable ASCII, at most 128 characters,
  generated when absent. ``enableBgp`` needs BGP settings on the site or the link.
  ``vpnConnectionProtocolType`` IKEv2 | IKEv1; ``ipsecPolicies`` (at most one, Azure's algorithm
  lists and GCM pairing); ``usePolicyBasedTrafficSelectors`` needs a policy; ``dpdTimeoutSeconds``
  9-3600; ``routingWeight`` 0-32000; ``connectionBandwidth`` >= 0; ``vpnLinkConnectionMode`` Default |
  ResponderOnly | InitiatorOnly; ``enableInternetSecurity`` defaults to false for branches.
- ``routingConfiguration``: a branch connection is associated with the hub's defaultRouteTable.
- ``connectionStatus`` NotConnected and zero bytes: no on-premises IKE peer runs on this machine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..hybrid import custom_bgp, ipsec_policy
from ..hybrid.connections import check_key, new_key
from ..ref_checks import boolean, cannot_parse, enum, integer, ref_id, resolve, since, unique_name
from . import routing_config as rc
from . import vpn_nat_rules, vpn_sites
from .vpn_gateways import INSTANCES

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/vpnGateways/vpnConnections"
LINK_CONN_TYPE = "Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections"
MODES = ("Default", "ResponderOnly", "InitiatorOnly")


def gateway_of(conn_id: str) -> str:
    return conn_id.rstrip("/").rsplit("/", 2)[0]


def _tunnel_options(p: dict[str, Any], owner: str, old_key: str | None, path: str) -> dict[str, Any]:
    """The IPsec options a connection and a link connection share."""
    out: dict[str, Any] = {}
    key = p.get("sharedKey")
    out["sharedKey"] = check_key(key, owner) if key is not None else (old_key or new_key())
    out["vpnConnectionProtocolType"] = enum(p.get("vpnConnectionProtocolType"), ("IKEv2", "IKEv1"),
                                            f"{path}.vpnConnectionProtocolType",
                                            "VirtualNetworkGatewayConnectionProtocol", "IKEv2")
    policies = ipsec_policy.check_policies(p.get("ipsecPolicies"), owner)
    out["ipsecPolicies"] = policies
    selectors = boolean(p.get("usePolicyBasedTrafficSelectors"), f"{path}.usePolicyBasedTrafficSelectors", False)
    if selectors and not policies:
        raise bad("PolicyBasedTrafficSelectorsRequireIpsecPolicy",
                  f"Connection {owner} uses policy-based traffic selectors, which need an IPsec/IKE policy.")
    out["usePolicyBasedTrafficSelectors"] = selectors
    weight = integer(p.get("routingWeight"), f"{path}.routingWeight", 0)
    if weight is None or not 0 <= weight <= 32000:
        raise bad("InvalidRoutingWeight", f"routingWeight {weight} of connection {owner} must be 0-32000.")
    out["routingWeight"] = weight
    bandwidth = integer(p.get("connectionBandwidth"), f"{path}.connectionBandwidth", 10)
    if bandwidth is None or bandwidth < 0:
        raise bad("InvalidConnectionBandwidth", f"connectionBandwidth of connection {owner} must not be negative.")
    out["connectionBandwidth"] = bandwidth
    dpd = p.get("dpdTimeoutSeconds")
    if dpd is not None:
        dpd = integer(dpd, f"{path}.dpdTimeoutSeconds")
        if dpd is None or not 9 <= dpd <= 3600:
            raise bad("InvalidDpdTimeout", f"dpdTimeoutSeconds {dpd} of connection {owner} must be 9-3600.")
        out["dpdTimeoutSeconds"] = dpd
    for flag in ("enableRateLimiting", "useLocalAzureIpAddress"):
        out[flag] = boolean(p.get(flag), f"{path}.{flag}", False)
    return out


class VpnConnectionHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        cid = new["id"]
        gw = ctx.body(gateway_of(cid)) or {}
        hub_id = ref_id(rc.props_of(gw).get("virtualHub"), "") or ""
        site_id = ref_id(props.get("remoteVpnSite"), "properties.remoteVpnSite")
        if site_id is None:
            raise bad("RemoteVpnSiteRequired", f"VPN connection {cid} needs properties.remoteVpnSite.")
        site = resolve(ctx, site_id, cid, vpn_sites.TYPE)
        wan = rc.wan_of_hub(ctx, hub_id)
        site_wan = ref_id(rc.props_of(site).get("virtualWan"), "")
        if normalize(site_wan or "") != normalize(wan or ""):
            raise bad("VpnSiteNotInVirtualWan", f"VPN site {site['id']} belongs to another virtual WAN than the hub "
                      f"of VPN gateway {gateway_of(cid)}.")
        old_site = ref_id(rc.props_of(old).get("remoteVpnSite"), "") if old else None
        if old_site and normalize(old_site) != normalize(site["id"]):
            raise bad("RemoteVpnSiteCannotBeChanged", f"The VPN site of connection {cid} cannot be changed.")
        props["remoteVpnSite"] = {"id": site["id"]}
        for rec in ctx.children(gateway_of(cid), TYPE):
            if normalize(rec.id) != normalize(cid) and \
                    normalize(ref_id(rc.props_of(rec.body).get("remoteVpnSite"), "") or "") == normalize(site["id"]):
                raise bad("VpnSiteAlreadyConnectedToGateway",
                          f"VPN site {site['id']} is already connected to VPN gateway {gateway_of(cid)} by {rec.id}.")
        old_props = rc.props_of(old)
        props.update(_tunnel_options(props, cid, old_props.get("sharedKey"), "properties"))
        sp = rc.props_of(site)
        links = {str(link.get("name", "")).lower(): link for link in sp.get("vpnSiteLinks") or []}
        enable_bgp = boolean(props.get("enableBgp"), "properties.enableBgp", False)
        props["enableBgp"] = enable_bgp
        if enable_bgp and not links and not sp.get("bgpProperties"):
            raise bad("BgpSettingsRequiredOnVpnSite",
                      f"VPN connection {cid} enables BGP, but VPN site {site['id']} has no BGP settings.")
        props["enableInternetSecurity"] = boolean(props.get("enableInternetSecurity"),
                                                  "properties.enableInternetSecurity", False)
        props["vpnLinkConnections"] = self._links(ctx, props.get("vpnLinkConnections"), links, site, cid,
                                                  old_props.get("vpnLinkConnections") or [], gw)
        if links and not props["vpnLinkConnections"]:
            raise bad("VpnLinkConnectionsRequired",
                      f"VPN site {site['id']} has links: VPN connection {cid} needs vpnLinkConnections.")
        traffic = props.get("trafficSelectorPolicies") or []
        if not isinstance(traffic, list):
            raise cannot_parse("properties.trafficSelectorPolicies", traffic, "TrafficSelectorPolicy[]")
        props["routingConfiguration"] = rc.check(ctx, props.get("routingConfiguration"), cid, hub_id, branch=True)
        for key in ("connectionStatus", "ingressBytesTransferred", "egressBytesTransferred"):
            props.pop(key, None)

    def _links(self, ctx: Ctx, raw: Any, links: dict[str, dict[str, Any]], site: dict[str, Any], cid: str,
               old: list[dict[str, Any]], gw: dict[str, Any]) -> list[dict[str, Any]]:
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise cannot_parse("properties.vpnLinkConnections", raw, "VpnSiteLinkConnection[]")
        if raw and not links:
            raise bad("VpnSiteHasNoLinks", f"VPN site {site['id']} has no links; VPN connection {cid} cannot have "
                      "vpnLinkConnections.")
        old_keys = {str(x.get("name", "")).lower(): (x.get("properties") or {}).get("sharedKey") for x in old}
        out, names, used = [], set(), set()
        for i, item in enumerate(raw):
            path = f"properties.vpnLinkConnections[{i}]"
            if not isinstance(item, dict):
                raise cannot_parse(path, item, "VpnSiteLinkConnection")
            name = unique_name(item, names, "InvalidVpnLinkConnectionName",
                               f"Link connection {i} of {cid} needs a unique name.")
            lp = item.get("properties") or {}
            if not isinstance(lp, dict):
                raise cannot_parse(f"{path}.properties", lp, "VpnSiteLinkConnectionProperties")
            link_id = ref_id(lp.get("vpnSiteLink"), f"{path}.properties.vpnSiteLink")
            link_name = (link_id or "").rstrip("/").rsplit("/", 1)[-1].lower()
            if link_id is None or normalize(link_id.rsplit("/vpnSiteLinks/", 1)[0] if "/vpnsitelinks/" in
                                            link_id.lower() else "") != normalize(site["id"]) or link_name not in links:
                raise bad("InvalidVpnSiteLink", f"{path}.properties.vpnSiteLink must name a link of VPN site "
                          f"{site['id']}.")
            if link_name in used:
                raise bad("VpnSiteLinkAlreadyConnected", f"Link {link_name} of VPN site {site['id']} is connected "
                          f"twice by {cid}.")
            used.add(link_name)
            lid = f"{cid}/vpnLinkConnections/{name}"
            opts = _tunnel_options(lp, lid, old_keys.get(name.lower()), f"{path}.properties")
            bgp_on = boolean(lp.get("enableBgp"), f"{path}.properties.enableBgp", False)
            link = links[link_name]
            if bgp_on and not (link.get("properties") or {}).get("bgpProperties"):
                raise bad("BgpSettingsRequiredOnVpnSite",
                          f"Link connection {lid} enables BGP, but link {link['name']} of VPN site {site['id']} has no "
                          "BGP settings.")
            mode = enum(lp.get("vpnLinkConnectionMode"), MODES, f"{path}.properties.vpnLinkConnectionMode",
                        "VpnLinkConnectionMode", "Default")
            custom = custom_bgp.check_choices(
                lp.get("vpnGatewayCustomBgpAddresses"), f"{path}.properties.vpnGatewayCustomBgpAddresses",
                f"Link connection {lid}", gw, bgp_on=bgp_on,
                cfg_of=lambda c: next((x for x in INSTANCES if x.lower() == c.strip().lower()), None))
            nat = vpn_nat_rules.check_link(ctx, lp, gateway_of(cid), f"Link connection {lid}",
                                           opts["usePolicyBasedTrafficSelectors"])
            out.append({"name": name, "id": lid, "type": LINK_CONN_TYPE, "properties": {
                **opts, "vpnSiteLink": {"id": link["id"]}, "enableBgp": bgp_on, "vpnLinkConnectionMode": mode,
                "vpnGatewayCustomBgpAddresses": custom, **nat, "provisioningState": "Succeeded"}})
        return out

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["connectionStatus"] = "NotConnected"
        props["ingressBytesTransferred"] = 0
        props["egressBytesTransferred"] = 0
        for link in props.get("vpnLinkConnections") or []:
            lp = link.setdefault("properties", {})
            lp.update({"connectionStatus": "NotConnected", "ingressBytesTransferred": 0, "egressBytesTransferred": 0})


def link_connections(ctx: Ctx, conn: dict[str, Any]) -> list[dict[str, Any]]:
    rendered = ctx.rendered(conn["id"]) or conn
    return [dict(link, etag=conn.get("etag")) for link in rc.props_of(rendered).get("vpnLinkConnections") or []]


REGISTRY.add(ResourceType(TYPE, since("2018-04-01"), model="VpnConnection", location="none",
                          hooks=VpnConnectionHooks(), names=NameRule(1, 80)))
REGISTRY.add(ResourceType(LINK_CONN_TYPE, since("2019-04-01"), model="VpnSiteLinkConnection", location="none",
                          names=NameRule(1, 80), virtual=link_connections))
