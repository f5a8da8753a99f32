"""ExpressRoute with the real Azure CLI, as in "Create and modify an ExpressRoute circuit using Azure CLI",
"Create and modify peering" and "Connect a virtual network to a circuit": express-route create / show /
list / update / list-service-providers / get-stats / list-arp-tables / list-route-tables(-summary) /
delete, peering create / show / list / update / delete, auth create / list / show / delete, port create /
show / link list / generate-loa, route-filter create / rule create, vnet-gateway create --gateway-type
ExpressRoute, vpn-connection create --express-route-circuit2."""

from __future__ import annotations

from typing import Any

from tests.dataplane.lb.support import cli

from .nic_support import ensure_vnet_types


def test_expressroute_circuit_peering_and_gateway_connection_azcli(aznet, az):  # type: ignore[no-untyped-def]
    ensure_vnet_types()
    with az.group("rg-er-") as rg:
        providers = az.json("network", "express-route", "list-service-providers")
        eq = next(p for p in providers if p["name"] == "Equinix")
        assert "Silicon Valley" in eq["peeringLocations"]
        c = az.json("network", "express-route", "create", "--bandwidth", "200", "-n", "MyCircuit",
                    "--peering-location", "Silicon Valley", "-g", rg, "--provider", "Equinix", "-l", "westeurope",
                    "--sku-family", "MeteredData", "--sku-tier", "Standard")
        assert c["sku"]["name"] == "Standard_MeteredData"
        assert c["serviceProviderProperties"]["bandwidthInMbps"] == 200
        shown = az.json("network", "express-route", "show", "-n", "MyCircuit", "-g", rg)
        assert shown["serviceProviderProvisioningState"] == "NotProvisioned" and len(shown["serviceKey"]) == 36
        bad = az.fails("network", "express-route", "create", "--bandwidth", "300", "-n", "Bad",
                       "--peering-location", "Silicon Valley", "-g", rg, "--provider", "Equinix", "-l", "westeurope")
        assert "InvalidBandwidth" in bad.stderr
        bad = az.fails("network", "express-route", "peering", "create", "-g", rg, "--circuit-name", "MyCircuit",
                       "--peering-type", "AzurePrivatePeering", "--peer-asn", "65020", "--vlan-id", "100",
                       "--primary-peer-subnet", "10.0.0.0/30", "--secondary-peer-subnet", "10.0.0.4/30")
        assert "ExpressRouteCircuitNotProvisioned" in bad.stderr
        cli(aznet, "expressroute", "provision", "-g", rg, "-n", "MyCircuit")
        assert az.json("network", "express-route", "show", "-n", "MyCircuit", "-g", rg)[
            "serviceProviderProvisioningState"] == "Provisioned"
        az.run("network", "express-route", "update", "-n", "MyCircuit", "-g", rg, "--bandwidth", "500")
        assert az.json("network", "express-route", "show", "-n", "MyCircuit", "-g", rg)[
            "serviceProviderProperties"]["bandwidthInMbps"] == 500
        p = az.json("network", "express-route", "peering", "create", "-g", rg, "--circuit-name", "MyCircuit",
                    "--peering-type", "AzurePrivatePeering", "--peer-asn", "65020", "--vlan-id", "100",
                    "--primary-peer-subnet", "10.0.0.0/30", "--secondary-peer-subnet", "10.0.0.4/30")
        assert p["azureASN"] == 12076 and p["vlanId"] == 100
        bad = az.fails("network", "express-route", "peering", "create", "-g", rg, "--circuit-name", "MyCircuit",
                       "--peering-type", "MicrosoftPeering", "--peer-asn", "10002", "--vlan-id", "100",
                       "--primary-peer-subnet", "101.0.0.0/30", "--secondary-peer-subnet", "102.0.0.0/30",
                       "--advertised-public-prefixes", "101.0.0.0/30")
        assert "VlanIdInUse" in bad.stderr
        ms = az.json("network", "express-route", "peering", "create", "-g", rg, "--circuit-name", "MyCircuit",
                     "--peering-type", "MicrosoftPeering", "--peer-asn", "10002", "--vlan-id", "103",
                     "--primary-peer-subnet", "101.0.0.0/30", "--secondary-peer-subnet", "102.0.0.0/30",
                     "--advertised-public-prefixes", "101.0.0.0/30")
        assert ms["microsoftPeeringConfig"]["advertisedPublicPrefixesState"] == "ValidationNeeded"
        az.run("network", "express-route", "peering", "update", "-g", rg, "--circuit-name", "MyCircuit",
               "-n", "AzurePrivatePeering", "--vlan-id", "101")
        names = sorted(x["name"] for x in az.json("network", "express-route", "peering", "list", "-g", rg,
                                                  "--circuit-name", "MyCircuit"))
        assert names == ["AzurePrivatePeering", "MicrosoftPeering"]
        assert az.json("network", "express-route", "peering", "show", "-g", rg, "--circuit-name", "MyCircuit",
                       "-n", "AzurePrivatePeering")["vlanId"] == 101
        auth = az.json("network", "express-route", "auth", "create", "--circuit-name", "MyCircuit", "-g", rg,
                       "-n", "MyAuthorization")
        assert auth["authorizationUseStatus"] == "Available"
        assert [a["name"] for a in az.json("network", "express-route", "auth", "list", "--circuit-name",
                                           "MyCircuit", "-g", rg)] == ["MyAuthorization"]
        # the gateway and the connection
        az.run("network", "vnet", "create", "-n", "VNet1", "-g", rg, "--address-prefix", "10.1.0.0/16",
               "--subnet-name", "FrontEnd", "--subnet-prefix", "10.1.0.0/24")
        az.run("network", "vnet", "subnet", "create", "--vnet-name", "VNet1", "-n", "GatewaySubnet", "-g", rg,
               "--address-prefix", "10.1.255.0/27")
        az.run("network", "public-ip", "create", "-n", "ERGWIP", "-g", rg, "--sku", "Standard")
        gw = az.json("network", "vnet-gateway", "create", "-n", "ERGW", "-g", rg, "--vnet", "VNet1",
                     "--public-ip-address", "ERGWIP", "--gateway-type", "ExpressRoute", "--sku", "Standard")
        gw = gw.get("vnetGateway", gw)
        assert gw["gatewayType"] == "ExpressRoute"
        az.run("network", "vpn-connection", "create", "-n", "ERConnection", "-g", rg, "--vnet-gateway1", "ERGW",
               "--express-route-circuit2", "MyCircuit", "--authorization-key", auth["authorizationKey"])
        conn = az.json("network", "vpn-connection", "show", "-n", "ERConnection", "-g", rg)
        assert conn["connectionType"] == "ExpressRoute" and conn["connectionStatus"] == "Connected"
        assert az.json("network", "express-route", "auth", "show", "--circuit-name", "MyCircuit", "-g", rg,
                       "-n", "MyAuthorization")["authorizationUseStatus"] == "InUse"
        # the customer edge announces; the tables show it
        cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "MyCircuit", "--route", "172.16.0.0/16:65021")
        arp = az.json("network", "express-route", "list-arp-tables", "-g", rg, "-n", "MyCircuit",
                      "--path", "primary", "--peering-name", "AzurePrivatePeering")
        arp = arp.get("value", arp) if isinstance(arp, dict) else arp
        assert {(e["interface"], e["ipAddress"]) for e in arp} == {("On-Prem", "10.0.0.1"), ("Microsoft", "10.0.0.2")}
        routes = az.json("network", "express-route", "list-route-tables", "-g", rg, "-n", "MyCircuit",
                         "--path", "primary", "--peering-name", "AzurePrivatePeering")
        routes = routes.get("value", routes) if isinstance(routes, dict) else routes
        by_net: dict[str, Any] = {r["network"]: r for r in routes}
        assert by_net["172.16.0.0/16"]["path"] == "65020 65021" and by_net["10.1.0.0/16"]["path"] == "65515"
        summary = az.json("network", "express-route", "list-route-tables-summary", "-g", rg, "-n", "MyCircuit",
                          "--path", "secondary", "--peering-name", "AzurePrivatePeering")
        summary = summary.get("value", summary) if isinstance(summary, dict) else summary
        assert [(s["neighbor"], s["statePfxRcd"]) for s in summary] == [("10.0.0.5", "1")]
        stats = az.json("network", "express-route", "get-stats", "-g", rg, "-n", "MyCircuit")
        assert stats["primarybytesIn"] == 0
        # route filter for Microsoft peering
        az.run("network", "route-filter", "create", "-n", "MyRouteFilter", "-g", rg)
        az.run("network", "route-filter", "rule", "create", "-g", rg, "--filter-name", "MyRouteFilter", "-n",
               "MyRule", "--communities", "12076:5010", "--access", "Allow")
        rf = az.json("network", "route-filter", "show", "-n", "MyRouteFilter", "-g", rg)
        assert rf["rules"][0]["communities"] == ["12076:5010"]
        bad = az.fails("network", "route-filter", "rule", "create", "-g", rg, "--filter-name", "MyRouteFilter",
                       "-n", "Second", "--communities", "12076:5020", "--access", "Allow")
        assert "RouteFilterRuleLimitReached" in bad.stderr
        # teardown in Azure's order: connection, peerings, the provider deprovisions, circuit
        bad = az.fails("network", "express-route", "delete", "-n", "MyCircuit", "-g", rg)
        assert "CannotDeleteProvisionedExpressRouteCircuit" in bad.stderr
        az.run("network", "vpn-connection", "delete", "-n", "ERConnection", "-g", rg)
        az.run("network", "express-route", "auth", "delete", "--circuit-name", "MyCircuit", "-g", rg,
               "-n", "MyAuthorization")
        for name in ("AzurePrivatePeering", "MicrosoftPeering"):
            az.run("network", "express-route", "peering", "delete", "-g", rg, "--circuit-name", "MyCircuit",
                   "-n", name)
        cli(aznet, "expressroute", "provision", "-g", rg, "-n", "MyCircuit", "--state", "Deprovisioning")
        cli(aznet, "expressroute", "provision", "-g", rg, "-n", "MyCircuit", "--state", "NotProvisioned")
        az.run("network", "express-route", "delete", "-n", "MyCircuit", "-g", rg)
        assert az.json("network", "express-route", "list", "-g", rg) == []


