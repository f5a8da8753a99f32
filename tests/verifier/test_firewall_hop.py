"""Azure Firewall as a next hop in the verifier: a spoke subnet routes 0.0.0.0/0
to the firewall's private IP; the firewall's rules decide, DNAT first, then
network, then application rules, deny by default, and the trace names the rule."""

from __future__ import annotations

from typing import Any

from aznet.netmodel import NetworkModel
from aznet.netmodel.addr import try_ip
from aznet.verifier.connectivity import connectivity_check
from aznet.verifier.security import Packet
from aznet.verifier.trace import ACCEPTED, DENIED_IN, EXITS_NETWORK, trace

from .builders import Net

FW_IP = "10.0.1.4"
FW_PUBLIC = "127.64.0.50"


def hub_and_spoke(net: Net, fw_props: dict[str, Any]) -> NetworkModel:
    net.route_table("to-fw", [("default", "0.0.0.0/0", "VirtualAppliance", FW_IP),
                             ("east-west", "10.0.0.0/16", "VirtualAppliance", FW_IP)])
    net.vnet("hub", ["10.0.0.0/16"], {"AzureFirewallSubnet": {"prefix": "10.0.1.0/26"},
                                     "Workload-SN": {"prefix": "10.0.2.0/24", "rt": "to-fw"},
                                     "Servers": {"prefix": "10.0.3.0/24", "rt": "to-fw"},
                                     "Edge": {"prefix": "10.0.4.0/24"}})
    net.nic("edge-nic", "hub", "Edge", "10.0.4.4")
    net.nic("web-nic", "hub", "Workload-SN", "10.0.2.4")
    net.vm("web", ["web-nic"])
    net.nic("db-nic", "hub", "Servers", "10.0.3.4")
    net.vm("db", ["db-nic"])
    net.add("Microsoft.Network/publicIPAddresses", "fw-pip", {"ipAddress": FW_PUBLIC,
                                                            "publicIPAllocationMethod": "Static"})
    props = {"ipConfigurations": [{"name": "cfg", "properties": {
        "privateIPAddress": FW_IP, "subnet": {"id": net.subnet("hub", "AzureFirewallSubnet")},
        "publicIPAddress": {"id": net.rid("Microsoft.Network/publicIPAddresses", "fw-pip")}}}], **fw_props}
    net.add("Microsoft.Network/azureFirewalls", "fw", props)
    return NetworkModel.build(net.resources)


def cfg_of(model: NetworkModel, ip: str) -> Any:
    found = model.ipconfig_at(try_ip(ip))
    assert found is not None
    return found


def pkt(proto: str, src: str, dst: str, dport: int) -> Packet:
    return Packet(proto, try_ip(src), 50000, try_ip(dst), dport)


CLASSIC = {
    "networkRuleCollections": [
        {"name": "deny-sql", "properties": {"priority": 100, "action": {"type": "Deny"}, "rules": [
            {"name": "no-sql", "sourceAddresses": ["10.0.2.0/24"], "destinationAddresses": ["10.0.3.0/24"],
             "destinationPorts": ["1433"], "protocols": ["TCP"]}]}},
        {"name": "allow-web", "properties": {"priority": 200, "action": {"type": "Allow"}, "rules": [
            {"name": "web-to-db", "sourceAddresses": ["10.0.2.0/24"], "destinationAddresses": ["10.0.3.4"],
             "destinationPorts": ["1400-1500", "5432"], "protocols": ["TCP"]},
            {"name": "dns", "sourceAddresses": ["*"], "destinationAddresses": ["209.244.0.3"],
             "destinationPorts": ["53"], "protocols": ["UDP"]}]}}],
    "applicationRuleCollections": [
        {"name": "App-Coll01", "properties": {"priority": 200, "action": {"type": "Allow"}, "rules": [
            {"name": "Allow-Google", "sourceAddresses": ["10.0.2.0/24"], "targetFqdns": ["*.google.com"],
             "protocols": [{"protocolType": "Https", "port": 443}]}]}}],
    "natRuleCollections": [
        {"name": "rdp", "properties": {"priority": 100, "action": {"type": "Dnat"}, "rules": [
            {"name": "rdp-to-web", "sourceAddresses": ["*"], "destinationAddresses": [FW_PUBLIC],
             "destinationPorts": ["3389"], "protocols": ["TCP"], "translatedAddress": "10.0.2.4",
             "translatedPort": "3389"}]}}],
}


