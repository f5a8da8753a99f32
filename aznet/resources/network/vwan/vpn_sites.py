"""Microsoft.Network/vpnSites and their (read-only child) vpnSiteLinks: a branch of a virtual WAN.

Rules (Virtual WAN "Create a site-to-site connection", VPN site docs and REST specs; codes: docs/hybrid.md):
- ``virtualWan``: required, an existing virtual WAN.
- Either links (``vpnSiteLinks``: 1 to 4, unique names, each with ``ipAddress`` (IPv4) or ``fqdn``, optional
  ``bgpProperties`` (ASN without Azure's or IANA's reserved ones, a peering address) and
  ``linkProperties`` (provider name, speed >= 0)), or the legacy site-wide ``ipAddress`` and
  ``bgpProperties``: not both.
- ``addressSpace.addressPrefixes`` (CIDR) is required unless BGP is configured ("If BGP is enabled, the
  private address space is optional").
- ``deviceProperties.linkSpeedInMbps`` >= 0; ``isSecuritySite``; ``siteKey`` (printable, <= 128).
- Not deletable while a VPN connection uses it."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ....jsondata import props_of
from .. import cidr
from ..hybrid import bgp
from ..ref_checks import boolean, cannot_parse, integer, ref_id, resolve, since, unique_name
from . import virtual_wans

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/vpnSites"
LINK_TYPE = "Microsoft.Network/vpnSites/vpnSiteLinks"
CONN_TYPE = "microsoft.network/vpngateways/vpnconnections"
MAX_LINKS = 4
MAX_PREFIXES = 1000
FQDN_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")


def _ipv4(value: Any, what: str) -> str:
    try:
        addr = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise bad("InvalidVpnSiteIpAddress", f"The IP address {value!r} of {what} is not valid.") from None
    if addr.version != 4:
        raise bad("InvalidVpnSiteIpAddress", f"The IP address {value} of {what} must be IPv4.")
    return str(addr)


def _bgp(raw: Any, path: str, what: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise cannot_parse(path, raw, "BgpSettings")
    if raw.get("asn") in (None, 0) and not raw.get("bgpPeeringAddress"):
        return None
    asn = bgp.check_asn(raw.get("asn"), f"{path}.asn", what, on_premises=True)
    if asn is None:
        raise bad("VpnSiteBgpSettingsIncomplete", f"The BGP settings of {what} need an ASN.")
    addr = raw.get("bgpPeeringAddress")
    if not addr:
        raise bad("VpnSiteBgpSettingsIncomplete", f"The BGP settings of {what} need a bgpPeeringAddress.")
    out = {"asn": asn, "bgpPeeringAddress": str(bgp.parse_ip(addr, f"{path}.bgpPeeringAddress"))}
    if raw.get("peerWeight") is not None:
        out["peerWeight"] = integer(raw["peerWeight"], f"{path}.peerWeight")
    return out


class VpnSiteHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sid = new["id"]
        wan = ref_id(props.get("virtualWan"), "properties.virtualWan")
        if wan is None:
            raise bad("VpnSiteVirtualWanRequired", f"VPN site {sid} needs properties.virtualWan.")
        props["virtualWan"] = {"id": resolve(ctx, wan, sid, virtual_wans.TYPE)["id"]}
        links = props.get("vpnSiteLinks") or []
        if not isinstance(links, list):
            raise cannot_parse("properties.vpnSiteLinks", links, "VpnSiteLink[]")
        if len(links) > MAX_LINKS:
            raise bad("TooManyVpnSiteLinks", f"VPN site {sid} has {len(links)} links; a site has at most {MAX_LINKS}.")
        if links and props.get("ipAddress"):
            raise bad("VpnSiteCannotHaveIpAddressAndLinks",
                      f"VPN site {sid} has both a site ipAddress and vpnSiteLinks: give the addresses on the links.")
        out_links = []
        names: set[str] = set()
        for i, link in enumerate(links):
            out_links.append(self._link(link, i, sid, names))
        props["vpnSiteLinks"] = out_links
        if not links:
            if not props.get("ipAddress"):
                raise bad("VpnSiteIpAddressRequired", f"VPN site {sid} needs an ipAddress or vpnSiteLinks.")
            props["ipAddress"] = _ipv4(props["ipAddress"], f"VPN site {sid}")
        site_bgp = _bgp(props.get("bgpProperties"), "properties.bgpProperties", f"VPN site {sid}")
        if site_bgp is None:
            props.pop("bgpProperties", None)
        else:
            props["bgpProperties"] = site_bgp
        space = props.get("addressSpace") or {}
        if not isinstance(space, dict):
            raise cannot_parse("properties.addressSpace", space, "AddressSpace")
        prefixes = space.get("addressPrefixes") or []
        if not isinstance(prefixes, list):
            raise cannot_parse("properties.addressSpace.addressPrefixes", prefixes, "System.String[]")
        if len(prefixes) > MAX_PREFIXES:
            raise bad("TooManyVpnSiteAddressPrefixes", f"VPN site {sid} has more than {MAX_PREFIXES} prefixes.")
        nets = cidr.parse_prefixes(prefixes, sid)
        uses_bgp = site_bgp is not None or any(link["properties"].get("bgpProperties") for link in out_links)
        if not nets and not uses_bgp:
            raise bad("VpnSiteAddressSpaceRequired",
                      f"VPN site {sid} needs addressSpace.addressPrefixes unless BGP is configured.")
        props["addressSpace"] = {"addressPrefixes": [str(n) for n in nets]}
        device = props.get("deviceProperties") or {}
        if not isinstance(device, dict):
            raise cannot_parse("properties.deviceProperties", device, "DeviceProperties")
        speed = integer(device.get("linkSpeedInMbps"), "properties.deviceProperties.linkSpeedInMbps", 0)
        if speed is None or speed < 0:
            raise bad("InvalidLinkSpeed", f"linkSpeedInMbps of VPN site {sid} must not be negative.")
        if device:
            props["deviceProperties"] = {**device, "linkSpeedInMbps": speed}
        props["isSecuritySite"] = boolean(props.get("isSecuritySite"), "properties.isSecuritySite", False)
        key = props.get("siteKey")
        if key is not None and (not isinstance(key, str) or len(key) > 128 or
                                not all(32 < ord(c) < 127 for c in key)):
            raise bad("InvalidSiteKey", f"The siteKey of VPN site {sid} must be at most 128 printable characters.")

    def _link(self, link: Any, i: int, sid: str, names: set[str]) -> dict[str, Any]:
        path = f"properties.vpnSiteLinks[{i}]"
        if not isinstance(link, dict):
            raise cannot_parse(path, link, "VpnSiteLink")
        name = unique_name(link, names, "InvalidVpnSiteLinkName", f"Link {i} of VPN site {sid} needs a unique name.")
        lp = link.get("properties") or {}
        if not isinstance(lp, dict):
            raise cannot_parse(f"{path}.properties", lp, "VpnSiteLinkProperties")
        what = f"link {name} of VPN site {sid}"
        ip, fqdn = lp.get("ipAddress"), lp.get("fqdn")
        if not ip and not fqdn:
            raise bad("VpnSiteLinkIpAddressOrFqdnRequired", f"The {what} needs an ipAddress or an fqdn.")
        out: dict[str, Any] = {}
        if ip:
            out["ipAddress"] = _ipv4(ip, what)
        if fqdn:
            if not isinstance(fqdn, str) or not FQDN_RE.match(fqdn):
                raise bad("InvalidVpnSiteLinkFqdn", f"The fqdn {fqdn!r} of {what} is not a valid host name.")
            out["fqdn"] = fqdn
        provider = lp.get("linkProperties") or {}
        if not isinstance(provider, dict):
            raise cannot_parse(f"{path}.properties.linkProperties", provider, "VpnLinkProviderProperties")
        speed = integer(provider.get("linkSpeedInMbps"), f"{path}.properties.linkProperties.linkSpeedInMbps", 0)
        if speed is None or speed < 0:
            raise bad("InvalidLinkSpeed", f"linkSpeedInMbps of {what} must not be negative.")
        out["linkProperties"] = {"linkProviderName": provider.get("linkProviderName"), "linkSpeedInMbps": speed}
        link_bgp = _bgp(lp.get("bgpProperties"), f"{path}.properties.bgpProperties", what)
        if link_bgp is not None:
            out["bgpProperties"] = {"asn": link_bgp["asn"], "bgpPeeringAddress": link_bgp["bgpPeeringAddress"]}
        out["provisioningState"] = "Succeeded"
        return {"name": name, "id": f"{sid}/vpnSiteLinks/{name}", "type": LINK_TYPE, "properties": out}

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for rec in ctx.referrers(body["id"]):
            if rec.type.lower() == CONN_TYPE and \
                    normalize(ref_id(props_of(rec.body).get("remoteVpnSite"), "") or "") == normalize(body["id"]):
                raise bad("InUseVpnSiteCannotBeDeleted",
                          f"VPN site {body['id']} cannot be deleted because VPN connection {rec.id} uses it.")


def site_links(ctx: Ctx, site: dict[str, Any]) -> list[dict[str, Any]]:
    """The links of a VPN site as GET vpnSites/{site}/vpnSiteLinks shows them."""
    return [dict(link, etag=site.get("etag")) for link in props_of(site).get("vpnSiteLinks") or []]


REGISTRY.add(ResourceType(TYPE, since("2018-04-01"), model="VpnSite", hooks=VpnSiteHooks(), names=NameRule(1, 80)))
REGISTRY.add(ResourceType(LINK_TYPE, since("2019-04-01"), model="VpnSiteLink", location="none", names=NameRule(1, 80),
                          virtual=site_links))
