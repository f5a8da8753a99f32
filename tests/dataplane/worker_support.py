"""Helpers of the worker-process tests (App Gateway and Front Door edge workers): is a process alive, and a
metric's total over the last minutes as the aznet process's registry holds it."""

from __future__ import annotations

from typing import Any


def alive(pid: int) -> bool:
    """The process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def metric_total(inst: Any, resource_id: str, metric: str) -> float:
    """The sum of ``metric``'s counts of ``resource_id`` over the last ten minutes, all dimensions."""
    def read() -> float:
        reg = inst.platform.metrics
        now = reg.now_minute()
        return sum(acc[1] for dims, _kind in reg.keys(resource_id, metric)
                   for _m, acc in reg.points(resource_id, metric, dims, now - 10, now + 1))
    return float(inst.call(read))
