"""model.apply(changes): only what changed is recompiled, answers follow."""

from __future__ import annotations

import copy

from aznet.netmodel import Change, NetworkModel
from aznet.verifier import effective_route_table, ip_flow_verify, next_hop

from .test_golden_nsg import ALLOW_80_IN, INTERNET_HOST, network


def test_nsg_rule_put_and_delete_recompile_that_nsg_only() -> None:
    net, model = network(nsg1_rules=[ALLOW_80_IN])
    body = {"targetResourceId": net.vm_id("VM2"), "direction": "Inbound", "protocol": "TCP", "localPort": "80",
            "remotePort": "5000", "localIPAddress": "10.0.1.5", "remoteIPAddress": INTERNET_HOST}
    assert ip_flow_verify(model, body)["access"] == "Allow"
    nsg1 = net.rid("Microsoft.Network/networkSecurityGroups", "NSG1")
    nsg2_acl = model.acls[net.rid("Microsoft.Network/networkSecurityGroups", "NSG2").lower()]
    rule_id = f"{nsg1}/securityRules/DenyFirst"
    changed = model.apply([Change("put", rule_id, "Microsoft.Network/networkSecurityGroups/securityRules", {
        "name": "DenyFirst", "properties": {"priority": 50, "direction": "Inbound", "access": "Deny", "protocol": "*",
                                            "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                                            "sourcePortRange": "*", "destinationPortRange": "80"}})])
    assert changed == {nsg1.lower()}
    assert model.acls[net.rid("Microsoft.Network/networkSecurityGroups", "NSG2").lower()] is nsg2_acl
    assert ip_flow_verify(model, body) == {"access": "Deny", "ruleName": "securityRules/DenyFirst"}
    model.apply([Change("delete", rule_id, "Microsoft.Network/networkSecurityGroups/securityRules")])
    assert ip_flow_verify(model, body) == {"access": "Allow", "ruleName": "securityRules/Allow80In"}
    # deleting an inline rule through its child id removes it too
    model.apply([Change("delete", f"{nsg1}/securityRules/Allow80In", "Microsoft.Network/networkSecurityGroups/securityRules")])
    assert ip_flow_verify(model, body)["ruleName"] == "defaultSecurityRules/DenyAllInBound"


def test_separate_and_inline_children_merge_as_one_build() -> None:
    net, _ = network()
    flat = copy.deepcopy(net.resources)
    vnet = next(r for r in flat if r["type"].endswith("virtualNetworks"))
    subs = vnet["properties"].pop("subnets")
    for s in subs:  # as separate child resources, listed before their parent
        flat.insert(0, {"id": s["id"], "name": s["name"], "type": "Microsoft.Network/virtualNetworks/subnets",
                        "properties": s["properties"]})
    a, b = NetworkModel.build(net.resources), NetworkModel.build(flat)
    assert {k: (s.prefixes, s.nsg_key) for k, s in a.subnets.items()} == \
           {k: (s.prefixes, s.nsg_key) for k, s in b.subnets.items()}


def test_route_table_change_reaches_next_hop() -> None:
    from .test_golden_routing import example

    net, model = example()
    q = {"targetResourceId": net.vm_id("vm2"), "sourceIPAddress": "10.0.1.4", "destinationIPAddress": "8.8.8.8"}
    assert next_hop(model, q)["nextHopType"] == "Internet"
    rt = net.route_table("Subnet2-RT", [("fw", "0.0.0.0/0", "VirtualAppliance", "10.0.100.4")])
    vnet = next(r for r in net.resources if r["name"] == "Virtual-network-1")
    sub = next(s for s in vnet["properties"]["subnets"] if s["name"] == "Subnet2")
    model.apply([Change("put", rt, "Microsoft.Network/routeTables", net.resources[-1])])
    assert next_hop(model, q)["nextHopType"] == "Internet"  # not associated yet
    sub_body = {"name": "Subnet2", "properties": dict(sub["properties"], routeTable={"id": rt})}
    model.apply([Change("put", sub["id"], "Microsoft.Network/virtualNetworks/subnets", sub_body)])
    assert next_hop(model, q) == {"nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.100.4",
                                  "routeTableId": rt}
    route_id = f"{rt}/routes/fw"
    model.apply([Change("put", route_id, "Microsoft.Network/routeTables/routes",
                        {"properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "None"}})])
    assert next_hop(model, q)["nextHopType"] == "None"
    nic = net.rid("Microsoft.Network/networkInterfaces", "vm2-nic")
    assert any(r["source"] == "User" for r in effective_route_table(model, nic)["value"])
    model.apply([Change("delete", vnet["id"], "Microsoft.Network/virtualNetworks")])
    assert effective_route_table(model, nic) == {"value": []}
