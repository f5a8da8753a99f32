"""Byte ranges (RFC 9110 14) served from a cached full object: one range gives 206 with Content-Range, several
give multipart/byteranges, none satisfiable gives 416 with ``Content-Range: bytes */size``. A malformed Range
header is ignored (the full object is sent), as RFC 9110 allows."""

from __future__ import annotations

import os

MAX_RANGES = 16  # more ranges than this in one request: serve the full object (hostile-input limit)


def parse(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """[(first, last)] inclusive, clamped to the object; [] when none is satisfiable; None when the header is
    absent, malformed or not in bytes."""
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts or len(parts) > MAX_RANGES:
        return None
    out: list[tuple[int, int]] = []
    for p in parts:
        first, dash, last = p.partition("-")
        if not dash:
            return None
        first, last = first.strip(), last.strip()
        if first == "":
            if not last.isdigit():
                return None
            n = int(last)
            if n == 0:
                continue
            out.append((max(0, size - n), size - 1))
            continue
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        a = int(first)
        b = int(last) if last else max(a, size - 1)
        if b < a:
            return None
        if a >= size:
            continue
        out.append((a, min(b, size - 1)))
    return out


def slice_response(body: bytes, ranges: list[tuple[int, int]], content_type: str | None
                   ) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, extra headers, body) for the ranges of a full body."""
    size = len(body)
    if not ranges:
        return 416, [("Content-Range", f"bytes */{size}")], b""
    if len(ranges) == 1:
        a, b = ranges[0]
        return 206, [("Content-Range", f"bytes {a}-{b}/{size}")], body[a:b + 1]
    boundary = os.urandom(12).hex()
    chunks = []
    for a, b in ranges:
        head = f"--{boundary}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        head += f"Content-Range: bytes {a}-{b}/{size}\r\n\r\n"
        chunks.append(head.encode("latin-1") + body[a:b + 1] + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("latin-1"))
    return 206, [("Content-Type", f"multipart/byteranges; boundary={boundary}")], b"".join(chunks)
