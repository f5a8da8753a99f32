"""Microsoft.Network/virtualNetworks: address space (IPv4 and IPv6), subnets and
peerings as inline children, DHCP DNS servers, flow timeout, encryption, DDoS
protection plan, BGP communities; the ``CheckIPAddressAvailability`` and
``usages`` actions; Azure's automatic Network Watcher for a region's first VNet.

Rules: prefixes in CIDR notation; an address-space change may not leave a
subnet outside it (NetcfgSubnetRangeOutsideVnet, raised by the subnet) nor make
the VNet overlap a peered VNet (VnetAddressSpacesOverlap); a VNet with a subnet
in use cannot be deleted (InUseSubnetCannotBeDeleted, raised by the subnet)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.regions import REGIONS
from ...arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from . import cidr, edge_zones, network_watchers, peerings
from . import subnets as sn
from .ref_checks import API_VERSIONS, boolean, cannot_parse, canonical, enum, integer, ref_id, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.VNET
DDOS_TYPE = typenames.DDOS_PLAN
BGP_COMMUNITY = re.compile(r"^12076:(\d{1,5})$")
REGION_INDEX = {r[0]: i for i, r in enumerate(REGIONS)}
READ_ONLY = ("flowLogs", "resourceGuid", "provisioningState")


def regional_community(location: str) -> str:
    """Azure gives each region its own 12076:5xxxx community (a stable stand-in per region)."""
    return f"12076:{50000 + REGION_INDEX.get(location, 999)}"


class VirtualNetworkHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        edge_zones.check(ctx, new, old)   # extendedLocation rules (edge_zones.py)
        vid = new["id"]
        space = props.get("addressSpace")
        if space is not None and not isinstance(space, dict):
            raise cannot_parse("properties.addressSpace", space, "AddressSpace")
        raw = (space or {}).get("addressPrefixes") or []
        if not isinstance(raw, list):
            raise cannot_parse("properties.addressSpace.addressPrefixes", raw,
                               "System.Collections.Generic.List`1[System.String]")
        nets = cidr.parse_prefixes(raw, vid)
        props["addressSpace"] = {**(space or {}), "addressPrefixes": [str(n) for n in nets]}
        self._dhcp(props, vid)
        timeout = integer(props.get("flowTimeoutInMinutes"), "properties.flowTimeoutInMinutes")
        if timeout is not None and not 4 <= timeout <= 30:
            raise ArmError(400, "InvalidFlowTimeoutInMinutes",
                           f"Virtual network {vid} has invalid flow timeout {timeout}. "
                           "The value must be between 4 and 30 minutes.")
        if timeout is None:
            props.pop("flowTimeoutInMinutes", None)
        else:
            props["flowTimeoutInMinutes"] = timeout
        props["enableDdosProtection"] = boolean(props.get("enableDdosProtection"),
                                                "properties.enableDdosProtection", False)
        props["enableVmProtection"] = boolean(props.get("enableVmProtection"), "properties.enableVmProtection", False)
        plan = ref_id(props.get("ddosProtectionPlan"), "properties.ddosProtectionPlan")
        if plan is not None:
            resolve(ctx, plan, vid, DDOS_TYPE)          # a plan may protect VNets in any region
            props["ddosProtectionPlan"] = {"id": canonical(ctx, plan)}
        else:
            props.pop("ddosProtectionPlan", None)
        self._encryption(props)
        self._bgp(props, vid, new["location"])
        props["privateEndpointVNetPolicies"] = enum(props.get("privateEndpointVNetPolicies"), ("Disabled", "Basic"),
                                                    "properties.privateEndpointVNetPolicies",
                                                    "PrivateEndpointVNetPolicies", "Disabled")
        if old is not None:
            peerings.check_space_against_peers(ctx, vid, nets)

    def _dhcp(self, props: dict[str, Any], vid: str) -> None:
        dhcp = props.get("dhcpOptions")
        if dhcp is None:
            return
        if not isinstance(dhcp, dict):
            raise cannot_parse("properties.dhcpOptions", dhcp, "DhcpOptions")
        servers = dhcp.get("dnsServers") or []
        if not isinstance(servers, list):
            raise cannot_parse("properties.dhcpOptions.dnsServers", servers,
                               "System.Collections.Generic.List`1[System.String]")
        for s in servers:
            if cidr.parse_ip(s) is None:
                raise ArmError(400, "InvalidDnsServerIpAddress",
                               f"DNS server {s} of virtual network {vid} is not a valid IP address.")
        props["dhcpOptions"] = {"dnsServers": [str(cidr.parse_ip(s)) for s in servers]}

    def _encryption(self, props: dict[str, Any]) -> None:
        enc = props.get("encryption")
        if enc is None:
            return
        if not isinstance(enc, dict):
            raise cannot_parse("properties.encryption", enc, "VirtualNetworkEncryption")
        enabled = boolean(enc.get("enabled"), "properties.encryption.enabled")
        if enabled is None:
            raise cannot_parse("properties.encryption.enabled", None, "System.Boolean")
        props["encryption"] = {"enabled": enabled,
                               "enforcement": enum(enc.get("enforcement"), ("DropUnencrypted", "AllowUnencrypted"),
                                                   "properties.encryption.enforcement",
                                                   "VirtualNetworkEncryptionEnforcement", "AllowUnencrypted")}

    def _bgp(self, props: dict[str, Any], vid: str, location: str) -> None:
        bgp = props.get("bgpCommunities")
        if bgp is None:
            return
        if not isinstance(bgp, dict):
            raise cannot_parse("properties.bgpCommunities", bgp, "VirtualNetworkBgpCommunities")
        value = bgp.get("virtualNetworkCommunity")
        m = BGP_COMMUNITY.match(value) if isinstance(value, str) else None
        if m is None or not 20000 <= int(m.group(1)) <= 49999:
            raise ArmError(400, "InvalidVirtualNetworkBgpCommunity",
                           f"BGP community {value} of virtual network {vid} is not valid. It must be of the form "
                           "12076:<value> with a value between 20000 and 49999.")
        props["bgpCommunities"] = {"virtualNetworkCommunity": value, "regionalCommunity": regional_community(location)}

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in READ_ONLY:
            props.pop(key, None)
        props["provisioningState"] = "Succeeded"
        props["resourceGuid"] = resource_guid(old)

    def validate_children(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sn.check_siblings(ctx, new["id"])

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is None:
            network_watchers.ensure_for_region(ctx, new["location"])

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        peerings.disconnect_peers_of(ctx, body["id"])


# -- actions -------------------------------------------------------------------------------------------

def _free_near(net: cidr.IPNetwork, ip: cidr.IPAddress, taken: set[cidr.IPAddress], count: int = 5) -> list[str]:
    base = int(net.network_address)
    start = int(ip) - base
    out: list[str] = []
    offsets = list(range(start, net.num_addresses)) + list(range(0, start))
    for off in offsets:
        cand = ipaddress.ip_address(base + off)
        if not cidr.is_reserved(net, cand) and cand not in taken:
            out.append(str(cand))
            if len(out) == count:
                break
    return out


def check_ip_availability(ctx: Ctx, vnet: dict[str, Any], payload: Any) -> tuple[int, Any]:
    value = ctx.arg("ipAddress")
    ip = cidr.parse_ip(value)
    if ip is None:
        raise ArmError(400, "InvalidIPAddress" if value else "MissingRequiredParameter",
                       f"The IP address '{value}' is not valid." if value
                       else "The query parameter 'ipAddress' is required.")
    for rec in ctx.children(vnet["id"], sn.TYPE):
        for net in sn.prefixes_of(rec.body):
            if ip.version != net.version or ip not in net:
                continue
            taken = set(sn.claimed_ips(ctx, rec.id))
            reserved = cidr.is_reserved(net, ip)
            if not reserved and ip not in taken:
                return 200, {"available": True}
            return 200, {"available": False, "availableIPAddresses": _free_near(net, ip, taken),
                         "isPlatformReserved": reserved}
    return 200, {"available": False, "availableIPAddresses": []}


def usages(ctx: Ctx, vnet: dict[str, Any], payload: Any) -> tuple[int, Any]:
    out = []
    for rec in ctx.children(vnet["id"], sn.TYPE):
        nets = [n for n in sn.prefixes_of(rec.body) if n.version == 4]
        used = [ip for ip in sn.claimed_ips(ctx, rec.id) if any(ip in n for n in nets)]
        out.append({"currentValue": float(len(used)), "id": rec.id, "limit": float(sum(cidr.usable_count(n)
                                                                                          for n in nets)),
                    "name": {"localizedValue": "Subnet size and usage", "value": "SubnetSpace"}, "unit": "Count"})
    return 200, {"value": out}


REGISTRY.add(ResourceType(
    TYPE, API_VERSIONS, model="VirtualNetwork", hooks=VirtualNetworkHooks(),
    inline_children={"subnets": sn.TYPE, "virtualNetworkPeerings": peerings.TYPE},
    keep_children_when_absent=frozenset({"virtualNetworkPeerings"}),
    names=NameRule(2, 64),
    actions=[Action("CheckIPAddressAvailability", check_ip_availability, method="GET"),
             Action("usages", usages, method="GET")]))
