"""The "NAT gateway" quickstart with the real Azure CLI."""

from __future__ import annotations

import ipaddress

from tests.network.nic_support import ensure_vnet_types


def test_nat_gateway_quickstart(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-nat-") as rg:
        pip = az.json("network", "public-ip", "create", "-g", rg, "-n", "public-ip-nat", "--sku", "standard",
                      "--allocation-method", "static")["publicIp"]
        assert ipaddress.ip_address(pip["ipAddress"]) in ipaddress.ip_network("127.64.0.0/16")
        gw = az.json("network", "nat", "gateway", "create", "-g", rg, "-n", "nat-gateway",
                     "--public-ip-addresses", "public-ip-nat", "--idle-timeout", "10")
        assert gw["idleTimeoutInMinutes"] == 10
        az.run("network", "vnet", "create", "-g", rg, "-n", "vnet-1", "--address-prefix", "10.0.0.0/16",
               "--subnet-name", "subnet-1", "--subnet-prefixes", "10.0.0.0/24")
        sub = az.json("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "vnet-1", "-n", "subnet-1",
                      "--nat-gateway", "nat-gateway")
        assert sub["natGateway"]["id"].endswith("/natGateways/nat-gateway")
        shown = az.json("network", "nat", "gateway", "show", "-g", rg, "-n", "nat-gateway")
        assert [s["id"].rsplit("/", 1)[-1] for s in shown["subnets"]] == ["subnet-1"]
        assert shown["publicIpAddresses"][0]["id"].endswith("/publicIPAddresses/public-ip-nat")
        err = az.fails("network", "nat", "gateway", "delete", "-g", rg, "-n", "nat-gateway")
        assert "CannotDeleteNatGatewayAssociatedToSubnet" in err.stderr
