"""BGP-learned routes in the network model: Azure's choice between ExpressRoute, VPN and NVA paths
(hubRoutingPreference, AS path length, ECMP), and their place in a subnet's effective routes."""

from __future__ import annotations

from aznet.netmodel import NetworkModel
from aznet.netmodel.bgp_routes import LEARNED_TYPE, LearnedRoute, select_best
from aznet.netmodel.model import Change
from tests.verifier.builders import Net


def _r(prefix: str, source: str, path: tuple[int, ...], hop: str = "10.9.9.9", gw: str = "gw") -> LearnedRoute:
    return LearnedRoute(prefix, hop, path, source, hop, gw)


def test_expressroute_is_preferred_by_default_even_with_a_longer_as_path():
    er = _r("10.50.0.0/16", "ExpressRoute", (12076, 65020, 65020, 65020))
    vpn = _r("10.50.0.0/16", "VpnGateway", (65050,))
    assert select_best([vpn, er]) == [er]
    assert select_best([vpn, er], "VpnGateway") == [vpn]
    assert select_best([vpn, er], "ASPath") == [vpn]


def test_between_vpn_and_nva_the_shorter_as_path_wins_and_ties_are_ecmp():
    vpn = _r("10.50.0.0/16", "VpnGateway", (65050, 65050))
    nva1 = _r("10.50.0.0/16", "RouteServer", (65001,), hop="10.0.0.4")
    nva2 = _r("10.50.0.0/16", "RouteServer", (65002,), hop="10.0.0.5")
    assert select_best([vpn, nva1, nva2]) == [nva1, nva2]
    prepended = _r("10.50.0.0/16", "RouteServer", (65001, 65001, 65001), hop="10.0.0.4")
    assert select_best([vpn, prepended]) == [vpn]


def _learned(owner: str, vnet: str, routes: tuple[LearnedRoute, ...], preference: str = "ExpressRoute") -> Change:
    lid = f"{owner}/providers/aznet.bgp/learnedRoutes/default"
    return Change("put", lid, LEARNED_TYPE, {"id": lid, "learned": routes, "vnet": vnet, "preference": preference})


def test_learned_routes_enter_effective_routes_and_leave_on_delete():
    net = Net()
    vnet = net.vnet("hub", ["10.0.0.0/16"], {"web": {"prefix": "10.0.1.0/24"}})
    model = NetworkModel.build(net.resources)
    sub = net.subnet("hub", "web").lower()
    rs = net.rid("virtualHubs", "rs")
    nva = LearnedRoute("10.100.0.0/16", "10.0.1.10", (65001,), "RouteServer", "10.0.1.10", rs.lower())
    own = LearnedRoute("10.0.0.0/16", "10.0.1.10", (65001,), "RouteServer", "10.0.1.10", rs.lower())
    model.apply([_learned(rs, vnet, (nva, own))])
    routes = model.subnet_routes(sub)
    assert routes is not None
    bgp = [r for r in routes.routes if r.source == "VirtualNetworkGateway"]
    got = {r.prefixes[0].text: (r.next_hop_type, r.next_hop_ips, r.state) for r in bgp}
    assert got["10.100.0.0/16"] == ("VirtualNetworkGateway", ["10.0.1.10"], "Active")
    assert got["10.0.0.0/16"][2] == "Invalid"          # never over the VNet's own prefix
    hit = routes.lookup(int.from_bytes(bytes([10, 100, 3, 4]), "big"))
    assert hit is not None and hit.next_hop_ips == ["10.0.1.10"]
    model.apply([Change("delete", f"{rs}/providers/aznet.bgp/learnedRoutes/default", LEARNED_TYPE, None)])
    routes = model.subnet_routes(sub)
    assert routes is not None and not [r for r in routes.routes if r.source == "VirtualNetworkGateway"]
