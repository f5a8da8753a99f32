"""Which inputs were seen before, by hash, within a bound: the gate of the hot paths' caches that keep an entry only
at its second sighting (a request head's parse, a reply head's, the WAF's whole-part answers), so traffic whose
every input is new pays a set lookup instead of filling its cache with entries nobody reads again."""

from __future__ import annotations


class SeenOnce:
    """At most ``limit`` hashes; when full, all are forgotten (a key then counts as new once more)."""

    __slots__ = ("hashes", "limit")

    def __init__(self, limit: int) -> None:
        self.hashes: set[int] = set()
        self.limit = limit

    def again(self, h: int) -> bool:
        """Whether hash ``h`` was noted before; notes it if not."""
        hashes = self.hashes
        if h in hashes:
            return True
        if len(hashes) >= self.limit:
            hashes.clear()
        hashes.add(h)
        return False

    def __len__(self) -> int:
        return len(self.hashes)

    def clear(self) -> None:
        self.hashes.clear()
