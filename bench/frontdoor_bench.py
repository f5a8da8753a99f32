"""Front Door / CDN edge: aznet beside HAProxy (pass-through) and Varnish (cache hits), measured in the same run
against the same origin.

    .venv/bin/python bench/frontdoor_bench.py [--seconds 10] [--objects 100000] [--rounds 3] [--workers N]

With ``--workers N``: HAProxy runs nbthread N and Varnish ``thread_pools=N``, and a second aznet serves the same
profile with ``AZNET_FRONTDOOR_WORKERS=N`` (rows ``aznet/Nw``; edge address 127.216.<run>.2) beside the in-process
one, in the same run. Varnish's threads are not bound to N cores by this (nor is anything else: wrk, the origin
and every proxy share the machine's cores).

Needs the Debian packages haproxy, varnish and wrk (`apt-get install haproxy varnish wrk`; scripts/test installs
haproxy and wrk; this bench alone needs varnish). The origin is one HAProxy process answering 200 with a 1 KiB
body and ``Cache-Control: public, max-age=3600`` on 127.217.<run>.1:8080 (a fast C origin; every address of a run
has a third octet of its own, so concurrent runs on a shared machine never measure each other's processes).

- pass-through: HAProxy (``mode http``, ``http-reuse always``, nbthread 1) vs aznet's edge on a route without
  caching (``aznet up`` in its own process; a Front Door Standard profile, endpoint, origin group, origin, route
  ``/pass/*``); wrk -t1 -c64 over keep-alive, req/s and wrk's p99; the engines compared run in turn, ``--rounds``
  times interleaved (HAProxy, aznet, HAProxy, aznet, ...), and the medians are printed: on a shared machine a
  load change during one engine's only run would otherwise decide the ratio; beside req/s, the CPU time (user +
  system) the engine's processes spent per request in those runs, and the ratio of requests per CPU-second:
  on a shared machine Varnish's many threads get a larger share of both cores than one event loop can, which
  req/s mixes in and CPU per request does not;
- cache hits: Varnish (``-s malloc,1G``, default thread pools) vs aznet's edge on a route with caching
  (``/*``, IgnoreQueryString); the object is fetched once before measuring, so every measured request is a hit;
- memory for N cached objects (default 100 000 distinct 1 KiB objects): RSS after loading them through each
  cache minus RSS before (aznet: the whole aznet process; Varnish: its worker process).

With ``--against DIR``: one more aznet, started from the checkout in DIR (``git worktree add --detach DIR <commit>``
or ``git archive <commit> | tar -x -C DIR``; run with DIR as its working directory, so DIR's ``aznet`` package is
the one imported) and configured alike (``AZNET_FRONTDOOR_WORKERS=N`` with ``--workers N``; edge address
127.216.<run>.3), measured in the pass-through rounds beside the others (row ``aznet before``): a change's
before/after CPU per request in the same interleaved runs.

The machine is shared: figures are noisy, so the script prints the load average beside them; ratios are what to
read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wrkrun  # noqa: E402
from lb_bench import Aznet, rss_kib  # noqa: E402
from procstat import cpu_seconds  # noqa: E402

# a third octet of this run's own: two runs at once on a shared machine (or another bench on these addresses)
# would otherwise find each other's listeners, and wrk would measure the other run's processes
_RUN = random.randrange(1, 255)
ORIGIN = f"127.217.{_RUN}.1"
HAPROXY_FE = f"127.214.{_RUN}.1"
VARNISH_FE = f"127.215.{_RUN}.1"
EDGE = f"127.216.{_RUN}.1"
EDGE_W = f"127.216.{_RUN}.2"
EDGE_B = f"127.216.{_RUN}.3"
BODY = "x" * 1024
CDN_API = "2024-02-01"


def need(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if path is None:
        sys.exit(f"frontdoor_bench: {tool} is not installed (apt-get install haproxy varnish wrk)")
    return path


def start_origin(tmp: Path) -> subprocess.Popen[bytes]:
    cfg = tmp / "origin.cfg"
    cfg.write_text(f"""global
    maxconn 4000
    nbthread 1
