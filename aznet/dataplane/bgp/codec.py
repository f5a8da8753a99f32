"""BGP-4 messages through ExaBGP's codec (used as a library: OPEN, UPDATE, KEEPALIVE, NOTIFICATION).

ExaBGP parses what peers send (path attributes, AS4_PATH merging, RFC 7606 checks) and packs what we
announce (UPDATEs split to the negotiated message size). Only IPv4 unicast is negotiated, with 4-octet
ASNs (RFC 6793). ``Peer`` holds the per-session negotiation ExaBGP needs."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from typing import Any

from exabgp.bgp.message import Message
from exabgp.bgp.message.action import Action
from exabgp.bgp.message.direction import Direction
from exabgp.bgp.message.keepalive import KeepAlive
from exabgp.bgp.message.notification import Notify
from exabgp.bgp.message.open import ASN, Open, RouterID, Version
from exabgp.bgp.message.open.capability import Capabilities
from exabgp.bgp.message.open.capability.asn4 import ASN4
from exabgp.bgp.message.open.capability.capability import Capability
from exabgp.bgp.message.open.capability.mp import MultiProtocol
from exabgp.bgp.message.open.capability.negotiated import Negotiated
from exabgp.bgp.message.open.holdtime import HoldTime
from exabgp.bgp.message.update import EOR, Update
from exabgp.bgp.message.update.attribute import Attribute, Attributes, NextHop, Origin
from exabgp.bgp.message.update.attribute.aspath import SEQUENCE, ASPath
from exabgp.bgp.message.update.nlri.cidr import CIDR
from exabgp.bgp.message.update.nlri.inet import INET
from exabgp.bgp.neighbor import Neighbor
from exabgp.protocol.family import AFI, SAFI
from exabgp.protocol.ip import IP

MARKER = b"\xff" * 16
HEADER = 19
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
MAX_MESSAGE = 4096

_ready = False


def _init() -> None:
    """ExaBGP's logger must be set up (silent) before its parsers run."""
    global _ready
    if not _ready:
        from exabgp.environment import getenv
        from exabgp.logger import log

        env = getenv()
        log.silence()
        log.init(env)
        _ready = True


class BgpError(Exception):
    """A protocol error: the session sends NOTIFICATION (code, subcode) and closes."""

    def __init__(self, code: int, subcode: int, text: str = "", data: bytes = b"") -> None:
        super().__init__(text or f"BGP error {code}/{subcode}")
        self.code, self.subcode, self.data = code, subcode, data


@dataclass(frozen=True, slots=True)
class PathAttrs:
    """What aznet keeps of a received path (shared by every prefix of one UPDATE)."""
    next_hop: str
    as_path: tuple[int, ...]
    origin: str          # Igp | Egp | Incomplete
    med: int | None = None


ORIGINS = {0: "Igp", 1: "Egp", 2: "Incomplete"}


def header(kind: int, body: bytes) -> bytes:
    return MARKER + struct.pack("!HB", HEADER + len(body), kind) + body


def split_header(data: bytes) -> tuple[int, int]:
    """(length, type) of a message header; BgpError (1, x) for a bad one (RFC 4271 6.1)."""
    if data[:16] != MARKER:
        raise BgpError(1, 1, "connection not synchronized")
    length, kind = struct.unpack("!HB", data[16:19])
    if length < HEADER or length > MAX_MESSAGE:
        raise BgpError(1, 2, f"bad message length {length}", data[16:18])
    if kind not in (OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH):
        raise BgpError(1, 3, f"bad message type {kind}", bytes([kind]))
    return length, kind


def keepalive() -> bytes:
    _init()
    return bytes(KeepAlive().message())


def notification(code: int, subcode: int, data: bytes = b"") -> bytes:
    return header(NOTIFICATION, bytes([code, subcode]) + data)


def make_open(asn: int, hold_time: int, router_id: str) -> Any:
    _init()
    caps = Capabilities()
    caps[Capability.CODE.MULTIPROTOCOL] = MultiProtocol([(AFI.ipv4, SAFI.unicast)])
    caps[Capability.CODE.FOUR_BYTES_ASN] = ASN4(asn)
    return Open(Version(4), ASN(asn), HoldTime(hold_time), RouterID(router_id), caps)


