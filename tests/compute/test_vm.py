"""Virtual machines through the real compute SDK: the networking parts of
Azure's VM tutorials, power state and instance view, and the NIC rules."""

from __future__ import annotations

import ipaddress

import pytest

from tests.network.nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id

UBUNTU = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2",
          "version": "latest"}


def vm_body(*nic_ids, size="Standard_B1s", primary=None, **extra):  # type: ignore[no-untyped-def]
    nics = []
    for i, n in enumerate(nic_ids):
        entry = {"id": n}
        if primary is not None:
            entry["properties"] = {"primary": i == primary}
        nics.append(entry)
    body = {"location": LOC, "properties": {
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {"imageReference": UBUNTU},
        "osProfile": {"adminUsername": "azureuser", "adminPassword": "Secr3t-Passw0rd!"},
        "networkProfile": {"networkInterfaces": nics}}}
    body["properties"].update(extra)
    return body


@pytest.fixture
def nic(aznet, network_client, rg):  # type: ignore[no-untyped-def]
    make_vnet(network_client, rg)
    network_client.network_interfaces.begin_create_or_update(rg, "nic1", nic_body(subnet_id(aznet, rg))).result()
    return rid(aznet, rg, "networkInterfaces", "nic1")


def test_vm_with_public_ip_and_dns_label(aznet, network_client, compute, rg):
    """The "VM with a public IP and DNS label" tutorial, through the SDK."""
    make_vnet(network_client, rg, name="myVnet", subnets={"mySubnet": "10.0.0.0/24"})
    label = f"myvm-{rg}"
    network_client.public_ip_addresses.begin_create_or_update(
        rg, "myPublicIP", {"location": LOC, "sku": {"name": "Standard"},
                           "properties": {"publicIPAllocationMethod": "Static",
                                          "dnsSettings": {"domainNameLabel": label}}}).result()
    network_client.network_interfaces.begin_create_or_update(rg, "myNic", nic_body(
        subnet_id(aznet, rg, "myVnet", "mySubnet"),
        publicIPAddress={"id": rid(aznet, rg, "publicIPAddresses", "myPublicIP")})).result()
    vm = compute.virtual_machines.begin_create_or_update(
        rg, "myVM", vm_body(rid(aznet, rg, "networkInterfaces", "myNic"))).result()
    assert vm.vm_id and vm.provisioning_state == "Succeeded"
    assert vm.os_profile.admin_password is None and vm.os_profile.computer_name == "myVM"
    assert vm.storage_profile.os_disk.os_type == "Linux"
    assert vm.storage_profile.image_reference.exact_version
    nic = network_client.network_interfaces.get(rg, "myNic")
    assert nic.virtual_machine.id.lower() == vm.id.lower()
    assert nic.primary is True and nic.mac_address and len(nic.mac_address.split("-")) == 6
    assert nic.ip_configurations[0].private_ip_address == "10.0.0.4"
    pip = network_client.public_ip_addresses.get(rg, "myPublicIP")
    assert pip.dns_settings.fqdn == f"{label}.westeurope.cloudapp.azure.com"
    assert ipaddress.ip_address(pip.ip_address) in ipaddress.ip_network("127.64.0.0/16")
    assert pip.ip_configuration.id.lower() == nic.ip_configurations[0].id.lower()
    again = compute.virtual_machines.get(rg, "myVM", expand="instanceView")
    assert [s.code for s in again.instance_view.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]


def test_power_actions_and_instance_view(aznet, network_client, compute, rg, nic, allow_retired):
    network_client.public_ip_addresses.begin_create_or_update(
        rg, "dyn", {"location": LOC, "sku": {"name": "Basic"},
                    "properties": {"publicIPAllocationMethod": "Dynamic"}}).result()
    network_client.network_interfaces.begin_create_or_update(rg, "nic1", nic_body(
        subnet_id(aznet, rg), publicIPAddress={"id": rid(aznet, rg, "publicIPAddresses", "dyn")})).result()
    compute.virtual_machines.begin_create_or_update(rg, "vm", vm_body(nic)).result()

    def power() -> str:
        view = compute.virtual_machines.instance_view(rg, "vm")
        return [s.code for s in view.statuses if s.code.startswith("PowerState/")][0]

    assert power() == "PowerState/running"
    assert network_client.public_ip_addresses.get(rg, "dyn").ip_address
    compute.virtual_machines.begin_power_off(rg, "vm").result()
    assert power() == "PowerState/stopped"
    compute.virtual_machines.begin_deallocate(rg, "vm").result()
    assert power() == "PowerState/deallocated"
    assert network_client.public_ip_addresses.get(rg, "dyn").ip_address is None   # Dynamic IP released
    compute.virtual_machines.begin_start(rg, "vm").result()
    assert power() == "PowerState/running"
    assert network_client.public_ip_addresses.get(rg, "dyn").ip_address
    compute.virtual_machines.begin_restart(rg, "vm").result()
    assert power() == "PowerState/running"


