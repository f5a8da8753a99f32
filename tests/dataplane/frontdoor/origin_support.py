"""A scripted origin on loopback for the edge's caching tests: each path answers a fixed body with the headers
the test gives (Content-Type, Cache-Control, ...), counts its requests, remembers the last request headers and
every Range it was asked for; with ``ranges=True`` it answers a single byte range with 206 and Content-Range,
otherwise it ignores Range (the edge must cut ranges from its cached copy)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptedOrigin:
    def __init__(self, host: str, ranges: bool = False) -> None:
        self.ranges = ranges
        self.asked: list[str | None] = []
        self.pages: dict[str, tuple[bytes, list[tuple[str, str]]]] = {}
        self.hits: Counter[str] = Counter()
        self.last: dict[str, dict[str, str]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                owner.hits[path] += 1
                owner.last[path] = {k.lower(): v for k, v in self.headers.items()}
                body, headers = owner.pages.get(path, (f"origin {self.path}".encode(), []))
                rng = self.headers.get("Range")
                owner.asked.append(rng)
                status = 200
                if owner.ranges and rng and rng.startswith("bytes=") and "," not in rng:
                    first, _, last = rng[6:].partition("-")
                    a, b = int(first), min(int(last or len(body) - 1), len(body) - 1)
                    headers = [*headers, ("Content-Range", f"bytes {a}-{b}/{len(body)}")]
                    body, status = body[a:b + 1], 206
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = host, self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, path: str, body: bytes, **headers: str) -> None:
        self.pages[path] = (body, [("-".join(w.capitalize() for w in k.split("_")), v) for k, v in headers.items()])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def scripted_origin(host: str, ranges: bool = False) -> Iterator[ScriptedOrigin]:
    o = ScriptedOrigin(host, ranges)
    try:
        yield o
    finally:
        o.close()
