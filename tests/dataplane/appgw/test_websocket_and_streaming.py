"""WebSocket through the gateway (the Upgrade goes to the member, messages flow both ways) and long responses
passed on as they come: a body larger than the gateway buffers, one of unknown length (chunked to the client)."""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from websockets.sync.client import connect
from websockets.sync.server import serve

from aznet.dataplane.appgw.upstream import STREAM_AT

from .support import backends, gateway, get, network, pip_address, port, wait_for


def test_websocket_upgrade_passes_through(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    seen: list[dict[str, str]] = []

    def echo(ws: Any) -> None:
        seen.append({k.lower(): v for k, v in ws.request.headers.raw_items()})
        for message in ws:
            ws.send(f"echo {message}")

    server = serve(echo, "127.0.0.53", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend_port = server.socket.getsockname()[1]
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": "127.0.0.53"}]},
                       settings={"s": {"port": backend_port}}, listeners=[{"name": "l"}],
                       rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        url = f"ws://{pip_address(network_client, rg)}:{port(aznet, 80)}/chat"
        ws = wait_for(lambda: connect(url, open_timeout=10))
        with ws:
            for i in range(3):
                ws.send(f"hello {i}")
                assert ws.recv(timeout=10) == f"echo hello {i}"
            big = "x" * 300_000
            ws.send(big)
            assert ws.recv(timeout=10) == f"echo {big}"
        assert seen[-1]["upgrade"].lower() == "websocket"
        assert seen[-1]["x-forwarded-for"].startswith("127.0.0.1:")
    finally:
        server.shutdown()


class _Chunked(BaseHTTPRequestHandler):
    """Chunked coding; ``/close``: an HTTP/1.0 answer without Content-Length, delimited by the close."""
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/close":
            self.protocol_version = "HTTP/1.0"
            self.send_response(200)
            self.end_headers()
            for i in range(200):
                self.wfile.write(f"line {i}\n".encode() * 100)
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(200):
            part = f"line {i}\n".encode() * 100
            self.wfile.write(b"%x\r\n%b\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: Any) -> None:
        pass


def test_long_and_chunked_responses_stream_through(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    chunked = ThreadingHTTPServer(("127.0.0.54", 0), _Chunked)
    chunked.daemon_threads = True
    threading.Thread(target=chunked.serve_forever, daemon=True).start()
    with backends("big", base=55) as (b1,):
        try:
            body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}], "c": [{"ipAddress": "127.0.0.54"}]},
                           settings={"s": {"port": b1.port}, "sc": {"port": chunked.server_address[1]}},
                           listeners=[{"name": "l", "hostNames": ["big.contoso.com"]},
                                      {"name": "lc", "hostNames": ["chunked.contoso.com"]}],
                           rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"},
                                  {"name": "rc", "listener": "lc", "pool": "c", "settings": "sc"}])
            network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
            base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
            size = 8 * 1024 * 1024 + 3
            assert size > STREAM_AT
            wait_for(lambda: get(f"{base}/bytes/10", headers={"Host": "big.contoso.com"}).status_code == 200)
            with httpx.Client(timeout=30) as c:
                for _ in range(2):       # twice on one keep-alive connection: the stream ends where it should
                    got = 0
                    with c.stream("GET", f"{base}/bytes/{size}", headers={"Host": "big.contoso.com"}) as r:
                        assert r.status_code == 200 and r.headers["content-length"] == str(size)
                        for chunk in r.iter_bytes():
                            got += len(chunk)
                    assert got == size
                r = c.get(f"{base}/any", headers={"Host": "chunked.contoso.com"})
                assert r.status_code == 200 and r.headers["transfer-encoding"] == "chunked"
                assert r.text == "".join(f"line {i}\n" * 100 for i in range(200))
                assert c.get(f"{base}/small", headers={"Host": "big.contoso.com"}).text == "big /small"
                r = c.get(f"{base}/close", headers={"Host": "chunked.contoso.com"})
                assert r.status_code == 200 and r.text == "".join(f"line {i}\n" * 100 for i in range(200))
            # an HTTP/1.0 client gets a body of unknown length delimited by the close
            out = subprocess.run(["curl", "-sS", "--http1.0", "-D", "-", "-H", "Host: chunked.contoso.com",
                                  f"{base}/any"], capture_output=True, timeout=30)
            head, _, text = out.stdout.partition(b"\r\n\r\n")
            assert b"transfer-encoding" not in head.lower() and b"connection: close" in head.lower()
            assert text.decode() == "".join(f"line {i}\n" * 100 for i in range(200))
        finally:
            chunked.shutdown()


def test_request_bodies_stream_to_the_backend(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("app", base=57) as (b1,):
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}]},
                       settings={"s": {"port": b1.port}}, listeners=[{"name": "l"}],
                       rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        wait_for(lambda: get(f"{base}/").status_code == 200)
        size = 6 * 1024 * 1024 + 5

        def parts():  # type: ignore[no-untyped-def]
            for _ in range(100):
                yield b"z" * 10000

        with httpx.Client(timeout=30) as c:
            for _ in range(2):      # a known length, then chunked, each twice on one connection
                r = c.post(f"{base}/upload", content=b"y" * size)
                assert r.status_code == 200 and r.text == f"app read {size}"
            for _ in range(2):
                r = c.post(f"{base}/upload", content=parts())
                assert r.status_code == 200 and r.text == "app read 1000000"
            assert c.get(f"{base}/after").text == "app /after"
        # a Content-Length over the body limit is refused before the body is read
        out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                              "-H", f"Content-Length: {200 * 1024 * 1024}", "--data-binary", "x", "--max-time", "20",
                              f"{base}/upload"], capture_output=True, text=True, timeout=30)
        assert out.stdout == "413"
