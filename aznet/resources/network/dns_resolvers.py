"""Azure DNS Private Resolver (azure-mgmt-dnsresolver): dnsResolvers with
inboundEndpoints and outboundEndpoints, dnsForwardingRulesets with
forwardingRules and virtualNetworkLinks.

Rules (Azure's documented limits; codes are best readings):
- A resolver names a VNet in its own region; one resolver per VNet; it cannot be
  deleted while it has endpoints, nor an outbound endpoint while a ruleset uses it.
- Endpoints live in the resolver's region, each in its own subnet of the
  resolver's VNet, /28 to /24, delegated to Microsoft.Network/dnsResolvers and
  used by no other endpoint. An inbound endpoint has one IP configuration and
  gets an address of the subnet (Dynamic, or the Static one asked for).
- A ruleset names 1-2 outbound endpoints in its region; forwarding rules have a
  fully qualified domain name (ending with a dot, two labels at least, or the
  wildcard ``.``), 1-6 target DNS servers (IPv4, port 1-65535, default 53),
  state Enabled / Disabled; at most 1000 rules per ruleset, unique domains.
- A virtual network link names a VNet in the ruleset's region; a VNet links to
  one ruleset at most; one ruleset links at most 500 VNets.

The data plane (aznet.dataplane.dns_resolver) gives each inbound endpoint a
listener of its own and applies the forwarding rules of rulesets linked to the
resolver's VNet; targets must be loopback addresses on this machine."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...arm.versions import supported
from .ip_allocation import allocator, parse_ip, subnet_prefixes
from .ref_checks import location_of, ref_id

if TYPE_CHECKING:
    from ...arm.context import Ctx

RESOLVER = typenames.DNS_RESOLVER
INBOUND = typenames.DNS_RESOLVER_INBOUND
OUTBOUND = typenames.DNS_RESOLVER_OUTBOUND
RULESET = typenames.DNS_FORWARDING_RULESET
RULE = typenames.DNS_FORWARDING_RULE
LINK = typenames.DNS_FORWARDING_LINK
VNET = "microsoft.network/virtualnetworks"
SUBNET = "microsoft.network/virtualnetworks/subnets"
DELEGATION = "Microsoft.Network/dnsResolvers"
API_VERSIONS = supported("dnsresolver")
MAX_RULES, MAX_LINKS, MAX_TARGETS = 1000, 500, 6
LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def bad(code: str, message: str, status: int = 400) -> ArmError:
    return ArmError(status, code, message)


def _ref(ctx: Ctx, value: Any, path: str, rtype: str, owner: str) -> Any:
    rid = ref_id(value, path)
    rec = ctx.record(rid) if rid else None
    if rec is None or rec.type.lower() != rtype:
        raise bad("InvalidResourceReference", f"Resource {rid} referenced by {owner} at {path} was not found.")
    return rec


def resolver_of(child_id: str) -> str:
    return child_id.rsplit("/", 2)[0]


def endpoint_subnets(ctx: Ctx, except_id: str) -> dict[str, str]:
    """subnet key -> endpoint id, for every resolver endpoint but ``except_id``."""
    out: dict[str, str] = {}
    for rtype in (INBOUND, OUTBOUND):
        for rec in ctx.of_type(rtype):
            if rec.key == normalize(except_id):
                continue
            for sid in _subnets_of(rec.body):
                out[normalize(sid)] = rec.id
    return out


def _subnets_of(body: dict[str, Any]) -> list[str]:
    props = body.get("properties") or {}
    out = [ref_id(c.get("subnet")) for c in props.get("ipConfigurations") or [] if isinstance(c, dict)]
    out.append(ref_id(props.get("subnet")))
    return [s for s in out if s]


def check_endpoint_subnet(ctx: Ctx, new: dict[str, Any], value: Any, path: str) -> Any:
    resolver = ctx.body(resolver_of(new["id"])) or {}
    vnet = ref_id((resolver.get("properties") or {}).get("virtualNetwork")) or ""
    sub = _ref(ctx, value, path, SUBNET, new["id"])
    if not normalize(sub.id).startswith(normalize(vnet) + "/"):
        raise bad("DnsResolverEndpointSubnetNotInVirtualNetwork",
                  f"Subnet {sub.id} of {new['id']} must be in the resolver's virtual network {vnet}.")
    nets = [n for n in subnet_prefixes(sub.body) if n.version == 4]
    if not nets or not 24 <= nets[0].prefixlen <= 28:
        raise bad("DnsResolverEndpointSubnetSizeInvalid",
                  f"Subnet {sub.id} must be between /28 and /24 to hold a DNS resolver endpoint.")
    dels = [str((d.get("properties") or {}).get("serviceName", "")) for d in
            (sub.body.get("properties") or {}).get("delegations") or [] if isinstance(d, dict)]
    if not any(d.lower() == DELEGATION.lower() for d in dels):
        raise bad("DnsResolverEndpointSubnetNotDelegated",
                  f"Subnet {sub.id} must be delegated to {DELEGATION} to hold a DNS resolver endpoint.")
    other = endpoint_subnets(ctx, new["id"]).get(sub.key)
    if other is not None:
        raise bad("DnsResolverEndpointSubnetInUse", f"Subnet {sub.id} is already used by DNS resolver endpoint "
                  f"{other}: each endpoint needs a subnet of its own.")
    return sub


def _same_region(ctx: Ctx, new: dict[str, Any], parent_id: str) -> None:
    where = (ctx.body(parent_id) or {}).get("location")
    if new.get("location") is None and where:
        new["location"] = where
    if where and new.get("location") != where:
        raise bad("LocationMismatch", f"{new['id']} must be in {where}, the region of {parent_id}.")


class ResolverHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        vnet = _ref(ctx, props.get("virtualNetwork"), "properties.virtualNetwork", VNET, new["id"])
        if vnet.body.get("location") != new["location"]:
            raise bad("LocationMismatch", f"DNS resolver {new['id']} must be in the region of its virtual network "
                      f"({vnet.body.get('location')}).")
        if old is not None and normalize(ref_id(old["properties"].get("virtualNetwork")) or "") != vnet.key:
            raise bad("DnsResolverVirtualNetworkCannotBeChanged", "The virtual network of a DNS resolver cannot "
                      "be changed.")
        for rec in ctx.of_type(RESOLVER):
            if rec.key != normalize(new["id"]) and \
                    normalize(ref_id((rec.body.get("properties") or {}).get("virtualNetwork")) or "") == vnet.key:
                raise bad("DnsResolverAlreadyExistsInVirtualNetwork",
                          f"Virtual network {vnet.id} already has DNS resolver {rec.id}.")
        props["virtualNetwork"] = {"id": vnet.id}

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["resourceGuid"] = resource_guid(old)
        props["dnsResolverState"] = "Connected"

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        kids = ctx.children(body["id"])
        if kids:
            raise bad("DnsResolverHasEndpoints", f"DNS resolver {body['id']} cannot be deleted while it has "
                      f"endpoints: delete {kids[0].id} first.", 409)


class InboundHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        _same_region(ctx, new, resolver_of(new["id"]))
        cfgs = new["properties"].get("ipConfigurations")
        if not isinstance(cfgs, list) or len(cfgs) != 1 or not isinstance(cfgs[0], dict):
            raise bad("InboundEndpointMustHaveOneIpConfiguration",
                      f"Inbound endpoint {new['id']} must have exactly one IP configuration.")
        cfg = cfgs[0]
        sub = check_endpoint_subnet(ctx, new, cfg.get("subnet"), "properties.ipConfigurations[0].subnet")
        method = cfg.get("privateIpAllocationMethod", "Dynamic")
        if method not in ("Dynamic", "Static"):
            raise bad("InvalidPrivateIpAllocationMethod", "privateIpAllocationMethod must be Dynamic or Static.")
        old_ip = (((old or {}).get("properties") or {}).get("ipConfigurations") or [{}])[0].get("privateIpAddress")
        nets = [n for n in subnet_prefixes(sub.body) if n.version == 4]
        if method == "Static":
            ip = parse_ip(cfg.get("privateIpAddress"))
            if ip is None or not any(ip in n for n in nets):
                raise bad("InvalidPrivateIpAddress", f"Static address {cfg.get('privateIpAddress')} is not in subnet "
                          f"{sub.id}.")
            addr = str(allocator(ctx).static(sub.id, nets, ip, new["id"], new["id"]))
        elif old_ip and any(parse_ip(old_ip) in n for n in nets):  # type: ignore[operator]
            addr = old_ip
        else:
            addr = str(allocator(ctx).dynamic(sub.id, sub.body["name"], nets, 4, new["id"], new["id"]))
        new["properties"]["ipConfigurations"] = [{"subnet": {"id": sub.id}, "privateIpAddress": addr,
                                                  "privateIpAllocationMethod": method}]
        new.setdefault("_aznet", {})["ipClaims"] = [{"subnet": sub.id, "ip": addr, "ipConfiguration": new["id"]}]

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["resourceGuid"] = resource_guid(old)


class OutboundHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        _same_region(ctx, new, resolver_of(new["id"]))
        sub = check_endpoint_subnet(ctx, new, new["properties"].get("subnet"), "properties.subnet")
        new["properties"]["subnet"] = {"id": sub.id}

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["resourceGuid"] = resource_guid(old)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for rec in ctx.of_type(RULESET):
            refs = (rec.body.get("properties") or {}).get("dnsResolverOutboundEndpoints") or []
            if any(normalize(str(r.get("id"))) == normalize(body["id"]) for r in refs if isinstance(r, dict)):
                raise bad("OutboundEndpointInUse", f"Outbound endpoint {body['id']} is used by DNS forwarding "
                          f"ruleset {rec.id}.", 409)


class RulesetHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        refs = new["properties"].get("dnsResolverOutboundEndpoints")
        if not isinstance(refs, list) or not 1 <= len(refs) <= 2:
            raise bad("InvalidDnsResolverOutboundEndpoints",
                      f"DNS forwarding ruleset {new['id']} must name one or two outbound endpoints.")
        out = []
        for i, r in enumerate(refs):
            rec = _ref(ctx, r, f"properties.dnsResolverOutboundEndpoints[{i}]", OUTBOUND.lower(), new["id"])
            if rec.body.get("location") != new["location"]:
                raise bad("LocationMismatch", f"Outbound endpoint {rec.id} must be in the ruleset's region "
                          f"{new['location']}.")
            out.append({"id": rec.id})
        new["properties"]["dnsResolverOutboundEndpoints"] = out

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["resourceGuid"] = resource_guid(old)


def check_domain(name: Any) -> str:
    if not isinstance(name, str) or not name.endswith("."):
        raise bad("InvalidDomainName", f"Domain name '{name}' must be fully qualified (end with a dot).")
    if name == ".":
        return name
    labels = name[:-1].split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels) or len(name) > 254:
        raise bad("InvalidDomainName", f"Domain name '{name}' is not a valid fully qualified domain name with at "
                  "least two labels.")
    return name.lower()


class RuleHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["domainName"] = check_domain(props.get("domainName"))
        ruleset = resolver_of(new["id"])
        siblings = [r for r in ctx.children(ruleset, RULE) if r.key != normalize(new["id"])]
        if len(siblings) >= MAX_RULES:
            raise bad("ForwardingRuleLimitReached", f"A DNS forwarding ruleset holds at most {MAX_RULES} rules.")
        for r in siblings:
            if (r.body.get("properties") or {}).get("domainName") == props["domainName"]:
                raise bad("ForwardingRuleDomainNameConflict", f"Forwarding rule {r.body['name']} of the ruleset "
                          f"already forwards {props['domainName']}.", 409)
        targets = props.get("targetDnsServers")
        if not isinstance(targets, list) or not 1 <= len(targets) <= MAX_TARGETS:
            raise bad("InvalidTargetDnsServers", f"A forwarding rule needs 1 to {MAX_TARGETS} target DNS servers.")
        clean = []
        for i, t in enumerate(targets):
            low = {str(k).lower(): v for k, v in t.items()} if isinstance(t, dict) else {}
            addr = low.get("ipaddress")                     # members match case-insensitively
            port = low.get("port", 53) if isinstance(t, dict) else None
            try:
                ip = ipaddress.IPv4Address(str(addr))
            except ValueError:
                raise bad("InvalidTargetDnsServers", f"targetDnsServers[{i}].ipAddress '{addr}' is not an IPv4 "
                          "address.") from None
            if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
                raise bad("InvalidTargetDnsServers", f"targetDnsServers[{i}].port must be 1-65535.")
            clean.append({"ipAddress": str(ip), "port": port})
        props["targetDnsServers"] = clean
        state = props.get("forwardingRuleState", "Enabled")
        if state not in ("Enabled", "Disabled"):
            raise bad("InvalidForwardingRuleState", "forwardingRuleState must be Enabled or Disabled.")
        props["forwardingRuleState"] = state
        meta = props.get("metadata")
        if meta is not None and (not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values())):
            raise bad("InvalidMetadata", "metadata must map names to strings.")


class LinkHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        ruleset = resolver_of(new["id"])
        vnet = _ref(ctx, props.get("virtualNetwork"), "properties.virtualNetwork", VNET, new["id"])
        if location_of(ctx, vnet.id) != (ctx.body(ruleset) or {}).get("location"):
            raise bad("LocationMismatch", f"Virtual network {vnet.id} must be in the ruleset's region.")
        for rec in ctx.of_type(LINK):
            if rec.key == normalize(new["id"]):
                continue
            if normalize(ref_id((rec.body.get("properties") or {}).get("virtualNetwork")) or "") == vnet.key:
                raise bad("VirtualNetworkAlreadyLinkedToRuleset",
                          f"Virtual network {vnet.id} is already linked to a DNS forwarding ruleset by {rec.id}.", 409)
        if len([r for r in ctx.children(ruleset, LINK) if r.key != normalize(new["id"])]) >= MAX_LINKS:
            raise bad("VirtualNetworkLinkLimitReached", f"A ruleset links at most {MAX_LINKS} virtual networks.")
        props["virtualNetwork"] = {"id": vnet.id}


REGISTRY.add(ResourceType(RESOLVER, API_VERSIONS, model="DnsResolver", schema_package="dnsresolver",
                          hooks=ResolverHooks(), names=NameRule(1, 80)))
REGISTRY.add(ResourceType(INBOUND, API_VERSIONS, model="InboundEndpoint", schema_package="dnsresolver",
                          hooks=InboundHooks(), location="optional", names=NameRule(1, 80)))
REGISTRY.add(ResourceType(OUTBOUND, API_VERSIONS, model="OutboundEndpoint", schema_package="dnsresolver",
                          hooks=OutboundHooks(), location="optional", names=NameRule(1, 80)))
REGISTRY.add(ResourceType(RULESET, API_VERSIONS, model="DnsForwardingRuleset", schema_package="dnsresolver",
                          hooks=RulesetHooks(), names=NameRule(1, 80)))
REGISTRY.add(ResourceType(RULE, API_VERSIONS, model="ForwardingRule", schema_package="dnsresolver",
                          hooks=RuleHooks(), location="none", long_running=False, names=NameRule(1, 80)))
REGISTRY.add(ResourceType(LINK, API_VERSIONS, model="VirtualNetworkLink", schema_package="dnsresolver",
                          hooks=LinkHooks(), location="none", names=NameRule(1, 80)))