class Peer:
    """The negotiation of one session: our OPEN, theirs, and ExaBGP's ``Negotiated``."""

    def __init__(self, asn: int, hold_time: int, router_id: str) -> None:
        _init()
        self.open = make_open(asn, hold_time, router_id)
        self.negotiated = Negotiated(Neighbor())
        self.negotiated.sent(self.open)
        self.peer_asn = 0
        self.hold_time = hold_time
        self.router_id = ""

    def open_message(self) -> bytes:
        return bytes(self.open.message())

    def received_open(self, body: bytes) -> None:
        try:
            o = Open.unpack_message(body)
        except Notify as exc:
            raise BgpError(exc.code, exc.subcode, str(exc)) from None
        except (ValueError, IndexError, struct.error, KeyError, TypeError) as exc:
            raise BgpError(2, 0, f"malformed OPEN: {exc}") from None
        if int(o.version) != 4:
            raise BgpError(2, 1, "unsupported version", struct.pack("!H", 4))
        hold = int(o.hold_time)
        if hold in (1, 2):
            raise BgpError(2, 6, f"unacceptable hold time {hold}")
        self.negotiated.received(o)
        self.peer_asn = int(self.negotiated.peer_as)
        self.hold_time = int(self.negotiated.holdtime)
        self.router_id = str(o.router_id)

    def decode_update(self, body: bytes) -> tuple[list[tuple[str, PathAttrs]], list[str], bool]:
        """(announced [(prefix, attrs)], withdrawn [prefix], end-of-RIB) of one UPDATE body."""
        try:
            upd = Update.unpack_message(body, Direction.IN, self.negotiated)
        except Notify as exc:
            raise BgpError(exc.code, exc.subcode, str(exc)) from None
        except (ValueError, IndexError, struct.error, KeyError, TypeError) as exc:
            raise BgpError(3, 1, f"malformed UPDATE: {exc}") from None
        if isinstance(upd, EOR):
            return [], [], True
        attrs = upd.attributes
        path: PathAttrs | None = None
        announced: list[tuple[str, PathAttrs]] = []
        withdrawn: list[str] = []
        for nlri in upd.nlris:
            if nlri.afi != AFI.ipv4 or nlri.safi != SAFI.unicast:
                continue
            prefix = nlri.cidr.prefix()
            if nlri.action == Action.WITHDRAW:
                withdrawn.append(prefix)
                continue
            if path is None:
                path = _path(attrs, nlri)
            announced.append((prefix, path))
        return announced, withdrawn, False

    def encode_announce(self, routes: list[tuple[str, tuple[int, ...], str]]) -> list[bytes]:
        """UPDATEs announcing ``routes`` [(prefix, as_path, next_hop)], grouped by identical attributes."""
        groups: dict[tuple[tuple[int, ...], str], list[str]] = {}
        for prefix, as_path, hop in routes:
            groups.setdefault((as_path, hop), []).append(prefix)
        out: list[bytes] = []
        for (as_path, hop), prefixes in groups.items():
            attrs = Attributes()
            attrs.add(Origin(Origin.IGP))
            attrs.add(ASPath([SEQUENCE([ASN(a) for a in as_path])]))
            attrs.add(NextHop(hop, IP.pton(hop)))
            nlris = [_nlri(p, Action.ANNOUNCE, hop) for p in prefixes]
            out.extend(bytes(m) for m in Update(nlris, attrs).messages(self.negotiated))
        return out

    def encode_withdraw(self, prefixes: list[str]) -> list[bytes]:
        if not prefixes:
            return []
        nlris = [_nlri(p, Action.WITHDRAW, None) for p in prefixes]
        return [bytes(m) for m in Update(nlris, Attributes()).messages(self.negotiated)]

    def end_of_rib(self) -> bytes:
        return header(UPDATE, b"\x00\x00\x00\x00")


def _nlri(prefix: str, action: Any, hop: str | None) -> Any:
    net = ipaddress.IPv4Network(prefix, strict=False)
    n = INET(AFI.ipv4, SAFI.unicast, action)
    n.cidr = CIDR(net.network_address.packed, net.prefixlen)
    if hop is not None:
        n.nexthop = IP.create(hop)
    return n


def _path(attrs: Any, nlri: Any) -> PathAttrs:
    hop = str(nlri.nexthop) if nlri.nexthop is not None else ""
    origin = attrs.get(Attribute.CODE.ORIGIN)
    aspath = attrs.get(Attribute.CODE.AS_PATH)
    med = attrs.get(Attribute.CODE.MED)
    path: list[int] = []
    if aspath is not None:
        for seg in aspath.aspath:
            path.extend(int(a) for a in seg)
    return PathAttrs(next_hop=hop, as_path=tuple(path),
                     origin=ORIGINS.get(int(origin.origin), "Incomplete") if origin is not None else "Incomplete",
                     med=int(med.med) if med is not None else None)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


__all__ = ["BgpError", "PathAttrs", "Peer", "Message", "header", "keepalive", "notification", "split_header"]
