"""Load balancer questions, answered from the network model.

``trace_frontend``: a flow to a frontend IP and port resolves through the matching load-balancing rule or
inbound NAT rule to each backend of its pool; each backend's inbound NSGs (subnet, then NIC) apply to the
client's packet, and to the health probe, which comes from the AzureLoadBalancer tag (168.63.129.16).
Dispositions: ACCEPTED (some backend takes the flow), DENIED_IN (every backend's NSG denies it),
NO_HEALTHY_BACKEND (the probes cannot pass the NSGs), NO_BACKEND, NO_RULE.

``snat_source``: the address an ip configuration's outbound flows leave from, in Azure's precedence:
NAT gateway on the subnet, instance-level public IP, load balancer outbound rule, load-balancing rule with
implicit outbound SNAT (public frontend, ``disableOutboundSnat`` false), default outbound access (none when
the subnet sets ``defaultOutboundAccess`` false)."""

from __future__ import annotations

from typing import Any

from ..dataplane.lb.snat import allocate
from ..netmodel import IpConfig, NetworkModel
from ..netmodel.addr import format_ip, try_ip
from ..netmodel.lb import LoadBalancer, Rule, load_balancers
from .security import Packet, evaluate, verdict

PROBE_SOURCE = "168.63.129.16"


def _protocols(rule: Rule) -> set[str]:
    return {"Tcp", "Udp"} if rule.protocol == "All" else {rule.protocol.capitalize()}


def _matches(rule: Rule, fe_key: str, port: int, proto: str) -> bool:
    if fe_key not in rule.frontends or proto not in _protocols(rule):
        return False
    low, high = rule.ports
    return (low, high) == (0, 0) or low <= port <= high


def _nsg(model: NetworkModel, cfg: IpConfig, pkt: Packet) -> dict[str, Any]:
    allowed, step = verdict(evaluate(model, cfg, "Inbound", pkt))
    out: dict[str, Any] = {"access": "Allow" if allowed else "Deny"}
    if step is not None and step.rule is not None:
        out["decidingRule"] = f"{step.acl.name}: {step.rule.display}"
        out["nsg"] = step.acl.id
    return out


def trace_frontend(model: NetworkModel, address: str, port: int, protocol: str = "Tcp",
                   source: str = "203.0.113.10", source_port: int = 49152) -> dict[str, Any]:
    dst = try_ip(address)
    src = try_ip(source)
    proto = protocol.capitalize()
    if dst is None or src is None:
        return {"disposition": "NO_RULE", "reason": f"{address} or {source} is not an IP address"}
    for lb in load_balancers(model):
        for fe in lb.frontends.values():
            if fe.address != dst:
                continue
            rule = next((r for r in lb.rules if r.kind in ("rule", "nat") and _matches(r, fe.key, port, proto)), None)
            if rule is None:
                continue
            return _through(model, lb, fe.id, fe.gateway, rule, port, proto, src, source_port)
    return {"disposition": "NO_RULE", "reason": f"no load balancer frontend rule for {address}:{port}/{proto}"}


def _through(model: NetworkModel, lb: LoadBalancer, fe_id: str, gateway: str | None, rule: Rule, port: int,
             proto: str, src: int, sport: int) -> dict[str, Any]:
    if rule.kind == "nat" and rule.pool is None:
        members = lb.nat_targets.get(rule.key, [])[:1]
    else:
        members = lb.pools.get(rule.pool or "", [])
        if rule.kind == "nat":      # a port range: one frontend port per member, in order
            offset = port - rule.ports[0]
            members = members[offset:offset + 1]
    bport = port if rule.floating_ip or rule.ports == (0, 0) else (rule.backend_port or port)
    probe = lb.probes.get(rule.probe or "")
    backends = []
    for key in members:
        cfg = model.ipconfigs.get(key)
        if cfg is None or cfg.ip is None:
            continue
        entry: dict[str, Any] = {"ipConfiguration": cfg.id, "privateIPAddress": cfg.ip_text, "backendPort": bport,
                                 **_nsg(model, cfg, Packet(proto, src, sport, cfg.ip, bport))}
        if probe is not None:
            entry["probe"] = {"protocol": probe.protocol, "port": probe.port, "source": "AzureLoadBalancer",
                              **_nsg(model, cfg, Packet("Tcp", try_ip(PROBE_SOURCE) or 0, None, cfg.ip, probe.port))}
        backends.append(entry)
    healthy = [b for b in backends if b.get("probe", {}).get("access", "Allow") == "Allow"]
    taking = [b for b in healthy if b["access"] == "Allow"]
    if not backends:
        disposition, reason = "NO_BACKEND", "the rule's pool has no members"
    elif not healthy:
        disposition, reason = "NO_HEALTHY_BACKEND", "every backend's NSG blocks the health probe (AzureLoadBalancer)"
    elif not taking:
        disposition, reason = "DENIED_IN", "every healthy backend's NSG denies the flow"
    else:
        disposition, reason = "ACCEPTED", f"{len(taking)} of {len(backends)} backends take the flow"
    out: dict[str, Any] = {"disposition": disposition, "reason": reason, "loadBalancer": lb.id, "sku": lb.sku,
                           "frontendIPConfiguration": fe_id, "rule": rule.id, "ruleKind": rule.kind,
                           "backendAddressPool": next((p for p in (rule.pool,) if p), None), "backends": backends}
    if gateway:
        out["gatewayLoadBalancer"] = {"frontendIPConfiguration": gateway,
                                      "note": "chained: Azure sends the flow through the gateway LB's appliances "
                                              "over VXLAN first; aznet models the chain but not the VXLAN path"}
    return out


