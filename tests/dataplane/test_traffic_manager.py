"""Traffic Manager names over real DNS: every routing method, ECS, nesting, health-driven failover."""

from __future__ import annotations

import http.server
import random
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from typing import Any

import dns.edns
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from aznet.dataplane.dns import DnsEngine
from aznet.dataplane.trafficmanager import TrafficManager
from aznet.dataplane.trafficmanager.monitor import EndpointHealth, profile_status
from aznet.dataplane.trafficmanager.probe import loopback_only, probe
from aznet.dataplane.trafficmanager.profile import Monitor, parse_profile

from .helpers import SUB, ServerThread, a, delete, put, zone

TM = "Microsoft.Network/trafficManagerProfiles"


def endpoint(profile: str, name: str, target: str, kind: str = "externalEndpoints", **props: Any) -> dict:
    return {"id": f"{SUB}/Microsoft.Network/trafficManagerProfiles/{profile}/{kind}/{name}", "name": name,
            "type": f"{TM}/{kind}", "properties": {"target": target, "endpointStatus": "Enabled", **props}}


def profile(name: str, method: str, endpoints: list[dict], *, ttl: int = 30, monitor: dict | None = None,
            **props: Any) -> dict:
    return {"id": f"{SUB}/Microsoft.Network/trafficManagerProfiles/{name}", "name": name, "type": TM,
            "location": "global",
            "properties": {"profileStatus": "Enabled", "trafficRoutingMethod": method,
                           "dnsConfig": {"relativeName": name, "ttl": ttl},
                           "monitorConfig": monitor or {"protocol": "HTTP", "port": 80, "path": "/",
                                                        "intervalInSeconds": 30, "timeoutInSeconds": 10,
                                                        "toleratedNumberOfFailures": 3},
                           "endpoints": endpoints, **props}}


def always(**props: Any) -> dict:
    return {"alwaysServe": "Enabled", **props}


@pytest.fixture
def tm_server() -> Any:
    s = ServerThread(DnsEngine(traffic_manager=TrafficManager(rng=random.Random(7))))
    yield s
    s.stop()


def ecs_query(name: str, subnet: str, prefix: int, rtype: str = "A") -> dns.message.Message:
    return dns.message.make_query(name, rtype, use_edns=0, options=[dns.edns.ECSOption(subnet, prefix)])


def answer_of(msg: dns.message.Message) -> list[str]:
    return [rd.to_text() for r in msg.answer for rd in r]


def test_priority_answers_cname_with_profile_ttl(tm_server: ServerThread) -> None:
    tm_server.resync([profile("prio", "Priority", [
        endpoint("prio", "b", "b.example.net", priority=2, **always()),
        endpoint("prio", "a", "a.example.net", priority=1, **always())], ttl=42)])
    r = tm_server.query("prio.trafficmanager.net")
    assert r.rcode() == dns.rcode.NOERROR
    assert answer_of(r) == ["a.example.net."] and r.answer[0].rdtype == dns.rdatatype.CNAME
    assert r.answer[0].ttl == 42


