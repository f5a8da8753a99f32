"""Azure's CLI sample "load balance VMs" with the real `az`: public IP, `az network lb create`, probe,
rule, VNet, NSG, NICs in the pool, `az vm create` (the web server switched on by the tag aznet-serve),
then curl to the load balancer's public IP; `az vm stop` takes a VM out of rotation; `az network lb
inbound-nat-rule` reaches one VM; `aznet status --json` lists the frontends."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from aznet.dataplane.ports import listen_port
from tests.dataplane.lb.support import cli, wait_for

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def curl(url: str) -> str:
    proc = subprocess.run(["curl", "-sS", "--max-time", "5", url], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_cli_sample_load_balancer_for_vms(az, aznet):  # type: ignore[no-untyped-def]
    with az.group("rg-lb-") as rg:
        az.run("network", "public-ip", "create", "-g", rg, "-n", "myPublicIP", "--sku", "Standard")
        az.run("network", "lb", "create", "-g", rg, "-n", "myLoadBalancer", "--sku", "Standard",
               "--public-ip-address", "myPublicIP", "--frontend-ip-name", "myFrontEnd",
               "--backend-pool-name", "myBackEndPool")
        az.run("network", "lb", "probe", "create", "-g", rg, "--lb-name", "myLoadBalancer", "-n", "myHealthProbe",
               "--protocol", "tcp", "--port", "80", "--interval", "5", "--probe-threshold", "1")
        az.run("network", "lb", "rule", "create", "-g", rg, "--lb-name", "myLoadBalancer", "-n", "myHTTPRule",
               "--protocol", "tcp", "--frontend-port", "80", "--backend-port", "80",
               "--frontend-ip-name", "myFrontEnd", "--backend-pool-name", "myBackEndPool",
               "--probe-name", "myHealthProbe", "--disable-outbound-snat", "true", "--idle-timeout", "15",
               "--enable-tcp-reset", "true")
        az.run("network", "lb", "inbound-nat-rule", "create", "-g", rg, "--lb-name", "myLoadBalancer",
               "-n", "myNatRuleVM2", "--protocol", "tcp", "--frontend-port", "50002", "--backend-port", "80",
               "--frontend-ip-name", "myFrontEnd")
        az.run("network", "vnet", "create", "-g", rg, "-n", "myVNet", "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "myBackendSubnet", "--subnet-prefix", "10.1.0.0/24")
        az.run("network", "nsg", "create", "-g", rg, "-n", "myNSG")
        az.run("network", "nsg", "rule", "create", "-g", rg, "--nsg-name", "myNSG", "-n", "myNSGRuleHTTP",
               "--protocol", "*", "--direction", "inbound", "--source-address-prefix", "*",
               "--source-port-range", "*", "--destination-address-prefix", "*", "--destination-port-range", "80",
               "--access", "allow", "--priority", "200")
        for i in (1, 2, 3):
            extra = ["--lb-inbound-nat-rules", "myNatRuleVM2"] if i == 2 else []
            az.run("network", "nic", "create", "-g", rg, "-n", f"myNicVM{i}", "--vnet-name", "myVNet",
                   "--subnet", "myBackendSubnet", "--network-security-group", "myNSG",
                   "--lb-name", "myLoadBalancer", "--lb-address-pools", "myBackEndPool", *extra)
            az.run("vm", "create", "-g", rg, "-n", f"myVM{i}", "--nics", f"myNicVM{i}", "--image", "Ubuntu2204",
                   "--admin-username", "azureuser", "--admin-password", "Secr3t-Passw0rd!",
                   "--tags", "aznet-serve=http:80")
        ip = az.json("network", "public-ip", "show", "-g", rg, "-n", "myPublicIP", "--query", "ipAddress")
        port = listen_port(80, aznet.platform.settings.privileged_port_offset)
        seen: set[str] = set()

        def all_answer() -> bool:
            seen.add(curl(f"http://{ip}:{port}/").splitlines()[0])
            return seen == {"Hello from myVM1", "Hello from myVM2", "Hello from myVM3"}
        wait_for(all_answer, timeout=90)
        assert curl(f"http://{ip}:50002/").splitlines()[0] == "Hello from myVM2"

        # a port-range NAT rule on the pool, and `az network lb list-mapping` (queryInboundNatRulePortMapping)
        az.run("network", "lb", "inbound-nat-rule", "create", "-g", rg, "--lb-name", "myLoadBalancer",
               "-n", "myNatRange", "--protocol", "tcp", "--frontend-port-range-start", "60000",
               "--frontend-port-range-end", "60009", "--backend-port", "80", "--frontend-ip-name", "myFrontEnd",
               "--backend-pool-name", "myBackEndPool")
        ip3 = az.json("network", "nic", "show", "-g", rg, "-n", "myNicVM3", "--query",
                      "ipConfigurations[0].privateIPAddress")
        mapping = az.json("network", "lb", "list-mapping", "-g", rg, "-n", "myLoadBalancer",
                          "--backend-pool-name", "myBackEndPool", "--request", f"ip={ip3}")
        (m,) = mapping["inboundNatRulePortMappings"]
        assert m["inboundNatRuleName"] == "myNatRange" and 60000 <= m["frontendPort"] <= 60009
        assert curl(f"http://{ip}:{m['frontendPort']}/").splitlines()[0] == "Hello from myVM3"

        az.run("vm", "stop", "-g", rg, "-n", "myVM1")
        wait_for(lambda: all(curl(f"http://{ip}:{port}/").splitlines()[0] != "Hello from myVM1"
                             for _ in range(20)), timeout=90)
        shown = cli(aznet, "vm", "show", "-g", rg, "-n", "myVM3")
        cfg = shown["networkInterfaces"][0]["ipConfigurations"][0]
        assert cfg["privateIPAddress"].startswith("10.1.0.") and cfg["localAddress"].startswith("127.")
        assert shown["workloads"][0]["source"] == "tag aznet-serve"

        status = cli(aznet, "status", "--json")
        fe = [e for e in status["endpoints"] if e.get("resourceId", "").lower().endswith(
            f"/resourcegroups/{rg}/providers/microsoft.network/loadbalancers/myloadbalancer/"
            "frontendipconfigurations/myfrontend")]
        ports = sorted((e["address"], e["port"], e["protocol"]) for e in fe)
        assert ports[:2] == [(ip, 80, "tcp"), (ip, 50002, "tcp")]
        assert all(p[2] == "tcp" and 60000 <= p[1] <= 60009 for p in ports[2:]) and len(ports) == 5
        assert json.dumps(fe)   # serialisable as printed
