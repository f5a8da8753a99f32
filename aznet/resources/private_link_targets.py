"""What PaaS resources that private endpoints and service endpoints point at have
in common (Storage, Key Vault, SQL, Web, Cosmos DB):

- ``{resource}/privateLinkResources`` (GET): the group ids a private endpoint may
  name, with their required members and private DNS zone names;
- ``{resource}/privateEndpointConnections``: created by a private endpoint that
  connects to the resource (never by a PUT of its own), then approved, rejected
  or removed by the resource's owner (the same rules as a private link
  service's connections); shown in ``properties.privateEndpointConnections``;
- VNet rules: each subnet must exist and have the provider's service endpoint
  (``Microsoft.Storage``, ``Microsoft.KeyVault``, ``Microsoft.Sql``, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import typenames
from ..arm.errors import ArmError
from ..arm.ids import normalize
from ..arm.registry import REGISTRY, Action, ResourceType
from .network.private_link_services import ConnectionHooks

if TYPE_CHECKING:
    from ..arm.context import Ctx

SUBNET_TYPE = typenames.SUBNET


@dataclass(frozen=True)
class GroupId:
    name: str
    members: tuple[str, ...]
    zone: str                    # the private DNS zone Azure recommends, e.g. privatelink.blob.core.windows.net


def link_resources_action(groups: Sequence[GroupId], rtype: str) -> Action:
    def handler(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
        value = [{"id": f"{body['id']}/privateLinkResources/{g.name}", "name": g.name,
                  "type": f"{rtype}/privateLinkResources",
                  "properties": {"groupId": g.name, "requiredMembers": list(g.members),
                                 "requiredZoneNames": [g.zone]}} for g in groups]
        return 200, {"value": value}
    return Action("privateLinkResources", handler, method="GET")


def declare(rt: ResourceType, groups: Sequence[GroupId], conn_model: str | None = "PrivateEndpointConnection"
            ) -> ResourceType:
    """Register ``rt`` with its privateLinkResources action and privateEndpointConnections child type."""
    rt.actions.append(link_resources_action(groups, rt.type))
    REGISTRY.add(rt)
    REGISTRY.add(ResourceType(f"{rt.type}/privateEndpointConnections", rt.api_versions, model=conn_model,
                              schema_package=rt.schema_package, location="none", hooks=ConnectionHooks(),
                              long_running=rt.long_running))
    return rt


def group_names(groups: Sequence[GroupId]) -> list[str]:
    return [g.name for g in groups]


def render_connections(ctx: Ctx, body: dict[str, Any]) -> None:
    from ..arm.crud import render

    conns = [render(ctx, c) for c in ctx.children(body["id"], f"{body['type']}/privateEndpointConnections")]
    body.setdefault("properties", {})["privateEndpointConnections"] = conns


def check_subnet_rule(ctx: Ctx, subnet_id: Any, owner: str, service: str, path: str,
                      ignore_missing_endpoint: bool = False, code: str = "NetworkAclsValidationFailure") -> str:
    """A VNet rule's subnet: it exists and has the service endpoint; returns its id as stored."""
    if not isinstance(subnet_id, str) or "/subnets/" not in subnet_id.lower():
        raise ArmError(400, code, f"Value '{subnet_id}' at {path} is not a valid subnet resource id.")
    rec = ctx.record(subnet_id)
    if rec is None:
        raise ArmError(400, code, f"Subnet {subnet_id} referenced by {owner} does not exist.")
    if not ignore_missing_endpoint:
        eps = (rec.body.get("properties") or {}).get("serviceEndpoints") or []
        if not any(str(e.get("service", "")).lower() == service.lower() for e in eps if isinstance(e, dict)):
            raise ArmError(400, code,
                           f"Validation of network acls failure: SubnetsHaveNoServiceEndpointsConfigured:Subnets "
                           f"{rec.body.get('name')} of virtual network {rec.id.split('/subnets/')[0].rsplit('/', 1)[-1]}"
                           f" do not have ServiceEndpoints for {service} resources configured. Add "
                           f"{service} to subnet's ServiceEndpoints collection before trying to ACL {service} "
                           "resources to these subnets.")
    return rec.id


def same(a: str, b: str) -> bool:
    return normalize(a) == normalize(b)


def check_delegated_subnet(ctx: Ctx, subnet_id: Any, owner: str, service: str, path: str, code: str) -> str:
    """A subnet a service is injected into: it exists and is delegated to ``service``; returns its stored id."""
    if not isinstance(subnet_id, str) or "/subnets/" not in subnet_id.lower():
        raise ArmError(400, code, f"Value '{subnet_id}' at {path} is not a valid subnet resource id.")
    rec = ctx.record(subnet_id)
    if rec is None:
        raise ArmError(400, code, f"Subnet {subnet_id} referenced by {owner} does not exist.")
    dels = (rec.body.get("properties") or {}).get("delegations") or []
    names = [str(((d.get("properties") or {}).get("serviceName")) or "") for d in dels if isinstance(d, dict)]
    if not any(n.lower() == service.lower() for n in names):
        raise ArmError(400, code, f"Subnet {rec.body.get('name')} must be delegated to {service} to be used by "
                       f"{owner}; its delegations: {', '.join(names) or 'none'}.")
    return rec.id


def name_taken(ctx: Ctx, rtype: str, name: str, own_id: str) -> bool:
    """For types whose names are global (they become DNS names): any subscription, any group."""
    return any(str(r.body.get("name", "")).lower() == name.lower() and not same(r.id, own_id)
               for r in ctx.of_type(rtype))
