"""Reachability matrix: for one destination port and protocol, which subnets
(or NICs) can reach which, with the deciding rule or route for each pair that
cannot.

Each endpoint is one address: a NIC's primary IP, or for a subnet its first
NIC's IP (its lowest), or when it has no NIC the subnet's first usable
address (network + 4) standing for any future VM. A subnet's own cell (the
diagonal) is traffic within the subnet: from a stand-in neighbour at the next
address (subnet NSG only) to the endpoint. Source port: ``source_port``
(an ephemeral port by default).

Fast path: every NSG is filtered once per endpoint to the rules that can match
it (protocol, ports, the endpoint's own address and ASGs), then painted into a
``RangeMap`` over the other side's addresses; identical filtered rule lists
share one map and one column of answers. Routes come from each subnet's
compiled LPM map. Pairs routed through a virtual appliance fall back to the
full hop-by-hop trace."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from ..netmodel import Acl, IpConfig, NetworkModel, Rule, Subnet
from ..netmodel.addr import Range, RangeMap, format_ip
from .security import Packet
from .trace import ACCEPTED, DENIED_IN, DENIED_OUT, EXITS_NETWORK, NEIGHBOR_UNREACHABLE, NULL_ROUTED, trace

SELF = "SELF"


@dataclass(slots=True)
class Endpoint:
    name: str
    id: str
    ip: int
    cfg: IpConfig
    subnet: Subnet
    vnet_key: str
    real: bool  # False: a subnet's representative address, no NIC behind it


@dataclass(slots=True)
class Cell:
    disposition: str
    detail: str | None = None  # deciding "nsg: securityRules/X" or route

    @property
    def reachable(self) -> bool:
        return self.disposition in (ACCEPTED, SELF)


@dataclass(slots=True)
class Matrix:
    port: int
    protocol: str
    endpoints: list[Endpoint]
    cells: list[list[Cell]]

    def to_json(self) -> dict[str, Any]:
        names = [e.name for e in self.endpoints]
        pairs = []
        for i, row in enumerate(self.cells):
            for j, c in enumerate(row):
                pairs.append({"source": names[i], "destination": names[j], "reachable": c.reachable,
                              "disposition": c.disposition, "decidingRule": c.detail})
        return {"port": self.port, "protocol": self.protocol,
                "endpoints": [{"name": e.name, "id": e.id, "address": format_ip(e.ip)} for e in self.endpoints],
                "pairs": pairs}

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["source", "destination", "reachable", "disposition", "deciding_rule"])
        for i, row in enumerate(self.cells):
            for j, c in enumerate(row):
                w.writerow([self.endpoints[i].name, self.endpoints[j].name, "yes" if c.reachable else "no",
                            c.disposition, c.detail or ""])
        return buf.getvalue()

    def to_table(self) -> str:
        """A grid (Y reachable, . not) plus the deciding rule of each pair that is not."""
        names = [e.name for e in self.endpoints]
        width = max((len(n) for n in names), default=4)
        lines = [f"{self.protocol} port {self.port}: rows are sources, columns destinations (index)"]
        lines.append(" " * (width + 1) + " ".join(f"{j:>3}" for j in range(len(names))))
        for i, row in enumerate(self.cells):
            marks = " ".join(f"{'Y' if c.reachable else '.':>3}" for c in row)
            lines.append(f"{names[i]:<{width}} {marks}  [{i}]")
        denied = [(i, j, c) for i, row in enumerate(self.cells) for j, c in enumerate(row) if not c.reachable]
        if denied:
            lines.append("")
            lines.append("not reachable:")
            for i, j, c in denied:
                lines.append(f"  {names[i]} -> {names[j]}: {c.disposition} {c.detail or ''}".rstrip())
        return "\n".join(lines)


def endpoints(model: NetworkModel, scope: str = "subnets") -> list[Endpoint]:
    out: list[Endpoint] = []
    if scope == "nics":
        for nic in sorted(model.nics.values(), key=lambda n: n.id.lower()):
            c = nic.primary_ipconfig
            sub = model.subnets.get(c.subnet_key or "") if c else None
            if c is not None and c.ip is not None and sub is not None:
                out.append(Endpoint(nic.name, nic.id, c.ip, c, sub, sub.vnet_key, True))
        return out
    first: dict[str, IpConfig] = {}
    for c in model.ipconfigs.values():
        if c.ip is not None and c.subnet_key and (c.subnet_key not in first or c.ip < (first[c.subnet_key].ip or 0)):
            first[c.subnet_key] = c
    for sub in sorted(model.subnets.values(), key=lambda s: s.id.lower()):
        if not sub.prefixes:
            continue
        vnet = model.vnets.get(sub.vnet_key)
        name = f"{vnet.name}/{sub.name}" if vnet else sub.name
        c = first.get(sub.key)
        if c is not None:
            out.append(Endpoint(name, sub.id, c.ip or 0, c, sub, sub.vnet_key, True))
        else:
            ip = sub.prefixes[0].lo + 4
            rep = IpConfig(f"{sub.key}#representative", sub.id, sub.name, "", ip, format_ip(ip), sub.key,
                           frozenset(), None, (), True)
            out.append(Endpoint(name, sub.id, ip, rep, sub, sub.vnet_key, False))
    return out


def _chain(model: NetworkModel, e: Endpoint, direction: str) -> list[Acl]:
    sub_acl = model.acls.get(e.subnet.nsg_key or "")
    nic = model.nics.get(e.cfg.nic_key) if e.real else None
    nic_acl = model.acls.get(nic.nsg_key or "") if nic else None
    chain = [a for a in (sub_acl, nic_acl) if a is not None]
    return chain if direction == "Inbound" else chain[::-1]


class _Columns:
    """Answers of filtered rule lists over a fixed list of addresses, shared between endpoints."""

    def __init__(self, model: NetworkModel, proto: str, sport: int, dport: int) -> None:
        self.model, self.proto, self.sport, self.dport = model, proto, sport, dport
        self.asg_ranges: dict[str, list[Range]] = model.asg_ranges()
        self.cache: dict[tuple[Any, ...], list[Rule | None]] = {}

    def column(self, acl: Acl, direction: str, me: Endpoint, others: list[int], tag: str) -> list[Rule | None]:
        space = self.model.vnet_space(me.vnet_key)
        rules = []
        for r in acl.rules(direction):
            if not r.matches_proto_ports(self.proto, self.sport, self.dport):
                continue
            mine = r.src if direction == "Outbound" else r.dst
            if mine.matches(me.ip, me.cfg.asgs, space):
                rules.append(r)
        key = (tag, acl.key, direction, me.vnet_key, tuple(id(r) for r in rules))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        items = []
        for r in rules:
            theirs = r.dst if direction == "Outbound" else r.src
            items.append((theirs.concrete(space, self.asg_ranges), r))
        m = RangeMap.build(items)
        col = m.get_sorted(others)
        self.cache[key] = col
        return col


def _first_deny(model: NetworkModel, cols: _Columns, me: Endpoint, direction: str, others: list[int],
                disposition: str, interned: dict[tuple[str, str | None], Cell]) -> list[Cell | None]:
    """Per other endpoint: None when every NSG on ``me``'s side allows, else the Cell naming the deciding rule."""
    out: list[Cell | None] | None = None
    for acl in _chain(model, me, direction):
        col = cols.column(acl, direction, me, others, "tag")
        verdicts: dict[Rule | None, Cell | None] = {}
        for r in set(col):
            if r is not None and r.allow:
                verdicts[r] = None
            else:
                label = f"{acl.name}: {r.display if r else 'no rule matched'}"
                c = interned.get((disposition, label))
                if c is None:
                    c = interned[(disposition, label)] = Cell(disposition, label)
                verdicts[r] = c
        if out is None:
            out = [verdicts[r] for r in col]
        else:
            out = [o if o is not None else verdicts[r] for o, r in zip(out, col, strict=True)]
    return out if out is not None else [None] * len(others)


