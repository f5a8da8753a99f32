"""The "VM with a public IP and DNS label" tutorial with the real Azure CLI.
``az vm create`` creates the VNet, subnet, NSG, public IP and NIC through a
template deployment; the test runs once the template engine is in place."""

from __future__ import annotations

import importlib.util
import ipaddress
import uuid

import pytest

from tests.network.nic_support import ensure_vnet_types

pytestmark = pytest.mark.skipif(importlib.util.find_spec("aznet.deployments.engine") is None,
                                reason="the ARM template engine (aznet.deployments.engine) is not in place yet")


def test_vm_with_public_ip_and_dns_label(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    label = f"myvm-{uuid.uuid4().hex[:8]}"
    with az.group("rg-vm-") as rg:
        vm = az.json("vm", "create", "-g", rg, "-n", "myVM", "--image", "Ubuntu2204", "--admin-username",
                     "azureuser", "--admin-password", "Secr3t-Passw0rd!", "--public-ip-sku", "Standard",
                     "--public-ip-address-dns-name", label)
        assert vm["powerState"] == "VM running"
        assert vm["fqdns"] == f"{label}.westeurope.cloudapp.azure.com"
        assert ipaddress.ip_address(vm["publicIpAddress"]) in ipaddress.ip_network("127.64.0.0/16")
        assert vm["privateIpAddress"] == "10.0.0.4"
        shown = az.json("vm", "show", "-g", rg, "-n", "myVM", "-d")
        assert shown["powerState"] == "VM running" and shown["fqdns"] == vm["fqdns"]
        az.run("vm", "deallocate", "-g", rg, "-n", "myVM")
        assert az.json("vm", "get-instance-view", "-g", rg, "-n", "myVM", "--query",
                       "instanceView.statuses[1].code") == "PowerState/deallocated"
