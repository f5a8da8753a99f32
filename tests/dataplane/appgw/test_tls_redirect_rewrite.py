"""HTTPS listeners with certificates from the aznet CA and SNI choosing between them (curl --resolve, Python
ssl), HTTP->HTTPS redirect, header and URL rewrites with capture groups, a sticky affinity cookie."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess

import httpx

from .support import backends, gateway, get, network, pip_address, port, signed_pfx, wait_for

PASSWORD = "Azure123456!"


def _ref(gw: str, kind: str, n: str) -> dict[str, str]:
    return {"id": f"{gw}/{kind}/{n}"}


def _peer_cn(ip: str, p: int, server_name: str, ca: str) -> str:
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection((ip, p), timeout=10) as raw, ctx.wrap_socket(raw, server_hostname=server_name) as s:
        cert = s.getpeercert()
    return dict(x[0] for x in cert["subject"])["commonName"]


def test_https_sni_chooses_between_two_certificates_and_http_redirects_to_https(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("contoso", "fabrikam", base=45) as (b1, b2):
        body = gateway(
            aznet, rg, "gw", ids, ports=(80, 443),
            pools={"c": [{"ipAddress": b1.host}], "f": [{"ipAddress": b2.host}]},
            settings={"sc": {"port": b1.port}, "sf": {"port": b2.port}},
            listeners=[{"name": "contoso", "port": 443, "protocol": "Https", "hostNames": ["www.contoso.com"],
                        "cert": "contoso"},
                       {"name": "fabrikam", "port": 443, "protocol": "Https", "hostNames": ["www.fabrikam.com"],
                        "cert": "fabrikam"},
                       {"name": "http", "port": 80}],
            rules=[{"name": "rc", "listener": "contoso", "pool": "c", "settings": "sc"},
                   {"name": "rf", "listener": "fabrikam", "pool": "f", "settings": "sf"},
                   {"name": "redirect", "listener": "http", "redirect": "to-https"}],
            sslCertificates=[{"name": "contoso", "properties": {"data": signed_pfx(aznet, "www.contoso.com"),
                                                                "password": PASSWORD}},
                             {"name": "fabrikam", "properties": {"data": signed_pfx(aznet, "www.fabrikam.com"),
                                                                 "password": PASSWORD}}],
            redirectConfigurations=lambda gw: [{"name": "to-https", "properties": {
                "redirectType": "Permanent", "targetListener": _ref(gw, "httpListeners", "contoso"),
                "includePath": True, "includeQueryString": True}}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        ip = pip_address(network_client, rg)
        p443, p80 = port(aznet, 443), port(aznet, 80)
        ca = str(aznet.ca_path)
        assert wait_for(lambda: _peer_cn(ip, p443, "www.contoso.com", ca)) == "www.contoso.com"
        assert _peer_cn(ip, p443, "www.fabrikam.com", ca) == "www.fabrikam.com"
        for host, who in (("www.contoso.com", "contoso"), ("www.fabrikam.com", "fabrikam")):
            out = subprocess.run(["curl", "-sS", "--cacert", ca, "--resolve", f"{host}:{p443}:{ip}",
                                  f"https://{host}:{p443}/hello"], capture_output=True, text=True, timeout=30)
            assert out.stdout == f"{who} /hello", out.stderr
            out = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert", ca, "--resolve",
                                  f"{host}:{p443}:{ip}", f"https://{host}:{p443}/h"],
                                 capture_output=True, text=True, timeout=30)
            line = next(x for x in out.stdout.splitlines() if x.lower().startswith("x-seen:"))
            seen = {k.lower(): v for k, v in json.loads(line.split(":", 1)[1]).items()}
            assert seen["x-forwarded-proto"] == "https" and seen["x-forwarded-port"] == "443"
        # HTTP -> HTTPS: a permanent redirect to the HTTPS listener with path and query
        r = get(f"http://{ip}:{p80}/shop/cart?item=7", headers={"Host": "www.contoso.com"})
        assert r.status_code == 301
        assert r.headers["location"] == "https://www.contoso.com/shop/cart?item=7"
        out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                              "-H", "Host: www.contoso.com", f"http://{ip}:{p80}/a?b=c"],
                             capture_output=True, text=True, timeout=30)
        assert out.stdout == "301 https://www.contoso.com/a?b=c"


def test_header_and_url_rewrites_with_capture_groups(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("app", base=46) as (b1,):
        rules = [
            {"name": "article", "ruleSequence": 100,
             "conditions": [{"variable": "var_uri_path", "pattern": "/article/([a-z]+)/([0-9]+)", "ignoreCase": True}],
             "actionSet": {"urlConfiguration": {"modifiedPath": "/newarticle",
                                                "modifiedQueryString": "section={var_uri_path_1}&id={var_uri_path_2}"},
                           "requestHeaderConfigurations": [{"headerName": "X-Section", "headerValue":
                                                            "{var_uri_path_1}"}]}},
            {"name": "headers", "ruleSequence": 200,
             "conditions": [{"variable": "http_req_User-Agent", "pattern": "tester/([0-9.]+)"}],
             "actionSet": {"requestHeaderConfigurations": [
                 {"headerName": "X-Client-IP", "headerValue": "{var_client_ip}"},
                 {"headerName": "X-Agent-Version", "headerValue": "v{http_req_User-Agent_1}"},
                 {"headerName": "X-Forwarded-For", "headerValue": "{var_client_ip}"}],
                 "responseHeaderConfigurations": [{"headerName": "X-Served-By",
                                                   "headerValue": "appgw {http_resp_X-Backend}"}]}},
        ]
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}]},
                       settings={"s": {"port": b1.port}}, listeners=[{"name": "l"}],
                       rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s", "rewrite": "rw"}],
                       rewriteRuleSets=[{"name": "rw", "properties": {"rewriteRules": rules}}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        r = wait_for(lambda: (x := get(f"{base}/Article/sports/42", headers={"User-Agent": "tester/1.5"}))
                     .status_code == 200 and x)
        assert r.text == "app /newarticle?section=sports&id=42"
        seen = {k.lower(): v for k, v in json.loads(r.headers["x-seen"]).items()}
        assert seen["x-section"] == "sports"
        assert seen["x-client-ip"] == "127.0.0.1"
        assert seen["x-agent-version"] == "v1.5"
        assert seen["x-forwarded-for"] == "127.0.0.1"          # rewritten without the port
        assert r.headers["x-served-by"] == "appgw app"
        r = get(f"{base}/plain", headers={"User-Agent": "curl"})     # no condition holds: nothing rewritten
        assert r.text == "app /plain" and "x-served-by" not in r.headers


def test_affinity_cookie_sticks(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("a", "b", base=47, same_port=True) as (b1, b2):
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}, {"ipAddress": b2.host}]},
                       settings={"s": {"port": b1.port, "cookieBasedAffinity": "Enabled"}},
                       listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        wait_for(lambda: get(f"{base}/").status_code == 200)
        # without the cookie: round robin over both members, each answer sets the cookie
        seen = set()
        for _ in range(4):
            r = httpx.get(f"{base}/", timeout=10)
            seen.add(r.headers["x-backend"])
            assert r.cookies.get("ApplicationGatewayAffinity")
        assert seen == {"a", "b"}
        with httpx.Client(timeout=10) as client:
            first = client.get(f"{base}/")
            cookie = client.cookies.get("ApplicationGatewayAffinity")
            assert cookie and len(cookie) == 32
            for _ in range(6):
                r = client.get(f"{base}/")
                assert r.headers["x-backend"] == first.headers["x-backend"]
                assert "set-cookie" not in r.headers
