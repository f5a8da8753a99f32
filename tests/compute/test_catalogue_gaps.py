"""Catalogue gaps real commands hit: the VM image alias document `az vm create` / `az vm image list` fetch,
Azure's VM size catalogue (vCPUs, memory, max NICs) and its NIC limit, availability sets (the load balancer
tutorials' `az vm availability-set create`), `az network vnet list-endpoint-services`, and the
api-version error naming the request's own region."""

from __future__ import annotations

import json
import ssl
import subprocess
import uuid

import httpx
import pytest

from aznet.cli.azcli import az_env
from aznet.resources.compute import catalog
from tests.network.nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id

from .test_vm import vm_body


def _http(aznet, token: bool = True) -> httpx.Client:  # type: ignore[no-untyped-def]
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + aznet.credential().get_token(f"{aznet.endpoint}/.default").token
    return httpx.Client(base_url=aznet.endpoint, headers=headers, timeout=30,
                        verify=ssl.create_default_context(cafile=str(aznet.ca_bundle)))


# -- image aliases --------------------------------------------------------------------------------------

def test_vm_image_alias_document_is_served_anonymously(aznet):
    with _http(aznet, token=False) as c:
        meta = c.get("/metadata/endpoints", params={"api-version": "2022-09-01"}).json()
        url = meta["vmImageAliasDoc"]
        assert url == f"{aznet.endpoint}/vmimagealiases"
        r = c.get(url.removeprefix(aznet.endpoint))
    assert r.status_code == 200
    aliases = r.json()["outputs"]["aliases"]["value"]
    assert aliases["Linux"]["Ubuntu2204"] == {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                                              "sku": "22_04-lts-gen2", "version": "latest", "architecture": "x64"}
    assert aliases["Windows"]["Win2022Datacenter"]["sku"] == "2022-datacenter-g2"
    # every alias names an image the catalogue serves, so `az vm create --image <alias>` can resolve it
    for os_aliases in aliases.values():
        for spec in os_aliases.values():
            assert catalog.image(spec["publisher"], spec["offer"], spec["sku"]) is not None


