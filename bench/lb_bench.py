"""L4 load balancer: aznet beside HAProxy (TCP mode), measured in the same run with the same three backends.

    .venv/bin/python bench/lb_bench.py [--seconds 10] [--idle 10000]

Needs the Debian packages haproxy, wrk and iperf3 (`apt-get install haproxy wrk iperf3`; scripts/test
installs them). The three backends are one HAProxy process in HTTP mode answering 200 on
127.200.0.{1,2,3}:8080 (fast C backends, so neither load balancer is limited by them) and three
`iperf3 -s` on 127.200.0.{1,2,3}:5201.

aznet runs as its own process (`aznet up`); a Standard public load balancer with three VMs whose ports 80
and 5201 are mapped (`aznet vm expose`) to the backends: rule 80 (5-tuple) and rule 5201 (SourceIP, as
iperf3's control and data connections must reach the same server; HAProxy uses `balance source`).

Figures:
- new connections/s: wrk -t1 -c64, `Connection: close` (each request a new TCP connection through the LB);
- bulk throughput: iperf3 -t N through each LB (one stream);
- p99 latency of connect + request + first response byte at 50% of HAProxy's saturation rate (an
  asyncio client pacing new connections; the achieved rate is printed too);
- memory (RSS) with 10k open idle connections through each LB, minus its RSS before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

BACKENDS = ["127.200.0.1", "127.200.0.2", "127.200.0.3"]
HAPROXY_FE = "127.210.0.1"
ROOT = Path(__file__).resolve().parents[1]


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        sys.exit(f"lb_bench: {tool} is not installed (apt-get install haproxy wrk iperf3)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    """RSS of a process and its children (aznet's relay workers, HAProxy's)."""
    total = _rss(pid)
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return total + sum(_rss(int(k)) for k in kids)


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_backends(tmp: Path) -> list[subprocess.Popen[bytes]]:
    binds = "\n".join(f"    bind {ip}:8080" for ip in BACKENDS)
    cfg = tmp / "backends.cfg"
    cfg.write_text(f"""global
    maxconn 9500
defaults
    mode http
    timeout client 30s
    timeout server 30s
    timeout connect 5s
frontend web
{binds}
    http-request return status 200 content-type text/plain string "backend ok"
""")
    procs = [subprocess.Popen([need("haproxy"), "-f", str(cfg)])]
    for ip in BACKENDS:
        procs.append(subprocess.Popen([need("iperf3"), "-s", "-B", ip, "-p", "5201"], stdout=subprocess.DEVNULL))
    return procs


def start_haproxy(tmp: Path, threads: int = 1) -> subprocess.Popen[bytes]:
    servers = "\n".join(f"    server b{i} {ip}:8080" for i, ip in enumerate(BACKENDS))
    iperfs = "\n".join(f"    server i{i} {ip}:5201" for i, ip in enumerate(BACKENDS))
    cfg = tmp / "lb.cfg"
    cfg.write_text(f"""global
    maxconn 9500
    nbthread {threads}
defaults
    mode tcp
    timeout client 300s
    timeout server 300s
    timeout connect 5s
frontend web
    bind {HAPROXY_FE}:80
    default_backend web
backend web
    balance roundrobin
{servers}
frontend bulk
    bind {HAPROXY_FE}:5201
    default_backend bulk
