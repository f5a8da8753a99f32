"""Microsoft.Network/dnszones: public zones at location 'global'. Creating a zone
creates its SOA and NS record sets at '@' with the name servers Azure assigns
(``ns1-NN.azure-dns.com.`` … ``ns4-NN.azure-dns.info.``, one group per zone);
deleting it deletes every record set. ``numberOfRecordSets`` is a counter the
record-set hooks keep in the zone's private state."""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm import crud
from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...dataplane.dns import limits
from . import records
from .api_versions import DNS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.DNS_ZONE
MAX_RECORD_SETS = limits.PUBLIC_MAX_RECORD_SETS
NS_TTL = 172800
SOA_TTL = 3600
TLDS = ("com", "net", "org", "info")


def name_servers(zone_id: str) -> list[str]:
    """The four name servers Azure gives a zone: one numbered group across azure-dns.com/.net/.org/.info."""
    group = int(hashlib.sha256(zone_id.lower().encode()).hexdigest(), 16) % 99 + 1
    return [f"ns{i}-{group:02d}.azure-dns.{tld}." for i, tld in enumerate(TLDS, 1)]


def default_soa(servers: list[str]) -> dict[str, Any]:
    return {"host": servers[0], "email": "azuredns-hostmaster.microsoft.com", "serialNumber": 1,
            "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTTL": 300}


def canonical_id(rid: str) -> str:
    """Azure DNS spells ids ``…/providers/Microsoft.Network/dnszones/{zone}[/{TYPE}/{name}]``."""
    scope, _, rest = rid.partition("/providers/")
    segs = rest.split("/")
    if len(segs) >= 3:
        segs[0], segs[1] = "Microsoft.Network", "dnszones"
    if len(segs) >= 5:
        segs[3] = segs[3].upper()
    return f"{scope}/providers/{'/'.join(segs)}"


def new_guid_etag() -> str:
    """Azure DNS etags are bare GUIDs."""
    return str(uuid.uuid4())


def count(ctx: Ctx, zone_id: str, delta: int) -> None:
    """Adjust the zone's record-set counter (kept in its private state)."""
    rec = ctx.record(zone_id)
    if rec is None:
        return
    body = dict(rec.body)
    private = dict(body.get(crud.PRIVATE) or {})
    private["recordSets"] = max(0, int(private.get("recordSets", 0)) + delta)
    body[crud.PRIVATE] = private
    ctx.txn.put(rec.id, rec.type, rec.parent, rec.scope, body)


def record_set_count(body: dict[str, Any]) -> int:
    return int((body.get(crud.PRIVATE) or {}).get("recordSets", 0))


class ZoneHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        records.zone_name(new["name"])
        props = new["properties"]
        zone_type = props.get("zoneType") or "Public"
        if not isinstance(zone_type, str) or zone_type.lower() not in ("public", "private"):
            raise ArmError(400, "BadRequest", f"The zone type '{zone_type}' is invalid. It must be 'Public'.")
        if zone_type.lower() == "private":
            raise ArmError(400, "BadRequest",
                           "Private zones of Microsoft.Network/dnszones are retired: create a "
                           "Microsoft.Network/privateDnsZones resource instead.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in ("registrationVirtualNetworks", "resolutionVirtualNetworks", "numberOfRecordSets",
                    "maxNumberOfRecordSets", "maxNumberOfRecordsPerRecordSet", "nameServers", "signingKeys"):
            props.pop(key, None)
        props["zoneType"] = "Public"
        new["id"] = canonical_id(new["id"])
        new["etag"] = new_guid_etag()
        private = new.setdefault(crud.PRIVATE, {})
        private.setdefault("recordSets", 0)
        private.setdefault("nameServers", name_servers(new["id"]))

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is not None:
            return
        servers = new[crud.PRIVATE]["nameServers"]
        ctx.put(f"{new['id']}/SOA/@", {"properties": {"TTL": SOA_TTL, "SOARecord": default_soa(servers)}})
        ctx.put(f"{new['id']}/NS/@", {"properties": {"TTL": NS_TTL,
                                                      "NSRecords": [{"nsdname": s} for s in servers]}})

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        # the zone's record sets go with it, including the SOA and NS sets users may not delete
        for child in ctx.children(body["id"]):
            crud.delete_resource(ctx, child.id, nested=True, force=True)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        rec = ctx.record(body["id"])
        props = body.setdefault("properties", {})
        props["maxNumberOfRecordSets"] = MAX_RECORD_SETS
        props["maxNumberOfRecordsPerRecordSet"] = records.PUBLIC.max_records
        props["numberOfRecordSets"] = record_set_count(rec.body) if rec else 0
        props["nameServers"] = list(((rec.body if rec else {}).get(crud.PRIVATE) or {}).get("nameServers") or [])
        props.setdefault("zoneType", "Public")


REGISTRY.add(ResourceType(TYPE, DNS, model="Zone", schema_package="dns", hooks=ZoneHooks(), global_location=True,
                          provisioning_state=False, names=NameRule(1, 253, r"^[^/\\?#\s]+$",
                                                                   "The name must be a valid domain name.")))
