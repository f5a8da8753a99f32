"""Microsoft.ManagedIdentity/userAssignedIdentities: name 3-128 characters
(letters, digits, hyphens, underscores; starting with a letter or digit),
``tenantId``, ``principalId`` and ``clientId`` GUIDs assigned at creation and kept;
``isolationScope`` None / Regional. Synchronous PUT, as Azure's is.

The installed azure-mgmt-msi ships its models per api-version, so this type runs
without a compiled schema; its few properties are checked here."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...arm.versions import supported

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
API_VERSIONS = supported("msi")
KNOWN = {"isolationScope", "tenantId", "principalId", "clientId"}


class IdentityHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        unknown = [k for k in props if k not in KNOWN and k != "provisioningState"]
        if unknown:
            raise ArmError(400, "InvalidRequestContent",
                           f"Could not find member '{unknown[0]}' on object of type 'UserAssignedIdentityProperties'.")
        scope = props.get("isolationScope", "None")
        if scope not in ("None", "Regional"):
            raise ArmError(400, "InvalidRequestContent",
                           f"Error converting value '{scope}' to type 'IsolationScope'. Path 'properties.isolationScope'.")
        props["isolationScope"] = scope

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["tenantId"] = ctx.settings.tenant
        props["principalId"] = oldp.get("principalId") or str(uuid.uuid4())
        props["clientId"] = oldp.get("clientId") or str(uuid.uuid4())
        props.pop("provisioningState", None)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, hooks=IdentityHooks(), long_running=False, provisioning_state=False,
                          names=NameRule(3, 128, r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                                         "The name can contain only letters, numbers, hyphens and underscores, and "
                                         "must start with a letter or number.")))
