"""Template deployments through the SDK and `az deployment group create`:
parameters, variables, a copy loop, a condition, dependsOn and outputs."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError

TEMPLATE_PATH = Path(__file__).parent / "data" / "network_template.json"


def load_template() -> dict:
    from aznet.deployments.engine import parse_template_text

    return parse_template_text(TEMPLATE_PATH.read_text())


def test_sdk_deployment_creates_resources_and_outputs(deployments, network_client, rg):
    poller = deployments.deployments.begin_create_or_update(rg, "net1", {"properties": {
        "mode": "Incremental", "template": load_template(),
        "parameters": {"prefix": {"value": "app"}, "nsgCount": {"value": 2}}}})
    result = poller.result()
    assert result.properties.provisioning_state == "Succeeded"
    outputs = result.properties.outputs
    assert outputs["nsgNames"]["value"] == ["app-nsg-1", "app-nsg-2"]
    assert outputs["subnetPrefix"]["value"] == "10.40.1.0/24"
    assert outputs["vnetId"]["value"].endswith(f"/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/app-vnet")
    nsgs = sorted(n.name for n in network_client.network_security_groups.list(rg))
    assert nsgs == ["app-nsg-1", "app-nsg-2"]          # the condition was false: no prod-only NSG
    vnet = network_client.virtual_networks.get(rg, "app-vnet")
    assert vnet.subnets[0].network_security_group.id.endswith("/app-nsg-1")
    assert vnet.tags == {"env": "dev"}
    ops = list(deployments.deployment_operations.list(rg, "net1"))
    assert len([o for o in ops if o.properties.target_resource]) == 3
    assert all(o.properties.provisioning_state == "Succeeded" for o in ops)
    params = result.properties.parameters
    assert "adminSecret" not in params or "value" not in params["adminSecret"]


def test_sdk_condition_true_and_listing(deployments, network_client, rg):
    deployments.deployments.begin_create_or_update(rg, "prod", {"properties": {
        "mode": "Incremental", "template": load_template(),
        "parameters": {"prefix": {"value": "p"}, "nsgCount": {"value": 1},
                       "environment": {"value": "prod"}}}}).result()
    names = sorted(n.name for n in network_client.network_security_groups.list(rg))
    assert names == ["p-nsg-1", "p-prod-only"]
    assert "prod" in [d.name for d in deployments.deployments.list_by_resource_group(rg)]


def test_sdk_validate_rejects_bad_parameter(deployments, rg):
    with pytest.raises(HttpResponseError) as exc:
        deployments.deployments.begin_validate(rg, "bad", {"properties": {
            "mode": "Incremental", "template": load_template(),
            "parameters": {"environment": {"value": "staging"}}}}).result()
    assert exc.value.status_code == 400
    assert "InvalidTemplate" in str(exc.value) or "allowed" in str(exc.value).lower()


def test_failed_resource_fails_the_deployment(deployments, network_client, rg):
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "broken",
                       "location": "westeurope",
                       "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/33"]}}}],
    }
    with pytest.raises(HttpResponseError) as exc:
        deployments.deployments.begin_create_or_update(rg, "fails", {"properties": {
            "mode": "Incremental", "template": template}}).result()
    assert "DeploymentFailed" in str(exc.value)
    dep = deployments.deployments.get(rg, "fails")
    assert dep.properties.provisioning_state == "Failed"
    assert [v.name for v in network_client.virtual_networks.list(rg)] == []


def test_az_deployment_group_create(az, network_client):
    rg = f"rg-az-dep-{uuid.uuid4().hex[:6]}"
    az.run("group", "create", "-n", rg, "-l", "westeurope")
    try:
        out = az.json("deployment", "group", "create", "-g", rg, "-n", "fromcli",
                      "--template-file", str(TEMPLATE_PATH),
                      "--parameters", "prefix=cli", "nsgCount=2")
        assert out["properties"]["provisioningState"] == "Succeeded"
        assert out["properties"]["outputs"]["nsgNames"]["value"] == ["cli-nsg-1", "cli-nsg-2"]
        listed = az.json("network", "vnet", "list", "-g", rg)
        assert [v["name"] for v in listed] == ["cli-vnet"]
        shown = az.json("deployment", "group", "show", "-g", rg, "-n", "fromcli")
        assert shown["properties"]["outputs"]["subnetPrefix"]["value"] == "10.40.1.0/24"
        ops = az.json("deployment", "operation", "group", "list", "-g", rg, "-n", "fromcli")
        assert len(ops) >= 3
    finally:
        az.run("group", "delete", "-n", rg, "--yes")
    assert json.loads(az.run("group", "exists", "-n", rg).stdout) is False


def test_subscription_scope_deployment_creates_a_group(deployments, resource_client):
    name = f"rg-sub-{uuid.uuid4().hex[:6]}"
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"rgName": {"type": "string"}},
        "resources": [{"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2021-04-01",
                       "name": "[parameters('rgName')]", "location": "westeurope", "tags": {"made": "by-template"}}],
        "outputs": {"rgId": {"type": "string",
                             "value": "[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('rgName'))]"}},
    }
    result = deployments.deployments.begin_create_or_update_at_subscription_scope(f"sub-{name}", {
        "location": "westeurope", "properties": {"mode": "Incremental", "template": template,
                                                 "parameters": {"rgName": {"value": name}}}}).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["rgId"]["value"].endswith(f"/resourceGroups/{name}")
    assert resource_client.resource_groups.get(name).tags == {"made": "by-template"}
    resource_client.resource_groups.begin_delete(name).result()


def test_cancel_of_a_finished_deployment_is_refused(deployments, rg):
    template = {"$schema": "x", "contentVersion": "1.0.0.0", "resources": []}
    deployments.deployments.begin_create_or_update(rg, "done", {"properties": {
        "mode": "Incremental", "template": template}}).result()
    with pytest.raises(HttpResponseError) as exc:
        deployments.deployments.cancel(rg, "done")
    assert exc.value.status_code == 409
    assert exc.value.error.code == "DeploymentCannotBeCancelled"
    exported = deployments.deployments.export_template(rg, "done")
    assert exported.template == template


def test_az_deployment_with_the_newer_template_functions(az, aznet, network_client):
    from aznet.deployments.hashing import unique_string

    rg = f"rg-az-fn-{uuid.uuid4().hex[:6]}"
    az.run("group", "create", "-n", rg, "-l", "westeurope")
    try:
        out = az.json("deployment", "group", "create", "-g", rg, "-n", "functions",
                      "--template-file", str(Path(__file__).parent / "data" / "functions_template.json"))
        props = out["properties"]
        assert props["provisioningState"] == "Succeeded", props.get("error")
        outputs = {k: v["value"] for k, v in props["outputs"].items()}
        rg_id = f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}"
        assert outputs["suffix"] == unique_string(rg_id)
        assert outputs["network"] == {"network": "10.60.0.0", "netmask": "255.255.0.0", "broadcast": "10.60.255.255",
                                      "firstUsable": "10.60.0.1", "lastUsable": "10.60.255.254", "cidr": 16}
        assert outputs["firstHost"] == "10.60.1.4"
        assert outputs["groups"] == ["w", "a", "d"]
        assert (outputs["owner"], outputs["missing"]) == ("aznet", "none")
        assert outputs["later"] == "2026-02-28T10:00:00Z"
        assert outputs["epoch"] == 1767225600
        assert outputs["networkApi"] is True
        # reference() in outputs is a GET after every resource is deployed: the child subnet 'extra' is there
        assert outputs["subnetNames"] == ["web", "app", "db", "extra"]
        vnet = network_client.virtual_networks.get(rg, f"vnet-{outputs['suffix']}")
        assert sorted((s.name, s.address_prefix) for s in vnet.subnets) == [
            ("app", "10.60.1.0/24"), ("db", "10.60.2.0/24"), ("extra", "10.60.9.0/24"), ("web", "10.60.0.0/24")]
        assert vnet.tags == {"env": "test", "owner": "aznet", "zones": '["1","2","3"]'}
        assert network_client.network_security_groups.get(rg, "nsg-db").name == "nsg-db"
    finally:
        az.run("group", "delete", "-n", rg, "--yes")
