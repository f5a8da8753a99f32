"""Front Door edge worker processes (AZNET_FRONTDOOR_WORKERS): two workers share the edge with SO_REUSEPORT; requests
spread over them and all succeed, each worker caches on its own and a purge empties every worker's cache before
the operation completes, a new route (to an origin named in aznet's DNS) reaches every worker, an origin the probes (in the aznet process) find failing
leaves the rotation in the workers, the access log and the metrics count what the workers served, and no worker
outlives aznet."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx

from aznet.testing.harness import start_in_thread
from aznet.testing.pytest_plugin import worker_pools
from tests.dataplane.worker_support import alive, metric_total
from tests.network.nic_support import make_storage_account

from .support import P, afd_profile, backends, edge_get, edge_port, resolve, wait_for


def _logs(inst: Any, category: str) -> list[str]:
    return [line for p in (inst.data_dir / "logs").glob(f"*/{category}.jsonl")
            for line in p.read_text().splitlines() if line.strip()]


def test_two_edge_workers_cache_purge_route_failover_and_report() -> None:
    from azure.mgmt.cdn import CdnManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    with tempfile.TemporaryDirectory(prefix="aznet-fdw-") as tmp:
        inst = start_in_thread(Path(tmp), frontdoor_workers=2, **worker_pools())
        try:
            svc = inst.platform.services["frontdoor"]
            assert svc.workers is not None and len(svc.workers.pids) == 2
            pids = list(svc.workers.pids)
            res = inst.client(ResourceManagementClient)
            res.resource_groups.create_or_update("rg", {"location": "westeurope"})
            cdn = inst.client(CdnManagementClient)
            with backends("primary", "backup", "third", base=68) as (b1, b2, b3):
                prof = afd_profile(cdn, "rg")
                st = make_storage_account(inst, "rg", "stfdworkers")
                res.resources.begin_create_or_update_by_id(
                    f"{prof.id}/providers/Microsoft.Insights/diagnosticSettings/access",
                    {"properties": {"storageAccountId": st,
                                    "logs": [{"category": c, "enabled": True} for c in (
                                        "FrontDoorAccessLog", "FrontDoorWebApplicationFirewallLog")]}},
                    api_version="2021-05-01-preview").result()
                ep = cdn.afd_endpoints.begin_create("rg", "fd", "web", {"location": "global"}).result()
                g = cdn.afd_origin_groups.begin_create("rg", "fd", "g", P(
                    loadBalancingSettings={"sampleSize": 2, "successfulSamplesRequired": 1},
                    healthProbeSettings={"probePath": "/health", "probeRequestType": "GET", "probeProtocol": "Http",
                                         "probeIntervalInSeconds": 1})).result()
                cdn.afd_origins.begin_create("rg", "fd", "g", "primary", P(hostName=b1.host, httpPort=b1.port,
                                                                            priority=1)).result()
                cdn.afd_origins.begin_create("rg", "fd", "g", "backup", P(hostName=b2.host, httpPort=b2.port,
                                                                           priority=2)).result()
                cdn.routes.begin_create("rg", "fd", "web", "all", P(
                    originGroup={"id": g.id}, patternsToMatch=["/*"], forwardingProtocol="HttpOnly")).result()
                cdn.routes.begin_create("rg", "fd", "web", "static", P(
                    originGroup={"id": g.id}, patternsToMatch=["/static/*"], forwardingProtocol="HttpOnly",
                    cacheConfiguration={"queryStringCachingBehavior": "UseQueryString"})).result()
                host = ep.host_name
                wait_for(lambda: edge_get(inst, f"http://{host}/page").text == "primary /page")
                served0 = list(svc.workers.served)

                # every request answered, over new connections spread across the workers (HTTP and HTTPS)
                got = [edge_get(inst, f"http{'s' if i % 4 == 0 else ''}://{host}/p{i}") for i in range(40)]
                assert [r.text for r in got] == [f"primary /p{i}" for i in range(40)]
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served0, strict=True)), timeout=30)

                # each worker caches on its own: at most one miss per worker; a purge empties every cache
                warm = [edge_get(inst, f"http://{host}/static/app.js").headers["x-cache"] for _ in range(30)]
                assert 1 <= warm.count("TCP_MISS") <= 2 and warm.count("TCP_HIT") >= 28
                b1.name = "primary-v2"                    # the origin's answer changes; the caches still hold v1
                served1 = list(svc.workers.served)
                cached = [edge_get(inst, f"http://{host}/static/app.js") for _ in range(20)]
                assert all(r.text == "primary /static/app.js" for r in cached)
                cdn.afd_endpoints.begin_purge_content("rg", "fd", "web", {"contentPaths": ["/static/*"]}).result()
                after = [edge_get(inst, f"http://{host}/static/app.js") for _ in range(30)]
                assert all(r.text == "primary-v2 /static/app.js" for r in after)      # no worker kept v1
                assert 1 <= [r.headers["x-cache"] for r in after].count("TCP_MISS") <= 2
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served1, strict=True)), timeout=30)

                # a new route (to an origin named in aznet's DNS, which only the aznet process runs) reaches every
                # worker; a keep-alive connection opened before it stays open and sees it
                from azure.mgmt.dns import DnsManagementClient
                dnsc = inst.client(DnsManagementClient)
                dnsc.zones.create_or_update("rg", "origins.test", {"location": "global"})
                dnsc.record_sets.create_or_update("rg", "origins.test", "third", "A",
                                                  {"ttl": 60, "a_records": [{"ipv4_address": b3.host}]})
                ip = resolve(inst, host)
                # httpx drops a pooled connection idle for 5 s by default: on a busy machine the steps below take longer,
                # and the same-connection check would then see the client's new connection, not the server's doing
                keep = httpx.Client(timeout=10, limits=httpx.Limits(keepalive_expiry=600))
                k1 = keep.get(f"http://{ip}:{edge_port(inst, 80)}/new/k1", headers={"Host": host})
                assert k1.text == "primary-v2 /new/k1"
                g3 = cdn.afd_origin_groups.begin_create("rg", "fd", "g3", P(loadBalancingSettings={})).result()
                cdn.afd_origins.begin_create("rg", "fd", "g3", "third", P(hostName="third.origins.test",
                                                                         httpPort=b3.port)).result()
                cdn.routes.begin_create("rg", "fd", "web", "new", P(
                    originGroup={"id": g3.id}, patternsToMatch=["/new/*"], forwardingProtocol="HttpOnly")).result()
                served2 = list(svc.workers.served)
                wait_for(lambda: all(edge_get(inst, f"http://{host}/new/w").text == "third /new/w" for _ in range(10)))
                assert all(edge_get(inst, f"http://{host}/new/x{i}").text == f"third /new/x{i}" for i in range(30))
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served2, strict=True)), timeout=30)
                k2 = keep.get(f"http://{ip}:{edge_port(inst, 80)}/new/k2", headers={"Host": host})
                assert k2.text == "third /new/k2"

                def local(r: httpx.Response) -> Any:
                    return r.extensions["network_stream"].get_extra_info("client_addr")
                assert local(k1)[1] > 0 and local(k1) == local(k2)     # the same connection: not dropped by the change
                keep.close()

                # the primary's probes fail (in the aznet process): every worker fails over to the backup
                b1.fail = True
                served3 = list(svc.workers.served)
                wait_for(lambda: all(edge_get(inst, f"http://{host}/f").text == "backup /f" for _ in range(10)),
                         timeout=30)
                assert all(edge_get(inst, f"http://{host}/f{i}").text == f"backup /f{i}" for i in range(30))
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served3, strict=True)), timeout=30)

                # a WAF policy linked later runs in every worker; its log records and metrics come back
                from azure.mgmt.frontdoor import FrontDoorManagementClient
                waf = inst.client(FrontDoorManagementClient).policies.begin_create_or_update("rg", "edgeWaf", {
                    "location": "Global", "sku": {"name": "Standard_AzureFrontDoor"}, "properties": {
                        "policySettings": {"enabledState": "Enabled", "mode": "Prevention"},
                        "customRules": {"rules": [
                            {"name": "BlockUS", "priority": 1, "ruleType": "MatchRule", "action": "Block",
                             "matchConditions": [{"matchVariable": "RemoteAddr", "operator": "GeoMatch",
                                                  "matchValue": ["US"]}]}]}}}).result()
                cdn.security_policies.begin_create("rg", "fd", "waf", P(parameters={
                    "type": "WebApplicationFirewall", "wafPolicy": {"id": waf.id},
                    "associations": [{"domains": [{"id": ep.id}], "patternsToMatch": ["/*"]}]})).result()
                us = {"X-Forwarded-For": "8.8.8.8"}
                served4 = list(svc.workers.served)
                wait_for(lambda: all(edge_get(inst, f"http://{host}/w", headers=us).status_code == 403 for _ in range(10)))
                assert all(edge_get(inst, f"http://{host}/w{i}", headers=us).status_code == 403 for i in range(30))
                assert edge_get(inst, f"http://{host}/ok").text == "backup /ok"
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served4, strict=True)), timeout=30)
                wait_for(lambda: len([x for x in _logs(inst, "FrontDoorWebApplicationFirewallLog")
                                      if '"BlockUS"' in x]) >= 40, timeout=30)
                wait_for(lambda: metric_total(inst, prof.id, "WebApplicationFirewallRequestCount") >= 40, timeout=30)

                # the metrics and the access log count what the workers served
                wait_for(lambda: metric_total(inst, prof.id, "RequestCount") >= 200, timeout=30)
                wait_for(lambda: len(_logs(inst, "FrontDoorAccessLog")) >= 200, timeout=30)
        finally:
            inst.stop()
        assert not any(alive(p) for p in pids)
