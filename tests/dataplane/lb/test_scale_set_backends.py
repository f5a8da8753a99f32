"""A scale set behind a public load balancer: its instances run like VMs (the aznet-serve tag on the scale
set), all answer through the frontend, scaling in takes an instance out, and powering the scale set off
stops them all."""

from __future__ import annotations

import httpx

from aznet.dataplane.ports import listen_port
from tests.compute.test_vmss import vmss_body
from tests.network.nic_support import make_vnet, subnet_id

from .support import lb_body, pool_id, public_ip, wait_for


def test_scale_set_instances_answer(aznet, network_client, compute, rg):
    make_vnet(network_client, rg)
    ip = public_ip(network_client, rg)
    network_client.load_balancers.begin_create_or_update(rg, "lb", lb_body(aznet, rg, rules=[
        {"name": "web", "properties": {"protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}])).result()
    body = vmss_body(subnet_id(aznet, rg), capacity=3, pools=[pool_id(aznet, rg)])
    body["tags"] = {"aznet-serve": "http:80"}
    compute.virtual_machine_scale_sets.begin_create_or_update(rg, "web", body).result()
    port = listen_port(80, aznet.platform.settings.privileged_port_offset)

    def names(n: int = 30) -> set[str]:
        return {httpx.get(f"http://{ip}:{port}/", headers={"connection": "close"}, timeout=5).headers["x-aznet-vm"]
                for _ in range(n)}
    wait_for(lambda: names() == {"web_0", "web_1", "web_2"})
    body["sku"]["capacity"] = 2
    compute.virtual_machine_scale_sets.begin_create_or_update(rg, "web", body).result()
    wait_for(lambda: names() == {"web_0", "web_1"})
    compute.virtual_machine_scale_sets.begin_power_off(rg, "web").result()

    def refused() -> bool:
        try:
            names(3)
        except httpx.TransportError:
            return True
        return False
    wait_for(refused)
