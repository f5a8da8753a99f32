"""Load balancer metrics through azure-monitor-query's MetricsQueryClient after real traffic: SYNCount,
ByteCount, PacketCount with FrontendIPAddress/FrontendPort/Direction, health probe status per backend,
data path availability, allocated SNAT ports."""

from __future__ import annotations

import socket
from datetime import timedelta

from .support import cli, lb_body, make_vms, pool_id, public_ip, wait_for


def test_lb_metrics_after_traffic(aznet, network_client, compute, rg):
    from azure.monitor.query import MetricsQueryClient

    ip = public_ip(network_client, rg)
    lb = network_client.load_balancers.begin_create_or_update(rg, "lb", lb_body(
        aznet, rg, probes=[{"name": "echo", "properties": {"protocol": "Tcp", "port": 7, "intervalInSeconds": 5}}],
        rules=[{"name": "echo", "probe": "echo", "properties": {"protocol": "Tcp", "frontendPort": 7007,
                                                                "backendPort": 7}}])).result()
    make_vms(aznet, network_client, compute, rg, ["vm1", "vm2"], pools=[pool_id(aznet, rg)])
    cli(aznet, "vm", "serve", "-g", rg, "-n", "vm1", "--tcp-echo", "7")     # vm2 serves nothing: probed down
    engine = aznet.platform.services["lb"]
    lb_key = lb.id.lower() + "/"
    wait_for(lambda: sorted(st.state for (p, _), st in engine.health.items() if p.startswith(lb_key))
             == ["Down", "Up"])
    for _ in range(4):
        with socket.create_connection((ip, 7007), timeout=5) as s:
            s.sendall(b"0123456789")
            assert s.recv(100) == b"0123456789"
    query = MetricsQueryClient(aznet.credential(), endpoint=aznet.endpoint, connection_verify=str(aznet.ca_bundle))
    defs = {d.name: d for d in query.list_metric_definitions(lb.id)}
    assert {"ByteCount", "PacketCount", "SYNCount", "VipAvailability", "DipAvailability", "SnatConnectionCount",
            "AllocatedSnatPorts", "UsedSnatPorts"} <= set(defs)

    def syns() -> bool:
        res = query.query_resource(lb.id, ["SYNCount"], timespan=timedelta(minutes=10),
                                   granularity=timedelta(minutes=1), aggregations=["Total"])
        return sum(p.total or 0 for ts in res.metrics[0].timeseries for p in ts.data) >= 4
    wait_for(syns)
    res = query.query_resource(lb.id, ["ByteCount"], timespan=timedelta(minutes=10), granularity=timedelta(minutes=1),
                               aggregations=["Total"], filter="Direction eq '*' and FrontendPort eq '7007'")
    by_dir = {ts.metadata_values.get("direction") or ts.metadata_values.get("Direction"):
              sum(p.total or 0 for p in ts.data) for ts in res.metrics[0].timeseries}
    assert by_dir == {"In": 40, "Out": 40}
    nic1 = network_client.network_interfaces.get(rg, "vm1-nic").ip_configurations[0].private_ip_address
    nic2 = network_client.network_interfaces.get(rg, "vm2-nic").ip_configurations[0].private_ip_address

    def dip_status() -> dict[str, float]:
        """The latest minute's DipAvailability per backend address. A minute that began before vm1's first
        successful probe averages in the samples taken before it (as Azure's average over the minute does), so
        the answer is polled until a minute of vm1 being up only is reported."""
        res = query.query_resource(lb.id, ["DipAvailability"], timespan=timedelta(minutes=10),
                                   granularity=timedelta(minutes=1), aggregations=["Average"],
                                   filter="BackendIPAddress eq '*'")
        status = {}
        for ts in res.metrics[0].timeseries:
            vals = [p.average for p in ts.data if p.average is not None]
            status[ts.metadata_values.get("backendipaddress") or ts.metadata_values.get("BackendIPAddress")] = vals[-1]
        return status
    def vm1_minute_up() -> dict[str, float] | None:
        status = dip_status()
        return status if status.get(nic1) == 100.0 else None
    status = wait_for(vm1_minute_up, timeout=150)
    assert status == {nic1: 100.0, nic2: 0.0}
    res = query.query_resource(lb.id, ["AllocatedSnatPorts"], timespan=timedelta(minutes=10),
                               granularity=timedelta(minutes=1), aggregations=["Average"])
    assert {p.average for ts in res.metrics[0].timeseries for p in ts.data if p.average is not None} == {1024.0}