def reachability_matrix(model: NetworkModel, port: int, protocol: str = "Tcp", scope: str = "subnets",
                        source_port: int = 49152, only: list[str] | None = None) -> Matrix:
    """Endpoints come out sorted by address."""
    proto = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp"}.get(protocol.lower(), protocol)
    eps = endpoints(model, scope)
    if only:
        wanted = {o.lower() for o in only}
        eps = [e for e in eps if e.name.lower() in wanted or e.id.lower() in wanted]
    eps.sort(key=lambda e: (e.ip, e.name))
    ips = [e.ip for e in eps]
    cols = _Columns(model, proto, source_port, port)
    extra = {e.ip: e.cfg for e in eps if not e.real}
    interned: dict[tuple[str, str | None], Cell] = {}
    out_deny = [_first_deny(model, cols, e, "Outbound", ips, DENIED_OUT, interned) for e in eps]
    in_deny = [_first_deny(model, cols, e, "Inbound", ips, DENIED_IN, interned) for e in eps]
    route_cols: dict[str, list[Any]] = {}
    accepted = Cell(ACCEPTED)

    def cell(disposition: str, detail: str | None) -> Cell:
        c = interned.get((disposition, detail))
        if c is None:
            c = interned[(disposition, detail)] = Cell(disposition, detail)
        return c

    kinds: dict[tuple[int, str, str], Cell | None] = {}  # (route, src vnet, dst vnet) -> Cell, or None: deliver
    vnets = [e.vnet_key for e in eps]
    same: dict[int, list[int]] = {}
    for j, ip in enumerate(ips):
        same.setdefault(ip, []).append(j)
    same = {ip: js for ip, js in same.items() if len(js) > 1}
    cells: list[list[Cell]] = []
    for i, s in enumerate(eps):
        rc = route_cols.get(s.subnet.key)
        if rc is None:
            routes = model.subnet_routes(s.subnet.key)
            rc = (routes.lpm if routes else RangeMap.build([])).get_sorted(ips)
            route_cols[s.subnet.key] = rc
        od = out_deny[i]
        row: list[Cell] = [o if o is not None else accepted for o in od]
        sv = s.vnet_key
        for j in [j for j, o in enumerate(od) if o is None]:
            r = rc[j]
            kk = (id(r), sv, vnets[j])
            if kk in kinds:
                k = kinds[kk]
            else:
                k = kinds[kk] = _route_kind(model, r, sv, vnets[j])
            if k is None:
                idn = in_deny[j][i]
                if idn is not None:
                    row[j] = idn
            elif k is _TRACE:
                tr = trace(model, s.cfg, Packet(proto, s.ip, source_port, eps[j].ip, port), extra)
                row[j] = cell(tr.disposition, tr.deciding_rule or tr.reason)
            else:
                row[j] = k
        if scope == "nics":
            row[i] = Cell(SELF)
        else:  # within the subnet: from a stand-in neighbour (next address, subnet NSG only) to the endpoint
            peer = IpConfig(f"{s.subnet.key}#neighbour", s.subnet.id, s.subnet.name, "", s.ip + 1,
                            format_ip(s.ip + 1), s.subnet.key, frozenset(), None, (), True)
            tr = trace(model, peer, Packet(proto, s.ip + 1, source_port, s.ip, port), extra)
            row[i] = cell(tr.disposition, tr.deciding_rule or ("within the subnet" if tr.reachable else tr.reason))
        for j in same.get(s.ip, ()):  # another endpoint at the very same address
            if j != i:
                row[j] = cell(ACCEPTED, "same address")
        cells.append(row)
    return Matrix(port, proto, eps, cells)


