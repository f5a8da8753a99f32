"""Monitoring resources through the real SDK and `az`: virtual network TAPs and
NIC tap configurations, VNet flow logs (NSG flow logs retired), connection
monitors (v2), packet captures with their states, diagnostic settings on any
resource with the categories its type offers, and a public IP's DDoS status."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .nic_support import LOC, error_of, make_storage_account, make_vnet, nic_body, rid, subnet_id


def nic(net: Any, aznet: Any, rg: str, name: str) -> str:
    net.network_interfaces.begin_create_or_update(rg, name, nic_body(subnet_id(aznet, rg))).result()
    return rid(aznet, rg, "networkInterfaces", name)


NW_RG, NW = "NetworkWatcherRG", f"NetworkWatcher_{LOC}"     # created with the first VNet of the region, as in Azure


def watcher(net: Any, rg: str) -> tuple[str, str]:
    """The region's watcher: the one Azure created with the first VNet, else one in the test's group."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        net.network_watchers.get(NW_RG, NW)
        return NW_RG, NW
    except ResourceNotFoundError:
        net.network_watchers.create_or_update(rg, "nw", {"location": LOC})
        return rg, "nw"


def test_virtual_network_tap(aznet, network_client, rg):
    net = network_client
    make_vnet(net, rg)
    src, dest = nic(net, aznet, rg, "web-nic"), nic(net, aznet, rg, "collector-nic")
    tap = net.virtual_network_taps.begin_create_or_update(rg, "tap", {"location": LOC, "properties": {
        "destinationNetworkInterfaceIPConfiguration": {"id": dest + "/ipConfigurations/ipconfig1"}}}).result()
    assert tap.destination_port == 4789
    cfg = net.network_interface_tap_configurations.begin_create_or_update(
        rg, "web-nic", "tapcfg", {"properties": {"virtualNetworkTap": {"id": tap.id}}}).result()
    assert cfg.virtual_network_tap.id.lower() == tap.id.lower()
    assert [t.name for t in net.network_interfaces.get(rg, "web-nic").tap_configurations] == ["tapcfg"]
    assert [c.id.rsplit("/", 1)[-1] for c in net.virtual_network_taps.get(rg, "tap")
            .network_interface_tap_configurations] == ["tapcfg"]
    assert error_of(net.virtual_network_taps.begin_delete, rg, "tap") == (400, "VirtualNetworkTapInUse")
    assert error_of(net.network_interface_tap_configurations.begin_create_or_update, rg, "collector-nic", "self",
                    {"properties": {"virtualNetworkTap": {"id": tap.id}}}) == \
        (400, "VirtualNetworkTapDestinationCannotBeTapped")
    assert error_of(net.virtual_network_taps.begin_create_or_update, rg, "bad", {"location": LOC, "properties": {
        "destinationNetworkInterfaceIPConfiguration": {"id": src + "/ipConfigurations/nope"}}}) == \
        (400, "InvalidResourceReference")
    assert error_of(net.virtual_network_taps.begin_create_or_update, rg, "none", {"location": LOC,
                                                                                  "properties": {}}) == \
        (400, "VirtualNetworkTapMustHaveOneDestination")
    net.network_interface_tap_configurations.begin_delete(rg, "web-nic", "tapcfg").result()
    net.virtual_network_taps.begin_delete(rg, "tap").result()


def test_vnet_flow_logs_and_retired_nsg_flow_logs(aznet, network_client, rg, monkeypatch):
    net = network_client
    make_vnet(net, rg)
    nw = watcher(net, rg)
    st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
    vnet_id = rid(aznet, rg, "virtualNetworks", "vnet")
    fl = net.flow_logs.begin_create_or_update(*nw, f"vnetflowlog-{rg}", {"location": LOC, "properties": {
        "targetResourceId": vnet_id, "storageId": st, "enabled": True,
        "retentionPolicy": {"days": 7, "enabled": True}}}).result()
    assert fl.format.version == 2 and fl.retention_policy.days == 7 and fl.target_resource_id.lower() == \
        vnet_id.lower()
    assert error_of(net.flow_logs.begin_create_or_update, *nw, f"second-{rg}", {"location": LOC, "properties": {
        "targetResourceId": vnet_id, "storageId": st}}) == (400, "FlowLogAlreadyExistsForTarget")
    nsg = net.network_security_groups.begin_create_or_update(rg, "nsg", {"location": LOC}).result()
    nsg_log = {"location": LOC, "properties": {"targetResourceId": nsg.id, "storageId": st}}
    assert error_of(net.flow_logs.begin_create_or_update, *nw, f"nsglog-{rg}", nsg_log) == \
        (400, "NsgFlowLogCreationNotAllowed")
    assert [f.name for f in net.flow_logs.list(*nw) if f.name.endswith(rg)] == [f"vnetflowlog-{rg}"]
    monkeypatch.setattr(aznet.platform.settings, "allow_retired", True)
    assert net.flow_logs.begin_create_or_update(*nw, f"nsglog-{rg}", nsg_log).result().enabled is True
    assert error_of(net.flow_logs.begin_create_or_update, *nw, f"bad-{rg}", {"location": LOC, "properties": {
        "targetResourceId": subnet_id(aznet, rg), "storageId": st, "retentionPolicy": {"days": 400}}}) == \
        (400, "InvalidRetentionPolicyDays")


