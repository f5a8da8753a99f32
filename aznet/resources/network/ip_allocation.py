"""Private IP allocation inside a subnet, as Azure does it.

Azure reserves the first four addresses and the last address of every subnet
prefix; a dynamic address is the lowest free one; a static address must lie
inside the subnet, outside the reserved range, and not be taken.

Pure core: ``reserved``, ``check_static``, ``claims_in``.
Shell: ``AddressBook`` (``aznet.netmodel.address_book``) — an index of every
private IP claimed in every subnet, kept by the reconcile seam so that an
allocation does not rescan the subnet's users — and ``Allocator``, which answers within one request's
transaction (the transaction's own writes win over the committed index).

Other resource types whose bodies hold ipConfiguration-shaped objects
(``{"id", "properties": {"privateIPAddress", "subnet": {"id"}}}``) are indexed
automatically; addresses a resource holds but does not show go in
``body["_aznet"]["ipClaims"] = [{"subnet": id, "ip": "10.0.0.4", "ipConfiguration": id}]``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...netmodel.address_book import AddressBook, Claim, claims_in  # noqa: F401 - part of this module's API
from .cidr import IPAddress, IPNetwork, parse_ip  # noqa: F401 - parse_ip is part of this module's API

if TYPE_CHECKING:
    from ...arm.context import Ctx

# -- pure core ----------------------------------------------------------------------


def subnet_prefixes(subnet_body: dict[str, Any] | None) -> list[IPNetwork]:
    """The prefixes of a subnet body (addressPrefix and addressPrefixes)."""
    if not subnet_body:
        return []
    props = subnet_body.get("properties") or {}
    raw: list[Any] = []
    if props.get("addressPrefix"):
        raw.append(props["addressPrefix"])
    raw.extend(props.get("addressPrefixes") or [])
    out: list[IPNetwork] = []
    for p in raw:
        try:
            net = ipaddress.ip_network(str(p), strict=False)
        except ValueError:
            continue
        if net not in out:
            out.append(net)
    return out


def first_usable(net: IPNetwork) -> int:
    """Offset of the first assignable address: Azure keeps .0 to .3."""
    return 4


def last_usable(net: IPNetwork) -> int:
    """Offset of the last assignable address: Azure keeps the last one."""
    return net.num_addresses - 2


def reserved(net: IPNetwork, ip: IPAddress) -> bool:
    off = int(ip) - int(net.network_address)
    return off < first_usable(net) or off > last_usable(net)


def capacity(net: IPNetwork) -> int:
    return max(0, last_usable(net) - first_usable(net) + 1)


def check_static(prefixes: list[IPNetwork], ip: IPAddress) -> None:
    """Raise Azure's error for a static address that is outside or reserved."""
    same = [n for n in prefixes if n.version == ip.version]
    inside = [n for n in same if ip in n]
    if not inside:
        shown = same[0] if same else (prefixes[0] if prefixes else "")
        raise ArmError(400, "PrivateIPAddressNotInSubnet",
                       f"Private static IP address {ip} does not belong to the range of subnet prefix {shown}.")
    net = inside[0]
    if reserved(net, ip):
        raise ArmError(400, "PrivateIPAddressInReservedRange",
                       f"Private static IP address {ip} falls within reserved IP range of subnet prefix {net}.")


PENDING = "private-ip-claims"       # the request's scratch: subnet -> ip -> (owner, ipconfig) claimed so far


def address_book(platform: Any) -> AddressBook:
    """The platform's committed address index (an engine on its reconcile seam, added on first use)."""
    return platform.services.ensure(AddressBook, lambda: platform.reconciler.register(AddressBook()))


# -- allocation within a request ----------------------------------------------------------

