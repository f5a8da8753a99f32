"""An internal Standard load balancer with HA ports, and an NSG on the backends that blocks a client
(ipFlowVerify names the rule), through raw sockets and httpx."""

from __future__ import annotations

import socket

import httpx
import pytest

from aznet.dataplane.workloads.service import WorkloadsService
from tests.network.nic_support import LOC, make_vnet, subnet_id

from .support import cli, lb_body, make_vms, pool_id, public_ip, wait_for


def test_internal_lb_with_ha_ports(aznet, network_client, compute, rg):
    make_vnet(network_client, rg)
    body = lb_body(aznet, rg, frontend={"subnet": {"id": subnet_id(aznet, rg)}},
                   probes=[{"name": "tcp", "properties": {"protocol": "Tcp", "port": 80, "intervalInSeconds": 5}}],
                   rules=[{"name": "ha", "probe": "tcp", "properties": {
                       "protocol": "All", "frontendPort": 0, "backendPort": 0}}])
    lb = network_client.load_balancers.begin_create_or_update(rg, "lb", body).result()
    private_ip = lb.frontend_ip_configurations[0].private_ip_address
    make_vms(aznet, network_client, compute, rg, ["vm1", "vm2"], pools=[pool_id(aznet, rg)], vnet=False)
    for vm in ("vm1", "vm2"):
        cli(aznet, "vm", "serve", "-g", rg, "-n", vm, "--http", "80", "--tcp-echo", "7", "--udp-echo", "9")
    table = aznet.platform.services.get(WorkloadsService).table
    local = table.local_address_for_private_ip(subnet_id(aznet, rg), private_ip)
    assert local is not None and local.startswith("127.128.")
    assert local not in {table.primary_address(v) for v in table.vms}

    def http_ok() -> bool:
        r = httpx.get(f"http://{local}:80/", headers={"connection": "close"}, timeout=5)
        return r.status_code == 200 and r.headers["x-aznet-vm"] in ("vm1", "vm2")
    wait_for(http_ok)
    with socket.create_connection((local, 7), timeout=5) as s:      # any port the backends serve
        s.sendall(b"ha ports tcp")
        assert s.recv(100) == b"ha ports tcp"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(5)
        u.sendto(b"ha ports udp", (local, 9))
        assert u.recvfrom(100)[0] == b"ha ports udp"


def test_nsg_denying_the_client_blocks_it_and_ip_flow_verify_says_why(aznet, network_client, compute, rg):
    rule = {"protocol": "Tcp", "sourcePortRange": "*", "destinationAddressPrefix": "*", "direction": "Inbound",
            "destinationPortRange": "80"}
    nsg = network_client.network_security_groups.begin_create_or_update(rg, "web-nsg", {
        "location": LOC, "properties": {"securityRules": [
            {"name": "deny-client", "properties": {**rule, "priority": 100, "access": "Deny",
                                                   "sourceAddressPrefix": "127.0.0.21"}},
            {"name": "allow-loopback", "properties": {**rule, "priority": 200, "access": "Allow",
                                                      "sourceAddressPrefix": "127.0.0.0/8"}}]}}).result()
    ip = public_ip(network_client, rg)
    network_client.load_balancers.begin_create_or_update(rg, "lb", lb_body(aznet, rg, rules=[
        {"name": "web", "properties": {"protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}])).result()
    vms = make_vms(aznet, network_client, compute, rg, ["vm1", "vm2"], pools=[pool_id(aznet, rg)],
                   vnet=True)
    for i in (1, 2):
        nic = network_client.network_interfaces.get(rg, f"vm{i}-nic")
        nic.network_security_group = {"id": nsg.id}
        network_client.network_interfaces.begin_create_or_update(rg, f"vm{i}-nic", nic).result()
        cli(aznet, "vm", "serve", "-g", rg, "-n", f"vm{i}", "--http", "80")
    from aznet.dataplane.ports import listen_port
    port = listen_port(80, aznet.platform.settings.privileged_port_offset)

    def get(source: str) -> httpx.Response:
        with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=5) as c:
            return c.get(f"http://{ip}:{port}/", headers={"connection": "close"})
    # the probe (from AzureLoadBalancer, allowed by the default rule) brings the backends up; 127.0.0.22 passes
    wait_for(lambda: get("127.0.0.22").status_code == 200)
    for _ in range(5):
        with pytest.raises(httpx.TransportError):
            get("127.0.0.21")
    watcher = next(w for w in network_client.network_watchers.list_all() if w.location == LOC)
    private_ip = network_client.network_interfaces.get(rg, "vm1-nic").ip_configurations[0].private_ip_address
    verdict = network_client.network_watchers.begin_verify_ip_flow(watcher.id.split("/")[4], watcher.name, {
        "targetResourceId": vms[0], "direction": "Inbound", "protocol": "TCP", "localPort": "80",
        "remotePort": "40000", "localIPAddress": private_ip, "remoteIPAddress": "127.0.0.21"}).result()
    assert (verdict.access, verdict.rule_name) == ("Deny", "securityRules/deny-client")
    # the verifier traces the same flow through the load balancer
    from aznet.netmodel.engine import model_engine
    from aznet.verifier.lb_paths import trace_frontend

    def lb_trace(source: str) -> dict:  # type: ignore[type-arg]
        return aznet.call(lambda: trace_frontend(model_engine(aznet.platform).model, ip, 80, "Tcp", source))
    denied = lb_trace("127.0.0.21")
    assert denied["disposition"] == "DENIED_IN" and denied["rule"].endswith("/loadBalancingRules/web")
    assert {b["decidingRule"] for b in denied["backends"]} == {"web-nsg: securityRules/deny-client"}
    # the probe from 168.63.129.16 passes (the default rules allow it: the VirtualNetwork tag includes it)
    assert {b["probe"]["access"] for b in denied["backends"]} == {"Allow"}
    ok = lb_trace("127.0.0.22")
    assert ok["disposition"] == "ACCEPTED" and len(ok["backends"]) == 2
