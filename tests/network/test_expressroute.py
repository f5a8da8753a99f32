"""ExpressRoute through the real SDK, following Azure's tutorials: create a circuit from the providers'
catalogue, have the provider provision it (``aznet expressroute provision``, the admin action that plays
the provider), configure private and Microsoft peering, link a VNet's ExpressRoute gateway with an
authorization, see the customer edge's routes (``aznet expressroute advertise``) in the peering's tables
and in the VNet's effective routes (preferred over the same prefix from a VPN), Global Reach, route
filters, ExpressRoute Direct ports; and the rules Azure enforces on each."""

from __future__ import annotations

from typing import Any

from tests.dataplane.lb.support import cli

from .hybrid_support import gw_body, gw_vnet, pip
from .nic_support import LOC, error_of, nic_body, rid, subnet_id

SKU = {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"}


def circuit_body(provider: str = "Equinix", location: str = "Amsterdam", mbps: int = 200,
                 sku: dict[str, str] | None = None) -> dict[str, Any]:
    return {"location": LOC, "sku": dict(sku or SKU), "properties": {"serviceProviderProperties": {
        "serviceProviderName": provider, "peeringLocation": location, "bandwidthInMbps": mbps}}}


def private_peering(primary: str = "192.168.10.0/30", secondary: str = "192.168.10.4/30", vlan: int = 100,
                    asn: int = 65020, **props: Any) -> dict[str, Any]:
    return {"properties": {"peeringType": "AzurePrivatePeering", "peerASN": asn, "vlanId": vlan,
                           "primaryPeerAddressPrefix": primary, "secondaryPeerAddressPrefix": secondary, **props}}


def make_circuit(aznet: Any, net: Any, rg: str, name: str = "er1", provision: bool = True, **kw: Any) -> Any:
    circuit = net.express_route_circuits.begin_create_or_update(rg, name, circuit_body(**kw)).result()
    if provision:
        cli(aznet, "expressroute", "provision", "-g", rg, "-n", name)
    return circuit


def er_gateway(aznet: Any, net: Any, rg: str, vnet: str = "VNet1", space: str = "10.1.0.0/16") -> Any:
    second = space.split(".")[1]
    gw_vnet(net, rg, name=vnet, space=space, gw_prefix=f"10.{second}.255.0/27", front=f"10.{second}.0.0/24")
    pip(net, rg, f"{vnet}ERpip")
    body = gw_body(aznet, rg, vnet=vnet, pips=(f"{vnet}ERpip",), sku="Standard")
    body["properties"].update(gatewayType="ExpressRoute")
    body["properties"].pop("vpnType")
    return net.virtual_network_gateways.begin_create_or_update(rg, f"{vnet}ERGW", body).result()


def er_connection(aznet: Any, rg: str, gw: str = "VNet1ERGW", circuit: str = "er1", **props: Any) -> dict[str, Any]:
    return {"location": LOC, "properties": {
        "connectionType": "ExpressRoute", "virtualNetworkGateway1": {"id": rid(aznet, rg, "virtualNetworkGateways", gw)},
        "peer": {"id": rid(aznet, rg, "expressRouteCircuits", circuit)}, **props}}


def test_providers_catalogue(network_client):
    providers = {p.name: p for p in network_client.express_route_service_providers.list()}
    assert "Equinix" in providers
    eq = providers["Equinix"]
    assert "Amsterdam" in eq.peering_locations
    assert [b.value_in_mbps for b in eq.bandwidths_offered][:3] == [50, 100, 200]
    communities = {c.name: c for c in network_client.bgp_service_communities.list()}
    assert communities["ExchangeOnline"].bgp_communities[0].community_value == "12076:5010"
    locations = [loc.name for loc in network_client.express_route_ports_locations.list()]
    assert "Equinix-Ashburn-DC2" in locations
    one = network_client.express_route_ports_locations.get("Equinix-Ashburn-DC2")
    assert [b.value_in_gbps for b in one.available_bandwidths] == [10, 100]


def test_circuit_lifecycle_and_provider(aznet, network_client, rg):
    net = network_client
    c = make_circuit(aznet, net, rg, provision=False)
    assert c.service_provider_provisioning_state == "NotProvisioned"
    assert c.sku.name == "Standard_MeteredData" and c.circuit_provisioning_state == "Enabled"
    assert len(c.service_key) == 36
    # peering before the provider has provisioned the circuit is refused
    assert error_of(net.express_route_circuit_peerings.begin_create_or_update, rg, "er1", "AzurePrivatePeering",
                    private_peering()) == (400, "ExpressRouteCircuitNotProvisioned")
    state = cli(aznet, "expressroute", "provision", "-g", rg, "-n", "er1", "--state", "Provisioning")
    assert state["serviceProviderProvisioningState"] == "Provisioning"
    assert net.express_route_circuits.get(rg, "er1").service_provider_provisioning_state == "Provisioning"
    # a provisioned (or provisioning) circuit cannot be deleted
    assert error_of(net.express_route_circuits.begin_delete, rg, "er1") == \
        (400, "CannotDeleteProvisionedExpressRouteCircuit")
    cli(aznet, "expressroute", "provision", "-g", rg, "-n", "er1")
    c = net.express_route_circuits.get(rg, "er1")
    assert c.service_provider_provisioning_state == "Provisioned"
    # a client's update never moves the provider's state; bandwidth up, sku to Premium / UnlimitedData
    body = circuit_body(mbps=500, sku={"name": "Premium_UnlimitedData", "tier": "Premium", "family": "UnlimitedData"})
    body["properties"]["serviceProviderProvisioningState"] = "NotProvisioned"
    c = net.express_route_circuits.begin_create_or_update(rg, "er1", body).result()
    assert c.service_provider_properties.bandwidth_in_mbps == 500 and c.sku.tier == "Premium"
    assert c.service_provider_provisioning_state == "Provisioned"
    assert error_of(net.express_route_circuits.begin_create_or_update, rg, "er1", circuit_body(mbps=200)) == \
        (400, "ExpressRouteCircuitSkuFamilyCannotBeDowngraded")
    assert error_of(net.express_route_circuits.begin_create_or_update, rg, "er1", circuit_body(
        mbps=200, sku={"name": "Premium_UnlimitedData", "tier": "Premium", "family": "UnlimitedData"})) == \
        (400, "ExpressRouteCircuitBandwidthCannotBeDecreased")
    assert error_of(net.express_route_circuits.begin_create_or_update, rg, "er1", circuit_body(
        location="London", mbps=500, sku={"name": "Premium_UnlimitedData", "tier": "Premium",
                                          "family": "UnlimitedData"})) == \
        (400, "ExpressRouteCircuitServiceProviderCannotBeChanged")
    assert net.express_route_circuits.get_stats(rg, "er1").primarybytes_in == 0
    # the provider deprovisions, then the circuit can go
    cli(aznet, "expressroute", "provision", "-g", rg, "-n", "er1", "--state", "Deprovisioning")
    cli(aznet, "expressroute", "provision", "-g", rg, "-n", "er1", "--state", "NotProvisioned")
    net.express_route_circuits.begin_delete(rg, "er1").result()
    assert [x.name for x in net.express_route_circuits.list(rg)] == []


def test_circuit_rules(aznet, network_client, rg):
    net = network_client
    cases = [
        (circuit_body(provider="NoSuchTelco"), "InvalidServiceProviderName"),
        (circuit_body(location="Atlantis"), "InvalidPeeringLocation"),
        (circuit_body(mbps=300), "InvalidBandwidth"),
        (circuit_body(provider="Zayo", location="London", mbps=50), "InvalidBandwidth"),
        (circuit_body(sku={"name": "Local_MeteredData", "tier": "Local", "family": "MeteredData"}),
         "InvalidExpressRouteCircuitSku"),
        (circuit_body(sku={"name": "Premium_MeteredData", "tier": "Standard", "family": "MeteredData"}),
         "InvalidExpressRouteCircuitSku"),
        ({"location": LOC, "sku": SKU, "properties": {}}, "ExpressRouteCircuitServiceProviderPropertiesRequired"),
    ]
    for body, code in cases:
        assert error_of(net.express_route_circuits.begin_create_or_update, rg, "bad", body) == (400, code), code
    assert [x.name for x in net.express_route_circuits.list(rg)] == []     # nothing partially written
    local = net.express_route_circuits.begin_create_or_update(rg, "local", circuit_body(
        sku={"name": "Local_UnlimitedData", "tier": "Local", "family": "UnlimitedData"})).result()
    assert local.sku.family == "UnlimitedData"


def test_peering_rules(aznet, network_client, rg):
    net = network_client
    make_circuit(aznet, net, rg)
    peerings = net.express_route_circuit_peerings
    bad = [
        (private_peering(primary="192.168.10.0/29"), "InvalidPeerAddressPrefix"),
        (private_peering(primary="192.168.10.1/30"), "InvalidPeerAddressPrefix"),
        (private_peering(secondary="192.168.10.0/30"), "PrimaryAndSecondaryPeerAddressPrefixesOverlap"),
        (private_peering(vlan=4095), "InvalidVlanId"),
        (private_peering(asn=12076), "PeerAsnReservedByAzure"),
        (private_peering(asn=65515), "PeerAsnReservedByAzure"),
        (private_peering(ipv6PeeringConfig={"primaryPeerAddressPrefix": "2001:db8::/125",
                                            "secondaryPeerAddressPrefix": "2001:db8::4/126"}),
         "InvalidPeerAddressPrefix"),
    ]
    for body, code in bad:
        assert error_of(peerings.begin_create_or_update, rg, "er1", "AzurePrivatePeering", body) == (400, code), code
    assert error_of(peerings.begin_create_or_update, rg, "er1", "MicrosoftPeering", private_peering()) == \
        (400, "InvalidPeeringName")
    p = peerings.begin_create_or_update(rg, "er1", "AzurePrivatePeering", private_peering(ipv6PeeringConfig={
        "primaryPeerAddressPrefix": "3FFE:FFFF:0:CD30::/126", "secondaryPeerAddressPrefix": "3FFE:FFFF:0:CD30::4/126"})
    ).result()
    assert p.azure_asn == 12076 and p.state == "Enabled" and p.peer_asn == 65020
    assert p.ipv6_peering_config.primary_peer_address_prefix == "3ffe:ffff:0:cd30::/126"
    # Microsoft peering: config required, public subnets and prefixes only, VLAN and subnets unique
    ms = {"properties": {"peeringType": "MicrosoftPeering", "peerASN": 64999, "vlanId": 200,
                         "primaryPeerAddressPrefix": "203.0.113.0/30", "secondaryPeerAddressPrefix": "203.0.113.4/30"}}
    assert error_of(peerings.begin_create_or_update, rg, "er1", "MicrosoftPeering", ms) == \
        (400, "MicrosoftPeeringConfigRequired")
    ms["properties"]["microsoftPeeringConfig"] = {"advertisedPublicPrefixes": ["10.0.0.0/24"]}
    assert error_of(peerings.begin_create_or_update, rg, "er1", "MicrosoftPeering", ms) == \
        (400, "AdvertisedPublicPrefixMustBePublic")
    ms["properties"]["microsoftPeeringConfig"] = {"advertisedPublicPrefixes": ["198.51.100.0/24"], "customerASN": 64999,
                                                  "routingRegistryName": "ARIN"}
    ms["properties"]["vlanId"] = 100
    assert error_of(peerings.begin_create_or_update, rg, "er1", "MicrosoftPeering", ms) == (400, "VlanIdInUse")
    ms["properties"]["vlanId"] = 200
    ms["properties"]["primaryPeerAddressPrefix"] = "10.9.0.0/30"
    assert error_of(peerings.begin_create_or_update, rg, "er1", "MicrosoftPeering", ms) == \
        (400, "PeerAddressPrefixMustBePublic")
    ms["properties"]["primaryPeerAddressPrefix"] = "203.0.113.0/30"
    got = peerings.begin_create_or_update(rg, "er1", "MicrosoftPeering", ms).result()
    assert got.microsoft_peering_config.advertised_public_prefixes_state == "ValidationNeeded"
    cli(aznet, "expressroute", "validate-prefixes", "-g", rg, "-n", "er1")
    assert peerings.get(rg, "er1", "MicrosoftPeering").microsoft_peering_config.advertised_public_prefixes_state == \
        "Configured"
    # the same prefixes stay validated across an update; new ones need validation again
    ms["properties"]["vlanId"] = 201
    assert peerings.begin_create_or_update(rg, "er1", "MicrosoftPeering", ms).result() \
        .microsoft_peering_config.advertised_public_prefixes_state == "Configured"
    ms["properties"]["microsoftPeeringConfig"]["advertisedPublicPrefixes"] = ["198.51.100.0/25"]
    assert peerings.begin_create_or_update(rg, "er1", "MicrosoftPeering", ms).result() \
        .microsoft_peering_config.advertised_public_prefixes_state == "ValidationNeeded"
    public = {"properties": {"peeringType": "AzurePublicPeering", "peerASN": 64999, "vlanId": 300,
                             "primaryPeerAddressPrefix": "203.0.113.8/30",
                             "secondaryPeerAddressPrefix": "203.0.113.12/30"}}
    assert error_of(peerings.begin_create_or_update, rg, "er1", "AzurePublicPeering", public) == \
        (400, "AzurePublicPeeringNotSupported")
    assert sorted(x.name for x in peerings.list(rg, "er1")) == ["AzurePrivatePeering", "MicrosoftPeering"]


def test_route_filter_on_microsoft_peering(aznet, network_client, rg):
    net = network_client
    make_circuit(aznet, net, rg)
    rf = net.route_filters.begin_create_or_update(rg, "rf1", {"location": LOC}).result()
    assert rf.rules == [] and rf.peerings == []
    rule = {"access": "Allow", "routeFilterRuleType": "Community", "communities": ["12076:5010", "12076:5020"]}
    net.route_filter_rules.begin_create_or_update(rg, "rf1", "exchange", {"properties": rule}).result()
    assert error_of(net.route_filter_rules.begin_create_or_update, rg, "rf1", "second", {"properties": rule}) == \
        (400, "RouteFilterRuleLimitReached")
    assert error_of(net.route_filter_rules.begin_create_or_update, rg, "rf1", "exchange", {"properties": {
        **rule, "communities": ["65000:1"]}}) == (400, "InvalidBgpCommunity")
    assert error_of(net.route_filter_rules.begin_create_or_update, rg, "rf1", "exchange", {"properties": {
        **rule, "access": "Deny"}}) == (400, "InvalidRouteFilterRuleAccess")
    ms = {"properties": {"peeringType": "MicrosoftPeering", "peerASN": 64999, "vlanId": 200,
                         "primaryPeerAddressPrefix": "203.0.113.0/30", "secondaryPeerAddressPrefix": "203.0.113.4/30",
                         "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"]},
                         "routeFilter": {"id": rf.id}}}
    net.express_route_circuit_peerings.begin_create_or_update(rg, "er1", "MicrosoftPeering", ms).result()
    rf = net.route_filters.get(rg, "rf1")
    assert [p.id.rsplit("/", 1)[-1] for p in rf.peerings] == ["MicrosoftPeering"]
    # Microsoft announces what the filter allows: Exchange/SharePoint carry no prefixes in aznet's table,
    # the West Europe regional community carries AzureCloud.westeurope's
    def announced() -> set[str]:
        table = net.express_route_circuits.begin_list_routes_table(rg, "er1", "MicrosoftPeering", "primary").result()
        return {r.network for r in table.value if r.path == "12076"}
    assert announced() == set()
    net.route_filter_rules.begin_create_or_update(rg, "rf1", "exchange", {"properties": {
        **rule, "communities": ["12076:51002"]}}).result()
    westeurope = {c.community_prefixes[0] for c in next(
        s for s in net.bgp_service_communities.list() if s.name == "AzureWestEurope").bgp_communities}
    got = announced()
    assert got and westeurope <= got and all(":" not in p for p in got)
    assert rf.rules[0].communities == ["12076:5010", "12076:5020"]
    assert error_of(net.route_filters.begin_delete, rg, "rf1") == (400, "InUseRouteFilterCannotBeDeleted")
    assert error_of(net.express_route_circuit_peerings.begin_create_or_update, rg, "er1", "AzurePrivatePeering",
                    private_peering(routeFilter={"id": rf.id})) == (400, "RouteFilterOnlyOnMicrosoftPeering")


