"""Microsoft.Network/localNetworkGateways: the on-premises side of a site-to-site connection.

- ``gatewayIpAddress`` (an IPv4 address) or ``fqdn`` (a DNS name): exactly one of them.
- ``localNetworkAddressSpace.addressPrefixes``: CIDR prefixes (may be empty when BGP carries the routes).
- ``bgpSettings``: the on-premises ASN (none of Azure's or IANA's reserved ASNs, not even 65515) and
  the device's BGP peer address, a single IP address.
- Cannot be deleted while a connection uses it."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..ref_checks import cannot_parse, since
from . import bgp

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/localNetworkGateways"
CONN_TYPE = "Microsoft.Network/connections"
FQDN_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")
MAX_PREFIXES = 1000


class LocalNetworkGatewayHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        gid = new["id"]
        ip, fqdn = props.get("gatewayIpAddress"), props.get("fqdn")
        if ip in (None, "") and fqdn in (None, ""):
            raise bad("LocalNetworkGatewayIpAddressOrFqdnRequired",
                      f"Local network gateway {gid} needs gatewayIpAddress or fqdn.")
        if ip not in (None, "") and fqdn not in (None, ""):
            raise bad("LocalNetworkGatewayCannotHaveBothIpAddressAndFqdn",
                      f"Local network gateway {gid} can have gatewayIpAddress or fqdn, not both.")
        if ip not in (None, ""):
            addr = bgp.parse_ip(ip, "properties.gatewayIpAddress")
            if addr.version != 4:
                raise bad("InvalidLocalNetworkGatewayIpAddress",
                          f"The gateway IP address {ip} of local network gateway {gid} must be an IPv4 address.")
            props["gatewayIpAddress"] = str(addr)
            props.pop("fqdn", None)
        else:
            if not isinstance(fqdn, str) or not FQDN_RE.match(fqdn):
                raise bad("InvalidLocalNetworkGatewayFqdn",
                          f"The FQDN {fqdn!r} of local network gateway {gid} is not a valid DNS name.")
            props.pop("gatewayIpAddress", None)
        space = props.get("localNetworkAddressSpace") or {}
        if not isinstance(space, dict):
            raise cannot_parse("properties.localNetworkAddressSpace", space, "AddressSpace")
        prefixes = space.get("addressPrefixes") or []
        if not isinstance(prefixes, list):
            raise cannot_parse("properties.localNetworkAddressSpace.addressPrefixes", prefixes, "System.String[]")
        if len(prefixes) > MAX_PREFIXES:
            raise bad("TooManyAddressPrefixes", f"Local network gateway {gid} has {len(prefixes)} address prefixes; "
                      f"at most {MAX_PREFIXES}.")
        nets = []
        for p in prefixes:
            try:
                net = ipaddress.ip_network(str(p), strict=False) if isinstance(p, str) else None
            except ValueError:
                net = None
            if net is None or str(p).count("/") != 1:
                raise bad("InvalidAddressPrefixFormat",
                          f"Address prefix {p!r} of local network gateway {gid} is not a valid CIDR prefix.")
            nets.append(str(net))
        props["localNetworkAddressSpace"] = {**space, "addressPrefixes": nets}
        raw = props.get("bgpSettings")
        if raw is not None:
            if not isinstance(raw, dict):
                raise cannot_parse("properties.bgpSettings", raw, "BgpSettings")
            asn = bgp.check_asn(raw.get("asn"), "properties.bgpSettings.asn", f"local network gateway {gid}",
                                on_premises=True)
            peer = raw.get("bgpPeeringAddress")
            if asn is None or not peer:
                raise bad("LocalNetworkGatewayBgpSettingsIncomplete",
                          f"BGP settings of local network gateway {gid} need asn and bgpPeeringAddress.")
            addr = bgp.parse_ip(peer, "properties.bgpSettings.bgpPeeringAddress")
            weight = raw.get("peerWeight", 0)
            if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
                raise bad("InvalidBgpPeerWeight", f"peerWeight {weight!r} of local network gateway {gid} must be 0-100.")
            props["bgpSettings"] = {"asn": asn, "bgpPeeringAddress": str(addr), "peerWeight": weight}
        if not nets and raw is None:
            raise bad("LocalNetworkGatewayAddressSpaceRequired",
                      f"Local network gateway {gid} needs address prefixes or BGP settings.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        import uuid

        old_props = (old or {}).get("properties") or {}
        new["properties"]["resourceGuid"] = old_props.get("resourceGuid") or str(uuid.uuid4())

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for rec in ctx.referrers(body["id"]):
            if rec.type.lower() == CONN_TYPE.lower():
                raise bad("InUseLocalNetworkGatewayCannotBeDeleted",
                          f"Local network gateway {body['id']} cannot be deleted because connection {rec.id} uses it. "
                          "Delete the connection first.")


REGISTRY.add(ResourceType(TYPE, since("2015-06-15"), model="LocalNetworkGateway",
                          hooks=LocalNetworkGatewayHooks(), names=NameRule(1, 80)))
