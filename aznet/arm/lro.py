"""Long-running operations as ARM does them: an operation-status resource
(``Azure-AsyncOperation``) and an operation-result resource (``Location``).
The work itself is done when the request is handled; a configurable delay
keeps the operation InProgress for a while so clients really poll.

Records are small and bounded: an operation keeps its id, times, status and
error, and a result body only when a client can fetch it (an action's
``Location``); they are dropped oldest first once they exceed a byte budget
or a count, and expire a while after they finish (Azure keeps them for
hours, not forever)."""

from __future__ import annotations

import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

RECORD_OVERHEAD = 512          # bytes an operation costs besides its result and error (tracemalloc: ~410)


@dataclass(slots=True)
class Operation:
    id: str
    name: str
    start: float
    done_at: float
    status: str = "Succeeded"            # the final status once done
    error: dict[str, Any] | None = None
    result: Any = None                   # body of the final GET on the Location URL
    result_status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)
    size: int = RECORD_OVERHEAD

    def current_status(self, now: float | None = None) -> str:
        if (now or time.time()) < self.done_at:
            return "InProgress"
        return self.status

    def status_body(self) -> dict[str, Any]:
        status = self.current_status()
        body: dict[str, Any] = {
            "id": self.id, "name": self.name, "status": status,
            "startTime": _iso(self.start),
        }
        if status != "InProgress":
            body["endTime"] = _iso(self.done_at)
            if self.error:
                body["error"] = self.error
        return body


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def _size(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bytes):
        return len(value)
    return len(json.dumps(value, separators=(",", ":"), default=str))


class Operations:
    """Operations in memory, bounded by count and bytes and expired by age."""

    def __init__(self, delay: float, limit: int = 50000, max_bytes: int = 4 * 1024 * 1024,
                 ttl: float = 3600.0) -> None:
        self.delay = delay
        self.limit = limit
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.bytes = 0
        self._ops: OrderedDict[str, Operation] = OrderedDict()

    def __len__(self) -> int:
        return len(self._ops)

    def start(self, *, status: str = "Succeeded", error: dict[str, Any] | None = None, result: Any = None,
              result_status: int = 200, delay: float | None = None) -> Operation:
        now = time.time()
        op_id = str(uuid.uuid4())
        op = Operation(op_id, op_id, now, now + (self.delay if delay is None else delay), status, error,
                       result, result_status)
        op.size = RECORD_OVERHEAD + _size(result) + _size(error)
        self._ops[op_id] = op
        self.bytes += op.size
        self._trim(now)
        return op

    def _trim(self, now: float) -> None:
        ops = self._ops
        while ops:
            oldest = next(iter(ops.values()))
            expired = oldest.done_at + self.ttl < now
            if not (expired or len(ops) > self.limit or self.bytes > self.max_bytes):
                break
            ops.popitem(last=False)
            self.bytes -= oldest.size

    def get(self, op_id: str) -> Operation | None:
        op = self._ops.get(op_id.lower()) or self._ops.get(op_id)
        if op is not None and op.done_at + self.ttl < time.time():
            return None
        return op
