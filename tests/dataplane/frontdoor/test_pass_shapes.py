"""The pass-through fast path with head shapes (``appgw.frontend.HeadShape``, ``appgw.upstream.Shape``): a request
head sent again byte for byte, and an origin answer head seen before, reuse what the edge read from them
(``fastpath.Head``: host, path, the headers passed on; ``passpath.kept_head``: the status line and the origin's
headers), while everything per request or per connection stays per request: X-Azure-Ref, X-Azure-SocketIP,
X-Forwarded-For and X-Azure-ClientIP of each client, and the answer's own Content-Length and body."""

from __future__ import annotations

import socket
import threading
from typing import Any

from aznet.dataplane.frontdoor.service import FrontDoorService

from .support import P, afd_profile, edge_port, resolve

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Origin: fixed\r\nContent-Length: 2\r\n\r\nok"


class FixedOrigin:
    """An origin on loopback answering every request with the same bytes, keeping each request head it read."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.heads: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c: socket.socket) -> None:
        buf = b""
        with c:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = c.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, _, buf = buf.partition(b"\r\n\r\n")
                self.heads.append(head)
                c.sendall(ANSWER)

    def close(self) -> None:
        self.sock.close()


class _Spy:
    def __init__(self, svc: FrontDoorService) -> None:
        self.real = svc.proxy.fast.take
        self.shaped: list[bool] = []

    def __call__(self, st: Any, conn: Any, req: Any) -> bool:
        self.shaped.append(req.shape is not None and "frontdoor" in req.shape.derived)   # read before: reused
        return self.real(st, conn, req)


def _answers(s: socket.socket, n: int) -> list[tuple[dict[str, str], bytes]]:
    out, buf = [], b""
    while len(out) < n:
        while b"\r\n\r\n" not in buf:
            buf += s.recv(65536)
        head, _, buf = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
        size = int(hdrs["content-length"])
        while len(buf) < size:
            buf += s.recv(65536)
        out.append(({"status": lines[0], **hdrs}, buf[:size]))
        buf = buf[size:]
    return out


def _parse(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")
    return {"line": lines[0], **{k: v for k, _, v in (line.partition(": ") for line in lines[1:])}}


def test_repeated_heads_keep_what_is_per_request_and_per_client(aznet, cdn, rg, monkeypatch):  # type: ignore[no-untyped-def]
    svc = aznet.platform.services.get(FrontDoorService)
    spy = _Spy(svc)
    monkeypatch.setattr(svc.proxy.fast, "take", spy)
    origin = FixedOrigin()
    try:
        afd_profile(cdn, rg, "fdshape")
        ep = cdn.afd_endpoints.begin_create(rg, "fdshape", "shape", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fdshape", "g", P(loadBalancingSettings={})).result()
        cdn.afd_origins.begin_create(rg, "fdshape", "g", "o", P(hostName="127.0.0.1", httpPort=origin.port,
                                                                 originHostHeader="origin.test")).result()
        cdn.routes.begin_create(rg, "fdshape", "shape", "r", P(originGroup={"id": g.id}, patternsToMatch=["/api/*"],
                                                               originPath="/v2", forwardingProtocol="HttpOnly")).result()
        host = ep.host_name
        ip, port = resolve(aznet, host), edge_port(aznet, 80)
        raw = {
            "plain": f"GET /api/items?x=1 HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\nX-FD-Secret: no\r\n\r\n".encode(),
            "xff": f"GET /api/items HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 203.0.113.5\r\n\r\n".encode(),
        }
        seen: list[tuple[str, str, dict[str, str], dict[str, str], bytes]] = []
        for source in ("127.0.0.1", "127.0.0.2"):       # two clients send the same bytes
            with socket.socket() as s:
                s.bind((source, 0))
                s.settimeout(10)
                s.connect((ip, port))
                for name in ("plain", "xff", "plain", "xff", "plain"):
                    before = len(origin.heads)
                    s.sendall(raw[name])                # one head per read: a shape once parsed twice
                    ((answer, body),) = _answers(s, 1)
                    assert len(origin.heads) == before + 1
                    seen.append((source, name, answer, _parse(origin.heads[-1]), body))
        # each head kept at its second parse (the shell's HEADS_SEEN), its derived parts reused from the third
        assert spy.shaped[:5] == [False] * 4 + [True] and spy.shaped[5:] == [True] * 5
        refs = [a["x-azure-ref"] for _, _, a, _, _ in seen]
        assert len(set(refs)) == len(seen)
        for source, name, answer, sent, body in seen:
            assert answer["status"] == "HTTP/1.1 200 OK" and body == b"ok"
            assert answer["x-origin"] == "fixed" and answer["content-length"] == "2"
            assert answer["x-cache"] == "CONFIG_NOCACHE" and sent["X-Azure-Ref"] == answer["x-azure-ref"]
            assert sent["Host"] == "origin.test" and sent["X-Forwarded-Host"] == host
            assert sent["X-Azure-SocketIP"] == source and "X-FD-Secret" not in sent
            if name == "plain":
                assert sent["line"] == "GET /v2/items?x=1 HTTP/1.1" and sent["Accept"] == "*/*"
                assert sent["X-Forwarded-For"] == source and sent["X-Azure-ClientIP"] == source
            else:
                assert sent["line"] == "GET /v2/items HTTP/1.1"
                assert sent["X-Forwarded-For"] == f"203.0.113.5, {source}"
                assert sent["X-Azure-ClientIP"] == "203.0.113.5"
    finally:
        origin.close()
