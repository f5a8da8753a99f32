"""The hot path (``fastpath.py``) against the proxy's general path: the same bytes to the backend and to the
client, the same metrics, a request timeout (504) and a kept-alive backend connection closed under a request
(retried once on a new one)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aznet.dataplane.appgw.fastpath import Flight
from aznet.dataplane.appgw.service import AppGatewayService

from .support import gateway, network, pip_address, port, wait_for

TRACE = re.compile(rb"(X-AppGW-Trace-Id: )[0-9a-f]{32}")


def _read_request(f: Any) -> bytes | None:
    """One HTTP/1.1 request (head and Content-Length body) from a socket file, as it came."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = f.readline()
        if not line:
            return None
        head += line
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    return head + (f.read(int(m.group(1))) if m else b"")


@contextmanager
def raw_backend(host: str, answer: Callable[[int, bytes], bytes | None]) -> Iterator[int]:
    """A loopback HTTP/1.1 server: ``answer(n, request)`` gives the bytes for the n-th request (0-based) of a
    connection, or None to close the connection without answering."""
    srv = socket.create_server((host, 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as f:
            n = 0
            while (req := _read_request(f)) is not None:
                out = answer(n, req)
                if out is None:
                    return
                conn.sendall(out)
                n += 1

    def accept() -> None:
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        srv.close()


def echo(_n: int, req: bytes) -> bytes:
    """The request as the backend got it, as the body; hop-by-hop and own headers the gateway must treat."""
    if req.startswith(b"GET /sleep"):
        time.sleep(3)
    return (b"HTTP/1.1 201 Made\r\nX-Echo: yes\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n"
            b"Set-Cookie: a=b\r\nContent-Length: %d\r\n\r\n%s" % (len(req), b"" if req.startswith(b"HEAD") else req))


def _send(sock: socket.socket, f: Any, data: bytes) -> bytes:
    """One request on a kept-alive client connection; the whole answer back."""
    sock.sendall(data)
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = f.readline()
        assert line, "the gateway closed the connection"
        head += line
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    return head + (f.read(int(m.group(1))) if m else b"")


def _gateway(aznet, network_client, rg, host, port_, **settings):  # type: ignore[no-untyped-def]
    ids = network(network_client, aznet, rg)
    body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": host}]},
                   settings={"s": {"port": port_, **settings}}, listeners=[{"name": "l"}],
                   rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
    network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
    return pip_address(network_client, rg), port(aznet, 80)


def _svc(aznet) -> AppGatewayService:  # type: ignore[no-untyped-def]
    svc = aznet.platform.services.get(AppGatewayService)
    assert svc is not None
    return svc


def test_hot_path_sends_and_answers_the_same_bytes_as_the_general_path(aznet, network_client, rg):
    with raw_backend("127.0.70.1", echo) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.1", bport, path="/base/")
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        aznet.call(svc.proxy.upstream.close)   # no kept-alive backend connection: the first request opens one
        requests = [
            b"GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: Site.Example:80\r\nUser-Agent: t/1\r\nConnection: keep-alive\r\n"
            b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-For: 198.51.100.1\r\nTE: trailers\r\n"
            b"X-Original-Host: spoofed\r\nx-MiXeD: One\r\nx-mixed: two\r\n\r\n",
            b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
            b"HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n",
            b"DELETE /d HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
        ]
        for raw in requests:
            answers = []
            with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
                for i in range(2):                # the second goes the hot path (a backend connection is kept)
                    if i:                         # (a HEAD's backend connection is not kept: one to keep)
                        assert _send(sock, f, b"GET /prime HTTP/1.1\r\nHost: h\r\n\r\n").startswith(b"HTTP/1.1 201")
                    before = svc.fastpath.taken
                    if raw.startswith(b"HEAD"):
                        sock.sendall(raw)
                        head = b""
                        while not head.endswith(b"\r\n\r\n"):
                            head += f.readline()
                        answers.append(head)
                    else:
                        answers.append(_send(sock, f, raw))
                    answers.append(str(svc.fastpath.taken - before).encode())
                # the connection goes on cleanly (no stray body after a HEAD's answer)
                assert _send(sock, f, b"GET /after HTTP/1.1\r\nHost: h\r\n\r\n").startswith(b"HTTP/1.1 201")
                aznet.call(svc.proxy.upstream.close)
            slow, slow_n, fast, fast_n = answers
            assert (slow_n, fast_n) == (b"0", b"1"), raw
            assert TRACE.search(fast) or raw.startswith(b"HEAD")
            assert TRACE.sub(rb"\1-", slow) == TRACE.sub(rb"\1-", fast), raw
            if raw.startswith(b"HEAD"):           # the length the backend announced (its GET's), no body
                announced = re.search(rb"\r\nContent-Length: (\d+)\r\n", fast)
                assert announced and int(announced.group(1)) > len(raw), fast
            else:
                method, target = raw.split(b" ")[:2]
                assert b"\r\n\r\n%s /base%s HTTP/1.1\r\n" % (method, target) in fast
            if raw.startswith(b"GET"):
                first = slow
        # what the backend got from the first request, through either path: Azure's headers, the path override
        text = TRACE.sub(rb"\1-", first).decode("latin-1")
        assert text.startswith("HTTP/1.1 201 Made\r\nX-Echo: yes\r\nSet-Cookie: a=b\r\nContent-Length: ")
        head, sent = text.split("\r\n\r\n", 1)
        assert "Keep-Alive" not in head and "Connection" not in head
        lines = sent.split("\r\n")
        assert lines[:4] == ["GET /base/a/b?x=1&y=%20 HTTP/1.1", "Host: Site.Example:80", "User-Agent: t/1",
                             "x-MiXeD: One"]
        assert lines[4] == "x-mixed: two"
        assert re.fullmatch(r"X-Forwarded-For: 203\.0\.113\.9, 127\.0\.0\.1:\d+", lines[5])
        assert lines[6:10] == ["X-Forwarded-Proto: http", "X-Forwarded-Port: 80", "X-Original-Host: Site.Example:80",
                               "X-AppGW-Trace-Id: -"]
        assert lines[10:] == ["", ""]


def _points(aznet: Any, svc: Any, metric: str, dims: tuple[tuple[str, str], ...]) -> list[list[float]]:
    """The gateway's points of ``metric`` with ``dims`` around now, after the hot path's tallies are collected
    (on the loop thread, where the gateway counts): each ``[total, count, min, max, last]``."""
    reg = aznet.platform.metrics
    aznet.call(reg.collect)
    gw = next(iter(svc.plans.values()))
    minute = reg.now_minute()
    return [a for _m, a in aznet.call(reg.points, gw.id, metric, dims, minute - 2, minute + 1)]


def _total(aznet: Any, svc: Any, metric: str, dims: tuple[tuple[str, str], ...]) -> tuple[float, float]:
    pts = _points(aznet, svc, metric, dims)
    return sum(a[0] for a in pts), sum(a[1] for a in pts)


def test_hot_path_metrics_match_the_requests(aznet, network_client, rg):
    with raw_backend("127.0.70.2", echo) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.2", bport)
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        before = svc.fastpath.taken
        with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
            for i in range(12):
                assert _send(sock, f, b"GET /m/%d HTTP/1.1\r\nHost: m\r\n\r\n" % i).startswith(b"HTTP/1.1 201")
        assert svc.fastpath.taken - before >= 11

        def total(metric: str, dims: tuple[tuple[str, str], ...]) -> tuple[float, float]:
            return _total(aznet, svc, metric, dims)
        assert total("TotalRequests", (("BackendSettingsPool", "p~s"),)) == (12.0, 12.0)
        assert total("ResponseStatus", (("HttpStatusGroup", "2xx"),)) == (12.0, 12.0)
        assert total("ApplicationGatewayTotalTime", (("Listener", "l"),))[1] == 12.0
        srv = (("BackendServer", "127.0.70.2"), ("BackendPool", "p"), ("BackendHttpSetting", "s"))
        assert total("BackendResponseStatus", (*srv, ("HttpStatusGroup", "2xx"))) == (12.0, 12.0)
        assert total("BackendLastByteResponseTime", (("Listener", "l"), *srv))[1] == 12.0
        assert total("FailedRequests", (("BackendSettingsPool", "p~s"),)) == (0.0, 0.0)



def test_hot_path_counts_backend_failures_and_keeps_the_time_range(aznet, network_client, rg):
    """The hot path's per-route tallies (``telemetry.Tally``) spread as per-request counts would: 5xx answers are
    FailedRequests (and TotalRequests), each status group apart, and the times keep their minimum and maximum."""
    def sometimes_503(n: int, req: bytes) -> bytes:
        if req.startswith(b"GET /fail"):
            return b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy"
        return echo(n, req)
    with raw_backend("127.0.70.6", sometimes_503) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.6", bport)
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        before = svc.fastpath.taken
        with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
            for i in range(9):
                path = b"/fail/%d" % i if i % 3 == 0 else b"/ok/%d" % i
                want = b"HTTP/1.1 503" if i % 3 == 0 else b"HTTP/1.1 201"
                assert _send(sock, f, b"GET %s HTTP/1.1\r\nHost: m\r\n\r\n" % path).startswith(want)
        assert svc.fastpath.taken - before >= 8

        def points(metric: str, dims: tuple[tuple[str, str], ...]) -> list[list[float]]:
            return _points(aznet, svc, metric, dims)

        def total(metric: str, dims: tuple[tuple[str, str], ...]) -> tuple[float, float]:
            return _total(aznet, svc, metric, dims)
        bsp = (("BackendSettingsPool", "p~s"),)
        assert total("TotalRequests", bsp) == (9.0, 9.0)
        assert total("FailedRequests", bsp) == (3.0, 3.0)
        assert total("ResponseStatus", (("HttpStatusGroup", "5xx"),)) == (3.0, 3.0)
        assert total("ResponseStatus", (("HttpStatusGroup", "2xx"),)) == (6.0, 6.0)
        srv = (("BackendServer", "127.0.70.6"), ("BackendPool", "p"), ("BackendHttpSetting", "s"))
        assert total("BackendResponseStatus", (*srv, ("HttpStatusGroup", "5xx"))) == (3.0, 3.0)
        assert total("BackendResponseStatus", (*srv, ("HttpStatusGroup", "2xx"))) == (6.0, 6.0)
        for metric, dims in (("ApplicationGatewayTotalTime", (("Listener", "l"),)),
                             ("BackendLastByteResponseTime", (("Listener", "l"), *srv))):
            pts = points(metric, dims)
            assert sum(a[1] for a in pts) == 9.0
            for a in pts:       # [total, count, min, max, last]: the mean lies within the range, all positive
                assert 0.0 < a[2] <= a[0] / a[1] <= a[3]


def test_hot_path_frames_a_known_reply_head_as_the_general_path(aznet, network_client, rg, monkeypatch):
    """An answer whose head the backend sent before comes from its ``upstream.Shape`` (``Flight.known``: the
    framing made once per shape, no parse); the client gets the bytes the general path gives for the same
    answer, kept alive and closed."""
    fixed = (b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Fixed: 1\r\n"
             b"Content-Length: 5\r\n\r\nhello")
    with raw_backend("127.0.70.7", lambda _n, _req: fixed) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.7", bport)
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        known: list[bytes] = []
        real = Flight.known

        def counted(f: Flight, shape: Any, data: bytes) -> None:
            known.append(shape.head)
            real(f, shape, data)
        monkeypatch.setattr(Flight, "known", counted)
        plain = b"GET /k HTTP/1.1\r\nHost: k\r\n\r\n"
        closing = b"GET /k HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n"
        general = {}
        for raw in (plain, closing):        # no kept-alive backend connection: the proxy's general path answers
            aznet.call(svc.proxy.upstream.close)
            before = svc.fastpath.taken
            with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
                general[raw] = _send(sock, f, raw)
            assert svc.fastpath.taken == before
        assert general[plain].startswith(b"HTTP/1.1 200 OK\r\nX-Fixed: 1\r\nContent-Length: 5\r\n\r\nhello")
        assert b"Connection: close\r\n" in general[closing]
        aznet.call(svc.proxy.upstream.close)
        with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
            before = svc.fastpath.taken
            answers = [_send(sock, f, plain) for _ in range(6)]
            assert svc.fastpath.taken - before == 5          # the first opens the backend connection
            assert len(known) >= 3 and set(known) == {fixed[:-5]}
            n = len(known)
            last = _send(sock, f, closing)
            assert len(known) == n + 1 and svc.fastpath.taken - before == 6
        assert answers == [general[plain]] * 6
        assert last == general[closing]


def test_hot_path_times_out_with_504(aznet, network_client, rg):
    with raw_backend("127.0.70.3", echo) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.3", bport, requestTimeout=1)
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
            assert _send(sock, f, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").startswith(b"HTTP/1.1 201")
            before = svc.fastpath.taken
            got = _send(sock, f, b"GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n")
            assert svc.fastpath.taken - before == 1
        assert got.startswith(b"HTTP/1.1 504 Gateway Time-out\r\n")
        assert b"<h1>504 Gateway Time-out</h1>" in got


def test_hot_path_retries_a_kept_alive_connection_closed_under_the_request(aznet, network_client, rg):
    def first_only(n: int, req: bytes) -> bytes | None:      # each connection answers once, then drops the next
        return echo(n, req) if n == 0 else None
    with raw_backend("127.0.70.4", first_only) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.4", bport)
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
            assert _send(sock, f, b"GET /1 HTTP/1.1\r\nHost: t\r\n\r\n").startswith(b"HTTP/1.1 201")
            before = svc.fastpath.taken
            for i in range(2, 5):
                got = _send(sock, f, b"GET /%d HTTP/1.1\r\nHost: t\r\n\r\n" % i)
                assert got.startswith(b"HTTP/1.1 201"), got
                assert b"GET /%d HTTP/1.1\r\n" % i in got
            assert svc.fastpath.taken - before == 3


def test_hot_path_retries_only_once_and_answers_502_as_the_general_path(aznet, network_client, rg):
    """A backend that drops the request on the kept-alive connection and on the fresh one too: one retry, then
    the general path's 502 (not a retry after each reset until the request timeout)."""
    seen: list[bytes] = []

    def drops_x(n: int, req: bytes) -> bytes | None:        # /x... answered the first time only; probes always
        if req.startswith(b"GET /x"):
            seen.append(req.split(b" ", 2)[1])
            if len(seen) > 1:
                return None
        return echo(n, req)
    with raw_backend("127.0.70.6", drops_x) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.6", bport, requestTimeout=5)
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
            assert _send(sock, f, b"GET /x1 HTTP/1.1\r\nHost: t\r\n\r\n").startswith(b"HTTP/1.1 201")
            before = svc.fastpath.taken
            got = _send(sock, f, b"GET /x2 HTTP/1.1\r\nHost: t\r\n\r\n")
            assert svc.fastpath.taken - before == 1
        assert got.startswith(b"HTTP/1.1 502 Bad Gateway\r\n"), got[:60]
        assert seen == [b"/x1", b"/x2", b"/x2"]                # the kept-alive connection, then one fresh


def test_hot_path_streams_a_long_answer(aznet, network_client, rg):
    big = bytes(range(256)) * 4096                 # 1 MiB: over the buffered limit, relayed as it comes

    def long_answer(_n: int, req: bytes) -> bytes:
        if req.startswith(b"GET /big"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(big), big)
        return echo(_n, req)
    with raw_backend("127.0.70.5", long_answer) as bport:
        ip, fport = _gateway(aznet, network_client, rg, "127.0.70.5", bport)
        wait_for(lambda: socket.create_connection((ip, fport), timeout=2).close() is None)
        svc = _svc(aznet)
        with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
            assert _send(sock, f, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").startswith(b"HTTP/1.1 201")
            before = svc.fastpath.taken
            got = _send(sock, f, b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
            assert svc.fastpath.taken - before == 1
            assert got.startswith(b"HTTP/1.1 200 OK\r\n") and got.endswith(b"\r\n\r\n" + big)
            # the connection goes on, on the hot path again (the streamed backend connection went back)
            assert _send(sock, f, b"GET /after HTTP/1.1\r\nHost: t\r\n\r\n").startswith(b"HTTP/1.1 201")
            assert svc.fastpath.taken - before == 2