def test_az_vm_image_list_reads_the_alias_document(az):
    # without --only-show-errors, so az's "Failed to retrieve image alias doc" warning would show
    proc = subprocess.run([az.az, "vm", "image", "list", "-o", "json"], env=az_env(az.data_dir),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "alias doc" not in proc.stderr
    listed = {i["urnAlias"] for i in json.loads(proc.stdout)}
    assert listed == {a[1] for a in catalog.ALIASES}


# -- VM sizes and the NIC limit -------------------------------------------------------------------------

def test_size_catalogue_has_current_sizes_with_their_limits(compute):  # noqa: F811
    sizes = {s.name: s for s in compute.virtual_machine_sizes.list("eastus")}
    d2v3 = sizes["Standard_D2_v3"]
    assert (d2v3.number_of_cores, d2v3.memory_in_mb, d2v3.max_data_disk_count) == (2, 8192, 4)
    assert {"Standard_D2s_v5", "Standard_B1s", "Standard_D4as_v5", "Standard_B2s_v2", "Standard_DS1_v2"} <= set(sizes)
    skus = {s.name: s for s in compute.resource_skus.list(filter="location eq 'eastus'")}
    caps = {c.name: c.value for c in skus["Standard_D8s_v3"].capabilities}
    assert (caps["vCPUs"], caps["MemoryGB"], caps["MaxNetworkInterfaces"]) == ("8", "32", "4")
    assert skus["Standard_D8s_v3"].family == "standardDSv3Family"


def _nics(aznet, network_client, rg, n):  # type: ignore[no-untyped-def]
    make_vnet(network_client, rg)
    ids = []
    for i in range(n):
        network_client.network_interfaces.begin_create_or_update(rg, f"nic{i}", nic_body(subnet_id(aznet, rg))).result()
        ids.append(rid(aznet, rg, "networkInterfaces", f"nic{i}"))
    return ids


def test_nic_limit_of_the_size_is_enforced(aznet, network_client, compute, rg):  # noqa: F811
    nics = _nics(aznet, network_client, rg, 3)
    code = error_of(compute.virtual_machines.begin_create_or_update, rg, "vm3",
                    vm_body(*nics, size="Standard_D2_v3", primary=0))
    assert code == (400, "NetworkInterfaceCountExceeded")
    with pytest.raises(Exception, match="the maximum allowed is 2"):
        compute.virtual_machines.begin_create_or_update(rg, "vm3", vm_body(*nics, size="Standard_D2_v3",
                                                                           primary=0)).result()
    vm = compute.virtual_machines.begin_create_or_update(rg, "vm3", vm_body(*nics, size="Standard_D8_v3",
                                                                            primary=0)).result()
    assert vm.hardware_profile.vm_size == "Standard_D8_v3" and len(vm.network_profile.network_interfaces) == 3


# -- availability sets ----------------------------------------------------------------------------------

def test_az_vm_availability_set_create_show_and_a_vm_in_it(az, aznet, compute):  # noqa: F811
    rg = f"rg-avset-{uuid.uuid4().hex[:6]}"
    az.run("group", "create", "-n", rg, "-l", LOC)
    try:
        created = az.json("vm", "availability-set", "create", "-g", rg, "-n", "web-as",
                          "--platform-fault-domain-count", "2", "--platform-update-domain-count", "5")
        assert created["platformFaultDomainCount"] == 2 and created["platformUpdateDomainCount"] == 5
        assert created["sku"]["name"] == "Aligned"
        vm = az.json("vm", "create", "-g", rg, "-n", "web1", "--image", "Ubuntu2204", "--availability-set",
                     "web-as", "--admin-username", "azureuser", "--admin-password", "Secr3t-Passw0rd!",
                     "--public-ip-address", "", "--nsg", "", "--size", "Standard_D2s_v3")
        assert vm["powerState"] == "VM running"
        shown = az.json("vm", "availability-set", "show", "-g", rg, "-n", "web-as")
        assert [v["id"].lower() for v in shown["virtualMachines"]] == [vm["id"].lower()]
        listed = az.json("vm", "availability-set", "list", "-g", rg)
        assert [a["name"] for a in listed] == ["web-as"]
        sizes = {z["name"] for z in az.json("vm", "availability-set", "list-sizes", "-g", rg, "-n", "web-as")}
        assert {"Standard_D2s_v3", "Standard_D2_v3"} <= sizes
        assert compute.virtual_machines.get(rg, "web1").availability_set.id.lower().endswith("/web-as")
    finally:
        az.run("group", "delete", "-n", rg, "--yes", check=False)


@pytest.mark.parametrize(("props", "code", "fragment"), [
    ({"platformFaultDomainCount": 4}, "InvalidParameter", "fault domain count 4 must fall in the range 1 to 3"),
    ({"platformFaultDomainCount": 2, "platformUpdateDomainCount": 21}, "InvalidParameter", "update domain count"),
    ({"platformFaultDomainCount": 1, "platformUpdateDomainCount": 5}, "InvalidParameter", "must be 1 when fault"),
])
def test_availability_set_bad_counts(compute, rg, props, code, fragment):  # noqa: F811
    with pytest.raises(Exception, match=fragment):
        compute.availability_sets.create_or_update(rg, "bad", {"location": LOC, "properties": props})
    assert error_of(compute.availability_sets.get, rg, "bad")[0] == 404


def test_availability_set_rules_for_vms(aznet, network_client, compute, rg):  # noqa: F811
    compute.availability_sets.create_or_update(rg, "as1", {"location": LOC, "sku": {"name": "Aligned"},
                                                           "properties": {"platformFaultDomainCount": 2}})
    got = compute.availability_sets.get(rg, "as1")
    assert (got.platform_fault_domain_count, got.platform_update_domain_count, got.sku.name) == (2, 5, "Aligned")
    nics = _nics(aznet, network_client, rg, 2)
    as_id = got.id
    ghost = as_id.replace("/as1", "/ghost")
    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "vmx",
                    vm_body(nics[0], availabilitySet={"id": ghost}))[0] == 404
    zonal = vm_body(nics[0], availabilitySet={"id": as_id})
    zonal["zones"] = ["1"]
    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "vmx", zonal) == (400, "InvalidParameter")
    compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nics[0], availabilitySet={"id": as_id})
                                                    ).result()
    assert [v.id.lower() for v in compute.availability_sets.get(rg, "as1").virtual_machines] == \
        [rid(aznet, rg, "virtualMachines", "vm1").replace("Microsoft.Network", "Microsoft.Compute").lower()]
    # the counts of an existing set cannot change, nor can a VM leave its set
    assert error_of(compute.availability_sets.create_or_update, rg, "as1",
                    {"location": LOC, "properties": {"platformFaultDomainCount": 3}}) == (409, "PropertyChangeNotAllowed")
    assert error_of(compute.virtual_machines.begin_create_or_update, rg, "vm1", vm_body(nics[0])) == \
        (409, "PropertyChangeNotAllowed")
    compute.virtual_machines.begin_delete(rg, "vm1").result()
    assert compute.availability_sets.get(rg, "as1").virtual_machines == []
    compute.availability_sets.delete(rg, "as1")
    assert error_of(compute.availability_sets.get, rg, "as1")[0] == 404


# -- endpoint services and the api-version error ---------------------------------------------------------

def test_az_network_vnet_list_endpoint_services(az):
    services = az.json("network", "vnet", "list-endpoint-services", "-l", "northeurope")
    names = [s["name"] for s in services]
    assert {"Microsoft.Storage", "Microsoft.Sql", "Microsoft.KeyVault", "Microsoft.Storage.Global"} <= set(names)
    assert all(s["type"] == "Microsoft.Network/virtualNetworkEndpointServices" for s in services)
    assert services[0]["id"].endswith(f"/providers/Microsoft.Network/virtualNetworkEndpointServices/{names[0]}")
    err = az.fails("network", "vnet", "list-endpoint-services", "-l", "atlantis")
    assert "atlantis" in err.stderr


def test_api_version_error_names_the_requests_region(aznet, network_client, rg):
    sub = aznet.subscription_id
    vnet = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks"
    bad = {"api-version": "2099-01-01"}
    with _http(aznet) as c:
        r = c.put(f"{vnet}/v-east", params=bad, json={"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
        assert r.status_code == 400 and r.json()["error"]["code"] == "NoRegisteredProviderFound"
        assert "for location 'eastus'" in r.json()["error"]["message"]
        make_vnet(network_client, rg, "v-north", location="northeurope")
        for url in (f"{vnet}/v-north", f"{vnet}/v-north/subnets/default", f"{vnet}/v-north/subnets"):
            r = c.get(url, params=bad)
            assert "for location 'northeurope'" in r.json()["error"]["message"], url
        r = c.get(f"/subscriptions/{sub}/providers/Microsoft.Network/locations/japaneast/"
                  "virtualNetworkAvailableEndpointServices", params=bad)
        assert "for location 'japaneast'" in r.json()["error"]["message"]
