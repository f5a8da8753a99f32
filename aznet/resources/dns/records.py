"""Record values of DNS record sets, checked as Azure DNS checks them: which
property holds each record type (public zones say ``ARecords``, private zones
``aRecords``), IP addresses, domain names, numeric ranges, TTLs. Pure functions
shared by public and private zones; they raise ArmError and return the
canonical value to store."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...arm.errors import ArmError

MAX_TTL = 2147483647
LABEL_RE = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


@dataclass(frozen=True)
class Flavor:
    """Where one zone kind (public or private) keeps each record type in a record set's properties."""

    fields: Mapping[str, str]          # record type -> property (ARecords / aRecords ...)
    ttl: str                           # TTL / ttl
    soa_min_ttl: str                   # minimumTTL / minimumTtl
    max_records: int                   # records per record set

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.fields)

    def canonical_type(self, rtype: str) -> str | None:
        for t in self.fields:
            if t.lower() == rtype.lower():
                return t
        return None


PUBLIC = Flavor({"A": "ARecords", "AAAA": "AAAARecords", "CAA": "caaRecords", "CNAME": "CNAMERecord",
                 "MX": "MXRecords", "NS": "NSRecords", "PTR": "PTRRecords", "SOA": "SOARecord",
                 "SRV": "SRVRecords", "TXT": "TXTRecords"}, "TTL", "minimumTTL", 20)
PRIVATE = Flavor({"A": "aRecords", "AAAA": "aaaaRecords", "CNAME": "cnameRecord", "MX": "mxRecords",
                  "PTR": "ptrRecords", "SOA": "soaRecord", "SRV": "srvRecords", "TXT": "txtRecords"},
                 "ttl", "minimumTtl", 20)
SINGLE = frozenset({"CNAME", "SOA"})   # these types hold one record, not a list


def bad(message: str, target: str | None = None) -> ArmError:
    return ArmError(400, "BadRequest", message, target=target)


