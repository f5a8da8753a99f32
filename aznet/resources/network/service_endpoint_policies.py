"""Microsoft.Network/serviceEndpointPolicies and their
serviceEndpointPolicyDefinitions (inline and as child resources): which Azure
Storage resources a subnet's Microsoft.Storage service endpoint may reach.
``subnets`` is computed at read time; a policy a subnet uses cannot be deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ref_checks import API_VERSIONS, cannot_parse

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.SERVICE_ENDPOINT_POLICY
DEF_TYPE = "Microsoft.Network/serviceEndpointPolicies/serviceEndpointPolicyDefinitions"
SUBNET_TYPE = typenames.SUBNET.lower()
SERVICES = ("Microsoft.Storage", "Global")


SUBNETS = BackRef("subnets", SUBNET_TYPE, "InUseServiceEndpointPolicyCannotBeDeleted", via="serviceEndpointPolicies",
                  message="Service endpoint policy {id} cannot be deleted because it is in use by subnets: "
                          "{referrers}.")


def subnets_using(ctx: Ctx, policy_id: str) -> list[str]:
    return SUBNETS.referrers(ctx, policy_id)


class ServiceEndpointPolicyHooks(Hooks):
    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["resourceGuid"] = resource_guid(old)


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
                          inline_children={"serviceEndpointPolicyDefinitions": DEF_TYPE}, names=NameRule(1, 80),
                          back_refs=(SUBNETS,)))
REGISTRY.add(ResourceType(DEF_TYPE, API_VERSIONS, model="ServiceEndpointPolicyDefinition", location="none",
                          hooks=DefinitionHooks(), names=NameRule(1, 80)))
