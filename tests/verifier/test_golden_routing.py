"""Golden tests from Azure's "Virtual network traffic routing" routing example
(articles/virtual-network/virtual-networks-udr-overview.md): Virtual-network-1
(10.0.0.0/16) peered with Virtual-network-2 (10.1.0.0/16, 10.2.0.0/16), a VPN
gateway to on-premises 10.10.0.0/16, a Storage service endpoint and a route
table on Subnet1 forcing traffic through the NVA at 10.0.100.4."""

from __future__ import annotations

from typing import Any

import pytest

from aznet.netmodel import NetworkModel
from aznet.netmodel.addr import format_ip, parse_ip, parse_prefix
from aznet.netmodel.service_tags import lookup
from aznet.verifier import effective_route_table, next_hop
from aznet.verifier.security import Packet
from aznet.verifier.trace import ACCEPTED, LOOP, NEIGHBOR_UNREACHABLE, NULL_ROUTED, trace

from .builders import Net

SUBNET1_ROUTES = [
    ("Within-VNet1", "10.0.0.0/16", "VirtualAppliance", "10.0.100.4"),
    ("Within-Subnet1", "10.0.0.0/24", "VnetLocal", None),
    ("ToVNet2-1-Drop", "10.1.0.0/16", "None", None),
    ("ToVNet2-2-Drop", "10.2.0.0/16", "None", None),
    ("To-On-Prem", "10.10.0.0/16", "VirtualAppliance", "10.0.100.4"),
    ("Default-NVA", "0.0.0.0/0", "VirtualAppliance", "10.0.100.4"),
]


def example(nva_forwarding: bool = True, nva_routes: list[tuple[str, str, str, str | None]] | None = None
            ) -> tuple[Net, NetworkModel]:
    net = Net()
    net.route_table("Subnet1-RT", SUBNET1_ROUTES)
    if nva_routes:
        net.route_table("NVA-RT", nva_routes)
    storage = [{"service": "Microsoft.Storage", "locations": ["westeurope"]}]
    net.vnet("Virtual-network-1", ["10.0.0.0/16"], {
        "Subnet1": {"prefix": "10.0.0.0/24", "rt": "Subnet1-RT", "endpoints": storage},
        "Subnet2": {"prefix": "10.0.1.0/24"},
        "NVA": {"prefix": "10.0.100.0/24", "rt": "NVA-RT" if nva_routes else None},
        "GatewaySubnet": {"prefix": "10.0.255.0/27"}},
        peerings=[net.peering("to-vnet2", "Virtual-network-2", state="Connected")])
    net.vnet("Virtual-network-2", ["10.1.0.0/16", "10.2.0.0/16"], {"Subnet1": {"prefix": "10.1.0.0/24"}},
             peerings=[net.peering("to-vnet1", "Virtual-network-1", state="Connected")])
    gw = net.add("Microsoft.Network/virtualNetworkGateways", "vpn-gw", {
        "gatewayType": "Vpn", "ipConfigurations": [{"name": "default", "properties": {
            "privateIPAddress": "10.0.255.4",
            "subnet": {"id": net.subnet("Virtual-network-1", "GatewaySubnet")}}}]})
    lng = net.add("Microsoft.Network/localNetworkGateways", "on-prem",
                  {"localNetworkAddressSpace": {"addressPrefixes": ["10.10.0.0/16"]}, "gatewayIpAddress": "198.51.100.1"})
    net.add("Microsoft.Network/connections", "vpn", {"connectionType": "IPsec", "virtualNetworkGateway1": {"id": gw["id"]},
                                                     "localNetworkGateway2": {"id": lng["id"]}})
    for name, subnet, ip, fwd in (("vm1", "Subnet1", "10.0.0.4", False), ("vm2", "Subnet2", "10.0.1.4", False),
                                  ("nva", "NVA", "10.0.100.4", nva_forwarding)):
        net.nic(f"{name}-nic", "Virtual-network-1", subnet, ip, forwarding=fwd, vm=name)
        net.vm(name, [f"{name}-nic"])
    net.nic("peer-nic", "Virtual-network-2", "Subnet1", "10.1.0.4", vm="peer")
    net.vm("peer", ["peer-nic"])
    return net, NetworkModel.build(net.resources)


