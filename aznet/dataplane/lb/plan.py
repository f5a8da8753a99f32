"""What the load balancers ask of the data plane, compiled from the store and the workload table (pure).

``compile_plan`` turns every load balancer into listeners ``(protocol, address, port)`` each with a
``Route``: the rule or NAT rule, its backends (``Target``: where a connection goes, through the workload
table, so port mappings and stopped VMs count), probe, distribution, floating IP, idle timeout, TCP reset.

- Frontend addresses: a public frontend listens on its public IP (the loopback pool); an internal one on the
  local address the workload table gives its frontend ip configuration.
- Load-balancing rules: protocol ``Tcp``, ``Udp`` or ``All`` (both). HA ports (``All``, port 0, internal
  Standard): a userspace relay cannot accept on all 65,535 ports, so the rule listens on every port a
  pool member is known to serve (its demo workloads, its port mappings, and the probe port).
- Inbound NAT rules: a single rule goes to the NIC ip configuration that lists it; a port-range rule on a
  backend pool (``frontendPortRangeStart``..``End``) gives each pool member, in creation order, the next
  frontend port (as ``queryInboundNatRulePortMapping`` reports).
- Backend pools by IP address resolve through the workload table (VNet + IP); an IP matching no NIC is
  reachable only when it is itself a loopback address. A global (cross-region) pool's members are regional
  frontends: their public addresses.
- Gateway Load Balancer chaining (``gatewayLoadBalancer`` on a frontend) is kept in the plan for the
  verifier; its VXLAN data path is not emulated: traffic goes straight to the public LB's backends.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ... import typenames
from ..ports import listen_port
from ..workloads.table import IpConfig, WorkloadTable
from .snat import allocate

LB = typenames.LOAD_BALANCER.lower()
POOL = "microsoft.network/loadbalancers/backendaddresspools"
NAT_RULE = "microsoft.network/loadbalancers/inboundnatrules"
PIP = typenames.PUBLIC_IP.lower()


@dataclass(frozen=True)
class Target:
    key: str                 # lower-case ip configuration id, or pool-address id
    ip: str                  # the backend's private IP (what Azure shows)
    host: str                # where the relay connects
    port: int
    serving: bool = True     # False: the VM is stopped or deallocated
    vm: str | None = None
    backend_port: int = 0    # the port on the VM (``port`` may be a port mapping's)


@dataclass(frozen=True)
class ProbeSpec:
    id: str
    protocol: str            # Tcp | Http | Https
    port: int
    path: str | None
    interval: int
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Route:
    lb: str
    rule: str                # rule or NAT rule id
    kind: str                # rule | nat | ha
    sku: str                 # Basic | Standard | Gateway
    protocol: str            # tcp | udp
    frontend: str            # frontend ip configuration id
    frontend_ip: str
    frontend_port: int
    targets: tuple[Target, ...]
    probe: str | None = None             # lower-case probe id
    distribution: str = "Default"
    floating_ip: bool = False
    idle_timeout: int = 240              # seconds
    tcp_reset: bool = False
    all_down: str = "AllProbedDown"      # noHealthyBackendsBehavior


@dataclass
class Plan:
    routes: dict[tuple[str, str, int], Route] = field(default_factory=dict)   # (proto, host, port) -> route
    probes: dict[str, ProbeSpec] = field(default_factory=dict)                 # lower probe id -> spec
    probe_targets: dict[str, dict[str, Target]] = field(default_factory=dict)  # probe -> backend key -> target
    pool_members: dict[str, list[Target]] = field(default_factory=dict)        # lower pool id -> targets
    nat_mappings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # lower pool id -> mappings
    gateway_chains: dict[str, str] = field(default_factory=dict)               # frontend id -> gateway fe id
    snat: list[tuple[str, str, str, int]] = field(default_factory=list)  # (lb, frontend IP, backend IP, ports)
    conflicts: list[str] = field(default_factory=list)


def _p(body: Any) -> dict[str, Any]:
    p = body.get("properties") if isinstance(body, dict) else None
    return p if isinstance(p, dict) else {}


def _ref(node: Any) -> str | None:
    rid = node.get("id") if isinstance(node, dict) else None
    return rid if isinstance(rid, str) else None


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


class _Compiler:
    def __init__(self, table: WorkloadTable, pools: dict[str, dict[str, Any]], nat_rules: dict[str, Any],
                 pips: dict[str, dict[str, Any]], lbs: dict[str, dict[str, Any]], offset: int = 0) -> None:
        self.table, self.pools, self.nat_rules, self.pips, self.lbs = table, pools, nat_rules, pips, lbs
        self.offset = offset
        self.plan = Plan()
        self.fe_addr: dict[str, str] = {}
        self.public_fe: set[str] = set()
        for body in lbs.values():
            for fe in _p(body).get("frontendIPConfigurations") or []:
                addr = self._frontend_address(fe)
                if addr and isinstance(fe.get("id"), str):
                    self.fe_addr[fe["id"].lower()] = addr
                    if _ref(_p(fe).get("publicIPAddress")):
                        self.public_fe.add(fe["id"].lower())

    def _frontend_address(self, fe: dict[str, Any]) -> str | None:
        fp = _p(fe)
        pip = _ref(fp.get("publicIPAddress"))
        if pip:
            return _p(self.pips.get(pip.lower())).get("ipAddress")
        if _ref(fp.get("subnet")) and isinstance(fe.get("id"), str):
            cfg = self.table.by_ipconfig(fe["id"])
            return cfg.local if cfg else None
        return None

    def _target(self, cfg: IpConfig, port: int) -> Target:
        host, tport = self.table.target(cfg, port)
        return Target(cfg.id.lower(), cfg.private_ip or "", host, tport, self.table.serving(cfg), cfg.vm, port)

    def members(self, pool_id: str) -> list[tuple[str, Any]]:
        """(kind, member) of a pool: ("cfg", IpConfig) or ("addr", (key, ip, host))."""
        key = pool_id.lower()
        out: list[tuple[str, Any]] = [("cfg", c) for c in self.table.members(key)]
        for a in _p(self.pools.get(key)).get("loadBalancerBackendAddresses") or []:
            ap = _p(a)
            name = a.get("name") if isinstance(a, dict) else None
            akey = f"{key}/addresses/{name}".lower()
            fe = _ref(ap.get("loadBalancerFrontendIPConfiguration"))
            if fe:       # a cross-region pool: a regional LB's frontend
                addr = self.fe_addr.get(fe.lower())
                if addr:
                    out.append(("fe", (akey, addr, addr)))
                continue
            ip = ap.get("ipAddress")
            if not isinstance(ip, str):
                continue
            vnet = _ref(ap.get("virtualNetwork")) or (_ref(ap.get("subnet")) or "").split("/subnets/")[0]
            cfg = self.table.ipconfig_for_private_ip(vnet, ip) if vnet else None
            if cfg is not None:
                out.append(("cfg", cfg))
            elif _is_loopback(ip):
                out.append(("addr", (akey, ip, ip)))
        return out

    def targets(self, pool_id: str | None, port: int) -> tuple[Target, ...]:
        if not pool_id:
            return ()
        out = []
        for kind, m in self.members(pool_id):
            if kind == "cfg":
                out.append(self._target(m, port))
            else:       # a loopback address, or a regional frontend (which may listen on a mapped port)
                key, ip, host = m
                out.append(Target(key, ip, host, listen_port(port, self.offset) if kind == "fe" else port,
                                  backend_port=port))
        return tuple(out)

    def served_ports(self, pool_id: str | None) -> set[int]:
        ports: set[int] = set()
        for kind, m in self.members(pool_id) if pool_id else []:
            vm = self.table.vm_of(m) if kind == "cfg" else None
            if vm is not None:
                ports.update(w.port for w in vm.workloads)
                ports.update(vm.ports)
        return ports

    def add(self, route: Route) -> None:
        key = (route.protocol, route.frontend_ip, route.frontend_port)
        if key in self.plan.routes and self.plan.routes[key].rule != route.rule:
            self.plan.conflicts.append(f"{route.rule} and {self.plan.routes[key].rule} both use {key}")
            return
        self.plan.routes[key] = route

    def compile_lb(self, lb_id: str, body: dict[str, Any]) -> None:
        props = _p(body)
        sku = (body.get("sku") or {}).get("name", "Basic")
        probes = {}
        for pr in props.get("probes") or []:
            pp = _p(pr)
            if isinstance(pr.get("id"), str) and isinstance(pp.get("port"), int):
                spec = ProbeSpec(pr["id"].lower(), str(pp.get("protocol", "Tcp")), pp["port"], pp.get("requestPath"),
                                 int(pp.get("intervalInSeconds") or 15), pp)
                probes[spec.id] = spec
        for fe in props.get("frontendIPConfigurations") or []:
            gw = _ref(_p(fe).get("gatewayLoadBalancer"))
            if gw and isinstance(fe.get("id"), str):
                self.plan.gateway_chains[fe["id"].lower()] = gw
        for rule in props.get("loadBalancingRules") or []:
            rp = _p(rule)
            fe = _ref(rp.get("frontendIPConfiguration"))
            addr = self.fe_addr.get((fe or "").lower())
            if not fe or not addr:
                continue
            pool = _ref(rp.get("backendAddressPool")) or next(
                (r for r in (_ref(x) for x in rp.get("backendAddressPools") or []) if r), None)
            probe = (_ref(rp.get("probe")) or "").lower() or None
            protos = ("tcp", "udp") if rp.get("protocol") == "All" else (str(rp.get("protocol", "Tcp")).lower(),)
            fport, bport = int(rp.get("frontendPort") or 0), int(rp.get("backendPort") or 0)
            spec = probes.get(probe) if probe else None
            common = dict(lb=lb_id, rule=rule.get("id", ""), sku=sku, frontend=fe, frontend_ip=addr,
                          probe=probe if spec else None, distribution=str(rp.get("loadDistribution") or "Default"),
                          floating_ip=bool(rp.get("enableFloatingIP")),
                          idle_timeout=60 * int(rp.get("idleTimeoutInMinutes") or 4),
                          tcp_reset=bool(rp.get("enableTcpReset")),
                          all_down=str((spec.props if spec else {}).get("noHealthyBackendsBehavior")
                                       or "AllProbedDown"))
            if fport == 0 and bport == 0:      # HA ports
                ports = self.served_ports(pool) | ({spec.port} if spec else set())
                for port in sorted(ports):
                    for proto in protos:
                        self.add(Route(kind="ha", protocol=proto, frontend_port=port,
                                       targets=self.targets(pool, port), **common))  # type: ignore[arg-type]
            else:
                for proto in protos:
                    self.add(Route(kind="rule", protocol=proto, frontend_port=fport,
                                   targets=self.targets(pool, fport if rp.get("enableFloatingIP") else bport),
                                   **common))  # type: ignore[arg-type]
            if pool and spec:
                self._probe_pool(spec, pool)
        self._snat(lb_id, props)
        for rid, nat in self.nat_rules.items():
            if not rid.startswith(lb_id.lower() + "/"):
                continue
            self.compile_nat(lb_id, sku, nat, probes)

    def _snat(self, lb_id: str, props: dict[str, Any]) -> None:
        """SNAT port blocks: outbound rules, else load-balancing rules' implicit SNAT (public frontends)."""
        public = {k: a for k, a in self.fe_addr.items() if k in self.public_fe}
        done: set[str] = set()
        sources = [(_p(r), "outbound") for r in props.get("outboundRules") or []] + \
                  [(_p(r), "rule") for r in props.get("loadBalancingRules") or []]
        for rp, kind in sources:
            pool = (_ref(rp.get("backendAddressPool")) or "").lower()
            if not pool or pool in done or (kind == "rule" and rp.get("disableOutboundSnat")):
                continue
            fes = [_ref(f) for f in rp.get("frontendIPConfigurations") or []] if kind == "outbound" \
                else [_ref(rp.get("frontendIPConfiguration"))]
            ips = [public[f.lower()] for f in fes if f and f.lower() in public]
            if not ips:
                continue
            done.add(pool)
            members = [m for kind_, m in self.members(pool) if kind_ == "cfg"]
            allocated = int(rp.get("allocatedOutboundPorts") or 0) if kind == "outbound" else 0
            for block, cfg in zip(allocate([c.id.lower() for c in members], ips, allocated or None), members,
                                  strict=True):
                self.plan.snat.append((lb_id, block.frontend_ip, cfg.private_ip or "", block.ports))

    def _probe_pool(self, spec: ProbeSpec, pool: str) -> None:
        self.plan.probes[spec.id] = spec
        bucket = self.plan.probe_targets.setdefault(spec.id, {})
        for t in self.targets(pool, spec.port):
            bucket[t.key] = t

    def compile_nat(self, lb_id: str, sku: str, nat: dict[str, Any], probes: dict[str, ProbeSpec]) -> None:
        np = _p(nat)
        fe = _ref(np.get("frontendIPConfiguration"))
        addr = self.fe_addr.get((fe or "").lower())
        if not fe or not addr:
            return
        protos = ("tcp", "udp") if np.get("protocol") == "All" else (str(np.get("protocol", "Tcp")).lower(),)
        bport = int(np.get("backendPort") or 0)
        common = dict(lb=lb_id, rule=nat.get("id", ""), kind="nat", sku=sku, frontend=fe, frontend_ip=addr,
                      floating_ip=bool(np.get("enableFloatingIP")),
                      idle_timeout=60 * int(np.get("idleTimeoutInMinutes") or 4),
                      tcp_reset=bool(np.get("enableTcpReset")))
        pool = _ref(np.get("backendAddressPool"))
        if pool and np.get("frontendPortRangeStart") is not None:
            start, end = int(np.get("frontendPortRangeStart")), int(np.get("frontendPortRangeEnd") or 0)
            members = [m for kind, m in self.members(pool) if kind == "cfg"]
            for i, cfg in enumerate(members):
                fport = start + i
                if fport > end:
                    break
                target = self._target(cfg, fport if common["floating_ip"] else bport)
                self.plan.nat_mappings.setdefault(pool.lower(), []).append({
                    "inboundNatRuleName": nat.get("name"), "protocol": np.get("protocol"), "frontendPort": fport,
                    "backendPort": bport, "ipConfiguration": cfg.id, "ipAddress": cfg.private_ip})
                for proto in protos:
                    self.add(Route(protocol=proto, frontend_port=fport, targets=(target,), **common))  # type: ignore[arg-type]
            return
        fport = np.get("frontendPort")
        if not isinstance(fport, int):
            return
        members = self.table.nat_members(nat.get("id", ""))
        targets = tuple(self._target(c, fport if common["floating_ip"] else bport) for c in members[:1])
        for proto in protos:
            self.add(Route(protocol=proto, frontend_port=fport, targets=targets, **common))  # type: ignore[arg-type]


def compile_plan(table: WorkloadTable, lbs: Iterable[Any], pools: Iterable[Any], nat_rules: Iterable[Any],
                 pips: Iterable[Any], offset: int = 0) -> Plan:
    """From store records (``id``, ``body``) of LBs, pools, NAT rules and public IPs."""
    lb_map = {r.id.lower(): r.body for r in lbs}
    comp = _Compiler(table, {r.id.lower(): r.body for r in pools},
                     {r.id.lower(): r.body for r in sorted(nat_rules, key=lambda r: getattr(r, "seq", 0))},
                     {r.id.lower(): r.body for r in pips}, lb_map, offset)
    for lb_id, body in lb_map.items():
        comp.compile_lb(lb_id, body)
    return comp.plan
