"""The answers the edge writes itself: Azure Front Door's error pages and redirects, each one buffer.

Statuses (Azure's docs; "inferred" where they are silent):
- a host the edge does not serve, or no route pattern matching the path: 404 (the current route-matching article
  says 404; older revisions said 400);
- no origin can be reached (connection refused or reset, DNS failure, TLS failure): 503 (ErrorInfo
  ``OriginConnectionError`` / ``OriginInvalidResponse``), Azure's "Our services aren't available right now" page
  carrying the X-Azure-Ref;
- the origin does not answer within the origin response timeout: 504 (ErrorInfo ``OriginTimeout``);
- HTTP to HTTPS redirect of a route: 307 (inferred), classic redirect configurations with their redirect type.
"""

from __future__ import annotations

from http import HTTPStatus

REASONS = {s.value: s.phrase for s in HTTPStatus}
UNAVAILABLE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Our services aren\'t available right now'
    "</title></head><body><h2>Our services aren't available right now</h2><p>We're working to restore all services "
    "as soon as possible. Please check back soon.</p><p>{ref}</p></body></html>")
NOT_FOUND = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>'
             "<body><h2>Page not found</h2><p>The requested page could not be found.</p><p>{ref}</p></body></html>")


def reason(status: int) -> str:
    return REASONS.get(status, "Unknown")


def error_page(status: int, ref: str) -> bytes:
    if status in (503, 504, 502):
        return UNAVAILABLE.format(ref=ref).encode()
    if status == 404:
        return NOT_FOUND.format(ref=ref).encode()
    return f"<html><body><h2>{status} {reason(status)}</h2><p>{ref}</p></body></html>".encode()


def response(status: int, body: bytes, headers: list[tuple[str, str]] | None = None, keep_alive: bool = True,
             content_type: str = "text/html", head: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason(status)}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    if not keep_alive:
        lines.append("Connection: close")
    lines.extend(f"{k}: {v}" for k, v in headers or [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body)
