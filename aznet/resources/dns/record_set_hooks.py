"""The behaviour public and private record sets share: one resource type per
record type (``<zone type>/A``, ``<zone type>/CNAME`` …, id ``…/{zone}/{TYPE}/{name}``),
the name rules, the record checks of records.py, Azure's CNAME rules (not at the
apex, alone at its name), SOA only at '@', the protected apex SOA and NS sets, the
per-zone record-set limit, the computed ``fqdn`` and the zone's counter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import parse_resource_id
from ...arm.registry import Hooks
from . import records, zones
from .records import Flavor

if TYPE_CHECKING:
    from ...arm.context import Ctx


def split_id(rid: str) -> tuple[str, str, str, str]:
    """(zone id, zone name, record type, record set name) of a record set id."""
    parsed = parse_resource_id(rid)
    assert parsed is not None and parsed.parent() is not None
    return str(parsed.parent()), parsed.names[0], parsed.types[-1].upper(), parsed.name


def conflict(message: str, detail_code: str) -> ArmError:
    return ArmError(409, "Conflict", message, details=[{"code": detail_code, "message": message}])


class RecordSetHooks(Hooks):
    """Hooks of one record type in one zone kind."""

    def __init__(self, rtype: str, flavor: Flavor, max_record_sets: int, protect_ns: bool) -> None:
        self.rtype = rtype
        self.flavor = flavor
        self.max_record_sets = max_record_sets
        self.protect_ns = protect_ns

    # -- checks ----------------------------------------------------------------
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        zone_id, zone_name, _, name = split_id(new["id"])
        props = new["properties"]
        records.record_set_name(name, zone_name)
        if self.rtype == "SOA" and name != "@":
            raise ArmError(400, "BadRequest", "SOA record sets can only be created at the zone apex ('@').")
        if self.rtype == "CNAME" and name == "@":
            raise ArmError(400, "BadRequest",
                           "A CNAME record set cannot be created at the zone apex ('@'): the apex holds the SOA "
                           "and NS record sets, and a CNAME cannot share its name with other records.")
        meta = props.get("metadata")
        if meta is not None and (not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values())):
            raise ArmError(400, "BadRequest", "The metadata of a record set must map names to strings.",
                           target="properties.metadata")
        props[self.flavor.ttl] = records.check_ttl(props.get(self.flavor.ttl), f"properties.{self.flavor.ttl}")
        records.check_records(self.rtype, props, self.flavor)
        self.check_alias(ctx, new, zone_id)
        if old is None:
            self.check_neighbours(ctx, zone_id, name)
            zone = ctx.body(zone_id) or {}
            if zones.record_set_count(zone) >= self.max_record_sets:
                raise ArmError(409, "Conflict",
                               f"The zone '{zone_name}' has reached its limit of {self.max_record_sets} record sets.")

    def check_alias(self, ctx: Ctx, new: dict[str, Any], zone_id: str) -> None:
        """Public zones override this: alias record sets (targetResource)."""
        new["properties"].pop("targetResource", None)

    def check_neighbours(self, ctx: Ctx, zone_id: str, name: str) -> None:
        """CNAME exclusivity: a CNAME is alone at its name."""
        others = [t for t in self.flavor.types if t != self.rtype and ctx.record(f"{zone_id}/{t}/{name}")]
        if self.rtype == "CNAME" and others:
            raise conflict("The CNAME record could not be created because another record with the same name "
                           "already exists in this zone.", "CannotCreateCNameRecordDueToNamingRestriction")
        if "CNAME" in others:
            raise conflict("The record could not be created because a CNAME record with the same name already "
                           "exists in this zone.", "CannotCreateRecordDueToCNameNamingRestriction")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        _, zone_name, _, name = split_id(new["id"])
        props = new["properties"]
        props["fqdn"] = records.fqdn(name, zone_name)
        new["etag"] = zones.new_guid_etag()
        new["id"] = self.canonical_id(new["id"])
        if self.rtype == "SOA":
            self.prepare_soa(ctx, props, old)

    def canonical_id(self, rid: str) -> str:
        return rid

    def prepare_soa(self, ctx: Ctx, props: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Users may change the SOA's email and timers; the host and serial stay Azure's."""
        key = self.flavor.fields["SOA"]
        before = ((old or {}).get("properties") or {}).get(key) or {}
        soa = {**before, **(props.get(key) or {})}
        if before:
            soa["host"] = before.get("host", soa.get("host"))
            soa["serialNumber"] = before.get("serialNumber", 1)
        props[key] = soa

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        _, _, _, name = split_id(body["id"])
        if self.rtype == "SOA":
            raise ArmError(400, "BadRequest", "The SOA record set at the zone apex cannot be deleted.")
        if self.rtype == "NS" and name == "@" and self.protect_ns:
            raise ArmError(400, "BadRequest", "The NS record set at the zone apex cannot be deleted.")

    # -- the zone's counter ---------------------------------------------------------
    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is None:
            zones.count(ctx, split_id(new["id"])[0], +1)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        zones.count(ctx, split_id(body["id"])[0], -1)
