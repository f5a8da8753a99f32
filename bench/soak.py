"""Soak: drive `aznet up` with a steady ARM workload and print the server's
RSS and open fds over time (issue 8, item 2: memory must stay flat).

    .venv/bin/python bench/soak.py                 # 30 minutes (the default)
    .venv/bin/python bench/soak.py --minutes 5 --workers 4 --interval 30

Each worker owns a resource group and loops: create the group, PUT a VNet
(polling its Azure-AsyncOperation), GET it, PATCH its tags, PUT an NSG with
rules, list both types, list /resources with a $filter, list subscriptions,
DELETE the VNet (polling the Location), and every tenth round delete the
whole group; every fiftieth round it fetches a fresh token, and every fifth
round (--churn) it opens a new connection. The working set
stays small, so a growing RSS means a leak, not data.

The figure is aznet's alone: no real engine serves ARM, so there is nothing to
put beside it; the slope over the second half (MiB/min) is the number to watch."""

from __future__ import annotations

import argparse
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procstat import free_port, rss_mib  # noqa: E402

AZNET = str(Path(sys.executable).with_name("aznet"))
NET = {"api-version": "2024-05-01"}
RG = {"api-version": "2021-04-01"}


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.endpoint = f"https://127.0.0.1:{self.port}"
        env = {**os.environ, "AZNET_LOG_LEVEL": "error"}
        self.proc = subprocess.Popen([AZNET, "up", "--port", str(self.port), "--data-dir", str(data_dir),
                                      "--dns-port", str(free_port())], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"aznet exited: {self.proc.stderr.read() if self.proc.stderr else ''}")
            try:
                if (data_dir / "ca.pem").exists() and self.client().get("/_aznet/health").status_code == 200:
                    return
            except (httpx.HTTPError, ssl.SSLError):
                pass
            time.sleep(0.1)
        raise RuntimeError("aznet did not start")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.endpoint, timeout=60,
                            verify=ssl.create_default_context(cafile=str(self.data_dir / "ca.pem")))

    def token(self, c: httpx.Client) -> str:
        r = c.post("/00000000-0000-0000-0000-0000000000aa/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": f"soak-{uuid.uuid4().hex[:6]}", "client_secret": "s",
            "scope": f"{self.endpoint}/.default"})
        r.raise_for_status()
        return r.json()["access_token"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)


