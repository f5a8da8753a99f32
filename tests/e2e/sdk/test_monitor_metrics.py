"""Azure Monitor metrics through the real clients: azure-monitor-query's
MetricsQueryClient (api-version 2024-02-01, token for ``{endpoint}/.default``)
and azure-mgmt-monitor (2018-01-01), after real DNS queries with dnspython."""

from __future__ import annotations

import uuid
from datetime import timedelta

import dns.message
import dns.query
import pytest
from azure.core.exceptions import HttpResponseError

TM_TYPE = "Microsoft.Network/trafficManagerProfiles"


@pytest.fixture(scope="module")
def clients(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.dns import DnsManagementClient
    from azure.mgmt.monitor import MonitorManagementClient
    from azure.mgmt.privatedns import PrivateDnsManagementClient
    from azure.mgmt.trafficmanager import TrafficManagerManagementClient
    from azure.monitor.query import MetricsQueryClient

    query = MetricsQueryClient(aznet.credential(), endpoint=aznet.endpoint, connection_verify=str(aznet.ca_bundle))
    return {"dns": aznet.client(DnsManagementClient), "pdns": aznet.client(PrivateDnsManagementClient),
            "tm": aznet.client(TrafficManagerManagementClient), "monitor": aznet.client(MonitorManagementClient),
            "query": query}


def ask(aznet, name: str) -> None:  # type: ignore[no-untyped-def]
    port = aznet.platform.services["dns"].port
    dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=3)


def test_dns_zone_query_volume_and_record_set_gauges(aznet, clients, rg):  # type: ignore[no-untyped-def]
    name = f"m{uuid.uuid4().hex[:8]}.example"
    zone = clients["dns"].zones.create_or_update(rg, name, {"location": "global"})
    clients["dns"].record_sets.create_or_update(rg, name, "www", "A", {"ttl": 60, "a_records": [
        {"ipv4_address": "192.0.2.5"}]})
    for _ in range(3):
        ask(aznet, f"www.{name}")
    ask(aznet, f"nothing.{name}")                # NXDOMAIN answers are queries served too
    defs = {d.name: d for d in clients["query"].list_metric_definitions(zone.id)}
    assert set(defs) == {"QueryVolume", "RecordSetCount", "RecordSetCapacityUtilization"}
    assert defs["QueryVolume"].unit == "Count" and defs["QueryVolume"].primary_aggregation_type == "Total"
    assert defs["RecordSetCapacityUtilization"].unit == "Percent"
    assert defs["QueryVolume"].namespace == "Microsoft.Network/dnszones"

    res = clients["query"].query_resource(
        zone.id, ["QueryVolume", "RecordSetCount", "RecordSetCapacityUtilization"],
        timespan=timedelta(minutes=30), granularity=timedelta(minutes=1),
        aggregations=["Total", "Maximum"])
    by = {m.name: m for m in res.metrics}
    volume = sum(p.total or 0 for p in by["QueryVolume"].timeseries[0].data)
    assert volume == 4
    counts = [p.maximum for p in by["RecordSetCount"].timeseries[0].data if p.maximum is not None]
    assert counts[-1] == 3                       # SOA, NS and the A record set
    utilization = [p.maximum for p in by["RecordSetCapacityUtilization"].timeseries[0].data
                   if p.maximum is not None]
    assert utilization[-1] == pytest.approx(100 * 3 / 10000)
    assert res.granularity == timedelta(minutes=1) and res.namespace == "Microsoft.Network/dnszones"

    # azure-mgmt-monitor reads the same
    mon = clients["monitor"]
    names = [d.name.value for d in mon.metric_definitions.list(zone.id)]
    assert "QueryVolume" in names
    got = mon.metrics.list(zone.id, timespan="PT30M", interval=timedelta(minutes=5), metricnames="QueryVolume",
                           aggregation="Total")
    assert sum(p.total or 0 for p in got.value[0].timeseries[0].data) == 4


