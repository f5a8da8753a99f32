"""NAT on a VPN gateway in the network model and the verifier, on Azure's example ("About NAT on VPN Gateway",
diagram 1): a VNet and two branches all on 10.0.1.0/24; EgressSnat VNet 10.0.1.0/24 -> 100.0.1.0/24 on both
connections, IngressSnat Branch1 -> 100.0.2.0/24 (static) and Branch2 -> 100.0.3.0/26 (dynamic). Effective routes
show the post-NAT prefixes, the trace translates the packet (or drops it towards a dynamic pool), and BGP
routes are translated only with enableBgpRouteTranslationForNat."""

from __future__ import annotations

import ipaddress
from typing import Any

from aznet.netmodel import NetworkModel
from aznet.netmodel.addr import try_ip
from aznet.netmodel.bgp_routes import LEARNED_TYPE, LearnedRoute
from aznet.netmodel.model import Change
from aznet.netmodel.vpn_nat import Mapping, translate_prefix
from aznet.verifier.connectivity import connectivity_check
from aznet.verifier.security import Packet
from aznet.verifier.trace import EXITS_NETWORK, NAT_DROPPED, trace
from tests.verifier.builders import Net


def _m(internal: str, external: str, static: bool = True) -> Mapping:
    return Mapping("r", "rid", ipaddress.ip_network(internal), ipaddress.ip_network(external), static)


def test_prefix_translation():
    assert translate_prefix("10.0.1.0/24", [_m("10.0.1.0/24", "100.0.2.0/24")]) == ["100.0.2.0/24"]
    assert translate_prefix("10.0.1.128/25", [_m("10.0.1.0/24", "100.0.2.0/24")]) == ["100.0.2.128/25"]
    assert translate_prefix("10.0.1.0/24", [_m("10.0.1.0/24", "100.0.3.0/26", static=False)]) == ["100.0.3.0/26"]
    # a larger prefix: the mapped part translated, the rest kept as it is
    assert sorted(translate_prefix("10.0.0.0/23", [_m("10.0.1.0/24", "100.0.2.0/24")])) == [
        "10.0.0.0/24", "100.0.2.0/24"]
    assert translate_prefix("192.168.0.0/24", [_m("10.0.1.0/24", "100.0.2.0/24")]) == ["192.168.0.0/24"]
    assert translate_prefix("192.168.0.0/24", []) == ["192.168.0.0/24"]


def _ip(text: str) -> int:
    x = try_ip(text)
    assert x is not None
    return x


def _lab(translate: bool = False) -> tuple[Net, list[dict[str, Any]]]:
    net = Net()
    net.vnet("VNet", ["10.0.1.0/24", "10.0.200.0/24"], {"web": {"prefix": "10.0.1.0/25"},
                                                         "GatewaySubnet": {"prefix": "10.0.200.0/27"}})
    net.nic("web-nic", "VNet", "web", "10.0.1.4", vm="web")
    net.vm("web", ["web-nic"])
    gw = net.rid("Microsoft.Network/virtualNetworkGateways", "gw")
    net.add("Microsoft.Network/publicIPAddresses", "gwpip", {"ipAddress": "20.1.1.1"})
    net.add("Microsoft.Network/virtualNetworkGateways", "gw", {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "enableBgp": True, "enableBgpRouteTranslationForNat": translate,
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": net.subnet("VNet", "GatewaySubnet")},
            "publicIPAddress": {"id": net.rid("Microsoft.Network/publicIPAddresses", "gwpip")}}}]})

    def rule(name: str, mode: str, internal: str, external: str, kind: str = "Static") -> str:
        body = {"id": f"{gw}/natRules/{name}", "name": name, "type": "Microsoft.Network/virtualNetworkGateways/natRules",
                "properties": {"type": kind, "mode": mode, "internalMappings": [{"addressSpace": internal}],
                               "externalMappings": [{"addressSpace": external}]}}
        net.resources.append(body)
        return body["id"]
    vnet_rule = rule("VNet", "EgressSnat", "10.0.1.0/24", "100.0.1.0/24")
    b1 = rule("Branch1", "IngressSnat", "10.0.1.0/24", "100.0.2.0/24")
    b2 = rule("Branch2", "IngressSnat", "10.0.1.0/24", "100.0.3.0/26", "Dynamic")
    for i, (branch, ingress) in enumerate((("Branch1", b1), ("Branch2", b2))):
        net.add("Microsoft.Network/localNetworkGateways", branch, {
            "gatewayIpAddress": f"203.0.113.{10 + i}", "localNetworkAddressSpace": {"addressPrefixes": ["10.0.1.0/24"]},
            "bgpSettings": {"asn": 65050 + i, "bgpPeeringAddress": f"100.0.{2 + i}.250"}})
        net.add("Microsoft.Network/connections", f"to{branch}", {
            "connectionType": "IPsec", "virtualNetworkGateway1": {"id": gw}, "enableBgp": True,
            "localNetworkGateway2": {"id": net.rid("Microsoft.Network/localNetworkGateways", branch)},
            "ingressNatRules": [{"id": ingress}], "egressNatRules": [{"id": vnet_rule}]})
    return net, net.resources


def _gateway_routes(model: NetworkModel, net: Net) -> dict[str, str]:
    routes = model.subnet_routes(net.subnet("VNet", "web").lower())
    assert routes is not None
    return {p.text: r.state for r in routes.routes if r.source == "VirtualNetworkGateway" for p in r.prefixes}


