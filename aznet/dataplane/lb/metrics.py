"""Azure Monitor metrics of Microsoft.Network/loadBalancers, reported to the platform's registry
(``platform.metrics``, aznet.monitor).

Names, units and dimensions as Azure publishes them ("Supported metrics for
Microsoft.Network/loadBalancers"): ``ByteCount``, ``PacketCount``, ``SYNCount`` (FrontendIPAddress,
FrontendPort, Direction), ``VipAvailability`` "Data Path Availability" (FrontendIPAddress, FrontendPort),
``DipAvailability`` "Health Probe Status" (ProtocolType, BackendPort, FrontendIPAddress, FrontendPort,
BackendIPAddress), ``SnatConnectionCount`` (FrontendIPAddress, BackendIPAddress, ConnectionState),
``AllocatedSnatPorts`` / ``UsedSnatPorts`` (FrontendIPAddress, BackendIPAddress, ProtocolType,
IsAwaitingRemoval).

What a userspace relay can say: bytes are exact; ``PacketCount`` counts the reads and writes that carried
them (an approximation: the kernel coalesces segments); ``SYNCount`` counts new inbound TCP flows.
Availability is 100 while the frontend listens and (with a probe) some backend is up, else 0; health probe
status is 100 per backend that is up. ``AllocatedSnatPorts`` comes from the SNAT model (Azure's default
port table or the outbound rule's ``allocatedOutboundPorts``); aznet carries no outbound SNAT traffic, so
``UsedSnatPorts`` is 0 and ``SnatConnectionCount`` is never reported.

Hot path: one dict increment per flow event, drained into the registry by a collector before each read and
every few seconds."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ...monitor.catalog import Metric, define

LB_TYPE = "microsoft.network/loadbalancers"
_FE = (("FrontendIPAddress", "Frontend IP Address"), ("FrontendPort", "Frontend Port"))
_DIR = (*_FE, ("Direction", "Direction"))
_SNAT = (("FrontendIPAddress", "Frontend IP Address"), ("BackendIPAddress", "Backend IP Address"),
         ("ProtocolType", "Protocol Type"), ("IsAwaitingRemoval", "Is Awaiting Removal"))

define(LB_TYPE,
       Metric("ByteCount", "Byte Count", "Total number of Bytes transmitted within time period", "Bytes",
              "Total", _DIR),
       Metric("PacketCount", "Packet Count", "Total number of Packets transmitted within time period", "Count",
              "Total", _DIR),
       Metric("SYNCount", "SYN Count", "Total number of SYN Packets transmitted within time period", "Count",
              "Total", _DIR),
       Metric("VipAvailability", "Data Path Availability", "Average Load Balancer data path availability per "
              "time duration", "Count", "Average", _FE, kind="gauge", category="Availability"),
       Metric("DipAvailability", "Health Probe Status", "Average Load Balancer health probe status per time "
              "duration", "Count", "Average", (("ProtocolType", "Protocol Type"), ("BackendPort", "Backend Port"),
                                               *_FE, ("BackendIPAddress", "Backend IP Address")),
              kind="gauge", category="Availability"),
       Metric("SnatConnectionCount", "SNAT Connection Count", "Total number of new SNAT connections created within "
              "time period", "Count", "Total", (("FrontendIPAddress", "Frontend IP Address"),
                                                ("BackendIPAddress", "Backend IP Address"),
                                                ("ConnectionState", "Connection State"))),
       Metric("AllocatedSnatPorts", "Allocated SNAT Ports", "Total number of SNAT ports allocated within time "
              "period", "Count", "Average", _SNAT, kind="gauge", category="SNAT"),
       Metric("UsedSnatPorts", "Used SNAT Ports", "Total number of SNAT ports used within time period", "Count",
              "Average", _SNAT, kind="gauge", category="SNAT"))

Key = tuple[str, str, tuple[tuple[str, str], ...]]


class LbMetrics:
    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.counts: defaultdict[Key, float] = defaultdict(float)

    @staticmethod
    def _fe(route: Any, direction: str) -> tuple[tuple[str, str], ...]:
        return (("FrontendIPAddress", route.frontend_ip), ("FrontendPort", str(route.frontend_port)),
                ("Direction", direction))

    def new_flow(self, route: Any, proto: str) -> None:
        dims = self._fe(route, "In")
        if proto == "tcp":
            self.counts[(route.lb, "SYNCount", dims)] += 1
        self.counts[(route.lb, "PacketCount", dims)] += 1

    def flow_bytes(self, flow: Any) -> None:
        route = flow.route
        for direction, n in (("In", flow.bytes_in), ("Out", flow.bytes_out)):
            if n:
                dims = self._fe(route, direction)
                self.counts[(route.lb, "ByteCount", dims)] += n
                self.counts[(route.lb, "PacketCount", dims)] += max(1, n // 65536)

    def dropped(self, route: Any) -> None:
        self.counts[(route.lb, "PacketCount", self._fe(route, "In"))] += 1

    def collect(self, engine: Any) -> None:
        """Counters into the registry; availability and SNAT gauges from the engine's state now."""
        counts, self.counts = self.counts, defaultdict(float)
        for (rid, name, dims), value in counts.items():
            self.registry.add(rid, name, value, dims)
        for lst in list(engine.listeners.values()):
            route = lst.route
            ups = [engine.healthy(route, t) for t in route.targets]
            vip = 0.0 if lst.error or (route.probe is not None and not any(ups)) else 100.0
            fe = (("FrontendIPAddress", route.frontend_ip), ("FrontendPort", str(route.frontend_port)))
            self.registry.set_gauge(route.lb, "VipAvailability", vip, fe)
            if route.probe is None:
                continue
            for t, up in zip(route.targets, ups, strict=True):
                self.registry.set_gauge(route.lb, "DipAvailability", 100.0 if up else 0.0, (
                    ("ProtocolType", route.protocol.upper()), ("BackendPort", str(t.backend_port or t.port)),
                    *fe, ("BackendIPAddress", t.ip)))
        for lb_id, fe_ip, backend_ip, ports in engine.snat_allocations():
            dims = (("FrontendIPAddress", fe_ip), ("BackendIPAddress", backend_ip), ("ProtocolType", "TCP"),
                    ("IsAwaitingRemoval", "False"))
            self.registry.set_gauge(lb_id, "AllocatedSnatPorts", float(ports), dims)
            self.registry.set_gauge(lb_id, "UsedSnatPorts", 0.0, dims)
