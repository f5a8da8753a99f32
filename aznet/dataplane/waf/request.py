"""What a data plane hands the WAF: a parsed HTTP request (and, optionally, response metadata)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class HttpRequest:
    method: str
    uri: str                                   # the request target as sent (path?query)
    version: str = "HTTP/1.1"                  # "HTTP/1.1", "HTTP/2.0", ...
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    client_addr: str = "127.0.0.1"             # RemoteAddr: client IP (X-Forwarded-For aware, by the caller)
    client_port: int = 0
    socket_addr: str | None = None             # SocketAddr: the TCP peer; defaults to client_addr
    server_addr: str = "127.0.0.1"
    server_port: int = 80
    host: str | None = None                    # hostname the listener matched (for logs)
    transaction_id: str | None = None          # caller's id; the WAF makes one when absent

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    version: str = "HTTP/1.1"


def as_text(data: bytes | str) -> str:
    """Bytes as a str of latin-1 code points: one char per byte, as ModSecurity sees them."""
    return data if isinstance(data, str) else data.decode("latin-1")
