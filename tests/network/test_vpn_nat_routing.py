"""Azure's "Configure NAT on Azure VPN Gateway" how-to end to end through the SDK: a VNet and two branches on the
same 10.0.1.0/24, NAT rules on the gateway, connections linking them; the VM's effective routes show the post-NAT
branch prefixes, Network Watcher's next hop and connection troubleshoot follow them, the gateway's learned routes
show the translated static prefixes; the NAT rules the docs state (policy-based traffic selectors, the dynamic
pool size, 100 rules, external mappings against the networks connected) refused with their codes."""

from __future__ import annotations

from typing import Any

from tests.compute.test_vm import vm_body

from .hybrid_support import gw_body, pip
from .inprocess_support import code_of
from .nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id
from .test_vpn_nat_rules import rule


def _how_to(aznet: Any, net: Any, rg: str) -> None:
    make_vnet(net, rg, name="VNet1", prefixes=("10.0.1.0/24", "10.0.200.0/24"),
              subnets={"FrontEnd": "10.0.1.0/25", "GatewaySubnet": "10.0.200.0/27"})
    pip(net, rg, "VNet1GWpip")
    net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(aznet, rg)).result()
    nat = net.virtual_network_gateway_nat_rules
    nat.begin_create_or_update(rg, "VNet1GW", "VNet", rule("EgressSnat", ["10.0.1.0/24"], ["100.0.1.0/24"])).result()
    nat.begin_create_or_update(rg, "VNet1GW", "Branch1", rule("IngressSnat", ["10.0.1.0/24"], ["100.0.2.0/24"])
                               ).result()
    nat.begin_create_or_update(rg, "VNet1GW", "Branch2", rule("IngressSnat", ["10.0.1.0/24"], ["100.0.3.0/26"],
                                                              "Dynamic")).result()
    for i, branch in enumerate(("Branch1", "Branch2")):
        net.local_network_gateways.begin_create_or_update(rg, branch, {"location": LOC, "properties": {
            "gatewayIpAddress": f"203.0.113.{10 + i}",
            "localNetworkAddressSpace": {"addressPrefixes": ["10.0.1.0/24"]}}}).result()


def _conn(aznet: Any, rg: str, branch: str, **props: Any) -> dict[str, Any]:
    gw = rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")
    return {"location": LOC, "properties": {
        "connectionType": "IPsec", "sharedKey": "abc123", "virtualNetworkGateway1": {"id": gw},
        "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", branch)},
        "ingressNatRules": [{"id": f"{gw}/natRules/{branch}"}], "egressNatRules": [{"id": f"{gw}/natRules/VNet"}],
        **props}}


def test_nat_how_to_routes_and_network_watcher(aznet, network_client, compute, rg):
    net = network_client
    _how_to(aznet, net, rg)
    for branch in ("Branch1", "Branch2"):
        net.virtual_network_gateway_connections.begin_create_or_update(rg, f"VNet1-{branch}",
                                                                      _conn(aznet, rg, branch)).result()
    nic = net.network_interfaces.begin_create_or_update(rg, "vm1nic", nic_body(
        subnet_id(aznet, rg, "VNet1", "FrontEnd"))).result()
    vm = compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nic.id)).result()
    table = net.network_interfaces.begin_get_effective_route_table(rg, "vm1nic").result().value
    gateway = {p: r.state for r in table if r.source == "VirtualNetworkGateway" for p in r.address_prefix}
    assert gateway == {"100.0.2.0/24": "Active", "100.0.3.0/26": "Active"}
    gw_ip = net.public_ip_addresses.get(rg, "VNet1GWpip").ip_address
    watcher = next(w for w in net.network_watchers.list_all() if w.location == LOC)
    wrg, wname = watcher.id.split("/")[4], watcher.name
    src = nic.ip_configurations[0].private_ip_address

    def hop(dest: str) -> tuple[str, str | None]:
        got = net.network_watchers.begin_get_next_hop(wrg, wname, {
            "targetResourceId": vm.id, "sourceIPAddress": src, "destinationIPAddress": dest}).result()
        return got.next_hop_type, got.next_hop_ip_address
    assert hop("100.0.2.9") == ("VirtualNetworkGateway", gw_ip)
    assert hop("10.0.1.9") == ("VnetLocal", None)          # the branch's own addresses are the VNet's here

    def check(dest: str) -> Any:
        return net.network_watchers.begin_check_connectivity(wrg, wname, {
            "source": {"resourceId": vm.id}, "destination": {"address": dest, "port": 443}}).result()
    ok = check("100.0.2.9")
    assert ok.connection_status == "Reachable" and ok.hops[-1].type == "VnetGateway"
    assert ok.hops[-1].resource_id == rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")
    pool = check("100.0.3.9")          # Branch2's dynamic rule: only the branch starts traffic
    assert pool.connection_status == "Unreachable"
    assert "dynamic IngressSnat rule Branch2" in pool.hops[-1].issues[0].context[0]["value"]
    learned = net.virtual_network_gateways.begin_get_learned_routes(rg, "VNet1GW").result().value
    statics = {r.network for r in learned if r.next_hop}
    assert statics == {"100.0.2.0/24", "100.0.3.0/26"}


