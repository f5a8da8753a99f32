"""NSG evaluation as Azure does it, and the ``ipFlowVerify`` answerer.

Inbound: the subnet's NSG, then the NIC's; outbound: the NIC's, then the
subnet's. Each NSG's rules in priority order, first match decides; a deny
stops evaluation; with no NSG on either level traffic is allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..netmodel import Acl, IpConfig, NetworkModel, Rule
from ..netmodel.addr import IntervalSet
from . import params

PROTO_WIRE = {"TCP": "Tcp", "UDP": "Udp", "ICMP": "Icmp", "*": "*"}


@dataclass(slots=True)
class NsgStep:
    acl: Acl
    applied_to: str  # subnet or NIC id
    level: str  # "subnet" | "nic"
    rule: Rule | None

    @property
    def allowed(self) -> bool:
        return self.rule is not None and self.rule.allow


@dataclass(slots=True)
class Packet:
    proto: str  # Tcp Udp Icmp
    src: int
    sport: int | None
    dst: int
    dport: int | None


def nsg_chain(model: NetworkModel, cfg: IpConfig, direction: str) -> list[tuple[Acl, str, str]]:
    sacl, nacl = model.nsgs_for(cfg)
    sub = model.subnets.get(cfg.subnet_key or "")
    nic = model.nics.get(cfg.nic_key)
    chain: list[tuple[Acl, str, str]] = []
    if sacl is not None and sub is not None:
        chain.append((sacl, sub.id, "subnet"))
    if nacl is not None and nic is not None:
        chain.append((nacl, nic.id, "nic"))
    return chain if direction == "Inbound" else chain[::-1]


def asgs_of_ip(model: NetworkModel, ip: int, vnet_key: str | None) -> frozenset[str]:
    c = model.ipconfig_at(ip, vnet_key)
    return c.asgs if c is not None else frozenset()


def evaluate(model: NetworkModel, cfg: IpConfig, direction: str, pkt: Packet,
             vnet_space: IntervalSet | None = None) -> list[NsgStep]:
    """The NSGs ``cfg``'s traffic meets in ``direction``, in Azure's order, up to the first deny."""
    vnet_key = model.subnet_vnet(cfg.subnet_key)
    space = vnet_space if vnet_space is not None else model.vnet_space(vnet_key)
    if direction == "Inbound":
        src_asgs, dst_asgs = asgs_of_ip(model, pkt.src, vnet_key), cfg.asgs
    else:
        src_asgs, dst_asgs = cfg.asgs, asgs_of_ip(model, pkt.dst, vnet_key)
    steps: list[NsgStep] = []
    for acl, applied, level in nsg_chain(model, cfg, direction):
        rule = acl.evaluate(direction, pkt.proto, pkt.src, pkt.sport, pkt.dst, pkt.dport, src_asgs, dst_asgs, space)
        steps.append(NsgStep(acl, applied, level, rule))
        if rule is None or not rule.allow:
            break
    return steps


def verdict(steps: list[NsgStep]) -> tuple[bool, NsgStep | None]:
    """(allowed, the deciding step: the deny, or the last allow; None when no NSG applies)."""
    if not steps:
        return True, None
    last = steps[-1]
    return last.allowed, last


def ip_flow_verify(model: NetworkModel, body: dict[str, Any]) -> dict[str, Any]:
    """``networkWatchers/{nw}/ipFlowVerify``: VerificationIPFlowParameters -> VerificationIPFlowResult."""
    target = params.resource_id(body, "targetResourceId")
    assert target is not None
    direction = params.enum(body, "direction", ["Inbound", "Outbound"])
    proto = params.enum(body, "protocol", ["TCP", "UDP"])
    local_port = params.port(body, "localPort")
    remote_port = params.port(body, "remotePort")
    local = params.ip(body, "localIPAddress")
    remote = params.ip(body, "remoteIPAddress")
    nic_id = params.resource_id(body, "targetNicResourceId", required=False)
    assert local is not None and remote is not None and direction is not None and proto is not None
    _, nics = params.target_nics(model, target, nic_id)
    cfg = params.ipconfig_with(nics, local[0], local[1], "localIPAddress", target)
    if direction == "Inbound":
        pkt = Packet(PROTO_WIRE[proto], remote[0], remote_port, local[0], local_port)
    else:
        pkt = Packet(PROTO_WIRE[proto], local[0], local_port, remote[0], remote_port)
    allowed, step = verdict(evaluate(model, cfg, direction, pkt))
    out: dict[str, Any] = {"access": "Allow" if allowed else "Deny"}
    if step is not None and step.rule is not None:
        out["ruleName"] = step.rule.display
    return out
