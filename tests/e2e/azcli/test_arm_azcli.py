"""The Azure CLI, registered as a custom cloud and signed in as a service
principal, drives resource groups."""

from __future__ import annotations

import uuid


def test_account_is_the_aznet_subscription(aznet, az):
    account = az.json("account", "show")
    assert account["id"] == aznet.subscription_id
    assert account["tenantId"] == aznet.tenant_id
    assert account["environmentName"] == "aznet"


def test_group_lifecycle(az):
    name = f"rg-cli-{uuid.uuid4().hex[:6]}"
    created = az.json("group", "create", "-n", name, "-l", "westeurope", "--tags", "owner=cli")
    assert created["properties"]["provisioningState"] == "Succeeded"
    assert created["tags"] == {"owner": "cli"}
    assert az.run("group", "exists", "-n", name).stdout.strip() == "true"
    assert name in [g["name"] for g in az.json("group", "list")]
    az.run("group", "delete", "-n", name, "--yes")
    assert az.run("group", "exists", "-n", name).stdout.strip() == "false"


def test_missing_group_error_reaches_the_cli(az):
    err = az.fails("group", "show", "-n", f"nope-{uuid.uuid4().hex[:6]}")
    assert "ResourceGroupNotFound" in err.stderr