backend bulk
    balance source
{iperfs}
""")
    return subprocess.Popen([need("haproxy"), "-f", str(cfg)])


class Aznet:
    """`aznet up` in its own process, and the ARM calls to build the load balancer."""

    def __init__(self, tmp: Path, workers: int = 0, env: dict[str, str] | None = None, name: str = "aznet") -> None:
        self.data = tmp / name
        self.port = free_port()
        env = {**os.environ, "AZNET_DATA_DIR": str(self.data), "AZNET_PORT": str(self.port),
               "AZNET_DNS_PORT": str(free_port()), "AZNET_LB_WORKERS": str(workers), **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "aznet.cli.main", "up"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while not (self.data / "server.json").exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                sys.exit("lb_bench: aznet did not start")
            time.sleep(0.2)
        self.endpoint = json.loads((self.data / "server.json").read_text())["endpoint"]
        self.ctx = ssl.create_default_context(cafile=str(self.data / "ca.pem"))
        self.sub = "00000000-0000-0000-0000-000000000001"
        self.token = self._token()

    def _token(self) -> str:
        body = ("grant_type=client_credentials&client_id=bench&client_secret=x&scope="
                + urllib.request.quote(self.endpoint + "/.default")).encode()
        tenant = "00000000-0000-0000-0000-0000000000aa"
        req = urllib.request.Request(f"{self.endpoint}/{tenant}/oauth2/v2.0/token", data=body, method="POST")
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
            return str(json.loads(r.read())["access_token"])

    def call(self, method: str, path: str, body: Any = None, api: str | None = "2024-05-01") -> Any:
        url = self.endpoint + path + (f"?api-version={api}" if api else "")
        req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     method=method, headers={"content-type": "application/json",
                                                             "authorization": f"Bearer {self.token}"})
        for _ in range(600):
            with urllib.request.urlopen(req, context=self.ctx, timeout=60) as r:
                data = r.read()
                out = json.loads(data) if data else None
            state = ((out or {}).get("properties") or {}).get("provisioningState")
            if method != "PUT" or state in (None, "Succeeded"):
                return out
            time.sleep(0.1)
            req = urllib.request.Request(url, headers={"authorization": f"Bearer {self.token}"})
            method = "GET"
        return out

    def build(self) -> str:
        rg = f"/subscriptions/{self.sub}/resourceGroups/bench"
        net = rg + "/providers/Microsoft.Network"
        self.call("PUT", rg, {"location": "westeurope"}, api="2021-04-01")
        pip = self.call("PUT", net + "/publicIPAddresses/lbip", {"location": "westeurope", "sku": {"name": "Standard"},
                                                                 "properties": {"publicIPAllocationMethod": "Static"}})
        self.call("PUT", net + "/virtualNetworks/vnet", {"location": "westeurope", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}})
        lb = net + "/loadBalancers/lb"
        rule = {"frontendIPConfiguration": {"id": lb + "/frontendIPConfigurations/fe"},
                "backendAddressPool": {"id": lb + "/backendAddressPools/pool"},
                "probe": {"id": lb + "/probes/tcp"}, "protocol": "Tcp", "idleTimeoutInMinutes": 30}
        self.call("PUT", lb, {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": pip["id"]}}}],
            "backendAddressPools": [{"name": "pool"}],
            "probes": [{"name": "tcp", "properties": {"protocol": "Tcp", "port": 80, "intervalInSeconds": 5}}],
            "loadBalancingRules": [
                {"name": "web", "properties": {**rule, "frontendPort": 80, "backendPort": 80}},
                {"name": "bulk", "properties": {**rule, "frontendPort": 5201, "backendPort": 5201,
                                                "loadDistribution": "SourceIP"}}]}})
        image = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2",
                 "version": "latest"}
        for i, ip in enumerate(BACKENDS):
            nic = net + f"/networkInterfaces/nic{i}"
            self.call("PUT", nic, {"location": "westeurope", "properties": {"ipConfigurations": [{
                "name": "ipconfig1", "properties": {"subnet": {"id": net + "/virtualNetworks/vnet/subnets/default"},
                                                    "loadBalancerBackendAddressPools": [{"id": lb + "/backendAddressPools/pool"}]}}]}})
            self.call("PUT", rg + f"/providers/Microsoft.Compute/virtualMachines/vm{i}", {
                "location": "westeurope", "properties": {
                    "hardwareProfile": {"vmSize": "Standard_B1s"}, "storageProfile": {"imageReference": image},
                    "osProfile": {"adminUsername": "azureuser", "adminPassword": "Secr3t-Passw0rd!"},
                    "networkProfile": {"networkInterfaces": [{"id": nic}]}}}, api="2024-07-01")
            for port, tport in ((80, 8080), (5201, 5201)):
                self.call("POST", f"/_aznet/vms/{self.sub}/bench/vm{i}/expose", {"port": port, "to": f"{ip}:{tport}"},
                          api=None)
        return str(self.call("GET", net + "/publicIPAddresses/lbip")["properties"]["ipAddress"])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wait_http(host: str, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"lb_bench: {host}:{port} never answered")


def wrk_rate(host: str, port: int, seconds: int) -> float:
    out = subprocess.run([need("wrk"), "-t1", "-c64", f"-d{seconds}s", "-H", "Connection: close",
                          f"http://{host}:{port}/"], capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if errors:
        print(f"    ({host}:{port} {errors.group(0)})")
    return float(m.group(1)) if m else 0.0


def iperf(host: str, seconds: int) -> float:
    out = subprocess.run([need("iperf3"), "-c", host, "-p", "5201", "-t", str(seconds), "-J"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    try:
        return float(json.loads(out)["end"]["sum_received"]["bits_per_second"]) / 1e9
    except (ValueError, KeyError):
        return 0.0


async def paced_latency(host: str, port: int, rate: float, seconds: float) -> tuple[list[float], int]:
    """Latencies (s) of connect + request + first byte, new connections paced at ``rate``/s; and failures."""
    lat: list[float] = []
    failed = 0
    loop = asyncio.get_running_loop()
    request = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

    async def one() -> None:
        nonlocal failed
        t0 = time.perf_counter()     # (uvloop's loop.time() has millisecond resolution)
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            await reader.read(1)
            lat.append(time.perf_counter() - t0)
            writer.close()
        except OSError:
            failed += 1
    tasks = []
    start = loop.time()
    n = 0
    while loop.time() - start < seconds:
        due = start + n / rate
        now = loop.time()
        if due > now:
            await asyncio.sleep(due - now)
        tasks.append(asyncio.create_task(one()))
        n += 1
    await asyncio.gather(*tasks)
    return lat, failed


def _paced_worker(args: tuple[str, int, float, float]) -> tuple[list[float], int]:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(paced_latency(*args))


def latency(host: str, port: int, rate: float, seconds: float, procs: int = 2) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, achieved rate/s), the pacing split over ``procs`` client processes."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_paced_worker, [(host, port, rate / procs, seconds)] * procs)
    lat = sorted(x for part, _f in parts for x in part)
    if not lat:
        return 0.0, 0.0, 0.0
    return lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000, len(lat) / seconds


def fds(pid: int) -> int:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        kids = []
    return sum(len(os.listdir(f"/proc/{p}/fd")) for p in [pid, *kids])


def idle_memory(host: str, port: int, pid: int, count: int) -> tuple[float, int]:
    """(MiB the LB process grows by while ``count`` idle connections are open through it, descriptors it
    opened for them: about 2 per connection when each really reached a backend)."""
    before, fd_before = rss_kib(pid), fds(pid)
    socks = []
    sources = [f"127.220.{i // 250}.{i % 250 + 1}" for i in range(max(1, count // 20000 + 1) * 10)]
    for i in range(count):
        s = socket.socket()
        s.bind((sources[i % len(sources)], 0))
        s.connect((host, port))
        socks.append(s)
    time.sleep(3)
    after, fd_after = rss_kib(pid), fds(pid)
    for s in socks:
        s.close()
    return (after - before) / 1024, fd_after - fd_before


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=0, help="AZNET_LB_WORKERS for aznet (relay processes)")
    ap.add_argument("--haproxy-threads", type=int, default=1, help="HAProxy nbthread")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is shown")
    ap.add_argument("--idle", type=int, default=10000,
                    help="idle connections (each takes 2 descriptors in the LB: lowered to fit the fd limit)")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:       # children inherit it: 10k idle connections are 20k descriptors in a load balancer
        resource.setrlimit(resource.RLIMIT_NOFILE, (200_000, 200_000))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = Path(tempfile.mkdtemp(prefix="lb-bench-"))
    procs = start_backends(tmp)
    haproxy = start_haproxy(tmp, args.haproxy_threads)
    az = Aznet(tmp, args.workers)
    try:
        vip = az.build()
        for ip in BACKENDS:
            wait_http(ip, 8080)
        wait_http(HAPROXY_FE, 80)
        wait_http(vip, 80)
        targets = {"HAProxy": (HAPROXY_FE, haproxy.pid), "aznet": (vip, az.proc.pid)}
        print(f"L4 load balancer, 3 backends, {os.cpu_count()} cores; HAProxy 2.6 TCP mode (nbthread "
              f"{args.haproxy_threads}) vs aznet (uvloop relay, AZNET_LB_WORKERS={args.workers})")
        rates = {name: 0.0 for name in targets}
        bulk = {name: 0.0 for name in targets}
        for _ in range(args.rounds):      # alternate, keep each one's best: the machine is shared
            for name, (host, _pid) in targets.items():
                rates[name] = max(rates[name], wrk_rate(host, 80, args.seconds))
            for name, (host, _pid) in targets.items():
                bulk[name] = max(bulk[name], iperf(host, args.seconds))
        print(f"  new connections/s (wrk -c64, Connection: close; best of {args.rounds}): "
              + "  ".join(f"{k} {v:,.0f}" for k, v in rates.items())
              + f"  ratio {rates['aznet'] / max(rates['HAProxy'], 1):.2f}x")
        print("  bulk throughput (iperf3, 1 stream, Gbit/s): "
              + "  ".join(f"{k} {v:.2f}" for k, v in bulk.items())
              + f"  ratio {bulk['aznet'] / max(bulk['HAProxy'], 1e-9):.2f}x")
        rate = rates["HAProxy"] / 2
        for name, (host, _pid) in targets.items():
            p50, p99, got = latency(host, 80, rate, min(args.seconds, 5))
            print(f"  connect+first byte at {rate:,.0f}/s offered ({got:,.0f}/s achieved) {name}: "
                  f"p50 {p50:.2f} ms  p99 {p99:.2f} ms")
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if args.idle * 2 + 500 > limit:
            print(f"  (the descriptor limit here is {limit}: idle connections lowered from {args.idle:,} to "
                  f"{(limit - 500) // 2:,}; the per-connection figure scales)")
            args.idle = (limit - 500) // 2
        for name, (host, pid) in targets.items():
            mib, opened = idle_memory(host, 80, pid, args.idle)
            print(f"  memory with {args.idle:,} idle connections {name}: +{mib:.1f} MiB RSS "
                  f"({mib * 1024 * 1024 / max(args.idle, 1):,.0f} bytes/connection; {opened:,} descriptors opened)")
    finally:
        az.stop()
        haproxy.terminate()
        for p in procs:
            p.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
