"""Edge compression as Front Door does it ("Improve performance by compressing files in Azure Front Door"):
a response is compressed when compression is on for the route, its MIME type is in the route's list, it is
between 1 KB and 8 MB, and the client accepts gzip or brotli; brotli wins when both are accepted. A response
the origin already encoded is passed on (and decoded for a client that does not accept that encoding)."""

from __future__ import annotations

import gzip
import zlib

import brotli

MIN_SIZE = 1024
MAX_SIZE = 8 * 1024 * 1024
ENCODINGS = ("br", "gzip")
# a stored body is decoded only up to this many bytes (a decompression bomb from the origin stays bounded)
MAX_DECODED = 64 * 1024 * 1024


def accepted(accept_encoding: str | None) -> dict[str, float]:
    """``Accept-Encoding`` as {coding: q}; codings with q=0 are refused."""
    out: dict[str, float] = {}
    if not accept_encoding:
        return out
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        out[name] = q
    return out


def choose(accept_encoding: str | None) -> str | None:
    """The edge's encoding for this client: brotli before gzip (Azure: brotli takes precedence)."""
    acc = accepted(accept_encoding)
    for coding in ENCODINGS:
        q = acc[coding] if coding in acc else acc.get("*", 0.0)
        if q > 0:
            return coding
    return None


def acceptable(accept_encoding: str | None, coding: str) -> bool:
    if coding in ("", "identity"):
        return True
    acc = accepted(accept_encoding)
    if coding in acc:
        return acc[coding] > 0
    if coding == "gzip" and "x-gzip" in acc:
        return acc["x-gzip"] > 0
    return acc.get("*", 0.0) > 0


def eligible_size(size: int) -> bool:
    return MIN_SIZE <= size <= MAX_SIZE


def encode(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return brotli.compress(body, quality=5)
    if coding == "gzip":
        return gzip.compress(body, compresslevel=6, mtime=0)
    raise ValueError(coding)


def decode(body: bytes, coding: str) -> bytes | None:
    """The identity bytes of a gzip/deflate/br body; None when the encoding is unknown, the body is corrupt or it
    would decode past MAX_DECODED."""
    try:
        if coding in ("gzip", "x-gzip"):
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = d.decompress(body, MAX_DECODED + 1)
        elif coding == "deflate":
            d = zlib.decompressobj()
            out = d.decompress(body, MAX_DECODED + 1)
        elif coding == "br":
            dec = brotli.Decompressor()
            out = dec.process(body, output_buffer_limit=MAX_DECODED + 1)
        else:
            return None
    except (zlib.error, brotli.error, TypeError):
        return None
    return out if len(out) <= MAX_DECODED else None
