"""Azure Monitor metrics of the load balancer (Microsoft.Network/loadBalancers), written to the
platform's metrics registry (``aznet.monitor``) when it is present; a no-op otherwise.

Names and dimensions as Azure documents them: ``ByteCount`` / ``PacketCount`` / ``SYNCount``
(FrontendIPAddress, FrontendPort, Direction), ``VipAvailability`` (FrontendIPAddress, FrontendPort),
``DipAvailability`` (ProtocolType, BackendPort, FrontendIPAddress, FrontendPort, BackendIPAddress),
``SnatConnectionCount`` (FrontendIPAddress, BackendIPAddress, ConnectionState),
``AllocatedSnatPorts`` / ``UsedSnatPorts`` (FrontendIPAddress, BackendIPAddress, ProtocolType).
A userspace relay sees bytes, not packets: ``PacketCount`` counts the reads and writes that carried them
(an approximation), ``SYNCount`` the new TCP flows."""

from __future__ import annotations

from typing import Any

try:  # the platform's registry (issue 9); absent in builds without it
    from ...monitor.metrics import METRICS as _M  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the build
    _M = None


def _fe(route: Any) -> tuple[tuple[str, str], ...]:
    return (("FrontendIPAddress", route.frontend_ip), ("FrontendPort", str(route.frontend_port)))


def new_flow(route: Any, target: Any, proto: str) -> None:
    if _M is None:
        return
    if proto == "tcp":
        _M.add(route.lb, "SYNCount", 1.0, _fe(route) + (("Direction", "In"),))
    _M.add(route.lb, "PacketCount", 1.0, _fe(route) + (("Direction", "In"),))


def flow_bytes(flow: Any) -> None:
    if _M is None:
        return
    route = flow.route
    _M.add(route.lb, "ByteCount", float(flow.bytes_in), _fe(route) + (("Direction", "In"),))
    _M.add(route.lb, "ByteCount", float(flow.bytes_out), _fe(route) + (("Direction", "Out"),))


def dropped(route: Any) -> None:
    if _M is None:
        return
    _M.add(route.lb, "PacketCount", 1.0, _fe(route) + (("Direction", "In"),))


def gauges(engine: Any) -> None:
    """VipAvailability per frontend and DipAvailability per backend (100 = up, 0 = down)."""
    if _M is None:
        return
    for lst in list(engine.listeners.values()):
        route = lst.route
        ups = [engine.healthy(route, t) for t in route.targets]
        vip = 0.0 if lst.error or (route.probe and not any(ups)) else 100.0
        _M.set_gauge(route.lb, "VipAvailability", vip, _fe(route))
        for t, up in zip(route.targets, ups, strict=True):
            _M.set_gauge(route.lb, "DipAvailability", 100.0 if up else 0.0, (
                ("ProtocolType", route.protocol.upper()), ("BackendPort", str(t.port)),
                ("FrontendIPAddress", route.frontend_ip), ("FrontendPort", str(route.frontend_port)),
                ("BackendIPAddress", t.ip)))
