"""``/subscriptions/{sub}/providers/Microsoft.Network/trafficManagerUserMetricsKeys/default``
(GET, PUT, DELETE): the subscription's Real User Measurements key. aznet keeps the
key and collects no measurements."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action
from ..dns.api_versions import TRAFFIC_MANAGER

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/trafficManagerUserMetricsKeys"


def _rid(sub: str) -> str:
    return f"/subscriptions/{sub}/providers/{TYPE}/default"


def _body(rid: str, key: str) -> dict[str, object]:
    return {"id": rid, "name": "default", "type": TYPE, "properties": {"key": key}}


@provider_action("subscriptions/{sub}/providers/microsoft.network/trafficmanagerusermetricskeys/default",
                 ["GET", "PUT", "DELETE"], api_versions=TRAFFIC_MANAGER, name="trafficManagerUserMetricsKeys",
                 writes=True)
def user_metrics_key(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    sub = params["sub"]
    rid = _rid(sub)
    rec = ctx.record(rid)
    if ctx.method in ("GET", "HEAD"):
        if rec is None:
            raise ArmError(404, "NotFound", "The Real User Measurements key of the subscription was not found.")
        return 200, rec.body
    if ctx.method == "PUT":
        body = _body(rid, uuid.uuid4().hex)
        ctx.txn.put(rid, TYPE, None, f"/subscriptions/{sub}".lower(), body)
        return 201, body
    if rec is not None:
        ctx.txn.delete(rec.key)
    return 200, {"boolean": True}