def test_private_zone_link_gauges(aznet, clients, network_client, rg):  # type: ignore[no-untyped-def]
    from tests.network.nic_support import make_vnet

    vnet = make_vnet(network_client, rg, "mvnet")
    name = f"p{uuid.uuid4().hex[:8]}.internal"
    zone = clients["pdns"].private_zones.begin_create_or_update(rg, name, {"location": "global"}).result()
    clients["pdns"].virtual_network_links.begin_create_or_update(rg, name, "l1", {
        "location": "global", "properties": {"virtualNetwork": {"id": vnet.id}, "registrationEnabled": True}}).result()
    res = clients["query"].query_resource(
        zone.id, ["VirtualNetworkLinkCount", "VirtualNetworkWithRegistrationLinkCount", "RecordSetCount",
                  "VirtualNetworkLinkCapacityUtilization"],
        timespan=timedelta(minutes=10), aggregations=["Maximum"])
    last = {m.name: [p.maximum for p in m.timeseries[0].data if p.maximum is not None][-1] for m in res.metrics}
    assert last["VirtualNetworkLinkCount"] == 1 and last["VirtualNetworkWithRegistrationLinkCount"] == 1
    assert last["RecordSetCount"] == 1           # the SOA record set
    assert last["VirtualNetworkLinkCapacityUtilization"] == pytest.approx(0.1)


def test_traffic_manager_endpoint_metrics(aznet, clients, rg):  # type: ignore[no-untyped-def]
    rel = f"m{uuid.uuid4().hex[:10]}"
    profile = clients["tm"].profiles.create_or_update(rg, "mprof", {"location": "global", "properties": {
        "trafficRoutingMethod": "Priority", "dnsConfig": {"relativeName": rel, "ttl": 5},
        "monitorConfig": {"protocol": "TCP", "port": 9, "intervalInSeconds": 30, "timeoutInSeconds": 10},
        "endpoints": [
            {"name": "first", "type": f"{TM_TYPE}/externalEndpoints",
             "properties": {"target": "192.0.2.1", "priority": 1, "alwaysServe": "Enabled"}},
            {"name": "second", "type": f"{TM_TYPE}/externalEndpoints",
             "properties": {"target": "192.0.2.2", "priority": 2, "alwaysServe": "Enabled"}}]}})
    for _ in range(5):
        ask(aznet, f"{rel}.trafficmanager.net")
    res = clients["query"].query_resource(profile.id, ["QpsByEndpoint"], timespan=timedelta(minutes=10),
                                          aggregations=["Total"], filter="EndpointName eq '*'")
    totals = {ts.metadata_values["EndpointName"]: sum(p.total or 0 for p in ts.data)
              for ts in res.metrics[0].timeseries}
    assert totals == {"first": 5}
    states = clients["query"].query_resource(
        profile.id, ["ProbeAgentCurrentEndpointStateByProfileResourceId"], timespan=timedelta(minutes=10),
        aggregations=["Maximum"], filter="EndpointName eq 'first' or EndpointName eq 'second'")
    seen = {ts.metadata_values["EndpointName"] for ts in states.metrics[0].timeseries}
    assert seen == {"first", "second"}


def test_bad_metric_requests_get_azure_errors(aznet, clients, rg):  # type: ignore[no-untyped-def]
    zone = clients["dns"].zones.create_or_update(rg, f"e{uuid.uuid4().hex[:8]}.example", {"location": "global"})
    with pytest.raises(HttpResponseError) as exc:
        clients["query"].query_resource(zone.id, ["NoSuchMetric"], timespan=timedelta(minutes=5))
    assert exc.value.status_code == 400 and "Valid metrics: QueryVolume" in str(exc.value)
    with pytest.raises(HttpResponseError) as exc:
        clients["query"].query_resource(zone.id + "x", ["QueryVolume"], timespan=timedelta(minutes=5))
    assert exc.value.status_code == 404
