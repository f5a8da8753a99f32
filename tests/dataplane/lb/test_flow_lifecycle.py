"""Established flows as Azure documents them: a member probed down keeps its flows (Standard); all members
down ends TCP flows on Basic; an idle flow is reset with enableTcpReset and closed quietly without."""

from __future__ import annotations

import socket

import pytest

from aznet.dataplane.workloads.service import WorkloadsService
from tests.network.nic_support import make_vnet, rid, subnet_id

from .support import cli, lb_body, make_vms, pool_id, public_ip, wait_for


def echo_lb(aznet, net, compute, rg, sku="Standard", **rule):  # type: ignore[no-untyped-def]
    """Standard: a public frontend; Basic: an internal one (Azure has retired Basic public IPs)."""
    make_vnet(net, rg)
    frontend = None
    if sku == "Basic":
        frontend = {"subnet": {"id": subnet_id(aznet, rg)}}
    else:
        public_ip(net, rg)
    lb = net.load_balancers.begin_create_or_update(rg, "lb", lb_body(
        aznet, rg, sku=sku, frontend=frontend, probes=[{"name": "echo", "properties": {"protocol": "Tcp", "port": 7,
                                                                   "intervalInSeconds": 5}}],
        rules=[{"name": "echo", "probe": "echo", "properties": {"protocol": "Tcp", "frontendPort": 7007,
                                                                "backendPort": 7, **rule}}])).result()
    make_vms(aznet, net, compute, rg, ["vm1"], pools=[pool_id(aznet, rg)], vnet=False)
    cli(aznet, "vm", "serve", "-g", rg, "-n", "vm1", "--tcp-echo", "7")
    fe = lb.frontend_ip_configurations[0]
    if sku == "Basic":
        return aznet.platform.services.get(WorkloadsService).table.by_ipconfig(fe.id).local
    return net.public_ip_addresses.get(rg, "lbip").ip_address


def connect(ip: str) -> socket.socket:
    def attempt() -> socket.socket | None:
        s = socket.create_connection((ip, 7007), timeout=5)
        s.sendall(b"hi")
        if s.recv(10) == b"hi":
            return s
        s.close()
        return None
    return wait_for(attempt)


def flows_of(aznet, rg):  # type: ignore[no-untyped-def]
    lb = rid(aznet, rg, "loadBalancers", "lb").lower()
    return [f for f in aznet.platform.services["lb"].flows if f.route.lb.lower() == lb]


def state(aznet, rg):  # type: ignore[no-untyped-def]
    lb = rid(aznet, rg, "loadBalancers", "lb").lower() + "/"
    return [st.state for (p, _), st in aznet.platform.services["lb"].health.items() if p.startswith(lb)]


def read_after(s: socket.socket) -> bytes | None:
    """What the peer sends next: bytes, b"" (closed) or None (reset)."""
    try:
        return s.recv(10)
    except ConnectionResetError:
        return None


@pytest.mark.parametrize("sku", ["Standard", "Basic"])
def test_all_members_down(aznet, network_client, compute, rg, sku, monkeypatch):
    # Basic load balancers are retired: AZNET_ALLOW_RETIRED lets one be created, as for existing deployments
    monkeypatch.setattr(aznet.platform.settings, "allow_retired", True)
    ip = echo_lb(aznet, network_client, compute, rg, sku=sku)
    s = connect(ip)
    compute.virtual_machines.begin_power_off(rg, "vm1").result()     # the demo server stops listening
    wait_for(lambda: state(aznet, rg) == ["Down"])
    if sku == "Standard":          # the established flow continues
        s.sendall(b"still")
        assert s.recv(10) == b"still"
    else:                          # Basic ends established TCP flows when every member is down
        s.settimeout(5)
        assert read_after(s) in (None, b"")
    s.close()


@pytest.mark.parametrize("reset", [True, False])
def test_idle_timeout(aznet, network_client, compute, rg, reset):
    ip = echo_lb(aznet, network_client, compute, rg, enableTcpReset=reset, idleTimeoutInMinutes=4)
    s = connect(ip)
    (flow,) = flows_of(aznet, rg)
    assert flow.route.idle_timeout == 240 and flow.route.tcp_reset is reset

    def age() -> None:      # four minutes pass without a byte
        flow.last -= 241
    aznet.call(age)
    s.settimeout(5)
    got = wait_for(lambda: [read_after(s)], timeout=10)[0]
    assert got is None if reset else got == b""
    s.close()
