"""``X-Azure-Ref`` values: unique per request, cheap to make.

A reference is ``0`` and base64 of: the second it was made (4 bytes) and this process's random seed (14 bytes),
then a counter (9 bytes). The first part changes once a second and is kept encoded, so a request costs one
counter step and the encoding of 9 bytes. Azure's references look alike (``0`` then base64); their inner format
is Azure's own. A forked process (a worker) takes a seed of its own, so references never repeat across
processes."""

from __future__ import annotations

import binascii
import itertools
import os
import time

_SEED = os.urandom(14)
_COUNT = itertools.count()
_second = -1
_prefix = b""


def _reseed() -> None:
    global _SEED, _second
    _SEED = os.urandom(14)
    _second = -1


os.register_at_fork(after_in_child=_reseed)


def new_ref_bytes() -> bytes:
    global _second, _prefix
    now = int(time.time())
    if now != _second:
        _prefix = b"0" + binascii.b2a_base64((now & 0xFFFFFFFF).to_bytes(4, "big") + _SEED, newline=False)
        _second = now
    return _prefix + binascii.b2a_base64(next(_COUNT).to_bytes(9, "big"), newline=False)


def new_ref() -> str:
    return new_ref_bytes().decode("ascii")
