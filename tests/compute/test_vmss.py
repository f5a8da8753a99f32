"""Virtual machine scale sets (minimal) through the real compute SDK: instances
take private IPs in the subnet, scale in and out, join LB pools, list NICs."""

from __future__ import annotations

import pytest

from tests.network.nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id

UBUNTU = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2",
          "version": "latest"}


def vmss_body(subnet, capacity=2, pools=()):  # type: ignore[no-untyped-def]
    ipc = {"name": "ipconfig", "properties": {"subnet": {"id": subnet}, "primary": True}}
    if pools:
        ipc["properties"]["loadBalancerBackendAddressPools"] = [{"id": p} for p in pools]
    return {"location": LOC, "sku": {"name": "Standard_B1s", "capacity": capacity}, "properties": {
        "upgradePolicy": {"mode": "Manual"},
        "virtualMachineProfile": {
            "storageProfile": {"imageReference": UBUNTU},
            "osProfile": {"computerNamePrefix": "web", "adminUsername": "azureuser",
                          "adminPassword": "Secr3t-Passw0rd!"},
            "networkProfile": {"networkInterfaceConfigurations": [
                {"name": "nic", "properties": {"primary": True, "ipConfigurations": [ipc]}}]}}}}


def test_instances_take_subnet_ips_and_scale(aznet, network_client, compute, rg):
    make_vnet(network_client, rg)
    sub = subnet_id(aznet, rg)
    ss = compute.virtual_machine_scale_sets.begin_create_or_update(rg, "web", vmss_body(sub, 3)).result()
    assert ss.sku.capacity == 3 and ss.unique_id
    assert ss.virtual_machine_profile.os_profile.admin_password is None
    vms = list(compute.virtual_machine_scale_set_vms.list(rg, "web"))
    assert sorted(v.instance_id for v in vms) == ["0", "1", "2"]
    nics = list(network_client.network_interfaces.list_virtual_machine_scale_set_network_interfaces(rg, "web"))
    assert sorted(n.ip_configurations[0].private_ip_address for n in nics) == ["10.0.0.4", "10.0.0.5", "10.0.0.6"]
    nic = network_client.network_interfaces.begin_create_or_update(rg, "n", nic_body(sub)).result()
    assert nic.ip_configurations[0].private_ip_address == "10.0.0.7"
    compute.virtual_machine_scale_sets.begin_create_or_update(rg, "web", vmss_body(sub, 1)).result()
    nics = list(network_client.network_interfaces.list_virtual_machine_scale_set_network_interfaces(rg, "web"))
    assert [n.ip_configurations[0].private_ip_address for n in nics] == ["10.0.0.4"]
    again = network_client.network_interfaces.begin_create_or_update(rg, "n2", nic_body(sub)).result()
    assert again.ip_configurations[0].private_ip_address == "10.0.0.5"     # scaled-in addresses are free again
    compute.virtual_machine_scale_sets.begin_deallocate(rg, "web").result()
    view = compute.virtual_machine_scale_sets.get_instance_view(rg, "web")
    assert view.virtual_machine.statuses_summary[0].count == 1


def test_scale_set_in_lb_pool(aznet, network_client, compute, rg):
    make_vnet(network_client, rg)
    sub = subnet_id(aznet, rg)
    network_client.load_balancers.begin_create_or_update(rg, "lb", {
        "location": LOC, "sku": {"name": "Standard"}, "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"subnet": {"id": sub}}}],
            "backendAddressPools": [{"name": "pool"}]}}).result()
    pool = rid(aznet, rg, "loadBalancers", "lb") + "/backendAddressPools/pool"
    compute.virtual_machine_scale_sets.begin_create_or_update(rg, "web", vmss_body(sub, 2, [pool])).result()
    assert error_of(network_client.load_balancers.begin_delete, rg, "lb")[0] == 400
    bad = vmss_body(sub, 2, [rid(aznet, rg, "loadBalancers", "lb") + "/backendAddressPools/ghost"])
    assert error_of(compute.virtual_machine_scale_sets.begin_create_or_update, rg, "bad", bad) == \
        (400, "InvalidResourceReference")


@pytest.mark.parametrize("case", ["size", "capacity", "subnet"])
def test_bad_input(aznet, network_client, compute, rg, case):
    make_vnet(network_client, rg)
    body = vmss_body(subnet_id(aznet, rg))
    if case == "size":
        body["sku"]["name"] = "Standard_Nope"
    elif case == "capacity":
        body["sku"]["capacity"] = 5000
    else:
        body = vmss_body(subnet_id(aznet, rg, subnet="missing"))
    assert error_of(compute.virtual_machine_scale_sets.begin_create_or_update, rg, "bad", body)[0] == 400
    assert error_of(compute.virtual_machine_scale_sets.get, rg, "bad")[0] == 404
