"""The answers the gateway itself writes: Azure's default error pages and redirects, each one buffer."""

from __future__ import annotations

from http import HTTPStatus

SERVER_V2 = "Microsoft-Azure-Application-Gateway/v2"
SERVER_V1 = "Microsoft-Azure-Application-Gateway/v1"
REASONS = {s.value: s.phrase for s in HTTPStatus}
REASONS[414] = "Request-URI Too Large"
REASONS[504] = "Gateway Time-out"


def reason(status: int) -> str:
    return REASONS.get(status, "Unknown")


def error_page(status: int, server: str = SERVER_V2) -> bytes:
    """Azure's built-in page (the same shape for 400, 403, 404, 408, 413, 414, 500, 502, 504)."""
    title = f"{status} {reason(status)}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            f"<hr><center>{server}</center>\r\n</body>\r\n</html>\r\n").encode()


def response(status: int, body: bytes, headers: list[tuple[str, str]] | None = None, keep_alive: bool = True,
             server: str = SERVER_V2, content_type: str = "text/html") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason(status)}", f"Server: {server}", f"Content-Type: {content_type}",
             f"Content-Length: {len(body)}", "Connection: " + ("keep-alive" if keep_alive else "close")]
    lines.extend(f"{k}: {v}" for k, v in headers or [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