def test_ip_targets_answer_addresses(tm_server: ServerThread) -> None:
    tm_server.resync([profile("ipt", "Priority", [endpoint("ipt", "a", "203.0.113.7", **always())])])
    assert answer_of(tm_server.query("ipt.trafficmanager.net", "A")) == ["203.0.113.7"]
    r = tm_server.query("ipt.trafficmanager.net", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer


def test_disabled_profile_is_nxdomain_and_disabled_endpoint_is_skipped(tm_server: ServerThread) -> None:
    body = profile("dis", "Priority", [endpoint("dis", "a", "a.example.net", priority=1, endpointStatus="Disabled",
                                                alwaysServe="Enabled"),
                                       endpoint("dis", "b", "b.example.net", priority=2, **always())])
    tm_server.resync([body])
    assert answer_of(tm_server.query("dis.trafficmanager.net")) == ["b.example.net."]
    body["properties"]["profileStatus"] = "Disabled"
    tm_server.apply(put(body))
    assert tm_server.query("dis.trafficmanager.net").rcode() == dns.rcode.NXDOMAIN
    assert tm_server.query("nosuch.trafficmanager.net").rcode() == dns.rcode.NXDOMAIN
    tm_server.apply(delete(body))
    assert tm_server.query("dis.trafficmanager.net").rcode() == dns.rcode.NXDOMAIN


def test_weighted_distribution(tm_server: ServerThread) -> None:
    tm_server.resync([profile("w", "Weighted", [endpoint("w", "x", "x.example.net", weight=1, **always()),
                                                endpoint("w", "y", "y.example.net", weight=3, **always())])])
    n = 1200
    counts = Counter(answer_of(tm_server.query("w.trafficmanager.net"))[0] for _ in range(n))
    assert set(counts) == {"x.example.net.", "y.example.net."}
    # binomial(n, 1/4): mean 300, sd 15; five sd either side
    assert 225 <= counts["x.example.net."] <= 375


def test_geographic_by_client_subnet(tm_server: ServerThread) -> None:
    tm_server.resync([profile("geo", "Geographic", [
        endpoint("geo", "eu", "eu.example.net", geoMapping=["GEO-EU"], **always()),
        endpoint("geo", "us", "us.example.net", geoMapping=["US"], **always()),
        endpoint("geo", "world", "world.example.net", geoMapping=["WORLD"], **always())])])
    cases = {"81.2.69.0": "eu.example.net.", "8.8.8.0": "us.example.net.", "1.1.1.0": "world.example.net."}
    for subnet, expected in cases.items():
        r = tm_server.udp(ecs_query("geo.trafficmanager.net", subnet, 24))
        assert answer_of(r) == [expected], subnet
        ecs = [o for o in r.options if isinstance(o, dns.edns.ECSOption)]
        assert ecs and ecs[0].scopelen == 24
    # no ECS: the loopback client is in no country, WORLD answers
    assert answer_of(tm_server.query("geo.trafficmanager.net")) == ["world.example.net."]


def test_geographic_without_a_match_is_nodata(tm_server: ServerThread) -> None:
    tm_server.resync([profile("geo2", "Geographic", [
        endpoint("geo2", "us", "us.example.net", geoMapping=["US"], **always())])])
    r = tm_server.udp(ecs_query("geo2.trafficmanager.net", "81.2.69.0", 24))
    assert r.rcode() == dns.rcode.NOERROR and not r.answer and r.authority


def test_subnet_routing_by_client_subnet(tm_server: ServerThread) -> None:
    tm_server.resync([profile("sub", "Subnet", [
        endpoint("sub", "corp", "corp.example.net", subnets=[{"first": "10.1.0.0", "scope": 16}], **always()),
        endpoint("sub", "lab", "lab.example.net", subnets=[{"first": "192.0.2.1", "last": "192.0.2.50"}],
                 **always()),
        endpoint("sub", "rest", "rest.example.net", subnets=[], **always())])])
    cases = [("10.1.2.0", 24, "corp.example.net."), ("192.0.2.10", 32, "lab.example.net."),
             ("192.0.2.60", 32, "rest.example.net."), ("203.0.113.0", 24, "rest.example.net.")]
    for subnet, prefix, expected in cases:
        assert answer_of(tm_server.udp(ecs_query("sub.trafficmanager.net", subnet, prefix))) == [expected], subnet


def test_performance_picks_the_nearest_region(tm_server: ServerThread) -> None:
    tm_server.resync([profile("perf", "Performance", [
        endpoint("perf", "eu", "eu.example.net", endpointLocation="West Europe", **always()),
        endpoint("perf", "us", "us.example.net", endpointLocation="eastus", **always())])])
    assert answer_of(tm_server.udp(ecs_query("perf.trafficmanager.net", "81.2.69.0", 24))) == ["eu.example.net."]
    assert answer_of(tm_server.udp(ecs_query("perf.trafficmanager.net", "8.8.8.0", 24))) == ["us.example.net."]


def test_multivalue(tm_server: ServerThread) -> None:
    v4 = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    eps = [endpoint("mv", f"e{i}", ip, **always()) for i, ip in enumerate(v4)]
    eps.append(endpoint("mv", "v6", "2001:db8::5", **always()))
    tm_server.resync([profile("mv", "MultiValue", eps, maxReturn=3)])
    got = answer_of(tm_server.query("mv.trafficmanager.net", "A"))
    assert len(got) == 3 and set(got) <= set(v4)
    assert answer_of(tm_server.query("mv.trafficmanager.net", "AAAA")) == ["2001:db8::5"]


def test_nested_profile(tm_server: ServerThread) -> None:
    child = profile("child", "Priority", [endpoint("child", "c", "c.example.net", **always())])
    parent = profile("parent", "Priority", [
        endpoint("parent", "n", "child.trafficmanager.net", kind="nestedEndpoints", priority=1,
                 targetResourceId=child["id"], minChildEndpoints=1),
        endpoint("parent", "fallback", "fallback.example.net", priority=2, **always())])
    tm_server.resync([child, parent])
    r = tm_server.query("parent.trafficmanager.net")
    assert [(str(x.name), x[0].to_text()) for x in r.answer] == [
        ("parent.trafficmanager.net.", "child.trafficmanager.net."), ("child.trafficmanager.net.", "c.example.net.")]
    # the child loses its only endpoint: the nested endpoint is Degraded, the parent falls back
    child["properties"]["endpoints"][0]["properties"]["endpointStatus"] = "Disabled"
    tm_server.apply(put(child))
    assert answer_of(tm_server.query("parent.trafficmanager.net")) == ["fallback.example.net."]


def test_vnet_view_follows_tm_cname_into_zones(tm_server: ServerThread) -> None:
    tm_server.resync([zone("contoso.com"), a("contoso.com", "app", "10.2.3.4"),
                      profile("pv", "Priority", [endpoint("pv", "a", "app.contoso.com", **always())])])
    ep = tm_server.run(tm_server.shell.add_vnet(f"{SUB}/Microsoft.Network/virtualNetworks/v1"))
    r = tm_server.udp(dns.message.make_query("pv.trafficmanager.net", "A"), port=ep.port)
    assert answer_of(r) == ["app.contoso.com.", "10.2.3.4"]
    # public (authoritative) view: the CNAME only
    assert answer_of(tm_server.query("pv.trafficmanager.net")) == ["app.contoso.com."]


def test_alias_record_set_to_profile(tm_server: ServerThread) -> None:
    prof = profile("al", "Priority", [endpoint("al", "a", "203.0.113.9", **always())])
    from .helpers import record_set
    tm_server.resync([zone("contoso.com"), prof,
                      record_set("contoso.com", "A", "@", {"TTL": 60, "targetResource": {"id": prof["id"]}}),
                      record_set("contoso.com", "CNAME", "www", {"TTL": 60, "targetResource": {"id": prof["id"]}})])
    assert answer_of(tm_server.query("contoso.com", "A")) == ["203.0.113.9"]
    assert answer_of(tm_server.query("www.contoso.com", "CNAME")) == ["al.trafficmanager.net."]
    prof["properties"]["endpoints"][0]["properties"]["target"] = "203.0.113.10"
    tm_server.apply(put(prof))
    assert answer_of(tm_server.query("contoso.com", "A")) == ["203.0.113.10"]


@pytest.mark.skipif(shutil.which("dig") is None, reason="dig not installed")
def test_dig_with_client_subnet(tm_server: ServerThread) -> None:
    tm_server.resync([profile("dg", "Geographic", [
        endpoint("dg", "eu", "eu.example.net", geoMapping=["GEO-EU"], **always()),
        endpoint("dg", "w", "w.example.net", geoMapping=["WORLD"], **always())])])
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(tm_server.port), "+short", "+subnet=81.2.69.0/24",
                          "dg.trafficmanager.net"], capture_output=True, text=True, timeout=10).stdout.split()
    assert out == ["eu.example.net."]


