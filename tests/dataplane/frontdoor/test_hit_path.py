"""The edge's cache-hit fast path (``frontdoor.hitpath``): a plain GET hit is answered as soon as it is parsed, with
the same status, headers and body the full request path gives (only Age and X-Azure-Ref are per request), counted
in the metrics and logged in the access log; a request or a route that needs more than the cache (a Range, a
validator, the loop check, a rule set) takes the full path and still gets its full answer."""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

import pytest

from aznet.dataplane.frontdoor.service import FrontDoorService
from tests.network.nic_support import make_storage_account

from .support import P, afd_profile, backends, edge_get, edge_port, resolve, wait_for

PER_REQUEST = {"age", "x-azure-ref"}


@pytest.fixture(scope="module")
def cdn(aznet):  # type: ignore[no-untyped-def]
    from azure.mgmt.cdn import CdnManagementClient

    return aznet.client(CdnManagementClient)


class _Spy:
    """Records what the fast path decided for each request (an answer, or None: the full path)."""

    def __init__(self, svc: FrontDoorService) -> None:
        self.hits = svc.proxy.hits
        self.real = self.hits.answer
        self.seen: list[bool] = []

    def __call__(self, st: Any, conn: Any, req: Any) -> Any:
        out = self.real(st, conn, req)
        self.seen.append(out is not None)
        return out


def _logs(aznet, category):  # type: ignore[no-untyped-def]
    out = []
    for p in (aznet.data_dir / "logs").glob(f"*/{category}.jsonl"):
        out += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
    return out


def _site(cdn, rg, b, **route):  # type: ignore[no-untyped-def]
    afd_profile(cdn, rg, "fdhit")
    ep = cdn.afd_endpoints.begin_create(rg, "fdhit", "hits", {"location": "global"}).result()
    g = cdn.afd_origin_groups.begin_create(rg, "fdhit", "g", P(loadBalancingSettings={})).result()
    cdn.afd_origins.begin_create(rg, "fdhit", "g", "o", P(hostName=b.host, httpPort=b.port)).result()
    cdn.routes.begin_create(rg, "fdhit", "hits", "r", P(
        originGroup={"id": g.id}, patternsToMatch=["/*"], forwardingProtocol="HttpOnly",
        cacheConfiguration={"queryStringCachingBehavior": "IgnoreQueryString"}, **route)).result()
    return ep


def test_a_fast_hit_answers_as_the_full_path_does(aznet, cdn, rg, resource_client, monkeypatch):  # type: ignore[no-untyped-def]
    svc = aznet.platform.services.get(FrontDoorService)
    spy = _Spy(svc)
    monkeypatch.setattr(svc.proxy.hits, "answer", spy)
    with backends("hot", base=59) as (b,):
        ep = _site(cdn, rg, b)
        prof = cdn.profiles.get(rg, "fdhit")
        st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
        resource_client.resources.begin_create_or_update_by_id(
            f"{prof.id}/providers/Microsoft.Insights/diagnosticSettings/access",
            {"properties": {"storageAccountId": st, "logs": [{"category": "FrontDoorAccessLog", "enabled": True}]}},
            api_version="2021-05-01-preview").result()
        host = ep.host_name
        miss = edge_get(aznet, f"http://{host}/page?x=1")
        assert miss.headers["x-cache"] == "TCP_MISS" and spy.seen[-1] is False
        origin_hits = b.hits
        fast = edge_get(aznet, f"http://{host}/page?x=2", headers={"X-Forwarded-For": "203.0.113.9"})
        assert spy.seen[-1] is True and b.hits == origin_hits
        # a validator that does not match: the full path answers the same 200 from the cache
        full = edge_get(aznet, f"http://{host}/page", headers={"If-None-Match": '"other"'})
        assert spy.seen[-1] is False and b.hits == origin_hits
        assert fast.status_code == full.status_code == 200
        assert fast.content == full.content == b"hot /page?x=1"
        strip = [(k, v) for k, v in fast.headers.multi_items() if k not in PER_REQUEST]
        assert strip == [(k, v) for k, v in full.headers.multi_items() if k not in PER_REQUEST]
        assert fast.headers["x-cache"] == "TCP_HIT" and int(fast.headers["age"]) >= 0
        assert fast.headers["x-azure-ref"] != full.headers["x-azure-ref"]
        # the loop check, a Range: the full path
        r = edge_get(aznet, f"http://{host}/page", headers={"X-Azure-RequestChain": "hops=5"})
        assert r.status_code == 508 and spy.seen[-1] is False
        r = edge_get(aznet, f"http://{host}/page", headers={"Range": "bytes=0-2"})
        assert r.status_code == 206 and r.content == b"hot" and spy.seen[-1] is False
        # the access log has the fast hit, with its reference and client address
        ref = fast.headers["x-azure-ref"]
        rec = wait_for(lambda: next((a for a in _logs(aznet, "FrontDoorAccessLog")
                                     if a["properties"]["trackingReference"] == ref), None), timeout=20)
        props = rec["properties"]
        assert props["cacheStatus"] == "TCP_HIT" and props["httpStatusCode"] == "200"
        assert props["clientIp"] == "203.0.113.9" and props["requestUri"] == f"http://{host}/page?x=2"
        assert props["routeName"] == "r" and int(props["responseBytes"]) == len(fast.content) + sum(
            len(k) + len(v) + 4 for k, v in fast.headers.raw) + len("HTTP/1.1 200 OK\r\n\r\n")
        # the metrics count every request, the fast ones included
        reg = aznet.platform.metrics
        reg.collect()
        counts = {dict(d)["HttpStatus"]: sum(p[1][0] for p in reg.points(prof.id, "RequestCount", d, 0, 2 ** 40))
                  for d, _ in reg.keys(prof.id, "RequestCount")}
        assert counts.get("200", 0) >= 3 and counts.get("206", 0) >= 1 and counts.get("508", 0) >= 1, counts


