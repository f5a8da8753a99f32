"""What the benches do with processes and ports: a free loopback port, a process's resident memory, the CPU time
of a process tree, stopping a process."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int | str = "self") -> int:
    """VmRSS of one process (KiB); 0 when the kernel shows none."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def rss_mib(pid: int | str = "self") -> float:
    return rss_kib(pid) / 1024


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants now alive (an engine's worker processes), ``pid`` first."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of one process, all its threads, in clock ticks (``os.sysconf("SC_CLK_TCK")``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants now alive (an engine's worker processes)."""
    total = 0
    for p in tree(pid):
        try:
            total += cpu_ticks(p)
        except OSError:         # ended since it was listed
            continue
    return total / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL when it has not exited within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