def test_private_peering_gateway_connection_tutorial(aznet, network_client, rg):
    """"Link a virtual network to an ExpressRoute circuit": the routes the customer edge announces reach
    the VNet's effective routes, and ExpressRoute wins over the same prefix from a VPN."""
    net = network_client
    make_circuit(aznet, net, rg)
    gw = er_gateway(aznet, net, rg)
    assert gw.gateway_type == "ExpressRoute" and gw.bgp_settings.asn == 65515
    # no private peering yet: the link is refused
    assert error_of(net.virtual_network_gateway_connections.begin_create_or_update, rg, "VNet1toER",
                    er_connection(aznet, rg)) == (400, "ExpressRouteCircuitPrivatePeeringRequired")
    net.express_route_circuit_peerings.begin_create_or_update(rg, "er1", "AzurePrivatePeering",
                                                             private_peering()).result()
    auth = net.express_route_circuit_authorizations.begin_create_or_update(rg, "er1", "auth1", {}).result()
    assert auth.authorization_use_status == "Available" and len(auth.authorization_key) == 36
    assert error_of(net.virtual_network_gateway_connections.begin_create_or_update, rg, "VNet1toER",
                    er_connection(aznet, rg, authorizationKey="not-a-key")) == (400, "AuthorizationKeyInvalid")
    conn = net.virtual_network_gateway_connections.begin_create_or_update(
        rg, "VNet1toER", er_connection(aznet, rg, authorizationKey=auth.authorization_key)).result()
    assert conn.connection_type == "ExpressRoute" and conn.connection_status == "Connected"
    auth = net.express_route_circuit_authorizations.get(rg, "er1", "auth1")
    assert auth.authorization_use_status == "InUse"
    assert error_of(net.express_route_circuit_authorizations.begin_delete, rg, "er1", "auth1") == \
        (400, "InUseExpressRouteCircuitAuthorizationCannotBeDeleted")
    assert error_of(net.express_route_circuits.begin_delete, rg, "er1") == \
        (400, "CannotDeleteProvisionedExpressRouteCircuit")
    nic = net.network_interfaces.begin_create_or_update(rg, "vm1nic", nic_body(
        subnet_id(aznet, rg, "VNet1", "FrontEnd"))).result()
    # the edge is down: nothing learned; the peering's tables show Microsoft's side only
    arp = net.express_route_circuits.begin_list_arp_table(rg, "er1", "AzurePrivatePeering", "primary").result()
    assert [(e.interface, e.ip_address) for e in arp.value] == [("Microsoft", "192.168.10.2")]
    summary = net.express_route_circuits.begin_list_routes_table_summary(
        rg, "er1", "AzurePrivatePeering", "primary").result().value
    assert [(s.neighbor, s.as_property, s.state_pfx_rcd) for s in summary] == [("192.168.10.1", 65020, "Active")]
    cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "er1", "--route", "10.200.0.0/16:65021",
        "--route", "10.201.0.0/24")
    arp = net.express_route_circuits.begin_list_arp_table(rg, "er1", "AzurePrivatePeering", "secondary").result()
    assert {(e.interface, e.ip_address) for e in arp.value} == {("On-Prem", "192.168.10.5"),
                                                              ("Microsoft", "192.168.10.6")}
    table = net.express_route_circuits.begin_list_routes_table(rg, "er1", "AzurePrivatePeering", "primary").result()
    by_net = {r.network: r for r in table.value}
    assert by_net["10.200.0.0/16"].path == "65020 65021" and by_net["10.200.0.0/16"].next_hop == "192.168.10.1"
    assert by_net["10.201.0.0/24"].path == "65020"
    assert by_net["10.1.0.0/16"].path == "65515"          # the linked VNet, as the MSEE learns it
    summary = net.express_route_circuits.begin_list_routes_table_summary(
        rg, "er1", "AzurePrivatePeering", "primary").result().value
    assert summary[0].state_pfx_rcd == "2"
    routes = {p: r for r in net.network_interfaces.begin_get_effective_route_table(rg, "vm1nic").result().value
              if r.source == "VirtualNetworkGateway" for p in r.address_prefix}
    assert set(routes) == {"10.200.0.0/16", "10.201.0.0/24"}
    assert routes["10.200.0.0/16"].next_hop_type == "VirtualNetworkGateway"
    # the edge goes down: its routes are withdrawn from the VNet
    cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "er1", "--down")
    routes = [r for r in net.network_interfaces.begin_get_effective_route_table(rg, "vm1nic").result().value
              if r.source == "VirtualNetworkGateway"]
    assert routes == []
    assert nic.name == "vm1nic"
    # the peering cannot go while the VNet is linked
    assert error_of(net.express_route_circuit_peerings.begin_delete, rg, "er1", "AzurePrivatePeering") == \
        (400, "InUseExpressRouteCircuitPeeringCannotBeDeleted")
    net.virtual_network_gateway_connections.begin_delete(rg, "VNet1toER").result()
    assert net.express_route_circuit_authorizations.get(rg, "er1", "auth1").authorization_use_status == "Available"