def test_attached_nic_cannot_be_deleted_until_vm_is(network_client, compute, rg, nic):
    compute.virtual_machines.begin_create_or_update(rg, "vm", vm_body(nic)).result()
    assert error_of(network_client.network_interfaces.begin_delete, rg, "nic1") == (400, "NicInUse")
    compute.virtual_machines.begin_delete(rg, "vm").result()
    assert network_client.network_interfaces.get(rg, "nic1").virtual_machine is None
    network_client.network_interfaces.begin_delete(rg, "nic1").result()


def test_nic_delete_option(network_client, compute, rg, nic):
    body = vm_body(nic)
    body["properties"]["networkProfile"]["networkInterfaces"][0]["properties"] = {"deleteOption": "Delete"}
    compute.virtual_machines.begin_create_or_update(rg, "vm", body).result()
    compute.virtual_machines.begin_delete(rg, "vm").result()
    assert error_of(network_client.network_interfaces.get, rg, "nic1")[0] == 404


def test_nic_used_by_one_vm_only(compute, rg, nic):
    compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nic)).result()
    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "vm2", vm_body(nic)) == (400, "NicInUse")
    assert error_of(compute.virtual_machines.get, rg, "vm2")[0] == 404


def test_two_nics_need_one_primary(aznet, network_client, compute, rg, nic):
    network_client.network_interfaces.begin_create_or_update(rg, "nic2", nic_body(subnet_id(aznet, rg))).result()
    nic2 = rid(aznet, rg, "networkInterfaces", "nic2")
    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "vm", vm_body(nic, nic2)) == \
        (400, "VirtualMachineMustHaveOneNetworkInterfaceAsPrimary")
    vm = compute.virtual_machines.begin_create_or_update(rg, "vm", vm_body(nic, nic2, size="Standard_B2s",
                                                                           primary=1)).result()
    assert len(vm.network_profile.network_interfaces) == 2
    assert network_client.network_interfaces.get(rg, "nic2").primary is True
    assert network_client.network_interfaces.get(rg, "nic1").primary is False


def test_accelerated_networking_needs_a_capable_size(aznet, network_client, compute, rg, nic):
    network_client.network_interfaces.begin_create_or_update(rg, "nic1", {
        **nic_body(subnet_id(aznet, rg)), "properties": {**nic_body(subnet_id(aznet, rg))["properties"],
                                                         "enableAcceleratedNetworking": True}}).result()
    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "vm", vm_body(nic)) == \
        (400, "VMSizeIsNotPermittedToEnableAcceleratedNetworking")
    compute.virtual_machines.begin_create_or_update(rg, "vm", vm_body(nic, size="Standard_D2s_v5")).result()


@pytest.mark.parametrize("case", ["size", "image", "nic", "password", "user"])
def test_bad_input(aznet, compute, rg, nic, case):
    body = vm_body(nic)
    props = body["properties"]
    expect = (400, "InvalidParameter")
    if case == "size":
        props["hardwareProfile"]["vmSize"] = "Standard_Nope"
    elif case == "image":
        props["storageProfile"]["imageReference"] = {**UBUNTU, "sku": "99_99"}
        expect = (404, "PlatformImageNotFound")
    elif case == "nic":
        props["networkProfile"]["networkInterfaces"] = [{"id": rid(aznet, rg, "networkInterfaces", "ghost")}]
        expect = (400, "InvalidResourceReference")
    elif case == "password":
        props["osProfile"]["adminPassword"] = "short"
    else:
        del props["osProfile"]["adminUsername"]
    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "bad", body) == expect
    assert error_of(compute.virtual_machines.get, rg, "bad")[0] == 404


def test_catalogue_endpoints(compute):
    sizes = {s.name for s in compute.virtual_machine_sizes.list(LOC)}
    assert {"Standard_B1s", "Standard_D2s_v5"} <= sizes
    versions = compute.virtual_machine_images.list(LOC, UBUNTU["publisher"], UBUNTU["offer"], UBUNTU["sku"])
    assert len(versions) >= 1
    img = compute.virtual_machine_images.get(LOC, UBUNTU["publisher"], UBUNTU["offer"], UBUNTU["sku"],
                                             versions[-1].name)
    assert img.os_disk_image.operating_system == "Linux" and img.hyper_v_generation == "V2"
    skus = list(compute.resource_skus.list(filter=f"location eq '{LOC}'"))
    assert any(s.name == "Standard_B1s" for s in skus)
