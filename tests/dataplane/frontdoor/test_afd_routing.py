"""Front Door Standard/Premium carrying traffic: the endpoint host name resolves through aznet's DNS to the edge,
routes send paths to two origin groups with Azure's headers, HTTPS with the managed certificate, HTTP to HTTPS
redirect, priority failover on failing probes and recovery, a weighted split, session affinity, a custom domain
through its CNAME, and Azure's answers when no route or origin is available."""

from __future__ import annotations

import json
from datetime import timedelta

from .support import P, afd_profile, backends, curl, edge_get, resolve, wait_for


def _logs(aznet, category):  # type: ignore[no-untyped-def]
    out = []
    for p in (aznet.data_dir / "logs").glob(f"*/{category}.jsonl"):
        out += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
    return out


def _group(cdn, rg, name, origins, probe=None, **lb):  # type: ignore[no-untyped-def]
    body = {"loadBalancingSettings": {"sampleSize": 2, "successfulSamplesRequired": 1,
                                      "additionalLatencyInMilliseconds": 1000, **lb}}
    if probe is not None:
        body["healthProbeSettings"] = {"probePath": "/health", "probeRequestType": "GET", "probeProtocol": "Http",
                                       "probeIntervalInSeconds": 1, **probe}
    g = cdn.afd_origin_groups.begin_create(rg, "fd", name, {"properties": body}).result()
    for oname, b, extra in origins:
        cdn.afd_origins.begin_create(rg, "fd", name, oname, P(hostName=b.host, httpPort=b.port,
                                                              originHostHeader=f"{oname}.origin.test",
                                                              **extra)).result()
    return g.id


def test_path_routing_to_two_origin_groups_with_azures_headers(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("images", "video", base=61) as (b1, b2):
        prof = afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "web", {"location": "global"}).result()
        g1 = _group(cdn, rg, "images", [("img", b1, {})])
        g2 = _group(cdn, rg, "video", [("vid", b2, {})])
        cdn.routes.begin_create(rg, "fd", "web", "default", P(originGroup={"id": g1}, patternsToMatch=["/*"],
                                                              linkToDefaultDomain="Enabled",
                                                              forwardingProtocol="HttpOnly")).result()
        cdn.routes.begin_create(rg, "fd", "web", "video", P(originGroup={"id": g2}, patternsToMatch=["/video/*"],
                                                            linkToDefaultDomain="Enabled", originPath="/v2/",
                                                            forwardingProtocol="HttpOnly")).result()
        host = ep.host_name
        assert resolve(aznet, host) == aznet.platform.settings.frontdoor_edge_address
        r = edge_get(aznet, f"http://{host}/VIDEO/movie.mp4?x=1", headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 200 and r.text == "video /v2/movie.mp4?x=1"   # originPath + the wildcard's part
        seen = {k.lower(): v for k, v in json.loads(r.headers["x-seen"]).items()}
        assert seen["host"] == "vid.origin.test"
        assert seen["x-forwarded-host"] == host and seen["x-forwarded-proto"] == "http"
        assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
        assert seen["x-azure-fdid"] == prof.front_door_id
        assert seen["x-azure-socketip"] == "127.0.0.1" and seen["via"] == "1.1 Azure"
        assert seen["x-azure-requestchain"] == "hops=1"
        assert seen["x-azure-ref"] == r.headers["x-azure-ref"]
        assert r.headers["x-cache"] == "CONFIG_NOCACHE"
        r = edge_get(aznet, f"https://{host}/images/cat.png")          # managed certificate, aznet CA
        assert r.status_code == 200 and r.text == "images /images/cat.png"
        assert json.loads(r.headers["x-seen"])["X-Forwarded-Proto"] == "https"
        out = curl(aznet, f"https://{host}/video/clip")
        assert out.stdout == "video /v2/clip", out.stderr
        # a host the edge does not serve, and a disabled route
        r = edge_get(aznet, f"http://{host}/x", headers={"Host": "unknown.example.com"})
        assert r.status_code == 404 and "x-azure-ref" in r.headers
        cdn.routes.begin_create(rg, "fd", "web", "video", P(originGroup={"id": g2}, patternsToMatch=["/video/*"],
                                                            enabledState="Disabled")).result()
        r = edge_get(aznet, f"http://{host}/video/movie.mp4")
        assert r.text == "images /video/movie.mp4"      # the disabled route no longer matches: /* takes it


def test_https_redirect_and_protocols(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("app", base=62) as (b,):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "secure", {"location": "global"}).result()
        g = _group(cdn, rg, "app", [("app", b, {})])
        cdn.routes.begin_create(rg, "fd", "secure", "r", P(originGroup={"id": g}, patternsToMatch=["/*"],
                                                           supportedProtocols=["Http", "Https"],
                                                           httpsRedirect="Enabled",
                                                           forwardingProtocol="HttpOnly")).result()
        host = ep.host_name
        r = edge_get(aznet, f"http://{host}/login?next=/home")
        assert r.status_code == 307 and r.headers["location"] == f"https://{host}/login?next=/home"
        r = edge_get(aznet, f"https://{host}/login")
        assert r.status_code == 200 and r.text == "app /login"
        out = curl(aznet, f"http://{host}/a", "-L", "-o", "/dev/null", "-w", "%{http_code} %{url_effective}")
        assert out.stdout.startswith("200 https://"), out.stdout + out.stderr


def test_priority_failover_on_probe_failure_and_recovery(aznet, cdn, rg, resource_client):  # type: ignore[no-untyped-def]
    from azure.monitor.query import MetricsQueryClient

    from tests.network.nic_support import make_storage_account

    with backends("primary", "backup", base=63) as (b1, b2):
        prof = afd_profile(cdn, rg)
        st = make_storage_account(aznet, rg, "st" + rg[-10:])
        resource_client.resources.begin_create_or_update_by_id(
            f"{prof.id}/providers/Microsoft.Insights/diagnosticSettings/probes",
            {"properties": {"storageAccountId": st, "logs": [{"category": "FrontDoorHealthProbeLog", "enabled": True}]}},
            api_version="2021-05-01-preview").result()
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "ha", {"location": "global"}).result()
        g = _group(cdn, rg, "g", [("primary", b1, {"priority": 1}), ("backup", b2, {"priority": 2})], probe={})
        cdn.routes.begin_create(rg, "fd", "ha", "r", P(originGroup={"id": g}, patternsToMatch=["/*"])).result()
        url = f"http://{ep.host_name}/page"
        assert wait_for(lambda: edge_get(aznet, url).text == "primary /page")
        probes = b1.hits
        assert wait_for(lambda: b1.hits > probes)            # X-FD-HealthProbe GETs of /health reach the origin
        b1.fail = True                                       # its /health answers 500 from now on
        assert wait_for(lambda: edge_get(aznet, url).text == "backup /page")
        records = wait_for(lambda: [x for x in _logs(aznet, "FrontDoorHealthProbeLog")
                                    if x["properties"]["originName"] == b1.host] or None, timeout=20)
        props = records[0]["properties"]
        assert props["httpStatusCode"] == "500" and props["httpVerb"] == "GET"
        assert props["probeURL"] == f"http://primary.origin.test:{b1.port}/health"
        assert records[0]["operationName"] == "Microsoft.Cdn/Profiles/FrontDoorHealthProbeLog/Write"
        query = MetricsQueryClient(aznet.credential(), endpoint=aznet.endpoint, connection_verify=str(aznet.ca_bundle))
        res = query.query_resource(prof.id, ["OriginHealthPercentage"], timespan=timedelta(minutes=10),
                                   aggregations=["Average"], filter="Origin eq '*'")
        health = {ts.metadata_values.get("origin") or ts.metadata_values.get("Origin"):
                  [p.average for p in ts.data if p.average is not None] for ts in res.metrics[0].timeseries}
        assert min(health[b1.host]) < 100 and min(health[b2.host]) == 100, health
        b1.fail = False
        assert wait_for(lambda: edge_get(aznet, url).text == "primary /page")
        # a disabled origin leaves the rotation at once
        cdn.afd_origins.begin_create(rg, "fd", "g", "primary", P(hostName=b1.host, httpPort=b1.port, priority=1,
                                                                  enabledState="Disabled")).result()
        assert edge_get(aznet, url).text == "backup /page"


