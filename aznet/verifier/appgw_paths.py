"""Application gateway questions, answered from the network model (its compiled gateways,
``NetworkModel.app_gateways``) and the gateway's routing core; no raw ARM JSON.

``trace_gateway``: client -> frontend (the gateway subnet's NSG on the client's packet) -> listener (host
names, Azure's listener order) -> rule / path rule -> pool, then gateway -> each backend (the backend's
subnet and NIC NSGs on a packet from the gateway subnet to the backend settings' port). Dispositions:
ACCEPTED, DENIED_IN (the gateway subnet's NSG), NO_LISTENER, REDIRECTED, NO_BACKEND, DENIED_TO_BACKEND,
GATEWAY_SUBNET_BLOCKED (v2 without the GatewayManager rule).

``gateway_manager_check``: a v2 gateway's subnet must let GatewayManager reach TCP 65200-65535 (Azure refuses
such a configuration with ApplicationGatewaySubnetInboundTrafficBlockedByNetworkSecurityGroup; v1 uses
65503-65534)."""

from __future__ import annotations

from typing import Any

from ..dataplane.appgw import router
from ..netmodel import NetworkModel
from ..netmodel.addr import try_ip
from ..netmodel.service_tags import lookup
from .security import Packet, evaluate, verdict

V2_PORTS = (65200, 65535)
V1_PORTS = (65503, 65534)


def _subnet_rule(model: NetworkModel, subnet_key: str | None, src: int, dst: int, port: int
                 ) -> tuple[bool, str | None]:
    sub = model.subnets.get(subnet_key or "")
    acl = model.acls.get(sub.nsg_key) if sub is not None and sub.nsg_key else None
    if acl is None:
        return True, None
    rule = acl.evaluate("Inbound", "Tcp", src, 49152, dst, port, frozenset(), frozenset(),
                        model.vnet_space(sub.vnet_key))  # type: ignore[union-attr]
    if rule is None:
        return True, None
    return rule.allow, f"{acl.name}: {rule.display}"


def gateway_manager_check(model: NetworkModel, gw_key: str) -> dict[str, Any] | None:
    """None when the gateway subnet admits GatewayManager on the infrastructure ports, else Azure's error."""
    plan = model.app_gateways().get(gw_key)
    if plan is None or plan.subnet is None:
        return None
    tag = lookup("GatewayManager")
    src = try_ip(tag[1][0].split("/")[0]) if tag else None
    sub = model.subnets.get(plan.subnet)
    if src is None or sub is None or not sub.prefixes:
        return None
    dst = sub.prefixes[0].lo + 4
    low, high = V2_PORTS if plan.v2 else V1_PORTS
    for port in (low, high):
        ok, rule = _subnet_rule(model, plan.subnet, src, dst, port)
        if not ok:
            nsg = model.acls[sub.nsg_key].id if sub.nsg_key in model.acls else sub.nsg_key  # type: ignore[index]
            return {"code": "ApplicationGatewaySubnetInboundTrafficBlockedByNetworkSecurityGroup",
                    "message": f"Network security group {nsg} blocks incoming internet traffic on ports {low} - "
                               f"{high} to subnet {sub.id}, associated with Application Gateway {plan.id}. "
                               f"This is not permitted for Application Gateways that have "
                               f"{'V2' if plan.v2 else 'V1'} Sku.",
                    "decidingRule": rule}
    return None


def trace_gateway(model: NetworkModel, address: str, port: int, host: str = "", path: str = "/",
                  source: str = "203.0.113.10") -> dict[str, Any]:
    dst, src = try_ip(address), try_ip(source)
    if dst is None or src is None:
        return {"disposition": "NO_LISTENER", "reason": f"{address} or {source} is not an IP address"}
    for key, plan in model.app_gateways().items():
        lsts = plan.sockets.get((address, port))
        if not lsts:
            continue
        out: dict[str, Any] = {"applicationGateway": plan.id or key, "frontend": f"{address}:{port}"}
        blocked = gateway_manager_check(model, key)
        if blocked is not None:
            return {**out, "disposition": "GATEWAY_SUBNET_BLOCKED", "reason": blocked["message"], "error": blocked}
        ok, rule = _subnet_rule(model, plan.subnet, src, dst, port)
        if not ok:
            return {**out, "disposition": "DENIED_IN", "reason": "the gateway subnet's NSG denies the client",
                    "decidingRule": rule}
        req = router.Incoming("GET", path or "/", "", host or address, [("Host", host or address)], source, 49152,
                              "http", port)
        d = router.decide(plan, lsts, req)
        if d.listener is None or (d.status and not d.location):
            return {**out, "disposition": "NO_LISTENER", "reason": f"no listener takes host {host or address!r}"}
        out["listener"] = d.listener.id
        out["rule"] = d.listener.rule.id if d.listener.rule else None
        if d.location:
            return {**out, "disposition": "REDIRECTED", "reason": f"{d.status} to {d.location}"}
        t = d.target
        settings = plan.settings.get(t.settings or "") if t else None
        out["pathRule"] = t.path_rule if t else None
        out["backendAddressPool"] = (f"{plan.id}/backendAddressPools/{plan.pool_names[t.pool]}"
                                     if t and t.pool in plan.pool_names else None)
        members = plan.pools.get(t.pool or "", ()) if t else ()
        if not members or settings is None:
            return {**out, "disposition": "NO_BACKEND", "reason": "the pool has no members"}
        gw_src = (model.subnets[plan.subnet].prefixes[0].lo + 4) if plan.subnet in model.subnets else src
        backends = []
        for m in members:
            entry: dict[str, Any] = {"address": m.address, "port": settings.port}
            ip = try_ip(m.address)
            cfg = next((c for c in model.ipconfigs.values() if c.ip is not None and c.ip == ip), None)
            if cfg is not None:
                entry["ipConfiguration"] = cfg.id
                allowed, step = verdict(evaluate(model, cfg, "Inbound", Packet("Tcp", gw_src, None, cfg.ip,
                                                                               settings.port)))
                entry["access"] = "Allow" if allowed else "Deny"
                if step is not None and step.rule is not None:
                    entry["decidingRule"] = f"{step.acl.name}: {step.rule.display}"
            else:
                entry["access"] = "Allow"
            backends.append(entry)
        out["backends"] = backends
        taking = [b for b in backends if b["access"] == "Allow"]
        if not taking:
            return {**out, "disposition": "DENIED_TO_BACKEND", "reason": "every backend's NSG denies the gateway"}
        return {**out, "disposition": "ACCEPTED", "reason": f"{len(taking)} of {len(backends)} backends take it"}
    return {"disposition": "NO_LISTENER", "reason": f"no application gateway listens on {address}:{port}"}


def describe(ans: dict[str, Any]) -> str:
    lines = [f"{ans['disposition']}: {ans['reason']}"]
    for k in ("applicationGateway", "listener", "rule", "pathRule", "backendAddressPool"):
        if ans.get(k):
            lines.append(f"  {k}: {ans[k]}")
    for b in ans.get("backends") or []:
        lines.append(f"  backend {b['address']}:{b['port']} {b['access']}"
                     + (f" ({b['decidingRule']})" if b.get("decidingRule") else ""))
    return "\n".join(lines)
