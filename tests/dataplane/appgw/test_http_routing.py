"""An application gateway carrying HTTP to local services: path-based routing, multi-site by Host, Azure's
headers, probes taking a failing backend out with backendHealth saying why, the 502 page, a custom error page."""

from __future__ import annotations

import json

import httpx

from tests.network.nic_support import rid

from .support import backends, gateway, get, network, pip_address, port, wait_for


def _probe(name: str = "fast", **kw: object) -> dict[str, object]:
    """A probe every second; a generous timeout, so a healthy backend in this (loaded) test process is not
    taken for a failing one — the failures the tests make are refusals and 500s, answered at once."""
    return {"name": name, "properties": {"protocol": "Http", "host": "127.0.0.1", "path": "/", "interval": 1,
                                         "timeout": 10, "unhealthyThreshold": 2, **kw}}


def _path_gateway(aznet, rg, ids, b1, b2, **extra):  # type: ignore[no-untyped-def]
    def path_maps(gw: str) -> list[dict[str, object]]:
        def ref(kind: str, n: str) -> dict[str, str]:
            return {"id": f"{gw}/{kind}/{n}"}
        return [{"name": "paths", "properties": {
            "defaultBackendAddressPool": ref("backendAddressPools", "images"),
            "defaultBackendHttpSettings": ref("backendHttpSettingsCollection", "s-images"),
            "pathRules": [
                {"name": "video", "properties": {"paths": ["/video/*"],
                                                 "backendAddressPool": ref("backendAddressPools", "video"),
                                                 "backendHttpSettings": ref("backendHttpSettingsCollection", "s-video")}},
                {"name": "images", "properties": {"paths": ["/images/*"],
                                                  "backendAddressPool": ref("backendAddressPools", "images"),
                                                  "backendHttpSettings": ref("backendHttpSettingsCollection", "s-images")}},
            ]}}]
    return gateway(aznet, rg, "gw", ids,
                   pools={"images": [{"ipAddress": b1.host}], "video": [{"ipAddress": b2.host}]},
                   settings={"s-images": {"port": b1.port, "probe": "fast"},
                             "s-video": {"port": b2.port, "probe": "fast"}},
                   listeners=[{"name": "l80"}],
                   rules=[{"name": "r", "listener": "l80", "pathMap": "paths"}],
                   probes=[_probe()], urlPathMaps=path_maps, **extra)


