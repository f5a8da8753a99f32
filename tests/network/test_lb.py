"""Load balancers (control plane) through the real SDK: frontends, pools,
rules, probes, outbound and inbound NAT rules, child GET/PUT, SKU rules."""

from __future__ import annotations

import pytest

from .nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id


def pip(net, rg, name, sku="Standard"):  # type: ignore[no-untyped-def]
    return net.public_ip_addresses.begin_create_or_update(
        rg, name, {"location": LOC, "sku": {"name": sku},
                   "properties": {"publicIPAllocationMethod": "Static" if sku == "Standard" else "Dynamic"}}
    ).result()


def public_lb(aznet, rg, name="lb", sku="Standard", pip_name="lbip", **extra):  # type: ignore[no-untyped-def]
    lb = rid(aznet, rg, "loadBalancers", name)
    props = {
        "frontendIPConfigurations": [{"name": "fe", "properties": {
            "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", pip_name)}}}],
        "backendAddressPools": [{"name": "pool"}],
        "probes": [{"name": "http", "properties": {"protocol": "Http", "port": 80, "requestPath": "/"}}],
        "loadBalancingRules": [{"name": "web", "properties": {
            "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
            "backendAddressPool": {"id": f"{lb}/backendAddressPools/pool"},
            "probe": {"id": f"{lb}/probes/http"}, "protocol": "Tcp", "frontendPort": 80, "backendPort": 80,
            "disableOutboundSnat": True}}],
        "inboundNatRules": [{"name": "ssh", "properties": {
            "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"}, "protocol": "Tcp",
            "frontendPort": 50001, "backendPort": 22}}],
    }
    props.update(extra)
    return {"location": LOC, "sku": {"name": sku}, "properties": props}


def test_standard_public_load_balancer(aznet, network_client, rg):
    pip(network_client, rg, "lbip")
    lb = network_client.load_balancers.begin_create_or_update(rg, "lb", public_lb(aznet, rg)).result()
    assert lb.sku.name == "Standard"
    assert [p.name for p in lb.backend_address_pools] == ["pool"]
    assert lb.inbound_nat_rules[0].backend_port == 22
    fe = network_client.load_balancer_frontend_ip_configurations.get(rg, "lb", "fe")
    assert [r.id.rsplit("/", 1)[-1] for r in fe.load_balancing_rules] == ["web"]
    assert [r.id.rsplit("/", 1)[-1] for r in fe.inbound_nat_rules] == ["ssh"]
    probe = network_client.load_balancer_probes.get(rg, "lb", "http")
    assert probe.interval_in_seconds == 15 and probe.load_balancing_rules
    rule = network_client.load_balancer_load_balancing_rules.get(rg, "lb", "web")
    assert rule.idle_timeout_in_minutes == 4 and rule.load_distribution == "Default"
    assert network_client.public_ip_addresses.get(rg, "lbip").ip_configuration.id.lower() == fe.id.lower()
    # child PUTs Azure allows
    network_client.load_balancer_backend_address_pools.begin_create_or_update(rg, "lb", "pool2", {}).result()
    network_client.inbound_nat_rules.begin_create_or_update(rg, "lb", "rdp", {"properties": {
        "frontendIPConfiguration": {"id": fe.id}, "protocol": "Tcp", "frontendPort": 50002,
        "backendPort": 3389}}).result()
    again = network_client.load_balancers.get(rg, "lb")
    assert {p.name for p in again.backend_address_pools} == {"pool", "pool2"}
    assert {r.name for r in again.inbound_nat_rules} == {"ssh", "rdp"}
    assert again.etag != lb.etag


