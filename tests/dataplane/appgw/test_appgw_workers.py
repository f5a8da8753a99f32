"""Application gateway worker processes (AZNET_APPGW_WORKERS): two workers share the frontends with SO_REUSEPORT;
requests spread over them and all succeed (HTTP and HTTPS), a configuration change reaches every worker, a backend
the probes (in the aznet process) find down leaves the rotation in the workers, the access log and the metrics
count what the workers served, and no worker outlives aznet."""

from __future__ import annotations

import json
import os
import signal
import ssl
import tempfile
from pathlib import Path
from typing import Any

import httpx

from aznet.testing.harness import start_in_thread
from aznet.testing.pytest_plugin import worker_pools
from tests.dataplane.worker_support import alive, metric_total
from tests.network.nic_support import rid

from .support import backends, gateway, network, pip_address, port, signed_pfx, wait_for
from .waf_support import firewall_logs, logged


def test_two_workers_serve_follow_changes_and_health_and_report(tmp_path: Path) -> None:
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    with tempfile.TemporaryDirectory(prefix="aznet-agw-") as tmp:
        inst = start_in_thread(Path(tmp), appgw_workers=2, **worker_pools())
        try:
            svc = inst.platform.services["appgw"]
            assert svc.workers is not None and len(svc.workers.pids) == 2
            pids = list(svc.workers.pids)
            assert all(alive(p) for p in pids)
            inst.client(ResourceManagementClient).resource_groups.create_or_update("rg", {"location": "westeurope"})
            net = inst.client(NetworkManagementClient)
            ids = network(net, inst, "rg")
            pfx = signed_pfx(inst, "www.contoso.com")
            probe = {"name": "fast", "properties": {"protocol": "Http", "host": "127.0.0.1", "path": "/",
                                                    "interval": 1, "timeout": 10, "unhealthyThreshold": 2}}
            with backends("one", "two", base=47, same_port=True) as (b1, b2):
                def body(**extra: Any) -> dict[str, Any]:
                    return gateway(inst, "rg", "gw", ids, pools={"p": [{"ipAddress": b1.host}, {"ipAddress": b2.host}]},
                                   settings={"s": {"port": b1.port, "probe": "fast"}},
                                   listeners=[{"name": "l80"}, {"name": "l443", "port": 443, "protocol": "Https",
                                                                "cert": "c"}],
                                   rules=[{"name": "r80", "listener": "l80", "pool": "p", "settings": "s"},
                                          {"name": "r443", "listener": "l443", "pool": "p", "settings": "s"}],
                                   ports=(80, 443), probes=[probe],
                                   sslCertificates=[{"name": "c", "properties": {"data": pfx,
                                                                                  "password": "Azure123456!"}}],
                                   **extra)
                gw = net.application_gateways.begin_create_or_update("rg", "gw", body()).result()
                firewall_logs(inst, net, "rg", gw.id)
                ip = pip_address(net, "rg")
                http, https = f"http://{ip}:{port(inst, 80)}", f"https://{ip}:{port(inst, 443)}"
                wait_for(lambda: httpx.get(f"{http}/x", timeout=10).status_code == 200)
                served0 = list(svc.workers.served)

                # every request answered, by both backends, over new connections spread across the workers
                got = [httpx.get(f"{http}/a{i}", timeout=10) for i in range(40)]
                assert all(r.status_code == 200 for r in got)
                assert {r.headers["x-backend"] for r in got} == {"one", "two"}
                ctx = ssl.create_default_context(cafile=str(inst.data_dir / "ca.pem"))
                tls = []
                for i in range(20):
                    with httpx.Client(verify=ctx, timeout=10) as c:
                        tls.append(c.get(f"{https}/t{i}", headers={"Host": "www.contoso.com"},
                                         extensions={"sni_hostname": "www.contoso.com"}))
                assert all(r.status_code == 200 and r.text.startswith(("one /t", "two /t")) for r in tls)
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served0, strict=True)), timeout=30)

                # the metrics and the access log count what the workers served
                wait_for(lambda: metric_total(inst, gw.id, "TotalRequests") >= 61, timeout=30)
                wait_for(lambda: len([x for x in logged(inst, gw.id, "ApplicationGatewayAccessLog")
                                      if x["properties"]["requestUri"].startswith(("/a", "/t"))]) >= 60, timeout=30)

                # a configuration change (a path map sending /only-two/* to the second backend) reaches every worker;
                # a keep-alive connection opened before it stays open and sees it
                # httpx drops a pooled connection idle for 5 s by default: on a busy machine the steps below take longer,
                # and the same-connection check would then see the client's new connection, not the server's doing
                keep = httpx.Client(timeout=10, limits=httpx.Limits(keepalive_expiry=600))
                before = keep.get(f"{http}/only-two/k1")
                assert before.status_code == 200

                def current() -> float:         # CurrentConnections: the workers' open connections, summed here
                    def read() -> float:
                        reg = inst.platform.metrics
                        reg.collect()
                        now = reg.now_minute()
                        last = [acc[4] for dims, _kind in reg.keys(gw.id, "CurrentConnections")
                                for _m, acc in reg.points(gw.id, "CurrentConnections", dims, now - 1, now + 1)]
                        return last[-1] if last else 0.0
                    return float(inst.call(read))
                wait_for(lambda: current() >= 1, timeout=30)
                gwid = rid(inst, "rg", "applicationGateways", "gw")

                def ref(kind: str, n: str) -> dict[str, str]:
                    return {"id": f"{gwid}/{kind}/{n}"}
                changed = body(urlPathMaps=[{"name": "paths", "properties": {
                    "defaultBackendAddressPool": ref("backendAddressPools", "p"),
                    "defaultBackendHttpSettings": ref("backendHttpSettingsCollection", "s"),
                    "pathRules": [{"name": "two", "properties": {
                        "paths": ["/only-two/*"], "backendAddressPool": ref("backendAddressPools", "p2"),
                        "backendHttpSettings": ref("backendHttpSettingsCollection", "s")}}]}}])
                # (the new pool's member is a name in aznet's DNS, which only the aznet process runs)
                from azure.mgmt.dns import DnsManagementClient
                dnsc = inst.client(DnsManagementClient)
                dnsc.zones.create_or_update("rg", "backends.test", {"location": "global"})
                dnsc.record_sets.create_or_update("rg", "backends.test", "two", "A",
                                                  {"ttl": 60, "a_records": [{"ipv4_address": b2.host}]})
                changed["properties"]["backendAddressPools"].append(
                    {"name": "p2", "properties": {"backendAddresses": [{"fqdn": "two.backends.test"}]}})
                changed["properties"]["requestRoutingRules"][0]["properties"] = {
                    "ruleType": "PathBasedRouting", "priority": 100, "httpListener": ref("httpListeners", "l80"),
                    "urlPathMap": ref("urlPathMaps", "paths")}
                net.application_gateways.begin_create_or_update("rg", "gw", changed).result()
                served1 = list(svc.workers.served)
                wait_for(lambda: all(httpx.get(f"{http}/only-two/w{i}", timeout=10).headers.get("x-backend") == "two"
                                     for i in range(10)))
                got = [httpx.get(f"{http}/only-two/x{i}", timeout=10) for i in range(30)]
                assert all(r.status_code == 200 and r.headers["x-backend"] == "two" for r in got)
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served1, strict=True)), timeout=30)
                after = keep.get(f"{http}/only-two/k2")
                assert after.headers["x-backend"] == "two"
                assert json.loads(after.headers["x-seen"])["X-Forwarded-For"] == \
                    json.loads(before.headers["x-seen"])["X-Forwarded-For"]       # the same client port: not dropped
                keep.close()
                wait_for(lambda: current() == 0, timeout=30)   # and it goes when the connection does

                # a backend the probes find failing leaves the rotation in every worker
                b1.fail = True
                wait_for(lambda: svc.health and all(
                    st.state == "Down" for k, st in svc.health.items() if k[3] == b1.host), timeout=30)
                served2 = list(svc.workers.served)
                wait_for(lambda: all(httpx.get(f"{http}/z", timeout=10).headers.get("x-backend") == "two"
                                     for _ in range(10)))
                got = [httpx.get(f"{http}/after{i}", timeout=10) for i in range(30)]
                assert all(r.status_code == 200 and r.headers["x-backend"] == "two" for r in got)
                wait_for(lambda: all(n > m for n, m in zip(svc.workers.served, served2, strict=True)), timeout=30)

                # a worker that dies is replaced, with the whole state: every request still answered, by both
                os.kill(pids[0], signal.SIGKILL)
                wait_for(lambda: svc.workers.respawned == 1 and svc.workers.pids[0] != pids[0], timeout=30)
                pids.append(svc.workers.pids[0])
                served3 = list(svc.workers.served)

                def both_serve() -> bool:
                    for _ in range(20):
                        r = httpx.get(f"{http}/r", timeout=10)
                        assert r.status_code == 200 and r.headers["x-backend"] == "two", r
                    return all(n > m for n, m in zip(svc.workers.served, served3, strict=True))
                wait_for(both_serve, timeout=60)
                got = [httpx.get(f"{http}/again{i}", timeout=10) for i in range(20)]
                assert all(r.status_code == 200 and r.headers["x-backend"] == "two" for r in got)
        finally:
            inst.stop()
        # no worker outlives aznet
        assert not any(alive(p) for p in pids)