defaults
    mode http
    timeout client 300s
    timeout server 300s
    timeout connect 5s
    timeout http-keep-alive 300s
frontend origin
    bind {ORIGIN}:8080
    http-request return status 200 content-type text/plain hdr Cache-Control "public, max-age=3600" string "{BODY}"
""")
    return subprocess.Popen([need("haproxy"), "-f", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_haproxy(tmp: Path, threads: int = 1) -> subprocess.Popen[bytes]:
    cfg = tmp / "proxy.cfg"
    cfg.write_text(f"""global
    maxconn 4000
    nbthread {threads}
defaults
    mode http
    timeout client 300s
    timeout server 300s
    timeout connect 5s
    timeout http-keep-alive 300s
    http-reuse always
frontend fe
    bind {HAPROXY_FE}:80
    default_backend origin
backend origin
    server o1 {ORIGIN}:8080
""")
    return subprocess.Popen([need("haproxy"), "-f", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_varnish(tmp: Path, pools: int = 0) -> subprocess.Popen[bytes]:
    workdir = tmp / "varnish"
    workdir.mkdir()
    extra = ["-p", f"thread_pools={pools}"] if pools else []
    return subprocess.Popen([need("varnishd"), "-F", "-a", f"{VARNISH_FE}:80", "-b", f"{ORIGIN}:8080",
                             "-s", "malloc,1G", "-n", str(workdir), "-p", "default_ttl=3600", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_port(host: str, port: int, timeout: float = 30) -> None:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"frontdoor_bench: nothing listens on {host}:{port}")


def measure(pairs: list[tuple[str, str, str, int]], seconds: int, rounds: int,
            vary: bool = False) -> list[tuple[float, float, float]]:
    """wrk -t1 -c64 over keep-alive on each (label, url, Host, engine pid) in turn, ``rounds`` times interleaved
    (A B A B ...: a change in the machine's load hits every engine alike); per target the median req/s, the median
    of the rounds' p99 (ms) and the median CPU time the engine's processes spent per request (us: what a request
    costs whatever share of the cores the engine got). Errors or non-2xx answers wrk counted are printed. ``vary``:
    every request unique (wrkrun.VARY_LUA: a counting header no cache key includes)."""
    runs: list[list[tuple[wrkrun.WrkResult, float]]] = [[] for _ in pairs]
    for _ in range(rounds):
        for i, (label, url, host, pid) in enumerate(pairs):
            before = cpu_seconds(pid)
            got = wrkrun.run(url, seconds, host=host, vary=vary)
            used = cpu_seconds(pid) - before
            if got.problems:
                print(f"    ({label}: {got.problems})")
            runs[i].append((got, used / max(got.rps * seconds, 1.0) * 1e6))
    return [(statistics.median(r.rps for r, _ in rs), statistics.median(r.p99_ms for r, _ in rs),
             statistics.median(c for _, c in rs)) for rs in runs]


async def load_objects(ip: str, host: str, n: int, conns: int = 32) -> int:
    """GET /obj/0 .. /obj/n-1 over keep-alive connections (each object once); returns the 200s."""
    ok = 0

    async def worker(k: int) -> None:
        nonlocal ok
        reader, writer = await asyncio.open_connection(ip, 80)
        for i in range(k, n, conns):
            writer.write(f"GET /obj/{i} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            ok += head.startswith(b"HTTP/1.1 200")
        writer.close()
    await asyncio.gather(*(worker(k) for k in range(conns)))
    return ok


def varnish_rss(proc: subprocess.Popen[bytes]) -> int:
    """The varnish worker (cache) process: the child of the manager."""
    return rss_kib(proc.pid)


def build_edge(az: Aznet) -> str:
    rg = f"/subscriptions/{az.sub}/resourceGroups/fdbench"
    az.call("PUT", rg, {"location": "westeurope"}, api="2021-04-01")
    prof = rg + "/providers/Microsoft.Cdn/profiles/bench"
    az.call("PUT", prof, {"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}, api=CDN_API)
    ep = az.call("PUT", prof + "/afdEndpoints/edge", {"location": "global"}, api=CDN_API)
    az.call("PUT", prof + "/originGroups/og", {"properties": {"loadBalancingSettings": {
        "sampleSize": 4, "successfulSamplesRequired": 3}}}, api=CDN_API)
    az.call("PUT", prof + "/originGroups/og/origins/o1", {"properties": {
        "hostName": ORIGIN, "httpPort": 8080, "originHostHeader": "origin.bench"}}, api=CDN_API)
    group = {"id": prof + "/originGroups/og"}
    az.call("PUT", prof + "/afdEndpoints/edge/routes/pass", {"properties": {
        "originGroup": group, "patternsToMatch": ["/pass/*"], "forwardingProtocol": "HttpOnly"}}, api=CDN_API)
    az.call("PUT", prof + "/afdEndpoints/edge/routes/cached", {"properties": {
        "originGroup": group, "patternsToMatch": ["/*"], "forwardingProtocol": "HttpOnly",
        "cacheConfiguration": {"queryStringCachingBehavior": "IgnoreQueryString"}}}, api=CDN_API)
    return str(ep["properties"]["hostName"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved wrk runs per target (medians reported)")
    ap.add_argument("--workers", type=int, default=0,
                    help="N > 0: HAProxy nbthread N, Varnish thread_pools=N, and a second aznet with "
                         "AZNET_FRONTDOOR_WORKERS=N beside the in-process one")
    ap.add_argument("--against", metavar="DIR", default="",
                    help="a second aznet from the checkout in DIR (before a change), in the pass-through rounds")
    ap.add_argument("--vary", action="store_true",
                    help="every request unique (a counting X-Request-Id header, which no cache key includes), so no "
                         "engine can answer from what it made of an identical request head")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fdbench-") as t:
        tmp = Path(t)
        procs = [start_origin(tmp), start_haproxy(tmp, max(args.workers, 1))]
        varnish = start_varnish(tmp, args.workers)
        procs.append(varnish)
        os.environ["AZNET_FRONTDOOR_EDGE_ADDRESS"] = EDGE
        az = Aznet(tmp)
        azw = None
        if args.workers > 0:
            azw = Aznet(tmp, env={"AZNET_FRONTDOOR_EDGE_ADDRESS": EDGE_W,
                                  "AZNET_FRONTDOOR_WORKERS": str(args.workers)}, name="aznet-workers")
            procs.append(azw.proc)
        azb = None
        if args.against:
            here = os.getcwd()
            os.chdir(args.against)          # ``python -m aznet...`` imports the package of its working directory
            try:
                azb = Aznet(tmp, env={"AZNET_FRONTDOOR_EDGE_ADDRESS": EDGE_B,
                                      "AZNET_FRONTDOOR_WORKERS": str(args.workers)}, name="aznet-before")
            finally:
                os.chdir(here)
            procs.append(azb.proc)
        try:
            wait_port(ORIGIN, 8080)
            wait_port(HAPROXY_FE, 80)
            wait_port(VARNISH_FE, 80)
            for p in procs:
                if p.poll() is not None:
                    sys.exit(f"frontdoor_bench: {p.args[0]} exited (code {p.returncode}): address in use?")
            host = build_edge(az)
            wait_port(EDGE, 80)
            subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", f"Host: {host}", f"http://{EDGE}/hot"], check=True)
            subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://{VARNISH_FE}/hot"], check=True)
            hit = subprocess.run(["curl", "-s", "-D", "-", "-o", "/dev/null", "-H", f"Host: {host}",
                                  f"http://{EDGE}/hot"], capture_output=True, text=True).stdout
            assert "TCP_HIT" in hit, hit
            host_w = ""
            if azw is not None:
                host_w = build_edge(azw)
                wait_port(EDGE_W, 80)
                for _ in range(2):    # each worker may take the first request: fetch until a hit is seen
                    subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", f"Host: {host_w}", f"http://{EDGE_W}/hot"],
                                   check=True)
            host_b = ""
            if azb is not None:
                host_b = build_edge(azb)
                wait_port(EDGE_B, 80)
            n = max(args.workers, 1)
            print(f"HAProxy nbthread {n}, Varnish thread_pools={args.workers or 'default'}, aznet in one process"
                  + (f", aznet/{args.workers}w: {args.workers} worker processes + the aznet process"
                     if args.workers else ""))
            print(f"load average before: {os.getloadavg()}")
            print("requests: " + (f"every one unique ({wrkrun.VARY_HEADER} counts up)" if args.vary
                                  else "the same bytes every time (--vary: every one unique)"))
            passes = [("HAProxy", f"http://{HAPROXY_FE}/pass/x", "origin.bench", procs[1].pid),
                      ("aznet", f"http://{EDGE}/pass/x", host, az.proc.pid)]
            hits = [("Varnish", f"http://{VARNISH_FE}/hot", "origin.bench", varnish.pid),
                    ("aznet", f"http://{EDGE}/hot", host, az.proc.pid)]
            if azw is not None:
                passes.append(("aznet/workers", f"http://{EDGE_W}/pass/x", host_w, azw.proc.pid))
                hits.append(("aznet/workers", f"http://{EDGE_W}/hot", host_w, azw.proc.pid))
            if azb is not None:
                passes.append(("aznet before", f"http://{EDGE_B}/pass/x", host_b, azb.proc.pid))
            got = measure(passes, args.seconds, args.rounds, args.vary)
            hp, ap_ = got[0], got[1]
            apw = got[2] if azw is not None else None
            apb = got[-1] if azb is not None else None
            got = measure(hits, args.seconds, args.rounds, args.vary)
            vh, ah = got[0], got[1]
            ahw = got[2] if azw is not None else None
            print(f"medians of {args.rounds} interleaved {args.seconds}s runs each (wrk -t1 -c64, keep-alive); "
                  "CPU: the engine's processes' user+system time per request")
            print(f"{'':28}{'req/s':>10}{'p99 ms':>10}{'CPU us':>9}")

            def row(label: str, m: tuple[float, float, float], ref: tuple[float, float, float] | None = None,
                    name: str = "") -> None:
                line = f"{label:28}{m[0]:>10.0f}{m[1]:>10.2f}{m[2]:>9.1f}"
                if ref is not None:
                    line += f"   {m[0] / ref[0]:.2f}x {name} req/s, {ref[2] / m[2]:.2f}x its req per CPU-second"
                print(line)
            row("pass-through HAProxy", hp)
            row("pass-through aznet edge", ap_, hp, "HAProxy")
            if apw is not None:
                row(f"pass-through aznet/{args.workers}w", apw, hp, "HAProxy")
            if apb is not None:
                row("pass-through aznet before" + (f" {args.workers}w" if args.workers else ""), apb, hp, "HAProxy")
            row("cache hit Varnish", vh)
            row("cache hit aznet edge", ah, vh, "Varnish")
            if ahw is not None:
                row(f"cache hit aznet/{args.workers}w", ahw, vh, "Varnish")
            before_a, before_v = rss_kib(az.proc.pid), varnish_rss(varnish)
            t0 = time.monotonic()
            got_a = asyncio.run(load_objects(EDGE, host, args.objects))
            t1 = time.monotonic()
            got_v = asyncio.run(load_objects(VARNISH_FE, "origin.bench", args.objects))
            t2 = time.monotonic()
            after_a, after_v = rss_kib(az.proc.pid), varnish_rss(varnish)
            print(f"{args.objects} objects of 1 KiB: aznet +{(after_a - before_a) / 1024:.0f} MiB "
                  f"({got_a} loaded in {t1 - t0:.0f}s), Varnish +{(after_v - before_v) / 1024:.0f} MiB "
                  f"({got_v} loaded in {t2 - t1:.0f}s)")
            print(f"load average after: {os.getloadavg()}")
        finally:
            az.proc.terminate()
            for p in procs:
                p.terminate()
            for p in [az.proc, *procs]:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    main()