def test_nat_rules_the_docs_state(aznet, network_client, rg):
    net = network_client
    _how_to(aznet, net, rg)
    conns = net.virtual_network_gateway_connections
    gw = rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")
    policy = {"saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000, "ipsecEncryption": "AES256",
              "ipsecIntegrity": "SHA256", "ikeEncryption": "AES256", "ikeIntegrity": "SHA384", "dhGroup": "DHGroup24",
              "pfsGroup": "PFS24"}
    assert error_of(conns.begin_create_or_update, rg, "c", _conn(
        aznet, rg, "Branch1", usePolicyBasedTrafficSelectors=True, ipsecPolicies=[policy])) == \
        (400, "NatRuleNotSupportedWithPolicyBasedTrafficSelectors")
    # an IngressSnat external mapping may not overlap the VNet, nor what another branch is seen as
    nat = net.virtual_network_gateway_nat_rules
    nat.begin_create_or_update(rg, "VNet1GW", "IntoVNet", rule("IngressSnat", ["10.0.1.0/24"], ["10.0.200.0/24"])
                               ).result()
    body = _conn(aznet, rg, "Branch2")
    body["properties"]["ingressNatRules"] = [{"id": f"{gw}/natRules/IntoVNet"}]
    assert error_of(conns.begin_create_or_update, rg, "c", body) == (400, "NatRuleExternalMappingOverlapsAddressSpace")
    conns.begin_create_or_update(rg, "VNet1-Branch1", _conn(aznet, rg, "Branch1")).result()

    def site(name: str, prefix: str) -> None:
        net.local_network_gateways.begin_create_or_update(rg, name, {"location": LOC, "properties": {
            "gatewayIpAddress": "203.0.113.50", "localNetworkAddressSpace": {"addressPrefixes": [prefix]}}}).result()
    # one ingress rule serves one on-premises network: another network may not use it ...
    site("Branch3", "10.0.9.0/24")
    body = _conn(aznet, rg, "Branch3")
    body["properties"]["ingressNatRules"] = [{"id": f"{gw}/natRules/Branch1"}]
    assert error_of(conns.begin_create_or_update, rg, "c", body) == (400, "IngressNatRuleUsedForAnotherNetwork")
    # ... a second device of the same network may (redundancy)
    site("Branch1b", "10.0.1.0/24")
    body = _conn(aznet, rg, "Branch1b")
    body["properties"]["ingressNatRules"] = [{"id": f"{gw}/natRules/Branch1"}]
    conns.begin_create_or_update(rg, "VNet1-Branch1b", body).result()
    # an EgressSnat external mapping may not overlap the site it is shown to
    nat.begin_create_or_update(rg, "VNet1GW", "OutOverlap", rule("EgressSnat", ["10.0.1.0/24"], ["10.0.1.0/24"])
                               ).result()
    body = _conn(aznet, rg, "Branch2")
    body["properties"]["egressNatRules"] = [{"id": f"{gw}/natRules/OutOverlap"}]
    assert error_of(conns.begin_create_or_update, rg, "c", body) == (400, "NatRuleExternalMappingOverlapsAddressSpace")
    # a site connected without NAT whose space overlaps an external mapping
    site("Plain", "100.0.3.0/24")
    plain = _conn(aznet, rg, "Plain")
    plain["properties"].pop("ingressNatRules")
    plain["properties"].pop("egressNatRules")
    conns.begin_create_or_update(rg, "VNet1-Plain", plain).result()
    assert error_of(conns.begin_create_or_update, rg, "c", _conn(aznet, rg, "Branch2")) == \
        (400, "NatRuleExternalMappingOverlapsAddressSpace")
    assert sorted(c.name for c in conns.list(rg)) == ["VNet1-Branch1", "VNet1-Branch1b", "VNet1-Plain"]
    # a dynamic rule's pool is at most a /26
    assert error_of(nat.begin_create_or_update, rg, "VNet1GW", "Big", rule(
        "IngressSnat", ["10.9.0.0/16"], ["100.9.0.0/25"], "Dynamic")) == (400, "DynamicNatRuleExternalMappingTooLarge")


def test_a_gateway_holds_at_most_100_nat_rules(inproc, inproc_group):
    """Azure's NAT FAQ: up to 100 NAT rules (ingress and egress combined) on a VPN gateway (in process: the rule
    is the gateway's, the SDK adds nothing)."""
    g = inproc_group
    vnet, pip_id = inproc.network(g, "virtualNetworks", "vnet1"), inproc.network(g, "publicIPAddresses", "pip1")
    assert inproc.call("PUT", vnet, {"location": LOC, "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.0.255.0/27"}}]}})[0] in (200, 201)
    assert inproc.call("PUT", pip_id, {"location": LOC, "sku": {"name": "Standard"},
                                       "properties": {"publicIPAllocationMethod": "Static"}})[0] in (200, 201)
    gw = inproc.network(g, "virtualNetworkGateways", "gw")
    status, body = inproc.call("PUT", gw, {"location": LOC, "properties": {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw2", "tier": "VpnGw2"},
        "ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": f"{vnet}/subnets/GatewaySubnet"},
                                                                  "publicIPAddress": {"id": pip_id}}}]}})
    assert status in (200, 201), body
    for i in range(100):
        body = rule("IngressSnat", [f"10.{i}.0.0/24"], [f"100.{i}.0.0/24"])
        status, answer = inproc.call("PUT", f"{gw}/natRules/r{i}", body)
        assert status in (200, 201), answer
    assert code_of(inproc.call("PUT", f"{gw}/natRules/r100", rule("IngressSnat", ["10.200.0.0/24"],
                                                                    ["100.200.0.0/24"]))) == \
        (400, "MaximumNatRulesPerGatewayReached")
    assert len(inproc.call("GET", f"{gw}/natRules")[1]["value"]) == 100
    # an existing rule can still change
    status, _ = inproc.call("PUT", f"{gw}/natRules/r5", rule("IngressSnat", ["10.5.0.0/24"], ["100.5.0.0/26"],
                                                             "Dynamic"))
    assert status == 200
