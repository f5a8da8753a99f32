"""What the DNS data plane is fed from the store: the resources it reads (zones,
record sets, links, public IPs, Traffic Manager profiles), as full resyncs and as
change batches. Traffic Manager endpoints are child resources in the store; the
engine reads them inside their profile, so a change to an endpoint becomes a put
of its profile with ``properties.endpoints`` assembled from the store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ...arm.crud import copy_json
from ...dataplane.dns import resources as res
from ...store.base import Change, Record, Store

TM_PROFILE = res.TM_PROFILE
PUBLIC_IP = "/providers/microsoft.network/publicipaddresses/"
ENDPOINT_PREFIX = TM_PROFILE + "/"


def relevant(rtype: str) -> bool:
    t = rtype.lower()
    return res.classify(t).kind != "other" or t.startswith(ENDPOINT_PREFIX)


def profile_body(store: Store, rec: Record) -> dict[str, Any]:
    """A profile's stored body with its endpoints in ``properties.endpoints`` (creation order)."""
    body = copy_json(rec.body)
    txn = store.transaction()
    children = [c for c in txn.children(rec.key) if c.type.lower().startswith(ENDPOINT_PREFIX)]
    body.setdefault("properties", {})["endpoints"] = [copy_json(c.body) for c in children]
    return body


def resync_bodies(store: Store) -> Iterator[dict[str, Any]]:
    for rec in store.all():
        t = rec.type.lower()
        if t == TM_PROFILE:
            yield profile_body(store, rec)
        elif relevant(t) and not t.startswith(ENDPOINT_PREFIX):
            yield rec.body


def _profile_of(endpoint_id: str) -> str:
    return endpoint_id.rstrip("/").rsplit("/", 2)[0]


def translate(store: Store, changes: Iterable[Change]) -> list[Change]:
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
        rec = store.get(key)
        if rec is not None:
            out.append(Change("put", rec.id, rec.type, profile_body(store, rec)))
    return out
