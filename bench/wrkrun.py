"""One wrk run and what the benches read from it (requests/s, p99, the errors wrk counted), shared by the L7
benches (frontdoor_bench, appgw_bench)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

# wrk sends the same bytes on every request unless a script says otherwise. A proxy can remember what it made of
# a request head it has seen before (aznet's shell does), which real traffic - cookies, ids, tokens that differ per
# request - rarely repeats so exactly. VARY_LUA makes every request of a run unique (one header whose value counts
# up), so a bench can show both figures.
VARY_HEADER = "X-Request-Id"
VARY_LUA = f"""local n = 0
request = function()
  n = n + 1
  local h = {{}}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["{VARY_HEADER}"] = tostring(n)
  return wrk.format(nil, nil, h)
end
"""


@dataclass
class WrkResult:
    rps: float
    p99_ms: float                 # nan without --latency
    problems: str = ""            # wrk's socket errors and non-2xx/3xx count, "" when there were none


def run(url: str, seconds: int, *, host: str | None = None, connections: int = 64, threads: int = 1,
        close: bool = False, latency: bool = True, vary: bool = False) -> WrkResult:
    """wrk -t<threads> -c<connections> over keep-alive (``close``: a new connection per request; ``vary``: every
    request unique, see VARY_LUA)."""
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
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if vary:
            script.write(VARY_LUA)
            script.flush()
            cmd += ["-s", script.name]
        out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    problems = " ".join(x.group(0) for x in (re.search(r"Socket errors:.*", out),
                                             re.search(r"Non-2xx or 3xx responses: \d+", out)) if x)
    return WrkResult(float(m.group(1)) if m else 0.0,
                     float(p99.group(1)) * UNITS[p99.group(2)] if p99 else float("nan"), problems)