def peer_er_and_add_nic(aznet: Any, net: Any, rg: str) -> None:
    """Circuit er1's private peering, VNet1's ExpressRoute gateway connected to it (VNet1toER), and NIC vm1nic
    in VNet1/FrontEnd."""
    net.express_route_circuit_peerings.begin_create_or_update(rg, "er1", "AzurePrivatePeering",
                                                             private_peering()).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toER", er_connection(aznet, rg)).result()
    net.network_interfaces.begin_create_or_update(rg, "vm1nic", nic_body(subnet_id(aznet, rg, "VNet1", "FrontEnd")))\
        .result()


def gateway_hops(net: Any, rg: str, nic: str = "vm1nic") -> dict[str, list[str]]:
    """The NIC's effective routes from a virtual network gateway: prefix -> next hop addresses."""
    got = net.network_interfaces.begin_get_effective_route_table(rg, nic).result().value
    return {p: list(r.next_hop_ip_address) for r in got if r.source == "VirtualNetworkGateway"
            for p in r.address_prefix}


def test_expressroute_preferred_over_vpn_for_the_same_prefix(aznet, network_client, compute, rg):
    """Coexisting ExpressRoute and site-to-site VPN: the same on-premises prefix from both goes through
    the ExpressRoute gateway; a prefix only the VPN knows goes through the VPN gateway."""
    net = network_client
    make_circuit(aznet, net, rg)
    er = er_gateway(aznet, net, rg)
    pip(net, rg, "VNet1VPNpip")
    vpn = net.virtual_network_gateways.begin_create_or_update(
        rg, "VNet1VPNGW", gw_body(aznet, rg, vnet="VNet1", pips=("VNet1VPNpip",))).result()
    net.local_network_gateways.begin_create_or_update(rg, "Site1", {"location": LOC, "properties": {
        "gatewayIpAddress": "203.0.113.10",
        "localNetworkAddressSpace": {"addressPrefixes": ["10.200.0.0/16", "10.210.0.0/16"]}}}).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", {"location": LOC, "properties": {
        "connectionType": "IPsec", "virtualNetworkGateway1": {"id": vpn.id},
        "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", "Site1")}, "sharedKey": "abc"}}).result()
    peer_er_and_add_nic(aznet, net, rg)
    vpn_ips = gateway_hops(net, rg)
    assert set(vpn_ips) == {"10.200.0.0/16", "10.210.0.0/16"}       # the edge is down: VPN only
    cli(aznet, "expressroute", "advertise", "-g", rg, "-n", "er1", "--route", "10.200.0.0/16:65020 65020 65020")
    now = gateway_hops(net, rg)
    er_pip = net.public_ip_addresses.get(rg, "VNet1ERpip").ip_address
    assert now["10.200.0.0/16"] == [er_pip] != vpn_ips["10.200.0.0/16"]   # longer AS path, still ExpressRoute
    assert now["10.210.0.0/16"] == vpn_ips["10.210.0.0/16"]
    assert er.name == "VNet1ERGW"
    # Network Watcher's next hop from a VM on the NIC agrees

    from tests.compute.test_vm import vm_body

    vm = compute.virtual_machines.begin_create_or_update(
        rg, "vm1", vm_body(rid(aznet, rg, "networkInterfaces", "vm1nic"))).result()
    watcher = next(w for w in net.network_watchers.list_all() if w.location == LOC)
    src = net.network_interfaces.get(rg, "vm1nic").ip_configurations[0].private_ip_address

    def next_hop(dest: str) -> tuple[str, str]:
        hop = net.network_watchers.begin_get_next_hop(watcher.id.split("/")[4], watcher.name, {
            "targetResourceId": vm.id, "sourceIPAddress": src, "destinationIPAddress": dest}).result()
        return hop.next_hop_type, hop.next_hop_ip_address
    assert next_hop("10.200.3.4") == ("VirtualNetworkGateway", er_pip)
    assert next_hop("10.210.3.4") == ("VirtualNetworkGateway", vpn_ips["10.210.0.0/16"][0])


