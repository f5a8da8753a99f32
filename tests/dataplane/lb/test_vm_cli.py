"""`aznet vm show | expose | serve | run` against a running aznet, and the table across a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from aznet.dataplane.ports import listen_port
from aznet.testing.harness import start_in_thread
from aznet.testing.pytest_plugin import worker_pools

from .support import cli, make_vms, wait_for


def _clients(inst):  # type: ignore[no-untyped-def]
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    inst.client(ResourceManagementClient).resource_groups.create_or_update("rg", {"location": "westeurope"})
    return inst.client(NetworkManagementClient), inst.client(ComputeManagementClient)


def test_vm_commands_and_restart() -> None:
    with tempfile.TemporaryDirectory(prefix="aznet-vm-") as tmp:
        data = Path(tmp)
        inst = start_in_thread(data, **worker_pools())
        try:
            net, compute = _clients(inst)
            make_vms(inst, net, compute, "rg", ["web1"])
            shown = cli(inst, "vm", "show", "-g", "rg", "-n", "web1")
            cfg = shown["networkInterfaces"][0]["ipConfigurations"][0]
            assert cfg["privateIPAddress"] == "10.0.0.4" and cfg["localAddress"].startswith("127.128.")
            assert shown["localAddress"] == cfg["localAddress"] and shown["powerState"] == "running"
            assert shown["workloads"] == [] and shown["portMappings"] == []
            # a service that already runs elsewhere, mapped to the VM's port 8443
            backend = socket.socket()
            backend.bind(("127.0.0.1", 0))
            backend.listen()
            target = f"127.0.0.1:{backend.getsockname()[1]}"
            assert cli(inst, "vm", "expose", "-g", "rg", "-n", "web1", "--port", "8443", "--to", target) == [
                {"port": 8443, "to": target}]
            served = cli(inst, "vm", "serve", "-g", "rg", "-n", "web1", "--http", "8081", "--tcp-echo", "7007")
            assert [(w["kind"], w["port"]) for w in served] == [("http", 8081), ("tcp-echo", 7007)]
            local = cfg["localAddress"]
            r = httpx.get(f"http://{local}:{listen_port(8081, inst.platform.settings.privileged_port_offset)}/")
            assert r.text.startswith("Hello from web1\nclient 127.0.0.1:") and r.headers["x-aznet-vm"] == "web1"
            env_out = subprocess.run(
                [sys.executable, "-m", "aznet.cli.main", "vm", "run", "-g", "rg", "-n", "web1", "--data-dir",
                 str(data), "--", "sh", "-c", "echo $AZNET_VM_IP $AZNET_NIC_WEB1_NIC_IP $AZNET_VM_NAME"],
                capture_output=True, text=True, timeout=60, env={**os.environ})
            assert env_out.returncode == 0, env_out.stderr
            assert env_out.stdout.split() == [local, local, "web1"]
            status = cli(inst, "status", "--json")
            assert {"resourceId": shown["id"], "protocol": "tcp", "address": local, "port": 8081}.items() <= \
                next(e for e in status["endpoints"] if e.get("name") == "vm-http:web1").items()
            backend.close()
        finally:
            inst.stop()
        again = start_in_thread(data, **worker_pools())
        try:
            shown2 = cli(again, "vm", "show", "-g", "rg", "-n", "web1")
            assert shown2["localAddress"] == local                       # stable across restarts
            assert shown2["portMappings"] == [{"port": 8443, "to": target}]
            with socket.create_connection((local, 7007), timeout=5) as s:   # workloads come back
                s.sendall(b"again")
                assert s.recv(10) == b"again"
            compute = _clients(again)[1]
            compute.virtual_machines.begin_deallocate("rg", "web1").result()
            wait_for(lambda: socket.socket().connect_ex((local, 7007)) != 0)
        finally:
            again.stop()
