"""Private link targets through the real SDKs: SQL servers (firewall and VNet
rules), App Service plans and sites with VNet integration, Cosmos DB accounts,
container groups in a delegated subnet; private endpoints to them; bad input
leaves nothing behind."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .nic_support import LOC, error_of, make_vnet, subnet_id


def unique(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def sql(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.sql import SqlManagementClient

    return aznet.client(SqlManagementClient)


@pytest.fixture(scope="module")
def web(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.web import WebSiteManagementClient

    return aznet.client(WebSiteManagementClient)


@pytest.fixture(scope="module")
def cosmos(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.cosmosdb import CosmosDBManagementClient

    return aznet.client(CosmosDBManagementClient)


def pe(net: Any, aznet: Any, rg: str, name: str, target: str, group: str, subnet: str = "default") -> Any:
    return net.private_endpoints.begin_create_or_update(rg, name, {"location": LOC, "properties": {
        "subnet": {"id": subnet_id(aznet, rg, "vnet", subnet)}, "privateLinkServiceConnections": [
            {"name": "conn", "properties": {"privateLinkServiceId": target, "groupIds": [group]}}]}}).result()


def test_sql_server_rules_and_private_endpoint(aznet, network_client, sql, rg):
    make_vnet(network_client, rg, subnets={"default": "10.0.0.0/24", "app": {
        "addressPrefix": "10.0.1.0/24", "serviceEndpoints": [{"service": "Microsoft.Sql"}]}})
    name = unique("sql")
    body = {"location": LOC, "properties": {"administratorLogin": "azureuser",
                                            "administratorLoginPassword": "Str0ng!Passw0rd"}}
    server = sql.servers.begin_create_or_update(rg, name, body).result()
    assert server.fully_qualified_domain_name == f"{name}.database.windows.net" and server.version == "12.0"
    assert server.administrator_login_password is None
    fw = sql.firewall_rules.create_or_update(rg, name, "office", {"properties": {
        "startIpAddress": "203.0.113.1", "endIpAddress": "203.0.113.20"}})
    assert fw.start_ip_address == "203.0.113.1"
    assert error_of(sql.firewall_rules.create_or_update, rg, name, "back", {"properties": {
        "startIpAddress": "203.0.113.9", "endIpAddress": "203.0.113.1"}}) == \
        (400, "FirewallRuleStartIpAddressGreaterThanEndIpAddress")
    rule = sql.virtual_network_rules.begin_create_or_update(rg, name, "app", {"properties": {
        "virtualNetworkSubnetId": subnet_id(aznet, rg, "vnet", "app")}}).result()
    assert rule.state == "Ready"
    assert error_of(sql.virtual_network_rules.begin_create_or_update, rg, name, "nope", {"properties": {
        "virtualNetworkSubnetId": subnet_id(aznet, rg, "vnet", "default")}}) == (400, "VirtualNetworkRuleBadRequest")
    ep = pe(network_client, aznet, rg, "sql-pe", server.id, "sqlServer")
    assert ep.custom_dns_configs[0].fqdn == f"{name}.database.windows.net"
    conns = list(sql.private_endpoint_connections.list_by_server(rg, name))
    assert len(conns) == 1 and conns[0].private_link_service_connection_state.status == "Approved"


@pytest.mark.parametrize("props,code", [
    ({"administratorLogin": "azureuser", "administratorLoginPassword": "simple"}, "PasswordNotComplex"),
    ({"administratorLogin": "admin", "administratorLoginPassword": "Str0ng!Passw0rd"}, "InvalidLoginName"),
    ({"administratorLoginPassword": "Str0ng!Passw0rd"}, "InvalidParameterValue"),
])
def test_bad_sql_servers_refused(sql, rg, props, code):
    assert error_of(sql.servers.begin_create_or_update, rg, unique("sql"), {"location": LOC, "properties": props}) \
        == (400, code)
    assert list(sql.servers.list_by_resource_group(rg)) == []


def test_web_app_vnet_integration_and_private_endpoint(aznet, network_client, web, rg):
    make_vnet(network_client, rg, subnets={
        "default": "10.0.0.0/24",
        "integration": {"addressPrefix": "10.0.1.0/24", "delegations": [
            {"name": "web", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]}})
    free = web.app_service_plans.begin_create_or_update(rg, "free-plan", {"location": LOC,
                                                                         "sku": {"name": "F1"}}).result()
    plan = web.app_service_plans.begin_create_or_update(rg, "plan", {"location": LOC, "sku": {"name": "P1v3"},
                                                                    "kind": "linux",
                                                                    "properties": {"reserved": True}}).result()
    assert plan.sku.tier == "PremiumV3" and plan.reserved is True
    name = unique("app")
    site = web.web_apps.begin_create_or_update(rg, name, {"location": LOC, "properties": {
        "serverFarmId": plan.id, "virtualNetworkSubnetId": subnet_id(aznet, rg, "vnet", "integration"),
        "vnetRouteAllEnabled": True}}).result()
    assert site.default_host_name == f"{name}.azurewebsites.net"
    assert site.virtual_network_subnet_id.endswith("/subnets/integration")
    bad = {"location": LOC, "properties": {"serverFarmId": plan.id,
                                           "virtualNetworkSubnetId": subnet_id(aznet, rg, "vnet", "default")}}
    assert error_of(web.web_apps.begin_create_or_update, rg, unique("app"), bad) == (400, "SubnetNotDelegated")
    on_free = {"location": LOC, "properties": {"serverFarmId": free.id, "virtualNetworkSubnetId": subnet_id(
        aznet, rg, "vnet", "integration")}}
    assert error_of(web.web_apps.begin_create_or_update, rg, unique("app"), on_free) == \
        (400, "VnetIntegrationNotSupportedOnSku")
    ep = pe(network_client, aznet, rg, "web-pe", site.id, "sites")
    assert ep.custom_dns_configs[0].fqdn == f"{name}.azurewebsites.net"
    assert error_of(web.app_service_plans.delete, rg, "plan")[0] == 409
    assert [s.name for s in web.web_apps.list_by_resource_group(rg)] == [name]


def test_cosmos_account_rules_keys_and_private_endpoint(aznet, network_client, cosmos, rg):
    make_vnet(network_client, rg, subnets={"default": "10.0.0.0/24", "app": {
        "addressPrefix": "10.0.1.0/24", "serviceEndpoints": [{"service": "Microsoft.AzureCosmosDB"}]}})
    name = unique("cosmos")
    acct = cosmos.database_accounts.begin_create_or_update(rg, name, {
        "location": LOC, "kind": "GlobalDocumentDB", "properties": {
            "databaseAccountOfferType": "Standard",
            "locations": [{"locationName": "westeurope", "failoverPriority": 0},
                          {"locationName": "northeurope", "failoverPriority": 1}],
            "isVirtualNetworkFilterEnabled": True,
            "virtualNetworkRules": [{"id": subnet_id(aznet, rg, "vnet", "app")}]}}).result()
    assert acct.document_endpoint == f"https://{name}.documents.azure.com:443/"
    assert [w.location_name for w in acct.write_locations] == ["westeurope"]
    keys = cosmos.database_accounts.list_keys(rg, name)
    assert keys.primary_master_key and keys.primary_master_key != keys.secondary_master_key
    ep = pe(network_client, aznet, rg, "cosmos-pe", acct.id, "Sql")
    assert ep.custom_dns_configs[0].fqdn == f"{name}.documents.azure.com"
    bad = {"location": LOC, "properties": {"databaseAccountOfferType": "Standard", "locations": [
        {"locationName": "westeurope"}], "virtualNetworkRules": [{"id": subnet_id(aznet, rg, "vnet", "default")}]}}
    assert error_of(cosmos.database_accounts.begin_create_or_update, rg, unique("cosmos"), bad) == (400, "BadRequest")
    assert [a.name for a in cosmos.database_accounts.list_by_resource_group(rg)] == [name]


def test_container_group_in_delegated_subnet(aznet, network_client, rg):
    from azure.mgmt.containerinstance import ContainerInstanceManagementClient

    aci = aznet.client(ContainerInstanceManagementClient)
    make_vnet(network_client, rg, subnets={"default": "10.0.0.0/24", "aci": {
        "addressPrefix": "10.0.1.0/24", "delegations": [
            {"name": "aci", "properties": {"serviceName": "Microsoft.ContainerInstance/containerGroups"}}]}})

    def group(name: str, subnet: str) -> Any:
        return aci.container_groups.begin_create_or_update(rg, name, {"location": LOC, "properties": {
            "osType": "Linux", "subnetIds": [{"id": subnet_id(aznet, rg, "vnet", subnet)}],
            "ipAddress": {"type": "Private", "ports": [{"port": 80, "protocol": "TCP"}]},
            "containers": [{"name": "appcontainer", "properties": {
                "image": "mcr.microsoft.com/azuredocs/aci-helloworld", "ports": [{"port": 80}],
                "resources": {"requests": {"cpu": 1.0, "memoryInGB": 1.5}}}}]}}).result()

    g = group("appcontainer", "aci")
    assert g.ip_address.ip == "10.0.1.4" and g.ip_address.type == "Private"
    assert group("appcontainer", "aci").ip_address.ip == "10.0.1.4"          # kept across updates
    assert error_of(group, "other", "default") == (400, "SubnetNotDelegated")
    assert error_of(network_client.subnets.begin_delete, rg, "vnet", "aci")[1] == "InUseSubnetCannotBeDeleted"
    assert [x.name for x in aci.container_groups.list_by_resource_group(rg)] == ["appcontainer"]
