"""Application Gateway data plane: aznet beside HAProxy and nginx as HTTP reverse proxies, measured in the
same run against the same three backends.

    .venv/bin/python bench/appgw_bench.py [--seconds 10] [--idle 10000] [--workers N]

With ``--workers N``: HAProxy runs nbthread N, nginx N worker processes, and a second aznet serves the same
gateway with ``AZNET_APPGW_WORKERS=N`` (row ``aznet/Nw``) beside the in-process one, in the same run.

Needs the Debian packages haproxy, nginx and wrk (`apt-get install haproxy nginx wrk`; scripts/test installs
haproxy and wrk, this bench alone needs nginx). The backends are one HAProxy process answering 200 on
127.200.0.{1,2,3}:8080 (fast C backends). Each proxy round-robins over them with keep-alive to the backends:
HAProxy (`mode http`, `http-reuse always`, nbthread 1), nginx (1 worker, upstream `keepalive 64`), aznet
(`aznet up` in its own process; a Standard_v2 gateway: HTTP listener on 80, HTTPS listener on 443 with a
self-signed PFX, a pool of the three addresses, backend settings port 8080).

Figures:
- req/s over keep-alive HTTP and HTTPS: wrk -t1 -c64 (best of --rounds; the engines measured one after the
  other for each figure and round, so a drifting load on a shared machine falls on them alike); wrk sends the
  same request bytes every time, or with ``--vary`` every request unique (wrkrun.VARY_LUA);
- p99 latency of keep-alive requests paced at 50% of HAProxy's HTTP peak (two client processes on uvloop
  Protocols, 32 connections each, open loop; latency counted from each request's due time, so queueing is
  not hidden);
- new TLS handshakes/s: wrk -t1 -c64 over HTTPS with `Connection: close` (each request a new connection and
  handshake). wrk keeps its TLS session across reconnects (SSL_clear), so these are resumed handshakes (TLS 1.3
  PSK with a new ECDHE key exchange, no certificate signature) against every engine that issues tickets, as
  HAProxy, nginx and aznet do: the line "TLS negotiated" says, per engine, the protocol, the cipher suite and
  whether a second connection with the first one's session resumed it. Full handshakes apart: `openssl s_time
  -new` (one connection after the other, each a new session, no request), its rate and each engine's CPU
  microseconds per handshake (printed when the openssl tool is installed);
- memory (RSS) with N idle keep-alive clients (each sent one request and keeps its connection open), minus
  the proxy's RSS before;
- CPU microseconds per request during the HTTP and HTTPS runs, and per new connection (handshake and one
  request, column us/hs) during the handshake run: user + system CPU time of each engine's whole
  process tree (HAProxy's process, nginx's master and workers, aznet's process and its worker processes) over
  the requests wrk counted, the least of the rounds. It suffers less than req/s from other load on a shared
  machine, so it is the figure to judge a change by there.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import datetime
import os
import re
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wrkrun  # noqa: E402
from lb_bench import BACKENDS, Aznet, need, rss_kib  # noqa: E402
from procstat import cpu_seconds  # noqa: E402

HAPROXY_FE = "127.210.0.1"
NGINX_FE = "127.211.0.1"
LOC = "westeurope"


def listening(host: str, port: int) -> bool:
    """Something accepts on ``host:port`` (another bench's HAProxy: it binds with SO_REUSEPORT, so ours would share
    its sockets and each would get part of the other's traffic)."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def refuse_if_running(name: str) -> None:
    """Exit when another appgw bench (or its leftovers) serves the HAProxy or nginx frontend or the backends."""
    busy = [f"{h}:{p}" for h, p in [(HAPROXY_FE, 80), (NGINX_FE, 80), *((b, 8080) for b in BACKENDS)]
            if listening(h, p)]
    if busy:
        sys.exit(f"{name}: {', '.join(busy)} already served (another appgw bench, or its leftovers?): HAProxy binds "
                 "with SO_REUSEPORT, so the two runs would share sockets, traffic and figures")


def self_signed(tmp: Path) -> tuple[Path, str]:
    """A self-signed certificate: a PEM (key + cert, for HAProxy and nginx) and a PFX (base64) for aznet."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = tmp / "bench.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    pfx = pkcs12.serialize_key_and_certificates(b"bench", key, cert, None,
                                                serialization.BestAvailableEncryption(b"Bench-Passw0rd"))
    return pem, base64.b64encode(pfx).decode()


# HAProxy's connection limit as reverse proxy: as high as the open-files hard limit lets it (HAProxy needs 2 files
# per connection, plus a few), at most 20,000. Clients past it wait unanswered in the accept queue; the idle
# figure prints how many were answered. (This machine's hard limit, 20,000, allows 9,950.)
PROXY_MAXCONN = min(20000, (resource.getrlimit(resource.RLIMIT_NOFILE)[1] - 100) // 2)


def start_backends(tmp: Path) -> subprocess.Popen[bytes]:
    binds = "\n".join(f"    bind {ip}:8080" for ip in BACKENDS)
    cfg = tmp / "backends.cfg"
    cfg.write_text(f"""global
    maxconn 9900
defaults
    mode http
    timeout client 300s
    timeout server 300s
    timeout connect 5s
    timeout http-keep-alive 300s
frontend web
{binds}
    http-request return status 200 content-type text/plain string "backend ok"
""")
    return subprocess.Popen([need("haproxy"), "-f", str(cfg)])


def start_haproxy(tmp: Path, pem: Path, threads: int = 1) -> subprocess.Popen[bytes]:
    servers = "\n".join(f"    server b{i} {ip}:8080" for i, ip in enumerate(BACKENDS))
    cfg = tmp / "proxy.cfg"
    cfg.write_text(f"""global
    maxconn {PROXY_MAXCONN}
    nbthread {threads}
    tune.ssl.default-dh-param 2048
defaults
    mode http
    timeout client 300s
    timeout server 300s
    timeout connect 5s
    timeout http-keep-alive 300s
    option forwardfor
frontend web
    bind {HAPROXY_FE}:80
    bind {HAPROXY_FE}:443 ssl crt {pem}
    default_backend web
backend web
    balance roundrobin
    http-reuse always
{servers}
""")
    return subprocess.Popen([need("haproxy"), "-f", str(cfg)])


def start_nginx(tmp: Path, pem: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    servers = "\n".join(f"        server {ip}:8080;" for ip in BACKENDS)
    (tmp / "nginx").mkdir(exist_ok=True)
    cfg = tmp / "nginx.conf"
    cfg.write_text(f"""worker_processes {workers};
worker_rlimit_nofile 20000;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 19000; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx;
    proxy_temp_path {tmp}/nginx;
    keepalive_timeout 300s;
    keepalive_requests 1000000;
    upstream web {{
{servers}
        keepalive 64;
    }}
    server {{
        listen {NGINX_FE}:80;
        listen {NGINX_FE}:443 ssl;
        ssl_certificate {pem};
        ssl_certificate_key {pem};
        location / {{
            proxy_pass http://web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""")
    return subprocess.Popen([need("nginx"), "-c", str(cfg), "-p", str(tmp)])


def build_gateway(az: Aznet, pfx: str) -> str:
    rg = f"/subscriptions/{az.sub}/resourceGroups/bench"
    net = rg + "/providers/Microsoft.Network"
    az.call("PUT", rg, {"location": LOC}, api="2021-04-01")
    pip = az.call("PUT", net + "/publicIPAddresses/agip", {"location": LOC, "sku": {"name": "Standard"},
                                                           "properties": {"publicIPAllocationMethod": "Static"}})
    az.call("PUT", net + "/virtualNetworks/vnet", {"location": LOC, "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "ag", "properties": {"addressPrefix": "10.0.0.0/24"}}]}})
    gw = net + "/applicationGateways/gw"

    def ref(kind: str, n: str) -> dict[str, str]:
        return {"id": f"{gw}/{kind}/{n}"}
    rule = {"backendAddressPool": ref("backendAddressPools", "pool"),
            "backendHttpSettings": ref("backendHttpSettingsCollection", "s")}
    az.call("PUT", gw, {"location": LOC, "properties": {
        "sku": {"name": "Standard_v2", "tier": "Standard_v2", "capacity": 1},
        "gatewayIPConfigurations": [{"name": "ip", "properties": {"subnet": {"id": net + "/virtualNetworks/vnet/subnets/ag"}}}],
        "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": pip["id"]}}}],
        "frontendPorts": [{"name": "p80", "properties": {"port": 80}}, {"name": "p443", "properties": {"port": 443}}],
        "sslCertificates": [{"name": "cert", "properties": {"data": pfx, "password": "Bench-Passw0rd"}}],
        "backendAddressPools": [{"name": "pool", "properties": {"backendAddresses": [{"ipAddress": ip} for ip in BACKENDS]}}],
        "backendHttpSettingsCollection": [{"name": "s", "properties": {"port": 8080, "protocol": "Http",
                                                                       "requestTimeout": 30}}],
        "httpListeners": [
            {"name": "http", "properties": {"frontendIPConfiguration": ref("frontendIPConfigurations", "fe"),
                                            "frontendPort": ref("frontendPorts", "p80"), "protocol": "Http"}},
            {"name": "https", "properties": {"frontendIPConfiguration": ref("frontendIPConfigurations", "fe"),
                                             "frontendPort": ref("frontendPorts", "p443"), "protocol": "Https",
                                             "sslCertificate": ref("sslCertificates", "cert")}}],
        "requestRoutingRules": [
            {"name": "r80", "properties": {"ruleType": "Basic", "priority": 10,
                                           "httpListener": ref("httpListeners", "http"), **rule}},
            {"name": "r443", "properties": {"ruleType": "Basic", "priority": 20,
                                            "httpListener": ref("httpListeners", "https"), **rule}}]}})
    return str(az.call("GET", net + "/publicIPAddresses/agip")["properties"]["ipAddress"])


def wait_ok(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["curl", "-sk", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", url], capture_output=True,
                             text=True)
        if out.stdout == "200":
            return
        time.sleep(0.3)
    sys.exit(f"appgw_bench: {url} never answered 200")


def negotiated(host: str, port: int = 443) -> str:
    """The protocol and cipher suite a client with OpenSSL's defaults (as wrk's) gets, and whether a second
    connection offering the first one's session (its TLS 1.3 ticket, read with the first answer) resumed."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    session = None
    out = ""
    for attempt in range(2):
        with socket.create_connection((host, port), timeout=10) as raw, \
                ctx.wrap_socket(raw, server_hostname=host, session=session) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            while s.recv(65536):
                pass
            if attempt == 0:
                cipher = s.cipher()
                out = f"{s.version()} {cipher[0] if cipher else '?'}"
                session = s.session
            else:
                out += ", session resumed" if s.session_reused else ", session not resumed"
    return out


def full_handshakes(host: str, seconds: int, pid: int, port: int = 443) -> tuple[float, float]:
    """(full TLS handshakes/s, CPU microseconds per handshake of the proxy's process tree): ``openssl s_time
    -new``, one connection after the other, each a new session (no resumption) and no request; (0, 0) without
    the openssl tool."""
    tool = shutil.which("openssl")
    if tool is None:
        return 0.0, 0.0
    c0 = cpu_seconds(pid)
    out = subprocess.run([tool, "s_time", "-connect", f"{host}:{port}", "-new", "-time", str(seconds)],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    c1 = cpu_seconds(pid)
    m = re.search(r"(\d+) connections in (\d+) real seconds", out)
    if not m or not int(m.group(1)):
        return 0.0, 0.0
    n = int(m.group(1))
    return n / max(int(m.group(2)), 1), (c1 - c0) * 1e6 / n


def wrk(url: str, seconds: int, close: bool = False, pid: int = 0, vary: bool = False) -> tuple[float, float]:
    """(requests/s, CPU microseconds per request of the proxy's process tree ``pid``: its own and its workers')."""
    c0, t0 = cpu_seconds(pid) if pid else 0.0, time.monotonic()
    got = wrkrun.run(url, seconds, close=close, latency=False, vary=vary)
    c1, t1 = cpu_seconds(pid) if pid else 0.0, time.monotonic()
    if got.problems:
        print(f"    ({url}: {got.problems})")
    served = got.rps * (t1 - t0)
    return got.rps, (c1 - c0) * 1e6 / served if served else 0.0


_LENGTH = re.compile(rb"(?i)\r\ncontent-length:[ \t]*(\d+)")


class _PacedConn(asyncio.Protocol):
    """One keep-alive connection of the paced load: one request at a time, answers framed by Content-Length."""

    def __init__(self, run: _PacedRun) -> None:
        self.run = run
        self.buf = b""
        self.started = 0.0
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            m = _LENGTH.search(self.buf, 0, end + 2)
            size = end + 4 + (int(m.group(1)) if m else 0)
            if len(self.buf) < size:
                return
            self.buf = self.buf[size:]
            self.run.answered(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.run.lost(self)


class _PacedRun:
    """Open-loop load: ``rate`` requests/s for ``seconds`` whatever the answers do. Each request waits for a
    free connection when all are busy, and its latency counts from the moment it was due (as the client's
    clock saw it, at its 1 ms tick: the client's own timer lateness is not the proxy's), so queueing behind a
    slow proxy is not hidden."""

    REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"

    def __init__(self, loop: asyncio.AbstractEventLoop, rate: float, seconds: float) -> None:
        self.loop, self.rate = loop, rate
        self.total = int(rate * seconds)
        self.free: collections.deque[_PacedConn] = collections.deque()
        self.busy: set[_PacedConn] = set()
        self.waiting: collections.deque[float] = collections.deque()
        self.lat: list[float] = []
        self.failed = self.issued = 0
        self.t0 = 0.0
        self.done: asyncio.Future[None] = loop.create_future()

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.tick()

    def tick(self) -> None:
        now = time.perf_counter()
        due = min(int((now - self.t0) * self.rate) + 1, self.total)
        while self.issued < due:
            self.issued += 1
            self.waiting.append(now)
        self.pump()
        if self.issued < self.total:
            self.loop.call_later(0.001, self.tick)
        self.check()

    def pump(self) -> None:
        while self.waiting and self.free:
            c = self.free.popleft()
            c.started = self.waiting.popleft()
            self.busy.add(c)
            c.transport.write(self.REQUEST)

    def answered(self, c: _PacedConn) -> None:
        self.lat.append(time.perf_counter() - c.started)
        self.busy.discard(c)
        self.free.append(c)
        self.pump()
        self.check()

    def lost(self, c: _PacedConn) -> None:
        if c in self.busy:
            self.busy.discard(c)
            self.failed += 1
        elif c in self.free:
            self.free.remove(c)
        self.check()

    def check(self) -> None:
        if self.issued >= self.total and not self.busy and (not self.waiting or not self.free) \
                and not self.done.done():
            self.failed += len(self.waiting)
            self.done.set_result(None)


async def paced(host: str, port: int, rate: float, seconds: float, conns: int = 32) -> tuple[list[float], int]:
    """Keep-alive requests at ``rate``/s over ``conns`` connections (``_PacedRun``); latencies and failures."""
    loop = asyncio.get_running_loop()
    run = _PacedRun(loop, rate, seconds)
    for _ in range(conns):
        _, c = await loop.create_connection(lambda: _PacedConn(run), host, port)
        run.free.append(c)
    run.start()
    try:
        await asyncio.wait_for(run.done, seconds + 30)
    except TimeoutError:
        run.failed += len(run.busy) + len(run.waiting)
    for c in list(run.free) + list(run.busy):
        c.transport.close()
    return run.lat, run.failed


def _paced_worker(args: tuple[str, int, float, float]) -> tuple[list[float], int]:
    import uvloop
    uvloop.install()
    return asyncio.run(paced(*args))


def latency(host: str, port: int, rate: float, seconds: float, procs: int = 2) -> tuple[float, float, float, int]:
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_paced_worker, [(host, port, rate / procs, seconds)] * procs)
    lat = sorted(x for part, _f in parts for x in part)
    failed = sum(f for _p, f in parts)
    if not lat:
        return 0.0, 0.0, 0.0, failed
    return lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000, len(lat) / seconds, failed


def idle_keepalive_memory(host: str, port: int, pid: int, count: int) -> tuple[float, int]:
    """(MiB the proxy grows by with ``count`` idle keep-alive clients, how many got their answer)."""
    before = rss_kib(pid)
    socks = []
    sources = [f"127.230.{i // 250}.{i % 250 + 1}" for i in range(10)]
    ok = 0
    for i in range(count):
        s = socket.socket()
        s.bind((sources[i % len(sources)], 0))
        s.settimeout(10)
        s.connect((host, port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
        socks.append(s)
    deadline = time.monotonic() + 30        # for all the answers: a client not answered by then counts as not ok
    for s in socks:
        try:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            if s.recv(4096).startswith(b"HTTP/1.1 200"):
                ok += 1
        except OSError:
            pass
    time.sleep(2)
    after = rss_kib(pid)
    for s in socks:
        s.close()
    return (after - before) / 1024, ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=0,
                    help="N > 0: HAProxy nbthread N, nginx N worker processes, and a second aznet with "
                         "AZNET_APPGW_WORKERS=N (N worker processes serve, the aznet process compiles and probes) "
                         "beside the in-process one")
    ap.add_argument("--vary", action="store_true",
                    help="every keep-alive request unique (a counting X-Request-Id header, as real traffic's ids "
                         "and cookies differ), so no engine can answer from what it made of an identical head")
    args = ap.parse_args()
    n = max(args.workers, 1)
    for tool in ("haproxy", "nginx", "wrk", "curl"):
        need(tool)
    refuse_if_running("appgw_bench")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 200000), hard))
    tmp = Path(tempfile.mkdtemp(prefix="appgw-bench-"))
    pem, pfx = self_signed(tmp)
    procs: list[Any] = [start_backends(tmp)]
    az = None
    others: list[Aznet] = []
    try:
        procs.append(start_haproxy(tmp, pem, n))
        procs.append(start_nginx(tmp, pem, n))
        az = Aznet(tmp)
        vip = build_gateway(az, pfx)
        targets = {"HAProxy": (HAPROXY_FE, procs[1].pid), "nginx": (NGINX_FE, procs[2].pid),
                   "aznet": (vip, az.proc.pid)}
        if args.workers > 0:          # the same gateway in a second aznet whose workers serve it
            azw = Aznet(tmp, env={"AZNET_APPGW_WORKERS": str(args.workers),
                                  "AZNET_PUBLIC_IP_POOL": "127.65.0.0/16"}, name="aznet-workers")
            others.append(azw)
            targets[f"aznet/{args.workers}w"] = (build_gateway(azw, pfx), azw.proc.pid)
        for host, _pid in targets.values():
            wait_ok(f"http://{host}/")
            wait_ok(f"https://{host}/")
        print(f"appgw_bench: {args.seconds}s per figure; HAProxy (nbthread {n}), nginx ({n} worker(s)), aznet (1 "
              "process)" + (f", aznet/{args.workers}w ({args.workers} worker processes + the aznet process)"
                            if args.workers else "") + f"; load average {os.getloadavg()}")
        print("  requests: " + (f"every one unique ({wrkrun.VARY_HEADER} counts up)" if args.vary
                                else "the same bytes every time (--vary: every one unique)"))
        print("  TLS negotiated: " + "; ".join(f"{name} {negotiated(host)}" for name, (host, _p) in targets.items()))
        res: dict[str, dict[str, float]] = {n: {"http": 0.0, "https": 0.0, "tls_new": 0.0, "cpu_http": 0.0,
                                                "cpu_https": 0.0, "cpu_tls_new": 0.0} for n in targets}
        # figure by figure, engine after engine within each (a shared machine's load drifts: back to back, the
        # engines see about the same); the best of --rounds
        for fig, scheme, close in (("http", "http", False), ("https", "https", False), ("tls_new", "https", True)):
            for _ in range(args.rounds if fig != "tls_new" else 1):
                for name, (host, pid) in targets.items():
                    rps, cpu = wrk(f"{scheme}://{host}/", args.seconds, close=close, pid=pid,
                                   vary=args.vary and not close)
                    res[name][fig] = max(res[name][fig], rps)
                    have = res[name][f"cpu_{fig}"]     # the least CPU per request of the rounds (least disturbed)
                    res[name][f"cpu_{fig}"] = min(have, cpu) if have else cpu
        full = {name: full_handshakes(host, args.seconds, pid) for name, (host, pid) in targets.items()}
        rate = res["HAProxy"]["http"] * 0.5
        for name, (host, _pid) in targets.items():
            p50, p99, got, failed = latency(host, 80, rate, float(args.seconds))
            res[name].update(p50=p50, p99=p99, rate=got, failed=failed)
        for name, (host, pid) in targets.items():
            mib, ok = idle_keepalive_memory(host, 80, pid, args.idle)
            res[name].update(mem=mib, idle_ok=ok)
        hp = res["HAProxy"]
        print(f"  {'':8} {'HTTP req/s':>11} {'HTTPS req/s':>12} {'TLS hs/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'(at req/s)':>10} {'idle MiB':>9} {'CPU us/req HTTP':>15} {'HTTPS':>6} {'us/hs':>6}")
        for name, r in res.items():
            print(f"  {name:8} {r['http']:11.0f} {r['https']:12.0f} {r['tls_new']:9.0f} {r['p50']:7.2f} "
                  f"{r['p99']:7.2f} {r['rate']:10.0f} {r['mem']:9.1f} {r['cpu_http']:15.1f} {r['cpu_https']:6.1f} "
                  f"{r['cpu_tls_new']:6.1f}  "
                  f"({int(r['idle_ok'])}/{args.idle} idle clients answered, {int(r['failed'])} paced failures)")
        for name in [t for t in res if t.startswith("aznet")]:
            a = res[name]
            print(f"  {name} / HAProxy: HTTP {a['http'] / hp['http']:.2f}x (target >= 0.8), HTTPS "
                  f"{a['https'] / hp['https']:.2f}x, TLS handshakes {a['tls_new'] / hp['tls_new']:.2f}x, "
                  f"p99 {a['p99'] / hp['p99']:.2f}x (target <= 1.5), memory {a['mem'] / max(hp['mem'], 0.1):.1f}x, "
                  f"CPU per request HTTP {a['cpu_http'] / max(hp['cpu_http'], 0.1):.2f}x, HTTPS "
                  f"{a['cpu_https'] / max(hp['cpu_https'], 0.1):.2f}x, per new TLS connection "
                  f"{a['cpu_tls_new'] / max(hp['cpu_tls_new'], 0.1):.2f}x")
        if any(r for r, _c in full.values()):
            print("  full TLS handshakes (openssl s_time -new: one connection at a time, new session each, no "
                  "request): " + "; ".join(f"{name} {r:.0f}/s, {c:.0f} us CPU each" for name, (r, c) in full.items()))
            for name in [t for t in full if t.startswith("aznet")]:
                print(f"  {name} / HAProxy: CPU per full TLS handshake "
                      f"{full[name][1] / max(full['HAProxy'][1], 0.1):.2f}x")
        if args.workers:
            print(f"  aznet/{args.workers}w: {args.workers} worker processes serve (SO_REUSEPORT) beside the aznet "
                  f"process (compiles, probes, merges telemetry), against HAProxy's {args.workers} threads and nginx's "
                  f"{args.workers} workers on this machine's {os.cpu_count()} cores; CPU us/req counts every process "
                  "of each engine")
        print(f"  load average after: {os.getloadavg()}")
    finally:
        for a_ in [az, *others]:
            if a_ is not None:
                a_.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