def test_weighted_split_and_session_affinity(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    with backends("heavy", "light", base=64) as (b1, b2):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "split", {"location": "global"}).result()
        g = _group(cdn, rg, "g", [("heavy", b1, {"weight": 750}), ("light", b2, {"weight": 250})])
        cdn.routes.begin_create(rg, "fd", "split", "r", P(originGroup={"id": g}, patternsToMatch=["/*"])).result()
        url = f"http://{ep.host_name}/w"
        counts = {"heavy": 0, "light": 0}
        for _ in range(200):
            counts[edge_get(aznet, url).text.split()[0]] += 1
        assert 120 <= counts["heavy"] <= 180 and counts["heavy"] + counts["light"] == 200, counts
        cdn.afd_origin_groups.begin_create(rg, "fd", "g", {"properties": {
            "loadBalancingSettings": {"sampleSize": 2, "successfulSamplesRequired": 1},
            "sessionAffinityState": "Enabled"}}).result()
        r = edge_get(aznet, url)
        cookie = r.cookies.get("ASLBSA")
        assert cookie and "ASLBSACORS" in r.headers.get_list("set-cookie")[1]
        first = r.text
        assert all(edge_get(aznet, url, cookies={"ASLBSA": cookie}).text == first for _ in range(10))


def test_custom_domain_through_its_cname(aznet, cdn, rg, resource_client):  # type: ignore[no-untyped-def]
    from azure.mgmt.dns import DnsManagementClient

    dnsc = aznet.client(DnsManagementClient)
    with backends("shop", base=65) as (b,):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "shop", {"location": "global"}).result()
        g = _group(cdn, rg, "g", [("shop", b, {})])
        dnsc.zones.create_or_update(rg, "contoso.test", {"location": "global"})
        dom = cdn.afd_custom_domains.begin_create(rg, "fd", "www", P(hostName="www.contoso.test", tlsSettings={
            "certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS12"})).result()
        cdn.routes.begin_create(rg, "fd", "shop", "r", P(originGroup={"id": g}, patternsToMatch=["/*"],
                                                         customDomains=[{"id": dom.id}], forwardingProtocol="HttpOnly",
                                                         linkToDefaultDomain="Disabled")).result()
        dnsc.record_sets.create_or_update(rg, "contoso.test", "www", "CNAME",
                                          {"ttl": 60, "cname_record": {"cname": ep.host_name}})
        assert resolve(aznet, "www.contoso.test") == aznet.platform.settings.frontdoor_edge_address
        r = edge_get(aznet, "http://www.contoso.test/cart")
        assert r.status_code == 404                     # not validated yet: the edge does not serve it
        token = cdn.afd_custom_domains.get(rg, "fd", "www").validation_properties.validation_token
        dnsc.record_sets.create_or_update(rg, "contoso.test", "_dnsauth.www", "TXT",
                                          {"ttl": 60, "txt_records": [{"value": [token]}]})
        r = edge_get(aznet, "https://www.contoso.test/cart")
        assert r.status_code == 200 and r.text == "shop /cart"
        assert json.loads(r.headers["x-seen"])["X-Forwarded-Host"] == "www.contoso.test"
        r = edge_get(aznet, f"http://{ep.host_name}/cart")
        assert r.status_code == 404                     # linkToDefaultDomain Disabled


