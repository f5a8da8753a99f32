"""Load balancers in the network model: frontends, rules, inbound NAT and outbound rules, probes and pool
members, compiled from the model's stored bodies (with their child pools and NAT rules), per
question. Pool members are NIC ip configurations (their ``loadBalancerBackendAddressPools``) and
pool addresses by IP (``loadBalancerBackendAddresses``: VNet + IP, resolved to the NIC that holds it).

Gateway Load Balancer chaining (a frontend's ``gatewayLoadBalancer``) is kept as a reference to the
gateway's frontend; the VXLAN data path itself is not modelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .addr import try_ip
from .objects import key_of
from .parse import props, ref_key

if TYPE_CHECKING:
    from .model import NetworkModel

LB = "microsoft.network/loadbalancers"
POOL = "microsoft.network/loadbalancers/backendaddresspools"
NAT_RULE = "microsoft.network/loadbalancers/inboundnatrules"
PIP = "microsoft.network/publicipaddresses"
NIC = "microsoft.network/networkinterfaces"


@dataclass(slots=True)
class Frontend:
    key: str
    id: str
    name: str
    address: int | None
    address_text: str | None
    public_ip_key: str | None
    gateway: str | None = None       # key of a Gateway LB frontend this one is chained to


@dataclass(slots=True)
class Probe:
    key: str
    protocol: str
    port: int
    path: str | None


@dataclass(slots=True)
class Rule:
    key: str
    id: str
    name: str
    kind: str                # rule | nat | outbound
    protocol: str            # Tcp | Udp | All
    frontends: tuple[str, ...]
    ports: tuple[int, int]   # frontend port range (0, 0 = HA ports)
    backend_port: int
    pool: str | None
    probe: str | None = None
    disable_snat: bool = False
    floating_ip: bool = False
    allocated_ports: int = 0


@dataclass(slots=True)
class LoadBalancer:
    key: str
    id: str
    name: str
    sku: str
    frontends: dict[str, Frontend] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    probes: dict[str, Probe] = field(default_factory=dict)
    pools: dict[str, list[str]] = field(default_factory=dict)      # pool key -> ipconfig keys
    nat_targets: dict[str, list[str]] = field(default_factory=dict)  # NAT rule key -> ipconfig keys


def _int(v: Any, default: int = 0) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else default


def _build(model: NetworkModel) -> list[LoadBalancer]:
    pools_of: dict[str, list[str]] = {}
    nat_of: dict[str, list[str]] = {}
    for cfg in model.ipconfigs.values():
        for p in cfg.lb_pools:
            pools_of.setdefault(p, []).append(cfg.key)
    for key, body in model.raw.items():
        if model.rtype.get(key) != NIC:
            continue
        for c in props(body).get("ipConfigurations") or []:
            ck = key_of(c.get("id", "")) if isinstance(c, dict) else ""
            for r in props(c).get("loadBalancerInboundNatRules") or []:
                rk = ref_key(r)
                if rk and ck:
                    nat_of.setdefault(rk, []).append(ck)
    children: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for key, rtype in model.rtype.items():
        if rtype in (POOL, NAT_RULE):
            children.setdefault(key.rsplit("/", 2)[0], []).append((rtype, model.raw[key]))
    out = []
    for key, body in model.raw.items():
        if model.rtype.get(key) != LB:
            continue
        p = props(body)
        lb = LoadBalancer(key, body.get("id", key), str(body.get("name") or key.rsplit("/", 1)[-1]),
                          str((body.get("sku") or {}).get("name", "Basic")))
        for fe in p.get("frontendIPConfigurations") or []:
            fp = props(fe)
            pip = ref_key(fp.get("publicIPAddress"))
            text = props(model.raw.get(pip or "")).get("ipAddress") if pip else fp.get("privateIPAddress")
            fk = key_of(fe.get("id", ""))
            lb.frontends[fk] = Frontend(fk, fe.get("id", ""), str(fe.get("name", "")), try_ip(text),
                                        text if isinstance(text, str) else None, pip,
                                        ref_key(fp.get("gatewayLoadBalancer")))
        for pr in p.get("probes") or []:
            pp = props(pr)
            lb.probes[key_of(pr.get("id", ""))] = Probe(key_of(pr.get("id", "")), str(pp.get("protocol", "Tcp")),
                                                        _int(pp.get("port")), pp.get("requestPath"))
        for r in p.get("loadBalancingRules") or []:
            rp = props(r)
            fport = _int(rp.get("frontendPort"))
            lb.rules.append(Rule(key_of(r.get("id", "")), r.get("id", ""), str(r.get("name", "")), "rule",
                                 str(rp.get("protocol", "Tcp")), (ref_key(rp.get("frontendIPConfiguration")) or "",),
                                 (fport, fport), _int(rp.get("backendPort")), ref_key(rp.get("backendAddressPool")),
                                 ref_key(rp.get("probe")), bool(rp.get("disableOutboundSnat")),
                                 bool(rp.get("enableFloatingIP"))))
        for r in p.get("outboundRules") or []:
            rp = props(r)
            fes = tuple(k for k in (ref_key(f) for f in rp.get("frontendIPConfigurations") or []) if k)
            lb.rules.append(Rule(key_of(r.get("id", "")), r.get("id", ""), str(r.get("name", "")), "outbound",
                                 str(rp.get("protocol", "All")), fes, (0, 0), 0, ref_key(rp.get("backendAddressPool")),
                                 allocated_ports=_int(rp.get("allocatedOutboundPorts"))))
        for rtype, child in children.get(key, []):
            ck = key_of(child.get("id", ""))
            cp = props(child)
            if rtype == POOL:
                members = list(pools_of.get(ck, []))
                for a in cp.get("loadBalancerBackendAddresses") or []:
                    ap = props(a)
                    ip = try_ip(ap.get("ipAddress"))
                    vnet = ref_key(ap.get("virtualNetwork"))
                    cfg = model.ipconfig_at(ip, vnet) if ip is not None else None
                    if cfg is not None and cfg.key not in members:
                        members.append(cfg.key)
                lb.pools[ck] = members
            else:
                start = cp.get("frontendPortRangeStart")
                if start is not None:
                    ports = (_int(start), _int(cp.get("frontendPortRangeEnd"), _int(start)))
                else:
                    ports = (_int(cp.get("frontendPort")), _int(cp.get("frontendPort")))
                lb.rules.append(Rule(ck, child.get("id", ""), str(child.get("name", "")), "nat",
                                     str(cp.get("protocol", "Tcp")),
                                     (ref_key(cp.get("frontendIPConfiguration")) or "",), ports,
                                     _int(cp.get("backendPort")), ref_key(cp.get("backendAddressPool")),
                                     floating_ip=bool(cp.get("enableFloatingIP"))))
                lb.nat_targets[ck] = nat_of.get(ck, [])
        out.append(lb)
    return out


def load_balancers(model: NetworkModel) -> list[LoadBalancer]:
    """The model's load balancers, compiled per question (a scan of the stored bodies: milliseconds)."""
    return _build(model)
