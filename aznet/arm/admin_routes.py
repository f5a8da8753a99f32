"""aznet's own admin endpoints under ``/_aznet``: the admin key or a default-tenant token (admin_auth)."""

from __future__ import annotations

from collections import Counter

from ..store.snapshot import SnapshotError, export_snapshot, import_snapshot
from .errors import ArmError
from .http import Request, Response
from .platform import Platform
from .router import ROUTES


@ROUTES.route("_aznet/status", auth="admin")
def status(p: Platform, req: Request) -> Response:
    counts = Counter(r.type for r in p.store.all())
    endpoints = [{"name": "arm", "host": p.settings.host, "port": p.settings.port, "protocol": "https"}]
    for svc in p.services.values():
        listed = getattr(svc, "endpoints", None)   # engines without listeners have none
        if listed is not None:
            endpoints.extend(listed())
    return Response(200, {"endpoint": p.settings.endpoint, "endpoints": endpoints, "resources": dict(counts)})


@ROUTES.route("_aznet/reset", "POST", auth="admin")
def reset(p: Platform, req: Request) -> Response:
    p.store.replace_all([])
    return Response(200, {"reset": True})


@ROUTES.route("_aznet/export", auth="admin")
def export(p: Platform, req: Request) -> Response:
    return Response(200, export_snapshot(p.store))


@ROUTES.route("_aznet/import", "POST", auth="admin")
def import_(p: Platform, req: Request) -> Response:
    try:
        n = import_snapshot(p.store, req.json())
    except SnapshotError as exc:
        raise ArmError(400, "InvalidSnapshot", str(exc)) from None
    return Response(200, {"imported": n})
