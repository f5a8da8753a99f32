"""Hostile HTTP clients against `aznet up` (issue 8, item 1): what one
unauthenticated client costs the server, in stall time, memory and fds.

    .venv/bin/python bench/http_hostile.py [--only NAME ...]

Cases (the issue's "before" figures in brackets):
  header-flood   400k repeated header lines              [ARM and DNS froze 11.8 s]
  huge-header    one 128 MiB header                       [froze 10.5 s]
  huge-url       a 64 MiB URL                             [froze 2.3 s]
  slowloris      500 connections that never finish headers [never closed]
  fd-cap         `ulimit -n 1024`, 1002 held connections   [every health check failed, nothing logged]
  unauth-body    200 connections x (4 MiB - 1) body, no token [+908 MiB RSS, never returned]

A probe thread asks /_aznet/health (HTTPS) and the DNS port (UDP) every 20 ms
during each attack; "stall" is the longest probe round trip. The figures are
aznet's: the comparison is with the issue's numbers for the code before the fix."""

from __future__ import annotations

import argparse
import os
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dns.message
import dns.query
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procstat import free_port, rss_mib, stop  # noqa: E402

AZNET = str(Path(sys.executable).with_name("aznet"))


class Server:
    def __init__(self, data_dir: Path, nofile: int | None = None, **env: str) -> None:
        self.port, self.dns_port = free_port(), free_port()
        self.data_dir = data_dir
        self.endpoint = f"https://127.0.0.1:{self.port}"

        def limit() -> None:
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.log = open(data_dir.parent / f"server-{self.port}.log", "w+")  # noqa: SIM115
        self.proc = subprocess.Popen([AZNET, "up", "--port", str(self.port), "--data-dir", str(data_dir),
                                      "--dns-port", str(self.dns_port)], env={**os.environ, **env},
                                     stdout=subprocess.DEVNULL, stderr=self.log, preexec_fn=limit)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if (data_dir / "ca.pem").exists() and self.health(5):
                    return
            except (httpx.HTTPError, ssl.SSLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("aznet did not start")

    def ctx(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.data_dir / "ca.pem"))

    def health(self, timeout: float = 5) -> bool:
        with httpx.Client(base_url=self.endpoint, verify=self.ctx(), timeout=timeout) as c:
            return c.get("/_aznet/health").status_code == 200

    def connect(self) -> ssl.SSLSocket:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        return self.ctx().wrap_socket(raw, server_hostname="127.0.0.1")

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def stop(self) -> None:
        stop(self.proc, 15)