def test_expressroute_port_azcli(aznet, az):  # type: ignore[no-untyped-def]
    with az.group("rg-erd-") as rg:
        locs = az.json("network", "express-route", "port", "location", "list")
        assert "Equinix-Ashburn-DC2" in [x["name"] for x in locs]
        port = az.json("network", "express-route", "port", "create", "-n", "MyPort", "-g", rg, "--bandwidth",
                       "10 Gbps", "--encapsulation", "QinQ", "--peering-location", "Equinix-Ashburn-DC2")
        assert port["bandwidthInGbps"] == 10
        links = az.json("network", "express-route", "port", "link", "list", "--port-name", "MyPort", "-g", rg)
        assert sorted(x["name"] for x in links) == ["link1", "link2"]
        az.run("network", "express-route", "port", "link", "update", "--port-name", "MyPort", "-g", rg,
               "-n", "link1", "--admin-state", "Enabled")
        link = az.json("network", "express-route", "port", "link", "show", "--port-name", "MyPort", "-g", rg,
                       "-n", "link1")
        assert link["adminState"] == "Enabled"
        c = az.json("network", "express-route", "create", "-n", "DirectCircuit", "-g", rg, "--express-route-port",
                    "MyPort", "--bandwidth", "5", "Gbps", "-l", "westeurope")
        assert c["bandwidthInGbps"] == 5 and c["serviceProviderProvisioningState"] == "Provisioned"
        assert az.json("network", "express-route", "port", "show", "-n", "MyPort", "-g", rg)[
            "provisionedBandwidthInGbps"] == 5


