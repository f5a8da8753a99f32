"""Helpers for the BGP tests: a VPN gateway with a BGP site, the speaker from `aznet status --json`, FRR."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.testing import frr
from tests.compute.test_vm import vm_body
from tests.dataplane.lb.support import cli, wait_for
from tests.network.hybrid_support import gw_body, gw_vnet, pip
from tests.network.nic_support import LOC, rid, subnet_id

needs_frr = pytest.mark.skipif(not frr.available(), reason="FRR (bgpd, vtysh) is not installed")
ONPREM_ASN = 65050
ONPREM_PEER = "10.51.255.254"


def vpn_site(aznet: Any, net: Any, compute: Any, rg: str, gw_asn: int = 65010, vm: bool = True,
             sku: str = "VpnGw1") -> dict[str, Any]:
    """VNet1 (10.1.0.0/16) with a VM in FrontEnd, a VpnGw1 gateway (ASN ``gw_asn``), local network gateway
    Site1 (BGP only: ASN 65050 at 10.51.255.254) and a BGP site-to-site connection."""
    gw_vnet(net, rg)
    pip(net, rg, "VNet1GWpip")
    nic = net.network_interfaces.begin_create_or_update(rg, "vm1-nic", {"location": LOC, "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet_id(aznet, rg, "VNet1", "FrontEnd")}}}]}}).result()
    vm_id = None
    if vm:
        vm_id = compute.virtual_machines.begin_create_or_update(rg, "vm1", vm_body(nic.id)).result().id
    gw = net.virtual_network_gateways.begin_create_or_update(rg, "VNet1GW", gw_body(
        aznet, rg, sku=sku, enableBgp=True, bgpSettings={"asn": gw_asn})).result()
    net.local_network_gateways.begin_create_or_update(rg, "Site1", {"location": LOC, "properties": {
        "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": []},
        "bgpSettings": {"asn": ONPREM_ASN, "bgpPeeringAddress": ONPREM_PEER}}}).result()
    net.virtual_network_gateway_connections.begin_create_or_update(rg, "VNet1toSite1", {
        "location": LOC, "properties": {
            "connectionType": "IPsec", "enableBgp": True, "sharedKey": "abc123",
            "virtualNetworkGateway1": {"id": gw.id},
            "localNetworkGateway2": {"id": rid(aznet, rg, "localNetworkGateways", "Site1")}}}).result()
    return {"gw": gw, "nic": nic, "vm": vm_id, "ip": nic.ip_configurations[0].private_ip_address}


def speaker(aznet: Any, resource_id: str) -> dict[str, Any]:
    """The BGP speaker `aznet status --json` lists under ``resource_id``."""
    status = cli(aznet, "status", "--json")
    eps = [e for e in status["endpoints"] if e.get("resourceId", "").lower() == resource_id.lower()
           and e["name"].startswith("bgp:")]
    assert eps, status["endpoints"]
    return eps[0]


def start_frr(sp: dict[str, Any], networks: list[str], asn: int = ONPREM_ASN) -> frr.Frr:
    nb = sp["neighbors"][0]
    return frr.Frr(nb["connectFrom"], asn, sp["address"], sp["asn"], sp.get("listenPort", sp["port"]),
                   networks).start()


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


__all__ = ["cli", "gateway_routes", "metric", "needs_frr", "speaker", "start_frr", "vpn_site", "wait_for"]
