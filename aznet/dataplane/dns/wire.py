"""The hot path's hand parser: header and question of a plain query, nothing more.

``parse_simple`` accepts exactly the common case — a standard query with one
question, no answer/authority records, and either no additional record or one
EDNS(0) OPT record that carries nothing but cookies or padding (which a server
without cookie support ignores, RFC 7873 §5.2) and no DO bit. Everything else
returns None and goes to the dnspython slow path. ``pop_tcp_message`` frames DNS over TCP."""

from __future__ import annotations

COOKIE, PADDING = 10, 12
OPT = 41


# (key, qend, payload): the question on the wire with the name lower-cased, the offset just past the
# question, the client's EDNS UDP size (0 without EDNS). A plain tuple: a NamedTuple costs a microsecond.
Simple = tuple[bytes, int, int]


def parse_simple(data: bytes) -> Simple | None:
    n = len(data)
    if n < 17 or data[2] & 0xFA or data[4:10] != b"\x00\x01\x00\x00\x00\x00" or data[10]:
        return None                 # QR/opcode/TC set, or not exactly one question and nothing else
    arcount = data[11]
    if arcount > 1:
        return None
    # The question name ends at the first zero octet. A zero inside a label would end it early,
    # but then the key is not a well-formed name and matches no entry: the table validates it.
    i = data.find(0, 12)
    if i < 0 or i - 12 > 254:
        return None
    qend = i + 5
    if qend > n:
        return None
    if 65 <= data[i + 1] <= 90 or 65 <= data[i + 2] <= 90:
        return None                 # a type octet that lower() would change: keep keys unambiguous
    key = data[12:qend].lower()
    if arcount == 0:
        return (key, qend, 0) if qend == n else None
    return _with_opt(data, key, qend, n)


def _with_opt(data: bytes, key: bytes, qend: int, n: int) -> Simple | None:
    """One OPT pseudo-record at the root, EDNS version 0, DO clear, only cookie/padding options."""
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
    return (key, qend, max(payload, 512))


def pop_tcp_message(buf: bytearray) -> bytes | None:
    """The first whole message of a DNS-over-TCP stream (RFC 1035 4.2.2: a two-byte length, then the message),
    taken off ``buf``; None while it has not all arrived."""
    if len(buf) < 2:
        return None
    n = (buf[0] << 8) | buf[1]
    if len(buf) < 2 + n:
        return None
    msg = bytes(buf[2:2 + n])
    del buf[:2 + n]
    return msg
