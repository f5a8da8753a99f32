"""Object chunking ("Caching with Azure Front Door", delivery of large files): for a cached request Front Door asks
the origin for the object in 8 MB byte ranges and assembles it.

The origin must answer a ranged request either with 206 and a ``Content-Range`` that matches what it sent, or
with a non-206 response (it ignored the Range): then that response is the object. A 206 whose Content-Range is
missing or wrong is not cached, and the object is fetched again without a Range (inferred: Azure says only that it
does not cache such a response). A chunked-encoded origin answer larger than 8 MB is not supported by Azure; here
the shell has the whole body either way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..exchange import EdgeResponse

CHUNK = 8 * 1024 * 1024
MAX_CHUNKS = 1 << 14  # 128 GB: more than this is not an object this edge assembles
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$", re.I)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    low = name.lower()
    for k, v in headers:
        if k.lower() == low:
            return v
    return None


@dataclass(slots=True)
class ChunkedFetch:
    """The state of one object's chunked fetch: ``range_header()`` names the next request's Range ("" for a
    plain request), ``feed()`` takes the origin's answer and returns the whole object once it has it."""

    chunk: int = CHUNK
    parts: list[bytes] = field(default_factory=list)
    total: int | None = None
    first: EdgeResponse | None = None
    plain: bool = False  # the origin mishandled ranges: fetch the object in one request
    done: bool = False

    @property
    def received(self) -> int:
        return sum(len(p) for p in self.parts)

    def range_header(self) -> str:
        if self.plain:
            return ""
        start = self.received
        end = start + self.chunk - 1
        if self.total is not None:
            end = min(end, self.total - 1)
        return f"bytes={start}-{end}"

    def feed(self, origin: EdgeResponse) -> EdgeResponse | None:
        """The assembled origin response (status 200, no Content-Range), or None: fetch again with
        ``range_header()``."""
        if self.plain or origin.status != 206:
            self.done = True
            return origin
        m = _CONTENT_RANGE.match(_header(origin.headers, "content-range") or "")
        start = self.received
        if m is None or int(m.group(1)) != start or int(m.group(2)) - start + 1 != len(origin.body) \
                or (self.total is not None and int(m.group(3)) != self.total) or int(m.group(3)) > self.chunk * MAX_CHUNKS \
                or not origin.body:
            self.plain, self.parts, self.total = True, [], None
            return None
        if self.first is None:
            self.first = origin
            self.total = int(m.group(3))
        self.parts.append(origin.body)
        if self.received < (self.total or 0):
            return None
        self.done = True
        head = self.first
        headers = [(k, v) for k, v in head.headers if k.lower() not in ("content-range", "content-length")]
        return EdgeResponse(200, headers, b"".join(self.parts))
