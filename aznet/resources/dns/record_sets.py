"""Record sets of public zones: ``Microsoft.Network/dnszones/{A,AAAA,CAA,CNAME,MX,NS,PTR,SOA,SRV,TXT}``.
PUT creates or replaces (``If-None-Match: *`` for create-only, ``If-Match`` for
etags), PATCH merges into the stored set. Alias record sets (``targetResource``)
point at a public IP, a Traffic Manager profile or another record set of the
same type in the zone; the target must exist and fit the record type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, NameRule, ResourceType
from . import records, zones
from .api_versions import DNS
from .record_set_hooks import RecordSetHooks, split_id

if TYPE_CHECKING:
    from ...arm.context import Ctx

PIP_TYPE = typenames.PUBLIC_IP.lower()
TM_TYPE = typenames.TM_PROFILE.lower()
ALIAS_TYPES = ("A", "AAAA", "CNAME")
NAME_RULE = NameRule(1, 253, r"^[^/\\?#\s]+$", "The record set name must be '@' or a relative domain name.")


def invalid_alias(message: str) -> ArmError:
    return ArmError(400, "BadRequest", message, target="properties.targetResource")


class PublicRecordSetHooks(RecordSetHooks):
    def canonical_id(self, rid: str) -> str:
        return zones.canonical_id(rid)

    def check_alias(self, ctx: Ctx, new: dict[str, Any], zone_id: str) -> None:
        props = new["properties"]
        target = props.get("targetResource")
        if target in (None, {}) or (isinstance(target, dict) and target.get("id") in (None, "")):
            props.pop("targetResource", None)
            return
        if not isinstance(target, dict) or not isinstance(target.get("id"), str):
            raise invalid_alias("The target resource of an alias record set must be an object with an 'id'.")
        if self.rtype not in ALIAS_TYPES:
            raise invalid_alias(f"Alias record sets are supported for record types A, AAAA and CNAME, not "
                                f"{self.rtype}.")
        if records.has_records(self.rtype, props, self.flavor):
            raise invalid_alias("An alias record set (with a target resource) cannot also contain records.")
        tid = target["id"]
        parsed = parse_resource_id(tid)
        body = ctx.body(tid) if parsed is not None and not parsed.is_collection else None
        if body is None:
            raise invalid_alias(f"The target resource '{tid}' of the alias record set does not exist.")
        ttype = parsed.full_type.lower() if parsed else ""
        if ttype == PIP_TYPE:
            self._check_pip(body, tid)
        elif ttype == TM_TYPE:
            self._check_profile(ctx, body, tid)
        elif ttype.startswith(zones.TYPE.lower() + "/"):
            tzone, _, ttype_rec, _ = split_id(tid)
            if normalize(tzone) != normalize(zone_id) or ttype_rec != self.rtype:
                raise invalid_alias(f"An alias record set can only point at a record set of the same type "
                                    f"({self.rtype}) in the same zone.")
            if normalize(tid) == normalize(new["id"]):
                raise invalid_alias("An alias record set cannot point at itself.")
        else:
            raise invalid_alias(f"The resource '{tid}' cannot be the target of an alias record set: supported "
                                "targets are public IP addresses, Traffic Manager profiles and record sets in "
                                "the zone.")
        props["targetResource"] = {"id": ctx.record(tid).id if ctx.record(tid) else tid}  # type: ignore[union-attr]

    def _check_pip(self, body: dict[str, Any], tid: str) -> None:
        version = (body.get("properties") or {}).get("publicIPAddressVersion", "IPv4")
        want = {"A": "IPv4", "AAAA": "IPv6"}.get(self.rtype)
        if want is None:
            raise invalid_alias("A CNAME alias record set can only point at a Traffic Manager profile.")
        if version.lower() != want.lower():
            raise invalid_alias(f"The {self.rtype} alias record set needs an {want} public IP address; "
                                f"'{tid}' is {version}.")

    def _check_profile(self, ctx: Ctx, body: dict[str, Any], tid: str) -> None:
        if self.rtype == "CNAME":
            return
        for child in ctx.children(tid):
            if not child.type.lower().endswith("/externalendpoints"):
                raise invalid_alias(f"An {self.rtype} alias record set can only point at a Traffic Manager "
                                    "profile whose endpoints are all external endpoints with IP addresses.")


def _register() -> None:
    for rtype in records.PUBLIC.types:
        hooks = PublicRecordSetHooks(rtype, records.PUBLIC, zones.MAX_RECORD_SETS, protect_ns=True)
        REGISTRY.add(ResourceType(f"{zones.TYPE}/{rtype}", DNS, model="RecordSet", schema_package="dns",
                                  hooks=hooks, location="none", long_running=False, names=NAME_RULE))


_register()