class Allocator:
    """Private IP decisions for one request: the committed index corrected by
    what this transaction has already written or claimed."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.book = address_book(ctx.platform)
        self.pending: dict[str, dict[IPAddress, tuple[str, str]]] = ctx.scratch.setdefault(PENDING, {})

    def _committed_holder(self, subnet: str, ip: IPAddress, owner: str) -> tuple[str, str] | None:
        held = self.book.holder(subnet, ip)
        if held is None or held[0] == owner:
            return None
        rec = self.ctx.record(held[0])
        if rec is None:
            return None                                   # deleted in this request
        if rec is self.ctx.platform.store.get(held[0]):
            return held                                   # untouched by this request
        if any(c.subnet == subnet and c.ip == ip for c in claims_in(rec.body, held[0])):
            return held
        return None

    def holder(self, subnet_id: str, ip: IPAddress, owner: str) -> tuple[str, str] | None:
        """(owner key, ipconfig id) of whoever else holds ``ip`` in the subnet."""
        subnet = subnet_id.rstrip("/").lower()
        owner = owner.lower()
        p = self.pending.get(subnet, {}).get(ip)
        if p is not None and p[0] != owner:
            return p
        return self._committed_holder(subnet, ip, owner)

    def claim(self, subnet_id: str, ip: IPAddress, owner: str, ipconfig: str) -> None:
        self.pending.setdefault(subnet_id.rstrip("/").lower(), {})[ip] = (owner.lower(), ipconfig)

    def release(self, owner: str) -> None:
        """Forget this request's claims by ``owner`` (it was deleted or rewritten)."""
        owner = owner.lower()
        for held in self.pending.values():
            for ip in [ip for ip, h in held.items() if h[0] == owner]:
                del held[ip]

    def static(self, subnet_id: str, prefixes: list[IPNetwork], ip: IPAddress, owner: str, ipconfig: str,
               exclude: set[IPAddress] | None = None) -> IPAddress:
        check_static(prefixes, ip)
        other = self.holder(subnet_id, ip, owner)
        if other is not None or (exclude and ip in exclude):
            raise ArmError(400, "PrivateIPAddressIsAllocated",
                           f"IP configuration {ipconfig} is using the private IP address {ip} which is already "
                           f"allocated to resource {other[1] if other else ipconfig}.")
        self.claim(subnet_id, ip, owner, ipconfig)
        return ip

    def _candidates(self, subnet: str, net: IPNetwork) -> Iterator[int]:
        start = max(self.book.hint.get((subnet, net), first_usable(net)), first_usable(net))
        return iter(range(start, last_usable(net) + 1))

    def dynamic(self, subnet_id: str, subnet_name: str, prefixes: list[IPNetwork], version: int, owner: str,
                ipconfig: str, exclude: set[IPAddress] | None = None) -> IPAddress:
        subnet = subnet_id.rstrip("/").lower()
        owner_l = owner.lower()
        nets = [n for n in prefixes if n.version == version]
        pend = self.pending.get(subnet, {})
        for net in nets:
            base = int(net.network_address)
            advancing = True
            for off in self._candidates(subnet, net):
                ip = ipaddress.ip_address(base + off)
                held = self.book.holder(subnet, ip)
                if held is not None and held[0] != owner_l:
                    rec = self.ctx.record(held[0])
                    if rec is not None and rec is self.ctx.platform.store.get(held[0]):
                        if advancing:                      # taken in committed state: skip for good
                            self.book.hint[(subnet, net)] = off + 1
                        continue
                advancing = False
                if self.holder(subnet_id, ip, owner) is not None:
                    continue
                p = pend.get(ip)
                if (p is not None and p[0] != owner_l) or (exclude and ip in exclude):
                    continue
                self.claim(subnet_id, ip, owner, ipconfig)
                return ip
        shown = ", ".join(str(n) for n in nets) or ", ".join(str(n) for n in prefixes)
        if not nets:
            raise ArmError(400, "SubnetDoesNotHaveAddressPrefixForIpVersion",
                           f"Subnet {subnet_name} does not have an IPv{version} address prefix "
                           f"(address prefixes: {shown}).")
        raise ArmError(400, "SubnetIsFull",
                       f"Subnet {subnet_name} with address prefix {shown} does not have enough capacity for "
                       f"1 IP addresses.")

    def available(self, subnet_id: str, prefixes: list[IPNetwork]) -> int:
        subnet = subnet_id.rstrip("/").lower()
        total = sum(capacity(n) for n in prefixes)
        return max(0, total - self.book.count(subnet))


def allocator(ctx: Ctx) -> Allocator:
    return Allocator(ctx)
