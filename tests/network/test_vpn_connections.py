"""Local network gateways and connections through the real SDK, following the site-to-site and
VNet-to-VNet tutorials: shared keys (get, set, reset), IPsec/IKE policies against Azure's allowed
combinations, BGP rules, connection status, and the gateway routes the network model derives."""

from __future__ import annotations

import pytest

from .hybrid_support import gw_body, gw_vnet, pip
from .nic_support import LOC, error_of, make_vnet, nic_body, rid, subnet_id

POLICY = {"saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000, "ipsecEncryption": "AES256",
          "ipsecIntegrity": "SHA256", "ikeEncryption": "AES256", "ikeIntegrity": "SHA384", "dhGroup": "DHGroup24",
          "pfsGroup": "PFS24"}


def lng(net, rg, name="Site1", prefixes=("10.101.0.0/24", "10.101.1.0/24"), **props):  # type: ignore[no-untyped-def]
    body = {"location": LOC, "properties": {"gatewayIpAddress": "203.0.113.10",
                                            "localNetworkAddressSpace": {"addressPrefixes": list(prefixes)}, **props}}
    return net.local_network_gateways.begin_create_or_update(rg, name, body).result()


def s2s(aznet, rg, name="VNet1toSite1", **props):  # type: ignore[no-untyped-def]
    return {"location": LOC, "properties": {
        "connectionType": "IPsec", "virtualNetworkGateway1": {"id": rid(aznet, rg, "virtualNetworkGateways", "VNet1GW")},
        "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", "Site1")}, **props}}


def make_gateway(aznet, net, rg, vnet="VNet1", space="10.1.0.0/16", **props):  # type: ignore[no-untyped-def]
    second = space.split(".")[1]
    gw_vnet(net, rg, name=vnet, space=space, gw_prefix=f"10.{second}.255.0/27", front=f"10.{second}.0.0/24")
    pip(net, rg, f"{vnet}GWpip")
    return net.virtual_network_gateways.begin_create_or_update(
        rg, f"{vnet}GW", gw_body(aznet, rg, vnet=vnet, pips=(f"{vnet}GWpip",), **props)).result()


def test_site_to_site_tutorial(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg)
    site = lng(net, rg)
    assert site.gateway_ip_address == "203.0.113.10"
    conn = net.virtual_network_gateway_connections.begin_create_or_update(
        rg, "VNet1toSite1", s2s(aznet, rg, sharedKey="abc123")).result()
    assert conn.connection_type == "IPsec" and conn.connection_protocol == "IKEv2"
    assert conn.connection_status == "NotConnected"   # no on-premises IKE peer on this machine
    assert conn.ingress_bytes_transferred == 0 and conn.egress_bytes_transferred == 0
    assert net.virtual_network_gateway_connections.get_shared_key(rg, "VNet1toSite1").value == "abc123"
    net.virtual_network_gateway_connections.begin_set_shared_key(rg, "VNet1toSite1", {"value": "Azure@123"}).result()
    assert net.virtual_network_gateway_connections.get_shared_key(rg, "VNet1toSite1").value == "Azure@123"
    reset = net.virtual_network_gateway_connections.begin_reset_shared_key(rg, "VNet1toSite1", {"keyLength": 64})
    assert reset.result().key_length == 64
    assert len(net.virtual_network_gateway_connections.get_shared_key(rg, "VNet1toSite1").value) == 64
    assert error_of(net.virtual_network_gateway_connections.begin_reset_shared_key, rg, "VNet1toSite1",
                    {"keyLength": 129}) == (400, "InvalidSharedKeyLength")
    # in use: neither the local network gateway nor the gateway can go while the connection exists
    assert error_of(net.local_network_gateways.begin_delete, rg, "Site1") == \
        (400, "InUseLocalNetworkGatewayCannotBeDeleted")
    assert error_of(net.virtual_network_gateways.begin_delete, rg, "VNet1GW") == \
        (400, "InUseVirtualNetworkGatewayCannotBeDeleted")
    # modify the local network gateway's prefixes (tutorial step)
    lng(net, rg, prefixes=("10.101.0.0/24", "10.101.2.0/24"))
    assert net.local_network_gateways.get(rg, "Site1").local_network_address_space.address_prefixes == \
        ["10.101.0.0/24", "10.101.2.0/24"]
    net.virtual_network_gateway_connections.begin_delete(rg, "VNet1toSite1").result()
    net.local_network_gateways.begin_delete(rg, "Site1").result()