def test_connection_needs_provisioned_circuit_and_vnet_link_limit(aznet, network_client, rg):
    net = network_client
    make_circuit(aznet, net, rg, provision=False)
    er_gateway(aznet, net, rg)
    assert error_of(net.virtual_network_gateway_connections.begin_create_or_update, rg, "VNet1toER",
                    er_connection(aznet, rg)) == (400, "ExpressRouteCircuitNotProvisioned")
    cli(aznet, "expressroute", "provision", "-g", rg, "-n", "er1")
    net.express_route_circuit_peerings.begin_create_or_update(rg, "er1", "AzurePrivatePeering",
                                                             private_peering()).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "c0", er_connection(aznet, rg)).result()
    for i in range(1, 10):           # a Standard circuit links 10 VNets
        er_gateway(aznet, net, rg, vnet=f"V{i}", space=f"10.{10 + i}.0.0/16")
        net.virtual_network_gateway_connections.begin_create_or_update(
            rg, f"c{i}", er_connection(aznet, rg, gw=f"V{i}ERGW")).result()
    er_gateway(aznet, net, rg, vnet="V10", space="10.30.0.0/16")
    assert error_of(net.virtual_network_gateway_connections.begin_create_or_update, rg, "c10",
                    er_connection(aznet, rg, gw="V10ERGW")) == (400, "MaxVirtualNetworkLinksPerCircuitReached")


