"""Private link services and private endpoints through the real SDK, following
the "private endpoint to a private link service" quickstart; then approval
flow, visibility, auto-approval, PaaS endpoints and DNS zone groups."""

from __future__ import annotations

import pytest

from .nic_support import LOC, error_of, make_storage_account, make_vnet, rid, subnet_id


def provider(aznet, net, rg, policies="Disabled"):  # type: ignore[no-untyped-def]
    """The service side: VNet, Standard internal LB, private link service."""
    make_vnet(net, rg, name="vnet-1", subnets={"subnet-1": {
        "addressPrefix": "10.0.0.0/24", "privateLinkServiceNetworkPolicies": policies}})
    sub = subnet_id(aznet, rg, "vnet-1", "subnet-1")
    lb_id = rid(aznet, rg, "loadBalancers", "load-balancer")
    net.load_balancers.begin_create_or_update(rg, "load-balancer", {
        "location": LOC, "sku": {"name": "Standard"}, "properties": {
            "frontendIPConfigurations": [{"name": "frontend", "properties": {"subnet": {"id": sub}}}],
            "backendAddressPools": [{"name": "backend-pool"}],
            "probes": [{"name": "health-probe", "properties": {"protocol": "Tcp", "port": 80}}],
            "loadBalancingRules": [{"name": "http-rule", "properties": {
                "frontendIPConfiguration": {"id": f"{lb_id}/frontendIPConfigurations/frontend"},
                "backendAddressPool": {"id": f"{lb_id}/backendAddressPools/backend-pool"},
                "probe": {"id": f"{lb_id}/probes/health-probe"},
                "protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}]}}).result()
    return sub, f"{lb_id}/frontendIPConfigurations/frontend"


def pls_body(sub, frontend, **props):  # type: ignore[no-untyped-def]
    return {"location": LOC, "properties": {
        "loadBalancerFrontendIpConfigurations": [{"id": frontend}],
        "ipConfigurations": [{"name": "ipconfig-1", "properties": {"subnet": {"id": sub}, "primary": True}}],
        **props}}


def consumer(aznet, net, rg):  # type: ignore[no-untyped-def]
    make_vnet(net, rg, name="vnet-pe", prefixes=("10.1.0.0/16",), subnets={"subnet-pe": "10.1.0.0/24"})
    return subnet_id(aznet, rg, "vnet-pe", "subnet-pe")


def pe_body(sub, target, manual=False, **props):  # type: ignore[no-untyped-def]
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    return {"location": LOC, "properties": {"subnet": {"id": sub}, key: [
        {"name": "connection-1", "properties": {"privateLinkServiceId": target, **props.pop("conn", {})}}], **props}}


def test_quickstart(aznet, network_client, rg):
    sub, frontend = provider(aznet, network_client, rg)
    pls = network_client.private_link_services.begin_create_or_update(
        rg, "private-link-service", pls_body(sub, frontend, fqdns=["app.contoso.example"])).result()
    assert pls.ip_configurations[0].private_ip_address == "10.0.0.5"       # .4 is the LB frontend
    assert pls.alias.startswith("private-link-service.") and pls.alias.endswith(".westeurope.azure.privatelinkservice")
    vis = network_client.private_link_services.begin_check_private_link_service_visibility(
        LOC, {"privateLinkServiceAlias": pls.alias}).result()
    assert vis.visible is True
    pe_sub = consumer(aznet, network_client, rg)
    pe = network_client.private_endpoints.begin_create_or_update(
        rg, "private-endpoint", pe_body(pe_sub, pls.id)).result()
    conn = pe.private_link_service_connections[0]
    assert conn.private_link_service_connection_state.status == "Approved"
    assert len(pe.network_interfaces) == 1
    nic_name = pe.network_interfaces[0].id.rsplit("/", 1)[-1]
    assert nic_name.startswith("private-endpoint.nic.")
    nic = network_client.network_interfaces.get(rg, nic_name)
    assert nic.ip_configurations[0].private_ip_address == "10.1.0.4"
    assert nic.private_endpoint.id.lower() == pe.id.lower()
    assert [(c.fqdn, c.ip_addresses) for c in pe.custom_dns_configs] == [("app.contoso.example", ["10.1.0.4"])]
    conns = list(network_client.private_link_services.list_private_endpoint_connections(rg, "private-link-service"))
    assert len(conns) == 1 and conns[0].private_endpoint.id.lower() == pe.id.lower()
    assert conns[0].private_link_service_connection_state.status == "Approved"
    assert error_of(network_client.network_interfaces.begin_delete, rg, nic_name) == (400, "NicInUse")
    network_client.private_endpoints.begin_delete(rg, "private-endpoint").result()
    assert error_of(network_client.network_interfaces.get, rg, nic_name)[0] == 404
    assert list(network_client.private_link_services.list_private_endpoint_connections(
        rg, "private-link-service")) == []


def test_manual_connection_approval_flow(aznet, network_client, rg):
    sub, frontend = provider(aznet, network_client, rg)
    pls = network_client.private_link_services.begin_create_or_update(rg, "pls", pls_body(sub, frontend)).result()
    pe_sub = consumer(aznet, network_client, rg)
    pe = network_client.private_endpoints.begin_create_or_update(
        rg, "pe", pe_body(pe_sub, pls.id, manual=True, conn={"requestMessage": "please"},
                          customNetworkInterfaceName="pe-nic")).result()
    state = pe.manual_private_link_service_connections[0].private_link_service_connection_state
    assert state.status == "Pending" and state.description == "please"
    assert pe.network_interfaces[0].id.endswith("/networkInterfaces/pe-nic")
    conn = list(network_client.private_link_services.list_private_endpoint_connections(rg, "pls"))[0]
    network_client.private_link_services.update_private_endpoint_connection(rg, "pls", conn.name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})
    got = network_client.private_endpoints.get(rg, "pe")
    assert got.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    network_client.private_link_services.update_private_endpoint_connection(rg, "pls", conn.name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Rejected", "description": "no"}}})
    got = network_client.private_endpoints.get(rg, "pe")
    assert got.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Rejected"
    status, _ = error_of(network_client.private_link_services.update_private_endpoint_connection, rg, "pls",
                         conn.name, {"properties": {"privateLinkServiceConnectionState": {"status": "Approved"}}})
    assert status == 400
    network_client.private_link_services.begin_delete_private_endpoint_connection(rg, "pls", conn.name).result()
    got = network_client.private_endpoints.get(rg, "pe")
    assert got.manual_private_link_service_connections[0].private_link_service_connection_state.status == \
        "Disconnected"


def test_auto_approval_and_visibility(aznet, network_client, rg):
    sub, frontend = provider(aznet, network_client, rg)
    me = aznet.subscription_id
    pls = network_client.private_link_services.begin_create_or_update(rg, "pls", pls_body(
        sub, frontend, visibility={"subscriptions": [me]}, autoApproval={"subscriptions": [me]})).result()
    pe = network_client.private_endpoints.begin_create_or_update(
        rg, "pe", pe_body(consumer(aznet, network_client, rg), pls.id, manual=True)).result()
    assert pe.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    assert network_client.private_link_services.begin_check_private_link_service_visibility(
        LOC, {"privateLinkServiceAlias": "nope.00000000-0000-0000-0000-000000000000.westeurope."
                                         "azure.privatelinkservice"}).result().visible is False


def test_subnet_network_policies_must_be_disabled(aznet, network_client, rg):
    sub, frontend = provider(aznet, network_client, rg, policies="Enabled")
    assert error_of(network_client.private_link_services.begin_create_or_update, rg, "pls",
                    pls_body(sub, frontend)) == \
        (400, "PrivateLinkServiceCannotBeCreatedInSubnetThatHasNetworkPoliciesEnabled")
    assert error_of(network_client.private_link_services.get, rg, "pls")[0] == 404


def test_private_link_service_needs_standard_internal_frontend(aznet, network_client, rg):
    sub, _frontend = provider(aznet, network_client, rg)
    network_client.public_ip_addresses.begin_create_or_update(
        rg, "pip", {"location": LOC, "sku": {"name": "Standard"},
                    "properties": {"publicIPAllocationMethod": "Static"}}).result()
    network_client.load_balancers.begin_create_or_update(rg, "public-lb", {
        "location": LOC, "sku": {"name": "Standard"}, "properties": {"frontendIPConfigurations": [
            {"name": "fe", "properties": {"publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", "pip")}}}]}}
    ).result()
    fe = rid(aznet, rg, "loadBalancers", "public-lb") + "/frontendIPConfigurations/fe"
    assert error_of(network_client.private_link_services.begin_create_or_update, rg, "pls",
                    pls_body(sub, fe))[0] == 400
    assert error_of(network_client.private_link_services.begin_create_or_update, rg, "pls",
                    pls_body(sub, rid(aznet, rg, "loadBalancers", "ghost") + "/frontendIPConfigurations/fe")) == \
        (400, "InvalidResourceReference")


def test_paas_endpoint_and_dns_zone_group(aznet, network_client, rg):
    pe_sub = consumer(aznet, network_client, rg)
    storage = make_storage_account(aznet, rg, "mystorage")
    pe = network_client.private_endpoints.begin_create_or_update(
        rg, "pe-blob", pe_body(pe_sub, storage, conn={"groupIds": ["blob"]})).result()
    assert [(c.fqdn, c.ip_addresses) for c in pe.custom_dns_configs] == \
        [("mystorage.blob.core.windows.net", ["10.1.0.4"])]
    from azure.mgmt.privatedns import PrivateDnsManagementClient

    dns = aznet.client(PrivateDnsManagementClient)
    dns.private_zones.begin_create_or_update(rg, "privatelink.blob.core.windows.net", {"location": "global"}).result()
    zone = rid(aznet, rg, "privateDnsZones", "privatelink.blob.core.windows.net")
    group = network_client.private_dns_zone_groups.begin_create_or_update(rg, "pe-blob", "default", {
        "properties": {"privateDnsZoneConfigs": [{"name": "blob", "properties": {"privateDnsZoneId": zone}}]}}
    ).result()
    rs = group.private_dns_zone_configs[0].record_sets[0]
    assert (rs.record_set_name, rs.fqdn, rs.ip_addresses) == \
        ("mystorage", "mystorage.privatelink.blob.core.windows.net", ["10.1.0.4"])
    record = dns.record_sets.get(rg, "privatelink.blob.core.windows.net", "A", "mystorage")
    assert [a.ipv4_address for a in record.a_records] == ["10.1.0.4"]
    assert error_of(network_client.private_endpoints.begin_create_or_update, rg, "pe-nogroup",
                    pe_body(pe_sub, storage))[0] == 400


@pytest.mark.parametrize("case", ["no-connection", "bad-target", "bad-subnet", "bad-static-ip"])
def test_private_endpoint_bad_input(aznet, network_client, rg, case):
    pe_sub = consumer(aznet, network_client, rg)
    storage = rid(aznet, rg, "storageAccounts", "s", provider="Microsoft.Storage")
    body = pe_body(pe_sub, storage, conn={"groupIds": ["blob"]})
    if case == "no-connection":
        body["properties"]["privateLinkServiceConnections"] = []
    elif case == "bad-target":
        body["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"] = "nope"
    elif case == "bad-subnet":
        body["properties"]["subnet"] = {"id": subnet_id(aznet, rg, "vnet-pe", "missing")}
    else:
        body["properties"]["ipConfigurations"] = [{"name": "c", "properties": {"privateIPAddress": "10.1.0.999"}}]
    assert error_of(network_client.private_endpoints.begin_create_or_update, rg, "bad", body)[0] == 400
    assert error_of(network_client.private_endpoints.get, rg, "bad")[0] == 404
    assert [n.name for n in network_client.network_interfaces.list(rg)] == []