def test_nics_join_pool_and_nat_rule(aznet, network_client, rg):
    pip(network_client, rg, "lbip")
    network_client.load_balancers.begin_create_or_update(rg, "lb", public_lb(aznet, rg)).result()
    make_vnet(network_client, rg)
    lb = rid(aznet, rg, "loadBalancers", "lb")
    nic = network_client.network_interfaces.begin_create_or_update(rg, "nic", nic_body(
        subnet_id(aznet, rg), loadBalancerBackendAddressPools=[{"id": f"{lb}/backendAddressPools/pool"}],
        loadBalancerInboundNatRules=[{"id": f"{lb}/inboundNatRules/ssh"}])).result()
    pool = network_client.load_balancer_backend_address_pools.get(rg, "lb", "pool")
    assert [c.id.lower() for c in pool.backend_ip_configurations] == [nic.ip_configurations[0].id.lower()]
    nat = network_client.inbound_nat_rules.get(rg, "lb", "ssh")
    assert nat.backend_ip_configuration.id.lower() == nic.ip_configurations[0].id.lower()
    assert error_of(network_client.load_balancer_backend_address_pools.begin_delete, rg, "lb", "pool")[0] == 400
    assert error_of(network_client.load_balancers.begin_delete, rg, "lb")[0] == 400


def test_internal_load_balancer_allocates_private_frontend(aznet, network_client, rg):
    make_vnet(network_client, rg)
    body = {"location": LOC, "sku": {"name": "Standard"}, "properties": {"frontendIPConfigurations": [
        {"name": "dyn", "properties": {"subnet": {"id": subnet_id(aznet, rg)}}},
        {"name": "fixed", "properties": {"subnet": {"id": subnet_id(aznet, rg)},
                                         "privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.0.10"}}]}}
    lb = network_client.load_balancers.begin_create_or_update(rg, "ilb", body).result()
    ips = {f.name: f.private_ip_address for f in lb.frontend_ip_configurations}
    assert ips == {"dyn": "10.0.0.4", "fixed": "10.0.0.10"}
    nic = network_client.network_interfaces.begin_create_or_update(rg, "n", nic_body(subnet_id(aznet, rg))).result()
    assert nic.ip_configurations[0].private_ip_address == "10.0.0.5"
    assert error_of(network_client.network_interfaces.begin_create_or_update, rg, "n2", nic_body(
        subnet_id(aznet, rg), privateIPAllocationMethod="Static", privateIPAddress="10.0.0.10")) == \
        (400, "PrivateIPAddressIsAllocated")


def test_sku_mismatch(aznet, network_client, rg, allow_retired):
    pip(network_client, rg, "basicip", sku="Basic")
    body = public_lb(aznet, rg, pip_name="basicip")
    assert error_of(network_client.load_balancers.begin_create_or_update, rg, "lb", body) == \
        (400, "PublicIPAndLBSkuDoNotMatch")
    assert error_of(network_client.load_balancers.get, rg, "lb")[0] == 404


def test_public_ip_in_two_frontends(aznet, network_client, rg):
    pip(network_client, rg, "lbip")
    body = public_lb(aznet, rg)
    fe = body["properties"]["frontendIPConfigurations"][0]
    body["properties"]["frontendIPConfigurations"].append({"name": "fe2", "properties": fe["properties"]})
    assert error_of(network_client.load_balancers.begin_create_or_update, rg, "lb", body) == \
        (400, "PublicIPReferencedByMultipleIPConfigs")


@pytest.mark.parametrize("case", ["missing-probe", "tcp-probe-path", "port", "basic-outbound", "ha-ports-public",
                                  "protocol", "port-conflict"])
def test_rule_validation(aznet, network_client, rg, case, allow_retired):
    pip(network_client, rg, "lbip")
    body = public_lb(aznet, rg)
    props = body["properties"]
    rule = props["loadBalancingRules"][0]["properties"]
    lb = rid(aznet, rg, "loadBalancers", "lb")
    if case == "missing-probe":
        rule["probe"] = {"id": f"{lb}/probes/nope"}
    elif case == "tcp-probe-path":
        props["probes"][0]["properties"]["protocol"] = "Tcp"
    elif case == "port":
        rule["frontendPort"] = 70000
    elif case == "basic-outbound":
        pip(network_client, rg, "bip", sku="Basic")
        body = public_lb(aznet, rg, sku="Basic", pip_name="bip", outboundRules=[{"name": "o", "properties": {
            "frontendIPConfigurations": [{"id": f"{lb}/frontendIPConfigurations/fe"}],
            "backendAddressPool": {"id": f"{lb}/backendAddressPools/pool"}}}])
    elif case == "ha-ports-public":
        rule.update({"protocol": "All", "frontendPort": 0, "backendPort": 0})
    elif case == "protocol":
        rule["protocol"] = "Sctp"
    else:
        props["inboundNatRules"][0]["properties"]["frontendPort"] = 80
    assert error_of(network_client.load_balancers.begin_create_or_update, rg, "lb", body)[0] == 400
    assert error_of(network_client.load_balancers.get, rg, "lb")[0] == 404