def two_private_peerings(aznet: Any, net: Any, rg: str) -> Any:
    """Circuits erA and erB (London), each with its private peering: erB's peering."""
    make_circuit(aznet, net, rg, name="erA")
    make_circuit(aznet, net, rg, name="erB", location="London")
    net.express_route_circuit_peerings.begin_create_or_update(rg, "erA", "AzurePrivatePeering",
                                                             private_peering()).result()
    return net.express_route_circuit_peerings.begin_create_or_update(
        rg, "erB", "AzurePrivatePeering", private_peering("192.168.20.0/30", "192.168.20.4/30")).result()


def test_global_reach(aznet, network_client, rg):
    net = network_client
    peer_b = two_private_peerings(aznet, net, rg)
    conns = net.express_route_circuit_connections
    own = rid(aznet, rg, "expressRouteCircuits", "erA") + "/peerings/AzurePrivatePeering"
    body = {"properties": {"expressRouteCircuitPeering": {"id": own},
                           "peerExpressRouteCircuitPeering": {"id": peer_b.id}, "addressPrefix": "10.99.0.0/30"}}
    assert error_of(conns.begin_create_or_update, rg, "erA", "AzurePrivatePeering", "AtoB", body) == \
        (400, "InvalidPeerAddressPrefix")
    body["properties"]["addressPrefix"] = "192.168.10.0/29"
    assert error_of(conns.begin_create_or_update, rg, "erA", "AzurePrivatePeering", "AtoB", body) == \
        (400, "GlobalReachAddressPrefixOverlaps")
    body["properties"]["addressPrefix"] = "10.99.0.0/29"
    gr = conns.begin_create_or_update(rg, "erA", "AzurePrivatePeering", "AtoB", body).result()
    assert gr.address_prefix == "10.99.0.0/29" and gr.circuit_connection_status == "Connected"
    assert net.express_route_circuits.get(rg, "erA").global_reach_enabled is True
    peered = net.express_route_circuit_peerings.get(rg, "erB", "AzurePrivatePeering").peered_connections
    assert [(p.address_prefix, p.circuit_connection_status) for p in peered] == [("10.99.0.0/29", "Connected")]
    listed = net.peer_express_route_circuit_connections.list(rg, "erB", "AzurePrivatePeering")
    assert [p.address_prefix for p in listed] == ["10.99.0.0/29"]
    assert net.peer_express_route_circuit_connections.get(rg, "erB", "AzurePrivatePeering", "AtoB") \
        .peer_express_route_circuit_peering.id.lower() == own.lower()
    assert error_of(conns.begin_create_or_update, rg, "erA", "AzurePrivatePeering", "again", body) == \
        (409, "GlobalReachConnectionAlreadyExists")
    conns.begin_delete(rg, "erA", "AzurePrivatePeering", "AtoB").result()
    assert net.express_route_circuits.get(rg, "erA").global_reach_enabled is False


