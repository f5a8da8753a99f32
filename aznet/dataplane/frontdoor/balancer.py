"""Choosing an origin in an origin group, as Azure Front Door's "Traffic routing methods to origin" describes:

1. available origins: enabled and healthy (the last ``sampleSize`` probe results hold at least
   ``successfulSamplesRequired`` successes);
2. the best (lowest) ``priority`` among them;
3. the latency bucket: origins whose measured latency is within ``additionalLatencyInMilliseconds`` of the
   fastest one (latency here is what Azure measures: the wall-clock time of a health probe, from just before the
   request is sent to the last byte of the answer, on a new connection; on one machine that is the loopback round
   trip plus the origin's own time to answer, so a slow origin is really slower; kept as an exponentially weighted
   average of the probes; an origin not measured yet counts as fastest);
4. weights: round robin in the ratio of the weights (smooth weighted round robin, so any window of requests is
   split as evenly as the weights allow).

Every origin of the group unhealthy (probes failing for all): Azure routes round robin across all enabled origins.
Session affinity: a request whose ``ASLBSA`` cookie names an origin that is still available goes there.

Inferred: before an origin has ``sampleSize`` results the missing ones count as successes (a new origin is in
rotation at once and leaves it once ``sampleSize - successfulSamplesRequired + 1`` probes failed)."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

LATENCY_EWMA = 0.3


@dataclass(slots=True)
class OriginSpec:
    id: str
    name: str
    host: str
    http_port: int = 80
    https_port: int = 443
    priority: int = 1
    weight: int = 1000
    enabled: bool = True
    host_header: str | None = None      # None: the client's Host ("" in a body means the same)
    cert_name_check: bool = True


@dataclass(slots=True)
class ProbeSpec:
    path: str = "/"
    protocol: str = "Http"      # Http | Https
    method: str = "HEAD"        # HEAD | GET
    interval: float = 100.0     # seconds


@dataclass(slots=True)
class GroupSpec:
    id: str
    name: str
    origins: list[OriginSpec]
    probe: ProbeSpec | None = None
    sample_size: int = 4
    successful_required: int = 3
    additional_latency_ms: int = 50
    affinity: bool = False


@dataclass(slots=True)
class Health:
    """The probe results of one origin (shared by every group that probes it the same way)."""
    sample_size: int = 4
    required: int = 3
    results: deque[bool] = field(default_factory=deque)
    latency_ms: float | None = None
    last_status: int = 0
    last_error: str = ""

    def record(self, ok: bool, latency_ms: float | None) -> None:
        self.results.append(ok)
        while len(self.results) > max(self.sample_size, 1):
            self.results.popleft()
        if ok and latency_ms is not None:
            self.latency_ms = latency_ms if self.latency_ms is None else \
                (1 - LATENCY_EWMA) * self.latency_ms + LATENCY_EWMA * latency_ms

    def resize(self, sample_size: int, required: int) -> None:
        self.sample_size, self.required = sample_size, required
        while len(self.results) > max(sample_size, 1):
            self.results.popleft()

    @property
    def healthy(self) -> bool:
        failures = sum(1 for r in self.results if not r)
        return failures <= self.sample_size - self.required


def affinity_value(group_id: str, origin_id: str) -> str:
    """The cookie value naming an origin (Azure: a SHA-256 of the origin; ours of the group and origin ids)."""
    return hashlib.sha256(f"{group_id.lower()}|{origin_id.lower()}".encode()).hexdigest()


class Balancer:
    """Per-group round-robin state; ``pick`` is pure apart from that state."""

    def __init__(self) -> None:
        self.current: dict[str, dict[str, int]] = {}      # group id -> origin id -> its current weight

    def candidates(self, group: GroupSpec, health: Sequence[Health | None]) -> list[OriginSpec]:
        enabled = [(o, h) for o, h in zip(group.origins, health, strict=True) if o.enabled]
        if not enabled:
            return []
        live = [(o, h) for o, h in enabled if h is None or h.healthy]
        if not live:
            return [o for o, _ in enabled]              # all unhealthy: round robin across all of them
        best = min(o.priority for o, _ in live)
        top = [(o, h) for o, h in live if o.priority == best]
        measured = [h.latency_ms for _, h in top if h is not None and h.latency_ms is not None]
        if measured:
            limit = min(measured) + group.additional_latency_ms
            top = [(o, h) for o, h in top if h is None or h.latency_ms is None or h.latency_ms <= limit]
        return [o for o, _ in top]

    def pick(self, group: GroupSpec, candidates: list[OriginSpec], affinity: str | None = None) -> OriginSpec | None:
        if not candidates:
            return None
        if affinity:
            for o in candidates:
                if affinity_value(group.id, o.id) == affinity:
                    return o
        if len(candidates) == 1:
            return candidates[0]
        cur = self.current.get(group.id)
        if cur is None:
            cur = self.current[group.id] = {}
        total = 0
        best: OriginSpec | None = None
        best_w = 0
        for o in candidates:
            weight = o.weight
            w = cur[o.id] = cur.get(o.id, 0) + weight
            total += weight
            if best is None or w > best_w:
                best, best_w = o, w
        assert best is not None
        cur[best.id] = best_w - total
        return best

    def forget(self, keep: set[str]) -> None:
        for gid in [g for g in self.current if g not in keep]:
            del self.current[gid]
