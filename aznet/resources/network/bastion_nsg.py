"""The NSG rules Azure requires on AzureBastionSubnet ("Working with NSG access
and Azure Bastion"), checked by evaluating the NSG (its rules and the default
rules, in priority order) on the flows Bastion needs, so any rule set that lets
them through passes, whatever its rule names or priorities:

Inbound: TCP 443 from the Internet; TCP 443 from GatewayManager; TCP 443 from
AzureLoadBalancer; TCP 8080 and 5701 from VirtualNetwork (data plane).
Outbound: TCP 22 and 3389 to VirtualNetwork; TCP 8080 and 5701 to
VirtualNetwork; TCP 443 to AzureCloud; TCP 80 to the Internet.

Azure's error (seen in real responses): 400 NetworkSecurityGroupNotCompliantForAzureBastionSubnet,
"Network security group X does not have necessary rules for Azure Bastion Subnet AzureBastionSubnet.",
raised when such an NSG is associated with the subnet and when a Bastion host is created there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...netmodel.acl import compile_nsg
from ...netmodel.addr import IntervalSet, parse_prefix, prefix_ranges, try_ip
from ...netmodel.service_tags import lookup
from .ip_allocation import subnet_prefixes

if TYPE_CHECKING:
    from ...arm.context import Ctx

BASTION_SUBNET = "AzureBastionSubnet"
INTERNET_SAMPLE = "203.0.113.10"        # TEST-NET-3: in the Internet tag, in no Azure tag


def _tag_sample(tag: str) -> int | None:
    found = lookup(tag)
    for p in found[1] if found else ():
        try:
            lo, hi, _ = parse_prefix(p)
        except ValueError:
            continue
        if ":" not in p:
            return lo + 1 if hi > lo else lo
    return None


def missing_flows(nsg: dict[str, Any], subnet_body: dict[str, Any], vnet_body: dict[str, Any]) -> list[str]:
    """The required Bastion flows the NSG does not allow (empty when compliant)."""
    props = nsg.get("properties") or {}
    acl = compile_nsg(nsg["id"], nsg, list(props.get("securityRules") or []), None)
    space_pfx = ((vnet_body.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []
    ranges = prefix_ranges(space_pfx)
    space = IntervalSet(ranges)
    nets = [n for n in subnet_prefixes(subnet_body) if n.version == 4]
    if not nets or not ranges:
        return []
    me = try_ip(str(nets[0].network_address + 4))
    if me is None:
        return []
    peer = me + 1                       # any VirtualNetwork address (the tag covers the subnet too)
    internet = try_ip(INTERNET_SAMPLE)
    flows: list[tuple[str, str, int | None, int | None, int]] = [
        ("Inbound", "Internet", internet, me, 443),
        ("Inbound", "GatewayManager", _tag_sample("GatewayManager"), me, 443),
        ("Inbound", "AzureLoadBalancer", try_ip("168.63.129.16"), me, 443),
        ("Inbound", "VirtualNetwork", peer, me, 8080),
        ("Inbound", "VirtualNetwork", peer, me, 5701),
        ("Outbound", "VirtualNetwork", me, peer, 22),
        ("Outbound", "VirtualNetwork", me, peer, 3389),
        ("Outbound", "VirtualNetwork", me, peer, 8080),
        ("Outbound", "VirtualNetwork", me, peer, 5701),
        ("Outbound", "AzureCloud", me, _tag_sample("AzureCloud"), 443),
        ("Outbound", "Internet", me, internet, 80),
    ]
    missing = []
    for direction, where, src, dst, port in flows:
        if src is None or dst is None:
            continue
        rule = acl.evaluate(direction, "Tcp", src, 50000, dst, port, frozenset(), frozenset(), space)
        if rule is None or not rule.allow:
            word = "from" if direction == "Inbound" else "to"
            missing.append(f"{direction} TCP {port} {word} {where}")
    return missing


def check(ctx: Ctx, nsg_id: str, subnet_body: dict[str, Any], vnet_body: dict[str, Any]) -> None:
    nsg = ctx.rendered(nsg_id)
    if nsg is None:
        return
    missing = missing_flows(nsg, subnet_body, vnet_body)
    if missing:
        raise ArmError(400, "NetworkSecurityGroupNotCompliantForAzureBastionSubnet",
                       f"Network security group {nsg.get('name')} does not have necessary rules for Azure Bastion "
                       f"Subnet {BASTION_SUBNET}. Not allowed: {'; '.join(missing)}.")


def check_associated(ctx: Ctx, nsg_id: str) -> None:
    """After an NSG or one of its rules changed: every AzureBastionSubnet the NSG is associated with must
    still let Bastion's flows through (best reading: Azure refuses such rule changes with the same error)."""
    for rec in ctx.referrers(nsg_id):
        if rec.type.lower() != "microsoft.network/virtualnetworks/subnets" or \
                str(rec.body.get("name", "")).lower() != BASTION_SUBNET.lower():
            continue
        ref = ((rec.body.get("properties") or {}).get("networkSecurityGroup") or {}).get("id")
        if isinstance(ref, str) and ref.lower() == nsg_id.lower():
            check(ctx, nsg_id, rec.body, ctx.body(rec.id.split("/subnets/")[0]) or {})
