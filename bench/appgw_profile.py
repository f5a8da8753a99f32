"""Where a real application gateway worker spends its CPU per request: py-spy (Python frames) and perf
(C functions and shared objects) on one worker of ``aznet up`` with N workers, and perf on HAProxy nbthread N
beside it, under the same wrk traffic, gateway and backends as ``appgw_bench.py`` (``--vary``: every request
unique).

    .venv/bin/python bench/appgw_profile.py [--workers 2] [--seconds 8] [--vary] [--scheme http,https]

The in-process harness (/work/micro.py) runs the service over fake sockets; this one sees what it cannot: uvloop's
transport reads and writes, the TLS layer (uvloop's SSL protocol over memory BIOs), the loop's per-turn work and
the worker runtime. For each scheme and engine, two wrk runs (-t1 -c64, keep-alive): an unprofiled one for the
CPU time per request (the engine's processes' /proc clock ticks over the middle of the run, over wrk's rate), then
one with the profilers, one after the other:
- py-spy ``record`` of one worker (Python frames, idle samples left out; ``--native`` adds C frames but then
  counts time blocked in system calls too; without it, C code and system calls count as the Python frame that
  called them: the loop's run and ``WriteBatch.flush``'s writes): self and inclusive samples per function, as
  us/request (a function's share of the worker's busy samples times the worker's CPU us/request); skipped when
  py-spy is not installed;
- ``perf record -g`` of the same worker: self share per shared object and per C symbol (kernel included).
Needs haproxy, wrk, curl; py-spy (``pip install py-spy``) and perf (Debian ``linux-perf``) for their parts.
A profiler slows the worker it samples; read the shares, not the rates.
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
from procstat import cpu_ticks, tree  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def workers(root: int) -> list[int]:
    """The serving worker processes under ``root`` (spawned by multiprocessing; not its resource tracker)."""
    out = []
    for pid in tree(root)[1:]:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "multiprocessing" in cmd and "resource_tracker" not in cmd:
            out.append(pid)
    return out


def pyspy_path() -> str | None:
    """py-spy on PATH or beside this Python (a venv's bin); None when it is not installed."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


def pyspy(pid: int, seconds: float, native: bool) -> collections.Counter[str]:
    """Collapsed stacks of ``pid`` over ``seconds`` (idle samples left out)."""
    spy = pyspy_path()
    assert spy is not None
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        spy_run = subprocess.run([spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "499", "-f", "raw",
                                  "-o", out.name, *(["--native"] if native else ["--nonblocking"])],
                                 capture_output=True, text=True, check=False)
        if "Error" in spy_run.stderr or spy_run.returncode:
            print(f"py-spy: {spy_run.stderr.strip()[-400:]}", file=sys.stderr)
        stacks: collections.Counter[str] = collections.Counter()
        for line in Path(out.name).read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            if stack and n.isdigit():
                stacks[stack] += int(n)
    return stacks


def frame_name(frame: str) -> str:
    """``func (path/to/file.py:12)`` -> ``file.py:func`` (lines dropped so a function's samples add up)."""
    m = re.match(r"(.*?) \((.*?)(?::\d+)?\)$", frame)
    if not m:
        return frame
    return f"{Path(m.group(2)).name}:{m.group(1)}"


def report_pyspy(stacks: collections.Counter[str], us_per_req: float, top: int) -> None:
    total = sum(stacks.values()) or 1
    self_: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    for stack, n in stacks.items():
        frames = [frame_name(f) for f in stack.split(";")[1:]]  # the first is the process/thread
        if not frames:
            continue
        self_[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    print(f"  py-spy: {total} busy samples; us/request = share x {us_per_req:.1f}")
    print(f"  {'self us/req':>11} {'self %':>6}  function (leaf)")
    for f, n in self_.most_common(top):
        print(f"  {n / total * us_per_req:11.2f} {100 * n / total:6.1f}  {f}")
    print(f"  {'incl us/req':>11} {'incl %':>6}  function (with callees)")
    for f, n in incl.most_common(top):
        print(f"  {n / total * us_per_req:11.2f} {100 * n / total:6.1f}  {f}")


def perf_record(pid: int, seconds: float, data: Path) -> None:
    subprocess.run(["perf", "record", "-q", "-F", "1999", "-g", "-p", str(pid), "-o", str(data), "--",
                    "sleep", str(seconds)], capture_output=True, check=False)


def report_perf(data: Path, us_per_req: float, top: int) -> None:
    for sort in ("dso", "dso,sym"):
        rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio", "-g", "none",
                              "--percent-limit", "0.5", "--sort", sort], capture_output=True, text=True).stdout
        print(f"  perf self by {sort}: us/request, %")
        rows = [re.match(r"\s+([\d.]+)%\s+(.*)$", line) for line in rep.splitlines()]
        for m in [m for m in rows if m][:top]:
            pct = float(m.group(1))
            print(f"  {pct * us_per_req / 100:11.2f} {pct:6.1f}  {' '.join(m.group(2).split())}")


