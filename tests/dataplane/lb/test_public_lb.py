"""A public Standard load balancer carrying real traffic to VMs that run the demo workload
(`aznet vm serve`), through httpx and raw sockets: distribution, 2-tuple persistence, probes following
`az vm stop` / start, inbound NAT, UDP."""

from __future__ import annotations

import socket

import httpx

from aznet.dataplane.ports import listen_port
from tests.network.nic_support import rid

from .support import cli, lb_body, make_vms, pool_id, public_ip, wait_for


def port(aznet, p: int) -> int:  # type: ignore[no-untyped-def]
    return listen_port(p, aznet.platform.settings.privileged_port_offset)


def get(host: str, p: int, source: str | None = None) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source) if source else None
    with httpx.Client(transport=transport, timeout=5) as client:
        return client.get(f"http://{host}:{p}/", headers={"connection": "close"})


def vm_of(resp: httpx.Response) -> str:
    assert resp.status_code == 200, resp.text
    return resp.headers["x-aznet-vm"]


def web_lb(aznet, net, compute, rg, distribution="Default", serve=True):  # type: ignore[no-untyped-def]
    ip = public_ip(net, rg)
    body = lb_body(aznet, rg, rules=[{"name": "web", "properties": {
        "protocol": "Tcp", "frontendPort": 80, "backendPort": 80, "loadDistribution": distribution}}])
    net.load_balancers.begin_create_or_update(rg, "lb", body).result()
    make_vms(aznet, net, compute, rg, ["vm1", "vm2", "vm3"], pools=[pool_id(aznet, rg)])
    if serve:
        for vm in ("vm1", "vm2", "vm3"):
            cli(aznet, "vm", "serve", "-g", rg, "-n", vm, "--http", "80", "--tcp-echo", "7", "--udp-echo", "9")
    return ip


def test_three_vms_answer_through_the_public_frontend(aznet, network_client, compute, rg):
    ip = web_lb(aznet, network_client, compute, rg)
    seen: set[str] = set()

    def all_three() -> bool:
        seen.add(vm_of(get(ip, port(aznet, 80))))
        return seen == {"vm1", "vm2", "vm3"}
    wait_for(all_three)
    resp = get(ip, port(aznet, 80), source="127.0.0.7")
    # the backend sees the client's own address (the relay binds the client's IP toward it)
    assert resp.text.splitlines()[1].startswith("client 127.0.0.7:")
    fe_id = rid(aznet, rg, "loadBalancers", "lb") + "/frontendIPConfigurations/fe"
    eps = [e for e in aznet.platform.services["lb"].endpoints() if e["resourceId"].lower() == fe_id.lower()]
    assert [(e["address"], e["port"], e["protocol"]) for e in eps] == [(ip, 80, "tcp")]


def test_source_ip_persistence_sticks(aznet, network_client, compute, rg):
    ip = web_lb(aznet, network_client, compute, rg, distribution="SourceIP")
    wait_for(lambda: get(ip, port(aznet, 80)).status_code == 200)
    lb_engine = aznet.platform.services["lb"]
    lb_key = rid(aznet, rg, "loadBalancers", "lb").lower() + "/"

    def mine() -> list:  # type: ignore[type-arg]
        return [st for (pid, _), st in lb_engine.health.items() if pid.startswith(lb_key)]
    wait_for(lambda: len(mine()) == 3 and all(st.up for st in mine()))
    for source in ("127.0.0.11", "127.0.0.12", "127.0.0.13"):
        answers = {vm_of(get(ip, port(aznet, 80), source=source)) for _ in range(8)}
        assert len(answers) == 1, (source, answers)
    # the 5-tuple default spreads one client over several VMs
    lb = network_client.load_balancers.get(rg, "lb")
    lb.load_balancing_rules[0].load_distribution = "Default"
    network_client.load_balancers.begin_create_or_update(rg, "lb", lb).result()
    spread = {vm_of(get(ip, port(aznet, 80), source="127.0.0.11")) for _ in range(30)}
    assert len(spread) > 1


def test_stopped_vm_gets_no_new_connections_and_returns_when_started(aznet, network_client, compute, rg):
    ip = web_lb(aznet, network_client, compute, rg)
    wait_for(lambda: {vm_of(get(ip, port(aznet, 80))) for _ in range(20)} == {"vm1", "vm2", "vm3"})
    compute.virtual_machines.begin_power_off(rg, "vm2").result()
    # after interval x threshold (5 s x 1) the probe marks it down; poll with a generous deadline
    wait_for(lambda: all(vm_of(get(ip, port(aznet, 80))) != "vm2" for _ in range(30)))
    show = cli(aznet, "vm", "show", "-g", rg, "-n", "vm2")
    assert show["powerState"] == "stopped" and not any(w["serving"] for w in show["workloads"])
    compute.virtual_machines.begin_start(rg, "vm2").result()
    wait_for(lambda: "vm2" in {vm_of(get(ip, port(aznet, 80))) for _ in range(20)})


def test_inbound_nat_rule_reaches_one_vm(aznet, network_client, compute, rg):
    ip = public_ip(network_client, rg)
    lb = rid(aznet, rg, "loadBalancers", "lb")
    body = lb_body(aznet, rg, rules=[], nat_rules=[{"name": "to-vm2", "properties": {
        "protocol": "Tcp", "frontendPort": 50002, "backendPort": 7}}])
    network_client.load_balancers.begin_create_or_update(rg, "lb", body).result()
    make_vms(aznet, network_client, compute, rg, ["vm1", "vm2"],
             nat_rules={"vm2": [f"{lb}/inboundNatRules/to-vm2"]})
    for vm in ("vm1", "vm2"):
        cli(aznet, "vm", "serve", "-g", rg, "-n", vm, "--tcp-echo", "7", "--http", "8080")
    for _ in range(5):
        with socket.create_connection((ip, 50002), timeout=5) as s:
            s.sendall(b"ping through NAT\n")
            assert s.recv(100) == b"ping through NAT\n"
    # the echo came from vm2: expose its port 7 to another endpoint and the NAT rule follows
    cli(aznet, "vm", "expose", "-g", rg, "-n", "vm2", "--port", "7", "--to", "127.0.0.1:1")
    got: bytes | None
    try:        # the backend refuses: the load balancer resets the client's connection
        with socket.create_connection((ip, 50002), timeout=5) as s:
            s.sendall(b"x")
            got = s.recv(10)
    except (ConnectionResetError, BrokenPipeError):
        got = None
    assert got is None


def test_udp_echo_through_a_rule(aznet, network_client, compute, rg):
    ip = public_ip(network_client, rg)
    body = lb_body(aznet, rg, probes=[{"name": "tcp", "properties": {"protocol": "Tcp", "port": 80,
                                                                     "intervalInSeconds": 5}}],
                   rules=[{"name": "dns", "probe": "tcp", "properties": {
                       "protocol": "Udp", "frontendPort": 5353, "backendPort": 9}}])
    network_client.load_balancers.begin_create_or_update(rg, "lb", body).result()
    make_vms(aznet, network_client, compute, rg, ["vm1", "vm2"], pools=[pool_id(aznet, rg)])
    for vm in ("vm1", "vm2"):
        cli(aznet, "vm", "serve", "-g", rg, "-n", vm, "--http", "80", "--udp-echo", "9")

    def echo() -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2)
            s.sendto(b"datagram 1", (ip, 5353))
            return s.recvfrom(100)[0] == b"datagram 1"
    wait_for(echo)
