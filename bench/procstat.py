"""What the benches read of processes and ports: a free loopback port, a process's resident memory."""

from __future__ import annotations

import socket
from pathlib import Path


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