def test_network_rules_in_priority_order_name_the_deciding_rule() -> None:
    model = hub_and_spoke(Net(), CLASSIC)
    web = cfg_of(model, "10.0.2.4")
    denied = trace(model, web, pkt("Tcp", "10.0.2.4", "10.0.3.4", 1433))
    assert denied.disposition == DENIED_IN and denied.deciding_rule == "fw: deny-sql/no-sql"
    assert [h.kind for h in denied.hops] == ["Source", "AzureFirewall"]
    ok = trace(model, web, pkt("Tcp", "10.0.2.4", "10.0.3.4", 1450))
    assert ok.disposition == ACCEPTED, ok.reason
    assert [h.kind for h in ok.hops] == ["Source", "AzureFirewall", "Destination"]
    assert ok.hops[1].steps[0].rule == "fw: allow-web/web-to-db"
    # nothing matches: deny by default
    default = trace(model, web, pkt("Tcp", "10.0.2.4", "10.0.3.4", 22))
    assert default.disposition == DENIED_IN and default.deciding_rule == "fw: no rule matched: default deny"
    dns = trace(model, web, pkt("Udp", "10.0.2.4", "209.244.0.3", 53))
    assert dns.disposition == EXITS_NETWORK and dns.hops[1].kind == "AzureFirewall"


def test_application_rules_match_by_host_name_after_network_rules() -> None:
    model = hub_and_spoke(Net(), CLASSIC)
    web = cfg_of(model, "10.0.2.4")
    google = trace(model, web, pkt("Tcp", "10.0.2.4", "142.250.1.1", 443), host="www.google.com")
    assert google.disposition == EXITS_NETWORK
    assert google.hops[1].steps[0].rule == "fw: App-Coll01/Allow-Google"
    other = trace(model, web, pkt("Tcp", "10.0.2.4", "142.250.1.1", 443), host="www.bing.com")
    assert other.disposition == DENIED_IN and "default deny" in (other.deciding_rule or "")
    plain_http = trace(model, web, pkt("Tcp", "10.0.2.4", "142.250.1.1", 80), host="www.google.com")
    assert plain_http.disposition == DENIED_IN


def test_dnat_from_the_internet_to_the_workload() -> None:
    model = hub_and_spoke(Net(), CLASSIC)
    edge = cfg_of(model, "10.0.4.4")          # no route table: reaches the public IP over the Internet
    t = trace(model, edge, pkt("Tcp", "10.0.4.4", FW_PUBLIC, 3389))
    assert t.disposition == ACCEPTED, t.reason
    assert [h.kind for h in t.hops] == ["Source", "Internet", "AzureFirewall", "Destination"]
    assert t.hops[2].steps[0].rule == "fw: rdp/rdp-to-web"
    assert t.hops[-1].address == "10.0.2.4"
    closed = trace(model, edge, pkt("Tcp", "10.0.4.4", FW_PUBLIC, 22))
    assert closed.disposition == DENIED_IN and "default deny" in (closed.deciding_rule or "")
    # from a spoke whose default route is the firewall: the firewall's private side translates as well
    db = cfg_of(model, "10.0.3.4")
    inside = trace(model, db, pkt("Tcp", "10.0.3.4", FW_PUBLIC, 3389))
    assert inside.disposition == ACCEPTED and [h.kind for h in inside.hops] == \
        ["Source", "AzureFirewall", "Destination"]