def test_workers_exit_when_aznet_is_killed(tmp_path: Path) -> None:
    """kill -9 of `aznet up --appgw-workers 1 --frontdoor-workers 1` (no chance to stop anything): its workers go
    too (PR_SET_PDEATHSIG, pipe EOF)."""
    import signal
    import subprocess
    import sys

    from tests.dataplane.lb.support import wait_for as poll

    pools = worker_pools()
    env = {**os.environ, "AZNET_DATA_DIR": str(tmp_path / "d"), "AZNET_PORT": "0", "AZNET_DNS_PORT": "0",
           "AZNET_PUBLIC_IP_POOL": pools["public_ip_pool"], "AZNET_FRONTDOOR_EDGE_ADDRESS": pools["frontdoor_edge_address"]}
    proc = subprocess.Popen([sys.executable, "-m", "aznet.cli.main", "up", "--appgw-workers", "1",
                             "--frontdoor-workers", "1"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        def children() -> list[int]:
            out = []
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        with open(f"/proc/{d}/stat") as f:
                            mine = int(f.read().rsplit(")", 1)[1].split()[1]) == proc.pid
                        with open(f"/proc/{d}/cmdline", "rb") as f:
                            if mine and b"spawn_main" in f.read():      # a worker (not the resource tracker)
                                out.append(int(d))
                    except (OSError, ValueError, IndexError):
                        continue
            return out
        kids = poll(lambda: (k := children()) and len(k) == 2 and (tmp_path / "d" / "server.json").exists() and k,
                    timeout=120)
        assert all(alive(k) for k in kids)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        poll(lambda: not any(alive(k) for k in kids), timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
