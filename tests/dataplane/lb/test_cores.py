"""The load balancer's and workload table's pure cores, without sockets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from aznet.dataplane.lb.hashing import flow_key, pick
from aznet.dataplane.lb.probe_state import DOWN, UNKNOWN, UP, ProbeState, thresholds
from aznet.dataplane.lb.snat import allocate, default_ports
from aznet.dataplane.workloads.table import ServeSpecError, WorkloadTable, parse_serve


def test_five_tuple_spreads_and_two_tuple_sticks() -> None:
    backends = ["a", "b", "c"]
    five = {pick(backends, flow_key("Default", "1.2.3.4", p, "5.6.7.8", 80, "tcp")) for p in range(1000, 1100)}
    assert five == {"a", "b", "c"}
    two = {pick(backends, flow_key("SourceIP", "1.2.3.4", p, "5.6.7.8", 80, "tcp")) for p in range(1000, 1100)}
    assert len(two) == 1
    three_tcp = pick(backends, flow_key("SourceIPProtocol", "1.2.3.4", 1, "5.6.7.8", 80, "tcp"))
    assert all(pick(backends, flow_key("SourceIPProtocol", "1.2.3.4", p, "5.6.7.8", 81, "tcp")) == three_tcp
               for p in range(50))
    assert pick([], b"x") is None


def test_hash_is_stable_across_processes() -> None:
    # crc32, not Python's salted hash(): the same flow picks the same backend after a restart
    assert pick(["a", "b", "c", "d"], flow_key("SourceIP", "10.0.0.1", 0, "127.64.0.1", 0, "tcp")) == \
        ["a", "b", "c", "d"][__import__("zlib").crc32(b"10.0.0.1|127.64.0.1") % 4]


def test_probe_threshold_both_ways() -> None:
    st = ProbeState(*thresholds({"probeThreshold": 3, "numberOfProbes": 2}))
    assert st.state == UNKNOWN
    assert st.observe(True) and st.state == UP
    assert not st.observe(False, "refused") and not st.observe(False) and st.state == UP
    assert st.observe(False) and st.state == DOWN
    assert not st.observe(True) and not st.observe(True)
    assert st.observe(True) and st.up


def test_number_of_probes_without_threshold() -> None:
    down, up = thresholds({"numberOfProbes": 2})
    st = ProbeState(down, up)
    st.observe(True)
    assert not st.observe(False) and st.observe(False) and st.state == DOWN
    assert st.observe(True) and st.state == UP      # one answer brings it back
    assert thresholds({}) == (2, 1)


@pytest.mark.parametrize(("size", "ports"), [(1, 1024), (50, 1024), (51, 512), (100, 512), (101, 256),
                                              (200, 256), (201, 128), (400, 128), (401, 64), (800, 64),
                                              (801, 32), (1000, 32), (1001, 0)])
def test_default_snat_port_table(size: int, ports: int) -> None:
    assert default_ports(size) == ports


def test_snat_allocation_blocks_do_not_overlap() -> None:
    allocs = allocate([f"vm{i}" for i in range(60)], ["127.64.0.1"])
    assert {a.ports for a in allocs} == {512}
    spans = sorted((a.first_port, a.first_port + a.ports) for a in allocs)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert spans[0][0] == 1024 and spans[-1][1] <= 1024 + 64000
    # an outbound rule's allocatedOutboundPorts, capped by 64,000 per frontend IP
    big = allocate(["a", "b"], ["127.64.0.1"], allocated=40000)
    assert [a.ports for a in big] == [32000, 32000]


@dataclass
class Rec:
    id: str
    type: str
    body: dict[str, Any]
    seq: int


def nic(i: int, ip: str) -> Rec:
    nid = f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic{i}"
    return Rec(nid, "Microsoft.Network/networkInterfaces", {"properties": {"ipConfigurations": [{
        "id": f"{nid}/ipConfigurations/ipconfig1", "properties": {
            "privateIPAddress": ip, "primary": True,
            "subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/"
                             "subnets/default"}}}]}}, i)


def vm(i: int, **private: Any) -> Rec:
    return Rec(f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm{i}",
               "Microsoft.Compute/virtualMachines", {"name": f"vm{i}", "_aznet": private, "tags": {
                   "aznet-serve": "http:80, udp-echo:9"}, "properties": {"networkProfile": {"networkInterfaces": [
                       {"id": f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/"
                              f"nic{i}"}]}}}, 100 + i)


def test_local_addresses_are_deterministic_and_distinct() -> None:
    recs = [nic(i, f"10.0.0.{i + 4}") for i in range(200)] + [vm(1, power="stopped", ports={"80": ["127.0.0.1", 8080]})]
    a = WorkloadTable.build(recs, "127.128.0.0/16")
    b = WorkloadTable.build(list(reversed(recs)), "127.128.0.0/16")   # order of reading does not matter
    addrs = {k: c.local for k, c in a.ipconfigs.items()}
    assert addrs == {k: c.local for k, c in b.ipconfigs.items()}
    assert len(set(addrs.values())) == 200
    assert all(x.startswith("127.128.") for x in addrs.values())
    vnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
    cfg = a.ipconfig_for_private_ip(vnet, "10.0.0.5")
    assert cfg is not None and a.local_address_for_private_ip(vnet + "/subnets/default", "10.0.0.5") == cfg.local
    assert a.local_address_for_private_ip(vnet, "10.9.9.9") is None
    v1 = a.vms[recs[-1].id.lower()]
    assert not v1.running and [(w.kind, w.port) for w in v1.workloads] == [("http", 80), ("udp-echo", 9)]
    c1 = a.by_ipconfig(recs[1].body["properties"]["ipConfigurations"][0]["id"])
    assert c1 is not None and a.target(c1, 80) == ("127.0.0.1", 8080) and a.target(c1, 81) == (c1.local, 81)
    assert not a.serving(c1)


def test_serve_spec() -> None:
    assert parse_serve("http:80 tcp-echo:7,udp-echo:9") == [("http", 80), ("tcp-echo", 7), ("udp-echo", 9)]
    for bad in ("ftp:21", "http:0", "http:x", "http"):
        with pytest.raises(ServeSpecError):
            parse_serve(bad)
