"""The kernel side of a keep-alive request: aznet with N worker processes beside HAProxy nbthread N, the same
gateway, backends and wrk as ``appgw_bench.py`` (``--vary``: every request unique).

    .venv/bin/python bench/appgw_syscalls.py [--workers 2] [--seconds 6] [--vary]

For each engine, during a wrk run (-t1 -c64, keep-alive HTTP), per request, for the engine's processes (aznet:
its worker processes and the aznet process apart) and for wrk and the backends' process beside them (what the
engine's pattern of writes costs its peers):
- voluntary and involuntary context switches (``/proc/PID/task/TID/status``), user and system CPU time (clock
  ticks), CPU time and time waiting for a CPU (``schedstat``, exact), over a window (per request: wrk's rate);
- system calls by kind (``perf stat`` of ``syscalls:sys_enter_*`` for the calls a proxy makes, and all calls as
  ``raw_syscalls``: "other"), every process over one window (per request: wrk's writes, one request each);
- events per epoll wait (``perf record`` of the waits' return values).
Needs perf (Debian ``linux-perf``) and root (or perf_event_paranoid <= 1), haproxy, wrk, curl.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wrkrun  # noqa: E402
from appgw_bench import (  # noqa: E402
    HAPROXY_FE,
    build_gateway,
    refuse_if_running,
    self_signed,
    start_backends,
    start_haproxy,
    wait_ok,
)
from lb_bench import Aznet, need  # noqa: E402
from procstat import tree  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
# the system calls a proxy's request path may make (counted one by one; ``raw_syscalls`` counts them all, so a
# call missing here shows as "other")
SYSCALLS = ("read", "write", "recvfrom", "sendto", "recvmsg", "sendmsg", "readv", "writev", "epoll_wait",
            "epoll_pwait", "epoll_pwait2", "epoll_ctl", "clock_gettime", "futex", "getpid", "poll", "accept4",
            "close", "setsockopt", "getsockopt", "getsockname", "getpeername", "ioctl", "mmap", "munmap", "brk",
            "madvise", "rt_sigprocmask", "sched_yield", "io_uring_enter", "timerfd_settime", "timer_settime",
            "nanosleep", "clock_nanosleep", "select", "pselect6", "getrandom", "fcntl", "connect", "socket",
            "shutdown", "splice", "pipe2", "openat", "newfstatat", "lseek", "wait4", "pwrite64")


def snapshot(pids: list[int]) -> dict[int, list[float]]:
    """pid -> [voluntary, involuntary switches, user s, system s (ticks), on-CPU s, run-queue wait s (schedstat,
    exact)] summed over its threads."""
    out: dict[int, list[float]] = {}
    for pid in pids:
        acc = [0.0] * 6
        for t in Path(f"/proc/{pid}/task").glob("*"):
            try:
                status = (t / "status").read_text()
                stat = (t / "stat").read_text().rsplit(")", 1)[1].split()
                run, wait, _n = (t / "schedstat").read_text().split()
            except OSError:
                continue
            acc[0] += int(re.search(r"\nvoluntary_ctxt_switches:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            acc[1] += int(re.search(r"nonvoluntary_ctxt_switches:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            acc[2] += int(stat[11]) / TICK
            acc[3] += int(stat[12]) / TICK
            acc[4] += int(run) / 1e9
            acc[5] += int(wait) / 1e9
        out[pid] = acc
    return out


EVENTS = ",".join([*(f"syscalls:sys_enter_{n}" for n in SYSCALLS), "raw_syscalls:sys_enter"])


def perf_syscalls(pids: list[int], seconds: float) -> dict[int, collections.Counter[str]]:
    """pid -> syscall name -> count, every process counted over the same ``seconds`` (one perf, per thread)."""
    owner = {int(t.name): pid for pid in pids for t in Path(f"/proc/{pid}/task").glob("*")}
    with tempfile.NamedTemporaryFile("r", suffix=".perf") as out:
        subprocess.run(["perf", "stat", "-x", ",", "--per-thread", "-o", out.name, "-e", EVENTS,
                        "-p", ",".join(map(str, pids)), "--", "sleep", str(seconds)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        lines = Path(out.name).read_text().splitlines()
    res: dict[int, collections.Counter[str]] = {pid: collections.Counter() for pid in pids}
    for line in lines:
        parts = line.split(",")
        if len(parts) < 4 or not parts[1].strip().isdigit():
            continue
        pid = owner.get(int(parts[0].rsplit("-", 1)[-1]))
        if pid is None:
            continue
        if "sys_enter_" in parts[3]:
            res[pid][parts[3].split("sys_enter_")[1]] += int(parts[1])
        elif "raw_syscalls" in parts[3]:
            res[pid]["other"] += int(parts[1])
    for c in res.values():
        c["other"] -= sum(v for k, v in c.items() if k != "other")
        if c["other"] <= 0:
            del c["other"]
    return res


def epoll_events(pids: list[int], seconds: float) -> tuple[int, int]:
    """(epoll waits, events they returned) over ``seconds`` (``perf record`` of their return values)."""
    data = tempfile.mktemp(suffix=".data")
    subprocess.run(["perf", "record", "-q", "-o", data, "-e", "syscalls:sys_exit_epoll_wait",
                    "-e", "syscalls:sys_exit_epoll_pwait", "-p", ",".join(map(str, pids)), "--", "sleep",
                    str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run(["perf", "script", "-i", data], capture_output=True, text=True).stdout
    os.unlink(data)
    calls = events = 0
    for m in re.finditer(r"0x([0-9a-f]+)\s*$", out, re.M):
        calls += 1
        events += int(m.group(1), 16) if int(m.group(1), 16) < 1 << 31 else 0
    return calls, events


def measure(name: str, url: str, root: int, backend: int, seconds: float, vary: bool, use_perf: bool) -> None:
    """One wrk run against ``url``; the engine's processes (``root`` and its descendants), wrk and the backends'
    process measured in its middle: /proc over ``seconds`` (per request: wrk's rate), then perf over ``seconds``
    (per request: wrk's own writes, one per request)."""
    engine = tree(root)
    total = int(seconds * (2 if use_perf else 1) + (8 if use_perf else 4))
    wrk = subprocess.Popen(["wrk", "-t1", "-c64", f"-d{total}s", *(["-s", VARY] if vary else []), url],
                           stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    pids = [*engine, wrk.pid, backend]
    comm = {pid: Path(f"/proc/{pid}/comm").read_text().strip() for pid in pids}
    s0, t0 = snapshot(pids), time.monotonic()
    time.sleep(seconds)
    s1, t1 = snapshot(pids), time.monotonic()
    counts: dict[int, collections.Counter[str]] = {}
    calls = events = 0
    if use_perf:
        counts = perf_syscalls(pids, seconds)
        calls, events = epoll_events(engine, 1)
    out = wrk.communicate()[0]
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    rps = float(m.group(1)) if m else 0.0
    reqs = rps * (t1 - t0)
    sreqs = float(counts.get(wrk.pid, {}).get("write", 0)) or rps * seconds   # wrk writes one request per write
    print(f"\n== {name}: {rps:.0f} req/s (wrk -t1 -c64, {'--vary' if vary else 'repeated'}); load "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"  {'per request':26} {'vol cs':>7} {'invol cs':>8} {'user us':>8} {'sys us':>7} {'CPU us':>7} "
          f"{'runq us':>7} {'syscalls':>8}")
    tot = [0.0] * 6
    tot_sys: collections.Counter[str] = collections.Counter()

    def row(label: str, d: list[float], c: collections.Counter[str]) -> None:
        print(f"  {label:26} {d[0] / reqs:7.3f} {d[1] / reqs:8.3f} {d[2] * 1e6 / reqs:8.2f} {d[3] * 1e6 / reqs:7.2f} "
              f"{d[4] * 1e6 / reqs:7.2f} {d[5] * 1e6 / reqs:7.2f} "
              + (f"{sum(c.values()) / sreqs:8.3f}" if counts else f"{'-':>8}"))
        top = ", ".join(f"{k} {v / sreqs:.3f}" for k, v in c.most_common(12) if v / sreqs >= 0.001)
        if top:
            print(f"      {top}")

    for pid in pids:
        if pid not in s1 or pid not in s0:
            continue
        d = [b - a for a, b in zip(s0[pid], s1[pid], strict=True)]
        c = counts.get(pid, collections.Counter())
        if pid in engine:
            tot = [x + y for x, y in zip(tot, d, strict=True)]
            tot_sys.update(c)
        if pid not in engine or d[4] * 1e6 / reqs >= 0.05 or len(engine) == 1:
            role = "wrk" if pid == wrk.pid else "backends" if pid == backend else "engine"
            row(f"{role} {pid} {comm[pid]}"[:26], d, c)
    if len(engine) > 1:
        row("engine, all its processes", tot, tot_sys)
    if calls:
        print(f"  engine epoll waits: {events / calls:.2f} events per wait")


VARY = ""


def main() -> int:
    global VARY
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--vary", action="store_true")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-perf", action="store_true", help="context switches and CPU only (no syscall counts)")
    args = ap.parse_args()
    for tool in ("haproxy", "wrk", "curl", *(() if args.no_perf else ("perf",))):
        need(tool)
    refuse_if_running("appgw_syscalls")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 200000), hard))
    tmp = Path(tempfile.mkdtemp(prefix="appgw-sys-"))
    lua = tmp / "vary.lua"
    lua.write_text(wrkrun.VARY_LUA)
    VARY = str(lua)
    pem, pfx = self_signed(tmp)
    procs = [start_backends(tmp)]
    azw = None
    try:
        procs.append(start_haproxy(tmp, pem, args.workers))
        azw = Aznet(tmp, env={"AZNET_APPGW_WORKERS": str(args.workers), "AZNET_PUBLIC_IP_POOL": "127.65.0.0/16"},
                    name="aznet-workers")
        vip = build_gateway(azw, pfx)
        wait_ok(f"http://{vip}/")
        wait_ok(f"http://{HAPROXY_FE}/")
        time.sleep(2)
        for _ in range(args.rounds):
            measure(f"HAProxy nbthread {args.workers}", f"http://{HAPROXY_FE}/", procs[1].pid, procs[0].pid,
                    args.seconds, args.vary, not args.no_perf)
            measure(f"aznet {args.workers} workers", f"http://{vip}/", azw.proc.pid, procs[0].pid, args.seconds,
                    args.vary, not args.no_perf)
    finally:
        if azw is not None:
            azw.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
