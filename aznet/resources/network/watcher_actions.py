"""Network Watcher's questions as ARM actions, answered from the network model
(aznet.netmodel), never from raw ARM JSON: ipFlowVerify, nextHop,
securityGroupView, topology, connectivityCheck, networkConfigurationDiagnostic
on networkWatchers, and effectiveRouteTable / effectiveNetworkSecurityGroups on
network interfaces.

The model is an engine on the reconcile seam (``aznet.netmodel.engine``):
built from the store at the first question, then kept up to date from each
commit, so a rule change shows in the next answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Action
from ...netmodel.engine import NetworkModelEngine, model_engine
from ...services import register

if TYPE_CHECKING:
    from ...arm.context import Ctx
    from ...arm.platform import Platform

log = logging.getLogger("aznet.networkwatcher")


ModelService = NetworkModelEngine   # the name this service had before the reconcile seam


def _service(platform: Platform) -> NetworkModelEngine:
    return model_engine(platform)


register(model_engine)


def _answer(fn_name: str, status: int = 200) -> Callable[[Ctx, dict[str, Any], Any], tuple[int, Any]]:
    def handler(ctx: Ctx, resource: dict[str, Any], payload: Any) -> tuple[int, Any]:
        from ... import verifier
        from ...verifier import VerifierError

        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
        model = _service(ctx.platform).model
        try:
            return status, getattr(verifier, fn_name)(model, payload)
        except VerifierError as exc:
            raise ArmError(exc.status, exc.code, exc.message, target=getattr(exc, "target", None)) from None
    return handler


def _nic_answer(fn_name: str) -> Callable[[Ctx, dict[str, Any], Any], tuple[int, Any]]:
    def handler(ctx: Ctx, resource: dict[str, Any], payload: Any) -> tuple[int, Any]:
        from ... import verifier
        from ...verifier import VerifierError

        model = _service(ctx.platform).model
        try:
            return 200, getattr(verifier, fn_name)(model, resource["id"])
        except VerifierError as exc:
            raise ArmError(exc.status, exc.code, exc.message, target=getattr(exc, "target", None)) from None
    return handler


WATCHER_ACTIONS = [
    Action("ipFlowVerify", _answer("ip_flow_verify"), long_running=True),
    Action("nextHop", _answer("next_hop"), long_running=True),
    Action("securityGroupView", _answer("security_group_view"), long_running=True),
    Action("topology", _answer("topology")),
    Action("connectivityCheck", _answer("connectivity_check"), long_running=True),
    Action("networkConfigurationDiagnostic", _answer("network_configuration_diagnostic"), long_running=True),
]
NIC_ACTIONS = [
    Action("effectiveRouteTable", _nic_answer("effective_route_table"), long_running=True),
    Action("effectiveNetworkSecurityGroups", _nic_answer("effective_network_security_groups"), long_running=True),
]


# attached whenever those types are declared: nothing here depends on the order modules load in
REGISTRY.add_actions("Microsoft.Network/networkWatchers", WATCHER_ACTIONS)
REGISTRY.add_actions("Microsoft.Network/networkInterfaces", NIC_ACTIONS)
