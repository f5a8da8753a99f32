"""Long-running operations as ARM does them: an operation-status resource
(``Azure-AsyncOperation``) and an operation-result resource (``Location``).
The work itself is done when the request is handled; a configurable delay
keeps the operation InProgress for a while so clients really poll."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
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


class Operations:
    """Operations in memory; bounded so a long-running server does not grow."""

    def __init__(self, delay: float, limit: int = 50000) -> None:
        self.delay = delay
        self.limit = limit
        self._ops: dict[str, Operation] = {}

    def start(self, *, status: str = "Succeeded", error: dict[str, Any] | None = None, result: Any = None,
              result_status: int = 200, delay: float | None = None) -> Operation:
        now = time.time()
        op_id = str(uuid.uuid4())
        op = Operation(op_id, op_id, now, now + (self.delay if delay is None else delay), status, error,
                       result, result_status)
        if len(self._ops) >= self.limit:
            for key in list(self._ops)[: self.limit // 10]:
                del self._ops[key]
        self._ops[op_id] = op
        return op

    def get(self, op_id: str) -> Operation | None:
        return self._ops.get(op_id.lower()) or self._ops.get(op_id)
