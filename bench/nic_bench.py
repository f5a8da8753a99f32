"""NIC benchmark: create 10,000 network interfaces in one VNet subnet over raw
HTTPS with a bearer token (each NIC gets the lowest free private IP), then list
them with paging. Prints throughput, latency, server memory and list timings.
The server runs as its own process pinned to core 0; clients run on core 1.

    .venv/bin/python bench/nic_bench.py [--count 10000] [--clients 16]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procstat import free_port, stop  # noqa: E402

SUB = "00000000-0000-0000-0000-000000000001"
TENANT = "00000000-0000-0000-0000-0000000000aa"
API = {"api-version": "2024-05-01"}


def serve(port: int, data_dir: str) -> None:
    """Run aznet in this process (the child). Registers a stand-in VNet type if none is loaded."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from aznet.cli.main import main as aznet_main
    from aznet.resources import load_all

    load_all()
    from tests.network.nic_support import ensure_vnet_types

    ensure_vnet_types()
    sys.argv = ["aznet", "up", "--port", str(port), "--data-dir", data_dir, "--dns-port", str(free_port())]
    sys.exit(aznet_main())


def start(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, __file__, "--serve", str(port), str(data_dir)]
    if os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"https://127.0.0.1:{port}"
    t0 = time.time()
    while time.time() - t0 < 60:
        if (data_dir / "ca.pem").exists():
            try:
                httpx.get(f"{endpoint}/_aznet/health", verify=str(data_dir / "ca.pem"), timeout=1)
                return proc, endpoint
            except httpx.HTTPError:
                pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("aznet did not start")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MiB (children included: the server is a child of taskset)."""
    cur = peak = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    cur = max(cur, int(line.split()[1]) / 1024)
                elif line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return cur, peak


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return 0
    if os.path.exists("/usr/bin/taskset"):
        os.sched_setaffinity(0, {1} if os.cpu_count() and os.cpu_count() > 1 else {0})  # type: ignore[attr-defined]
    data_dir = Path(tempfile.mkdtemp(prefix="aznet-nicbench-"))
    proc, endpoint = start(data_dir)
    verify = str(data_dir / "ca.pem")
    try:
        token = httpx.post(f"{endpoint}/{TENANT}/oauth2/v2.0/token", verify=verify, data={
            "grant_type": "client_credentials", "client_id": "bench", "client_secret": "s",
            "scope": f"{endpoint}/.default"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        rg = f"/subscriptions/{SUB}/resourceGroups/nicbench"
        with httpx.Client(base_url=endpoint, verify=verify, headers=headers, timeout=120) as c:
            c.put(rg, params={"api-version": "2021-04-01"}, json={"location": "westeurope"}).raise_for_status()
            vnet = f"{rg}/providers/Microsoft.Network/virtualNetworks/bench-vnet"
            c.put(vnet, params=API, json={"location": "westeurope", "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "nics", "properties": {"addressPrefix": "10.0.0.0/17"}}]}}).raise_for_status()
        subnet = f"{vnet}/subnets/nics"
        rss_before = rss_mb(proc.pid)
        latencies: list[float] = []
        ips: list[str] = []
        errors: list[str] = []
        lock = threading.Lock()
        next_i = iter(range(args.count))

        def worker() -> None:
            with httpx.Client(base_url=endpoint, verify=verify, headers=headers, timeout=120) as c:
                while True:
                    with lock:
                        i = next(next_i, None)
                    if i is None:
                        return
                    body = {"location": "westeurope", "properties": {"ipConfigurations": [
                        {"name": "ipconfig1", "properties": {"subnet": {"id": subnet}}}]}}
                    t = time.perf_counter()
                    r = c.put(f"{rg}/providers/Microsoft.Network/networkInterfaces/nic-{i:05d}", params=API,
                              json=body)
                    dt = time.perf_counter() - t
                    with lock:
                        latencies.append(dt)
                        if r.status_code != 201:
                            errors.append(f"{r.status_code} {r.text[:200]}")
                        else:
                            ips.append(r.json()["properties"]["ipConfigurations"][0]["properties"]
                                       ["privateIPAddress"])

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        rss_after = rss_mb(proc.pid)
        unique = len(set(ips))
        expected = {str(ipaddress.ip_address(int(ipaddress.ip_address("10.0.0.4")) + k)) for k in range(len(ips))}
        print(f"created {len(ips)} NICs in {elapsed:.1f} s with {args.clients} clients: "
              f"{len(ips) / elapsed:.0f} NIC PUTs/s")
        lat = sorted(latencies)
        print(f"PUT latency: median {statistics.median(lat) * 1000:.1f} ms, "
              f"p99 {lat[int(len(lat) * 0.99) - 1] * 1000:.1f} ms")
        print(f"private IPs: {unique} unique, dense from 10.0.0.4: {set(ips) == expected}; errors: {len(errors)}"
              + (f" (first: {errors[0]})" if errors else ""))
        print(f"server RSS: {rss_before[0]:.0f} MiB before, {rss_after[0]:.0f} MiB after "
              f"(peak {rss_after[1]:.0f} MiB): {(rss_after[0] - rss_before[0]) * 1024 / max(1, len(ips)):.1f} "
              "KiB per NIC")
        with httpx.Client(base_url=endpoint, verify=verify, headers=headers, timeout=300) as c:
            for top in (None, 1000):
                t = time.perf_counter()
                url: str | None = f"{rg}/providers/Microsoft.Network/networkInterfaces"
                params = dict(API)
                if top:
                    params["$top"] = str(top)
                pages = items = 0
                while url:
                    r = c.get(url, params=params if pages == 0 else None)
                    r.raise_for_status()
                    data = r.json()
                    pages += 1
                    items += len(data["value"])
                    url = data.get("nextLink")
                dt = time.perf_counter() - t
                print(f"list {'(default page size)' if top is None else f'($top={top})'}: {items} NICs in "
                      f"{pages} pages, {dt:.2f} s ({items / dt:.0f} NICs/s)")
            t = time.perf_counter()
            r = c.get(f"{rg}/providers/Microsoft.Network/networkInterfaces/nic-{args.count - 1:05d}", params=API)
            r.raise_for_status()
            print(f"GET one NIC: {(time.perf_counter() - t) * 1000:.1f} ms")
        return 1 if errors else 0
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())
