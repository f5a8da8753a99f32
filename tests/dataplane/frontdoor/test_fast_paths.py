"""The edge's fast paths (``frontdoor.fastpath``). A plain GET hit is answered as soon as it is parsed
(``hitpath``), with the same status, headers and body the full request path gives (only Age and X-Azure-Ref are
per request), counted in the metrics and logged in the access log; a request or a route that needs more than the
cache (a Range, a validator, the loop check, a rule set) takes the full path and still gets its full answer. A
request on a route without caching goes to the origin from the parser's callback (``passpath``): the origin sees
the headers the full path sends and the client gets the answer the full path gives, in order when pipelined."""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

from aznet.dataplane.frontdoor.service import FrontDoorService
from tests.network.nic_support import make_storage_account

from .support import Backend, P, afd_profile, backends, edge_get, edge_port, resolve, wait_for

PER_REQUEST = {"age", "x-azure-ref"}


class _Spy:
    """Records what the fast paths decided for each request (taken, or False: the full path)."""

    def __init__(self, svc: FrontDoorService) -> None:
        self.real = svc.proxy.fast.take
        self.seen: list[bool] = []

    def __call__(self, st: Any, conn: Any, req: Any) -> bool:
        taken = self.real(st, conn, req)
        self.seen.append(taken)
        return taken


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
    monkeypatch.setattr(svc.proxy.fast, "take", spy)
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
    monkeypatch.setattr(svc.proxy.fast, "take", spy)
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
    monkeypatch.setattr(svc.proxy.fast, "take", spy)
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


def _exchange(ip: str, port: int, raw: bytes) -> list[bytes]:
    """Send ``raw`` (requests, the last one closing) and split what comes back into answers."""
    with socket.create_connection((ip, port), timeout=10) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return [b"HTTP/1.1 " + a for a in data.split(b"HTTP/1.1 ")[1:]]


def _head_and_body(answer: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.lower(): v for k, _, v in (line.partition(": ") for line in lines)}, body


