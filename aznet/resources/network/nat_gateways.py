"""Microsoft.Network/natGateways: Standard SKU, Standard static IPv4 public IPs
and prefixes from the same region, idle timeout 4–120 minutes, at most one
zone. ``subnets`` (the subnets that use it) is computed at read time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, ResourceType
from . import public_ip_addresses as pips
from .ref_checks import API_VERSIONS, cannot_parse, enum, integer, ref_id, resolve, zone_list

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.NAT_GATEWAY
PREFIX_TYPE = typenames.PUBLIC_IP_PREFIX
SUBNET_TYPE = typenames.SUBNET.lower()


SUBNETS = BackRef("subnets", SUBNET_TYPE, "CannotDeleteNatGatewayAssociatedToSubnet", via="natGateway",
                  message="NAT Gateway {id} is still configured on {count} subnets. Remove NAT Gateway from all "
                          "referenced subnets and then delete NAT Gateway.")


def subnets_using(ctx: Ctx, natgw_id: str) -> list[str]:
    return SUBNETS.referrers(ctx, natgw_id)


class NatGatewayHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sku = new.get("sku") or {}
        if not isinstance(sku, dict):
            raise cannot_parse("sku", sku, "NatGatewaySku")
        new["sku"] = {"name": enum(sku.get("name"), ("Standard", "StandardV2"), "sku.name", "NatGatewaySkuName",
                                   "Standard")}
        timeout = integer(props.get("idleTimeoutInMinutes"), "properties.idleTimeoutInMinutes", 4)
        if timeout is None or not 4 <= timeout <= 120:
            raise ArmError(400, "InvalidIdleTimeoutInMinutes",
                           f"NAT Gateway {new['id']} has invalid idle timeout {timeout}. "
                           "The value must be between 4 and 120 minutes.")
        props["idleTimeoutInMinutes"] = timeout
        zones = zone_list(new)
        if zones is not None:
            if len(zones) > 1 and new["sku"]["name"] == "Standard":
                raise ArmError(400, "NatGatewayCannotHaveMultipleZones",
                               f"NAT Gateway {new['id']} can be deployed in at most one availability zone.")
        seen: set[str] = set()
        for key, rtype in (("publicIpAddresses", pips.TYPE), ("publicIpPrefixes", PREFIX_TYPE)):
            refs = props.get(key)
            if refs is None:
                continue
            if not isinstance(refs, list):
                raise cannot_parse(f"properties.{key}", refs, "SubResource[]")
            clean = []
            for j, r in enumerate(refs):
                rid = ref_id(r, f"properties.{key}[{j}]")
                if rid is None:
                    continue
                if normalize(rid) in seen:
                    raise ArmError(400, "DuplicateResourceReference",
                                   f"NAT Gateway {new['id']} references {rid} more than once.")
                seen.add(normalize(rid))
                if rtype == pips.TYPE:
                    body = pips.check_usable(ctx, rid, new["id"], new["location"], new["id"])
                else:
                    body = resolve(ctx, rid, new["id"], rtype, new["location"])
                    for rec in ctx.referrers(rid):
                        if rec.type.lower() == TYPE.lower() and rec.key != normalize(new["id"]):
                            raise ArmError(400, "PublicIpPrefixInUse",
                                           f"Resource {new['id']} is referencing public IP prefix {rid} that is "
                                           f"already allocated to resource {rec.id}.")
                self._check_ip(new, rid, body, rtype == pips.TYPE)
                clean.append({"id": rid})
            props[key] = clean

    def _check_ip(self, new: dict[str, Any], rid: str, body: dict[str, Any], is_ip: bool) -> None:
        sku = (body.get("sku") or {}).get("name", "Basic")
        bp = body.get("properties") or {}
        what = "public IP address" if is_ip else "public IP prefix"
        if sku == "Basic":
            raise ArmError(400, "NatGatewayCannotUseBasicSkuPublicIp",
                           f"NAT Gateway {new['id']} cannot use {what} {rid} with Basic sku. "
                           "Only Standard sku public IPs can be used with NAT Gateway.")
        if bp.get("publicIPAddressVersion", "IPv4") != "IPv4":
            raise ArmError(400, "NatGatewayDoesNotSupportIPv6",
                           f"NAT Gateway {new['id']} cannot use IPv6 {what} {rid}.")
        if is_ip and bp.get("publicIPAllocationMethod") != "Static":
            raise ArmError(400, "NatGatewayPublicIpMustBeStatic",
                           f"NAT Gateway {new['id']} requires {what} {rid} to have a Static allocation.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["resourceGuid"] = resource_guid(old)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="NatGateway", hooks=NatGatewayHooks(), back_refs=(SUBNETS,)))
