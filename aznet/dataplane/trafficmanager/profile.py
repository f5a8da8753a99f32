"""Traffic Manager profiles as the data plane reads them from ARM bodies
(``Microsoft.Network/trafficManagerProfiles`` with ``properties.endpoints``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TTL = 60
SUFFIX = "trafficmanager.net"


@dataclass(frozen=True)
class SubnetRange:
    first: int
    last: int
    version: int


@dataclass(frozen=True)
class Monitor:
    protocol: str = "HTTP"
    port: int = 80
    path: str = "/"
    interval: float = 30.0
    timeout: float = 10.0
    tolerated: int = 3
    expected: tuple[tuple[int, int], ...] = ((200, 200),)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Endpoint:
    id: str                     # ARM id (or profile id + '/' + name when the body had none)
    name: str
    kind: str                   # "azure" | "external" | "nested"
    target: str                 # host name or IP the answer points at (nested: the child profile's FQDN)
    target_resource_id: str     # lower case; the child profile for nested endpoints
    enabled: bool
    weight: int
    priority: int
    location: str               # normalized region name ("westeurope"), or ""
    geo: tuple[str, ...]        # upper-case region codes
    subnets: tuple[SubnetRange, ...]
    min_children: int
    min_children_v4: int
    min_children_v6: int
    always_serve: bool
    headers: tuple[tuple[str, str], ...]

    @property
    def key(self) -> str:
        return self.id.lower()

    def ip_target(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        try:
            return ipaddress.ip_address(self.target)
        except ValueError:
            return None


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    relative_name: str          # lower case
    ttl: int
    enabled: bool
    method: str                 # Priority | Weighted | Performance | Geographic | MultiValue | Subnet
    monitor: Monitor
    endpoints: tuple[Endpoint, ...] = field(default_factory=tuple)
    max_return: int = 0

    @property
    def key(self) -> str:
        return self.id.lower()

    @property
    def fqdn(self) -> str:
        return f"{self.relative_name}.{SUFFIX}"


def _int(v: Any, default: int) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def region_key(location: Any) -> str:
    return str(location or "").replace(" ", "").lower()


def _ip_int(text: str) -> tuple[int, int] | None:
    try:
        ip = ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None
    return int(ip), ip.version


def parse_subnet(item: Any) -> SubnetRange | None:
    """``{first, last}``, ``{first, scope}`` (CIDR) or ``{first}`` (one address)."""
    if not isinstance(item, dict) or not item.get("first"):
        return None
    first = _ip_int(item["first"])
    if first is None:
        return None
    lo, version = first
    bits = 32 if version == 4 else 128
    if item.get("scope") not in (None, ""):
        scope = max(0, min(bits, _int(item.get("scope"), bits)))
        net = ipaddress.ip_network(f"{ipaddress.ip_address(lo)}/{scope}", strict=False)
        return SubnetRange(int(net.network_address), int(net.broadcast_address), version)
    if item.get("last"):
        last = _ip_int(item["last"])
        if last is None or last[1] != version:
            return None
        return SubnetRange(lo, last[0], version)
    return SubnetRange(lo, lo, version)


def _headers(items: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(items, list):
        return ()
    return tuple((str(h.get("name")), str(h.get("value", ""))) for h in items
                 if isinstance(h, dict) and h.get("name"))


def _kind(etype: str) -> str:
    t = etype.rsplit("/", 1)[-1].lower()
    if t.startswith("nested"):
        return "nested"
    if t.startswith("azure"):
        return "azure"
    return "external"


def parse_monitor(mon: Any) -> Monitor:
    mon = mon if isinstance(mon, dict) else {}
    protocol = str(mon.get("protocol") or "HTTP").upper()
    ranges = tuple((_int(r.get("min"), 200), _int(r.get("max"), 200))
                   for r in (mon.get("expectedStatusCodeRanges") or []) if isinstance(r, dict))
    interval = max(1.0, float(_int(mon.get("intervalInSeconds"), 30)))
    timeout = max(0.1, min(float(_int(mon.get("timeoutInSeconds"), 10)), interval))
    return Monitor(protocol=protocol, port=_int(mon.get("port"), 443 if protocol == "HTTPS" else 80),
                   path=str(mon.get("path") or "/"), interval=interval, timeout=timeout,
                   tolerated=max(0, _int(mon.get("toleratedNumberOfFailures"), 3)),
                   expected=ranges or ((200, 200),), headers=_headers(mon.get("customHeaders")))


def parse_profile(body: dict[str, Any]) -> Profile | None:
    props = body.get("properties") if isinstance(body.get("properties"), dict) else {}
    dns_config = props.get("dnsConfig") if isinstance(props.get("dnsConfig"), dict) else {}
    relative = str(dns_config.get("relativeName") or "").lower().rstrip(".")
    if not relative:
        return None
    pid = str(body.get("id") or "")
    endpoints = []
    for i, ep in enumerate(props.get("endpoints") or []):
        if not isinstance(ep, dict):
            continue
        ep_props = ep.get("properties") if isinstance(ep.get("properties"), dict) else {}
        name = str(ep.get("name") or f"endpoint{i}")
        subnets = tuple(s for s in (parse_subnet(x) for x in (ep_props.get("subnets") or [])) if s is not None)
        endpoints.append(Endpoint(
            id=str(ep.get("id") or f"{pid}/{name}"), name=name, kind=_kind(str(ep.get("type") or "")),
            target=str(ep_props.get("target") or "").rstrip("."),
            target_resource_id=str(ep_props.get("targetResourceId") or "").lower(),
            enabled=str(ep_props.get("endpointStatus") or "Enabled").lower() != "disabled",
            weight=max(1, _int(ep_props.get("weight"), 1)),
            priority=_int(ep_props.get("priority"), i + 1),
            location=region_key(ep_props.get("endpointLocation")),
            geo=tuple(str(g).upper() for g in (ep_props.get("geoMapping") or [])),
            subnets=subnets,
            min_children=max(1, _int(ep_props.get("minChildEndpoints"), 1)),
            min_children_v4=max(0, _int(ep_props.get("minChildEndpointsIPv4"), 0)),
            min_children_v6=max(0, _int(ep_props.get("minChildEndpointsIPv6"), 0)),
            always_serve=str(ep_props.get("alwaysServe") or "").lower() == "enabled",
            headers=_headers(ep_props.get("customHeaders"))))
    return Profile(
        id=pid, name=str(body.get("name") or ""), relative_name=relative,
        ttl=max(0, _int(dns_config.get("ttl"), DEFAULT_TTL)),
        enabled=str(props.get("profileStatus") or "Enabled").lower() != "disabled",
        method=str(props.get("trafficRoutingMethod") or "Performance"),
        monitor=parse_monitor(props.get("monitorConfig")), endpoints=tuple(endpoints),
        max_return=_int(props.get("maxReturn"), 0))
