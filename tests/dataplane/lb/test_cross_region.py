"""A cross-region (global tier) load balancer whose pool members are regional load balancers' frontends:
traffic to the global frontend reaches the regional backends."""

from __future__ import annotations

import httpx

from aznet.dataplane.ports import listen_port
from tests.network.nic_support import LOC, rid

from .support import cli, lb_body, make_vms, pool_id, public_ip, wait_for


def test_global_tier_pool_of_regional_frontends(aznet, network_client, compute, rg):
    net = network_client
    public_ip(net, rg)
    regional = net.load_balancers.begin_create_or_update(rg, "lb", lb_body(aznet, rg, rules=[
        {"name": "web", "properties": {"protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}])).result()
    make_vms(aznet, net, compute, rg, ["vm1"], pools=[pool_id(aznet, rg)])
    cli(aznet, "vm", "serve", "-g", rg, "-n", "vm1", "--http", "80")
    gip = net.public_ip_addresses.begin_create_or_update(rg, "gip", {
        "location": LOC, "sku": {"name": "Standard", "tier": "Global"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    glb = rid(aznet, rg, "loadBalancers", "glb")
    net.load_balancers.begin_create_or_update(rg, "glb", {
        "location": LOC, "sku": {"name": "Standard", "tier": "Global"}, "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": gip.id}}}],
            "backendAddressPools": [{"name": "regions", "properties": {"loadBalancerBackendAddresses": [
                {"name": "westeurope", "properties": {"loadBalancerFrontendIPConfiguration": {
                    "id": regional.frontend_ip_configurations[0].id}}}]}}],
            "loadBalancingRules": [{"name": "web", "properties": {
                "frontendIPConfiguration": {"id": f"{glb}/frontendIPConfigurations/fe"},
                "backendAddressPool": {"id": f"{glb}/backendAddressPools/regions"},
                "protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}]}}).result()
    port = listen_port(80, aznet.platform.settings.privileged_port_offset)
    r = wait_for(lambda: httpx.get(f"http://{gip.ip_address}:{port}/", headers={"connection": "close"}, timeout=5))
    assert r.headers["x-aznet-vm"] == "vm1"