def _pip_text(model: NetworkModel, key: str | None) -> str | None:
    pip = model.public_ips.get(key) if key else None
    return pip.address if pip is not None else None


def snat_source(model: NetworkModel, cfg: IpConfig) -> dict[str, Any]:
    """How ``cfg``'s outbound flows to the Internet are translated (see the module docstring)."""
    subnet = model.subnets.get(cfg.subnet_key or "")
    if subnet is not None and subnet.nat_gateway_key:
        ng = model.nat_gateway(subnet.nat_gateway_key)
        addrs = [a for a in (_pip_text(model, k) for k in (ng.public_ip_keys if ng else ())) if a]
        return {"type": "NatGateway", "resourceId": ng.id if ng else subnet.nat_gateway_key, "addresses": addrs,
                "precedence": 1}
    if cfg.public_ip_key:
        pip = model.public_ips.get(cfg.public_ip_key)
        return {"type": "InstancePublicIP", "resourceId": pip.id if pip else None,
                "addresses": [a for a in (_pip_text(model, cfg.public_ip_key),) if a], "precedence": 2}
    for kind, precedence in (("outbound", 3), ("rule", 4)):
        for lb in load_balancers(model):
            for rule in lb.rules:
                if rule.kind != kind or rule.pool is None or cfg.key not in lb.pools.get(rule.pool, []):
                    continue
                if kind == "rule" and rule.disable_snat:
                    continue
                fes = [lb.frontends[f] for f in rule.frontends if f in lb.frontends]
                public = [f.address_text for f in fes if f.public_ip_key and f.address_text]
                if not public:
                    continue
                members = lb.pools[rule.pool]
                block = next((a for a in allocate(members, public, rule.allocated_ports or None)
                              if a.backend == cfg.key), None)
                return {"type": "OutboundRule" if kind == "outbound" else "LoadBalancingRule",
                        "resourceId": rule.id, "loadBalancer": lb.id, "addresses": public, "precedence": precedence,
                        "allocatedPorts": block.ports if block else 0,
                        "portRange": [block.first_port, block.first_port + block.ports - 1] if block and block.ports
                        else None}
    if subnet is not None and subnet.default_outbound_access is False:
        return {"type": "None", "addresses": [], "precedence": 5,
                "reason": "the subnet has defaultOutboundAccess false and no other outbound method applies"}
    return {"type": "DefaultOutboundAccess", "addresses": [], "precedence": 5,
            "reason": "Azure picks an address it owns (not one of yours)"}


def describe(answer: dict[str, Any]) -> str:
    lines = [f"{answer['disposition']}: {answer['reason']}"]
    if "rule" in answer:
        lines.append(f"  rule {answer['rule']} ({answer['ruleKind']}, {answer['sku']})")
    for b in answer.get("backends", []):
        probe = b.get("probe")
        ptext = f"; probe {probe['access']}" + (f" by {probe['decidingRule']}" if probe.get("decidingRule") else "") \
            if probe else ""
        lines.append(f"  -> {b['privateIPAddress']}:{b['backendPort']} {b['access']}"
                     + (f" by {b['decidingRule']}" if b.get("decidingRule") else "") + ptext)
    return "\n".join(lines)


__all__ = ["describe", "format_ip", "snat_source", "trace_frontend"]