def table(net: Net, nic: str) -> list[tuple[str, str, tuple[str, ...], str, tuple[str, ...]]]:
    res = effective_route_table(NetworkModel.build(net.resources), net.rid("Microsoft.Network/networkInterfaces", nic))
    return [(r["source"], r["state"], tuple(r["addressPrefix"]), r["nextHopType"], tuple(r["nextHopIpAddress"]))
            for r in res["value"]]


def test_subnet1_route_table_matches_the_documented_ids() -> None:
    net, _ = example()
    rows = table(net, "vm1-nic")
    expected = [
        ("Default", "Invalid", ("10.0.0.0/16",), "VnetLocal", ()),                       # ID1
        ("User", "Active", ("10.0.0.0/16",), "VirtualAppliance", ("10.0.100.4",)),       # ID2
        ("User", "Active", ("10.0.0.0/24",), "VnetLocal", ()),                           # ID3
        ("Default", "Invalid", ("10.1.0.0/16",), "VNetPeering", ()),                     # ID4
        ("Default", "Invalid", ("10.2.0.0/16",), "VNetPeering", ()),                     # ID5
        ("User", "Active", ("10.1.0.0/16",), "None", ()),                                # ID6
        ("User", "Active", ("10.2.0.0/16",), "None", ()),                                # ID7
        ("VirtualNetworkGateway", "Invalid", ("10.10.0.0/16",), "VirtualNetworkGateway", ("10.0.255.4",)),  # ID8
        ("User", "Active", ("10.10.0.0/16",), "VirtualAppliance", ("10.0.100.4",)),      # ID9
        ("Default", "Invalid", ("0.0.0.0/0",), "Internet", ()),                          # ID11
        ("User", "Active", ("0.0.0.0/0",), "VirtualAppliance", ("10.0.100.4",)),         # ID12
    ]
    for row in expected:
        assert row in rows, row
    se = [r for r in rows if r[3] == "VirtualNetworkServiceEndpoint"]  # ID10
    assert len(se) == 1 and se[0][1] == "Active" and se[0][2]
    # the None routes for the reserved prefixes are gone once a UDR covers 0.0.0.0/0
    assert not [r for r in rows if r[0] == "Default" and r[3] == "None"]
    assert len(rows) == len(expected) + 1


def test_subnet2_route_table_has_only_the_default_and_optional_routes() -> None:
    net, _ = example()
    rows = table(net, "vm2-nic")
    documented = [
        ("Default", "Active", ("10.0.0.0/16",), "VnetLocal", ()),
        ("Default", "Active", ("10.1.0.0/16",), "VNetPeering", ()),
        ("Default", "Active", ("10.2.0.0/16",), "VNetPeering", ()),
        ("VirtualNetworkGateway", "Active", ("10.10.0.0/16",), "VirtualNetworkGateway", ("10.0.255.4",)),
        ("Default", "Active", ("0.0.0.0/0",), "Internet", ()),
        ("Default", "Active", ("10.0.0.0/8",), "None", ()),
        ("Default", "Active", ("100.64.0.0/10",), "None", ()),
        ("Default", "Active", ("192.168.0.0/16",), "None", ()),
    ]
    for row in documented:
        assert row in rows, row
    # The article's Subnet2 table leaves out 172.16.0.0/12, which its own "Default" table lists
    # for every subnet; Azure adds it, and so do we.
    assert ("Default", "Active", ("172.16.0.0/12",), "None", ()) in rows
    assert all(r[0] != "User" for r in rows)
    assert len(rows) == len(documented) + 1


def hop(net: Net, model: NetworkModel, vm: str, src: str, dst: str) -> dict[str, Any]:
    return next_hop(model, {"targetResourceId": net.vm_id(vm), "sourceIPAddress": src, "destinationIPAddress": dst})


