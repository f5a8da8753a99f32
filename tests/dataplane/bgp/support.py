"""Helpers for the BGP tests: a VPN gateway with a BGP site, the speaker from `aznet status --json`, FRR."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.testing import frr
from tests.compute.test_vm import vm_body
from tests.dataplane.lb.support import cli, wait_for
from tests.network.hybrid_support import gw_body, gw_vnet, pip
from tests.network.nic_support import LOC, make_vnet, rid, subnet_id

needs_frr = pytest.mark.skipif(not frr.available(), reason="FRR (bgpd, vtysh) is not installed")
ONPREM_ASN = 65050
ONPREM_PEER = "10.51.255.254"


def vm_nic(aznet: Any, net: Any, compute: Any | None, rg: str, name: str, vnet: str, subnet: str) -> Any:
    """NIC ``{name}-nic`` in ``vnet``/``subnet`` and (unless ``compute`` is None) VM ``name`` on it: the NIC."""
    nic = net.network_interfaces.begin_create_or_update(rg, f"{name}-nic", {"location": LOC, "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet_id(aznet, rg, vnet, subnet)}}}]}}).result()
    if compute is not None:
        compute.virtual_machines.begin_create_or_update(rg, name, vm_body(nic.id)).result()
    return nic


def bgp_site(aznet: Any, net: Any, rg: str, gw_id: str, connection: str = "c1", key: str = "abc") -> None:
    """Local network gateway Site1 (BGP only: ASN 65050 at 10.51.255.254) and a BGP site-to-site connection
    ``connection`` from the gateway ``gw_id`` to it."""
    net.local_network_gateways.begin_create_or_update(rg, "Site1", {"location": LOC, "properties": {
        "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": []},
        "bgpSettings": {"asn": ONPREM_ASN, "bgpPeeringAddress": ONPREM_PEER}}}).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, connection, {
        "location": LOC, "properties": {
            "connectionType": "IPsec", "enableBgp": True, "sharedKey": key,
            "virtualNetworkGateway1": {"id": gw_id},
            "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", "Site1")}}}).result()


def vpn_site(aznet: Any, net: Any, compute: Any, rg: str, gw_asn: int = 65010, vm: bool = True,
             sku: str = "VpnGw1") -> dict[str, Any]:
    """VNet1 (10.1.0.0/16) with a VM in FrontEnd, a VpnGw1 gateway (ASN ``gw_asn``), local network gateway
    Site1 (BGP only: ASN 65050 at 10.51.255.254) and a BGP site-to-site connection."""
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    nic = vm_nic(aznet, net, None, rg, "vm1", "VNet1", "FrontEnd")
    vm_id = None
    if vm:
        vm_id = compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nic.id)).result().id
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, sku=sku, enableBgp=True, bgpSettings={"asn": gw_asn})).result()
    bgp_site(aznet, net, rg, gw.id, connection="VNet1toSite1", key="abc123")
    return {"gw": gw, "nic": nic, "vm": vm_id, "ip": nic.ip_configurations[0].private_ip_address}


def branch_vnet(net: Any, rg: str, *pips: str) -> None:
    """VNet1 (10.1.0.0/16: FrontEnd, RouteServerSubnet, GatewaySubnet) and the public IPs ``pips``."""
    make_vnet(net, rg, name="VNet1", prefixes=("10.1.0.0/16",), subnets={
        "FrontEnd": "10.1.0.0/24", "RouteServerSubnet": "10.1.1.0/26", "GatewaySubnet": "10.1.255.0/27"})
    for name in pips:
        pip(net, rg, name)


def route_server(aznet: Any, net: Any, rg: str, vnet: str, peer_ip: str, peer_asn: int, **hub_props: Any) -> Any:
    """Route Server "rs" in ``vnet``'s RouteServerSubnet (public IP RouteServerIP) with the bgpConnection "nva"
    to ``peer_ip`` / ``peer_asn``: the virtual hub as read back."""
    net.virtual_hubs.begin_create_or_update(rg, "rs", {"location": LOC, "properties": {
        "sku": "Standard", **hub_props}}).result()
    net.virtual_hub_ip_configuration.begin_create_or_update(rg, "rs", "Default", {"properties": {
        "subnet": {"id": subnet_id(aznet, rg, vnet, "RouteServerSubnet")},
        "publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", "RouteServerIP")}}}).result()
    net.virtual_hub_bgp_connection.begin_create_or_update(rg, "rs", "nva", {"properties": {
        "peerIp": peer_ip, "peerAsn": peer_asn}}).result()
    return net.virtual_hubs.get(rg, "rs")


def speakers(aznet: Any, resource_id: str) -> list[dict[str, Any]]:
    """The BGP speakers (endpoints named bgp:…) `aznet status --json` lists under ``resource_id``, in its order."""
    return [e for e in cli(aznet, "status", "--json")["endpoints"]
            if e.get("resourceId", "").lower() == resource_id.lower() and e["name"].startswith("bgp:")]


def speaker(aznet: Any, resource_id: str) -> dict[str, Any]:
    """The (first) BGP speaker `aznet status --json` lists under ``resource_id``."""
    eps = speakers(aznet, resource_id)
    assert eps, f"no BGP speaker of {resource_id} in aznet status"
    return eps[0]


def start_frr(sp: dict[str, Any], networks: list[str], asn: int = ONPREM_ASN, remote_asn: int | None = None) -> frr.Frr:
    """A real FRR (ASN ``asn``) announcing ``networks`` to the speaker ``sp`` (from ``speaker``), connecting from its
    first neighbor's address; ``remote_asn``: the ASN it expects of aznet (the speaker's own by default)."""
    nb = sp["neighbors"][0]
    return frr.Frr(nb["connectFrom"], asn, sp["address"], sp["asn"] if remote_asn is None else remote_asn,
                   sp.get("listenPort", sp["port"]), networks).start()


def gateway_routes(net: Any, rg: str, nic: str = "vm1-nic") -> dict[str, Any]:
    routes = net.network_interfaces.begin_get_effective_route_table(rg, nic).result().value
    return {p: r for r in routes if r.source == "VirtualNetworkGateway" for p in r.address_prefix}


def metric(aznet: Any, resource_id: str, name: str, dims: tuple[str, ...], aggregation: str = "Maximum") \
        -> dict[tuple[str, ...], float]:
    """The metrics API's latest value of ``name`` per combination of ``dims`` (azure-mgmt-monitor)."""
    from azure.mgmt.monitor import MonitorManagementClient

    mon = aznet.client(MonitorManagementClient)
    res = mon.metrics.list(resource_id, metricnames=name, aggregation=aggregation,
                           filter=" and ".join(f"{d} eq '*'" for d in dims))
    out: dict[tuple[str, ...], float] = {}
    for m in res.value:
        for ts in m.timeseries:
            values = {v.name.value.lower(): v.value for v in ts.metadatavalues or []}
            points = [getattr(d, aggregation.lower()) for d in ts.data if getattr(d, aggregation.lower()) is not None]
            if points:
                out[tuple(values.get(d.lower(), "") for d in dims)] = points[-1]
    return out


__all__ = ["bgp_site", "branch_vnet", "cli", "gateway_routes", "metric", "needs_frr", "route_server", "speaker",
           "start_frr", "vm_nic", "vpn_site", "wait_for"]