def test_effective_routes_show_the_post_nat_prefixes():
    net, resources = _lab()
    model = NetworkModel.build(resources)
    assert _gateway_routes(model, net) == {"100.0.2.0/24": "Active", "100.0.3.0/26": "Active"}
    routes = model.subnet_routes(net.subnet("VNet", "web").lower())
    assert routes is not None
    hit = routes.lookup(_ip("10.0.1.50"))
    assert hit is not None and hit.next_hop_type == "VnetLocal"      # the VNet's own 10.0.1.0/24 stays local
    hit = routes.lookup(_ip("100.0.2.9"))
    assert hit is not None and hit.next_hop_type == "VirtualNetworkGateway" and hit.next_hop_ips == ["20.1.1.1"]
    # without the connections' rules the branch prefixes are the VNet's own (Invalid beside VnetLocal)
    plain = [dict(r, properties={k: v for k, v in r["properties"].items() if not k.endswith("NatRules")})
             if r["type"] == "Microsoft.Network/connections" else r for r in resources]
    assert _gateway_routes(NetworkModel.build(plain), net) == {"10.0.1.0/24": "Invalid"}


def test_trace_translates_the_packet_at_the_gateway():
    net, resources = _lab()
    model = NetworkModel.build(resources)
    src = model.nics[net.rid("Microsoft.Network/networkInterfaces", "web-nic").lower()].ipconfigs[0]
    t = trace(model, src, Packet("Tcp", _ip("10.0.1.4"), 50000, _ip("100.0.2.9"), 443))
    assert t.disposition == EXITS_NETWORK
    gw_hop = t.hops[-1]
    assert (gw_hop.kind, gw_hop.name) == ("VirtualNetworkGateway", "gw")
    (nat,) = [s for s in gw_hop.steps if s.action == "NAT"]
    assert nat.result == "translated"
    assert "source 10.0.1.4 -> 100.0.1.4 (EgressSnat rule VNet, Static)" in nat.detail
    assert "destination 100.0.2.9 -> 10.0.1.9 (IngressSnat rule Branch1, Static)" in nat.detail
    assert "connection toBranch1" in nat.detail
    # the pool of Branch2's dynamic rule: only the branch can start traffic
    dropped = trace(model, src, Packet("Tcp", _ip("10.0.1.4"), 50000, _ip("100.0.3.9"), 443))
    assert dropped.disposition == NAT_DROPPED
    assert dropped.deciding_rule == "toBranch2: Branch2"
    # Network Watcher's connection troubleshoot: reachable through the gateway, unreachable towards the pool
    vm = net.vm_id("web")
    ok = connectivity_check(model, {"source": {"resourceId": vm}, "destination": {"address": "100.0.2.9", "port": 443}})
    assert ok["connectionStatus"] == "Reachable"
    assert ok["hops"][-1]["type"] == "VnetGateway"
    assert ok["hops"][-1]["resourceId"] == net.rid("Microsoft.Network/virtualNetworkGateways", "gw")
    bad = connectivity_check(model, {"source": {"resourceId": vm},
                                     "destination": {"address": "100.0.3.9", "port": 443}})
    assert bad["connectionStatus"] == "Unreachable"
    (issue,) = bad["hops"][-1]["issues"]
    assert "dynamic IngressSnat rule Branch2" in issue["context"][0]["value"]


def _bgp(model: NetworkModel, net: Net, peer: str, prefix: str) -> None:
    gw = net.rid("Microsoft.Network/virtualNetworkGateways", "gw")
    lid = f"{gw}/providers/aznet.bgp/learnedRoutes/default"
    route = LearnedRoute(prefix, peer, (65050,), "VpnGateway", peer, gw.lower())
    model.apply([Change("put", lid, LEARNED_TYPE, {"id": lid, "learned": (route,),
                                                   "vnet": net.rid("Microsoft.Network/virtualNetworks", "VNet")})])


def test_bgp_route_translation_only_when_enabled():
    net, resources = _lab(translate=False)
    model = NetworkModel.build(resources)
    _bgp(model, net, "100.0.2.250", "10.0.1.0/25")
    assert "10.0.1.0/25" in _gateway_routes(model, net)     # learned as announced
    nat = model.gateway_nat(net.rid("Microsoft.Network/virtualNetworkGateways", "gw").lower())
    assert nat is not None and nat.translate_advertised("100.0.2.250", "10.0.1.0/24") == ["10.0.1.0/24"]

    net, resources = _lab(translate=True)
    model = NetworkModel.build(resources)
    _bgp(model, net, "100.0.2.250", "10.0.1.0/25")
    routes = _gateway_routes(model, net)
    assert routes.get("100.0.2.0/25") == "Active" and "10.0.1.0/25" not in routes
    nat = model.gateway_nat(net.rid("Microsoft.Network/virtualNetworkGateways", "gw").lower())
    assert nat is not None
    assert nat.translate_learned("100.0.2.250", "10.0.1.0/25") == ["100.0.2.0/25"]
    assert nat.translate_learned("100.0.3.250", "10.0.1.0/24") == ["100.0.3.0/26"]
    assert nat.translate_learned("192.0.2.1", "10.0.1.0/24") == ["10.0.1.0/24"]      # no such peer
    # advertised to a site: the VNet's space through that connection's EgressSnat rule
    assert nat.translate_advertised("100.0.2.250", "10.0.1.0/24") == ["100.0.1.0/24"]
    assert nat.translate_advertised("100.0.2.250", "10.0.200.0/24") == ["10.0.200.0/24"]
