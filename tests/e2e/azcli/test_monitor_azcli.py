"""``az monitor metrics list | list-definitions | list-namespaces`` against aznet's
Azure Monitor metrics API, after real DNS queries."""

from __future__ import annotations

import uuid

import dns.message
import dns.query


def test_az_monitor_metrics_on_a_dns_zone_and_a_profile(aznet, az, rg):  # type: ignore[no-untyped-def]
    port = aznet.platform.services["dns"].port
    name = f"az{uuid.uuid4().hex[:8]}.example"
    zone = az.json("network", "dns", "zone", "create", "-g", rg, "-n", name)
    az.run("network", "dns", "record-set", "a", "add-record", "-g", rg, "-z", name, "-n", "www",
           "-a", "192.0.2.8")
    for _ in range(2):
        dns.query.udp(dns.message.make_query(f"www.{name}", "A"), "127.0.0.1", port=port, timeout=3)

    defs = az.json("monitor", "metrics", "list-definitions", "--resource", zone["id"])
    assert sorted(d["name"]["value"] for d in defs) == ["QueryVolume", "RecordSetCapacityUtilization",
                                                        "RecordSetCount"]
    spaces = az.json("monitor", "metrics", "list-namespaces", "--resource-uri", zone["id"])
    assert [s["properties"]["metricNamespaceName"] for s in spaces] == ["Microsoft.Network/dnszones"]

    out = az.json("monitor", "metrics", "list", "--resource", zone["id"], "--metric", "QueryVolume",
                  "RecordSetCount", "--aggregation", "Total", "Maximum", "--interval", "PT1M", "--offset", "30m")
    by = {m["name"]["value"]: m for m in out["value"]}
    assert sum(p.get("total", 0) for p in by["QueryVolume"]["timeseries"][0]["data"]) == 2
    assert [p["maximum"] for p in by["RecordSetCount"]["timeseries"][0]["data"] if "maximum" in p][-1] == 3
    assert out["interval"] == "PT1M" and out["namespace"] == "Microsoft.Network/dnszones"

    rel = f"az{uuid.uuid4().hex[:10]}"
    profile = az.json("network", "traffic-manager", "profile", "create", "-g", rg, "-n", "azprof",
                      "--routing-method", "Weighted", "--unique-dns-name", rel)["TrafficManagerProfile"]
    az.run("network", "traffic-manager", "endpoint", "create", "-g", rg, "--profile-name", "azprof",
           "-n", "only", "--type", "externalEndpoints", "--target", "192.0.2.9", "--always-serve", "Enabled")
    for _ in range(3):
        dns.query.udp(dns.message.make_query(f"{rel}.trafficmanager.net", "A"), "127.0.0.1", port=port, timeout=3)
    out = az.json("monitor", "metrics", "list", "--resource", profile["id"], "--metric", "QpsByEndpoint",
                  "--dimension", "EndpointName", "--aggregation", "Total", "--offset", "15m")
    [series] = out["value"][0]["timeseries"]
    assert series["metadatavalues"][0]["value"] == "only"
    assert sum(p.get("total", 0) for p in series["data"]) == 3
    err = az.fails("monitor", "metrics", "list", "--resource", profile["id"], "--metric", "Bogus")
    assert "Valid metrics: ProbeAgentCurrentEndpointStateByProfileResourceId,QpsByEndpoint" in err.stderr