class Probe(threading.Thread):
    """Longest round trip of health (HTTPS) and DNS (UDP) probes while an attack runs."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stop_event = threading.Event()
        self.worst_http = self.worst_dns = 0.0
        self.failures = 0

    def run(self) -> None:
        client = httpx.Client(base_url=self.server.endpoint, verify=self.server.ctx(), timeout=60)
        q = dns.message.make_query("probe.example.", "A")
        while not self.stop_event.is_set():
            t = time.perf_counter()
            try:
                client.get("/_aznet/health")
            except httpx.HTTPError:
                self.failures += 1
            self.worst_http = max(self.worst_http, time.perf_counter() - t)
            t = time.perf_counter()
            try:
                dns.query.udp(q, "127.0.0.1", port=self.server.dns_port, timeout=60)
            except Exception:
                self.failures += 1
            self.worst_dns = max(self.worst_dns, time.perf_counter() - t)
            time.sleep(0.02)
        client.close()

    def finish(self) -> str:
        self.stop_event.set()
        self.join(120)
        return f"worst probe: ARM {self.worst_http * 1000:.0f} ms, DNS {self.worst_dns * 1000:.0f} ms, " \
               f"{self.failures} failed"


def send_and_read(sock: ssl.SSLSocket, payload_chunks) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    sent = 0
    try:
        for chunk in payload_chunks:
            sock.sendall(chunk)
            sent += len(chunk)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError, TimeoutError):
        pass
    try:
        status = sock.recv(200).split(b"\r\n", 1)[0].decode("latin-1", "replace")
    except (OSError, ssl.SSLError) as exc:
        status = f"({type(exc).__name__})"
    return sent, status


def chunks(prefix: bytes, body: bytes, total: int, suffix: bytes = b""):  # type: ignore[no-untyped-def]
    yield prefix
    n = 0
    while n < total:
        yield body
        n += len(body)
    if suffix:
        yield suffix


def case_flood(server: Server, kind: str) -> str:
    probe = Probe(server)
    probe.start()
    time.sleep(0.2)
    sock = server.connect()
    t = time.perf_counter()
    if kind == "header-flood":
        line = b"X-Flood: a\r\n"
        gen = chunks(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\n", line * 5000, len(line) * 400_000, b"\r\n")
    elif kind == "huge-header":
        gen = chunks(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\nX-Big: ", b"a" * 65536, 128 * 1024 * 1024,
                     b"\r\n\r\n")
    else:
        gen = chunks(b"GET /", b"a" * 65536, 64 * 1024 * 1024, b" HTTP/1.1\r\nHost: x\r\n\r\n")
    sent, status = send_and_read(sock, gen)
    took = time.perf_counter() - t
    sock.close()
    time.sleep(0.3)
    return f"{kind}: answer {status!r} after {sent / 1024:.0f} KiB sent in {took:.2f} s; {probe.finish()}"


def case_slowloris(server: Server, n: int = 500) -> str:
    socks = []
    for _ in range(n):
        s = server.connect()
        s.sendall(b"GET /_aznet/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    wait = float(os.environ.get("AZNET_HTTP_HEADER_TIMEOUT", "20")) + 3
    time.sleep(wait)
    closed = 0
    for s in socks:
        s.settimeout(0.5)
        try:
            data = s.recv(4096)
            while data:
                data = s.recv(4096)
            closed += 1
        except (OSError, ssl.SSLError) as exc:
            closed += not isinstance(exc, TimeoutError)
        s.close()
    return f"slowloris: {closed}/{n} stalled connections closed by the server within {wait:.0f} s"


def case_fd_cap(tmp: Path) -> str:
    server = Server(tmp / "fdcap", nofile=1024)
    try:
        held = []
        errors = 0
        for _ in range(1002):
            try:
                held.append(server.connect())
            except (OSError, ssl.SSLError):
                errors += 1
        ok = sum(server.health(10) for _ in range(20))
        logged = [ln for ln in server.log_text().splitlines() if "connection limit" in ln]
        for s in held:
            s.close()
        return (f"fd-cap (ulimit -n 1024): {len(held)} held connections ({errors} refused at connect); "
                f"health checks {ok}/20 OK; log: {logged[0].strip()[:160] if logged else 'nothing logged'}")
    finally:
        server.stop()


def case_unauth_body(server: Server, n: int = 200) -> str:
    pid = server.proc.pid
    before = rss_mib(pid)
    size = 4 * 1024 * 1024 - 1
    body = b"a" * 65536
    answers: dict[str, int] = {}
    socks = []
    for _ in range(n):
        s = server.connect()
        head = (f"PUT /subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/x?api-version=2021-04-01 "
                f"HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n").encode()
        _, status = send_and_read(s, chunks(head, body, size - len(body) - 1))
        answers[status] = answers.get(status, 0) + 1
        socks.append(s)
    peak = rss_mib(pid)
    for s in socks:
        s.close()
    time.sleep(2)
    after = rss_mib(pid)
    return (f"unauth-body: {n} x {size} B bodies without a token: answers {answers}; RSS {before:.0f} -> "
            f"{peak:.0f} MiB while held (+{peak - before:.0f}), {after:.0f} MiB after")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    want = set(args.only or ["header-flood", "huge-header", "huge-url", "slowloris", "fd-cap", "unauth-body"])
    with tempfile.TemporaryDirectory(prefix="aznet-hostile-") as tmp_s:
        tmp = Path(tmp_s)
        if want - {"fd-cap"}:
            server = Server(tmp / "main")
            try:
                for kind in ("header-flood", "huge-header", "huge-url"):
                    if kind in want:
                        print(case_flood(server, kind), flush=True)
                if "slowloris" in want:
                    print(case_slowloris(server), flush=True)
                if "unauth-body" in want:
                    print(case_unauth_body(server), flush=True)
            finally:
                server.stop()
        if "fd-cap" in want:
            print(case_fd_cap(tmp), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