# --- health ----------------------------------------------------------------------------------------

def test_endpoint_health_state_machine() -> None:
    h = EndpointHealth()
    assert h.status == "CheckingEndpoint"
    assert h.record(True, 2) and h.status == "Online"
    assert not h.record(False, 2) and not h.record(False, 2) and h.status == "Online"
    assert h.record(False, 2) and h.status == "Degraded"
    assert h.record(True, 2) and h.status == "Online"
    p = parse_profile(profile("s", "Priority", []))
    assert p is not None
    assert profile_status(p, ["Online", "Degraded"]) == "Online"
    assert profile_status(p, ["Degraded", "Degraded"]) == "Degraded"
    assert profile_status(p, ["CheckingEndpoint", "Degraded"]) == "CheckingEndpoints"
    assert profile_status(p, ["Disabled"]) == "Inactive"


def test_probes_never_leave_loopback() -> None:
    import asyncio
    assert loopback_only("127.0.0.5") == "127.0.0.5" and loopback_only("::1") == "::1"
    assert loopback_only("192.0.2.1") is None and loopback_only("10.0.0.1") is None
    mon = Monitor(protocol="TCP", port=9, timeout=5)
    t0 = time.monotonic()
    assert asyncio.run(probe(mon, "192.0.2.1", "192.0.2.1")) is False
    assert time.monotonic() - t0 < 1            # refused without trying to connect
    tm = TrafficManager(hosts={"mapped.test": "127.0.0.9", "outside.test": "198.51.100.1"})
    assert tm.resolve_target("mapped.test") == "127.0.0.9"
    assert tm.resolve_target("outside.test") is None
    assert tm.resolve_target("8.8.8.8") is None and tm.resolve_target("localhost") == "127.0.0.1"