def test_expressroute_direct_port(aznet, network_client, rg):
    net = network_client
    port = net.express_route_ports.begin_create_or_update(rg, "port1", {"location": LOC, "properties": {
        "peeringLocation": "Equinix-Ashburn-DC2", "bandwidthInGbps": 10, "encapsulation": "QinQ"}}).result()
    assert sorted(lk.name for lk in port.links) == ["link1", "link2"]
    assert {lk.admin_state for lk in port.links} == {"Disabled"} and port.ether_type == "0x88a8"
    link = net.express_route_links.get(rg, "port1", "link1")
    assert link.connector_type == "LC" and link.router_name
    assert error_of(net.express_route_ports.begin_create_or_update, rg, "bad", {"location": LOC, "properties": {
        "peeringLocation": "Equinix-Ashburn-DC2", "bandwidthInGbps": 40, "encapsulation": "QinQ"}}) == \
        (400, "InvalidBandwidth")
    body = circuit_body()
    body["properties"] = {"expressRoutePort": {"id": port.id}, "bandwidthInGbps": 20}
    assert error_of(net.express_route_circuits.begin_create_or_update, rg, "direct", body) == (400, "InvalidBandwidth")
    body["properties"]["bandwidthInGbps"] = 5
    c = net.express_route_circuits.begin_create_or_update(rg, "direct", body).result()
    assert c.service_provider_provisioning_state == "Provisioned" and c.bandwidth_in_gbps == 5
    port = net.express_route_ports.get(rg, "port1")
    assert port.provisioned_bandwidth_in_gbps == 5 and [x.id for x in port.circuits] == [c.id]
    assert error_of(net.express_route_ports.begin_delete, rg, "port1") == (400, "InUseExpressRoutePortCannotBeDeleted")
    loa = net.express_route_ports.generate_loa(rg, "port1", {"customerName": "Contoso"})
    import base64
    assert b"Contoso" in base64.b64decode(loa.encoded_content)
    enabled = net.express_route_ports.begin_create_or_update(rg, "port1", {"location": LOC, "properties": {
        "peeringLocation": "Equinix-Ashburn-DC2", "bandwidthInGbps": 10, "encapsulation": "QinQ",
        "links": [{"name": "link1", "properties": {"adminState": "Enabled"}}]}}).result()
    assert {lk.name: lk.admin_state for lk in enabled.links} == {"link1": "Enabled", "link2": "Disabled"}


