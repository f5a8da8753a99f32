"""What the DNS data plane is fed from the store: the resources it reads (zones,
record sets, links, public IPs, Traffic Manager profiles), as full resyncs and as
change batches. Traffic Manager endpoints are child resources in the store; the
engine reads them inside their profile, so a change to an endpoint becomes a put
of its profile with ``properties.endpoints`` assembled from the snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ...jsondata import copy_json
from ...store.base import Change, Record
from . import resources as res

if TYPE_CHECKING:
    from ..reconcile import Snapshot

TM_PROFILE = res.TM_PROFILE
PUBLIC_IP = "/providers/microsoft.network/publicipaddresses/"
ENDPOINT_PREFIX = TM_PROFILE + "/"

WATCHES = frozenset({
    res.PUBLIC_ZONE, res.PUBLIC_ZONE + "/*",
    res.PRIVATE_ZONE, res.PRIVATE_ZONE + "/*",
    res.PUBLIC_IP,
    TM_PROFILE, ENDPOINT_PREFIX + "*",
})


def relevant(rtype: str) -> bool:
    t = rtype.lower()
    return res.classify(t).kind != "other" or t.startswith(ENDPOINT_PREFIX)


def profile_body(snapshot: Snapshot, rec: Record) -> dict[str, Any]:
    """A profile's stored body with its endpoints in ``properties.endpoints`` (creation order)."""
    body = copy_json(rec.body)
    children = [c for c in snapshot.children(rec.key) if c.type.lower().startswith(ENDPOINT_PREFIX)]
    body.setdefault("properties", {})["endpoints"] = [copy_json(c.body) for c in children]
    return body


def resync_bodies(snapshot: Snapshot) -> Iterator[dict[str, Any]]:
    for rec in snapshot.all():
        t = rec.type.lower()
        if t == TM_PROFILE:
            yield profile_body(snapshot, rec)
        elif relevant(t) and not t.startswith(ENDPOINT_PREFIX):
            yield rec.body


def _profile_of(endpoint_id: str) -> str:
    return endpoint_id.rstrip("/").rsplit("/", 2)[0]


def translate(snapshot: Snapshot, changes: Iterable[Change]) -> list[Change]:
    """The engine's view of a committed batch: endpoint changes folded into their profiles."""
    out: list[Change] = []
    profiles: dict[str, str] = {}      # key -> id of profiles to re-send
    deleted: set[str] = set()
    for ch in changes:
        t = ch.type.lower()
        if not relevant(t):
            continue
        if t.startswith(ENDPOINT_PREFIX):
            pid = _profile_of(ch.id)
            profiles.setdefault(pid.lower(), pid)
        elif t == TM_PROFILE:
            if ch.kind == "delete":
                deleted.add(ch.id.lower())
                out.append(ch)
            else:
                profiles.setdefault(ch.id.lower(), ch.id)
        else:
            out.append(ch)
    for key in profiles:
        if key in deleted:
            continue
        rec = snapshot.get(key)
        if rec is not None:
            out.append(Change("put", rec.id, rec.type, profile_body(snapshot, rec)))
    return out
