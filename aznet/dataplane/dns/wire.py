"""The hot path's hand parser: header and question of a plain query, nothing more.

``parse_simple`` accepts exactly the common case — a standard query with one
question, no answer/authority records, and either no additional record or one
EDNS(0) OPT record that carries nothing but cookies or padding (which a server
without cookie support ignores, RFC 7873 §5.2) and no DO bit. Everything else
returns None and goes to the dnspython slow path."""

from __future__ import annotations

from typing import NamedTuple

COOKIE, PADDING = 10, 12
OPT = 41


class Simple(NamedTuple):
    key: bytes          # question on the wire, name lower-cased
    qend: int           # offset just past the question
    payload: int        # the client's EDNS UDP size, or 0 without EDNS


def parse_simple(data: bytes) -> Simple | None:
    n = len(data)
    if n < 17 or data[2] & 0xFA or data[4] or data[5] != 1 or data[6:10] != b"\x00\x00\x00\x00":
        return None                 # QR/opcode/TC set, or not exactly one question and nothing else
    arcount = (data[10] << 8) | data[11]
    if arcount > 1:
        return None
    i = 12
    while True:
        if i >= n:
            return None
        ln = data[i]
        if ln == 0:
            break
        if ln > 63:
            return None             # compression pointer or extended label in a question: slow path
        i += ln + 1
    if i - 12 > 254:
        return None
    qend = i + 5
    if qend > n:
        return None
    key = data[12:i].lower() + data[i:qend]
    if arcount == 0:
        return Simple(key, qend, 0) if qend == n else None
    # one OPT pseudo-record at the root
    if qend + 11 > n or data[qend] != 0 or data[qend + 1] != 0 or data[qend + 2] != OPT:
        return None
    payload = (data[qend + 3] << 8) | data[qend + 4]
    if data[qend + 6] != 0 or data[qend + 7] & 0x80:
        return None                 # EDNS version > 0 (BADVERS) or DO set: slow path
    rdlen = (data[qend + 9] << 8) | data[qend + 10]
    j = qend + 11
    if j + rdlen != n:
        return None
    while j < n:
        if j + 4 > n:
            return None
        code = (data[j] << 8) | data[j + 1]
        olen = (data[j + 2] << 8) | data[j + 3]
        if code not in (COOKIE, PADDING) or j + 4 + olen > n:
            return None
        j += 4 + olen
    return Simple(key, qend, max(payload, 512))
