"""Front Door Standard/Premium in front of a VM made with the az CLI: the VM runs aznet's demo web server (tag
aznet-serve), its public IP is the origin, reached through the workload table; curl through the endpoint (a miss,
then a hit), `az vm stop` takes the origin away (503) and `az vm start` brings it back; `aznet status --json`
lists the edge. (The az CLI installed here has no `az afd` commands: its cdn module is not part of it, so the
Front Door resources are made with azure-mgmt-cdn.)"""

from __future__ import annotations

import io
import json
import uuid
from contextlib import redirect_stdout

from aznet.cli.main import main as aznet_main

from .support import P, curl, wait_for


def test_vm_as_origin(az, aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    rg = f"rg-afd-{uuid.uuid4().hex[:8]}"
    az.run("group", "create", "-n", rg, "-l", "westeurope")
    try:
        az.run("network", "vnet", "create", "-g", rg, "-n", "vnet", "--address-prefix", "10.31.0.0/16",
               "--subnet-name", "web", "--subnet-prefix", "10.31.0.0/24")
        az.run("network", "public-ip", "create", "-g", rg, "-n", "webip", "--sku", "Standard",
               "--allocation-method", "Static")
        az.run("network", "nic", "create", "-g", rg, "-n", "webnic", "--vnet-name", "vnet", "--subnet", "web",
               "--public-ip-address", "webip")
        az.run("vm", "create", "-g", rg, "-n", "webvm", "--nics", "webnic", "--image", "Ubuntu2204",
               "--admin-username", "azureuser", "--admin-password", "Secr3t-Passw0rd!", "--tags", "aznet-serve=http:80")
        ip = az.json("network", "public-ip", "show", "-g", rg, "-n", "webip", "--query", "ipAddress")
        cdn = aznet.client(CdnManagementClient)
        cdn.profiles.begin_create(rg, "contosoafd", {"location": "global",
                                                     "sku": {"name": "Standard_AzureFrontDoor"}}).result()
        ep = cdn.afd_endpoints.begin_create(rg, "contosoafd", "contosofrontend", {"location": "global"}).result()
        cdn.afd_origin_groups.begin_create(rg, "contosoafd", "og", P(
            loadBalancingSettings={"sampleSize": 4, "successfulSamplesRequired": 3,
                                   "additionalLatencyInMilliseconds": 50},
            healthProbeSettings={"probePath": "/", "probeRequestType": "GET", "probeProtocol": "Http",
                                 "probeIntervalInSeconds": 1})).result()
        cdn.afd_origins.begin_create(rg, "contosoafd", "og", "webvm", P(hostName=ip, originHostHeader=ip,
                                                                         httpPort=80, priority=1)).result()
        og = cdn.afd_origin_groups.get(rg, "contosoafd", "og").id
        cdn.routes.begin_create(rg, "contosoafd", "contosofrontend", "web", P(
            originGroup={"id": og}, supportedProtocols=["Http", "Https"], forwardingProtocol="HttpOnly",
            patternsToMatch=["/*"], cacheConfiguration={"queryStringCachingBehavior": "IgnoreQueryString"})).result()
        host = ep.host_name
        out = wait_for(lambda: (x := curl(aznet, f"http://{host}/", "-i")).stdout.startswith("HTTP/1.1 200") and x)
        assert "webvm" in out.stdout and "X-Cache: TCP_MISS" in out.stdout, out.stdout
        assert "X-Cache: TCP_HIT" in curl(aznet, f"http://{host}/", "-i").stdout
        # the VM stops: the origin's probes fail and, all origins unhealthy, requests still try it: 503
        az.run("vm", "stop", "-g", rg, "-n", "webvm")
        cdn.afd_endpoints.begin_purge_content(rg, "contosoafd", "contosofrontend", {"contentPaths": ["/*"]}).result()
        assert wait_for(lambda: curl(aznet, f"http://{host}/", "-o", "/dev/null", "-w", "%{http_code}").stdout
                        == "503")
        az.run("vm", "start", "-g", rg, "-n", "webvm")
        assert wait_for(lambda: "webvm" in curl(aznet, f"http://{host}/").stdout)
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert aznet_main(["status", "--json", "--data-dir", str(aznet.data_dir)]) == 0
        names = {e.get("name") for e in json.loads(buf.getvalue())["endpoints"]}
        assert {"frontdoor:http", "frontdoor:https"} <= names
        assert aznet.platform.reconciler.stats("frontdoor").last_error is None   # the engine never failed
    finally:
        az.run("group", "delete", "-n", rg, "--yes", check=False)