def test_connection_monitor_v2(aznet, network_client, rg):
    net = network_client
    make_vnet(net, rg)
    nw = watcher(net, rg)
    vnet_id = rid(aznet, rg, "virtualNetworks", "vnet")
    body = {"location": LOC, "properties": {
        "endpoints": [{"name": "vnet", "type": "AzureVNet", "resourceId": vnet_id},
                      {"name": "bing", "type": "ExternalAddress", "address": "www.bing.com"}],
        "testConfigurations": [{"name": "tcp443", "protocol": "Tcp", "testFrequencySec": 60,
                                "tcpConfiguration": {"port": 443}}],
        "testGroups": [{"name": "web", "sources": ["vnet"], "destinations": ["bing"],
                        "testConfigurations": ["tcp443"]}]}}
    cm = net.connection_monitors.begin_create_or_update(*nw, f"cm-{rg}", body).result()
    assert cm.connection_monitor_type == "MultiEndpoint" and cm.monitoring_status == "Running"
    net.connection_monitors.begin_stop(*nw, f"cm-{rg}").result()
    assert net.connection_monitors.get(*nw, f"cm-{rg}").monitoring_status == "Stopped"
    broken = {**body, "properties": {**body["properties"], "testGroups": [
        {"name": "web", "sources": ["nowhere"], "destinations": ["bing"], "testConfigurations": ["tcp443"]}]}}
    assert error_of(net.connection_monitors.begin_create_or_update, *nw, f"cm2-{rg}", broken) == \
        (400, "InvalidConnectionMonitorTestGroup")
    classic = {"location": LOC, "properties": {"source": {"resourceId": vnet_id},
                                               "destination": {"address": "www.bing.com", "port": 80}}}
    assert error_of(net.connection_monitors.begin_create_or_update, *nw, f"classic-{rg}", classic) == \
        (400, "ConnectionMonitorClassicNotSupported")
    assert [c.name for c in net.connection_monitors.list(*nw) if c.name.endswith(rg)] == [f"cm-{rg}"]


def test_packet_capture_states(aznet, network_client, compute, rg):

    from tests.compute.test_vm import vm_body

    net = network_client
    make_vnet(net, rg)
    nw = watcher(net, rg)
    vm = compute.virtual_machines.begin_create_or_update(rg, "vm", vm_body(nic(net, aznet, rg, "vm-nic"))).result()
    st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
    pc = net.packet_captures.begin_create(*nw, f"capture-{rg}", {"properties": {
        "target": vm.id, "storageLocation": {"storageId": st}, "timeLimitInSeconds": 600,
        "filters": [{"protocol": "TCP", "localPort": "80"}]}}).result()
    assert pc.storage_location.storage_path.startswith("https://") and pc.time_limit_in_seconds == 600
    status = net.packet_captures.begin_get_status(*nw, f"capture-{rg}").result()
    assert status.packet_capture_status == "Running"
    net.packet_captures.begin_stop(*nw, f"capture-{rg}").result()
    status = net.packet_captures.begin_get_status(*nw, f"capture-{rg}").result()
    assert status.packet_capture_status == "Stopped" and status.stop_reason == "Manual"
    assert error_of(net.packet_captures.begin_create, *nw, f"capture-{rg}", {"properties": {
        "target": vm.id, "storageLocation": {"storageId": st}}})[0] == 409
    assert error_of(net.packet_captures.begin_create, *nw, f"bad-{rg}", {"properties": {
        "target": vm.id, "storageLocation": {}}}) == (400, "InvalidPacketCaptureStorageLocation")