def test_a_fast_pass_sends_and_answers_as_the_full_path_does(aznet, cdn, rg, monkeypatch):  # type: ignore[no-untyped-def]
    svc = aznet.platform.services.get(FrontDoorService)
    spy = _Spy(svc)
    monkeypatch.setattr(svc.proxy.fast, "take", spy)
    with backends("pass", base=54) as (b,):
        afd_profile(cdn, rg, "fdpass")
        ep = cdn.afd_endpoints.begin_create(rg, "fdpass", "pass", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fdpass", "g", P(loadBalancingSettings={})).result()
        cdn.afd_origins.begin_create(rg, "fdpass", "g", "o", P(hostName=b.host, httpPort=b.port,
                                                                originHostHeader="origin.test")).result()
        cdn.routes.begin_create(rg, "fdpass", "pass", "r", P(originGroup={"id": g.id}, patternsToMatch=["/api/*"],
                                                             originPath="/v1", forwardingProtocol="HttpOnly")).result()
        host = ep.host_name
        ip, port = resolve(aznet, host), edge_port(aznet, 80)
        hdrs = (f"Host: {host}\r\nX-Forwarded-For: 198.51.100.7\r\nX-Azure-DebugInfo: 1\r\nX-FD-Secret: no\r\n"
                "Connection: close\r\n")
        before = len(spy.seen)
        (fast,) = _exchange(ip, port, f"GET /api/users?id=3 HTTP/1.1\r\n{hdrs}\r\n".encode())
        (full,) = _exchange(ip, port, f"GET http://{host}/api/users?id=3 HTTP/1.1\r\n{hdrs}\r\n".encode())
        assert spy.seen[before:] == [True, False]         # origin form: the fast path; absolute form: the full path
        (fh, fb), (gh, gb) = _head_and_body(fast), _head_and_body(full)
        assert fast.startswith(b"HTTP/1.1 200 ") and full.startswith(b"HTTP/1.1 200 ")
        assert fb == gb == b"pass /v1/users?id=3"
        assert fh.keys() == gh.keys() and fh["x-cache"] == "CONFIG_NOCACHE" and fh["connection"] == "close"
        assert fh["x-azure-originstatuscode"] == "200"
        seen_fast, seen_full = json.loads(fh["x-seen"]), json.loads(gh["x-seen"])
        for k in ("X-Azure-Ref", "X-Seen"):
            seen_fast.pop(k, None)
            seen_full.pop(k, None)
        assert seen_fast == seen_full
        assert seen_fast["Host"] == "origin.test" and "X-FD-Secret" not in seen_fast
        assert seen_fast["X-Forwarded-For"].startswith("198.51.100.7, ") and seen_fast["X-Azure-ClientIP"] == "198.51.100.7"
        assert seen_fast["X-Forwarded-Host"] == host and seen_fast["X-Azure-RequestChain"] == "hops=1"
        # pipelined: the first goes the fast way, the POST behind it waits its turn
        before = len(spy.seen)
        first, post = _exchange(ip, port, (f"GET /api/a HTTP/1.1\r\nHost: {host}\r\n\r\n"
                                           f"POST /api/upload HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\n"
                                           "Connection: close\r\n\r\nhello").encode())
        assert spy.seen[before:before + 1] == [True]
        assert _head_and_body(first)[1] == b"pass /v1/a"
        ph, pb = _head_and_body(post)
        assert pb == b"pass /v1/upload" and ph.get("connection") == "close"
        # an origin that cannot be reached: Azure's 503 from the fast path, with the reason on debug
        cdn.afd_origins.begin_create(rg, "fdpass", "g", "o", P(hostName="127.0.0.1", httpPort=1,
                                                                originHostHeader="origin.test")).result()
        r = edge_get(aznet, f"http://{host}/api/x", headers={"X-Azure-DebugInfo": "1"})
        assert r.status_code == 503 and r.headers["x-azure-ref"] in r.text and r.headers.get("x-azure-externalerror")
        assert spy.seen[-1] is True


def test_a_fast_pass_to_an_https_origin(aznet, cdn, rg, monkeypatch):  # type: ignore[no-untyped-def]
    """HttpsOnly forwarding takes the pass fast path too: TLS to the origin with the name check against the origin
    host header, kept-alive connections reused, the same answer as the full path, and Azure's 503 when the origin's
    certificate does not name the origin host header (until enforceCertificateNameCheck is off)."""
    import ssl

    from aznet.dataplane.frontdoor.certs import EdgeCerts

    svc = aznet.platform.services.get(FrontDoorService)
    spy = _Spy(svc)
    monkeypatch.setattr(svc.proxy.fast, "take", spy)
    cert, key = EdgeCerts(aznet.data_dir).managed_pem("app.origin.test")     # signed by the aznet CA
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    b = Backend("tls", "127.0.91.1", tls=ctx)
    try:
        afd_profile(cdn, rg, "fdtls")
        ep = cdn.afd_endpoints.begin_create(rg, "fdtls", "tls", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fdtls", "g", P(loadBalancingSettings={})).result()
        cdn.afd_origins.begin_create(rg, "fdtls", "g", "o", P(hostName=b.host, httpsPort=b.port,
                                                               originHostHeader="app.origin.test")).result()
        cdn.routes.begin_create(rg, "fdtls", "tls", "r", P(originGroup={"id": g.id}, patternsToMatch=["/*"],
                                                           forwardingProtocol="HttpsOnly")).result()
        host = ep.host_name
        ip, port = resolve(aznet, host), edge_port(aznet, 80)
        before = len(spy.seen)
        first = edge_get(aznet, f"http://{host}/a?x=1")
        opened = svc.proxy.upstream.open
        for i in range(3):
            assert edge_get(aznet, f"http://{host}/b{i}").text == f"tls /b{i}"
        assert svc.proxy.upstream.open == opened          # the kept-alive TLS connection served them
        assert spy.seen[before:] == [True] * 4
        assert first.status_code == 200 and first.text == "tls /a?x=1"
        seen = json.loads(first.headers["x-seen"])
        assert seen["Host"] == "app.origin.test" and seen["X-Forwarded-Proto"] == "http"
        hdrs = f"Host: {host}\r\nX-Azure-DebugInfo: 1\r\nConnection: close\r\n"
        before = len(spy.seen)
        (fast,) = _exchange(ip, port, f"GET /c HTTP/1.1\r\n{hdrs}\r\n".encode())
        (full,) = _exchange(ip, port, f"GET http://{host}/c HTTP/1.1\r\n{hdrs}\r\n".encode())
        assert spy.seen[before:] == [True, False]
        (fh, fb), (gh, gb) = _head_and_body(fast), _head_and_body(full)
        assert fb == gb == b"tls /c" and fh.keys() == gh.keys() and fh["x-azure-originstatuscode"] == "200"
        seen_fast, seen_full = json.loads(fh["x-seen"]), json.loads(gh["x-seen"])
        for k in ("X-Azure-Ref", "X-Seen"):
            seen_fast.pop(k, None)
            seen_full.pop(k, None)
        assert seen_fast == seen_full
        # the certificate names app.origin.test, not the new origin host header: 503 from the fast path
        cdn.afd_origins.begin_create(rg, "fdtls", "g", "o", P(hostName=b.host, httpsPort=b.port,
                                                               originHostHeader="wrong.origin.test")).result()
        r = edge_get(aznet, f"http://{host}/d", headers={"X-Azure-DebugInfo": "1"})
        assert r.status_code == 503 and "x-azure-externalerror" in r.headers and spy.seen[-1] is True
        cdn.afd_origins.begin_create(rg, "fdtls", "g", "o", P(hostName=b.host, httpsPort=b.port,
                                                               originHostHeader="wrong.origin.test",
                                                               enforceCertificateNameCheck=False)).result()
        r = edge_get(aznet, f"http://{host}/e")
        assert r.status_code == 200 and r.text == "tls /e" and spy.seen[-1] is True
    finally:
        b.close()


def test_a_fast_pass_with_session_affinity_sets_and_follows_the_cookies(aznet, cdn, rg, monkeypatch):  # type: ignore[no-untyped-def]
    """An origin group with session affinity takes the pass fast path: the first answer sets ASLBSA and ASLBSACORS
    as the full path does (same headers), a request carrying the cookie goes to the origin it names and gets no
    new cookie, and a cookie naming no origin of the group is replaced."""
    svc = aznet.platform.services.get(FrontDoorService)
    spy = _Spy(svc)
    monkeypatch.setattr(svc.proxy.fast, "take", spy)
    with backends("one", "two", base=92) as (b1, b2):
        afd_profile(cdn, rg, "fdaff")
        ep = cdn.afd_endpoints.begin_create(rg, "fdaff", "aff", {"location": "global"}).result()
        g = cdn.afd_origin_groups.begin_create(rg, "fdaff", "g", P(loadBalancingSettings={},
                                                                   sessionAffinityState="Enabled")).result()
        for name, b in (("one", b1), ("two", b2)):
            cdn.afd_origins.begin_create(rg, "fdaff", "g", name, P(hostName=b.host, httpPort=b.port)).result()
        cdn.routes.begin_create(rg, "fdaff", "aff", "r", P(originGroup={"id": g.id}, patternsToMatch=["/*"],
                                                           forwardingProtocol="HttpOnly")).result()
        host = ep.host_name
        ip, port = resolve(aznet, host), edge_port(aznet, 80)
        before = len(spy.seen)
        (fast,) = _exchange(ip, port, f"GET /a HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        (full,) = _exchange(ip, port, f"GET http://{host}/a HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                            .encode())
        assert spy.seen[before:] == [True, False]
        fast_cookies = [line for line in fast.split(b"\r\n\r\n")[0].split(b"\r\n") if line.startswith(b"Set-Cookie")]
        full_cookies = [line for line in full.split(b"\r\n\r\n")[0].split(b"\r\n") if line.startswith(b"Set-Cookie")]
        assert len(fast_cookies) == len(full_cookies) == 2
        assert fast_cookies[1].endswith(b"; Path=/; SameSite=None; Secure") and b"ASLBSACORS=" in fast_cookies[1]
        assert _head_and_body(fast)[0].keys() == _head_and_body(full)[0].keys()
        r = edge_get(aznet, f"http://{host}/b")
        cookie = r.cookies.get("ASLBSA")
        assert cookie and spy.seen[-1] is True
        first = r.text.split()[0]
        for _ in range(6):
            again = edge_get(aznet, f"http://{host}/c", cookies={"ASLBSA": cookie})
            assert again.text.split()[0] == first and "set-cookie" not in again.headers and spy.seen[-1] is True
        stale = edge_get(aznet, f"http://{host}/d", cookies={"ASLBSA": "0" * 64})
        assert stale.cookies.get("ASLBSA") not in (None, "0" * 64) and spy.seen[-1] is True
