"""One wrk run and what the benches read from it (requests/s, p99, the errors wrk counted), shared by the L7
benches (frontdoor_bench, appgw_bench)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class WrkResult:
    rps: float
    p99_ms: float                 # nan without --latency
    problems: str = ""            # wrk's socket errors and non-2xx/3xx count, "" when there were none


def run(url: str, seconds: int, *, host: str | None = None, connections: int = 64, threads: int = 1,
        close: bool = False, latency: bool = True) -> WrkResult:
    """wrk -t<threads> -c<connections> over keep-alive (``close``: a new connection per request)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    if latency:
        cmd.append("--latency")
    if host is not None:
        cmd += ["-H", f"Host: {host}"]
    if close:
        cmd += ["-H", "Connection: close"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    problems = " ".join(x.group(0) for x in (re.search(r"Socket errors:.*", out),
                                             re.search(r"Non-2xx or 3xx responses: \d+", out)) if x)
    return WrkResult(float(m.group(1)) if m else 0.0,
                     float(p99.group(1)) * UNITS[p99.group(2)] if p99 else float("nan"), problems)
