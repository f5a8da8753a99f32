"""The committed private-IP index: subnet -> address -> (owner, ipconfig).

A reconcile engine (``aznet.dataplane.reconcile``): it watches every resource
type, because any body may hold ipConfiguration-shaped objects
(``{"id", "properties": {"privateIPAddress", "subnet": {"id"}}}``); addresses a
resource holds but does not show sit in
``body["_aznet"]["ipClaims"] = [{"subnet": id, "ip": "10.0.0.4", "ipConfiguration": id}]``.
Private IP allocation (``aznet.resources.network.ip_allocation``) reads it so
that an allocation never rescans a subnet's users."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..store.base import Change, Record

if TYPE_CHECKING:
    from ..dataplane.reconcile import Snapshot

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(value: Any) -> IPAddress | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Claim:
    subnet: str          # normalized subnet id
    ip: IPAddress
    ipconfig: str        # id of the ipConfiguration that holds it (or the owner)


def claims_in(body: dict[str, Any] | None, owner: str = "") -> list[Claim]:
    """Every private IP a stored body holds in a subnet."""
    out: list[Claim] = []
    if not body:
        return out

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                ip = props.get("privateIPAddress")
                sub = props.get("subnet")
                if ip and isinstance(sub, dict) and isinstance(sub.get("id"), str):
                    parsed = parse_ip(ip)
                    if parsed is not None:
                        out.append(Claim(sub["id"].rstrip("/").lower(), parsed, str(node.get("id") or owner)))
            for k, v in node.items():
                if k != "_aznet":
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in body.items() if k != "_aznet"})
    for extra in (body.get("_aznet") or {}).get("ipClaims") or []:
        parsed = parse_ip(extra.get("ip"))
        if parsed is not None and isinstance(extra.get("subnet"), str):
            out.append(Claim(extra["subnet"].rstrip("/").lower(), parsed,
                             str(extra.get("ipConfiguration") or owner)))
    return out


class AddressBook:
    """subnet -> ip -> (owner key, ipconfig id), for committed records."""

    name = "ip-addresses"
    watches = frozenset({"*"})
    delivery = "sync"

    def __init__(self) -> None:
        self.by_subnet: dict[str, dict[IPAddress, tuple[str, str]]] = {}
        self.by_owner: dict[str, list[Claim]] = {}
        self.hint: dict[tuple[str, IPNetwork], int] = {}

    # -- the reconcile seam -------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self.by_subnet.clear()
        self.by_owner.clear()
        self.hint.clear()
        self.load(snapshot.all())

    def apply(self, changes: Sequence[Change]) -> None:
        self.on_changes(changes)

    # -- the index ------------------------------------------------------------------------
    def load(self, records: Iterable[Record]) -> None:
        for rec in records:
            self._add(rec.key, rec.body)

    def _add(self, key: str, body: dict[str, Any] | None) -> None:
        claims = claims_in(body, key)
        if not claims:
            return
        self.by_owner[key] = claims
        for c in claims:
            self.by_subnet.setdefault(c.subnet, {})[c.ip] = (key, c.ipconfig)

    def _remove(self, key: str) -> None:
        for c in self.by_owner.pop(key, ()):
            held = self.by_subnet.get(c.subnet)
            if held is not None and held.get(c.ip, ("",))[0] == key:
                del held[c.ip]
                for (sub, net), off in list(self.hint.items()):
                    if sub == c.subnet and c.ip in net:
                        self.hint[(sub, net)] = min(off, int(c.ip) - int(net.network_address))

    def on_changes(self, changes: Iterable[Change]) -> None:
        for ch in changes:
            key = ch.id.lower()
            self._remove(key)
            if ch.kind == "put":
                self._add(key, ch.body)

    def holder(self, subnet: str, ip: IPAddress) -> tuple[str, str] | None:
        return self.by_subnet.get(subnet, {}).get(ip)

    def count(self, subnet: str) -> int:
        return len(self.by_subnet.get(subnet, ()))