def test_outbound_rule_on_standard(aznet, network_client, rg):
    pip(network_client, rg, "lbip")
    lb = rid(aznet, rg, "loadBalancers", "lb")
    body = public_lb(aznet, rg, outboundRules=[{"name": "out", "properties": {
        "frontendIPConfigurations": [{"id": f"{lb}/frontendIPConfigurations/fe"}],
        "backendAddressPool": {"id": f"{lb}/backendAddressPools/pool"}, "idleTimeoutInMinutes": 15}}])
    got = network_client.load_balancers.begin_create_or_update(rg, "lb", body).result()
    assert got.outbound_rules[0].allocated_outbound_ports == 1024
    pool = network_client.load_balancer_backend_address_pools.get(rg, "lb", "pool")
    assert pool.outbound_rule.id.lower() == f"{lb}/outboundRules/out".lower()


def test_two_dynamic_frontends_get_distinct_addresses(aznet, network_client, rg):
    make_vnet(network_client, rg)
    body = {"location": LOC, "sku": {"name": "Standard"}, "properties": {"frontendIPConfigurations": [
        {"name": f"fe{i}", "properties": {"subnet": {"id": subnet_id(aznet, rg)}}} for i in range(3)]}}
    lb = network_client.load_balancers.begin_create_or_update(rg, "ilb", body).result()
    assert [f.private_ip_address for f in lb.frontend_ip_configurations] == ["10.0.0.4", "10.0.0.5", "10.0.0.6"]


@pytest.mark.parametrize("pools", [[None], [{"name": "p", "properties": "x"}], [{"name": "p", "properties": {
    "protocol": "Tcp", "frontendPortRangeStart": 50010, "frontendPortRangeEnd": 50000, "backendPort": 22}}]])
def test_inbound_nat_pools_bad_input_is_a_4xx(aznet, network_client, rg, pools):
    """Found by the fuzz test: a null inbound NAT pool answered 500."""
    pip(network_client, rg, "lbip")
    body = public_lb(aznet, rg, inboundNatPools=pools)
    for pool in pools:
        if isinstance(pool, dict) and isinstance(pool.get("properties"), dict):
            pool["properties"]["frontendIPConfiguration"] = {
                "id": f"{rid(aznet, rg, 'loadBalancers', 'lb')}/frontendIPConfigurations/fe"}
    status, _ = error_of(network_client.load_balancers.begin_create_or_update, rg, "lb", body)
    assert status == 400
    assert error_of(network_client.load_balancers.get, rg, "lb")[0] == 404


def test_inbound_nat_pool_is_stored(aznet, network_client, rg):
    pip(network_client, rg, "lbip")
    lb_id = rid(aznet, rg, "loadBalancers", "lb")
    body = public_lb(aznet, rg, inboundNatPools=[{"name": "ssh", "properties": {
        "frontendIPConfiguration": {"id": f"{lb_id}/frontendIPConfigurations/fe"}, "protocol": "Tcp",
        "frontendPortRangeStart": 50100, "frontendPortRangeEnd": 50199, "backendPort": 22}}])
    lb = network_client.load_balancers.begin_create_or_update(rg, "lb", body).result()
    pool = lb.inbound_nat_pools[0]
    assert (pool.frontend_port_range_start, pool.frontend_port_range_end, pool.backend_port) == (50100, 50199, 22)
