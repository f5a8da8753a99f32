"""The shared-key endpoints below a connection that the generic action path cannot carry:
``PUT {connection}/sharedkey`` (a long-running PUT that answers 200 with the key, as Azure does) and
``POST {connection}/sharedkey/reset`` (two segments below the connection)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm import crud
from ....arm.provider_actions import LongRunning, provider_action
from ..ref_checks import since
from . import connections

if TYPE_CHECKING:
    from ....arm.context import Ctx

API_VERSIONS = since("2015-06-15")
BASE = "subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/connections/{name}/sharedkey"


def _connection(ctx: Ctx, params: dict[str, str]) -> dict[str, Any]:
    cid = (f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/Microsoft.Network/"
           f"connections/{params['name']}")
    body = crud.get_resource(ctx, cid)
    if ctx.method not in ("GET", "HEAD"):
        crud.guard(ctx, body.get("id") or cid, "action")
    return body


@provider_action(BASE, ("GET", "PUT"), api_versions=API_VERSIONS, name="connections/sharedkey", body="optional",
                 writes=True)
def set_key(ctx: Ctx, payload: Any, params: dict[str, str]) -> Any:
    body = _connection(ctx, params)
    if ctx.method in ("GET", "HEAD"):
        return connections.get_shared_key(ctx, body, None)
    status, result = connections.set_shared_key(ctx, body, payload)
    return LongRunning(status, result, location=body.get("location"), location_header=False)


@provider_action(BASE + "/reset", "POST", api_versions=API_VERSIONS, name="connections/sharedkey", body="optional",
                 writes=True)
def reset(ctx: Ctx, payload: Any, params: dict[str, str]) -> Any:
    body = _connection(ctx, params)
    status, result = connections.reset_shared_key(ctx, body, payload)
    return LongRunning(202, None, location=body.get("location"), result=result, result_status=status)
