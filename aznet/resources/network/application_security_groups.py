"""Microsoft.Network/applicationSecurityGroups: a name NIC ip configurations
join and security rules match on. An ASG something references (a NIC ip
configuration, a security rule, a private endpoint) cannot be deleted."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .ref_checks import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.ASG


class ApplicationSecurityGroupHooks(Hooks):
    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["resourceGuid"] = (((old or {}).get("properties") or {}).get("resourceGuid")
                                             or str(uuid.uuid4()))

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        users = ctx.referrers(body["id"])
        if users:
            raise ArmError(400, "InUseApplicationSecurityGroupCannotBeDeleted",
                           f"Application Security Group {body['name']} cannot be deleted because it is referenced "
                           f"by {', '.join(r.id for r in users)}.")


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ApplicationSecurityGroup",
                          hooks=ApplicationSecurityGroupHooks(), names=NameRule(1, 80)))
