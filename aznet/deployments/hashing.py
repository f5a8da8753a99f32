"""Deterministic values: uniqueString(), guid() and a template hash.

``guid()`` is a name-based (SHA-1, version 5) UUID of the arguments joined by
'-', under the namespace Azure uses for it. ``uniqueString()`` has Azure's
shape — 13 characters of lower-case base32 ([a-z2-7]) from a 64-bit
MurmurHash of the arguments joined by '-' — but this is MurmurHash64A with
seed 0, which is not known to be Azure's exact variant: equal inputs give
equal outputs, not necessarily the string Azure would produce."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
_M = 0xC6A4A7935BD1E995
_MASK = 0xFFFFFFFFFFFFFFFF


def murmur64a(data: bytes, seed: int = 0) -> int:
    h = (seed ^ (len(data) * _M)) & _MASK
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        k = int.from_bytes(data[i:i + 8], "little")
        k = (k * _M) & _MASK
        k ^= k >> 47
        k = (k * _M) & _MASK
        h ^= k
        h = (h * _M) & _MASK
    tail = data[end:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


def unique_string(*parts: str) -> str:
    digest = murmur64a("-".join(parts).encode("utf-8")).to_bytes(8, "big")
    return base64.b32encode(digest).decode("ascii").lower()[:13]


def deterministic_guid(*parts: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "-".join(parts)))


def template_hash(template: dict[str, Any]) -> str:
    """A stable decimal hash of a template (the shape of ARM's ``templateHash``)."""
    text = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str)
    return str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16))
