"""Connection draining (a removed member keeps the requests its affinity cookie binds to it while the drain
lasts; a member the probes find unhealthy shows Draining in backendHealth) and 504 when the backend does not
answer within requestTimeout."""

from __future__ import annotations

import copy

import httpx

from .support import backends, gateway, get, network, pip_address, port, wait_for

PROBE = {"name": "fast", "properties": {"protocol": "Http", "host": "127.0.0.1", "path": "/", "interval": 1,
                                        "timeout": 10, "unhealthyThreshold": 1}}


def _states(net, rg):  # type: ignore[no-untyped-def]
    h = net.application_gateways.begin_backend_health(rg, "gw").result()
    return {s.address: s.health for pool in h.backend_address_pools for coll in pool.backend_http_settings_collection
            for s in coll.servers}


def test_removed_member_keeps_affinity_bound_requests_while_draining(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("a", "b", base=50, same_port=True) as (b1, b2):
        def body_with(members, drain_seconds):  # type: ignore[no-untyped-def]
            return gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": m.host} for m in members]},
                           settings={"s": {"port": b1.port, "cookieBasedAffinity": "Enabled", "connectionDraining": {
                               "enabled": True, "drainTimeoutInSec": drain_seconds}}},
                           listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body_with((b1, b2), 600)).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        wait_for(lambda: get(f"{base}/").status_code == 200)

        def cookie_for(name: str) -> str:
            for _ in range(10):
                r = httpx.get(f"{base}/", timeout=10)
                if r.headers["x-backend"] == name:
                    return r.cookies["ApplicationGatewayAffinity"]
            raise AssertionError(f"no answer from {name}")

        bound = cookie_for("b")
        # b leaves the pool: requests bound to it by their cookie still reach it; new ones go to a only
        network_client.application_gateways.begin_create_or_update(rg, "gw", body_with((b1,), 600)).result()
        for _ in range(3):
            r = httpx.get(f"{base}/", cookies={"ApplicationGatewayAffinity": bound}, timeout=10)
            assert r.headers["x-backend"] == "b" and "set-cookie" not in r.headers
        assert {httpx.get(f"{base}/", timeout=10).headers["x-backend"] for _ in range(4)} == {"a"}
        # b back and removed again with a 1-second drain: once it is over, the cookie is re-bound to a
        network_client.application_gateways.begin_create_or_update(rg, "gw", body_with((b1, b2), 1)).result()
        bound = cookie_for("b")
        network_client.application_gateways.begin_create_or_update(rg, "gw", body_with((b1,), 1)).result()
        r = wait_for(lambda: (x := httpx.get(f"{base}/", cookies={"ApplicationGatewayAffinity": bound}, timeout=10))
                     .headers["x-backend"] == "a" and x)
        assert r.cookies["ApplicationGatewayAffinity"] != bound


def test_unhealthy_member_shows_draining_and_leaves_rotation(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("a", "b", base=51, same_port=True) as (b1, b2):
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}, {"ipAddress": b2.host}]},
                       settings={"s": {"port": b1.port, "probe": "fast",
                                       "connectionDraining": {"enabled": True, "drainTimeoutInSec": 600}}},
                       listeners=[{"name": "l"}], rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}],
                       probes=[PROBE])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        wait_for(lambda: _states(network_client, rg) == {b1.host: "Up", b2.host: "Up"})
        b2.fail = True
        wait_for(lambda: _states(network_client, rg) == {b1.host: "Up", b2.host: "Draining"})
        assert {get(f"{base}/x").text for _ in range(4)} == {"a /x"}
        # without connection draining the same member is simply Down
        plain = copy.deepcopy(body)
        plain["properties"]["backendHttpSettingsCollection"][0]["properties"].pop("connectionDraining")
        network_client.application_gateways.begin_create_or_update(rg, "gw", plain).result()
        wait_for(lambda: _states(network_client, rg) == {b1.host: "Up", b2.host: "Down"})


def test_request_timeout_answers_504(aznet, network_client, rg):
    ids = network(network_client, aznet, rg)
    with backends("slow", base=52) as (b1,):
        body = gateway(aznet, rg, "gw", ids, pools={"p": [{"ipAddress": b1.host}]},
                       settings={"s": {"port": b1.port, "requestTimeout": 1}}, listeners=[{"name": "l"}],
                       rules=[{"name": "r", "listener": "l", "pool": "p", "settings": "s"}])
        network_client.application_gateways.begin_create_or_update(rg, "gw", body).result()
        base = f"http://{pip_address(network_client, rg)}:{port(aznet, 80)}"
        wait_for(lambda: get(f"{base}/fast").status_code == 200)
        r = get(f"{base}/sleep/3")
        assert r.status_code == 504
        assert "<h1>504 Gateway Time-out</h1>" in r.text
        assert get(f"{base}/again").text == "slow /again"
