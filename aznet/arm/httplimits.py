"""The limits the ARM HTTP server enforces on every connection, and the
connection budget derived from the process's file-descriptor limit.

Azure's front ends (http.sys) answer oversized request lines and headers
before any handler runs; aznet does the same with 414 and 431, closes
connections that are slow to send their headers or body, closes idle
keep-alive connections, and caps concurrent connections below the fd limit
so that health checks keep getting through."""

from __future__ import annotations

import resource
from dataclasses import dataclass

# File descriptors kept back for everything that is not an ARM connection:
# listeners, the store, DNS sockets, per-VNet resolvers, logs, child processes.
FD_RESERVE_MIN = 64


@dataclass
class HttpLimits:
    max_body: int = 4 * 1024 * 1024          # bytes; Azure's ARM limit is 4 MiB
    max_url: int = 16 * 1024                 # bytes in the request target
    max_headers: int = 100                   # header lines
    max_header_bytes: int = 64 * 1024        # names + values of all headers
    header_timeout: float = 20.0             # seconds from a request's first byte (or accept) to its last header
    body_timeout: float = 60.0               # seconds from the last header to the last body byte
    idle_timeout: float = 120.0              # seconds a keep-alive connection may wait for its next request
    max_connections: int = 1000              # concurrent connections (capped by the fd limit)
    drain_timeout: float = 5.0               # seconds spent discarding a rejected request's body before closing
    drain_bytes: int = 1024 * 1024           # bytes of a rejected request's body read and dropped before aborting


def fd_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def raise_fd_limit() -> int:
    """Raise the soft fd limit to the hard one (as nginx's worker_rlimit_nofile does); return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or hard > soft):
        target = min(hard if hard != resource.RLIM_INFINITY else 1 << 20, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
    return fd_limit()


def connection_budget(configured: int, fds: int | None = None) -> int:
    """Connections the server admits: the configured cap, kept below the fd limit with a reserve."""
    fds = fd_limit() if fds is None else fds
    reserve = max(FD_RESERVE_MIN, fds // 8)
    return max(1, min(configured, fds - reserve))
