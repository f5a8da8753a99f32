"""Edge zones: the Microsoft.EdgeZones catalogue through azure-mgmt-edgezones (list, get, register,
unregister), ``extendedLocation`` on VNets, public IPs, NICs, load balancers and VMs with Azure's rules
(a zone of the resource's region, registered, fixed; resources that refer to each other share it;
Standard SKU), through the SDK and ``az ... --edge-zone``."""

from __future__ import annotations

import pytest

from .nic_support import error_of, make_vnet, nic_body, rid, subnet_id

LOC = "westus"
EDGE = {"name": "losangeles", "type": "EdgeZone"}


@pytest.fixture(scope="module")
def edgezones(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.edgezones import EdgeZonesMgmtClient

    return aznet.client(EdgeZonesMgmtClient)


def test_extended_zones_catalogue_and_registration(aznet, edgezones, network_client, rg):
    zones = {z.name: z for z in edgezones.extended_zones.list_by_subscription()}
    assert zones["losangeles"].properties.home_location == "westus"
    assert zones["perth"].properties.home_location == "australiaeast"
    edgezones.extended_zones.unregister("perth")
    assert edgezones.extended_zones.get("perth").properties.registration_state == "NotRegistered"
    # a VNet in an unregistered zone is refused; once registered it is accepted
    body = {"location": "australiaeast", "extendedLocation": {"name": "perth", "type": "EdgeZone"},
            "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}
    assert error_of(network_client.virtual_networks.begin_create_or_update, rg, "perthvnet", body) == \
        (400, "SubscriptionNotRegisteredForExtendedZone")
    assert edgezones.extended_zones.register("perth").properties.registration_state == "Registered"
    # a registration is not a resource of the subscription
    from azure.mgmt.resource.resources import ResourceManagementClient

    listed = {r.type for r in aznet.client(ResourceManagementClient).resources.list()}
    assert "Microsoft.EdgeZones/extendedZones" not in listed
    vnet = network_client.virtual_networks.begin_create_or_update(rg, "perthvnet", body).result()
    assert vnet.extended_location.name == "perth" and vnet.extended_location.type == "EdgeZone"
    with pytest.raises(Exception) as info:
        edgezones.extended_zones.unregister("perth")
    assert "ExtendedZoneInUse" in str(info.value)


def test_edge_zone_rules(aznet, edgezones, network_client, compute, rg):
    net = network_client
    edgezones.extended_zones.register("losangeles")
    # the zone must belong to the resource's region, its type must be EdgeZone
    wrong = {"location": "eastus", "extendedLocation": EDGE,
             "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    assert error_of(net.virtual_networks.begin_create_or_update, rg, "wrongvnet", wrong) == (400, "InvalidExtendedLocation")
    body = {"location": LOC, "extendedLocation": EDGE, "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}
    net.virtual_networks.begin_create_or_update(rg, "edgevnet", body).result()
    make_vnet(net, rg, name="regionvnet", location=LOC, prefixes=("10.1.0.0/16",), subnets={"default": "10.1.0.0/24"})
    # it cannot move out of the zone
    moved = dict(body)
    moved.pop("extendedLocation")
    assert error_of(net.virtual_networks.begin_create_or_update, rg, "edgevnet", moved) == \
        (400, "ExtendedLocationCannotBeChanged")
    # public IPs: Standard only in an edge zone
    assert error_of(net.public_ip_addresses.begin_create_or_update, rg, "basicpip", {
        "location": LOC, "extendedLocation": EDGE, "sku": {"name": "Basic"},
        "properties": {"publicIPAllocationMethod": "Static"}}) == (400, "EdgeZoneRequiresStandardSku")
    edge_pip = net.public_ip_addresses.begin_create_or_update(rg, "edgepip", {
        "location": LOC, "extendedLocation": EDGE, "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    region_pip = net.public_ip_addresses.begin_create_or_update(rg, "regionpip", {
        "location": LOC, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}).result()
    # NICs share the zone of their VNet and of their public IP
    edge_subnet = subnet_id(aznet, rg, "edgevnet", "default")
    nic = nic_body(edge_subnet, location=LOC)
    assert error_of(net.network_interfaces.begin_create_or_update, rg, "nic0", nic) == \
        (400, "ExtendedLocationMismatch")
    nic["extendedLocation"] = EDGE
    nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] = {"id": region_pip.id}
    assert error_of(net.network_interfaces.begin_create_or_update, rg, "nic1", nic) == \
        (400, "ExtendedLocationMismatch")
    nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] = {"id": edge_pip.id}
    made = net.network_interfaces.begin_create_or_update(rg, "nic1", nic).result()
    assert made.extended_location.name == "losangeles"
    region_nic = nic_body(subnet_id(aznet, rg, "regionvnet", "default"), location=LOC)
    region_nic["extendedLocation"] = EDGE
    assert error_of(net.network_interfaces.begin_create_or_update, rg, "nic2", region_nic) == \
        (400, "ExtendedLocationMismatch")
    # load balancers: frontends in the same zone
    lb = {"location": LOC, "extendedLocation": EDGE, "sku": {"name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": region_pip.id}}}]}}
    assert error_of(net.load_balancers.begin_create_or_update, rg, "lb", lb) == (400, "ExtendedLocationMismatch")
    lb["properties"]["frontendIPConfigurations"] = [{"name": "fe", "properties": {"subnet": {"id": edge_subnet}}}]
    got = net.load_balancers.begin_create_or_update(rg, "lb", lb).result()
    assert got.extended_location.name == "losangeles"
    # VMs: with their NICs
    from tests.compute.test_vm import vm_body

    vm = vm_body(rid(aznet, rg, "networkInterfaces", "nic1"))
    vm["location"] = LOC

    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "vm1", vm) == \
        (400, "ExtendedLocationMismatch")
    vm["extendedLocation"] = EDGE
    assert compute.virtual_machines.begin_create_or_update(rg, "vm1", vm).result().extended_location.name == \
        "losangeles"


