"""Microsoft.Network/virtualNetworkTaps and the NIC tapConfigurations that
mirror traffic to them (configuration only: nothing is mirrored yet).

TAP: exactly one destination, a NIC IP configuration or an internal load
balancer frontend IP configuration, in the TAP's region; ``destinationPort``
(VXLAN, default 4789) 1-65535; ``networkInterfaceTapConfigurations`` computed at
read time; a TAP in use cannot be deleted.
Tap configuration (``networkInterfaces/{nic}/tapConfigurations/{name}``): names an
existing TAP in the NIC's region; a NIC cannot mirror to a TAP whose destination
is itself.

Codes are best readings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ref_checks import integer, location_of, ref_id, since

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/virtualNetworkTaps"
TAP_CONFIG_TYPE = "Microsoft.Network/networkInterfaces/tapConfigurations"
DESTINATIONS = {"destinationNetworkInterfaceIPConfiguration": ("networkinterfaces", "ipConfigurations"),
                "destinationLoadBalancerFrontEndIPConfiguration": ("loadbalancers", "frontendIPConfigurations")}


def _inline_child(ctx: Ctx, child_id: str, parent_segment: str, prop: str) -> dict[str, Any] | None:
    """A sub-resource kept inside its parent's body (NIC ipConfigurations, LB frontends)."""
    low = child_id.lower()
    marker = f"/{prop.lower()}/"
    if f"/{parent_segment}/" not in low or marker not in low:
        return None
    parent_id, name = child_id[:low.rindex(marker)], child_id.rsplit("/", 1)[-1]
    stored = ctx.record(child_id)
    if stored is not None:
        return stored.body
    parent = ctx.rendered(parent_id)
    for item in ((parent or {}).get("properties") or {}).get(prop) or []:
        if str(item.get("name", "")).lower() == name.lower():
            return item
    return None


def tap_users(ctx: Ctx, tap_id: str) -> list[str]:
    own = normalize(tap_id)
    return [r.id for r in ctx.referrers(tap_id) if r.type.lower() == TAP_CONFIG_TYPE.lower()
            and normalize(ref_id((r.body.get("properties") or {}).get("virtualNetworkTap")) or "") == own]


class VirtualNetworkTapHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        found = []
        for key, (segment, prop) in DESTINATIONS.items():
            rid = ref_id(props.get(key), f"properties.{key}")
            if rid is None:
                props.pop(key, None)
                continue
            if _inline_child(ctx, rid, segment, prop) is None:
                raise ArmError(400, "InvalidResourceReference",
                               f"Resource {rid} referenced by resource {new['id']} was not found. Please make sure "
                               "that the referenced resource exists, and that both resources are in the same region.")
            where = location_of(ctx, rid)
            if where is not None and where != new["location"]:
                raise ArmError(400, "VirtualNetworkTapDestinationInDifferentRegion",
                               f"The destination {rid} of virtual network TAP {new['id']} must be in "
                               f"{new['location']}.")
            props[key] = {"id": rid}
            found.append(key)
        if len(found) != 1:
            raise ArmError(400, "VirtualNetworkTapMustHaveOneDestination",
                           f"Virtual network TAP {new['id']} must have exactly one destination: a network interface "
                           "IP configuration or a load balancer frontend IP configuration.")
        port = integer(props.get("destinationPort"), "properties.destinationPort", 4789)
        if port is None or not 1 <= port <= 65535:
            raise ArmError(400, "InvalidVirtualNetworkTapDestinationPort",
                           f"Destination port {port} of virtual network TAP {new['id']} must be between 1 and 65535.")
        props["destinationPort"] = port

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"].pop("networkInterfaceTapConfigurations", None)
        from ...arm.crud import resource_guid

        new["properties"]["resourceGuid"] = resource_guid(old)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        users = tap_users(ctx, body["id"])
        if users:
            raise ArmError(400, "VirtualNetworkTapInUse",
                           f"Virtual network TAP {body['id']} cannot be deleted because tap configurations use it: "
                           f"{', '.join(users)}.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        body.setdefault("properties", {})["networkInterfaceTapConfigurations"] = \
            [{"id": u} for u in tap_users(ctx, body["id"])]


class TapConfigurationHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        tap = ref_id(props.get("virtualNetworkTap"), "properties.virtualNetworkTap")
        nic_id = new["id"].rsplit("/tapConfigurations/", 1)[0]
        rec = ctx.record(tap) if tap else None
        if rec is None or rec.type.lower() != TYPE.lower():
            raise ArmError(400, "InvalidResourceReference",
                           f"Resource {tap} referenced by resource {new['id']} was not found. Please make sure that "
                           "the referenced resource exists, and that both resources are in the same region.")
        if rec.body.get("location") != location_of(ctx, nic_id):
            raise ArmError(400, "InvalidResourceReference",
                           f"Resource {tap} referenced by resource {new['id']} was not found. Please make sure that "
                           "the referenced resource exists, and that both resources are in the same region.")
        dest = ref_id((rec.body.get("properties") or {}).get("destinationNetworkInterfaceIPConfiguration"))
        if dest and normalize(dest).startswith(normalize(nic_id) + "/"):
            raise ArmError(400, "VirtualNetworkTapDestinationCannotBeTapped",
                           f"Network interface {nic_id} is the destination of virtual network TAP {tap} and cannot "
                           "mirror its own traffic to it.")
        props["virtualNetworkTap"] = {"id": rec.id}


REGISTRY.add(ResourceType(TYPE, since("2018-08-01"), model="VirtualNetworkTap", hooks=VirtualNetworkTapHooks(),
                          names=NameRule(1, 80)))
REGISTRY.add(ResourceType(TAP_CONFIG_TYPE, since("2018-08-01"), model="NetworkInterfaceTapConfiguration", location="none",
                          hooks=TapConfigurationHooks(), names=NameRule(1, 80)))
