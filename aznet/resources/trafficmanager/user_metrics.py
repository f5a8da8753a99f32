"""``/subscriptions/{sub}/providers/Microsoft.Network/trafficManagerUserMetricsKeys/default``
(GET, PUT, DELETE): the subscription's Real User Measurements key. aznet keeps the
key and collects no measurements."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ...arm.errors import ArmError
from ...arm.http import Request, Response
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from ..dns.api_versions import TRAFFIC_MANAGER

if TYPE_CHECKING:
    from ...arm.platform import Platform

TYPE = "Microsoft.Network/trafficManagerUserMetricsKeys"


def _rid(sub: str) -> str:
    return f"/subscriptions/{sub}/providers/{TYPE}/default"


def _body(rid: str, key: str) -> dict[str, object]:
    return {"id": rid, "name": "default", "type": TYPE, "properties": {"key": key}}


def _handle(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, TRAFFIC_MANAGER, "trafficManagerUserMetricsKeys")
    sub = req.params["sub"]
    rid = _rid(sub)
    ctx = p.ctx(req, sub)
    rec = ctx.record(rid)
    if req.method in ("GET", "HEAD"):
        if rec is None:
            raise ArmError(404, "NotFound", "The Real User Measurements key of the subscription was not found.")
        return Response(200, rec.body)
    if req.method == "PUT":
        body = _body(rid, uuid.uuid4().hex)
        ctx.txn.put(rid, TYPE, None, f"/subscriptions/{sub}".lower(), body)
        p.commit(ctx)
        return Response(201, body)
    if rec is not None:
        ctx.txn.delete(rec.key)
        p.commit(ctx)
    return Response(200, {"boolean": True})


ROUTES.add("subscriptions/{sub}/providers/microsoft.network/trafficmanagerusermetricskeys/default",
           ["GET", "PUT", "DELETE"], _handle)
