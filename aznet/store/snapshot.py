"""JSON snapshots of all state (``aznet export`` / ``aznet import``)."""

from __future__ import annotations

from typing import Any

from .base import Record, Store

FORMAT = "aznet-snapshot/1"


def export_snapshot(store: Store) -> dict[str, Any]:
    return {"format": FORMAT, "resources": [
        {"id": r.id, "type": r.type, "parent": r.parent, "scope": r.scope, "seq": r.seq, "body": r.body}
        for r in store.all()]}


class SnapshotError(ValueError):
    pass


def import_snapshot(store: Store, snap: Any) -> int:
    if not isinstance(snap, dict) or snap.get("format") != FORMAT or not isinstance(snap.get("resources"), list):
        raise SnapshotError(f"not an aznet snapshot (expected format '{FORMAT}')")
    records = []
    for i, item in enumerate(snap["resources"]):
        try:
            records.append(Record(str(item["id"]), str(item["type"]), item.get("parent"), str(item["scope"]),
                                  dict(item["body"]), int(item["seq"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise SnapshotError(f"resource {i} of the snapshot is malformed: {exc}") from None
    store.replace_all(records)
    return len(records)
