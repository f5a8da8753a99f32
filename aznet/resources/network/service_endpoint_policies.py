"""Microsoft.Network/serviceEndpointPolicies and their
serviceEndpointPolicyDefinitions (inline and as child resources): which Azure
Storage resources a subnet's Microsoft.Storage service endpoint may reach.
``subnets`` is computed at read time; a policy a subnet uses cannot be deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ref_checks import API_VERSIONS, cannot_parse

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/serviceEndpointPolicies"
DEF_TYPE = "Microsoft.Network/serviceEndpointPolicies/serviceEndpointPolicyDefinitions"
SUBNET_TYPE = "microsoft.network/virtualnetworks/subnets"
SERVICES = ("Microsoft.Storage", "Global")


def subnets_using(ctx: Ctx, policy_id: str) -> list[str]:
    own = normalize(policy_id)
    out = []
    for rec in ctx.referrers(policy_id):
        refs = (rec.body.get("properties") or {}).get("serviceEndpointPolicies") or []
        if rec.type.lower() == SUBNET_TYPE and any(normalize(r.get("id", "")) == own for r in refs):
            out.append(rec.id)
    return out


class ServiceEndpointPolicyHooks(Hooks):
    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props.pop("subnets", None)
        props["resourceGuid"] = resource_guid(old)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        used = subnets_using(ctx, body["id"])
        if used:
            raise ArmError(400, "InUseServiceEndpointPolicyCannotBeDeleted",
                           f"Service endpoint policy {body['id']} cannot be deleted because it is in use by "
                           f"subnets: {', '.join(used)}.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        used = subnets_using(ctx, body["id"])
        if used:
            body.setdefault("properties", {})["subnets"] = [{"id": s} for s in used]


class DefinitionHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        svc = props.get("service")
        known = next((s for s in SERVICES if isinstance(svc, str) and s.lower() == svc.lower()), None)
        if known is None:
            raise ArmError(400, "InvalidServiceEndpointPolicyDefinitionService",
                           f"Service endpoint policy definition {new['id']} has unsupported service {svc}. "
                           f"Supported services: {', '.join(SERVICES)}.")
        props["service"] = known
        resources = props.get("serviceResources") or []
        if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
            raise cannot_parse("properties.serviceResources", resources,
                               "System.Collections.Generic.List`1[System.String]")
        for r in resources:
            if not r.lower().startswith("/subscriptions/"):
                raise ArmError(400, "LinkedInvalidPropertyId",
                               f"Property id '{r}' at path 'properties.serviceResources' is invalid. Expect fully "
                               "qualified resource Id that start with '/subscriptions/{subscriptionId}' or "
                               "'/providers/{resourceProviderNamespace}/'.")


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ServiceEndpointPolicy", hooks=ServiceEndpointPolicyHooks(),
                          inline_children={"serviceEndpointPolicyDefinitions": DEF_TYPE}, names=NameRule(1, 80)))
REGISTRY.add(ResourceType(DEF_TYPE, API_VERSIONS, model="ServiceEndpointPolicyDefinition", location="none",
                          hooks=DefinitionHooks(), names=NameRule(1, 80)))
