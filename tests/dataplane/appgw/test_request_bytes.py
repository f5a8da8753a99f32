"""The hot path's request to the backend (``FastPath.request_bytes`` over ``head_parts``) against the general path's
(``Proxy._backend_request``) for the same request, settings and client, byte for byte: every method with and
without a body, path overrides with and without a path rule's prefix, host name override and
``pickHostNameFromBackendAddress``, queries, a client's own X-Forwarded-For, IPv4 and IPv6 clients."""

from __future__ import annotations

import asyncio
import itertools
from types import SimpleNamespace
from typing import Any

from aznet.dataplane.appgw import router
from aznet.dataplane.appgw.fastpath import FastPath, Flight, Lane, head_parts
from aznet.dataplane.appgw.frontend import ClientConn, Request
from aznet.dataplane.appgw.model import PoolMember, Settings
from aznet.dataplane.appgw.proxy import Proxy

from .support import FakeTransport, ShellOwner


class _Peer(FakeTransport):
    def __init__(self, peer: tuple[str, int]) -> None:
        super().__init__()
        self.peer = peer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default


def _conn(peer: tuple[str, int]) -> ClientConn:
    async def made() -> ClientConn:
        conn = ClientConn(ShellOwner())
        conn.connection_made(_Peer(peer))  # type: ignore[arg-type]
        return conn
    return asyncio.run(made())


def _settings(path: str | None, host_name: str | None, pick: bool) -> Settings:
    return Settings(id="/s/id", name="s", port=8080, protocol="Http", affinity=False, cookie_name="", timeout=20.0,
                    host_name=host_name, pick_host_from_backend=pick, path=path, drain=False, drain_timeout=0,
                    probe=None)


def _request(method: str, target: str, body: bytes, xff: str | None) -> Request:
    req = Request()
    req.method = method
    req.url += target.encode("latin-1")
    req.headers = [("Host", "Site.Example:80"), ("User-Agent", "t/1"), ("Connection", "keep-alive"),
                   ("X-Original-Host", "spoofed"), ("x-MiXeD", "One")]
    if xff is not None:
        req.headers.append(("X-Forwarded-For", xff))
    if body:
        req.headers.append(("Content-Length", str(len(body))))
    req.body += body
    return req


def lane_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def test_request_bytes_are_the_general_paths() -> None:
    plan = SimpleNamespace(id="/gw/ID", pool_names={"p": "pool"})
    listener = SimpleNamespace(name="l")
    target = SimpleNamespace(pool="p")
    member = PoolMember("10.0.0.7")
    proxy = Proxy.__new__(Proxy)       # (``_backend_request`` reads nothing of the proxy but ``_backend_host``)
    conns = {peer: _conn(peer) for peer in (("127.0.0.1", 40000), ("::1", 5))}
    checked = 0
    for (method, body), (spath, prefix, target_path), host_name, pick, query, xff, peer, scheme in itertools.product(
            [("GET", b""), ("HEAD", b""), ("POST", b""), ("POST", b"hello"), ("PUT", b""), ("PATCH", b"x"),
             ("DELETE", b""), ("DELETE", b"gone"), ("OPTIONS", b"")],
            [(None, "", "/a/b"), ("/base/", "", "/a/b"), ("/base", "", "/a"), ("/over/", "/img/", "/img/x/y"),
             ("/over/", "/IMG/", "/img/x"), ("/over", "/img/", "/other/z")],
            [None, "", "over.example"], [False, True], ["", "x=1&y=%20"], [None, "203.0.113.9"],
            list(conns), ["http", "https"]):
        settings = _settings(spath, host_name, pick)
        req = _request(method, target_path + (f"?{query}" if query else ""), body, xff)
        parts = head_parts(req)
        assert parts
        raw, path, q, host, kept, client_xff = parts
        lane = Lane(plan, listener, target, settings, scheme, lane_port(scheme))  # type: ignore[arg-type]
        conn = conns[peer]
        f = Flight(None, None, conn, req, lane, member, ("10.0.0.7", 8080, None, None), path, q, host,  # type: ignore[arg-type]
                   prefix, "0123456789abcdef0123456789abcdef")
        inc = router.Incoming(method, path, q, host, req.headers, peer[0], peer[1], scheme, lane_port(scheme))
        d = router.Decision(path=path, query=q, prefix=prefix)
        general = proxy._backend_request(None, settings, member, req, inc, d, f.tid)  # type: ignore[arg-type]
        assert FastPath.request_bytes(f, kept, client_xff) == general, (method, body, spath, prefix, host_name, pick)
        checked += 1
    assert checked == 9 * 6 * 3 * 2 * 2 * 2 * 2 * 2