def test_vnet_to_vnet_tutorial(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg, "VNet1", "10.1.0.0/16")
    make_gateway(aznet, net, rg, "VNet4", "10.41.0.0/16")
    g1, g4 = rid(aznet, rg, "virtualNetworkGateways", "VNet1GW"), rid(aznet, rg, "virtualNetworkGateways", "VNet4GW")

    def v2v(a, b, key="AzureA1b2C3"):  # type: ignore[no-untyped-def]
        return {"location": LOC, "properties": {"connectionType": "Vnet2Vnet", "virtualNetworkGateway1": {"id": a},
                                                "virtualNetworkGateway2": {"id": b}, "sharedKey": key}}
    c14 = net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toVNet4", v2v(g1, g4)).result()
    assert c14.connection_status == "Connecting"
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet4toVNet1", v2v(g4, g1)).result()
    assert net.virtual_network_gateway_connections.get(rg, "VNet1toVNet4").connection_status == "Connected"
    net.virtual_network_gateway_connections.begin_set_shared_key(rg, "VNet4toVNet1", {"value": "other"}).result()
    assert net.virtual_network_gateway_connections.get(rg, "VNet1toVNet4").connection_status == "NotConnected"
    assert error_of(net.virtual_network_gateway_connections.begin_create_or_update, rg, "self",
                    v2v(g1, g1)) == (400, "VnetToVnetConnectionNeedsTwoGateways")
    names = sorted(c.name for c in net.virtual_network_gateway_connections.list(rg))
    assert names == ["VNet1toVNet4", "VNet4toVNet1"]


@pytest.mark.parametrize(("change", "code"), [
    ({"ipsecEncryption": "GCMAES256", "ipsecIntegrity": "SHA256"}, "InvalidIpsecPolicy"),
    ({"ipsecEncryption": "AES256", "ipsecIntegrity": "GCMAES128"}, "InvalidIpsecPolicy"),
    ({"ikeEncryption": "AES256", "ikeIntegrity": "GCMAES256"}, "InvalidIpsecPolicy"),
    ({"saLifeTimeSeconds": 299}, "InvalidIpsecPolicy"),
    ({"saDataSizeKilobytes": 1000}, "InvalidIpsecPolicy"),
])
def test_ipsec_policy_rules(aznet, network_client, rg, change, code):
    net = network_client
    make_gateway(aznet, net, rg)
    lng(net, rg)
    ok = net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", s2s(
        aznet, rg, sharedKey="k1", ipsecPolicies=[POLICY], usePolicyBasedTrafficSelectors=True)).result()
    assert ok.ipsec_policies[0].dh_group == "DHGroup24" and ok.use_policy_based_traffic_selectors
    assert error_of(net.virtual_network_gateway_connections.begin_create_or_update, rg, "VNet1toSite1", s2s(
        aznet, rg, sharedKey="k2", ipsecPolicies=[{**POLICY, **change}])) == (400, code)
    kept = net.virtual_network_gateway_connections.get(rg, "VNet1toSite1")
    assert kept.etag == ok.etag and kept.ipsec_policies[0].ipsec_encryption == "AES256"
    assert net.virtual_network_gateway_connections.get_shared_key(rg, "VNet1toSite1").value == "k1"


def test_connection_and_local_gateway_rules(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg)
    lng(net, rg)
    for props, code in (({"usePolicyBasedTrafficSelectors": True}, "PolicyBasedTrafficSelectorsRequireIpsecPolicy"),
                        ({"enableBgp": True}, "BgpNotEnabledOnVirtualNetworkGateway"),
                        ({"dpdTimeoutSeconds": 5}, "InvalidDpdTimeout"),
                        ({"sharedKey": "has space"}, "InvalidSharedKey"),
                        ({"ipsecPolicies": [POLICY, POLICY]}, "TooManyIpsecPolicies")):
        assert error_of(net.virtual_network_gateway_connections.begin_create_or_update, rg, "c", s2s(
            aznet, rg, **props)) == (400, code), props
    assert list(net.virtual_network_gateway_connections.list(rg)) == []
    bad_lngs = (({"gatewayIpAddress": None}, "LocalNetworkGatewayIpAddressOrFqdnRequired"),
                ({"fqdn": "vpn.contoso.com"}, "LocalNetworkGatewayCannotHaveBothIpAddressAndFqdn"),
                ({"localNetworkAddressSpace": {"addressPrefixes": ["10.0.0.0/33"]}}, "InvalidAddressPrefixFormat"),
                ({"bgpSettings": {"asn": 65515, "bgpPeeringAddress": "10.51.255.254"}}, "BgpAsnReservedByAzure"),
                ({"bgpSettings": {"asn": 12076, "bgpPeeringAddress": "10.51.255.254"}}, "BgpAsnReservedByAzure"),
                ({"bgpSettings": {"asn": 65050}}, "LocalNetworkGatewayBgpSettingsIncomplete"))
    for props, code in bad_lngs:
        body = {"location": LOC, "properties": {"gatewayIpAddress": "203.0.113.20",
                                                "localNetworkAddressSpace": {"addressPrefixes": ["10.52.0.0/16"]}}}
        body["properties"].update(props)
        assert error_of(net.local_network_gateways.begin_create_or_update, rg, "Site2", body) == (400, code), props
    assert [g.name for g in net.local_network_gateways.list(rg)] == ["Site1"]
    fq = net.local_network_gateways.begin_create_or_update(rg, "Site3", {"location": LOC, "properties": {
        "fqdn": "vpn.contoso.com", "localNetworkAddressSpace": {"addressPrefixes": []},
        "bgpSettings": {"asn": 65050, "bgpPeeringAddress": "10.51.255.254"}}}).result()
    assert fq.fqdn == "vpn.contoso.com" and fq.bgp_settings.asn == 65050