_TRACE = Cell("TRACE")


def _route_kind(model: NetworkModel, r: Any, sv: str, dv: str) -> Cell | None:
    """How a route treats traffic from VNet ``sv`` to an endpoint in ``dv``: None (delivered: inbound
    NSGs decide), _TRACE (through an appliance: trace it), or the final Cell."""
    t = r.next_hop_type if r is not None else None
    if t is None:
        return Cell("NO_ROUTE")
    if t == "None":
        return Cell(NULL_ROUTED, f"{r.source} route {r.prefixes[0].text}" + (f" ({r.name})" if r.name else ""))
    if t == "VnetLocal":
        return None if dv == sv else Cell(NEIGHBOR_UNREACHABLE, "VnetLocal route does not lead to that VNet")
    if t in ("VNetPeering", "VNetGlobalPeering"):
        if r.remote_vnet_key != dv:
            return Cell(NEIGHBOR_UNREACHABLE, f"{t} route does not lead to that VNet")
        return None if _peer_ok(model, sv, dv) else Cell(DENIED_OUT, "peering does not allow virtual network access")
    if t == "VirtualAppliance":
        return _TRACE
    return Cell(EXITS_NETWORK, f"{r.source} route {r.prefixes[0].text} -> {t}")


def _peer_ok(model: NetworkModel, a: str, b: str) -> bool:
    for x, y in ((a, b), (b, a)):
        v = model.vnets.get(x)
        p = next((p for p in v.peerings if p.remote_key == y), None) if v else None
        if p is not None and not p.allow_vnet_access:
            return False
    return True


def render(m: Matrix, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(m.to_json(), indent=2)
    if fmt == "csv":
        return m.to_csv()
    return m.to_table()
