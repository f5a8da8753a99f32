"""Operation-status (Azure-AsyncOperation) and operation-result (Location)
resources of long-running operations, for every provider namespace."""

from __future__ import annotations

from ..arm.errors import ArmError
from ..arm.http import Request, Response
from ..arm.platform import Platform
from ..arm.router import ROUTES


def _op(p: Platform, req: Request):  # type: ignore[no-untyped-def]
    op = p.ops.get(req.params["op"])
    if op is None:
        raise ArmError(404, "OperationNotFound", f"The operation '{req.params['op']}' could not be found.")
    return op


def status(p: Platform, req: Request) -> Response:
    op = _op(p, req)
    body = op.status_body()
    headers = p.retry_headers() if body["status"] == "InProgress" else {}
    return Response(200, body, headers)


def result(p: Platform, req: Request) -> Response:
    op = _op(p, req)
    state = op.current_status()
    if state == "InProgress":
        return Response(202, None, {"Location": req.url(**req.query), **p.retry_headers()})
    if op.error:
        err = op.error
        return Response(int(err.get("status", 400)), {"error": {k: v for k, v in err.items() if k != "status"}})
    if op.result_status == 204 or op.result is None:
        return Response(op.result_status if op.result_status in (200, 204) else 204)
    return Response(op.result_status, op.result)


ROUTES.add("subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{op}", "GET", status)
ROUTES.add("subscriptions/{sub}/providers/{ns}/locations/{loc}/operationResults/{op}", "GET", result)
ROUTES.add("subscriptions/{sub}/operationresults/{op}", "GET", result)
ROUTES.add("subscriptions/{sub}/operationstatus/{op}", "GET", status)
