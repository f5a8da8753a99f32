"""``<relativeName>.trafficmanager.net``: the DNS answers of Traffic Manager profiles.

``TrafficManager`` is what the DNS engine asks for names under trafficmanager.net
(``owns``/``lookup``) and for alias record sets that point at a profile
(``alias_fqdn``/``alias_addresses``). Answers carry the profile TTL: a CNAME to the
chosen endpoint's target, an A/AAAA record when the target is an IP address (and
for MultiValue), a CNAME to the child profile for nested endpoints (followed here,
since this server is authoritative for the child too). A disabled or unknown
profile is NXDOMAIN; a decision with no endpoint is NODATA.

Decisions are cached per (profile, client key) — country for Geographic and
Performance, address for Subnet, nothing for Priority — and the cache is dropped
whenever a profile changes or an endpoint's monitor status changes. Weighted and
MultiValue pick at random per query from a cached list of serving endpoints."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Iterable
from typing import Any

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.SOA
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rrset

from ..dns.view import Client
from ..dns.zone import Lookup
from . import routing
from .monitor import HealthMonitor
from .probe import loopback_only
from .profile import SUFFIX, Endpoint, Profile, parse_profile

IN = dns.rdataclass.IN
A, AAAA, CNAME, ANY, SOA = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.CNAME, dns.rdatatype.ANY,
                            dns.rdatatype.SOA)
ORIGIN = dns.name.from_text(SUFFIX + ".")
# the zone's SOA as aznet serves it (negative answers are cached for 30 s)
SOA_RDATA = dns.rdtypes.ANY.SOA.SOA(IN, SOA, dns.name.from_text("tm1.msft.net."),
                                    dns.name.from_text("hostmaster.trafficmanager.net."),
                                    2003080800, 900, 300, 2419200, 30)
SOA_TTL = 30
MAX_NESTING = 8


class TrafficManager:
    def __init__(self, *, hosts: dict[str, str] | None = None, rng: random.Random | None = None) -> None:
        self.profiles: dict[str, Profile] = {}
        self._by_name: dict[str, str] = {}                      # relative name → profile key
        self.hosts = {k.lower().rstrip("."): v for k, v in (hosts or {}).items()}
        self.rng = rng or random.Random()
        self.resolver: Callable[[str], str | None] | None = None   # aznet's own zones (set by the engine)
        self.monitor = HealthMonitor(self.resolve_target, on_change=self._health_changed)
        self._pools: dict[str, list[Endpoint]] = {}
        self._decisions: dict[tuple[str, str | None, int], list[Endpoint]] = {}
        self.change_listeners: list[Callable[[list[str]], None]] = []
        # told (profile id, endpoint name) each time an answer returns an endpoint (QpsByEndpoint)
        self.on_returned: Callable[[str, str], None] | None = None

    # --- reconciling ---------------------------------------------------------------------------
    def apply(self, changes: Iterable[Any]) -> None:
        """Changes of ``Microsoft.Network/trafficManagerProfiles`` (bodies with ``properties.endpoints``)."""
        for ch in changes:
            if ch.kind == "resync":
                self.profiles.clear()
                self._by_name.clear()
                self.monitor.clear()
                continue
            key = ch.id.lower()
            old = self.profiles.pop(key, None)
            if old is not None and self._by_name.get(old.relative_name) == key:
                del self._by_name[old.relative_name]
            profile = parse_profile(ch.body) if ch.kind == "put" and ch.body else None
            if profile is None:
                self.monitor.remove(key)
                continue
            self.profiles[key] = profile
            self._by_name[profile.relative_name] = key
            self.monitor.configure(profile)
        self._invalidate()

    def _invalidate(self) -> None:
        self._pools.clear()
        self._decisions.clear()

    def _health_changed(self, profile_id: str) -> None:
        self._invalidate()
        for fn in self.change_listeners:
            fn([profile_id])

    # --- where targets are, for the probes -----------------------------------------------------------
    def resolve_target(self, target: str) -> str | None:
        """The loopback address a target reaches on this machine, or None (never probed)."""
        name = target.lower().rstrip(".")
        try:
            return loopback_only(str(ipaddress.ip_address(name)))
        except ValueError:
            pass
        if name == "localhost":
            return "127.0.0.1"
        if name in self.hosts:
            return loopback_only(self.hosts[name])
        hosts_file = _etc_hosts().get(name)
        if hosts_file:
            return loopback_only(hosts_file)
        if self.resolver is not None:
            return loopback_only(self.resolver(name))
        return None

    # --- answers -------------------------------------------------------------------------------------
    def owns(self, qname: dns.name.Name) -> bool:
        return qname.is_subdomain(ORIGIN)

    def profile_for(self, qname: dns.name.Name) -> Profile | None:
        if len(qname.labels) != len(ORIGIN.labels) + 1:
            return None
        key = self._by_name.get(qname.labels[0].decode("ascii", "replace").lower())
        return self.profiles.get(key) if key else None

    def lookup(self, qname: dns.name.Name, qtype: int, client: Client, out: Lookup) -> None:
        out.dynamic = True
        if qname == ORIGIN:
            if qtype in (SOA, ANY):
                out.answer.append(dns.rrset.from_rdata_list(ORIGIN, SOA_TTL, [SOA_RDATA]))
            else:
                self._negative(out, nxdomain=False)
            return
        profile = self.profile_for(qname)
        if profile is None or not profile.enabled:
            self._negative(out, nxdomain=True)
            return
        self._answer(profile, qname, qtype, client, out, depth=0)

    def _answer(self, profile: Profile, owner: dns.name.Name, qtype: int, client: Client, out: Lookup,
                depth: int) -> None:
        address = client.subnet[0] if client.subnet else client.address
        family = 6 if qtype == AAAA else 4
        chosen = self.decide(profile, address, family)
        if client.subnet and profile.method.lower() in ("geographic", "subnet", "performance"):
            out.scope = max(out.scope, client.subnet[1])
        if not chosen:
            self._negative(out, nxdomain=False)
            return
        if self.on_returned is not None:
            for returned in chosen:
                self.on_returned(profile.id, returned.name)
        if profile.method.lower() == "multivalue":
            rdatas = [r for r in (_address_rdata(ep.target) for ep in chosen) if r is not None]
            if qtype in (A, AAAA, ANY) and rdatas:
                out.answer.append(dns.rrset.from_rdata_list(owner, profile.ttl, rdatas))
            else:
                self._negative(out, nxdomain=False)
            return
        ep = chosen[0]
        if ep.kind == "nested":
            child = self.profiles.get(ep.target_resource_id)
            if child is None or depth >= MAX_NESTING:
                self._negative(out, nxdomain=False)
                return
            target = dns.name.from_text(child.fqdn + ".")
            out.answer.append(_cname(owner, profile.ttl, target))
            if qtype != CNAME:
                self._answer(child, target, qtype, client, out, depth + 1)
            return
        rdata = _address_rdata(ep.target)
        if rdata is not None:
            if rdata.rdtype == qtype or qtype == ANY:
                out.answer.append(dns.rrset.from_rdata_list(owner, profile.ttl, [rdata]))
            else:
                self._negative(out, nxdomain=False)
            return
        try:
            target = dns.name.from_text(ep.target.rstrip(".") + ".")
        except dns.exception.DNSException:
            self._negative(out, nxdomain=False)
            return
        out.answer.append(_cname(owner, profile.ttl, target))
        if qtype == CNAME:
            return
        child_profile = self.profile_for(target) if target.is_subdomain(ORIGIN) else None
        if child_profile is not None and child_profile.enabled and depth < MAX_NESTING:
            self._answer(child_profile, target, qtype, client, out, depth + 1)
        else:
            out.dangling = target

    def _negative(self, out: Lookup, nxdomain: bool) -> None:
        out.rcode = 3 if nxdomain else 0
        out.authority = [dns.rrset.from_rdata_list(ORIGIN, SOA_TTL, [SOA_RDATA])]

    # --- decisions -------------------------------------------------------------------------------
    def pool(self, profile: Profile) -> list[Endpoint]:
        found = self._pools.get(profile.key)
        if found is None:
            found = self._pools[profile.key] = routing.serving(profile, lambda ep: self.monitor.serves(profile, ep))
        return found

    def decide(self, profile: Profile, client: str | None, family: int = 4) -> list[Endpoint]:
        method = profile.method.lower()
        pool = self.pool(profile)
        if method in ("weighted", "multivalue"):
            return routing.decide(profile, pool, client, family, self.rng)
        ck = (profile.key, routing.client_key(profile, client), family)
        found = self._decisions.get(ck)
        if found is None:
            found = routing.decide(profile, pool, client, family, self.rng)
            if len(self._decisions) > 100_000:
                self._decisions.clear()
            self._decisions[ck] = found
        return found

    # --- alias record sets (Azure DNS → profile) ---------------------------------------------------
    def alias_fqdn(self, profile_id: str) -> str | None:
        p = self.profiles.get(profile_id.lower())
        return p.fqdn + "." if p is not None else None

    def alias_addresses(self, profile_id: str, rdtype: int) -> list[str]:
        p = self.profiles.get(profile_id.lower())
        if p is None or not p.enabled:
            return []
        family = 6 if rdtype == AAAA else 4
        out = []
        for ep in self.decide(p, None, family):
            ip = ep.ip_target()
            if ip is not None and ip.version == family:
                out.append(str(ip))
        return out


def _cname(owner: dns.name.Name, ttl: int, target: dns.name.Name) -> dns.rrset.RRset:
    return dns.rrset.from_rdata_list(owner, ttl, [dns.rdtypes.ANY.CNAME.CNAME(IN, CNAME, target)])


def _address_rdata(target: str) -> Any:
    try:
        ip = ipaddress.ip_address(target)
    except ValueError:
        return None
    if ip.version == 4:
        return dns.rdtypes.IN.A.A(IN, A, str(ip))
    return dns.rdtypes.IN.AAAA.AAAA(IN, AAAA, str(ip))


_HOSTS: dict[str, str] | None = None


def _etc_hosts() -> dict[str, str]:
    """Names in /etc/hosts (read once); only loopback addresses are ever used from it."""
    global _HOSTS
    if _HOSTS is None:
        found: dict[str, str] = {}
        try:
            with open("/etc/hosts", encoding="utf-8", errors="replace") as f:
                for line in f:
                    parts = line.split("#", 1)[0].split()
                    for name in parts[1:]:
                        found.setdefault(name.lower().rstrip("."), parts[0])
        except OSError:
            pass
        _HOSTS = found
    return _HOSTS
