"""Relay worker processes (AZNET_LB_WORKERS): frontends shared with SO_REUSEPORT, every connection served
whichever process accepts it, and the workers' flow counts reach the metrics."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

from aznet.testing.harness import start_in_thread
from aznet.testing.pytest_plugin import worker_pools

from .support import cli, lb_body, make_vms, pool_id, public_ip, wait_for


def test_two_relay_workers_share_the_frontend() -> None:
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    with tempfile.TemporaryDirectory(prefix="aznet-lbw-") as tmp:
        inst = start_in_thread(Path(tmp), lb_workers=2, **worker_pools())
        try:
            inst.client(ResourceManagementClient).resource_groups.create_or_update("rg", {"location": "westeurope"})
            net, compute = inst.client(NetworkManagementClient), inst.client(ComputeManagementClient)
            ip = public_ip(net, "rg")
            lb = net.load_balancers.begin_create_or_update("rg", "lb", lb_body(
                inst, "rg", probes=[{"name": "echo", "properties": {"protocol": "Tcp", "port": 7,
                                                                   "intervalInSeconds": 5}}],
                rules=[{"name": "echo", "probe": "echo", "properties": {"protocol": "Tcp", "frontendPort": 7007,
                                                                        "backendPort": 7}}])).result()
            make_vms(inst, net, compute, "rg", ["vm1", "vm2"], pools=[pool_id(inst, "rg")])
            for vm in ("vm1", "vm2"):
                cli(inst, "vm", "serve", "-g", "rg", "-n", vm, "--tcp-echo", "7")
            engine = inst.platform.services["lb"]
            assert engine.pool is not None and all(p.is_alive() for p in engine.pool.procs)
            # every worker has handled the plan sent so far, so its frontend sockets are bound: until then the
            # kernel gives every connection to this process (a busy machine can take seconds to start a worker)
            assert engine.pool.barrier(30)

            def echo(i: int) -> bool:
                with socket.create_connection((ip, 7007), timeout=5) as s:
                    s.sendall(b"n%d" % i)
                    return s.recv(100) == b"n%d" % i
            wait_for(lambda: echo(-1))
            assert all(echo(i) for i in range(60))

            def syn_total() -> float:
                def read() -> float:
                    reg = inst.platform.metrics
                    reg.collect()
                    now = reg.now_minute()
                    return sum(acc[0] for dims, _kind in reg.keys(lb.id, "SYNCount")
                               for _m, acc in reg.points(lb.id, "SYNCount", dims, now - 10, now + 1))
                return float(inst.call(read))
            # all 61 flows are counted, whichever of the three processes relayed them
            wait_for(lambda: syn_total() >= 61, timeout=30)
            assert 0 < engine.worker_flows <= 61        # the kernel spread the connections over the processes
        finally:
            inst.stop()