def policy_net(net: Net) -> NetworkModel:
    pol = net.rid("Microsoft.Network/firewallPolicies", "child")
    base = net.rid("Microsoft.Network/firewallPolicies", "base")
    net.add("Microsoft.Network/ipGroups", "servers", {"ipAddresses": ["10.0.3.0/28"]})
    net.add("Microsoft.Network/firewallPolicies", "base", {"sku": {"tier": "Standard"}})
    net.add("Microsoft.Network/firewallPolicies", "child", {"basePolicy": {"id": base}})

    def rcg(policy: str, name: str, prio: int, colls: list[dict[str, Any]]) -> None:
        net.resources.append({"id": net.rid("Microsoft.Network/firewallPolicies/ruleCollectionGroups", policy, name),
                              "name": name, "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
                              "properties": {"priority": prio, "ruleCollections": colls}})

    def filt(name: str, prio: int, action: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
        return {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": name, "priority": prio,
                "action": {"type": action}, "rules": rules}

    # the child's group has the better priority, but the base policy's rules come first
    rcg("child", "child-rules", 100, [filt("allow-all-sql", 100, "Allow", [
        {"ruleType": "NetworkRule", "name": "sql", "sourceAddresses": ["*"], "destinationAddresses": ["*"],
         "destinationPorts": ["1433"], "ipProtocols": ["TCP"]}])])
    rcg("base", "base-rules", 500, [filt("deny-to-servers", 300, "Deny", [
        {"ruleType": "NetworkRule", "name": "no-sql", "sourceAddresses": ["10.0.2.0/24"],
         "destinationIpGroups": [net.rid("Microsoft.Network/ipGroups", "servers")], "destinationPorts": ["1433"],
         "ipProtocols": ["TCP"]}])])
    return hub_and_spoke(net, {"firewallPolicy": {"id": pol}})


def test_policy_inheritance_base_rules_first_and_ip_groups() -> None:
    model = policy_net(Net())
    web = cfg_of(model, "10.0.2.4")
    t = trace(model, web, pkt("Tcp", "10.0.2.4", "10.0.3.4", 1433))
    assert t.disposition == DENIED_IN
    assert t.deciding_rule == "fw: base/base-rules/deny-to-servers/no-sql"
    db = cfg_of(model, "10.0.3.4")
    back = trace(model, db, pkt("Tcp", "10.0.3.4", "10.0.2.4", 1433))
    assert back.disposition == ACCEPTED and back.hops[1].steps[0].rule == "fw: child/child-rules/allow-all-sql/sql"


def test_model_recompiles_the_firewall_when_its_rules_change() -> None:
    net = Net()
    model = policy_net(net)
    web = cfg_of(model, "10.0.2.4")
    assert trace(model, web, pkt("Tcp", "10.0.2.4", "10.0.3.4", 1433)).disposition == DENIED_IN
    from aznet.netmodel.model import Change
    model.apply([Change("put", net.rid("Microsoft.Network/ipGroups", "servers"), "Microsoft.Network/ipGroups",
                        {"properties": {"ipAddresses": ["10.0.9.0/28"]}})])
    assert trace(model, web, pkt("Tcp", "10.0.2.4", "10.0.3.4", 1433)).disposition == ACCEPTED


def test_connectivity_check_through_the_firewall() -> None:
    net = Net()
    model = hub_and_spoke(net, CLASSIC)
    res = connectivity_check(model, {"source": {"resourceId": net.vm_id("web")},
                                     "destination": {"resourceId": net.vm_id("db"), "port": 1450}})
    assert res["connectionStatus"] == "Reachable"
    assert [h["type"] for h in res["hops"]] == ["Source", "VirtualAppliance", "VirtualMachine"]
    bad = connectivity_check(model, {"source": {"resourceId": net.vm_id("web")},
                                     "destination": {"resourceId": net.vm_id("db"), "port": 1433}})
    assert bad["connectionStatus"] == "Unreachable"
    assert bad["hops"][-1]["issues"][0]["context"] == [{"key": "RuleName", "value": "deny-sql/no-sql"}]


def test_a_template_firewall_without_an_address_gets_the_subnet_s_fourth() -> None:
    """Firewalls in templates carry no privateIPAddress: Azure gives them the first usable address (.4)."""
    net = Net()
    model = hub_and_spoke(net, CLASSIC)
    fw = next(r for r in net.resources if r["type"] == "Microsoft.Network/azureFirewalls")
    del fw["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
    model = NetworkModel.build(net.resources)
    web = cfg_of(model, "10.0.2.4")
    t = trace(model, web, pkt("Tcp", "10.0.2.4", "10.0.3.4", 1450))
    assert t.disposition == ACCEPTED and t.hops[1].kind == "AzureFirewall" and t.hops[1].address == FW_IP
