"""The shared-key endpoints below a connection that the generic action path cannot carry:
``PUT {connection}/sharedkey`` (a long-running PUT that answers 200 with the key, as Azure does) and
``POST {connection}/sharedkey/reset`` (two segments below the connection)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ....arm import crud
from ....arm.http import Response
from ....arm.router import ROUTES
from ....arm.versions import check_api_version
from ..ref_checks import since
from . import connections

if TYPE_CHECKING:
    from ....arm.context import Ctx
    from ....arm.http import Request
    from ....arm.platform import Platform

API_VERSIONS = since("2015-06-15")
BASE = "subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/connections/{name}/sharedkey"


def _run(p: Platform, req: Request, handler: Callable[[Ctx, dict[str, Any], Any], tuple[int, Any]],
         initial: int) -> Response:
    check_api_version(req.api_version, API_VERSIONS, "connections/sharedkey")
    params = req.params
    cid = (f"/subscriptions/{params['sub']}/resourceGroups/{params['rg']}/providers/Microsoft.Network/"
           f"connections/{params['name']}")
    ctx = p.ctx(req, params["sub"])
    body = crud.get_resource(ctx, cid)
    if req.method != "GET":
        crud.guard(ctx, body.get("id") or cid, "action")
    if req.method in ("GET", "HEAD"):
        return Response(*connections.get_shared_key(ctx, body, None))
    status, result = handler(ctx, body, req.json(required=False))
    p.commit(ctx)
    if initial == 202:
        return p.lro(req, 202, None, namespace="Microsoft.Network", location=body.get("location"), result=result,
                     result_status=status)
    return p.lro(req, status, result, namespace="Microsoft.Network", location=body.get("location"),
                 location_header=False)


def set_key(p: Platform, req: Request) -> Response:
    return _run(p, req, connections.set_shared_key, 200)


def reset(p: Platform, req: Request) -> Response:
    return _run(p, req, connections.reset_shared_key, 202)


ROUTES.add(BASE, ["GET", "PUT"], set_key)
ROUTES.add(BASE + "/reset", "POST", reset)