def test_bgp_connection(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg, enableBgp=True, bgpSettings={"asn": 65010})
    lng(net, rg, prefixes=(), bgpSettings={"asn": 65050, "bgpPeeringAddress": "10.51.255.254"})
    conn = net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", s2s(
        aznet, rg, enableBgp=True, sharedKey="abc")).result()
    assert conn.enable_bgp


def _gateway_routes(net, rg, nic):  # type: ignore[no-untyped-def]
    routes = net.network_interfaces.begin_get_effective_route_table(rg, nic).result().value
    return {p: r for r in routes if r.source == "VirtualNetworkGateway" for p in r.address_prefix}


def test_gateway_routes_reach_the_vnet_and_peered_spokes(aznet, network_client, rg):
    net = network_client
    gw = make_gateway(aznet, net, rg)
    lng(net, rg)
    net.network_interfaces.begin_create_or_update(rg, "hub-nic", nic_body(subnet_id(aznet, rg, "VNet1", "FrontEnd"))
                                                  ).result()
    make_vnet(net, rg, name="Spoke", prefixes=("10.60.0.0/16",), subnets={"default": "10.60.0.0/24"})
    net.network_interfaces.begin_create_or_update(rg, "spoke-nic", nic_body(subnet_id(aznet, rg, "Spoke"))).result()
    assert _gateway_routes(net, rg, "hub-nic") == {}
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", s2s(aznet, rg)).result()
    hub = _gateway_routes(net, rg, "hub-nic")
    assert set(hub) == {"10.101.0.0/24", "10.101.1.0/24"}
    assert all(r.next_hop_type == "VirtualNetworkGateway" for r in hub.values())
    pip_addr = net.public_ip_addresses.get(rg, "VNet1GWpip").ip_address
    assert hub["10.101.0.0/24"].next_hop_ip_address == [pip_addr]
    _ = gw
    # hub-and-spoke with gateway transit: the spoke learns the on-premises prefixes only with useRemoteGateways
    net.virtual_network_peerings.begin_create_or_update(rg, "VNet1", "hub-to-spoke", {"properties": {
        "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", "Spoke")}, "allowVirtualNetworkAccess": True,
        "allowGatewayTransit": True}}).result()
    net.virtual_network_peerings.begin_create_or_update(rg, "Spoke", "spoke-to-hub", {"properties": {
        "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", "VNet1")}, "allowVirtualNetworkAccess": True,
        "useRemoteGateways": False}}).result()
    assert _gateway_routes(net, rg, "spoke-nic") == {}
    net.virtual_network_peerings.begin_create_or_update(rg, "Spoke", "spoke-to-hub", {"properties": {
        "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", "VNet1")}, "allowVirtualNetworkAccess": True,
        "useRemoteGateways": True}}).result()
    assert set(_gateway_routes(net, rg, "spoke-nic")) == {"10.101.0.0/24", "10.101.1.0/24"}
    # without allowGatewayTransit on the hub's side, useRemoteGateways brings nothing
    net.virtual_network_peerings.begin_create_or_update(rg, "VNet1", "hub-to-spoke", {"properties": {
        "remoteVirtualNetwork": {"id": rid(aznet, rg, "virtualNetworks", "Spoke")}, "allowVirtualNetworkAccess": True,
        "allowGatewayTransit": False}}).result()
    assert _gateway_routes(net, rg, "spoke-nic") == {}
    assert set(_gateway_routes(net, rg, "hub-nic")) == {"10.101.0.0/24", "10.101.1.0/24"}
    # the connection goes: the routes go with it
    net.virtual_network_gateway_connections.begin_delete(rg, "VNet1toSite1").result()
    assert _gateway_routes(net, rg, "hub-nic") == {} and _gateway_routes(net, rg, "spoke-nic") == {}