def test_expressroute_json_rules_and_template(aznet, network_client, resource_client, deployments, rg):
    """Network RP parsing (unknown members refused, names case-insensitive) and an ARM template with a
    circuit and its authorization, as Azure's quickstart deploys them."""
    net = network_client
    body = circuit_body()
    body["properties"]["serviceProviderProperties"]["bandwidthInMbpz"] = 200
    assert error_of(net.express_route_circuits.begin_create_or_update, rg, "bad", body)[0] == 400
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Network/expressRouteCircuits", "apiVersion": "2023-09-01", "name": "tplCircuit",
             "location": LOC, "sku": {"NAME": "Premium_MeteredData", "tier": "Premium", "family": "MeteredData"},
             "properties": {"ServiceProviderProperties": {"serviceProviderName": "Megaport",
                                                          "peeringLocation": "Amsterdam", "bandwidthInMbps": 1000}}},
            {"type": "Microsoft.Network/expressRouteCircuits/authorizations", "apiVersion": "2023-09-01",
             "name": "tplCircuit/auth1", "dependsOn": ["[resourceId('Microsoft.Network/expressRouteCircuits', "
                                                     "'tplCircuit')]"], "properties": {}}]}

    result = deployments.deployments.begin_create_or_update(rg, "er-tpl", {"properties": {
        "mode": "Incremental", "template": template}}).result()
    assert result.properties.provisioning_state == "Succeeded"
    c = net.express_route_circuits.get(rg, "tplCircuit")
    assert c.sku.name == "Premium_MeteredData" and c.service_provider_properties.service_provider_name == "Megaport"
    assert net.express_route_circuit_authorizations.get(rg, "tplCircuit", "auth1").authorization_use_status == \
        "Available"


