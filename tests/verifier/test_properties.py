"""Property-based tests: the compiled evaluators (interval maps, LPM painting,
the matrix fast path) against small brute-force references on random networks
and random packets."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aznet.netmodel import NetworkModel
from aznet.netmodel.addr import format_ip, parse_ip
from aznet.verifier.matrix import reachability_matrix
from aznet.verifier.security import Packet
from aznet.verifier.trace import trace

from .builders import Net

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def prefixes_in(base: str, min_len: int, max_len: int) -> st.SearchStrategy[str]:
    net = ipaddress.ip_network(base)
    return st.builds(
        lambda plen, n: str(ipaddress.ip_network(f"{net.network_address + (n % net.num_addresses)}/{plen}",
                                                 strict=False)),
        st.integers(min_len, max_len), st.integers(0, net.num_addresses - 1))


addresses = st.one_of(
    st.integers(0, 2**16 - 1).map(lambda n: str(ipaddress.ip_address("10.0.0.0") + n)),
    st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.ip_address(n))),
    st.sampled_from(["10.1.2.3", "172.16.0.9", "192.168.4.4", "100.64.1.1", "8.8.8.8", "168.63.129.16"]))

# -- routing: LPM, states and tie-break ---------------------------------------------------------

HOPS = ["VnetLocal", "None", "Internet", "VirtualAppliance"]
route_strategy = st.lists(st.tuples(st.one_of(prefixes_in("10.0.0.0/8", 8, 28), prefixes_in("0.0.0.0/0", 0, 16),
                                              st.just("0.0.0.0/0")), st.sampled_from(HOPS)), max_size=8)


def reference_next_hop(vnet_prefixes: list[str], user: list[tuple[str, str]], ip: str) -> str | None:
    a = ipaddress.ip_address(ip)
    nets = {p: ipaddress.ip_network(p) for p, _ in user}
    user_nets = {nets[p] for p, _ in user}
    system = [(ipaddress.ip_network(p), "VnetLocal") for p in vnet_prefixes]
    system.append((ipaddress.ip_network("0.0.0.0/0"), "Internet"))
    if ipaddress.ip_network("0.0.0.0/0") not in user_nets:
        for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"):
            rn = ipaddress.ip_network(r)
            if not any(rn.subnet_of(ipaddress.ip_network(p)) for p in vnet_prefixes):
                system.append((rn, "None"))
    cands = [(n.prefixlen, 0, hop) for p, hop in user for n in [nets[p]] if a in n]
    cands += [(n.prefixlen, 1, hop) for n, hop in system if a in n and n not in user_nets]
    if not cands:
        return None
    best = max(c[0] for c in cands)
    return min((c for c in cands if c[0] == best), key=lambda c: c[1])[2]


@SETTINGS
@given(vnet=st.lists(prefixes_in("10.0.0.0/8", 12, 20), min_size=1, max_size=3), user=route_strategy,
       ips=st.lists(addresses, min_size=1, max_size=20))
def test_route_lookup_matches_reference(vnet: list[str], user: list[tuple[str, str]], ips: list[str]) -> None:
    vnet = list(dict.fromkeys(str(ipaddress.ip_network(p)) for p in vnet))
    nets = [ipaddress.ip_network(p) for p in vnet]
    vnet = [str(n) for n in nets if not any(n != m and n.overlaps(m) for m in nets)] or [vnet[0]]
    seen: set[str] = set()
    user = [(p, h) for p, h in user if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]
    net = Net()
    net.route_table("rt", [(f"r{i}", p, h, "10.0.0.4" if h == "VirtualAppliance" else None)
                           for i, (p, h) in enumerate(user)])
    first = ipaddress.ip_network(vnet[0])
    sub = str(next(first.subnets(new_prefix=min(first.prefixlen + 4, 28))))
    net.vnet("v", vnet, {"s": {"prefix": sub, "rt": "rt"}})
    model = NetworkModel.build(net.resources)
    routes = model.subnet_routes(next(iter(model.subnets)))
    assert routes is not None
    for ip in ips:
        got = routes.lookup(parse_ip(ip))
        assert (got.next_hop_type if got else None) == reference_next_hop(vnet, user, ip), ip


# -- NSG evaluation -----------------------------------------------------------------------------

VNET_SPACE = ["10.0.0.0/16"]
NOT_PUBLIC = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4"]
addr_field = st.one_of(st.just("*"), st.just("VirtualNetwork"), st.just("Internet"), st.just("AzureLoadBalancer"),
                       prefixes_in("10.0.0.0/16", 16, 32), prefixes_in("0.0.0.0/0", 1, 24),
                       st.lists(prefixes_in("10.0.0.0/16", 20, 32), min_size=2, max_size=3))
port_field = st.one_of(st.just("*"), st.integers(0, 65535).map(str),
                       st.tuples(st.integers(0, 65535), st.integers(0, 2000)).map(
                           lambda t: f"{t[0]}-{min(65535, t[0] + t[1])}"),
                       st.lists(st.integers(20, 30).map(str), min_size=2, max_size=3, unique=True))
rule_strategy = st.tuples(st.sampled_from(["Allow", "Deny"]), st.sampled_from(["*", "Tcp", "Udp"]), addr_field,
                          port_field, addr_field, port_field)


def _in_addr(field: Any, ip: str) -> bool:
    a = ipaddress.ip_address(ip)
    for f in field if isinstance(field, list) else [field]:
        if f == "*":
            return True
        if f == "VirtualNetwork":
            if any(a in ipaddress.ip_network(p) for p in VNET_SPACE + ["168.63.129.16/32"]):
                return True
        elif f == "Internet":  # public IPv4 space: everything but these blocks
            if not any(a in ipaddress.ip_network(p) for p in NOT_PUBLIC):
                return True
        elif f == "AzureLoadBalancer":
            if ip == "168.63.129.16":
                return True
        elif a in ipaddress.ip_network(f):
            return True
    return False


def _in_port(field: Any, port: int) -> bool:
    for f in field if isinstance(field, list) else [field]:
        if f == "*":
            return True
        lo, _, hi = f.partition("-")
        if int(lo) <= port <= int(hi or lo):
            return True
    return False


def reference_nsg(rules: list[tuple[Any, ...]], direction: str, proto: str, src: str, sport: int, dst: str,
                  dport: int) -> str:
    table = [(100 + i, f"securityRules/r{i}", *r) for i, r in enumerate(rules)]
    defaults = {"Inbound": [(65000, "defaultSecurityRules/AllowVnetInBound", "Allow", "*", "VirtualNetwork", "*",
                             "VirtualNetwork", "*"),
                            (65001, "defaultSecurityRules/AllowAzureLoadBalancerInBound", "Allow", "*",
                             "AzureLoadBalancer", "*", "*", "*"),
                            (65500, "defaultSecurityRules/DenyAllInBound", "Deny", "*", "*", "*", "*", "*")],
                "Outbound": [(65000, "defaultSecurityRules/AllowVnetOutBound", "Allow", "*", "VirtualNetwork", "*",
                              "VirtualNetwork", "*"),
                             (65001, "defaultSecurityRules/AllowInternetOutBound", "Allow", "*", "*", "*",
                              "Internet", "*"),
                             (65500, "defaultSecurityRules/DenyAllOutBound", "Deny", "*", "*", "*", "*", "*")]}
    for _prio, name, access, p, sa, sp, da, dp in sorted(table, key=lambda r: r[0]) + defaults[direction]:
        if p not in ("*", proto):
            continue
        if _in_addr(sa, src) and _in_port(sp, sport) and _in_addr(da, dst) and _in_port(dp, dport):
            return f"{access}:{name}"
    raise AssertionError("the defaults always match")


@SETTINGS
@given(rules=st.lists(rule_strategy, max_size=10), direction=st.sampled_from(["Inbound", "Outbound"]),
       proto=st.sampled_from(["Tcp", "Udp"]), packets=st.lists(
           st.tuples(addresses, st.integers(0, 65535), addresses, st.integers(0, 65535)), min_size=1, max_size=15))
def test_nsg_evaluation_matches_reference(rules: list[tuple[Any, ...]], direction: str, proto: str,
                                          packets: list[tuple[str, int, str, int]]) -> None:
    net = Net()
    net.nsg("nsg", [(f"r{i}", 100 + i, direction, a, p, sa, sp, da, dp) for i, (a, p, sa, sp, da, dp) in enumerate(rules)])
    net.vnet("v", VNET_SPACE, {"s": {"prefix": "10.0.0.0/24", "nsg": "nsg"}})
    model = NetworkModel.build(net.resources)
    acl = next(iter(model.acls.values()))
    space = model.vnet_space(next(iter(model.vnets)))
    for src, sport, dst, dport in packets:
        r = acl.evaluate(direction, proto, parse_ip(src), sport, parse_ip(dst), dport, frozenset(), frozenset(), space)
        assert r is not None
        assert f"{r.access}:{r.display}" == reference_nsg(rules, direction, proto, src, sport, dst, dport)


# -- the matrix fast path agrees with the hop-by-hop trace -------------------------------------

small_rule = st.tuples(st.sampled_from(["Allow", "Deny"]), st.sampled_from(["Inbound", "Outbound"]),
                       st.sampled_from(["*", "Tcp"]), st.sampled_from(["*", "VirtualNetwork", "10.0.1.0/24",
                                                                       "10.0.2.0/24", "10.1.0.0/16", "10.0.0.4"]),
                       st.sampled_from(["*", "VirtualNetwork", "10.0.1.0/24", "10.0.3.0/24", "10.1.0.4"]),
                       st.sampled_from(["*", "22", "80", "20-30"]))


@SETTINGS
@given(nsgs=st.lists(st.lists(small_rule, max_size=5), min_size=3, max_size=3),
       placement=st.lists(st.sampled_from([None, 0, 1, 2]), min_size=8, max_size=8),
       peered=st.booleans(), drop=st.booleans(), port=st.sampled_from([22, 80]))
def test_matrix_matches_trace(nsgs: list[list[tuple[Any, ...]]], placement: list[int | None], peered: bool,
                              drop: bool, port: int) -> None:
    net = Net()
    for n, rules in enumerate(nsgs):
        net.nsg(f"nsg{n}", [(f"r{i}", 100 + i, d, a, p, sa, "*", da, dp) for i, (a, d, p, sa, da, dp) in enumerate(rules)])
    if drop:
        net.route_table("rt", [("drop", "10.0.3.0/24", "None", None)])
    subs = {f"s{i}": {"prefix": f"10.0.{i}.0/24", "nsg": f"nsg{placement[i]}" if placement[i] is not None else None,
                      "rt": "rt" if drop and i == 1 else None} for i in range(4)}
    net.vnet("v1", ["10.0.0.0/16"], subs, peerings=[net.peering("p", "v2")] if peered else None)
    net.vnet("v2", ["10.1.0.0/16"], {"t0": {"prefix": "10.1.0.0/24", "nsg": f"nsg{placement[4]}"
                                            if placement[4] is not None else None}},
             peerings=[net.peering("p", "v1")] if peered else None)
    for i in range(4):
        nsg = placement[5 + i % 3]
        net.nic(f"n{i}", "v1", f"s{i}", f"10.0.{i}.4", nsg=f"nsg{nsg}" if nsg is not None else None)
    net.nic("m0", "v2", "t0", "10.1.0.4")
    model = NetworkModel.build(net.resources)
    m = reachability_matrix(model, port, "Tcp", scope="nics")
    for i, s in enumerate(m.endpoints):
        for j, d in enumerate(m.endpoints):
            if i == j:
                continue
            t = trace(model, s.cfg, Packet("Tcp", s.ip, 49152, d.ip, port))
            assert m.cells[i][j].reachable == t.reachable, (s.name, d.name, m.cells[i][j], t.disposition, t.reason)
            assert m.cells[i][j].disposition == t.disposition, (s.name, d.name, format_ip(d.ip))
