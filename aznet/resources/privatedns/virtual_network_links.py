"""Microsoft.Network/privateDnsZones/virtualNetworkLinks: which virtual networks
resolve a private zone, and (``registrationEnabled``) which register their VMs'
A records in it. A virtual network links to a zone once, registers in one zone
at most, and a link keeps its virtual network. ``resolutionPolicy`` is Default
or NxDomainRedirect; ``virtualNetworkLinkState`` is Completed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Hooks, ResourceType
from ..dns.api_versions import PRIVATE_DNS
from . import autoregistration, zones

if TYPE_CHECKING:
    from ...arm.context import Ctx

VNET_TYPE = typenames.VNET.lower()
POLICIES = ("Default", "NxDomainRedirect")


def zone_of(link_id: str) -> str:
    parsed = parse_resource_id(link_id)
    assert parsed is not None and parsed.parent() is not None
    return str(parsed.parent())


def vnet_of(link: dict[str, Any]) -> str:
    return ((link.get("properties") or {}).get("virtualNetwork") or {}).get("id") or ""


def bad(message: str, target: str | None = None) -> ArmError:
    return ArmError(400, "BadRequest", message, target=target)


class VirtualNetworkLinkHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        vnet = props.get("virtualNetwork")
        vid = vnet.get("id") if isinstance(vnet, dict) else None
        parsed = parse_resource_id(vid) if isinstance(vid, str) else None
        if parsed is None or parsed.full_type.lower() != VNET_TYPE:
            raise bad("The virtual network link needs 'virtualNetwork.id', the id of a virtual network.",
                      "properties.virtualNetwork.id")
        rec = ctx.record(vid)
        if rec is None:
            raise bad(f"The virtual network '{vid}' referenced by the virtual network link was not found.",
                      "properties.virtualNetwork.id")
        props["virtualNetwork"] = {"id": rec.id}
        if old is not None and normalize(vnet_of(old)) != rec.key:
            raise bad("The virtual network of a virtual network link cannot be changed.",
                      "properties.virtualNetwork.id")
        reg = props.get("registrationEnabled", False)
        if not isinstance(reg, bool):
            raise bad(f"The value '{reg}' of 'registrationEnabled' is invalid.", "properties.registrationEnabled")
        props["registrationEnabled"] = reg
        policy = props.get("resolutionPolicy") or "Default"
        canon = next((p for p in POLICIES if isinstance(policy, str) and p.lower() == policy.lower()), None)
        if canon is None:
            raise bad(f"The resolution policy '{policy}' is invalid. Allowed values are Default, NxDomainRedirect.",
                      "properties.resolutionPolicy")
        props["resolutionPolicy"] = canon
        zone_id = zone_of(new["id"])
        siblings = [r for r in ctx.children(zone_id, zones.LINK_TYPE) if r.key != normalize(new["id"])]
        if any(normalize(vnet_of(s.body)) == rec.key for s in siblings):
            raise ArmError(409, "Conflict", f"The virtual network '{rec.id}' is already linked to the private DNS "
                                            f"zone '{zone_id.rsplit('/', 1)[-1]}'.")
        if old is None and len(siblings) >= zones.MAX_LINKS:
            raise ArmError(409, "Conflict", f"The private DNS zone has reached its limit of {zones.MAX_LINKS} "
                                            "virtual network links.")
        if reg:
            self._check_registration(ctx, rec.id, zone_id, siblings)

    def _check_registration(self, ctx: Ctx, vnet_id: str, zone_id: str, siblings: list[Any]) -> None:
        if sum(1 for s in siblings if (s.body.get("properties") or {}).get("registrationEnabled")) \
                >= zones.MAX_REGISTRATION_LINKS:
            raise ArmError(409, "Conflict", f"The private DNS zone has reached its limit of "
                                            f"{zones.MAX_REGISTRATION_LINKS} virtual network links with "
                                            "auto-registration enabled.")
        other = autoregistration.registration_zone(ctx, vnet_id)
        if other is not None and normalize(other) != normalize(zone_id):
            raise ArmError(409, "Conflict", "A virtual network can only be linked to 1 Private DNS zone(s) with "
                                            f"auto-registration enabled; conflicting Private DNS zone is '{other}'.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["virtualNetworkLinkState"] = "Completed"
        new["location"] = "global"

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        autoregistration.reconcile_link(ctx, new)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        autoregistration.unregister(ctx, zone_of(body["id"]), vnet_of(body))


REGISTRY.add(ResourceType(zones.LINK_TYPE, PRIVATE_DNS, model="VirtualNetworkLink", schema_package="privatedns",
                          hooks=VirtualNetworkLinkHooks(), location="optional"))
