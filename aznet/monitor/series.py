"""One metric series in memory: per-minute points in parallel arrays (minute, total, count, min,
max, last), merged, trimmed and read back (a gauge carries its last value into silent minutes)."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

Dims = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, str, Dims]            # (resource id, lower case; metric name; dims)

# a minute's aggregates: [total, count, min, max, last]
Acc = list[float]


def _merge(a: Acc, b: Acc) -> Acc:
    return [a[0] + b[0], a[1] + b[1], min(a[2], b[2]), max(a[3], b[3]), b[4]]


@dataclass
class Series:
    kind: str                                 # "counter" | "gauge"
    minutes: array = field(default_factory=lambda: array("q"))
    total: array = field(default_factory=lambda: array("d"))
    count: array = field(default_factory=lambda: array("d"))
    low: array = field(default_factory=lambda: array("d"))
    high: array = field(default_factory=lambda: array("d"))
    last: array = field(default_factory=lambda: array("d"))

    def __len__(self) -> int:
        return len(self.minutes)

    def put(self, minute: int, acc: Acc) -> None:
        """Add a minute's aggregates (merged into the point when the minute is already there)."""
        n = len(self.minutes)
        if n and self.minutes[-1] >= minute:
            i = bisect.bisect_left(self.minutes, minute)
            if i < n and self.minutes[i] == minute:
                old = [self.total[i], self.count[i], self.low[i], self.high[i], self.last[i]]
                new = _merge(old, acc) if self.kind == "counter" or old[1] else acc
                self.total[i], self.count[i], self.low[i], self.high[i], self.last[i] = new
                return
            for arr, v in zip(self._arrays(), [minute, *acc], strict=True):
                arr.insert(i, v)
            return
        self.minutes.append(minute)
        self.total.append(acc[0])
        self.count.append(acc[1])
        self.low.append(acc[2])
        self.high.append(acc[3])
        self.last.append(acc[4])

    def _arrays(self) -> tuple[array, ...]:
        return (self.minutes, self.total, self.count, self.low, self.high, self.last)

    def trim(self, before: int) -> int:
        """Drop points older than minute ``before``; returns how many went."""
        i = bisect.bisect_left(self.minutes, before)
        if i:
            for arr in self._arrays():
                del arr[:i]
        return i

    def points(self, start: int, end: int) -> Iterator[tuple[int, Acc]]:
        """(minute, aggregates) for minutes in [start, end); a gauge carries its last value into
        minutes without a sample (from its first point on)."""
        i = bisect.bisect_left(self.minutes, start)
        if self.kind == "gauge":
            carry = self.last[i - 1] if i > 0 else None
            m = start
            while m < end:
                if i < len(self.minutes) and self.minutes[i] == m:
                    yield m, [self.total[i], self.count[i], self.low[i], self.high[i], self.last[i]]
                    carry = self.last[i]
                    i += 1
                elif carry is not None:
                    yield m, [carry, 1.0, carry, carry, carry]
                m += 1
            return
        while i < len(self.minutes) and self.minutes[i] < end:
            yield self.minutes[i], [self.total[i], self.count[i], self.low[i], self.high[i], self.last[i]]
            i += 1


