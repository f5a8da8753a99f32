"""The request and response as the edge's pure cores (rules engine, cache, WAF hookup) see them.

The shell fills an ``EdgeRequest`` from the parsed client request; the cores read it and return decisions.
Header names keep their case as received; lookups are case-insensitive (``header``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class EdgeRequest:
    method: str
    scheme: str  # "http" | "https"
    host: str  # Host header without port, lower-cased
    path: str  # URL path, percent-encoded as received, always starts with "/"
    query: str  # raw query string without "?", "" when absent
    headers: list[tuple[str, str]]
    client_ip: str  # the address Front Door takes as the client's (socket, or X-Forwarded-For when configured)
    client_port: int
    socket_ip: str  # the peer address of the TCP connection
    server_port: int
    http_version: str = "1.1"  # "1.0" | "1.1" | "2.0"
    tls_protocol: str = ""  # e.g. "TLSv1.2"; "" on plain HTTP
    body: bytes = b""

    def header(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        low = name.lower()
        return [v for k, v in self.headers if k.lower() == low]


@dataclass(slots=True)
class EdgeResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None