def _int(value: Any, path: str, lo: int, hi: int, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad(f"The value '{value}' of '{path}' is invalid: it must be an integer.", path)
    try:
        number = int(value)
    except ValueError:
        raise bad(f"The value '{value}' of '{path}' is invalid: it must be an integer.", path) from None
    if isinstance(value, float) and not value.is_integer():
        raise bad(f"The value '{value}' of '{path}' is invalid: it must be an integer.", path)
    if not lo <= number <= hi:
        raise bad(f"The value {number} of '{path}' is out of range. It must be between {lo} and {hi}.", path)
    return number


def check_ttl(value: Any, path: str, default: int = 3600) -> int:
    return _int(value, path, 0, MAX_TTL, default)


def domain_name(value: Any, path: str) -> str:
    """A host name a record points at (CNAME, MX exchange, NS, PTR, SRV target)."""
    if not isinstance(value, str) or not value.strip():
        raise bad(f"The domain name '{value}' is invalid.", path)
    name = value.strip()
    body = name[:-1] if name.endswith(".") else name
    if not body or len(body) > 253 or not all(LABEL_RE.match(lbl) for lbl in body.split(".")):
        raise bad(f"The domain name '{value}' is invalid.", path)
    return name


def record_set_name(name: str, zone: str) -> None:
    """``@`` or relative labels, an optional leading ``*`` wildcard label, FQDN within 253 characters."""
    if name == "@":
        return
    labels = name.split(".")
    ok = all(LABEL_RE.match(lbl) or (lbl == "*" and i == 0) for i, lbl in enumerate(labels))
    if not ok or len(name) + 1 + len(zone) > 253:
        raise bad(f"The record set name '{name}' is invalid. Record set names are relative to the zone, use '@' "
                  "for the zone apex, and consist of labels of up to 63 letters, digits, hyphens and underscores "
                  "(a leading '*' label is a wildcard).")


def zone_name(name: str) -> None:
    """A zone name: at least two labels, each 1-63 characters, at most 253 in all (no trailing dot)."""
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253 or not all(LABEL_RE.match(lbl) for lbl in labels):
        raise ArmError(400, "BadRequest", f"The domain name '{name}' is invalid.")


def fqdn(name: str, zone: str) -> str:
    return f"{zone}." if name == "@" else f"{name}.{zone}."


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(f"The record at '{path}' is invalid: it must be an object.", path)
    return value


def _ip(value: Any, path: str, version: int) -> str:
    try:
        ip = ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        ip = None
    if ip is None or ip.version != version:
        kind = "IPv4" if version == 4 else "IPv6"
        raise bad(f"The {kind} address '{value}' at '{path}' is invalid.", path)
    return str(ip)


def check_record(rtype: str, rec: Any, path: str, flavor: Flavor) -> dict[str, Any]:
    """One record of ``rtype`` in its canonical wire form."""
    r = _obj(rec, path)
    if rtype == "A":
        return {"ipv4Address": _ip(r.get("ipv4Address"), f"{path}.ipv4Address", 4)}
    if rtype == "AAAA":
        return {"ipv6Address": _ip(r.get("ipv6Address"), f"{path}.ipv6Address", 6)}
    if rtype == "CNAME":
        return {"cname": domain_name(r.get("cname"), f"{path}.cname")}
    if rtype == "MX":
        return {"preference": _int(r.get("preference"), f"{path}.preference", 0, 65535),
                "exchange": domain_name(r.get("exchange"), f"{path}.exchange")}
    if rtype == "NS":
        return {"nsdname": domain_name(r.get("nsdname"), f"{path}.nsdname")}
    if rtype == "PTR":
        return {"ptrdname": domain_name(r.get("ptrdname"), f"{path}.ptrdname")}
    if rtype == "SRV":
        return {"priority": _int(r.get("priority"), f"{path}.priority", 0, 65535),
                "weight": _int(r.get("weight"), f"{path}.weight", 0, 65535),
                "port": _int(r.get("port"), f"{path}.port", 0, 65535),
                "target": domain_name(r.get("target"), f"{path}.target")}
    if rtype == "TXT":
        values = r.get("value")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise bad(f"The TXT record at '{path}' is invalid: 'value' must be a non-empty list of strings.", path)
        if sum(len(v) for v in values) > 4096:
            raise bad(f"The TXT record at '{path}' is too long: at most 4096 characters in all.", path)
        return {"value": list(values)}
    if rtype == "CAA":
        tag = r.get("tag")
        if not isinstance(tag, str) or not re.match(r"^[A-Za-z0-9]{1,15}$", tag):
            raise bad(f"The CAA tag '{tag}' at '{path}.tag' is invalid.", f"{path}.tag")
        value = r.get("value")
        if not isinstance(value, str):
            raise bad(f"The CAA value at '{path}.value' is invalid.", f"{path}.value")
        return {"flags": _int(r.get("flags"), f"{path}.flags", 0, 255, 0), "tag": tag, "value": value}
    if rtype == "SOA":
        out: dict[str, Any] = {}
        if r.get("host") is not None:
            out["host"] = domain_name(r["host"], f"{path}.host")
        email = r.get("email")
        if email is not None:
            out["email"] = domain_name(email, f"{path}.email")
        for key, lo in (("serialNumber", 0), ("refreshTime", 0), ("retryTime", 0), ("expireTime", 0),
                        (flavor.soa_min_ttl, 0)):
            if r.get(key) is not None:
                out[key] = _int(r[key], f"{path}.{key}", lo, 4294967295 if key == "serialNumber" else MAX_TTL)
        return out
    raise bad(f"The record type '{rtype}' is not supported.")


def check_records(rtype: str, props: dict[str, Any], flavor: Flavor) -> None:
    """Check and canonicalize the records of ``rtype`` in ``props`` (mutated); refuse records of other types."""
    own = flavor.fields[rtype]
    for t, prop in flavor.fields.items():
        if t != rtype and props.get(prop) not in (None, [], {}):
            raise bad(f"A record set of type '{rtype}' cannot contain records of type '{t}' ('{prop}').",
                      f"properties.{prop}")
        if t != rtype:
            props.pop(prop, None)
    value = props.get(own)
    if value is None:
        return
    if rtype in SINGLE:
        props[own] = check_record(rtype, value, f"properties.{own}", flavor)
        return
    if not isinstance(value, list):
        raise bad(f"The value of 'properties.{own}' is invalid: it must be a list.", f"properties.{own}")
    if len(value) > flavor.max_records:
        raise bad(f"The record set has {len(value)} records of type '{rtype}'; at most {flavor.max_records} "
                  "records are allowed in a record set.", f"properties.{own}")
    out = [check_record(rtype, rec, f"properties.{own}[{i}]", flavor) for i, rec in enumerate(value)]
    seen = set()
    for rec in out:
        key = repr(sorted(rec.items()))
        if key in seen:
            raise bad(f"The record set contains a duplicate record of type '{rtype}': {rec}.", f"properties.{own}")
        seen.add(key)
    props[own] = out


def has_records(rtype: str, props: dict[str, Any], flavor: Flavor) -> bool:
    return props.get(flavor.fields[rtype]) not in (None, [], {})