def test_path_based_routing_to_two_local_services_with_azures_headers(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("images", "video", base=41) as (b1, b2):
        network_client.application_gateways.begin_create_or_update(rg, "gw", _path_gateway(aznet, rg, ids, b1, b2)).result()
        ip = pip_address(network_client, rg)
        base = f"http://{ip}:{port(aznet, 80)}"
        r = wait_for(lambda: (x := get(f"{base}/video/movie.mp4")).status_code == 200 and x)
        assert r.text == "video /video/movie.mp4"
        r = get(f"{base}/IMAGES/cat.png")            # Azure's path rules are case-insensitive
        assert r.text == "images /IMAGES/cat.png"
        r = get(f"{base}/other?x=1", headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.text == "images /other?x=1"          # the path map's default
        seen = {k.lower(): v for k, v in json.loads(r.headers["x-seen"]).items()}
        assert seen["x-forwarded-proto"] == "http"
        assert seen["x-forwarded-port"] == "80"
        assert seen["x-original-host"] == (ip if port(aznet, 80) == 80 else f"{ip}:{port(aznet, 80)}")
        first, client = [p.strip() for p in seen["x-forwarded-for"].split(",")]
        assert first == "203.0.113.9"
        cip, cport = client.rsplit(":", 1)
        assert cip == "127.0.0.1" and cport.isdigit()
        assert len(seen["x-appgw-trace-id"]) == 32
        # curl through the gateway too
        import subprocess
        out = subprocess.run(["curl", "-s", f"{base}/video/x"], capture_output=True, text=True, timeout=30)
        assert out.stdout == "video /video/x"


def test_multi_site_by_host_with_wildcards(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("contoso", "fabrikam", "fallback", base=42) as (b1, b2, b3):
        body = gateway(aznet, rg, "gw", ids,
                       pools={"c": [{"ipAddress": b1.host}], "f": [{"ipAddress": b2.host}],
                              "d": [{"ipAddress": b3.host}]},
                       settings={"sc": {"port": b1.port}, "sf": {"port": b2.port}, "sd": {"port": b3.port}},
                       listeners=[{"name": "basic"}, {"name": "contoso", "hostNames": ["www.contoso.com"]},
                                  {"name": "fabrikam", "hostNames": ["*.fabrikam.com", "fabrikam.c?m"]}],
                       rules=[{"name": "rd", "listener": "basic", "pool": "d", "settings": "sd", "priority": 300},
                              {"name": "rc", "listener": "contoso", "pool": "c", "settings": "sc", "priority": 10},
                              {"name": "rf", "listener": "fabrikam", "pool": "f", "settings": "sf", "priority": 20}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"

        def via(host: str) -> str:
            r = get(f"{base}/", headers={"Host": host})
            assert r.status_code == 200, r.text
            return r.headers["x-backend"]
        wait_for(lambda: via("www.contoso.com") == "contoso")
        assert via("WWW.Contoso.com:80") == "contoso"
        assert via("shop.fabrikam.com") == "fabrikam"
        assert via("fabrikam.com") == "fabrikam"
        assert via("www.example.org") == "fallback"


def test_failing_backend_leaves_rotation_and_backend_health_says_why(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("one", "two", base=43) as (b1, b2):
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}, {"ipAddress": b2.host}]},
                       settings={"s": {"port": b1.port, "probe": "fast"}}, listeners=[{"name": "l"}],
                       rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}], probes=[_probe()])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        # two is not listening on one's port: it fails its probes (connection refused) and leaves rotation
        health = wait_for(lambda: _server_states(network_client, rg, {"Up", "Down"}))
        down = health[b2.host]
        assert down[0] == "Down"
        assert down[1].startswith("Cannot connect to backend server.")
        assert health[b1.host][0] == "Up" and health[b1.host][1] == "Success. Received 200 status code"
        assert {get(f"{base}/x").text for _ in range(6)} == {"one /x"}
        # a 500 from the only healthy member: after the threshold it is Down too, with the status code in the log
        b1.fail = True
        health = wait_for(lambda: _server_states(network_client, rg, {"Down"}))
        assert "Received invalid status code: 500" in health[b1.host][1]
        assert "200-399" in health[b1.host][1]
        # on-demand probe gives the same answer
        gw = rid(aznet, rg, "applicationGateways", "gw")
        od = network_client.application_gateways.begin_backend_health_on_demand(rg, "gw", {
            "protocol": "Http", "path": "/", "timeout": 5,
            "backendAddressPool": {"id": f"{gw}/backendAddressPools/p"},
            "backendHttpSettings": {"id": f"{gw}/backendHttpSettingsCollection/s"}}).result()
        states = {s.address: s.health for s in od.backend_health_http_settings.servers}
        assert states == {b1.host: "Down", b2.host: "Down"}
        # all down: Azure's 502 page
        r = get(f"{base}/x")
        assert r.status_code == 502
        assert "<h1>502 Bad Gateway</h1>" in r.text
        assert "Microsoft-Azure-Application-Gateway/v2" in r.text
        assert r.headers["server"] == "Microsoft-Azure-Application-Gateway/v2"
        b1.fail = False
        wait_for(lambda: get(f"{base}/x").text == "one /x")


def _server_states(net, rg, want):  # type: ignore[no-untyped-def]
    h = net.application_gateways.begin_backend_health(rg, "gw").result()
    out = {}
    for pool in h.backend_address_pools:
        for coll in pool.backend_http_settings_collection:
            for s in coll.servers:
                out[s.address] = (s.health, s.health_probe_log)
    return out if {v[0] for v in out.values()} == want else None


def test_custom_error_page_for_502(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("pages", base=44) as (pages,):
        url = f"http://{pages.host}:{pages.port}/error.html"
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": "127.0.44.200"}]},
                       settings={"s": {"port": 9, "probe": "fast"}},
                       listeners=[{"name": "l", "errors": [{"statusCode": "HttpStatus502", "customErrorPageUrl": url}]}],
                       rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}], probes=[_probe()])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"

        def custom() -> bool:
            r = httpx.get(f"{base}/", timeout=10)
            return r.status_code == 502 and r.text == "<html>custom error page of pages</html>"
        wait_for(custom)