def profile(name: str, url: str, pids: list[int], seconds: float, vary: str | None, native: bool | None,
            use_perf: bool, top: int, tmp: Path, keep: Path | None = None) -> None:
    """Two wrk runs: the first unprofiled, for the engine's CPU per request (``pids``' clock ticks over its middle
    ``seconds``, over wrk's rate of that run); the second with py-spy of ``pids[0]`` (unless ``native`` is None: not
    a Python process), then perf of ``pids[0]``, each ``seconds``: their shares scale by that CPU per request."""
    cmd = ["wrk", "-t1", "-c64", *(["-s", vary] if vary else [])]
    wrk = subprocess.Popen([*cmd, f"-d{int(seconds + 3)}s", url], stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    t0, c0 = time.monotonic(), sum(cpu_ticks(p) for p in pids)
    time.sleep(seconds)
    t1, c1 = time.monotonic(), sum(cpu_ticks(p) for p in pids)
    m = re.search(r"Requests/sec:\s+([\d.]+)", wrk.communicate()[0])
    rps = float(m.group(1)) if m else 0.0
    # every worker (thread) does the same work, so the profiled one's shares scale by the engine's CPU per request
    us = (c1 - c0) / TICK / (rps * (t1 - t0)) * 1e6 if rps else 0.0
    phases = (native is not None) + use_perf
    wrk = subprocess.Popen([*cmd, f"-d{int(seconds * phases + 3)}s", url], stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    stacks = pyspy(pids[0], seconds, native) if native is not None else None
    data = tmp / "perf.data"
    if use_perf:
        perf_record(pids[0], seconds, data)
    wrk.communicate()
    print(f"\n== {name} ({'--vary' if vary else 'repeated'}): {rps:.0f} req/s, CPU {us:.1f} us/request (unprofiled "
          "run, clock ticks); load " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    if stacks is not None:
        report_pyspy(stacks, us, top)
    if use_perf:
        report_perf(data, us, top)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            dest = keep / (re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") + ".perf.data")
            shutil.move(data, dest)
            print(f"  perf data kept: {dest}")
        data.unlink(missing_ok=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--vary", action="store_true")
    ap.add_argument("--scheme", default="http,https")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--native", action="store_true",
                    help="py-spy with native frames (it then pauses the worker per sample and counts time blocked in "
                         "system calls, epoll included: shares of wall time, not CPU)")
    ap.add_argument("--no-perf", action="store_true")
    ap.add_argument("--keep", type=Path, help="keep each perf.data in this folder (for perf report)")
    ap.add_argument("--no-haproxy", action="store_true", help="aznet alone (no HAProxy nbthread N profiled beside)")
    args = ap.parse_args()
    for tool in ("haproxy", "wrk", "curl", *(() if args.no_perf else ("perf",))):
        need(tool)
    refuse_if_running("appgw_profile")
    native: bool | None = args.native
    if pyspy_path() is None:
        print("appgw_profile: py-spy is not installed (pip install py-spy): perf only", file=sys.stderr)
        native = None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 200000), hard))
    tmp = Path(tempfile.mkdtemp(prefix="appgw-prof-"))
    lua = tmp / "vary.lua"
    lua.write_text(wrkrun.VARY_LUA)
    pem, pfx = self_signed(tmp)
    procs = [start_backends(tmp)]
    azw = None
    try:
        if not args.no_haproxy:
            procs.append(start_haproxy(tmp, pem, args.workers))
        azw = Aznet(tmp, env={"AZNET_APPGW_WORKERS": str(args.workers), "AZNET_PUBLIC_IP_POOL": "127.65.0.0/16"},
                    name="aznet-workers")
        vip = build_gateway(azw, pfx)
        wait_ok(f"http://{vip}/")
        wait_ok(f"https://{vip}/")
        time.sleep(2)
        vary = str(lua) if args.vary else None
        for scheme in args.scheme.split(","):
            if not args.no_haproxy:
                wait_ok(f"{scheme}://{HAPROXY_FE}/")
                profile(f"HAProxy nbthread {args.workers}, {scheme}", f"{scheme}://{HAPROXY_FE}/", [procs[1].pid],
                        args.seconds, vary, None, not args.no_perf, args.top, tmp, args.keep)
            profile(f"aznet {args.workers} workers, {scheme}", f"{scheme}://{vip}/", workers(azw.proc.pid),
                    args.seconds, vary, native, not args.no_perf, args.top, tmp, args.keep)
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
