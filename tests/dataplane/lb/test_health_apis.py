"""The LB health APIs answered from the running engine: per-rule backend health (probe states) and
queryInboundNatRulePortMapping of a port-range inbound NAT rule on a pool, followed through with sockets."""

from __future__ import annotations

import socket

from tests.network.nic_support import make_vnet

from .support import cli, lb_body, make_vms, pool_id, public_ip, wait_for


def test_rule_health_and_nat_port_mapping(aznet, network_client, compute, rg):
    ip = public_ip(network_client, rg)
    make_vnet(network_client, rg)
    body = lb_body(aznet, rg, probes=[{"name": "echo", "properties": {"protocol": "Tcp", "port": 7,
                                                                      "intervalInSeconds": 5}}],
                   rules=[{"name": "echo", "probe": "echo", "properties": {
                       "protocol": "Tcp", "frontendPort": 7000, "backendPort": 7}}],
                   nat_rules=[{"name": "ssh-range", "properties": {
                       "protocol": "Tcp", "frontendPortRangeStart": 52000, "frontendPortRangeEnd": 52009,
                       "backendPort": 7, "backendAddressPool": {"id": pool_id(aznet, rg)}}}])
    network_client.load_balancers.begin_create_or_update(rg, "lb", body).result()
    make_vms(aznet, network_client, compute, rg, ["vm1", "vm2"], pools=[pool_id(aznet, rg)], vnet=False)
    cli(aznet, "vm", "serve", "-g", rg, "-n", "vm1", "--tcp-echo", "7")      # vm2 serves nothing

    def health():  # type: ignore[no-untyped-def]
        h = network_client.load_balancer_load_balancing_rules.begin_health(rg, "lb", "echo").result()
        return h if h.up == 1 and h.down == 1 else None
    h = wait_for(health)
    states = {a.ip_address: a.state for a in h.load_balancer_backend_addresses}
    nic1 = network_client.network_interfaces.get(rg, "vm1-nic").ip_configurations[0]
    nic2 = network_client.network_interfaces.get(rg, "vm2-nic").ip_configurations[0]
    assert states == {nic1.private_ip_address: "Up", nic2.private_ip_address: "Down"}
    assert {a.network_interface_ip_configuration_id.lower() for a in h.load_balancer_backend_addresses} == \
        {nic1.id.lower(), nic2.id.lower()}

    mapped = {}
    for cfg in (nic1, nic2):
        res = network_client.load_balancers.begin_list_inbound_nat_rule_port_mappings(
            rg, "lb", "pool", {"ipConfiguration": {"id": cfg.id}}).result()
        (m,) = res.inbound_nat_rule_port_mappings
        assert (m.inbound_nat_rule_name, m.backend_port) == ("ssh-range", 7)
        mapped[cfg.private_ip_address] = m.frontend_port
    assert sorted(mapped.values()) == [52000, 52001]
    by_ip = network_client.load_balancers.begin_list_inbound_nat_rule_port_mappings(
        rg, "lb", "pool", {"ipAddress": nic1.private_ip_address}).result()
    assert [m.frontend_port for m in by_ip.inbound_nat_rule_port_mappings] == [mapped[nic1.private_ip_address]]
    with socket.create_connection((ip, mapped[nic1.private_ip_address]), timeout=5) as s:
        s.sendall(b"to vm1 only")
        assert s.recv(100) == b"to vm1 only"
    # vm2 serves nothing on 7: its NAT port reaches it, finds nothing, and the client is reset
    # (on loopback the RST can even beat connect() back to the caller)
    data: bytes | None
    try:
        with socket.create_connection((ip, mapped[nic2.private_ip_address]), timeout=5) as s:
            s.sendall(b"x")
            data = s.recv(100)
    except (ConnectionResetError, BrokenPipeError):
        data = None
    assert data is None
