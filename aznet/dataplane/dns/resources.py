"""What the DNS engine reads from ARM resources: which kind a resource is and
where a record set sits. Bodies are the dicts ARM GET returns (the store's
bodies); types and ids are compared case-insensitively, as ARM does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ... import typenames

PUBLIC_ZONE = typenames.DNS_ZONE.lower()
PRIVATE_ZONE = typenames.PRIVATE_DNS_ZONE.lower()
VNET_LINK = typenames.PRIVATE_DNS_LINK.lower()
TM_PROFILE = typenames.TM_PROFILE.lower()
PUBLIC_IP = typenames.PUBLIC_IP.lower()

RECORD_TYPES = ("A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT")

Kind = Literal["zone", "recordset", "link", "tmprofile", "publicip", "other"]


@dataclass(frozen=True)
class Classified:
    kind: Kind
    private: bool = False
    rtype: str = ""            # record type of a record set (upper case)


def classify(rtype: str) -> Classified:
    t = rtype.lower()
    if t in (PUBLIC_ZONE, PRIVATE_ZONE):
        return Classified("zone", t == PRIVATE_ZONE)
    if t == VNET_LINK:
        return Classified("link", True)
    if t == TM_PROFILE:
        return Classified("tmprofile")
    if t == PUBLIC_IP:
        return Classified("publicip")
    for zone_type in (PUBLIC_ZONE, PRIVATE_ZONE):
        if t.startswith(zone_type + "/"):
            rec = t[len(zone_type) + 1:].upper()
            if rec in RECORD_TYPES:
                return Classified("recordset", zone_type == PRIVATE_ZONE, rec)
    return Classified("other")


@dataclass(frozen=True)
class RecordSetRef:
    zone_id: str        # normalized (lower case) id of the zone
    zone_name: str      # lower case, no trailing dot
    rtype: str          # upper case
    name: str           # relative name as in ARM ('@' for the apex), lower case


def zone_key(rid: str) -> str:
    return rid.lower().rstrip("/")


def zone_name_of(zone_id: str) -> str:
    return zone_id.rstrip("/").rsplit("/", 1)[-1].lower().rstrip(".")


def record_set_ref(rid: str) -> RecordSetRef | None:
    """``…/{dnszones|privateDnsZones}/{zone}/{TYPE}/{name}`` → its parts."""
    parts = rid.rstrip("/").split("/")
    if len(parts) < 4:
        return None
    zone_id = "/".join(parts[:-2])
    if parts[-4].lower() not in ("dnszones", "privatednszones"):
        return None
    return RecordSetRef(zone_key(zone_id), parts[-3].lower().rstrip("."), parts[-2].upper(), parts[-1].lower())


def link_parent(rid: str) -> str:
    """The zone id of a virtual network link id."""
    return zone_key(rid.rstrip("/").rsplit("/", 2)[0])


def props(body: dict[str, Any] | None) -> dict[str, Any]:
    p = (body or {}).get("properties")
    return p if isinstance(p, dict) else {}


def ci_get(d: dict[str, Any], key: str, default: Any = None) -> Any:
    """A property by name, ignoring case (public and private zones spell ``ARecords``/``aRecords``, ``TTL``/``ttl``)."""
    if key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if k.lower() == low:
            return v
    return default
