"""A deployment interrupted by a crash does not stay Running: at startup it becomes Failed with an error
saying a restart interrupted it; cancel and DELETE work on a Running record no worker deploys; and the
template redeploys. The crash is real: `kill -9` of an `aznet up` process during a 3,000-resource deployment."""

from __future__ import annotations

import signal
import ssl
import time
from typing import Any

import httpx

from aznet.arm import crud
from aznet.resourcemanager.deployment_workers import INTERRUPTED, fail_interrupted

from .test_cli_and_store import SUB, Proc, put_rg

API = {"api-version": "2021-04-01"}
COUNT = 3000
PER_LOOP = 750          # the engine's copy limit is 800 per loop


def big_template(count: int = COUNT) -> dict[str, Any]:
    loops = [{"type": "Microsoft.Network/routeTables", "apiVersion": "2024-05-01",
              "name": f"[concat('rt{j}-', copyIndex())]", "location": "westeurope",
              "copy": {"name": f"tables{j}", "count": min(PER_LOOP, count - j * PER_LOOP)}, "properties": {}}
             for j in range((count + PER_LOOP - 1) // PER_LOOP)]
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": loops}


def dep_url(rg: str, name: str) -> str:
    return f"/subscriptions/{SUB}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}"


def count_all(c: httpx.Client, url: str, params: dict[str, str]) -> int:
    n = 0
    resp = c.get(url, params=params).json()
    while True:
        n += len(resp["value"])
        if not resp.get("nextLink"):
            return n
        resp = c.get(resp["nextLink"]).json()


def wait_done(c: httpx.Client, url: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = c.get(url, params=API).json()
        if body["properties"]["provisioningState"] not in ("Accepted", "Running"):
            return body
        time.sleep(0.1)
    raise AssertionError("the deployment did not finish")


def test_kill_9_during_a_3000_resource_deployment_then_restart_and_redeploy(tmp_path):
    data = tmp_path / "d"
    p = Proc(data)
    try:
        with p.authed() as c:
            assert put_rg(c, "big").status_code == 201
            r = c.put(dep_url("big", "d1"), params=API,
                      json={"properties": {"mode": "Incremental", "template": big_template()}})
            assert r.status_code == 201, r.text
            # kill as soon as the deployment has written its first resources
            deadline = time.time() + 30
            while c.get(f"{dep_url('big', 'd1')}/operations", params=API).json()["value"] == []:
                assert time.time() < deadline
            p.stop(signal.SIGKILL)
    finally:
        p.stop(signal.SIGKILL)
    p2 = Proc(data)
    try:
        with p2.authed() as c:
            body = c.get(dep_url("big", "d1"), params=API).json()
            props = body["properties"]
            assert props["provisioningState"] == "Failed"
            assert props["error"]["code"] == INTERRUPTED
            assert "restart" in props["error"]["message"]
            tables = f"/subscriptions/{SUB}/resourcegroups/big/providers/Microsoft.Network/routeTables"
            kept = count_all(c, tables, {"api-version": "2024-05-01"})
            assert 0 < kept < COUNT                     # what was deployed before the crash stays
            status = c.get(f"{dep_url('big', 'd1')}/operationStatuses/x", params=API).json()
            assert status["status"] == "Failed"
            # it is not running, so cancel is refused as ARM refuses it for a finished deployment
            assert c.post(f"{dep_url('big', 'd1')}/cancel", params=API).status_code == 409
            r = c.put(dep_url("big", "d1"), params=API,
                      json={"properties": {"mode": "Incremental", "template": big_template()}})
            assert r.status_code == 200, r.text
            assert wait_done(c, dep_url("big", "d1"))["properties"]["provisioningState"] == "Succeeded"
            assert count_all(c, tables, {"api-version": "2024-05-01"}) == COUNT
            assert count_all(c, f"{dep_url('big', 'd1')}/operations", API) == COUNT
            assert c.delete(dep_url("big", "d1"), params=API).status_code == 202
            assert c.get(dep_url("big", "d1"), params=API).status_code == 404
    finally:
        p2.stop()


# -- the same rules in-process: records a crash left Running, at both scopes -----------------------------

def _stale(aznet: Any, rid: str, scope: str) -> None:
    """Write a deployment record as a crashed process leaves it: Running, with no worker."""
    def write() -> None:
        p = aznet.platform
        txn = p.store.transaction()
        body = {"id": rid, "name": rid.rsplit("/", 1)[-1], "type": "Microsoft.Resources/deployments",
                "location": "westeurope",
                "properties": {"provisioningState": "Running", "timestamp": "2026-01-01T00:00:00.000000Z",
                               "mode": "Incremental", "parameters": {}, "duration": "PT0S"},
                crud.PRIVATE: {"template": {"resources": []}}}
        txn.put(rid, "Microsoft.Resources/deployments", None, scope.lower(), body)
        p.store.commit(txn)
    aznet.call(write)


def _client(aznet: Any) -> httpx.Client:
    cred = aznet.credential()
    tok = cred.get_token(f"{aznet.endpoint}/.default").token
    return httpx.Client(base_url=aznet.endpoint, verify=ssl.create_default_context(cafile=str(aznet.ca_bundle)), timeout=30,
                        headers={"Authorization": f"Bearer {tok}"})


def test_startup_fails_stale_deployments_at_group_and_subscription_scope(aznet, rg):
    sub = aznet.subscription_id
    group_dep = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/stale-rg"
    sub_dep = f"/subscriptions/{sub}/providers/Microsoft.Resources/deployments/stale-sub-{rg}"
    _stale(aznet, group_dep, f"/subscriptions/{sub}/resourceGroups/{rg}")
    _stale(aznet, sub_dep, f"/subscriptions/{sub}")
    assert aznet.call(fail_interrupted, aznet.platform) >= 2       # what startup runs
    with _client(aznet) as c:
        for url in (group_dep, sub_dep):
            props = c.get(url, params=API).json()["properties"]
            assert props["provisioningState"] == "Failed"
            assert props["error"]["code"] == INTERRUPTED
        # a redeploy of the subscription-scope one now succeeds (it was a 409 DeploymentActive before)
        r = c.put(sub_dep, params=API, json={"location": "westeurope", "properties": {
            "mode": "Incremental", "template": {"$schema": "https://schema.management.azure.com/schemas/"
                                                           "2018-05-01/subscriptionDeploymentTemplate.json#",
                                                "contentVersion": "1.0.0.0", "resources": []}}})
        assert r.status_code == 200, r.text
        assert wait_done(c, sub_dep)["properties"]["provisioningState"] == "Succeeded"
        assert c.delete(sub_dep, params=API).status_code == 202


def test_cancel_and_delete_work_when_no_worker_runs(aznet, rg):
    sub = aznet.subscription_id
    base = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Resources/deployments"
    _stale(aznet, f"{base}/orphan-a", f"/subscriptions/{sub}/resourceGroups/{rg}")
    _stale(aznet, f"{base}/orphan-b", f"/subscriptions/{sub}/resourceGroups/{rg}")
    with _client(aznet) as c:
        assert c.post(f"{base}/orphan-a/cancel", params=API).status_code == 204
        assert c.get(f"{base}/orphan-a", params=API).json()["properties"]["provisioningState"] == "Canceled"
        assert c.delete(f"{base}/orphan-b", params=API).status_code == 202
        assert c.get(f"{base}/orphan-b", params=API).status_code == 404


def test_operation_records_neither_block_deletes_nor_outlive_their_deployment(aznet, rg):
    from aznet.resourcemanager.deployment_resources import OPERATION_TYPE

    sub = aznet.subscription_id
    dep = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/ops"
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [
                    {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet1",
                     "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}},
                     "resources": [{"type": "subnets", "apiVersion": "2024-05-01", "name": "sub1",
                                    "dependsOn": ["vnet1"], "properties": {"addressPrefix": "10.1.0.0/24"}}]}]}

    def op_records() -> int:
        return len([r for r in aznet.platform.store.of_type(OPERATION_TYPE) if r.scope == dep.lower()])
    with _client(aznet) as c:
        assert c.put(dep, params=API, json={"properties": {"mode": "Incremental", "template": template}}
                     ).status_code == 201
        done = wait_done(c, dep)["properties"]
        assert done["provisioningState"] == "Succeeded", done.get("error")
        assert count_all(c, f"{dep}/operations", API) == 2
        assert aznet.call(op_records) == 2
        subnet = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/sub1"
        r = c.delete(subnet, params={"api-version": "2024-05-01"})
        assert r.status_code in (200, 202), r.text
        assert c.delete(dep, params=API).status_code == 202
        assert aznet.call(op_records) == 0