def test_circuit_round_trip_keeps_its_children(aznet, network_client, rg):
    """GET-modify-PUT of a whole circuit (what the SDK and the portal do) keeps its peerings, authorizations and
    Global Reach connections, and the provider's state."""
    net = network_client
    peer_b = two_private_peerings(aznet, net, rg)
    net.express_route_circuit_authorizations.begin_create_or_update(rg, "erA", "auth1", {}).result()
    own = rid(aznet, rg, "expressRouteCircuits", "erA") + "/peerings/AzurePrivatePeering"
    net.express_route_circuit_connections.begin_create_or_update(rg, "erA", "AzurePrivatePeering", "AtoB", {
        "properties": {"expressRouteCircuitPeering": {"id": own}, "peerExpressRouteCircuitPeering": {"id": peer_b.id},
                       "addressPrefix": "10.99.0.0/29"}}).result()
    circuit = net.express_route_circuits.get(rg, "erA")
    key = circuit.authorizations[0].authorization_key
    circuit.service_provider_properties.bandwidth_in_mbps = 500
    updated = net.express_route_circuits.begin_create_or_update(rg, "erA", circuit).result()
    assert updated.service_provider_properties.bandwidth_in_mbps == 500
    assert updated.service_provider_provisioning_state == "Provisioned"
    assert [p.name for p in updated.peerings] == ["AzurePrivatePeering"]
    assert updated.peerings[0].connections[0].address_prefix == "10.99.0.0/29"
    assert updated.authorizations[0].authorization_key == key
    assert updated.global_reach_enabled is True


def test_round_trips_of_microsoft_peering_route_filter_and_port(aznet, network_client, rg):
    net = network_client
    make_circuit(aznet, net, rg)
    rf = net.route_filters.begin_create_or_update(rg, "rf1", {"location": LOC, "properties": {"rules": [{
        "name": "r1", "properties": {"access": "Allow", "routeFilterRuleType": "Community",
                                     "communities": ["12076:51002"]}}]}}).result()
    ms = {"properties": {"peeringType": "MicrosoftPeering", "peerASN": 64999, "vlanId": 200,
                         "primaryPeerAddressPrefix": "203.0.113.0/30", "secondaryPeerAddressPrefix": "203.0.113.4/30",
                         "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"]},
                         "routeFilter": {"id": rf.id}}}
    net.express_route_circuit_peerings.begin_create_or_update(rg, "er1", "MicrosoftPeering", ms).result()
    cli(aznet, "expressroute", "validate-prefixes", "-g", rg, "-n", "er1")
    peering = net.express_route_circuit_peerings.get(rg, "er1", "MicrosoftPeering")
    peering.vlan_id = 210
    again = net.express_route_circuit_peerings.begin_create_or_update(rg, "er1", "MicrosoftPeering", peering).result()
    assert again.vlan_id == 210 and again.microsoft_peering_config.advertised_public_prefixes_state == "Configured"
    assert again.route_filter.id == rf.id
    rf = net.route_filters.get(rg, "rf1")
    rf.tags = {"env": "test"}
    rf = net.route_filters.begin_create_or_update(rg, "rf1", rf).result()
    assert rf.tags == {"env": "test"} and rf.rules[0].communities == ["12076:51002"] and len(rf.peerings) == 1
    circuit = net.express_route_circuits.get(rg, "er1")
    circuit.tags = {"env": "test"}
    circuit = net.express_route_circuits.begin_create_or_update(rg, "er1", circuit).result()
    assert circuit.peerings[0].microsoft_peering_config.advertised_public_prefixes_state == "Configured"
    port = net.express_route_ports.begin_create_or_update(rg, "port1", {"location": LOC, "properties": {
        "peeringLocation": "Equinix-Amsterdam-AM5", "bandwidthInGbps": 100, "encapsulation": "Dot1Q"}}).result()
    port.links[1].admin_state = "Enabled"
    port = net.express_route_ports.begin_create_or_update(rg, "port1", port).result()
    assert {lk.name: lk.admin_state for lk in port.links} == {"link1": "Disabled", "link2": "Enabled"}
    assert port.links[0].router_name and port.ether_type == "0x8100"
