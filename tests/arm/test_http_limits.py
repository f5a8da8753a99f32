"""Protocol edges of the ARM HTTP server over raw TLS sockets: header floods,
oversized URLs and headers, slow and idle connections, the connection cap,
and authentication before the body (issue 8, item 1).

Timeouts are tested with small configured values and a "connection closed"
check, never by measuring time."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest

from .helpers import http, token

RG_API = "api-version=2021-04-01"


def connect(inst) -> ssl.SSLSocket:  # type: ignore[no-untyped-def]
    ctx = ssl.create_default_context(cafile=str(inst.ca_path))
    host, port = inst.endpoint.removeprefix("https://").rsplit(":", 1)
    raw = socket.create_connection((host, int(port)), timeout=15)
    return ctx.wrap_socket(raw, server_hostname=host)


def read_response(sock: ssl.SSLSocket) -> tuple[int, dict[str, str], bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response; got {buf!r}")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]


def is_closed(sock: ssl.SSLSocket) -> bool:
    """True once the server has closed the connection (reads drained until EOF)."""
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


@contextmanager
def limits(inst, **changes) -> Iterator[None]:  # type: ignore[no-untyped-def]
    server = inst.server.http
    old, old_cap = server.limits, server.max_connections
    server.limits = replace(old, **changes)
    if "max_connections" in changes:
        server.max_connections = changes["max_connections"]
    try:
        yield
    finally:
        server.limits, server.max_connections = old, old_cap


def health_ok(inst) -> bool:  # type: ignore[no-untyped-def]
    with http(inst) as c:
        return c.get("/_aznet/health").status_code == 200


def test_header_flood_is_431_and_costs_nothing(aznet):
    sock = connect(aznet)
    head = b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n" + b"X-Flood: a\r\n" * 400_000
    try:
        sock.sendall(head)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass   # the server answered and closed while we were still sending
    status, _, body = read_response(sock)
    assert status == 431 and b"RequestHeaderFieldsTooLarge" in body
    assert is_closed(sock)
    assert health_ok(aznet)


def test_header_count_limit(aznet):
    lim = aznet.server.http.limits.max_headers
    sock = connect(aznet)
    sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * lim + b"\r\n")
    status, _, _ = read_response(sock)
    assert status == 431
    sock = connect(aznet)
    sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * (lim - 2) + b"\r\n")
    status, _, _ = read_response(sock)
    assert status == 200


def test_one_huge_header_is_431(aznet):
    sock = connect(aznet)
    try:
        sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (8 * 1024 * 1024))
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass
    status, _, _ = read_response(sock)
    assert status == 431
    assert is_closed(sock)
    assert health_ok(aznet)


def test_long_url_is_414(aznet):
    sock = connect(aznet)
    try:
        sock.sendall(b"GET /" + b"a" * (4 * 1024 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass
    status, _, body = read_response(sock)
    assert status == 414 and b"RequestUriTooLong" in body
    assert is_closed(sock)
    assert health_ok(aznet)


def test_repeated_headers_are_joined(aznet):
    """Repeated headers reach the handler joined with commas, as HTTP says."""
    sock = connect(aznet)
    sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n"
                 + b"".join(b"x-ms-client-request-id: id%d\r\n" % i for i in range(50)) + b"\r\n")
    status, headers, _ = read_response(sock)
    assert status == 200
    assert headers["x-ms-client-request-id"] == ", ".join(f"id{i}" for i in range(50))


def test_slow_headers_are_closed_with_408(aznet):
    with limits(aznet, header_timeout=0.3):
        sock = connect(aznet)
        sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        status, headers, _ = read_response(sock)
        assert status == 408 and headers.get("connection") == "close"
        assert is_closed(sock)


def test_silent_connection_is_closed(aznet):
    with limits(aznet, header_timeout=0.3):
        sock = connect(aznet)
        assert is_closed(sock)


def test_slow_body_is_closed_with_408(aznet):
    tok = token(aznet)
    with limits(aznet, body_timeout=0.3):
        sock = connect(aznet)
        sock.sendall(f"PUT /subscriptions/{aznet.subscription_id}/resourcegroups/slow?{RG_API} HTTP/1.1\r\n"
                     f"Host: x\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\n"
                     "Content-Length: 100\r\n\r\n{\"loc".encode())
        status, _, _ = read_response(sock)
        assert status == 408
        assert is_closed(sock)
    with http(aznet) as c:
        c.headers["Authorization"] = f"Bearer {tok}"
        assert c.get(f"/subscriptions/{aznet.subscription_id}/resourcegroups/slow?{RG_API}").status_code == 404


def test_idle_keep_alive_is_closed(aznet):
    with limits(aznet, idle_timeout=0.3):
        sock = connect(aznet)
        sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, _ = read_response(sock)
        assert status == 200 and "connection" not in headers      # kept alive ...
        assert is_closed(sock)                                      # ... until idle too long


def test_keep_alive_serves_many_requests(aznet):
    sock = connect(aznet)
    for _ in range(3):
        sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock)[0] == 200


def test_connection_cap_keeps_health_checks_working(aznet, caplog):
    caplog.set_level(logging.WARNING, logger="aznet.http")
    held = []
    with limits(aznet, max_connections=8):
        try:
            for _ in range(20):     # slowloris: each sends part of its headers and stalls
                s = connect(aznet)
                s.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n")
                held.append(s)
            for _ in range(5):
                assert health_ok(aznet)
            assert len(aznet.server.http.connections) <= 8
            assert is_closed(held[0])       # the oldest stalled connection made room
        finally:
            for s in held:
                s.close()
    assert any("connection limit reached" in r.getMessage() for r in caplog.records)


def test_unauthenticated_body_is_refused_before_it_is_sent(aznet):
    """401 arrives right after the headers: the 4 MiB body is never sent, never buffered."""
    with limits(aznet, drain_timeout=0.3):
        sock = connect(aznet)
        size = aznet.server.http.limits.max_body - 1
        sock.sendall(f"PUT /subscriptions/{aznet.subscription_id}/resourcegroups/x?{RG_API} HTTP/1.1\r\n"
                     f"Host: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode())
        status, headers, body = read_response(sock)
        assert status == 401 and b"AuthenticationFailed" in body
        assert headers.get("connection") == "close" and "www-authenticate" in headers
        sock.sendall(b"x" * 100_000)    # what follows is read and dropped, then the connection closes
        assert is_closed(sock)


def test_large_unauthenticated_body_is_cut_off(aznet):
    """Past the drain budget the server stops reading a refused body and drops the connection."""
    with limits(aznet, drain_bytes=64 * 1024, drain_timeout=300):     # the budget ends it, not the clock
        sock = connect(aznet)
        size = aznet.server.http.limits.max_body - 1
        sock.sendall(f"PUT /subscriptions/{aznet.subscription_id}/resourcegroups/x?{RG_API} HTTP/1.1\r\n"
                     f"Host: x\r\nContent-Length: {size}\r\n\r\n".encode())
        assert read_response(sock)[0] == 401
        cut = False
        try:
            for _ in range(size // 65536):
                sock.sendall(b"x" * 65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, TimeoutError):
            cut = True
        assert cut or is_closed(sock)


def test_declared_oversized_body_is_refused_before_it_is_sent(aznet):
    sock = connect(aznet)
    size = aznet.server.http.limits.max_body + 1
    sock.sendall(f"PUT /subscriptions/{aznet.subscription_id}/resourcegroups/x?{RG_API} HTTP/1.1\r\n"
                 f"Host: x\r\nContent-Length: {size}\r\n\r\n".encode())
    status, _, body = read_response(sock)
    assert status == 413 and b"RequestEntityTooLarge" in body


@pytest.mark.parametrize("bad", [b"\x00\x01\x02 junk\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"])
def test_garbage_is_400_and_closed(aznet, bad):
    sock = connect(aznet)
    sock.sendall(bad)
    status, _, _ = read_response(sock)
    assert status == 400
    assert is_closed(sock)


def test_expect_100_continue_only_after_the_token_passed(aznet):
    tok = token(aznet)
    head = (f"PUT /subscriptions/{aznet.subscription_id}/resourcegroups/expect-rg?{RG_API} HTTP/1.1\r\n"
            "Host: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n")
    body = b'{"location": "westeurope"}'
    sock = connect(aznet)
    sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
    assert read_response(sock)[0] == 401                   # no token: refused, and no 100 Continue first
    sock = connect(aznet)
    sock.sendall(f"{head}Authorization: Bearer {tok}\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    assert read_response(sock)[0] == 100
    sock.sendall(body)
    assert read_response(sock)[0] == 201


def test_closed_connection_is_freed_without_the_garbage_collector(aznet):
    """`aznet up` freezes what survives a full collection (aznet/gcpolicy.py), so a connection object
    kept alive only by a reference cycle would never be freed: closing must leave no cycle."""
    import gc
    import time
    import weakref

    gc.collect()
    gc.disable()
    try:
        before = set(aznet.server.http.connections)
        sock = connect(aznet)
        sock.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock)[0] == 200
        new = [c for c in aznet.server.http.connections if c not in before]
        assert len(new) == 1
        ref = weakref.ref(new[0])
        del new
        sock.close()
        deadline = time.monotonic() + 10
        while ref() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ref() is None
    finally:
        gc.enable()
