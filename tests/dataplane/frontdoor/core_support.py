"""Request/response builders for the pure edge-core tests."""

from __future__ import annotations

from aznet.dataplane.frontdoor.exchange import EdgeRequest, EdgeResponse

HOST = "ep-abc123.z01.azurefd.net"


def request(path: str = "/", query: str = "", *, method: str = "GET", scheme: str = "https", host: str = HOST,
            headers: list[tuple[str, str]] | None = None, client_ip: str = "203.0.113.7", client_port: int = 50123,
            socket_ip: str | None = None, server_port: int | None = None, http_version: str = "1.1",
            tls: str | None = None, body: bytes = b"") -> EdgeRequest:
    port = server_port if server_port is not None else (443 if scheme == "https" else 80)
    return EdgeRequest(method, scheme, host, path, query, list(headers or []), client_ip, client_port,
                       socket_ip or client_ip, port, http_version,
                       tls if tls is not None else ("TLSv1.2" if scheme == "https" else ""), body)


def response(status: int = 200, body: bytes = b"", **headers: str) -> EdgeResponse:
    """Headers as keyword arguments: cache_control="max-age=60" -> Cache-Control: max-age=60."""
    return EdgeResponse(status, [("-".join(w.capitalize() for w in k.split("_")), v) for k, v in headers.items()],
                        body)


def header(resp: EdgeResponse, name: str) -> str | None:
    return resp.header(name)
