"""Microsoft.Network/ddosProtectionPlans: the VNets it protects
(``virtualNetworks``, any region) are computed at read time; a plan a VNet
references cannot be deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.crud import resource_guid
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ref_checks import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.DDOS_PLAN
VNET_TYPE = typenames.VNET.lower()


VNETS = BackRef("virtualNetworks", VNET_TYPE, "DdosProtectionPlanInUse", via="ddosProtectionPlan",
                message="DDoS protection plan {id} cannot be deleted because it is in use by virtual networks: "
                        "{referrers}. Disable DDoS protection on them first.")


def protected_vnets(ctx: Ctx, plan_id: str) -> list[str]:
    return VNETS.referrers(ctx, plan_id)


class DdosProtectionPlanHooks(Hooks):
    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props.pop("publicIPAddresses", None)
        props["resourceGuid"] = resource_guid(old)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="DdosProtectionPlan", hooks=DdosProtectionPlanHooks(),
                          names=NameRule(1, 80), back_refs=(VNETS,)))
