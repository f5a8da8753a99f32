"""Azure's "Configure BGP peering between Route Server and a network virtual appliance" tutorial,
control plane, with the real Azure CLI: `az network routeserver` create / show / list / update, its
peering commands (create, show, list, update, list-learned-routes, list-advertised-routes, delete)
and delete."""

from __future__ import annotations

from .nic_support import ensure_vnet_types


def test_route_server_with_nva_tutorial_azcli(az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-rs-", "eastus") as rg:
        az.run("network", "vnet", "create", "-g", rg, "-n", "myVirtualNetwork", "--address-prefix", "10.0.0.0/16",
               "--subnet-name", "RouteServerSubnet", "--subnet-prefixes", "10.0.1.0/26")
        az.run("network", "vnet", "subnet", "create", "-g", rg, "--vnet-name", "myVirtualNetwork", "-n", "subnet1",
               "--address-prefixes", "10.0.0.0/24")
        sub = az.json("network", "vnet", "subnet", "show", "-g", rg, "--vnet-name", "myVirtualNetwork", "-n",
                      "RouteServerSubnet")["id"]
        az.run("network", "public-ip", "create", "-g", rg, "-n", "RouteServerIP", "--sku", "Standard",
               "--version", "IPv4")
        rs = az.json("network", "routeserver", "create", "-g", rg, "-n", "myRouteServer", "--hosted-subnet", sub,
                     "--public-ip-address", "RouteServerIP")
        assert rs["kind"] == "RouteServer" and rs["virtualRouterAsn"] == 65515
        assert rs["virtualRouterIps"] == ["10.0.1.4", "10.0.1.5"] and rs["routingState"] == "Provisioned"
        assert rs["sku"] == "Standard" and rs["hubRoutingPreference"] == "ExpressRoute"
        # the CLI refuses a second create of the same name itself (it lists the route servers first)
        again = az.fails("network", "routeserver", "create", "-g", rg, "-n", "myRouteServer", "--hosted-subnet", sub,
                         "--public-ip-address", "RouteServerIP")
        assert "exists" in again.stderr
        shown = az.json("network", "routeserver", "show", "-g", rg, "-n", "myRouteServer")
        assert shown["virtualRouterIps"] == rs["virtualRouterIps"]
        assert [r["name"] for r in az.json("network", "routeserver", "list", "-g", rg)] == ["myRouteServer"]
        peer = az.json("network", "routeserver", "peering", "create", "-g", rg, "--routeserver", "myRouteServer",
                       "-n", "myNVA", "--peer-ip", "10.0.0.4", "--peer-asn", "65001")
        assert peer["peerIp"] == "10.0.0.4" and peer["peerAsn"] == 65001
        bad = az.fails("network", "routeserver", "peering", "create", "-g", rg, "--routeserver", "myRouteServer",
                       "-n", "reserved", "--peer-ip", "10.0.0.5", "--peer-asn", "65515")
        assert "BgpAsnReservedByAzure" in bad.stderr
        assert az.json("network", "routeserver", "peering", "show", "-g", rg, "--routeserver", "myRouteServer",
                       "-n", "myNVA")["connectionState"] == "Connecting"
        assert [p["name"] for p in az.json("network", "routeserver", "peering", "list", "-g", rg,
                                           "--routeserver", "myRouteServer")] == ["myNVA"]
        az.run("network", "routeserver", "peering", "update", "-g", rg, "--routeserver", "myRouteServer",
               "-n", "myNVA", "--peer-asn", "65002")
        assert az.json("network", "routeserver", "peering", "show", "-g", rg, "--routeserver", "myRouteServer",
                       "-n", "myNVA")["peerAsn"] == 65002
        adv = az.json("network", "routeserver", "peering", "list-advertised-routes", "-g", rg,
                      "--routeserver", "myRouteServer", "-n", "myNVA")
        assert [r["network"] for r in adv["RouteServiceRole_IN_0"]] == ["10.0.0.0/16"]
        assert adv["RouteServiceRole_IN_1"][0]["localAddress"] == "10.0.1.5"
        learned = az.json("network", "routeserver", "peering", "list-learned-routes", "-g", rg,
                          "--routeserver", "myRouteServer", "-n", "myNVA")
        assert learned == {"RouteServiceRole_IN_0": [], "RouteServiceRole_IN_1": []}
        upd = az.json("network", "routeserver", "update", "-g", rg, "-n", "myRouteServer", "--allow-b2b-traffic",
                      "true", "--hub-routing-preference", "ASPath")
        assert upd["allowBranchToBranchTraffic"] is True and upd["hubRoutingPreference"] == "ASPath"
        assert upd["virtualRouterIps"] == ["10.0.1.4", "10.0.1.5"]
        az.run("network", "routeserver", "peering", "delete", "-g", rg, "--routeserver", "myRouteServer", "-n",
               "myNVA", "--yes")
        assert az.json("network", "routeserver", "peering", "list", "-g", rg, "--routeserver", "myRouteServer") == []
        az.run("network", "routeserver", "delete", "-g", rg, "-n", "myRouteServer", "--yes")
        assert az.json("network", "routeserver", "list", "-g", rg) == []
        ip = az.json("network", "public-ip", "show", "-g", rg, "-n", "RouteServerIP")
        assert not ip.get("ipConfiguration")
