"""The WAF on the hot path (``fastpath.py``): a WAF_v2 gateway's requests take it once the policy is compiled, and
get what the general path gives them: the same bytes to the backend and to the client for a request the WAF
passes, the same 403 for one it blocks (which never reaches the backend), the same WAF metrics."""

from __future__ import annotations

import socket

from aznet.dataplane.appgw.service import AppGatewayService

from .support import gateway, network, pip_address, port, wait_for
from .test_fastpath import TRACE, _send, echo, raw_backend
from .waf_support import SQLI, WAF_SKU, policy


def _waf_gateway(aznet, network_client, rg, host, port_):  # type: ignore[no-untyped-def]
    pol = policy(network_client, rg, "hotwaf")
    ids = network(network_client, aznet, rg)
    body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": host}]}, settings={"s": {"port": port_}},
                   listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}],
                   sku=WAF_SKU, firewallPolicy={"id": pol.id})
    gw = network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
    return gw, pip_address(network_client, rg), port(aznet, 80)


def test_waf_gateway_requests_take_the_hot_path_with_the_same_verdicts(aznet, network_client, rg):
    hits: list[bytes] = []

    def backend(n: int, req: bytes) -> bytes | None:
        hits.append(req)
        return echo(n, req)
    with raw_backend("127.0.70.9", backend) as bport:
        gw, ip, fport = _waf_gateway(aznet, network_client, rg, "127.0.70.9", bport)
        svc = aznet.platform.services.get(AppGatewayService)
        assert svc is not None

        def answered() -> bool:       # the policy compiles off the loop (the first of a process: seconds)
            with socket.create_connection((ip, fport), timeout=30) as s, s.makefile("rb") as f:
                return _send(s, f, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n").startswith(b"HTTP/1.1 201")
        wait_for(answered, timeout=120)
        aznet.call(svc.proxy.upstream.close)   # no kept-alive backend connection: the first request opens one
        benign = (b"GET /products?id=42&name=O%27Brien%20shoes HTTP/1.1\r\nHost: shop.example\r\n"
                  b"User-Agent: Mozilla/5.0\r\nAccept: text/html\r\nCookie: theme=dark\r\n\r\n")
        attack = b"GET %s HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n" % SQLI.encode()
        for raw in (benign, attack):
            answers = []
            with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
                for i in range(2):              # the first opens a backend connection (general path), then hot
                    if i:
                        assert _send(sock, f, b"GET /prime HTTP/1.1\r\nHost: h\r\n\r\n").startswith(b"HTTP/1.1 201")
                    before, seen = svc.fastpath.taken, len(hits)
                    answers.append(_send(sock, f, raw))
                    answers.append(b"%d %d" % (svc.fastpath.taken - before, len(hits) - seen))
                # a blocked request leaves the client's and the backend's connections usable
                assert _send(sock, f, b"GET /after HTTP/1.1\r\nHost: h\r\n\r\n").startswith(b"HTTP/1.1 201")
                aznet.call(svc.proxy.upstream.close)
            slow, slow_n, fast, fast_n = answers
            if raw is benign:
                assert (slow_n, fast_n) == (b"0 1", b"1 1")
                assert fast.startswith(b"HTTP/1.1 201") and TRACE.search(fast)
            else:
                assert (slow_n, fast_n) == (b"0 0", b"1 0")          # blocked: the backend never saw it
                assert fast.startswith(b"HTTP/1.1 403 Forbidden") and b"Microsoft-Azure-Application-Gateway/v2" in fast
            assert TRACE.sub(rb"\1-", slow) == TRACE.sub(rb"\1-", fast)

        # a policy change applies to the hot path too: in Detection the attack passes (and reaches the backend)
        policy(network_client, rg, "hotwaf", mode="Detection")

        def passes() -> bool:
            with socket.create_connection((ip, fport), timeout=10) as sock, sock.makefile("rb") as f:
                _send(sock, f, b"GET /prime HTTP/1.1\r\nHost: h\r\n\r\n")
                before = svc.fastpath.taken
                ok = _send(sock, f, attack).startswith(b"HTTP/1.1 201")
                return ok and svc.fastpath.taken - before == 1
        wait_for(passes, timeout=60)

        # the WAF metrics count the hot path's verdicts as the general path's (through the metrics API)
        from azure.mgmt.monitor import MonitorManagementClient
        mon = aznet.client(MonitorManagementClient)

        def by_action() -> dict[str, float]:
            res = mon.metrics.list(gw.id, metricnames="AzwafTotalRequests", aggregation="Total",
                                   filter="Action eq '*'")
            return {ts.metadatavalues[0].value: sum(d.total or 0 for d in ts.data)
                    for m in res.value for ts in m.timeseries if ts.metadatavalues}
        actions = wait_for(lambda: (x := by_action()).get("Blocked", 0) >= 2 and x)
        assert actions["Blocked"] == 2.0
        assert actions.get("Allowed", 0) >= 4.0 and actions.get("Detected", 0) >= 1.0
