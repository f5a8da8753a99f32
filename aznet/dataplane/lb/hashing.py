"""Azure Load Balancer's distribution modes as pure functions (no sockets).

- ``Default``: a hash of the 5-tuple (source IP, source port, destination IP, destination port,
  protocol): each new connection may land on another backend;
- ``SourceIP`` (session persistence "Client IP", a 2-tuple): source and destination IP;
- ``SourceIPProtocol`` ("Client IP and protocol", a 3-tuple): source IP, destination IP, protocol.

The pick is ``candidates[crc32(key) % len(candidates)]`` over the healthy backends in a fixed order,
so it is stable while the pool and its health are unchanged (as Azure documents: persistence holds
while the pool is unchanged) and the same across restarts (no per-process hash seed)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
MODES = ("Default", "SourceIP", "SourceIPProtocol")


def flow_key(mode: str, src_ip: str, src_port: int, dst_ip: str, dst_port: int, protocol: str) -> bytes:
    if mode == "SourceIP":
        return f"{src_ip}|{dst_ip}".encode()
    if mode == "SourceIPProtocol":
        return f"{src_ip}|{dst_ip}|{protocol}".encode()
    return f"{src_ip}|{src_port}|{dst_ip}|{dst_port}|{protocol}".encode()


def pick(candidates: Sequence[T], key: bytes) -> T | None:
    if not candidates:
        return None
    return candidates[zlib.crc32(key) % len(candidates)]
