"""Azure's CLI quickstart "direct web traffic with Azure Application Gateway" with the real `az`: VNet with the
gateway and backend subnets, a Standard public IP, two VMs (the demo web server switched on by the tag
aznet-serve), `az network application-gateway create --servers <the VMs' IPs>`, then curl to the public IP
reaches both VMs; `az vm stop` takes one out (backend health says why); `aznet status --json` lists the
frontend; access logs through a diagnostic setting, `aznet logs`, and the gateway's metrics."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import uuid
from contextlib import redirect_stdout

import pytest

from aznet.cli.main import main as aznet_main
from aznet.dataplane.ports import listen_port
from tests.network.nic_support import make_storage_account

from .support import wait_for

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def curl(url: str) -> str:
    proc = subprocess.run(["curl", "-sS", "--max-time", "5", url], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def aznet_out(aznet, *args: str) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with redirect_stdout(out):
        code = aznet_main([*args, "--data-dir", str(aznet.data_dir)])
    assert code == 0, out.getvalue()
    return out.getvalue()


def test_cli_quickstart_gateway_with_vms_as_backends(az, aznet):  # type: ignore[no-untyped-def]
    rg = f"rg-ag-{uuid.uuid4().hex[:8]}"
    az.run("group", "create", "-n", rg, "-l", "westeurope")
    try:
        az.run("network", "vnet", "create", "--name", "myVNet", "--resource-group", rg, "--location", "westeurope",
               "--address-prefix", "10.21.0.0/16", "--subnet-name", "myAGSubnet", "--subnet-prefix", "10.21.0.0/24")
        az.run("network", "vnet", "subnet", "create", "--name", "myBackendSubnet", "--resource-group", rg,
               "--vnet-name", "myVNet", "--address-prefix", "10.21.1.0/24")
        az.run("network", "public-ip", "create", "--resource-group", rg, "--name", "myAGPublicIPAddress",
               "--allocation-method", "Static", "--sku", "Standard")
        ips = []
        for i in (1, 2):
            nic = az.json("network", "nic", "create", "--resource-group", rg, "--name", f"myNic{i}",
                          "--vnet-name", "myVNet", "--subnet", "myBackendSubnet")
            ips.append(nic["NewNIC"]["ipConfigurations"][0]["privateIPAddress"])
            az.run("vm", "create", "--resource-group", rg, "--name", f"myVM{i}", "--nics", f"myNic{i}",
                   "--image", "Ubuntu2204", "--admin-username", "azureuser", "--admin-password", "Secr3t-Passw0rd!",
                   "--tags", "aznet-serve=http:80")
        az.run("network", "application-gateway", "create", "--name", "myAppGateway", "--location", "westeurope",
               "--resource-group", rg, "--capacity", "2", "--sku", "Standard_v2", "--http-settings-cookie-based-affinity",
               "Disabled", "--frontend-port", "80", "--http-settings-port", "80", "--http-settings-protocol", "Http",
               "--public-ip-address", "myAGPublicIPAddress", "--vnet-name", "myVNet", "--subnet", "myAGSubnet",
               "--servers", *ips, "--priority", "100")
        gw = az.json("network", "application-gateway", "show", "-g", rg, "-n", "myAppGateway")
        st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
        az.run("monitor", "diagnostic-settings", "create", "--name", "to-storage", "--resource", gw["id"],
               "--storage-account", st, "--logs", '[{"category": "ApplicationGatewayAccessLog", "enabled": true}]')
        ip = az.json("network", "public-ip", "show", "-g", rg, "-n", "myAGPublicIPAddress", "--query", "ipAddress")
        port = listen_port(80, aznet.platform.settings.privileged_port_offset)
        seen: set[str] = set()

        def both_answer() -> bool:
            seen.add(curl(f"http://{ip}:{port}/").splitlines()[0])
            return seen == {"Hello from myVM1", "Hello from myVM2"}
        wait_for(both_answer, timeout=90)

        status = json.loads(aznet_out(aznet, "status", "--json"))
        fe = [e for e in status["endpoints"] if e.get("name") == "appgw:myAppGateway"]
        assert [(e["address"], e["port"]) for e in fe] == [(ip, 80)]

        # the access log record of a request, through `aznet logs`
        def logged() -> list[dict[str, object]]:
            text = aznet_out(aznet, "logs", "--resource", gw["id"], "--category", "ApplicationGatewayAccessLog")
            return [json.loads(x) for x in text.splitlines() if x.strip()]
        recs = wait_for(logged)
        rec = recs[-1]
        assert rec["operationName"] == "ApplicationGatewayAccess"
        assert rec["resourceId"] == gw["id"].upper()
        props = rec["properties"]
        assert props["httpStatus"] == 200 and props["httpMethod"] == "GET" and props["clientIP"] == "127.0.0.1"
        assert props["serverRouted"] in {f"{x}:80" for x in ips} and rec["backendPoolName"] == gw["backendAddressPools"][0]["name"]

        # a custom probe (1 s interval, 2 failures) instead of the default one (30 s, 3 failures)
        az.run("network", "application-gateway", "probe", "create", "-g", rg, "--gateway-name", "myAppGateway",
               "-n", "fast", "--protocol", "Http", "--host", "127.0.0.1", "--path", "/", "--interval", "1",
               "--timeout", "10", "--threshold", "2")
        az.run("network", "application-gateway", "http-settings", "update", "-g", rg, "--gateway-name",
               "myAppGateway", "-n", gw["backendHttpSettingsCollection"][0]["name"], "--probe", "fast")
        az.run("vm", "stop", "-g", rg, "-n", "myVM1")

        def vm1_down() -> bool:
            h = az.json("network", "application-gateway", "show-backend-health", "-g", rg, "-n", "myAppGateway")
            servers = h["backendAddressPools"][0]["backendHttpSettingsCollection"][0]["servers"]
            return {s["address"]: s["health"] for s in servers} == {ips[0]: "Down", ips[1]: "Up"} and servers
        servers = wait_for(vm1_down, timeout=150)
        down = next(s for s in servers if s["address"] == ips[0])
        assert down["healthProbeLog"].startswith("Cannot connect to backend server.")
        assert {curl(f"http://{ip}:{port}/").splitlines()[0] for _ in range(6)} == {"Hello from myVM2"}

        metrics = az.json("monitor", "metrics", "list", "--resource", gw["id"], "--metric", "TotalRequests",
                          "--aggregation", "Total", "--interval", "PT1M")
        totals = [p.get("total") or 0 for ts in metrics["value"][0]["timeseries"] for p in ts["data"]]
        assert sum(totals) >= 3
    finally:
        az.run("group", "delete", "-n", rg, "--yes", "--no-wait", check=False)
