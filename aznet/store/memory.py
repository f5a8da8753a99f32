"""The in-memory index every store keeps: records by key, parent, scope,
type, and the reverse reference index. Persistence lives elsewhere."""

from __future__ import annotations

from .base import Record
from .refs import referenced_ids


def resource_prefixes(rid: str) -> list[str]:
    """``rid`` and each enclosing resource id (``.../vnets/v/subnets/s`` -> vnet and subnet)."""
    scope, sep, rest = rid.partition("/providers/")
    if not sep:
        return [rid]
    segs = rest.split("/")
    return [scope + sep + "/".join(segs[:k]) for k in range(3, len(segs) + 1, 2)]


class MemoryIndex:
    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.by_parent: dict[str, dict[str, None]] = {}
        self.by_scope: dict[str, dict[str, None]] = {}
        self.by_type: dict[str, dict[str, None]] = {}
        self.refs_out: dict[str, set[str]] = {}
        self.refs_in: dict[str, dict[str, None]] = {}
        self.seq = 0

    def add(self, rec: Record, targets: set[str] | None = None) -> None:
        key = rec.key
        if key in self.records:
            self.remove(key)
        self.records[key] = rec
        self.seq = max(self.seq, rec.seq)
        if rec.parent is not None:
            self.by_parent.setdefault(rec.parent, {})[key] = None
        else:
            self.by_scope.setdefault(rec.scope, {})[key] = None
        self.by_type.setdefault(rec.type.lower(), {})[key] = None
        if targets is None:
            targets = {p for dst in referenced_ids(rec.body, key) for p in resource_prefixes(dst)}
        for p in targets:
            self.refs_in.setdefault(p, {})[key] = None
        self.refs_out[key] = targets

    def remove(self, key: str) -> Record | None:
        rec = self.records.pop(key, None)
        if rec is None:
            return None
        if rec.parent is not None:
            self.by_parent.get(rec.parent, {}).pop(key, None)
        else:
            self.by_scope.get(rec.scope, {}).pop(key, None)
        self.by_type.get(rec.type.lower(), {}).pop(key, None)
        for dst in self.refs_out.pop(key, ()):
            self.refs_in.get(dst, {}).pop(key, None)
        return rec

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def children(self, parent_key: str) -> list[str]:
        return list(self.by_parent.get(parent_key, ()))

    def in_scope(self, prefix: str) -> list[str]:
        out: list[str] = []
        for scope, keys in self.by_scope.items():
            if scope == prefix or scope.startswith(prefix + "/"):
                out.extend(keys)
        return out

    def of_type(self, rtype: str) -> list[str]:
        return list(self.by_type.get(rtype.lower(), ()))

    def referrers(self, key: str) -> list[str]:
        return list(self.refs_in.get(key, ()))

