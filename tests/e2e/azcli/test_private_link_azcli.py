"""The "private endpoint to a private link service" quickstart with the real
Azure CLI. ``az network lb create`` deploys a template, so the load balancer is
made through the SDK until the template engine is in place; the rest is az."""

from __future__ import annotations

from tests.network.nic_support import ensure_vnet_types
from tests.network.test_private_link import provider


def test_private_endpoint_to_private_link_service(aznet, network_client, az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-pl-") as rg:
        provider(aznet, network_client, rg)
        pls = az.json("network", "private-link-service", "create", "-g", rg, "-n", "private-link-service",
                      "--vnet-name", "vnet-1", "--subnet", "subnet-1", "--lb-name", "load-balancer",
                      "--lb-frontend-ip-configs", "frontend", "-l", "westeurope")
        assert pls["alias"].endswith(".westeurope.azure.privatelinkservice")
        assert pls["ipConfigurations"][0]["privateIPAddress"] == "10.0.0.5"
        az.run("network", "vnet", "create", "-g", rg, "-n", "vnet-pe", "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "subnet-pe", "--subnet-prefixes", "10.1.0.0/24")
        pe = az.json("network", "private-endpoint", "create", "-g", rg, "-n", "private-endpoint",
                     "--connection-name", "connection-1", "--private-connection-resource-id", pls["id"],
                     "--vnet-name", "vnet-pe", "--subnet", "subnet-pe", "-l", "westeurope")
        state = pe["privateLinkServiceConnections"][0]["privateLinkServiceConnectionState"]
        assert state["status"] == "Approved"
        nic = az.json("network", "nic", "show", "--ids", pe["networkInterfaces"][0]["id"])
        assert nic["ipConfigurations"][0]["privateIPAddress"] == "10.1.0.4"
        conns = az.json("network", "private-link-service", "show", "-g", rg, "-n", "private-link-service")[
            "privateEndpointConnections"]
        assert len(conns) == 1 and conns[0]["privateEndpoint"]["id"].lower() == pe["id"].lower()
