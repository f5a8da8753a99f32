"""Azure's tutorials with the real Azure CLI: "Filter network traffic with a
network security group", "Connect virtual networks with virtual network
peering" and the route-table part of "Route network traffic with a route table"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def azrg(az) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with az.group("rg-vnet-") as rg:
        yield rg


def test_filter_traffic_with_an_nsg(az, azrg, network_client):  # type: ignore[no-untyped-def]
    rg = azrg
    az.run("network", "vnet", "create", "-g", rg, "-n", "myVirtualNetwork", "--address-prefixes", "10.0.0.0/16",
           "--subnet-name", "mySubnet", "--subnet-prefixes", "10.0.0.0/24")
    az.run("network", "asg", "create", "-g", rg, "-n", "myAsgWebServers")
    nsg = az.json("network", "nsg", "create", "-g", rg, "-n", "myNsg")["NewNSG"]
    assert {r["name"] for r in nsg["defaultSecurityRules"]} >= {"DenyAllInBound", "AllowVnetInBound"}
    sub = az.json("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "myVirtualNetwork",
                  "-n", "mySubnet", "--network-security-group", "myNsg")
    assert sub["networkSecurityGroup"]["id"].endswith("/networkSecurityGroups/myNsg")
    web = az.json("network", "nsg", "rule", "create", "-g", rg, "--nsg-name", "myNsg", "-n", "Allow-Web-All",
                  "--access", "Allow", "--protocol", "Tcp", "--direction", "Inbound", "--priority", "100",
                  "--source-address-prefix", "Internet", "--source-port-range", "*",
                  "--destination-asgs", "myAsgWebServers", "--destination-port-range", "80", "443")
    assert web["destinationPortRanges"] == ["80", "443"]
    assert web["destinationApplicationSecurityGroups"][0]["id"].endswith("/applicationSecurityGroups/myAsgWebServers")
    err = az.fails("network", "nsg", "rule", "create", "-g", rg, "--nsg-name", "myNsg", "-n", "Clash",
                   "--access", "Deny", "--protocol", "*", "--direction", "Inbound", "--priority", "100")
    assert "SecurityRuleConflict" in err.stderr
    shown = network_client.network_security_groups.get(rg, "myNsg")
    assert [r.name for r in shown.security_rules] == ["Allow-Web-All"]
    assert [s.id.rsplit("/", 1)[-1] for s in shown.subnets] == ["mySubnet"]
    err = az.fails("network", "nsg", "delete", "-g", rg, "-n", "myNsg")
    assert "InUseNetworkSecurityGroupCannotBeDeleted" in err.stderr


def test_peer_two_vnets(az, azrg, network_client):  # type: ignore[no-untyped-def]
    rg = azrg
    az.run("network", "vnet", "create", "-g", rg, "-n", "vnet-1", "--address-prefixes", "10.0.0.0/16",
           "--subnet-name", "subnet-1", "--subnet-prefixes", "10.0.0.0/24")
    az.run("network", "vnet", "create", "-g", rg, "-n", "vnet-2", "--address-prefixes", "10.1.0.0/16",
           "--subnet-name", "subnet-1", "--subnet-prefixes", "10.1.0.0/24")
    first = az.json("network", "vnet", "peering", "create", "-g", rg, "-n", "vnet-1-to-vnet-2",
                    "--vnet-name", "vnet-1", "--remote-vnet", "vnet-2", "--allow-vnet-access")
    assert first["peeringState"] == "Initiated" and first["allowVirtualNetworkAccess"] is True
    az.run("network", "vnet", "peering", "create", "-g", rg, "-n", "vnet-2-to-vnet-1",
           "--vnet-name", "vnet-2", "--remote-vnet", "vnet-1", "--allow-vnet-access")
    shown = network_client.virtual_network_peerings.get(rg, "vnet-1", "vnet-1-to-vnet-2")
    assert (shown.peering_state, shown.peering_sync_level) == ("Connected", "FullyInSync")
    az.run("network", "vnet", "update", "-g", rg, "-n", "vnet-2", "--address-prefixes", "10.1.0.0/17",
           "10.2.0.0/16")
    stale = network_client.virtual_network_peerings.get(rg, "vnet-1", "vnet-1-to-vnet-2")
    assert (stale.peering_state, stale.peering_sync_level) == ("Connected", "LocalNotInSync")
    synced = az.json("network", "vnet", "peering", "sync", "-g", rg, "-n", "vnet-1-to-vnet-2",
                     "--vnet-name", "vnet-1")
    assert synced is None or synced.get("peeringSyncLevel") in (None, "FullyInSync")
    again = network_client.virtual_network_peerings.get(rg, "vnet-1", "vnet-1-to-vnet-2")
    assert again.peering_sync_level == "FullyInSync"
    assert again.remote_address_space.address_prefixes == ["10.1.0.0/17", "10.2.0.0/16"]


def test_route_table_through_an_nva(az, azrg, network_client):  # type: ignore[no-untyped-def]
    rg = azrg
    az.run("network", "vnet", "create", "-g", rg, "-n", "vnet-1", "--address-prefixes", "10.0.0.0/16",
           "--subnet-name", "subnet-1", "--subnet-prefixes", "10.0.0.0/24")
    az.run("network", "vnet", "subnet", "create", "-g", rg, "--vnet-name", "vnet-1", "-n", "subnet-private",
           "--address-prefixes", "10.0.2.0/24")
    rt = az.json("network", "route-table", "create", "-g", rg, "-n", "route-table-public",
                 "--disable-bgp-route-propagation", "true")
    assert rt["disableBgpRoutePropagation"] is True
    route = az.json("network", "route-table", "route", "create", "-g", rg, "--route-table-name",
                    "route-table-public", "-n", "to-private-subnet", "--address-prefix", "10.0.2.0/24",
                    "--next-hop-type", "VirtualAppliance", "--next-hop-ip-address", "10.0.3.10")
    assert route["nextHopIpAddress"] == "10.0.3.10" and route["nextHopType"] == "VirtualAppliance"
    err = az.fails("network", "route-table", "route", "create", "-g", rg, "--route-table-name",
                   "route-table-public", "-n", "no-ip", "--address-prefix", "10.9.0.0/16",
                   "--next-hop-type", "VirtualAppliance")
    assert "InvalidNextHopIpAddress" in err.stderr
    sub = az.json("network", "vnet", "subnet", "update", "-g", rg, "--vnet-name", "vnet-1", "-n", "subnet-1",
                  "--route-table", "route-table-public")
    assert sub["routeTable"]["id"].endswith("/routeTables/route-table-public")
    shown = network_client.route_tables.get(rg, "route-table-public")
    assert [s.id.rsplit("/", 1)[-1] for s in shown.subnets] == ["subnet-1"]
    assert [r.name for r in shown.routes] == ["to-private-subnet"]
    err = az.fails("network", "route-table", "delete", "-g", rg, "-n", "route-table-public")
    assert "InUseRouteTableCannotBeDeleted" in err.stderr
    err = az.fails("network", "vnet", "subnet", "create", "-g", rg, "--vnet-name", "vnet-1", "-n", "overlap",
                   "--address-prefixes", "10.0.2.128/25")
    assert "NetcfgSubnetRangesOverlap" in err.stderr