def test_pipelined_requests_are_answered_in_order_and_close_is_honoured(aznet, cdn, rg, monkeypatch):  # type: ignore[no-untyped-def]
    svc = aznet.platform.services.get(FrontDoorService)
    spy = _Spy(svc)
    monkeypatch.setattr(svc.proxy.hits, "answer", spy)
    with backends("pipe", base=60) as (b,):
        ep = _site(cdn, rg, b)
        host = ep.host_name
        assert edge_get(aznet, f"http://{host}/a").headers["x-cache"] == "TCP_MISS"
        ip = resolve(aznet, host)
        with socket.create_connection((ip, edge_port(aznet, 80)), timeout=10) as s:
            # a hit, a miss (to the origin, answered later), a hit that must wait for it, a hit that closes
            s.sendall((f"GET /a HTTP/1.1\r\nHost: {host}\r\n\r\n"
                       f"GET /b HTTP/1.1\r\nHost: {host}\r\n\r\n"
                       f"GET /a?n=2 HTTP/1.1\r\nHost: {host}\r\n\r\n"
                       f"GET /a?n=3 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        answers = data.split(b"HTTP/1.1 ")[1:]
        assert len(answers) == 4, data
        assert [a.split(b"\r\n\r\n", 1)[1] for a in answers] == [b"pipe /a", b"pipe /b", b"pipe /a", b"pipe /a"]
        assert [b"X-Cache: TCP_HIT" in a for a in answers] == [True, False, True, True]
        assert b"Connection: close" in answers[3].split(b"\r\n\r\n", 1)[0]
        assert True in spy.seen


def test_a_route_with_a_rule_set_takes_the_full_path_on_a_hit(aznet, cdn, rg, monkeypatch):  # type: ignore[no-untyped-def]
    svc = aznet.platform.services.get(FrontDoorService)
    spy = _Spy(svc)
    monkeypatch.setattr(svc.proxy.hits, "answer", spy)
    with backends("ruled", base=53) as (b,):
        afd_profile(cdn, rg, "fdhit")
        rs = cdn.rule_sets.begin_create(rg, "fdhit", "hdr").result()
        cdn.rules.begin_create(rg, "fdhit", "hdr", "frame", P(order=1, conditions=[], actions=[
            {"name": "ModifyResponseHeader", "parameters": {
                "typeName": "DeliveryRuleHeaderActionParameters", "headerAction": "Overwrite",
                "headerName": "X-Frame-Options", "value": "DENY"}}])).result()
        ep = _site(cdn, rg, b, ruleSets=[{"id": rs.id}])
        host = ep.host_name
        assert edge_get(aznet, f"http://{host}/r").headers["x-cache"] == "TCP_MISS"
        hit = edge_get(aznet, f"http://{host}/r")
        assert hit.headers["x-cache"] == "TCP_HIT" and hit.headers["x-frame-options"] == "DENY"
        assert spy.seen[-1] is False
