"""SNAT port allocation as Azure documents it (pure).

Default allocation (load-balancing rules with implicit outbound SNAT, no outbound rule): each
frontend IP gives 64,000 ports; a backend instance gets ports by the size of the backend pool:

    pool size    1-50   51-100  101-200  201-400  401-800  801-1000
    ports/VM     1024   512     256      128      64       32

Outbound rules: ``allocatedOutboundPorts`` per instance (a multiple of 8), at most
64,000 x frontend IPs / instances; 0 means "the default table". Ports are handed out in blocks
of 8 starting at 1024."""

from __future__ import annotations

from dataclasses import dataclass

PORTS_PER_FRONTEND_IP = 64_000
DEFAULT_TABLE = ((50, 1024), (100, 512), (200, 256), (400, 128), (800, 64), (1000, 32))


def default_ports(pool_size: int) -> int:
    """Ports per instance by Azure's default table (0 beyond 1000 instances)."""
    for limit, ports in DEFAULT_TABLE:
        if pool_size <= limit:
            return ports
    return 0


@dataclass(frozen=True)
class SnatAllocation:
    backend: str          # backend key (ip configuration id)
    frontend_ip: str      # the public address it leaves from
    first_port: int
    ports: int


def allocate(backends: list[str], frontend_ips: list[str], allocated: int | None = None) -> list[SnatAllocation]:
    """Each backend's port block, in order; ``allocated`` (outbound rule) overrides the default table."""
    if not backends or not frontend_ips:
        return []
    per = default_ports(len(backends)) if not allocated else allocated
    per = min(per, PORTS_PER_FRONTEND_IP * len(frontend_ips) // len(backends))
    per -= per % 8
    out: list[SnatAllocation] = []
    fe, cursor = 0, 1024
    for b in backends:
        if cursor + per > 1024 + PORTS_PER_FRONTEND_IP:
            fe, cursor = fe + 1, 1024
        if fe >= len(frontend_ips) or per <= 0:
            out.append(SnatAllocation(b, frontend_ips[min(fe, len(frontend_ips) - 1)], 0, 0))
            continue
        out.append(SnatAllocation(b, frontend_ips[fe], cursor, per))
        cursor += per
    return out
