"""NSGs on the load balancer's path: a flow the backend's NSGs (subnet, then NIC, as Azure evaluates
inbound) deny is dropped after the backend is chosen, as in Azure, and the probe is sent from
AzureLoadBalancer's address (168.63.129.16), so an NSG that blocks the AzureLoadBalancer tag fails the
probe. Decisions come from the network model and the verifier's NSG evaluation (the same code that
answers ipFlowVerify), cached per model version."""

from __future__ import annotations

import ipaddress
from typing import Any

from ...netmodel.engine import model_engine
from ...verifier.security import Packet, evaluate, verdict

PROBE_SOURCE = "168.63.129.16"
PROTO = {"tcp": "Tcp", "udp": "Udp"}
CACHE_LIMIT = 65536


class NsgGate:
    def __init__(self, platform: Any) -> None:
        self.platform = platform
        self._cache: dict[tuple[Any, ...], tuple[bool, str]] = {}
        self._model_id: tuple[int, int] | None = None
        self._engine: Any = None

    def applies(self, ipconfig_key: str) -> bool:
        """Does any NSG (the subnet's or the NIC's) filter traffic to this ip configuration?"""
        if self._engine is None:
            self._engine = model_engine(self.platform)
        model = self._engine.model
        cfg = model.ipconfigs.get(ipconfig_key)
        return cfg is not None and any(acl is not None for acl in model.nsgs_for(cfg))

    def check(self, ipconfig_key: str, proto: str, src_ip: str, sport: int | None, dport: int) -> tuple[bool, str]:
        """(allowed, deciding rule name or "") for an inbound flow to a NIC ip configuration."""
        if self._engine is None:
            self._engine = model_engine(self.platform)
        model = self._engine.model
        mid = (id(model), model.version)
        if mid != self._model_id:
            self._cache.clear()
            self._model_id = mid
        key = (ipconfig_key, proto, src_ip, dport)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        cfg = model.ipconfigs.get(ipconfig_key)
        if cfg is None or cfg.ip is None:
            result = (True, "")
        else:
            try:
                src = int(ipaddress.ip_address(src_ip))
            except ValueError:
                return True, ""
            allowed, step = verdict(evaluate(model, cfg, "Inbound", Packet(PROTO.get(proto, "Tcp"), src, sport,
                                                                           cfg.ip, dport)))
            result = (allowed, step.rule.display if step is not None and step.rule is not None else "")
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result
