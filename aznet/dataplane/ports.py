"""Which ports a data plane may bind, for every data plane (LB, gateways, edges, demo workloads).

A port below ``net.ipv4.ip_unprivileged_port_start`` (1024 by default) needs root or
CAP_NET_BIND_SERVICE. Where neither is available, aznet listens on ``port + offset``
(``AZNET_PRIVILEGED_PORT_OFFSET``, default 8000: 80 -> 8080), says so at start, and shows each
mapping in ``aznet status --json`` (``listenPort`` beside ``port``)."""

from __future__ import annotations

import functools
import os

CAP_NET_BIND_SERVICE = 10


@functools.lru_cache(maxsize=1)
def unprivileged_start() -> int:
    """The lowest port anyone may bind (0 when this process may bind every port)."""
    if os.geteuid() == 0:
        return 0
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:") and int(line.split()[1], 16) >> CAP_NET_BIND_SERVICE & 1:
                    return 0
    except OSError:
        pass
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 1024


def listen_port(port: int, offset: int) -> int:
    """The port to bind for a wanted ``port`` (the port itself when allowed)."""
    if port == 0 or port >= unprivileged_start():
        return port
    mapped = port + offset
    return mapped if mapped <= 65535 else port