class _Http:
    """A tiny HTTP server on a loopback address; stop() and start() again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.httpd: http.server.ThreadingHTTPServer | None = None
        self.paths: list[str] = []

    def start(self) -> None:
        paths = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                paths.append(f"{self.path} {self.headers.get('Host')} {self.headers.get('X-Probe')}")
                body = b"ok"
                self.send_response(200 if self.path == "/health" else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


def _shared_port(hosts: list[str]) -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind((hosts[0], 0))
            port = s.getsockname()[1]
        try:
            for h in hosts[1:]:
                with socket.socket() as s:
                    s.bind((h, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no common free port")


def _wait_for(fn: Any, expected: str, deadline: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if fn() == expected:
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"answer did not become {expected} within {deadline} s (is {fn()})")


def test_priority_failover_with_real_probes(tm_server: ServerThread) -> None:
    hosts = ["127.0.0.2", "127.0.0.3"]
    port = _shared_port(hosts)
    primary, secondary = _Http(hosts[0], port), _Http(hosts[1], port)
    primary.start()
    secondary.start()
    interval, tolerated, ttl = 1, 1, 1
    body = profile("fo", "Priority", [
        endpoint("fo", "primary", "primary.contoso.com", priority=1),
        endpoint("fo", "secondary", "secondary.contoso.com", priority=2)],
        ttl=ttl, monitor={"protocol": "HTTP", "port": port, "path": "/health", "intervalInSeconds": interval,
                          "timeoutInSeconds": 1, "toleratedNumberOfFailures": tolerated,
                          "customHeaders": [{"name": "X-Probe", "value": "aznet"}]})
    changes: list[str] = []
    tm = tm_server.engine.traffic_manager
    assert tm is not None
    tm_server.call(lambda: tm.monitor.on_status_change(changes.append))
    try:
        tm_server.resync([zone("contoso.com"), a("contoso.com", "primary", hosts[0]),
                          a("contoso.com", "secondary", hosts[1]), body])

        def current() -> str:
            return answer_of(tm_server.query("fo.trafficmanager.net"))[0]

        def statuses() -> dict:
            return tm_server.call(lambda: tm.monitor.status(body["id"]))

        _wait_for(lambda: statuses()["profileMonitorStatus"], "Online", 5)
        assert current() == "primary.contoso.com."
        assert any(p.startswith("/health primary.contoso.com aznet") for p in primary.paths)
        bound = interval * (tolerated + 1) + ttl + 1.5      # + one probe timeout and scheduling slack
        primary.stop()
        _wait_for(current, "secondary.contoso.com.", bound)
        st = statuses()
        assert st["endpoints"][body["properties"]["endpoints"][0]["id"]] == "Degraded"
        assert st["endpoints"][body["properties"]["endpoints"][1]["id"]] == "Online"
        assert st["profileMonitorStatus"] == "Online"
        assert body["id"] in changes
        primary.start()
        _wait_for(current, "primary.contoso.com.", interval * 2 + ttl + 1.5)
    finally:
        primary.stop()
        secondary.stop()


def test_non_loopback_target_is_degraded_and_never_probed(tm_server: ServerThread) -> None:
    body = profile("far", "Priority", [endpoint("far", "a", "192.0.2.44", priority=1),
                                       endpoint("far", "b", "127.0.0.1", priority=2)],
                   monitor={"protocol": "TCP", "port": 9, "intervalInSeconds": 1, "timeoutInSeconds": 1,
                            "toleratedNumberOfFailures": 0})
    tm_server.resync([body])
    tm = tm_server.engine.traffic_manager
    assert tm is not None
    eid = body["properties"]["endpoints"][0]["id"]
    _wait_for(lambda: tm_server.call(lambda: tm.monitor.status(body["id"]))["endpoints"][eid], "Degraded", 5)
