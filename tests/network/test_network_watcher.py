"""Network Watcher through the real SDK and az CLI: ipFlowVerify, nextHop,
effective routes and NSGs, security group view, topology, connectivity check,
answered from the emulated network; a rule change shows in the next answer."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError

LOC = "westeurope"
UBUNTU = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2",
          "version": "latest"}


@pytest.fixture(scope="module")
def lab(aznet, resource_client, network_client, compute):  # type: ignore[no-untyped-def]
    """Two subnets; the web subnet's NSG allows 443 and denies 80 from the Internet; an NVA route for 10.9/16."""
    rg = f"nw-{uuid.uuid4().hex[:8]}"
    resource_client.resource_groups.create_or_update(rg, {"location": LOC})
    net = network_client
    rule = {"protocol": "Tcp", "sourcePortRange": "*", "destinationAddressPrefix": "*", "direction": "Inbound"}
    nsg = net.network_security_groups.begin_create_or_update(rg, "web-nsg", {"location": LOC, "properties": {
        "securityRules": [
            {"name": "allow-https", "properties": {**rule, "priority": 100, "access": "Allow",
                                                   "sourceAddressPrefix": "Internet", "destinationPortRange": "443"}},
            {"name": "deny-http", "properties": {**rule, "priority": 110, "access": "Deny",
                                                 "sourceAddressPrefix": "*", "destinationPortRange": "80"}}]}}).result()
    rt = net.route_tables.begin_create_or_update(rg, "rt", {"location": LOC, "properties": {"routes": [
        {"name": "to-nva", "properties": {"addressPrefix": "10.9.0.0/16", "nextHopType": "VirtualAppliance",
                                          "nextHopIpAddress": "10.20.2.4"}}]}}).result()
    vnet = net.virtual_networks.begin_create_or_update(rg, "vnet", {"location": LOC, "properties": {
        "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]}, "subnets": [
            {"name": "web", "properties": {"addressPrefix": "10.20.1.0/24", "networkSecurityGroup": {"id": nsg.id},
                                           "routeTable": {"id": rt.id}}},
            {"name": "nva", "properties": {"addressPrefix": "10.20.2.0/24"}}]}}).result()
    web = next(s for s in vnet.subnets if s.name == "web")
    nic = net.network_interfaces.begin_create_or_update(rg, "web-nic", {"location": LOC, "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": web.id}, "privateIPAllocationMethod": "Dynamic"}}]}}).result()
    vm = compute.virtual_machines.begin_create_or_update(rg, "web-vm", {"location": LOC, "properties": {
        "hardwareProfile": {"vmSize": "Standard_B1s"}, "storageProfile": {"imageReference": UBUNTU},
        "osProfile": {"computerName": "web-vm", "adminUsername": "azureuser", "adminPassword": "Secr3t-Passw0rd!"},
        "networkProfile": {"networkInterfaces": [{"id": nic.id}]}}}).result()
    watcher = next(w for w in net.network_watchers.list_all() if w.location == LOC)
    wrg = watcher.id.split("/")[4]
    yield {"rg": rg, "vm": vm, "nic": nic, "ip": nic.ip_configurations[0].private_ip_address,
           "watcher": watcher.name, "wrg": wrg, "nsg": nsg}
    resource_client.resource_groups.begin_delete(rg).result()


def flow(net, lab, port, direction="Inbound", remote="203.0.113.7", **over):  # type: ignore[no-untyped-def]
    body = {"targetResourceId": lab["vm"].id, "direction": direction, "protocol": "TCP",
            "localPort": str(port), "remotePort": "40000", "localIPAddress": lab["ip"], "remoteIPAddress": remote}
    body.update(over)
    return net.network_watchers.begin_verify_ip_flow(lab["wrg"], lab["watcher"], body).result()


def test_network_watcher_created_automatically_for_the_region(network_client, lab):
    assert lab["watcher"] == f"NetworkWatcher_{LOC}"
    assert lab["wrg"] == "NetworkWatcherRG"


def test_ip_flow_verify_names_the_deciding_rule(network_client, lab):
    allowed = flow(network_client, lab, 443)
    assert (allowed.access, allowed.rule_name) == ("Allow", "securityRules/allow-https")
    denied = flow(network_client, lab, 80)
    assert (denied.access, denied.rule_name) == ("Deny", "securityRules/deny-http")
    default = flow(network_client, lab, 22)
    assert (default.access, default.rule_name) == ("Deny", "defaultSecurityRules/DenyAllInBound")
    out = flow(network_client, lab, 443, direction="Outbound")
    assert out.access == "Allow" and out.rule_name == "defaultSecurityRules/AllowInternetOutBound"