def test_edge_zone_azcli(aznet, az, edgezones):  # type: ignore[no-untyped-def]
    edgezones.extended_zones.register("losangeles")
    with az.group("rg-edge-", LOC) as rg:
        vnet = az.json("network", "vnet", "create", "-g", rg, "-n", "EdgeVNet", "-l", LOC, "--edge-zone",
                       "losangeles", "--address-prefix", "10.0.0.0/16", "--subnet-name", "default",
                       "--subnet-prefix", "10.0.0.0/24")
        vnet = vnet.get("newVNet", vnet)
        assert vnet["extendedLocation"] == {"name": "losangeles", "type": "EdgeZone"}
        pip = az.json("network", "public-ip", "create", "-g", rg, "-n", "EdgePip", "-l", LOC, "--edge-zone",
                      "losangeles", "--sku", "Standard")
        pip = pip.get("publicIp", pip)
        assert pip["extendedLocation"]["name"] == "losangeles"
        nic = az.json("network", "nic", "create", "-g", rg, "-n", "EdgeNic", "-l", LOC, "--edge-zone", "losangeles",
                      "--vnet-name", "EdgeVNet", "--subnet", "default", "--public-ip-address", "EdgePip")
        nic = nic.get("NewNIC", nic)
        assert nic["extendedLocation"]["name"] == "losangeles"
        bad = az.fails("network", "nic", "create", "-g", rg, "-n", "RegionNic", "-l", LOC, "--vnet-name", "EdgeVNet",
                       "--subnet", "default")
        assert "ExtendedLocationMismatch" in bad.stderr
        bad = az.fails("network", "vnet", "create", "-g", rg, "-n", "Wrong", "-l", "eastus", "--edge-zone",
                       "losangeles", "--address-prefix", "10.5.0.0/16")
        assert "InvalidExtendedLocation" in bad.stderr