@pytest.mark.parametrize("dst,hop_type,ip,user", [
    ("10.0.0.10", "VnetLocal", None, True),           # ID3: stays in Subnet1
    ("10.0.1.4", "VirtualAppliance", "10.0.100.4", True),  # ID2: the rest of the VNet via the NVA
    ("10.1.0.4", "None", None, True),                # ID6: dropped
    ("10.2.3.4", "None", None, True),                # ID7
    ("10.10.1.1", "VirtualAppliance", "10.0.100.4", True),  # ID9: on-premises via the NVA
    ("storage", "VirtualNetworkServiceEndpoint", None, False),  # ID10: an address of Storage.WestEurope
    ("8.8.8.8", "VirtualAppliance", "10.0.100.4", True),   # ID12
])
def test_next_hops_from_subnet1(dst: str, hop_type: str, ip: str | None, user: bool) -> None:
    net, model = example()
    if dst == "storage":
        tag = lookup("Storage.WestEurope")
        assert tag is not None and tag[1]
        dst = format_ip(parse_prefix(tag[1][0])[0] + 1)
    res = hop(net, model, "vm1", "10.0.0.4", dst)
    assert res["nextHopType"] == hop_type
    assert res.get("nextHopIpAddress") == ip
    rt = net.rid("Microsoft.Network/routeTables", "Subnet1-RT")
    assert res["routeTableId"] == (rt if user else "System Route")


@pytest.mark.parametrize("dst,hop_type,ip", [
    ("10.0.0.4", "VnetLocal", None), ("10.1.0.4", "VNetPeering", None), ("10.2.0.1", "VNetPeering", None),
    ("10.10.1.1", "VirtualNetworkGateway", "10.0.255.4"), ("8.8.8.8", "Internet", None),
    ("172.16.5.5", "None", None), ("192.168.1.1", "None", None),
])
def test_next_hops_from_subnet2(dst: str, hop_type: str, ip: str | None) -> None:
    net, model = example()
    res = hop(net, model, "vm2", "10.0.1.4", dst)
    assert (res["nextHopType"], res.get("nextHopIpAddress"), res["routeTableId"]) == (hop_type, ip, "System Route")


def _cfg(net: Net, model: NetworkModel, nic: str) -> Any:
    return model.nics[net.rid("Microsoft.Network/networkInterfaces", nic).lower()].ipconfigs[0]


def test_trace_through_the_nva() -> None:
    net, model = example()
    t = trace(model, _cfg(net, model, "vm1-nic"), Packet("Tcp", parse_ip("10.0.0.4"), 50000, parse_ip("10.0.1.4"), 22))
    assert t.disposition == ACCEPTED
    assert [h.kind for h in t.hops] == ["Source", "VirtualAppliance", "Destination"]
    # without IP forwarding the appliance drops traffic not addressed to it
    net, model = example(nva_forwarding=False)
    t = trace(model, _cfg(net, model, "vm1-nic"), Packet("Tcp", parse_ip("10.0.0.4"), 50000, parse_ip("10.0.1.4"), 22))
    assert t.disposition == NEIGHBOR_UNREACHABLE and "IP forwarding" in t.reason


def test_trace_drops_at_none_and_detects_loops() -> None:
    net, model = example()
    t = trace(model, _cfg(net, model, "vm1-nic"), Packet("Tcp", parse_ip("10.0.0.4"), 50000, parse_ip("10.1.0.4"), 22))
    assert t.disposition == NULL_ROUTED and t.deciding_rule == "ToVNet2-1-Drop"
    loop = [("Back", "10.0.1.0/24", "VirtualAppliance", "10.0.100.4")]
    net, model = example(nva_routes=loop)
    t = trace(model, _cfg(net, model, "vm1-nic"), Packet("Tcp", parse_ip("10.0.0.4"), 50000, parse_ip("10.0.1.4"), 22))
    assert t.disposition == LOOP


def test_peering_route_reaches_the_peer_from_subnet2() -> None:
    net, model = example()
    t = trace(model, _cfg(net, model, "vm2-nic"), Packet("Tcp", parse_ip("10.0.1.4"), 50000, parse_ip("10.1.0.4"), 22))
    assert t.disposition == ACCEPTED and t.route is not None and t.route.next_hop_type == "VNetPeering"