def test_ddos_protection_status(aznet, network_client, rg):
    net = network_client
    plan = net.ddos_protection_plans.begin_create_or_update(rg, "plan", {"location": LOC}).result()
    make_vnet(net, rg, enableDdosProtection=True, ddosProtectionPlan={"id": plan.id})
    ip = net.public_ip_addresses.begin_create_or_update(rg, "ip", {
        "location": LOC, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}).result()
    loose = net.public_ip_addresses.begin_ddos_protection_status(rg, "ip").result()
    assert loose.is_workload_protected == "False"
    body = nic_body(subnet_id(aznet, rg), publicIPAddress={"id": ip.id})
    net.network_interfaces.begin_create_or_update(rg, "nic", body).result()
    status = net.public_ip_addresses.begin_ddos_protection_status(rg, "ip").result()
    assert status.is_workload_protected == "True" and status.ddos_protection_plan_id.lower() == plan.id.lower()
    assert status.public_ip_address == ip.ip_address


@pytest.fixture
def nsg_and_storage(aznet, network_client, rg):  # type: ignore[no-untyped-def]
    nsg = network_client.network_security_groups.begin_create_or_update(rg, "nsg", {"location": LOC}).result()
    return nsg.id, make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])


def test_az_diagnostic_settings(az, rg, nsg_and_storage):  # type: ignore[no-untyped-def]
    nsg_id, st = nsg_and_storage
    cats = az.json("monitor", "diagnostic-settings", "categories", "list", "--resource", nsg_id)
    names = sorted(c["name"] for c in cats["value"])
    assert names == ["NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"]
    made = az.json("monitor", "diagnostic-settings", "create", "--name", "to-storage", "--resource", nsg_id,
                   "--storage-account", st, "--logs", '[{"category": "NetworkSecurityGroupEvent", "enabled": true}]')
    assert made["storageAccountId"].lower() == st.lower()
    listed = az.json("monitor", "diagnostic-settings", "list", "--resource", nsg_id)
    assert [s["name"] for s in listed] == ["to-storage"]
    err = az.fails("monitor", "diagnostic-settings", "create", "--name", "bad", "--resource", nsg_id,
                   "--storage-account", st, "--logs", '[{"category": "ApplicationGatewayAccessLog", "enabled": true}]')
    assert "is not supported" in err.stderr
    err = az.fails("monitor", "diagnostic-settings", "create", "--name", "dup", "--resource", nsg_id,
                   "--storage-account", st, "--logs", '[{"category": "NetworkSecurityGroupEvent", "enabled": true}]')
    assert "already used" in err.stderr
    az.run("monitor", "diagnostic-settings", "delete", "--name", "to-storage", "--resource", nsg_id)
    assert az.json("monitor", "diagnostic-settings", "list", "--resource", nsg_id) == []


def test_az_vnet_flow_log(az, aznet, network_client, rg):  # type: ignore[no-untyped-def]
    make_vnet(network_client, rg)
    st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
    watcher(network_client, rg)
    made = az.json("network", "watcher", "flow-log", "create", "--location", LOC, "--name", f"vnetlog-{rg}",
                   "--resource-group", rg, "--vnet", "vnet", "--storage-account", st)
    assert made["targetResourceId"].lower().endswith("/virtualnetworks/vnet")
    shown = az.json("network", "watcher", "flow-log", "show", "--location", LOC, "--name", f"vnetlog-{rg}")
    assert shown["storageId"].lower() == st.lower()


def test_az_connection_monitor_and_packet_capture(az, aznet, network_client, compute, rg):  # type: ignore[no-untyped-def]

    from tests.compute.test_vm import vm_body

    make_vnet(network_client, rg)
    watcher(network_client, rg)
    vm = compute.virtual_machines.begin_create_or_update(rg, "vm", vm_body(nic(network_client, aznet, rg,
                                                                               "vm-nic"))).result()
    cm = az.json("network", "watcher", "connection-monitor", "create", "--name", f"cm-{rg}", "--location", LOC,
                 "--endpoint-source-name", "vm", "--endpoint-source-resource-id", vm.id,
                 "--endpoint-dest-name", "bing", "--endpoint-dest-address", "www.bing.com",
                 "--test-config-name", "tcp", "--protocol", "Tcp", "--tcp-port", "80")
    assert cm["monitoringStatus"] == "Running" and cm["testGroups"][0]["sources"] == ["vm"]
    st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
    pc = az.json("network", "watcher", "packet-capture", "create", "-g", rg, "--vm", "vm", "-n", f"pc-{rg}",
                 "--storage-account", st, "--time-limit", "300")
    assert pc["timeLimitInSeconds"] == 300
    status = az.json("network", "watcher", "packet-capture", "show-status", "--location", LOC, "-n", f"pc-{rg}")
    assert status["packetCaptureStatus"] == "Running"
    az.run("network", "watcher", "packet-capture", "stop", "--location", LOC, "-n", f"pc-{rg}")
    status = az.json("network", "watcher", "packet-capture", "show-status", "--location", LOC, "-n", f"pc-{rg}")
    assert status["packetCaptureStatus"] == "Stopped"