def test_global_reach_and_vwan_expressroute_gateway_azcli(aznet, az, network_client):  # type: ignore[no-untyped-def]
    """``az network express-route peering connection create`` (Global Reach) and ``express-route gateway``
    with a connection to a circuit's private peering, in a Virtual WAN hub."""
    with az.group("rg-ergr-") as rg:
        for name, loc, base in (("CircuitA", "Amsterdam", "10.0.0"), ("CircuitB", "London", "10.0.1")):
            az.run("network", "express-route", "create", "--bandwidth", "200", "-n", name, "--peering-location", loc,
                   "-g", rg, "--provider", "Equinix", "-l", "westeurope")
            cli(aznet, "expressroute", "provision", "-g", rg, "-n", name)
            az.run("network", "express-route", "peering", "create", "-g", rg, "--circuit-name", name,
                   "--peering-type", "AzurePrivatePeering", "--peer-asn", "65020", "--vlan-id", "100",
                   "--primary-peer-subnet", f"{base}.0/30", "--secondary-peer-subnet", f"{base}.4/30")
        gr = az.json("network", "express-route", "peering", "connection", "create", "-g", rg, "--circuit-name",
                     "CircuitA", "--peering-name", "AzurePrivatePeering", "-n", "AtoB", "--peer-circuit", "CircuitB",
                     "--address-prefix", "10.99.0.0/29")
        assert gr["addressPrefix"] == "10.99.0.0/29" and gr["circuitConnectionStatus"] == "Connected"
        assert az.json("network", "express-route", "show", "-n", "CircuitA", "-g", rg)["globalReachEnabled"] is True
        shown = az.json("network", "express-route", "peering", "connection", "show", "-g", rg, "--circuit-name",
                        "CircuitA", "--peering-name", "AzurePrivatePeering", "-n", "AtoB")
        assert shown["peerExpressRouteCircuitPeering"]["id"].lower().endswith(
            "/expressroutecircuits/circuitb/peerings/azureprivatepeering")
        bad = az.fails("network", "express-route", "peering", "connection", "create", "-g", rg, "--circuit-name",
                       "CircuitA", "--peering-name", "AzurePrivatePeering", "-n", "Again", "--peer-circuit",
                       "CircuitB", "--address-prefix", "10.98.0.0/28")
        assert "InvalidPeerAddressPrefix" in bad.stderr
        az.run("network", "express-route", "peering", "connection", "delete", "-g", rg, "--circuit-name", "CircuitA",
               "--peering-name", "AzurePrivatePeering", "-n", "AtoB")
        # Virtual WAN (its az commands are an extension: the WAN and hub through the SDK): a hub's
        # ExpressRoute gateway and its connection to circuit A's private peering
        from .vwan_support import make_hub, make_wan

        make_wan(network_client, rg, "wan1")
        make_hub(aznet, network_client, rg, "hub1", "10.100.0.0/24", wan="wan1", location="westeurope")
        gw = az.json("network", "express-route", "gateway", "create", "-n", "hub1-ergw", "-g", rg, "--virtual-hub",
                     "hub1", "--min-val", "1", "--max-val", "2", "-l", "westeurope")
        assert gw["autoScaleConfiguration"]["bounds"] == {"min": 1, "max": 2}
        conn = az.json("network", "express-route", "gateway", "connection", "create", "-g", rg, "--gateway-name",
                       "hub1-ergw", "-n", "toA", "--circuit-name", "CircuitA", "--peering", "AzurePrivatePeering",
                       "--routing-weight", "10")
        assert conn["routingWeight"] == 10
        listed = az.json("network", "express-route", "gateway", "connection", "list", "-g", rg, "--gateway-name",
                         "hub1-ergw")
        listed = listed["value"] if isinstance(listed, dict) else listed   # ExpressRouteConnectionList: not paged
        assert [c["name"] for c in listed] == ["toA"]
        bad = az.fails("network", "express-route", "gateway", "delete", "-n", "hub1-ergw", "-g", rg)
        assert "InUseExpressRouteGatewayCannotBeDeleted" in bad.stderr
        az.run("network", "express-route", "gateway", "connection", "delete", "-g", rg, "--gateway-name",
               "hub1-ergw", "-n", "toA")
        az.run("network", "express-route", "gateway", "delete", "-n", "hub1-ergw", "-g", rg)
