"""Microsoft.Network/virtualWans.

Rules (Virtual WAN docs "Basic and Standard", "Upgrade from Basic to Standard"; REST specs):
- ``type`` Basic | Standard (default Standard). A Basic virtual WAN can be upgraded to Standard, a
  Standard one cannot go back to Basic. A Basic virtual WAN offers site-to-site VPN only (no
  ExpressRoute, User VPN, VNet-to-VNet transit through the hub, custom route tables or routing intent).
- ``allowBranchToBranchTraffic`` (default true), ``disableVpnEncryption`` (default false),
  ``allowVnetToVnetTraffic`` (deprecated; kept as sent).
- ``virtualHubs`` and ``vpnSites`` are read-only lists of what references it; it cannot be deleted
  while they exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..ref_checks import boolean, enum, since

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/virtualWans"
HUB_TYPE = "microsoft.network/virtualhubs"
SITE_TYPE = "microsoft.network/vpnsites"


def wan_type(body: dict[str, Any] | None) -> str:
    return ((body or {}).get("properties") or {}).get("type") or "Standard"


def _users(ctx: Ctx, wan_id: str, rtype: str) -> list[str]:
    out = []
    for rec in ctx.referrers(wan_id):
        if rec.type.lower() == rtype:
            ref = ((rec.body.get("properties") or {}).get("virtualWan") or {}).get("id") or ""
            if ref.lower() == wan_id.lower():
                out.append(rec.id)
    return out


class VirtualWanHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        kind = enum(props.get("type"), ("Basic", "Standard"), "properties.type", "System.String", "Standard")
        if old is not None and wan_type(old) == "Standard" and kind == "Basic":
            raise ArmError(400, "VirtualWanCannotBeDowngraded",
                           f"Virtual WAN {new['id']} cannot be changed from Standard to Basic; only an upgrade from "
                           "Basic to Standard is supported.")
        props["type"] = kind
        props["allowBranchToBranchTraffic"] = boolean(props.get("allowBranchToBranchTraffic"),
                                                      "properties.allowBranchToBranchTraffic", True)
        props["disableVpnEncryption"] = boolean(props.get("disableVpnEncryption"), "properties.disableVpnEncryption",
                                                False)
        if props.get("allowVnetToVnetTraffic") is not None:
            props["allowVnetToVnetTraffic"] = boolean(props["allowVnetToVnetTraffic"],
                                                      "properties.allowVnetToVnetTraffic")
        for key in ("virtualHubs", "vpnSites", "office365LocalBreakoutCategory"):
            props.pop(key, None)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["office365LocalBreakoutCategory"] = "None"

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        users = _users(ctx, body["id"], HUB_TYPE) + _users(ctx, body["id"], SITE_TYPE)
        if users:
            raise ArmError(400, "InUseVirtualWanCannotBeDeleted",
                           f"Virtual WAN {body['id']} cannot be deleted because {users[0]} references it. Delete its "
                           "virtual hubs and VPN sites first.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["virtualHubs"] = [{"id": i} for i in _users(ctx, body["id"], HUB_TYPE)]
        props["vpnSites"] = [{"id": i} for i in _users(ctx, body["id"], SITE_TYPE)]


REGISTRY.add(ResourceType(TYPE, since("2018-04-01"), model="VirtualWAN", hooks=VirtualWanHooks(),
                          names=NameRule(1, 80)))
