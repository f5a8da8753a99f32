"""Backend pools by IP address resolve through the workload table (VNet + IP -> the NIC's local address; a
loopback IP is used as it is; other IPs are unreachable), and a Gateway Load Balancer chained to a public
frontend is modelled by the verifier."""

from __future__ import annotations

import httpx

from aznet.netmodel.engine import model_engine
from aznet.verifier.lb_paths import trace_frontend
from tests.network.nic_support import LOC, make_vnet, rid, subnet_id

from .support import cli, lb_body, make_vms, public_ip, wait_for


def test_pool_by_ip_address(aznet, network_client, compute, rg):
    net = network_client
    vnet = make_vnet(net, rg)
    ip = public_ip(net, rg)
    make_vms(aznet, net, compute, rg, ["vm1"], vnet=False)
    cli(aznet, "vm", "serve", "-g", rg, "-n", "vm1", "--http", "8080")
    private = net.network_interfaces.get(rg, "vm1-nic").ip_configurations[0].private_ip_address
    body = lb_body(aznet, rg, probes=[], rules=[{"name": "web", "probe": None, "properties": {
        "protocol": "Tcp", "frontendPort": 8081, "backendPort": 8080}}])
    net.load_balancers.begin_create_or_update(rg, "lb", body).result()
    net.load_balancer_backend_address_pools.begin_create_or_update(rg, "lb", "pool", {"properties": {
        "loadBalancerBackendAddresses": [
            {"name": "vm1", "properties": {"ipAddress": private, "virtualNetwork": {"id": vnet.id}}},
            {"name": "nowhere", "properties": {"ipAddress": "10.0.0.200", "virtualNetwork": {"id": vnet.id}}},
            {"name": "local", "properties": {"ipAddress": "127.0.0.5", "virtualNetwork": {"id": vnet.id}}}]}}
    ).result()
    r = wait_for(lambda: httpx.get(f"http://{ip}:8081/", headers={"connection": "close"}, timeout=5))
    assert r.headers["x-aznet-vm"] == "vm1"
    engine = aznet.platform.services["lb"]
    (route,) = [r for r in engine.plan.routes.values() if r.lb.lower() == rid(aznet, rg, "loadBalancers", "lb").lower()]
    # 10.0.0.200 matches no NIC: unreachable; 127.0.0.5 is a loopback address of this machine: used as it is
    assert [(t.ip, t.host) for t in route.targets][1:] == [("127.0.0.5", "127.0.0.5")]
    assert route.targets[0].ip == private and route.targets[0].host.startswith("127.")


def test_gateway_load_balancer_chain_is_modelled(aznet, network_client, compute, rg):
    net = network_client
    make_vnet(net, rg)
    gw = net.load_balancers.begin_create_or_update(rg, "gwlb", {"location": LOC, "sku": {"name": "Gateway"},
                                                              "properties": {"frontendIPConfigurations": [
                                                                  {"name": "gwfe", "properties": {
                                                                      "subnet": {"id": subnet_id(aznet, rg)}}}]}}
                                                   ).result()
    ip = public_ip(net, rg)
    body = lb_body(aznet, rg, rules=[{"name": "web", "properties": {
        "protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}])
    body["properties"]["frontendIPConfigurations"][0]["properties"]["gatewayLoadBalancer"] = {
        "id": gw.frontend_ip_configurations[0].id}
    net.load_balancers.begin_create_or_update(rg, "lb", body).result()
    make_vms(aznet, net, compute, rg, ["vm1"], vnet=False,
             pools=[rid(aznet, rg, "loadBalancers", "lb") + "/backendAddressPools/pool"])
    ans = aznet.call(lambda: trace_frontend(model_engine(aznet.platform).model, ip, 80))
    assert ans["disposition"] == "ACCEPTED"
    assert ans["gatewayLoadBalancer"]["frontendIPConfiguration"] == gw.frontend_ip_configurations[0].id.lower()
    assert "VXLAN" in ans["gatewayLoadBalancer"]["note"]