def test_rule_change_shows_in_next_answer(network_client, lab):
    net = network_client
    net.security_rules.begin_create_or_update(lab["rg"], "web-nsg", "allow-ssh", {"properties": {
        "priority": 105, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
        "destinationPortRange": "22"}}).result()
    try:
        result = flow(net, lab, 22)
        assert (result.access, result.rule_name) == ("Allow", "securityRules/allow-ssh")
    finally:
        net.security_rules.begin_delete(lab["rg"], "web-nsg", "allow-ssh").result()
    assert flow(net, lab, 22).access == "Deny"


def test_next_hop(network_client, lab):
    def hop(dst):  # type: ignore[no-untyped-def]
        return network_client.network_watchers.begin_get_next_hop(lab["wrg"], lab["watcher"], {
            "targetResourceId": lab["vm"].id, "sourceIPAddress": lab["ip"], "destinationIPAddress": dst}).result()
    local = hop("10.20.2.9")
    assert local.next_hop_type == "VnetLocal" and local.route_table_id == "System Route"
    internet = hop("8.8.8.8")
    assert internet.next_hop_type == "Internet"
    nva = hop("10.9.1.1")
    assert (nva.next_hop_type, nva.next_hop_ip_address) == ("VirtualAppliance", "10.20.2.4")
    assert nva.route_table_id.lower().endswith("/routetables/rt")
    dropped = hop("192.168.5.5")
    assert dropped.next_hop_type == "None"


def test_effective_routes_and_nsgs_of_the_nic(network_client, lab):
    routes = network_client.network_interfaces.begin_get_effective_route_table(lab["rg"], "web-nic").result()
    by_prefix = {tuple(r.address_prefix): r for r in routes.value}
    assert by_prefix[("10.20.0.0/16",)].next_hop_type == "VnetLocal"
    assert by_prefix[("10.9.0.0/16",)].source == "User"
    assert by_prefix[("0.0.0.0/0",)].next_hop_type == "Internet"
    nsgs = network_client.network_interfaces.begin_list_effective_network_security_groups(
        lab["rg"], "web-nic").result()
    names = [r.name for g in nsgs.value for r in g.effective_security_rules]
    assert "securityRules/deny-http" in names and "defaultSecurityRules/DenyAllInBound" in names


def test_security_group_view_and_topology(network_client, lab):
    view = network_client.network_watchers.begin_get_vm_security_rules(
        lab["wrg"], lab["watcher"], {"targetResourceId": lab["vm"].id}).result()
    assoc = view.network_interfaces[0].security_rule_associations
    assert {r.name for r in assoc.subnet_association.security_rules} == {"allow-https", "deny-http"}
    topo = network_client.network_watchers.get_topology(lab["wrg"], lab["watcher"],
                                                         {"targetResourceGroupName": lab["rg"]})
    names = {r.name for r in topo.resources}
    assert {"vnet", "web-nic", "web-nsg"} <= names


def test_bad_questions_get_azure_errors(network_client, lab):
    for over in ({"localIPAddress": "10.99.99.99"}, {"targetResourceId": lab["vm"].id + "-missing"},
                 {"localPort": "99999"}):
        with pytest.raises(HttpResponseError) as exc:
            flow(network_client, lab, 443, **over)
        assert 400 <= exc.value.status_code < 500, over
        assert exc.value.error.code


def test_az_network_watcher_test_ip_flow(az, lab):
    out = az.json("network", "watcher", "test-ip-flow", "-g", lab["rg"], "--vm", "web-vm", "--direction",
                  "Inbound", "--protocol", "TCP", "--local", f"{lab['ip']}:80", "--remote", "203.0.113.7:40000")
    assert out["access"] == "Deny" and out["ruleName"] == "securityRules/deny-http"
    hop = az.json("network", "watcher", "show-next-hop", "-g", lab["rg"], "--vm", "web-vm",
                  "--source-ip", lab["ip"], "--dest-ip", "10.9.0.1")
    assert hop["nextHopType"] == "VirtualAppliance"
