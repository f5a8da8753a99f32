"""The private endpoint and service endpoint tutorials with the real Azure CLI:
a storage account reached through a private endpoint (with the connection
approved by its owner), a subnet with the Microsoft.Storage service endpoint in
the account's network rules, a key vault, and a user-assigned identity."""

from __future__ import annotations

import uuid

from tests.network.nic_support import ensure_vnet_types


def test_private_and_service_endpoint_tutorials(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    st = f"st{uuid.uuid4().hex[:12]}"
    with az.group("rg-pe-") as rg:
        az.run("network", "vnet", "create", "-g", rg, "-n", "vnet-1", "--address-prefix", "10.0.0.0/16",
               "--subnet-name", "subnet-1", "--subnet-prefixes", "10.0.0.0/24")
        acct = az.json("storage", "account", "create", "-g", rg, "-n", st, "-l", "westeurope", "--sku",
                       "Standard_LRS", "--kind", "StorageV2")
        assert acct["primaryEndpoints"]["blob"] == f"https://{st}.blob.core.windows.net/"
        keys = az.json("storage", "account", "keys", "list", "-g", rg, "-n", st)
        assert [k["keyName"] for k in keys] == ["key1", "key2"]
        groups = az.json("network", "private-link-resource", "list", "--id", acct["id"])
        assert "blob" in [g["properties"]["groupId"] for g in groups]
        pe = az.json("network", "private-endpoint", "create", "-g", rg, "-n", "private-endpoint", "--vnet-name",
                     "vnet-1", "--subnet", "subnet-1", "--private-connection-resource-id", acct["id"],
                     "--group-id", "blob", "--connection-name", "connection-1", "--manual-request")
        state = pe["manualPrivateLinkServiceConnections"][0]["privateLinkServiceConnectionState"]
        assert state["status"] == "Pending"
        conns = az.json("network", "private-endpoint-connection", "list", "--id", acct["id"])
        assert len(conns) == 1
        az.run("network", "private-endpoint-connection", "approve", "--id", conns[0]["id"],
               "--description", "Approved by the owner")
        shown = az.json("network", "private-endpoint", "show", "-g", rg, "-n", "private-endpoint")
        assert shown["manualPrivateLinkServiceConnections"][0]["privateLinkServiceConnectionState"]["status"] == \
            "Approved"
        # service endpoint: refused until the subnet has Microsoft.Storage
        az.run("network", "vnet", "subnet", "create", "-g", rg, "--vnet-name", "vnet-1", "-n", "subnet-private",
               "--address-prefixes", "10.0.2.0/24")
        err = az.fails("storage", "account", "network-rule", "add", "-g", rg, "--account-name", st,
                       "--vnet-name", "vnet-1", "--subnet", "subnet-private")
        assert "NetworkAclsValidationFailure" in err.stderr
        az.run("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "vnet-1", "-n", "subnet-private",
               "--service-endpoints", "Microsoft.Storage")
        az.run("storage", "account", "network-rule", "add", "-g", rg, "--account-name", st, "--vnet-name",
               "vnet-1", "--subnet", "subnet-private")
        az.run("storage", "account", "update", "-g", rg, "-n", st, "--default-action", "Deny")
        rules = az.json("storage", "account", "network-rule", "list", "-g", rg, "--account-name", st)
        assert rules["virtualNetworkRules"][0]["virtualNetworkResourceId"].lower().endswith("/subnets/subnet-private")
        assert az.json("storage", "account", "show", "-g", rg, "-n", st)["networkRuleSet"]["defaultAction"] == "Deny"
        ident = az.json("identity", "create", "-g", rg, "-n", "appgw-id")
        assert ident["principalId"] and ident["clientId"]
        kv = f"kv-{uuid.uuid4().hex[:12]}"
        vault = az.json("keyvault", "create", "-g", rg, "-n", kv, "-l", "westeurope")
        assert vault["properties"]["vaultUri"] == f"https://{kv}.vault.azure.net/"
        taken = az.fails("keyvault", "create", "-g", rg + "x", "-n", kv, "-l", "westeurope")
        assert taken.code != 0


def test_sql_private_endpoint_and_vnet_rule_tutorial(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    server = f"sql-{uuid.uuid4().hex[:10]}"
    with az.group("rg-sql-") as rg:
        az.run("network", "vnet", "create", "-g", rg, "-n", "vnet-1", "--address-prefix", "10.0.0.0/16",
               "--subnet-name", "subnet-1", "--subnet-prefixes", "10.0.0.0/24")
        created = az.json("sql", "server", "create", "-g", rg, "-n", server, "-l", "westeurope",
                          "--admin-user", "azureuser", "--admin-password", "Str0ng!Passw0rd")
        assert created["fullyQualifiedDomainName"] == f"{server}.database.windows.net"
        az.run("sql", "server", "firewall-rule", "create", "-g", rg, "-s", server, "-n", "office",
               "--start-ip-address", "203.0.113.1", "--end-ip-address", "203.0.113.9")
        err = az.fails("sql", "server", "vnet-rule", "create", "-g", rg, "-s", server, "-n", "rule1",
                       "--vnet-name", "vnet-1", "--subnet", "subnet-1")
        assert "VirtualNetworkRuleBadRequest" in err.stderr
        az.run("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "vnet-1", "-n", "subnet-1",
               "--service-endpoints", "Microsoft.Sql")
        rule = az.json("sql", "server", "vnet-rule", "create", "-g", rg, "-s", server, "-n", "rule1",
                       "--vnet-name", "vnet-1", "--subnet", "subnet-1")
        assert rule["virtualNetworkSubnetId"].lower().endswith("/subnets/subnet-1")
        pe = az.json("network", "private-endpoint", "create", "-g", rg, "-n", "sql-pe", "--vnet-name", "vnet-1",
                     "--subnet", "subnet-1", "--private-connection-resource-id", created["id"], "--group-id",
                     "sqlServer", "--connection-name", "sql-conn")
        assert pe["customDnsConfigs"][0]["fqdn"] == f"{server}.database.windows.net"
