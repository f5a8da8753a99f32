"""Microsoft.Network/privateDnsZones: private zones at location 'global', with
the SOA record set Azure creates at '@', Azure's limits (25000 record sets,
1000 virtual network links, 100 with registration) and the counters computed at
read time. A direct DELETE of a zone that still has virtual network links is
refused, as Azure does; a resource group's delete takes the links with it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm import crud
from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...dataplane.dns import limits
from ..dns import records
from ..dns import zones as public_zones
from ..dns.api_versions import PRIVATE_DNS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.PRIVATE_DNS_ZONE
LINK_TYPE = typenames.PRIVATE_DNS_LINK
MAX_RECORD_SETS = limits.PRIVATE_MAX_RECORD_SETS
MAX_LINKS = limits.PRIVATE_MAX_LINKS
MAX_REGISTRATION_LINKS = limits.PRIVATE_MAX_REGISTRATION_LINKS
SOA = {"host": "azureprivatedns.net", "email": "azureprivatedns-host.microsoft.com", "serialNumber": 1,
       "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTtl": 10}


def links(ctx: Ctx, zone_id: str) -> list[dict[str, Any]]:
    return [r.body for r in ctx.children(zone_id, LINK_TYPE)]


class PrivateZoneHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        records.zone_name(new["name"])

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in list(props):
            if key.startswith(("numberOf", "maxNumberOf")) or key == "internalId":
                props.pop(key)
        new["etag"] = public_zones.new_guid_etag()
        private = new.setdefault(crud.PRIVATE, {})
        private.setdefault("recordSets", 0)
        private.setdefault("internalId", f"{uuid.uuid4().hex}")

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is None:
            ctx.put(f"{new['id']}/SOA/@", {"properties": {"ttl": 3600, "soaRecord": dict(SOA)}})

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        direct = ctx.api_version in PRIVATE_DNS     # not a resource group's delete (that has its own api-version)
        if direct and links(ctx, body["id"]):
            raise ArmError(409, "Conflict",
                           f"The private DNS zone '{body['name']}' cannot be deleted because it has virtual network "
                           "links. Delete the virtual network links first.")
        for child in ctx.children(body["id"]):
            crud.delete_resource(ctx, child.id, nested=True, force=True)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        rec = ctx.record(body["id"])
        stored = rec.body if rec else {}
        found = links(ctx, body["id"])
        props = body.setdefault("properties", {})
        props.update({
            "maxNumberOfRecordSets": MAX_RECORD_SETS,
            "numberOfRecordSets": public_zones.record_set_count(stored),
            "maxNumberOfVirtualNetworkLinks": MAX_LINKS,
            "numberOfVirtualNetworkLinks": len(found),
            "maxNumberOfVirtualNetworkLinksWithRegistration": MAX_REGISTRATION_LINKS,
            "numberOfVirtualNetworkLinksWithRegistration":
                sum(1 for link in found if (link.get("properties") or {}).get("registrationEnabled")),
            "internalId": (stored.get(crud.PRIVATE) or {}).get("internalId", ""),
        })


REGISTRY.add(ResourceType(TYPE, PRIVATE_DNS, model="PrivateZone", schema_package="privatedns",
                          hooks=PrivateZoneHooks(), global_location=True,
                          names=NameRule(1, 253, r"^[^/\\?#\s]+$", "The name must be a valid domain name.")))
