"""Microsoft.Network/ddosProtectionPlans: the VNets it protects
(``virtualNetworks``, any region) are computed at read time; a plan a VNet
references cannot be deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ref_checks import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/ddosProtectionPlans"
VNET_TYPE = "microsoft.network/virtualnetworks"


def protected_vnets(ctx: Ctx, plan_id: str) -> list[str]:
    own = normalize(plan_id)
    out = []
    for rec in ctx.referrers(plan_id):
        ref = ((rec.body.get("properties") or {}).get("ddosProtectionPlan") or {}).get("id")
        if rec.type.lower() == VNET_TYPE and isinstance(ref, str) and normalize(ref) == own:
            out.append(rec.id)
    return out


class DdosProtectionPlanHooks(Hooks):
    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in ("virtualNetworks", "publicIPAddresses"):
            props.pop(key, None)
        props["resourceGuid"] = resource_guid(old)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        used = protected_vnets(ctx, body["id"])
        if used:
            raise ArmError(400, "DdosProtectionPlanInUse",
                           f"DDoS protection plan {body['id']} cannot be deleted because it is in use by virtual "
                           f"networks: {', '.join(used)}. Disable DDoS protection on them first.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        used = protected_vnets(ctx, body["id"])
        if used:
            body.setdefault("properties", {})["virtualNetworks"] = [{"id": v} for v in used]


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="DdosProtectionPlan", hooks=DdosProtectionPlanHooks(),
                          names=NameRule(1, 80)))