def test_request_limits_answered_with_azures_status(aznet, network_client, rg):
    import socket

    ids = network(network_client, aznet, rg)
    with backends("app", base=48) as (b1,):
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}]}, settings={"s": {"port": b1.port}},
                       listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        ip, p = pip_address(network_client, rg), port(aznet, 80)
        base = f"http://{ip}:{p}"
        wait_for(lambda: get(f"{base}/").status_code == 200)
        assert get(f"{base}/" + "a" * 33 * 1024).status_code == 414               # URL over 32 KB
        big = {f"X-H{i}": "v" * 1000 for i in range(40)}                           # headers over 32 KB
        assert get(f"{base}/", headers=big).status_code == 400
        assert get(f"{base}/" + "a" * 1000).text == "app /" + "a" * 1000           # below the limits: proxied
        # a body over the limit (AZNET_APPGW_MAX_BODY; no WAF): 413
        svc = aznet.platform.services.get("appgw")
        old = svc.max_body
        for st in svc.sockets.values():
            st.max_body = 1024
        try:
            r = httpx.post(f"{base}/", content=b"x" * 4096, timeout=10)
            assert r.status_code == 413 and "413 Request Entity Too Large" in r.text
            assert httpx.post(f"{base}/", content=b"x" * 100, timeout=10).text == "app /"
        finally:
            for st in svc.sockets.values():
                st.max_body = old
        # a request that is not HTTP: 400 and the connection closes
        with socket.create_connection((ip, p), timeout=10) as s:
            s.sendall(b"\x16\x03\x01 not http\r\n\r\n")
            answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400 Bad Request") and b"Microsoft-Azure-Application-Gateway/v2" in answer


def test_waf_hook_answers_403_with_the_custom_page(aznet, network_client, rg):
    """The request path's WAF seam (now the real WAF, ``appgw/waf.py``): judged before a backend is chosen;
    a WAF 403 without a custom block body gets the gateway's custom 403 page."""
    from .waf_support import WAF_SKU, header_condition, policy
    ids = network(network_client, aznet, rg)
    with backends("app", "pages", base=49) as (b1, pages):
        url = f"http://{pages.host}:{pages.port}/error.html"
        pol = policy(network_client, rg, "hookpol", custom=[
            {"name": "attack", "priority": 1, "ruleType": "MatchRule", "action": "Block",
             "matchConditions": [header_condition("X-Attack", "Equal", "1")]}])
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}]}, settings={"s": {"port": b1.port}},
                       listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}],
                       customErrorConfigurations=[{"statusCode": "HttpStatus403", "customErrorPageUrl": url}],
                       sku=WAF_SKU, firewallPolicy={"id": pol.id})
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        wait_for(lambda: get(f"{base}/ok?a=1").text == "app /ok?a=1", timeout=120)
        r = wait_for(lambda: (x := get(f"{base}/x", headers={"X-Attack": "1"})).text != "" and
                     "custom error page" in x.text and x)
        assert r.status_code == 403 and r.text == "<html>custom error page of pages</html>"
        assert "/x" not in b1.paths                  # judged before the backend (its health probes still reach it)


def test_configuration_change_keeps_established_connections(aznet, network_client, rg):
    """A keep-alive connection opened before a PUT carries the next request with the new configuration."""
    ids = network(network_client, aznet, rg)
    with backends("old", "new", base=52) as (b1, b2):
        def body(b):  # type: ignore[no-untyped-def]
            return gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b.host}]},
                           settings={"s": {"port": b.port}}, listeners=[{"name": "l"}],
                           rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body(b1)).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        with httpx.Client(timeout=10) as client:
            wait_for(lambda: client.get(f"{base}/").text == "old /")
            svc = aznet.platform.services.get("appgw")
            before = [c for st in svc.sockets.values() for c in st.conns]      # references: ids cannot be reused
            network_client.application_gateways.begin_create_or_update(rg, "gw", body(b2)).result()
            assert client.get(f"{base}/").text == "new /"
            # the same client connection carried both requests
            assert any(c in st.conns and not c.closing for st in svc.sockets.values() for c in before)


def test_backend_health_belongs_to_its_own_platform(aznet, network_client, rg):
    """Two aznet platforms in one process (as in tests and tools): a second one starting and stopping leaves the
    first one's backendHealth answers alone (the source is looked up on the request's platform, not a global)."""
    import tempfile
    from pathlib import Path

    from aznet.testing.harness import start_in_thread
    from aznet.testing.pytest_plugin import worker_pools

    ids = network(network_client, aznet, rg)
    with backends("one", base=44) as (b1,):
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}]},
                       settings={"s": {"port": b1.port, "probe": "fast"}}, listeners=[{"name": "l"}],
                       rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}], probes=[_probe()])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        assert wait_for(lambda: _server_states(network_client, rg, {"Up"}))[b1.host][0] == "Up"
        with tempfile.TemporaryDirectory(prefix="aznet-second-") as tmp:
            start_in_thread(Path(tmp), **worker_pools()).stop()
        health = _server_states(network_client, rg, {"Up"})
        assert health is not None and health[b1.host] == ("Up", "Success. Received 200 status code")
