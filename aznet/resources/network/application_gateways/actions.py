"""Application gateway actions: start and stop (``operationalState``),
``backendhealth`` and ``getBackendHealthOnDemand`` (long-running, as in Azure)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.ids import normalize
from ....arm.registry import Action
from ...member_actions import set_member
from ..ref_checks import cannot_parse, enum, integer, ref_id
from . import health

if TYPE_CHECKING:
    from ....arm.context import Ctx


def _backend_health(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    return 200, health.backend_health(ctx, body)


def _find(body: dict[str, Any], kind: str, node: Any, path: str) -> dict[str, Any]:
    rid = ref_id(node, path)
    if rid is None:
        raise ArmError(400, "ApplicationGatewayOnDemandProbeMustReference",
                       f"The on-demand probe must reference a {kind[:-1] if kind.endswith('s') else kind}.",
                       target=path)
    for item in (body.get("properties") or {}).get(kind) or []:
        if normalize(item["id"]) == normalize(rid):
            return item
    raise ArmError(400, "InvalidResourceReference",
                   f"Resource {rid} referenced by resource {body['id']} was not found. Please make sure that the "
                   "referenced resource exists, and that both resources are in the same region.")


def _on_demand(ctx: Ctx, body: dict[str, Any], payload: Any) -> tuple[int, Any]:
    if not isinstance(payload, dict):
        raise cannot_parse("", payload, "ApplicationGatewayOnDemandProbe")
    enum(payload.get("protocol"), ("Http", "Https", "Tcp", "Tls"), "protocol", "ApplicationGatewayProtocol")
    path = payload.get("path")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        raise ArmError(400, "ApplicationGatewayProbePathIsInvalid", f"Path {path!r} must start with '/'.",
                       target="path")
    timeout = integer(payload.get("timeout"), "timeout", 30)
    if timeout is None or not 1 <= timeout <= 86400:
        raise ArmError(400, "ApplicationGatewayProbeInvalidTimeout",
                       f"Timeout {timeout} is invalid. Supported range is [1, 86400].", target="timeout")
    pool = _find(body, "backendAddressPools", payload.get("backendAddressPool"), "backendAddressPool")
    settings = _find(body, "backendHttpSettingsCollection", payload.get("backendHttpSettings"), "backendHttpSettings")
    return 200, health.on_demand(ctx, body, pool, settings["id"])


ACTIONS = [
    Action("start", set_member("properties", "operationalState", "Running"), long_running=True),
    Action("stop", set_member("properties", "operationalState", "Stopped"), long_running=True),
    Action("backendhealth", _backend_health, long_running=True),
    Action("getBackendHealthOnDemand", _on_demand, long_running=True),
]
