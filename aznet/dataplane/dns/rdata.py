"""ARM record-set properties → dnspython rdata.

Public zones spell the lists ``ARecords``, ``AAAARecords``, ``CNAMERecord``,
``SOARecord``, ``caaRecords``… and the TTL ``TTL``; private zones ``aRecords``,
``cnameRecord``, ``soaRecord``… and ``ttl``. Both are read case-insensitively.
Domain names in record data are absolute whether or not they end in a dot, as
Azure DNS treats them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CAA
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.NS
import dns.rdtypes.ANY.PTR
import dns.rdtypes.ANY.SOA
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rdtypes.IN.SRV

from .resources import ci_get, props

IN = dns.rdataclass.IN
DEFAULT_TTL = 3600

# Azure's defaults, used when a zone arrives without its SOA/NS record sets.
PUBLIC_SOA = {"host": "ns1-01.azure-dns.com.", "email": "azuredns-hostmaster.microsoft.com", "serialNumber": 1,
              "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTTL": 300}
PUBLIC_SOA_TTL = 3600
PUBLIC_NS = ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net.", "ns3-01.azure-dns.org.", "ns4-01.azure-dns.info."]
PUBLIC_NS_TTL = 172800
PRIVATE_SOA = {"host": "azureprivatedns.net", "email": "azureprivatedns-host.microsoft.com", "serialNumber": 1,
               "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTtl": 10}
PRIVATE_SOA_TTL = 3600


@dataclass(frozen=True)
class RecordSetData:
    rdtype: int
    ttl: int
    rdatas: tuple[dns.rdata.Rdata, ...]
    alias: str | None            # targetResource.id of an alias record set (lower case)


def absolute(value: str) -> dns.name.Name:
    return dns.name.from_text(str(value).strip(), origin=dns.name.root)


def mailbox(email: str) -> dns.name.Name:
    """SOA RNAME: ``user@example.com`` or ``user.example.com`` → ``user.example.com.``"""
    text = str(email).strip()
    if "@" in text:
        local, _, domain = text.partition("@")
        text = local.replace(".", "\\.") + "." + domain
    return absolute(text)


def _list(p: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = ci_get(p, key)
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _txt_strings(value: Any) -> list[bytes]:
    vals = value if isinstance(value, list) else [value]
    out: list[bytes] = []
    for s in vals:
        b = str(s).encode()
        # a TXT string holds at most 255 octets; longer values are split as Azure does
        out.extend(b[i:i + 255] for i in range(0, max(len(b), 1), 255))
    return out


def soa_rdata(soa: dict[str, Any]) -> dns.rdata.Rdata:
    return dns.rdtypes.ANY.SOA.SOA(
        IN, dns.rdatatype.SOA, absolute(ci_get(soa, "host", PUBLIC_SOA["host"])),
        mailbox(ci_get(soa, "email", PUBLIC_SOA["email"])), int(ci_get(soa, "serialNumber", 1)),
        int(ci_get(soa, "refreshTime", 3600)), int(ci_get(soa, "retryTime", 300)),
        int(ci_get(soa, "expireTime", 2419200)), int(ci_get(soa, "minimumTTL", 300)))


def rdatas_for(rtype: str, p: dict[str, Any]) -> list[dns.rdata.Rdata]:
    """The records of one record set; malformed entries are skipped (the control plane validates)."""
    out: list[dns.rdata.Rdata] = []

    def add(make: Any) -> None:
        try:
            out.append(make())
        except Exception:  # noqa: BLE001 - one bad record must not hide the rest
            pass

    if rtype == "A":
        for r in _list(p, "ARecords"):
            add(lambda r=r: dns.rdtypes.IN.A.A(IN, dns.rdatatype.A, str(ci_get(r, "ipv4Address"))))
    elif rtype == "AAAA":
        for r in _list(p, "AAAARecords"):
            add(lambda r=r: dns.rdtypes.IN.AAAA.AAAA(IN, dns.rdatatype.AAAA, str(ci_get(r, "ipv6Address"))))
    elif rtype == "CNAME":
        c = ci_get(p, "CNAMERecord")
        if isinstance(c, dict) and ci_get(c, "cname"):
            add(lambda: dns.rdtypes.ANY.CNAME.CNAME(IN, dns.rdatatype.CNAME, absolute(ci_get(c, "cname"))))
    elif rtype == "MX":
        for r in _list(p, "MXRecords"):
            add(lambda r=r: dns.rdtypes.ANY.MX.MX(IN, dns.rdatatype.MX, int(ci_get(r, "preference", 0)),
                                                   absolute(ci_get(r, "exchange"))))
    elif rtype == "NS":
        for r in _list(p, "NSRecords"):
            add(lambda r=r: dns.rdtypes.ANY.NS.NS(IN, dns.rdatatype.NS, absolute(ci_get(r, "nsdname"))))
    elif rtype == "PTR":
        for r in _list(p, "PTRRecords"):
            add(lambda r=r: dns.rdtypes.ANY.PTR.PTR(IN, dns.rdatatype.PTR, absolute(ci_get(r, "ptrdname"))))
    elif rtype == "SRV":
        for r in _list(p, "SRVRecords"):
            add(lambda r=r: dns.rdtypes.IN.SRV.SRV(IN, dns.rdatatype.SRV, int(ci_get(r, "priority", 0)),
                                                    int(ci_get(r, "weight", 0)), int(ci_get(r, "port", 0)),
                                                    absolute(ci_get(r, "target"))))
    elif rtype == "TXT":
        for r in _list(p, "TXTRecords"):
            add(lambda r=r: dns.rdtypes.ANY.TXT.TXT(IN, dns.rdatatype.TXT, _txt_strings(ci_get(r, "value", []))))
    elif rtype == "CAA":
        for r in _list(p, "caaRecords"):
            add(lambda r=r: dns.rdtypes.ANY.CAA.CAA(IN, dns.rdatatype.CAA, int(ci_get(r, "flags", 0)),
                                                     str(ci_get(r, "tag", "")).encode(),
                                                     str(ci_get(r, "value", "")).encode()))
    elif rtype == "SOA":
        s = ci_get(p, "SOARecord")
        if isinstance(s, dict):
            add(lambda: soa_rdata(s))
    return out


def record_set(rtype: str, body: dict[str, Any]) -> RecordSetData:
    p = props(body)
    try:
        ttl = int(ci_get(p, "TTL", DEFAULT_TTL))
    except (TypeError, ValueError):
        ttl = DEFAULT_TTL
    target = ci_get(p, "targetResource")
    alias = target.get("id") if isinstance(target, dict) else None
    return RecordSetData(dns.rdatatype.from_text(rtype), max(0, ttl), tuple(rdatas_for(rtype, p)),
                         alias.lower() if isinstance(alias, str) and alias else None)


def default_soa(private: bool) -> RecordSetData:
    soa = PRIVATE_SOA if private else PUBLIC_SOA
    return RecordSetData(dns.rdatatype.SOA, PRIVATE_SOA_TTL if private else PUBLIC_SOA_TTL, (soa_rdata(soa),), None)


def default_ns() -> RecordSetData:
    return RecordSetData(dns.rdatatype.NS, PUBLIC_NS_TTL,
                         tuple(dns.rdtypes.ANY.NS.NS(IN, dns.rdatatype.NS, absolute(n)) for n in PUBLIC_NS), None)
