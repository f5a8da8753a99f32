"""``aznet verify --endpoint``: resources fetched from a running aznet (the
session's instance on 127.0.0.1) with a client-credentials token."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.netmodel import NetworkModel
from aznet.verifier import effective_route_table, sources
from aznet.verifier.cli import main


def test_fetch_from_running_emulator(aznet: Any, network_client: Any, rg: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    nc = network_client
    # plain dicts go to the wire as they are: Azure's JSON shape
    nsg = nc.network_security_groups.begin_create_or_update(rg, "web-nsg", {
        "location": "westeurope", "properties": {"securityRules": [{"name": "DenySsh", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
            "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": "22"}}]}}).result()
    vnet = nc.virtual_networks.begin_create_or_update(rg, "vnet", {
        "location": "westeurope", "properties": {
            "addressSpace": {"addressPrefixes": ["10.5.0.0/16"]},
            "subnets": [{"name": "a", "properties": {"addressPrefix": "10.5.1.0/24"}},
                        {"name": "b", "properties": {"addressPrefix": "10.5.2.0/24",
                                                     "networkSecurityGroup": {"id": nsg.id}}}]}}).result()
    for name, sub in (("nic-a", "a"), ("nic-b", "b")):
        nc.network_interfaces.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": f"{vnet.id}/subnets/{sub}"}}}]}}).result()
    resources = sources.fetch_resources(aznet.endpoint, aznet.subscription_id, aznet.tenant_id,
                                        ca_file=str(aznet.ca_bundle))
    mine = [r for r in resources if f"/resourcegroups/{rg.lower()}/" in r["id"].lower()]
    model = NetworkModel.build(mine)
    assert len(model.nics) == 2 and len(model.subnets) == 2 and len(model.acls) == 1
    nic_a = next(n for n in model.nics.values() if n.name == "nic-a")
    assert any(r["nextHopType"] == "VnetLocal" for r in effective_route_table(model, nic_a.id)["value"])
    rc = main(["--endpoint", aznet.endpoint, "--subscription", aznet.subscription_id, "--tenant", aznet.tenant_id,
               "--ca-file", str(aznet.ca_bundle), "trace", "--from", nic_a.id,
               "--to", next(n for n in model.nics.values() if n.name == "nic-b").ipconfigs[0].ip_text, "--port", "22"])
    out = capsys.readouterr().out
    assert rc == 1 and "web-nsg: securityRules/DenySsh" in out
