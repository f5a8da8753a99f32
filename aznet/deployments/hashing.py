"""Deterministic values: uniqueString(), guid() and a template hash.

``guid()`` is a name-based (SHA-1, version 5) UUID of the arguments joined by
'-', under the namespace Azure uses for it.

``uniqueString()`` is ARM's: the arguments joined by '-', UTF-8 encoded, hashed
with the 64-bit MurmurHash variant of Azure's ResourceStack library (two 32-bit
lanes over 8-byte blocks, seed 0, MurmurHash3's 32-bit finaliser on each lane),
then the 64 bits written as 13 characters of lower-case base32
(``abcdefghijklmnopqrstuvwxyz234567``), five bits at a time from the top.
Verified against published outputs of Azure's own implementation
(tests/deployments/test_unique_string.py says where each value comes from)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_C1 = 0x239B961B
_C2 = 0xAB0E9789
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M32


def _fmix(h: int) -> int:
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & _M32
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def _lane1(k: int) -> int:
    return (_rotl((k * _C1) & _M32, 15) * _C2) & _M32


def _lane2(k: int) -> int:
    return (_rotl((k * _C2) & _M32, 17) * _C1) & _M32


def murmur64(data: bytes) -> int:
    """The 64-bit MurmurHash ARM's uniqueString() uses (seed 0)."""
    n = len(data)
    h1 = h2 = 0
    end = n - n % 8
    for i in range(0, end, 8):
        h1 = _rotl(h1 ^ _lane1(int.from_bytes(data[i:i + 4], "little")), 19)
        h1 = (((h1 + h2) & _M32) * 5 + 0x561CCD1B) & _M32
        h2 = _rotl(h2 ^ _lane2(int.from_bytes(data[i + 4:i + 8], "little")), 13)
        h2 = (((h2 + h1) & _M32) * 5 + 0x0BCAA747) & _M32
    tail = data[end:]
    if tail:
        h1 ^= _lane1(int.from_bytes(tail[:4], "little"))
        if len(tail) > 4:
            h2 ^= _lane2(int.from_bytes(tail[4:], "little"))
    h2 ^= n
    h1 = ((h1 ^ n) + h2) & _M32
    h2 = (h2 + h1) & _M32
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & _M32
    h2 = (h2 + h1) & _M32
    return (h2 << 32) | h1


def unique_string(*parts: str) -> str:
    h = murmur64("-".join(parts).encode("utf-8"))
    out = []
    for _ in range(13):
        out.append(_BASE32[h >> 59])
        h = (h << 5) & _M64
    return "".join(out)


def deterministic_guid(*parts: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "-".join(parts)))


def template_hash(template: dict[str, Any]) -> str:
    """A stable decimal hash of a template (the shape of ARM's ``templateHash``)."""
    text = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str)
    return str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16))