def test_no_origin_available_is_503_with_azures_page(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    afd_profile(cdn, rg)
    ep = cdn.afd_endpoints.begin_create(rg, "fd", "down", {"location": "global"}).result()
    g = cdn.afd_origin_groups.begin_create(rg, "fd", "g", {"properties": {"loadBalancingSettings": {}}}).result()
    cdn.afd_origins.begin_create(rg, "fd", "g", "gone", P(hostName="127.0.0.1", httpPort=9)).result()
    cdn.routes.begin_create(rg, "fd", "down", "r", P(originGroup={"id": g.id}, patternsToMatch=["/*"])).result()
    r = edge_get(aznet, f"http://{ep.host_name}/", headers={"X-Azure-DebugInfo": "1"})
    assert r.status_code == 503 and "Our services aren't available right now" in r.text
    assert r.headers["x-azure-ref"] in r.text and r.headers.get("x-azure-externalerror")


def test_configuration_change_keeps_the_connection(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    import httpx

    from .support import edge_port

    with backends("blue", "green", base=74) as (b1, b2):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "swap", {"location": "global"}).result()
        g1 = _group(cdn, rg, "blue", [("blue", b1, {})])
        g2 = _group(cdn, rg, "green", [("green", b2, {})])
        cdn.routes.begin_create(rg, "fd", "swap", "r", P(originGroup={"id": g1}, patternsToMatch=["/*"])).result()
        ip = resolve(aznet, ep.host_name)
        seen: list[tuple[str, int]] = []
        with httpx.Client(timeout=10, headers={"Host": ep.host_name}) as c:
            def get() -> str:
                r = c.get(f"http://{ip}:{edge_port(aznet, 80)}/", extensions={"trace": lambda name, info: seen.append(
                    (name, 0)) if name == "connection.connect_tcp.complete" else None})
                return r.text
            assert get() == "blue /"
            cdn.routes.begin_create(rg, "fd", "swap", "r", P(originGroup={"id": g2}, patternsToMatch=["/*"])).result()
            assert get() == "green /"                   # the same keep-alive connection, the new configuration
        assert len(seen) == 1                           # one TCP connection for both requests


def test_request_bodies_and_limits_at_the_edge(aznet, cdn, rg):  # type: ignore[no-untyped-def]
    import socket

    from .support import edge_port

    with backends("api", base=75) as (b,):
        afd_profile(cdn, rg)
        ep = cdn.afd_endpoints.begin_create(rg, "fd", "api", {"location": "global"}).result()
        g = _group(cdn, rg, "g", [("api", b, {})])
        cdn.routes.begin_create(rg, "fd", "api", "r", P(originGroup={"id": g}, patternsToMatch=["/*"])).result()
        host = ep.host_name
        r = edge_get(aznet, f"http://{host}/submit", method="POST", content=b'{"order": 1}',
                     headers={"Content-Type": "application/json"})
        assert r.status_code == 200 and r.text == "api /submit"
        assert json.loads(r.headers["x-seen"])["Content-Length"] == "12"
        r = edge_get(aznet, f"http://{host}/" + "a" * 40_000)          # a URL over 32 KB
        assert r.status_code == 414 and "Application-Gateway" not in r.text and r.headers["x-azure-ref"] in r.text
        ip = resolve(aznet, host)
        with socket.create_connection((ip, edge_port(aznet, 80)), timeout=10) as s:      # not HTTP at all
            s.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 400")