class Worker(threading.Thread):
    def __init__(self, server: Server, n: int, stop: threading.Event, churn: int = 0) -> None:
        super().__init__(daemon=True)
        self.server, self.n, self.stop_event, self.churn = server, n, stop, churn
        self.requests = 0
        self.errors = 0
        self.statuses: dict[int, int] = {}

    def call(self, c: httpx.Client, method: str, url: str, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
        r = c.request(method, url, **kw)
        self.requests += 1
        self.statuses[r.status_code] = self.statuses.get(r.status_code, 0) + 1
        if r.status_code >= 500:
            self.errors += 1
        return r

    def run(self) -> None:
        sub = "00000000-0000-0000-0000-000000000001"
        c = self.server.client()
        try:
            c.headers["Authorization"] = f"Bearer {self.server.token(c)}"
            rounds = 0
            while not self.stop_event.is_set():
                rounds += 1
                if self.churn and rounds % self.churn == 0:      # a new TCP+TLS connection now and then
                    auth = c.headers["Authorization"]
                    c.close()
                    c = self.server.client()
                    c.headers["Authorization"] = auth
                if rounds % 50 == 0:
                    c.headers["Authorization"] = f"Bearer {self.server.token(c)}"
                    self.requests += 1
                rg = f"/subscriptions/{sub}/resourceGroups/soak-{self.n}"
                self.call(c, "PUT", rg, params=RG, json={"location": "westeurope", "tags": {"round": str(rounds)}})
                vnet = f"{rg}/providers/Microsoft.Network/virtualNetworks/v{rounds % 3}"
                r = self.call(c, "PUT", vnet, params=NET, json={
                    "location": "westeurope", "tags": {"round": str(rounds), "x": uuid.uuid4().hex},
                    "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                   "subnets": [{"name": "s1", "properties": {"addressPrefix": "10.0.1.0/24"}}]}})
                if "azure-asyncoperation" in r.headers:
                    self.call(c, "GET", r.headers["azure-asyncoperation"])
                self.call(c, "GET", vnet, params=NET)
                self.call(c, "PATCH", vnet, params=NET, json={"tags": {"patched": str(rounds)}})
                nsg = f"{rg}/providers/Microsoft.Network/networkSecurityGroups/n1"
                self.call(c, "PUT", nsg, params=NET, json={"location": "westeurope", "properties": {"securityRules": [
                    {"name": f"r{i}", "properties": {"priority": 100 + i, "direction": "Inbound", "access": "Allow",
                                                     "protocol": "Tcp", "sourceAddressPrefix": "*",
                                                     "sourcePortRange": "*", "destinationAddressPrefix": "*",
                                                     "destinationPortRange": str(8000 + i)}} for i in range(5)]}})
                self.call(c, "GET", f"{rg}/providers/Microsoft.Network/virtualNetworks", params=NET)
                self.call(c, "GET", f"{rg}/providers/Microsoft.Network/networkSecurityGroups", params=NET)
                self.call(c, "GET", f"/subscriptions/{sub}/resources",
                          params={**RG, "$filter": f"resourceGroup eq 'soak-{self.n}'"})
                self.call(c, "GET", "/subscriptions", params={"api-version": "2022-12-01"})
                r = self.call(c, "DELETE", vnet, params=NET)
                if "location" in r.headers:
                    self.call(c, "GET", r.headers["location"])
                if rounds % 10 == 0:
                    r = self.call(c, "DELETE", rg, params=RG)
                    if "location" in r.headers:
                        self.call(c, "GET", r.headers["location"])
        finally:
            c.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--interval", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--churn", type=int, default=5, help="open a new connection every N rounds (0: never)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="aznet-soak-") as tmp:
        server = Server(Path(tmp) / "data")
        pid = server.proc.pid
        stop = threading.Event()
        workers = [Worker(server, i, stop, args.churn) for i in range(args.workers)]
        start = time.time()
        for w in workers:
            w.start()
        samples: list[tuple[float, float, int]] = []
        last_n, last_t = 0, start
        print(f"aznet soak: {args.workers} workers for {args.minutes:g} min against {server.endpoint} (pid {pid})")
        print(f"{'t(s)':>7} {'requests':>9} {'req/s':>7} {'5xx':>5} {'RSS MiB':>8} {'fds':>5}")
        try:
            end = start + args.minutes * 60
            while True:
                now = time.time()
                n = sum(w.requests for w in workers)
                errs = sum(w.errors for w in workers)
                rss, fd = rss_mib(pid), fds(pid)
                samples.append((now - start, rss, fd))
                rate = (n - last_n) / max(now - last_t, 1e-9)
                print(f"{now - start:7.0f} {n:9d} {rate:7.0f} {errs:5d} {rss:8.1f} {fd:5d}", flush=True)
                last_n, last_t = n, now
                if now >= end:
                    break
                time.sleep(min(args.interval, max(0.0, end - now)))
        finally:
            stop.set()
            for w in workers:
                w.join(60)
            server.stop()
        total = sum(w.requests for w in workers)
        elapsed = samples[-1][0]
        half = [s for s in samples if s[0] >= elapsed / 2]
        slope = 0.0
        if len(half) >= 2 and half[-1][0] > half[0][0]:
            slope = (half[-1][1] - half[0][1]) / ((half[-1][0] - half[0][0]) / 60)
        statuses: dict[int, int] = {}
        for w in workers:
            for code, n in w.statuses.items():
                statuses[code] = statuses.get(code, 0) + n
        print("statuses:", ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
        print(f"summary: {total} requests in {elapsed:.0f} s ({total / max(elapsed, 1e-9):.0f} req/s); "
              f"RSS {samples[0][1]:.1f} -> {samples[-1][1]:.1f} MiB (max {max(s[1] for s in samples):.1f}); "
              f"second-half slope {slope:+.2f} MiB/min; fds {min(s[2] for s in samples)}..{max(s[2] for s in samples)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