def test_gateway_actions_answer_from_the_model(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg, enableBgp=True, bgpSettings={"asn": 65010})
    lng(net, rg, prefixes=("10.101.0.0/24",), bgpSettings={"asn": 65050, "bgpPeeringAddress": "10.51.255.254"})
    gws = net.virtual_network_gateways
    assert gws.begin_get_bgp_peer_status(rg, "VNet1GW").result().value == []
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", s2s(
        aznet, rg, enableBgp=True, sharedKey="abc")).result()
    peers = gws.begin_get_bgp_peer_status(rg, "VNet1GW").result().value
    assert [(p.neighbor, p.asn, p.state, p.routes_received) for p in peers] == [("10.51.255.254", 65050, "Connecting", 0)]
    learned = gws.begin_get_learned_routes(rg, "VNet1GW").result().value
    assert {(r.network, r.origin) for r in learned} == {("10.1.0.0/16", "Network"), ("10.101.0.0/24", "Network")}
    assert not [r for r in learned if r.origin == "EBgp"]   # no BGP session exists yet: nothing learned over BGP
    assert next(r for r in learned if r.network == "10.101.0.0/24").next_hop == "203.0.113.10"
    adv = gws.begin_get_advertised_routes(rg, "VNet1GW", peer="10.51.255.254").result().value
    assert [(r.network, r.as_path, r.next_hop) for r in adv] == [("10.1.0.0/16", "65010", "10.1.255.30")]
    assert error_of(gws.begin_get_advertised_routes, rg, "VNet1GW", peer="192.0.2.1") == (400, "InvalidBgpPeerAddress")
    assert gws.begin_reset(rg, "VNet1GW").result().name == "VNet1GW"
    devices = gws.supported_vpn_devices(rg, "VNet1GW")
    assert "<Vendors>" in devices and 'DeviceFamily name="ASA"' in devices
    script = gws.vpn_device_configuration_script(rg, "VNet1toSite1", {
        "vendor": "Cisco", "deviceFamily": "ASA", "firmwareVersion": "8.4+"})
    assert "Pre-shared key: abc" in script and "10.101.0.0/24" in script and "203.0.113.10" in script
    assert error_of(gws.vpn_device_configuration_script, rg, "VNet1toSite1", {
        "vendor": "Nobody", "deviceFamily": "X", "firmwareVersion": "1"}) == (400, "InvalidVpnDeviceParameters")
    listed = list(gws.list_connections(rg, "VNet1GW"))
    assert [c.name for c in listed] == ["VNet1toSite1"]


def test_vnet_to_vnet_routes_need_both_connections_with_one_key(aznet, network_client, rg):
    net = network_client
    make_gateway(aznet, net, rg, "VNet1", "10.1.0.0/16")
    make_gateway(aznet, net, rg, "VNet4", "10.41.0.0/16")
    for vnet in ("VNet1", "VNet4"):
        net.network_interfaces.begin_create_or_update(rg, f"{vnet}-nic", nic_body(
            subnet_id(aznet, rg, vnet, "FrontEnd"))).result()
    g1, g4 = rid(aznet, rg, "virtualNetworkGateways", "VNet1GW"), rid(aznet, rg, "virtualNetworkGateways", "VNet4GW")

    def v2v(name, a, b, key):  # type: ignore[no-untyped-def]
        net.virtual_network_gateway_connections.begin_create_or_update(rg, name, {"location": LOC, "properties": {
            "connectionType": "Vnet2Vnet", "virtualNetworkGateway1": {"id": a}, "virtualNetworkGateway2": {"id": b},
            "sharedKey": key}}).result()
    v2v("VNet1toVNet4", g1, g4, "k1")
    assert _gateway_routes(net, rg, "VNet1-nic") == {} and _gateway_routes(net, rg, "VNet4-nic") == {}
    v2v("VNet4toVNet1", g4, g1, "other")
    assert _gateway_routes(net, rg, "VNet1-nic") == {}
    net.virtual_network_gateway_connections.begin_set_shared_key(rg, "VNet4toVNet1", {"value": "k1"}).result()
    assert set(_gateway_routes(net, rg, "VNet1-nic")) == {"10.41.0.0/16"}
    assert set(_gateway_routes(net, rg, "VNet4-nic")) == {"10.1.0.0/16"}
