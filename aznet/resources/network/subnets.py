"""Microsoft.Network/virtualNetworks/subnets.

Rules (Azure's codes): prefixes in CIDR notation (InvalidAddressPrefixFormat /
InvalidCIDRNotation), inside the VNet's address space (NetcfgSubnetRangeOutsideVnet),
not overlapping a sibling (NetcfgSubnetRangesOverlap), sizes and reserved names
(NetcfgInvalidSubnet), linked NSG / route table / NAT gateway / service endpoint
policies existing in the VNet's region (InvalidResourceReference), known service
endpoints (SubnetHasServiceEndpointWithInvalidServiceName), no delete
(InUseSubnetCannotBeDeleted) or prefix change away from used addresses
(InUseSubnetCannotBeUpdated) while something uses the subnet.

Back-references (ipConfigurations, privateEndpoints) are computed at read time
from the resources that point at the subnet.

Public API for other types: ``users(ctx, subnet_id)``, ``claimed_ips(ctx, subnet_id)``,
``check_in_use(ctx, body)`` and ``check_siblings(ctx, vnet_id)`` (a VNet PUT's
``validate_children``: its subnets are checked against each other once all are written)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..retirements import private_by_default
from . import bastion_nsg, cidr
from .ip_allocation import claims_in
from .ref_checks import API_VERSIONS, boolean, cannot_parse, canonical, enum, ref_id, resolve
from .subnet_features import delegations, service_endpoints

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.SUBNET
NSG_TYPE = typenames.NSG
ROUTE_TABLE_TYPE = typenames.ROUTE_TABLE
NAT_TYPE = typenames.NAT_GATEWAY
SEP_TYPE = typenames.SERVICE_ENDPOINT_POLICY
PE_TYPE = typenames.PRIVATE_ENDPOINT.lower()
APPGW_TYPE = typenames.APPLICATION_GATEWAY.lower()
NOT_IPCONFIG_HOLDERS = {PE_TYPE, "microsoft.network/privatelinkservices"}
READ_ONLY = ("ipConfigurations", "ipConfigurationProfiles", "privateEndpoints", "resourceNavigationLinks",
             "serviceAssociationLinks", "purpose", "applicationGatewayIPConfigurations", "ipAllocations")

# name -> smallest allowed prefix length for IPv4 (Azure's documented minimums). AzureBastionSubnet,
# AzureFirewallSubnet and AzureFirewallManagementSubnet (/26) are not refused here: Azure accepts the
# subnet and refuses the Bastion host or firewall placed in it (bastion_hosts.py, azure_firewalls.py).
RESERVED_MIN = {"routeserversubnet": 27, "gatewaysubnet": 29}
RESERVED_NAMES = {"azurefirewallsubnet", "azurefirewallmanagementsubnet", "azurebastionsubnet", *RESERVED_MIN}
SMALLEST_IPV4 = 29
IPV6_LENGTH = 64


# -- helpers ----------------------------------------------------------------------------------

def vnet_of(subnet_id: str) -> str:
    return subnet_id.rsplit("/subnets/", 1)[0]


def prefixes_of(body: dict[str, Any]) -> list[cidr.IPNetwork]:
    props = body.get("properties") or {}
    raw = ([props["addressPrefix"]] if props.get("addressPrefix") else []) + list(props.get("addressPrefixes") or [])
    out = [n for n in (cidr.try_parse(p) for p in raw) if n is not None]
    return list(dict.fromkeys(out))


def vnet_space(vnet_body: dict[str, Any] | None) -> list[cidr.IPNetwork]:
    space = ((vnet_body or {}).get("properties") or {}).get("addressSpace") or {}
    return [n for n in (cidr.try_parse(p) for p in space.get("addressPrefixes") or []) if n is not None]


def users(ctx: Ctx, subnet_id: str) -> list[tuple[str, str]]:
    """(resource type, id shown) of everything that uses the subnet: ipconfig ids where known."""
    own = normalize(subnet_id)
    out: list[tuple[str, str]] = []
    for rec in ctx.referrers(subnet_id):
        shown = _ipconfigs_in(rec.body, own, rec.type.lower())
        for c in claims_in(rec.body, rec.id):
            if c.subnet == own and c.ipconfig not in shown:
                shown.append(c.ipconfig)
        if rec.type.lower() in NOT_IPCONFIG_HOLDERS or not shown:
            out.append((rec.type, rec.id))
        else:
            out.extend((rec.type, s) for s in shown)
    return out


def _ipconfigs_in(body: dict[str, Any], subnet_key: str, rtype: str) -> list[str]:
    """Ids of nested objects (not the resource itself) whose properties.subnet is the subnet."""
    found: list[str] = []
    if rtype in NOT_IPCONFIG_HOLDERS:
        return found

    def walk(node: Any, top: bool) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if not top and isinstance(props, dict) and isinstance(node.get("id"), str):
                sub = props.get("subnet")
                if isinstance(sub, dict) and isinstance(sub.get("id"), str) and normalize(sub["id"]) == subnet_key:
                    found.append(node["id"])
            for k, v in node.items():
                if k != "_aznet":
                    walk(v, False)
        elif isinstance(node, list):
            for item in node:
                walk(item, False)

    walk(body, True)
    return found


def claimed_ips(ctx: Ctx, subnet_id: str) -> list[cidr.IPAddress]:
    own = normalize(subnet_id)
    out = []
    for rec in ctx.referrers(subnet_id):
        out.extend(c.ip for c in claims_in(rec.body, rec.id) if c.subnet == own)
    return out


def check_in_use(ctx: Ctx, body: dict[str, Any]) -> None:
    used = users(ctx, body["id"])
    if used:
        raise ArmError(400, "InUseSubnetCannotBeDeleted",
                       f"Subnet {body['name']} is in use by {used[0][1]} and cannot be deleted. In order to delete "
                       "the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.")


def invalid_subnet(name: str, vnet: str, why: str = "") -> ArmError:
    return ArmError(400, "NetcfgInvalidSubnet",
                    f"Subnet '{name}' is not valid in virtual network '{vnet}'." + (f" {why}" if why else ""))


def check_siblings(ctx: Ctx, vnet_id: str) -> None:
    """No two subnets of the VNet overlap (run once all of a VNet PUT's subnets are written)."""
    vnet_name = vnet_id.rstrip("/").rsplit("/", 1)[-1]
    seen: list[tuple[str, list[cidr.IPNetwork]]] = []
    for rec in ctx.children(vnet_id, TYPE):
        mine = prefixes_of(rec.body)
        for _, theirs in seen:
            if cidr.first_overlap(mine, theirs):
                raise overlap_error(rec.body["name"], vnet_name)
        seen.append((rec.body["name"], mine))


def overlap_error(name: str, vnet_name: str) -> ArmError:
    return ArmError(400, "NetcfgSubnetRangesOverlap",
                    f"Subnet '{name}' is not valid because its IP address range overlaps with that of an existing "
                    f"subnet in virtual network '{vnet_name}'.")


# -- the hooks ----------------------------------------------------------------------------------------

class SubnetHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sid = new["id"]
        name = new["name"]
        vnet_id = vnet_of(sid)
        vnet_name = vnet_id.rsplit("/", 1)[-1]
        vnet = ctx.body(vnet_id) or {}
        location = vnet.get("location")
        nets = self._prefixes(props, sid, name, vnet_name)
        space = vnet_space(vnet)
        for net in nets:
            if not cidr.contained(net, space):
                raise ArmError(400, "NetcfgSubnetRangeOutsideVnet",
                               f"Subnet '{name}' is not valid because its IP address range is outside the IP "
                               f"address range of virtual network '{vnet_name}'.")
        if cidr.self_overlap(nets):
            raise overlap_error(name, vnet_name)
        if not ctx.in_children_batch(vnet_id):        # a VNet PUT checks its subnets together afterwards
            for rec in ctx.children(vnet_id, TYPE):
                if rec.key != normalize(sid) and cidr.first_overlap(nets, prefixes_of(rec.body)):
                    raise overlap_error(name, vnet_name)
        if old is not None and prefixes_of(old) != nets:
            for ip in claimed_ips(ctx, sid):
                if not any(ip in n and not cidr.is_reserved(n, ip) for n in nets if n.version == ip.version):
                    raise ArmError(400, "InUseSubnetCannotBeUpdated",
                                   f"Subnet {name} is in use and cannot be updated. Its address prefix must keep "
                                   f"the address {ip} that is allocated in it.")
        for key, rtype in (("networkSecurityGroup", NSG_TYPE), ("routeTable", ROUTE_TABLE_TYPE),
                           ("natGateway", NAT_TYPE)):
            rid = ref_id(props.get(key), f"properties.{key}")
            if rid is None:
                props.pop(key, None)
                continue
            resolve(ctx, rid, sid, rtype, location)
            props[key] = {"id": canonical(ctx, rid)}
        self._reserved_names(props, name, vnet_name, nets)
        nsg = ref_id(props.get("networkSecurityGroup"))
        old_nsg = ref_id(((old or {}).get("properties") or {}).get("networkSecurityGroup"))
        if name.lower() == "azurebastionsubnet" and nsg is not None and normalize(nsg) != normalize(old_nsg or ""):
            bastion_nsg.check(ctx, nsg, new, vnet)
        policies = props.get("serviceEndpointPolicies")
        if policies is not None:
            if not isinstance(policies, list):
                raise cannot_parse("properties.serviceEndpointPolicies", policies, "ServiceEndpointPolicy[]")
            refs = []
            for j, p in enumerate(policies):
                rid = ref_id(p, f"properties.serviceEndpointPolicies[{j}]")
                if rid is not None:
                    resolve(ctx, rid, sid, SEP_TYPE, location)
                    refs.append({"id": canonical(ctx, rid)})
            props["serviceEndpointPolicies"] = refs
        props["serviceEndpoints"] = service_endpoints(props.get("serviceEndpoints"), sid, location or "")
        props["delegations"] = delegations(props.get("delegations"), sid)
        props["privateEndpointNetworkPolicies"] = enum(
            props.get("privateEndpointNetworkPolicies"),
            ("Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"),
            "properties.privateEndpointNetworkPolicies", "VirtualNetworkPrivateEndpointNetworkPolicies", "Disabled")
        props["privateLinkServiceNetworkPolicies"] = enum(
            props.get("privateLinkServiceNetworkPolicies"), ("Enabled", "Disabled"),
            "properties.privateLinkServiceNetworkPolicies", "VirtualNetworkPrivateLinkServiceNetworkPolicies",
            "Enabled")
        dob = boolean(props.get("defaultOutboundAccess"), "properties.defaultOutboundAccess")
        if dob is None and old is None and private_by_default(ctx.api_version):
            dob = False                       # private subnets by default (api-version 2025-07-01 and later)
        if dob is None:
            props.pop("defaultOutboundAccess", None)
        else:
            props["defaultOutboundAccess"] = dob

    def _prefixes(self, props: dict[str, Any], sid: str, name: str, vnet_name: str) -> list[cidr.IPNetwork]:
        single = props.get("addressPrefix")
        many = props.get("addressPrefixes")
        if many is not None and not isinstance(many, list):
            raise cannot_parse("properties.addressPrefixes", many, "System.Collections.Generic.List`1[System.String]")
        raw = ([single] if single not in (None, "") else []) + list(many or [])
        if not raw:
            raise invalid_subnet(name, vnet_name, "The subnet must have an address prefix.")
        nets = cidr.parse_prefixes(raw, sid)
        if single not in (None, "") and many:
            raise invalid_subnet(name, vnet_name, "Specify either addressPrefix or addressPrefixes, not both.")
        for net in nets:
            if net.version == 4 and net.prefixlen > SMALLEST_IPV4:
                raise invalid_subnet(name, vnet_name,
                                     f"The prefix {net} is smaller than the smallest supported subnet (/29).")
            if net.version == 6 and net.prefixlen != IPV6_LENGTH:
                raise invalid_subnet(name, vnet_name, f"IPv6 subnet prefix {net} must be a /64.")
        if sum(1 for n in nets if n.version == 6) > 1:
            raise invalid_subnet(name, vnet_name, "A subnet can have at most one IPv6 prefix.")
        if single not in (None, ""):
            props["addressPrefix"] = str(nets[0])
            props.pop("addressPrefixes", None)
        else:
            props["addressPrefixes"] = [str(n) for n in nets]
            props.pop("addressPrefix", None)
        return nets

    def _reserved_names(self, props: dict[str, Any], name: str, vnet_name: str, nets: list[cidr.IPNetwork]) -> None:
        low = name.lower()
        if low not in RESERVED_NAMES:
            return
        need = RESERVED_MIN.get(low, 32)
        for net in nets:
            if net.version == 4 and net.prefixlen > need:
                raise invalid_subnet(name, vnet_name, f"{name} must be /{need} or larger.")
        if low == "azurebastionsubnet" and props.get("routeTable"):
            raise invalid_subnet(name, vnet_name, "A route table cannot be associated with AzureBastionSubnet.")
        if low in ("azurefirewallsubnet", "azurefirewallmanagementsubnet", "gatewaysubnet", "routeserversubnet") \
                and props.get("networkSecurityGroup") and low != "gatewaysubnet":
            raise invalid_subnet(name, vnet_name, f"A network security group cannot be associated with {name}.")
        if props.get("delegations"):
            raise invalid_subnet(name, vnet_name, f"{name} cannot be delegated.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in READ_ONLY:
            props.pop(key, None)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        check_in_use(ctx, body)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        ipconfigs: list[dict[str, str]] = []
        pes: list[dict[str, str]] = []
        gateways: list[dict[str, str]] = []
        for rtype, shown in users(ctx, body["id"]):
            if rtype.lower() == PE_TYPE:
                pes.append({"id": shown})
            elif rtype.lower() == APPGW_TYPE:
                gateways.append({"id": shown})
            elif rtype.lower() not in NOT_IPCONFIG_HOLDERS:
                ipconfigs.append({"id": shown})
        if ipconfigs:
            props["ipConfigurations"] = ipconfigs
        if pes:
            props["privateEndpoints"] = pes
        if gateways:
            props["applicationGatewayIPConfigurations"] = gateways


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="Subnet", location="none", hooks=SubnetHooks(),
                          names=NameRule(1, 80)))
