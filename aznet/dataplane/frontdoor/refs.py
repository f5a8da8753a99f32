"""``X-Azure-Ref`` values: unique per request, cheap to make.

A reference is ``0`` and base64 of: the second it was made (4 bytes) and this process's random seed (14 bytes),
then base64 of a counter (9 bytes). Azure's references look alike (``0`` then base64); their inner format is
Azure's own. A forked process (a worker) takes a seed of its own, so references never repeat across processes.

Per request: one counter step, a clock read and two lookups. The last two base64 characters encode the counter's
low 12 bits exactly (9 bytes are 3 groups of 3 bytes -> 4 characters), so they come from a table of the 4096 pairs;
everything before them (the second, the seed, the counter's higher bits) changes once a second or once per 4096
references and is kept encoded with the block it is for (``_renew``)."""

from __future__ import annotations

import binascii
import itertools
import os
import time

_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TAILS = tuple(bytes((_B64[i >> 6], _B64[i & 63])) for i in range(4096))
_LOW = 0xFFF
_SEED = os.urandom(14)
_COUNT = itertools.count()
_clock = time.time
_state: tuple[int, float, bytes] = (-1, 0.0, b"")  # (counter >> 12, the clock reading ending its second, prefix)


def _reseed() -> None:
    global _SEED, _state
    _SEED = os.urandom(14)
    _state = (-1, 0.0, b"")


os.register_at_fork(after_in_child=_reseed)


def _renew(n: int) -> bytes:
    """The encoded part before the last two characters, for counter value ``n`` (a new second or 4096 block);
    kept with its block, so a caller whose counter is in another block never takes it (threads)."""
    global _state
    now = int(_clock())
    prefix = (b"0" + binascii.b2a_base64((now & 0xFFFFFFFF).to_bytes(4, "big") + _SEED, newline=False)
              + binascii.b2a_base64(n.to_bytes(9, "big"), newline=False)[:10])
    _state = (n >> 12, now + 1.0, prefix)
    return prefix


def new_ref_bytes() -> bytes:
    n = next(_COUNT)
    block, until, prefix = _state
    if block != n >> 12 or _clock() >= until:
        prefix = _renew(n)
    return prefix + _TAILS[n & _LOW]


def new_ref() -> str:
    return new_ref_bytes().decode("ascii")
