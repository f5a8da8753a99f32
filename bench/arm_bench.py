"""ARM platform benchmark: launch-to-ready, GET and PUT throughput with 50
concurrent keep-alive HTTPS clients (wrk), and a 200-resource template
deployment. The server is pinned to one core, wrk to the other.

    .venv/bin/python bench/arm_bench.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procstat import free_port  # noqa: E402

SUB = "00000000-0000-0000-0000-000000000001"
TENANT = "00000000-0000-0000-0000-0000000000aa"


def call(endpoint: str, ctx: ssl.SSLContext, method: str, path: str, body: object = None,
         token: str | None = None, form: dict[str, str] | None = None) -> tuple[int, object]:
    data = None
    headers = {}
    if form is not None:
        from urllib.parse import urlencode

        data = urlencode(form).encode()
        headers["content-type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(endpoint + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=120) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def start_server(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    aznet = Path(sys.executable).with_name("aznet")
    t0 = time.perf_counter()
    proc = subprocess.Popen(["taskset", "-c", "0", str(aznet), "up", "--port", str(port), "--data-dir",
                             str(data_dir), "--dns-port", str(free_port())],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = None
    while time.perf_counter() - t0 < 30:
        try:
            if ctx is None and (data_dir / "ca.pem").exists():
                ctx = ssl.create_default_context(cafile=str(data_dir / "ca.pem"))
            if ctx is not None:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/_aznet/health", context=ctx, timeout=1):
                    return proc, time.perf_counter() - t0
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.01)
    proc.kill()
    raise RuntimeError("aznet did not become ready in 30 s")


WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local name = "bench-" .. counter .. "-" .. math.random(1, 1000000000)
  local path = string.gsub("PATH", "NAME", name)
  return wrk.format("PUT", path, {["Content-Type"]="application/json", ["Authorization"]="Bearer TOKEN"}, 'BODY')
end
"""


def wrk(url: str, seconds: int, token: str, script: str | None = None) -> tuple[float, float]:
    """(requests/s, p99 latency in ms)."""
    cmd = ["taskset", "-c", "1", "wrk", "-t1", "-c50", f"-d{seconds}s", "--latency",
           "-H", f"Authorization: Bearer {token}"]
    tmp = None
    if script:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        tmp.write(script)
        tmp.close()
        cmd += ["-s", tmp.name]
    out = subprocess.run([*cmd, url], capture_output=True, text=True).stdout
    if tmp:
        os.unlink(tmp.name)
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"  (warning: {non2xx.group(1)} non-2xx responses)")
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)] if p99 else 0.0
    return (float(m.group(1)) if m else 0.0), p99_ms


GET_BODIES = {
    "virtualNetworks": {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
    "networkSecurityGroups": {"location": "westeurope", "properties": {}},
    "natGateways": {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {}},
}


def template_200() -> dict[str, object]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"count": {"type": "int", "defaultValue": 199}},
        "resources": [
            {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "bench-vnet",
             "location": "[resourceGroup().location]",
             "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}}},
            {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
             "name": "[format('nsg-{0}', copyIndex())]", "location": "[resourceGroup().location]",
             "copy": {"name": "nsgs", "count": "[parameters('count')]"},
             "properties": {"securityRules": [{"name": "ssh", "properties": {
                 "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                 "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
                 "destinationPortRange": "22"}}]}},
        ],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--get-type", default="virtualNetworks", choices=sorted(GET_BODIES))
    ap.add_argument("--put-type", default="networkSecurityGroups",
                    help="a Microsoft.Network type whose empty-properties PUT is valid")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="aznet-bench-"))
    # First start creates the CA and keys; measure a warm start like a developer's second launch.
    port = free_port()
    proc, first = start_server(tmp, port)
    proc.terminate()
    proc.wait()
    proc, ready = start_server(tmp, port)
    endpoint = f"https://127.0.0.1:{port}"
    ctx = ssl.create_default_context(cafile=str(tmp / "ca.pem"))
    try:
        _, tok = call(endpoint, ctx, "POST", f"/{TENANT}/oauth2/v2.0/token",
                      form={"grant_type": "client_credentials", "client_id": "b", "client_secret": "b",
                            "scope": f"{endpoint}/.default"})
        token = tok["access_token"]  # type: ignore[index]
        rg = f"/subscriptions/{SUB}/resourceGroups/bench"
        call(endpoint, ctx, "PUT", f"{rg}?api-version=2021-04-01", {"location": "westeurope"}, token)
        target = f"{rg}/providers/Microsoft.Network/{args.get_type}/t0?api-version=2024-05-01"
        status, _ = call(endpoint, ctx, "PUT", target, GET_BODIES[args.get_type], token)
        get_rps, get_p99 = wrk(f"{endpoint}{target}", args.seconds, token)
        put_path = f"{rg}/providers/Microsoft.Network/{args.put_type}/NAME?api-version=2024-05-01"
        body = json.dumps({"location": "westeurope", "properties": {}})
        put_rps, put_p99 = wrk(f"{endpoint}{put_path}", args.seconds, token,
                      WRK_SCRIPT.replace("PATH", put_path).replace("TOKEN", token).replace("BODY", body))
        call(endpoint, ctx, "PUT", f"/subscriptions/{SUB}/resourceGroups/bench-deploy?api-version=2021-04-01",
             {"location": "westeurope"}, token)
        t0 = time.perf_counter()
        dstatus, dep = call(endpoint, ctx, "PUT",
                            f"/subscriptions/{SUB}/resourceGroups/bench-deploy/providers/Microsoft.Resources/"
                            "deployments/d200?api-version=2021-04-01",
                            {"properties": {"mode": "Incremental", "template": template_200()}}, token)
        deadline = time.perf_counter() + 60
        state = (dep or {}).get("properties", {}).get("provisioningState") if isinstance(dep, dict) else None
        while dstatus < 300 and state not in ("Succeeded", "Failed", "Canceled") and time.perf_counter() < deadline:
            _, dep = call(endpoint, ctx, "GET", f"/subscriptions/{SUB}/resourceGroups/bench-deploy/providers/"
                          "Microsoft.Resources/deployments/d200?api-version=2021-04-01", None, token)
            state = dep.get("properties", {}).get("provisioningState") if isinstance(dep, dict) else None
            time.sleep(0.01)
        deploy_s = time.perf_counter() - t0
        rss = int(Path(f"/proc/{proc.pid}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'figure':<44}{'aznet':>12}{'target':>12}")
    print(f"{'first launch to ready (creates CA) [s]':<44}{first:>12.3f}{'':>12}")
    print(f"{'launch to ready [s]':<44}{ready:>12.3f}{'<= 1':>12}")
    print(f"{'GET ' + args.get_type + ', 50 clients [req/s]':<44}{get_rps:>12.0f}{'>= 3000':>12}")
    print(f"{'GET ' + args.get_type + ', 50 clients p99 [ms]':<44}{get_p99:>12.1f}{'':>12}")
    print(f"{'PUT ' + args.put_type + ', 50 clients [req/s]':<44}{put_rps:>12.0f}{'>= 1500':>12}")
    print(f"{'PUT ' + args.put_type + ', 50 clients p99 [ms]':<44}{put_p99:>12.1f}{'<= 50':>12}")
    print(f"{'200-resource template deployment [s]':<44}{deploy_s:>12.3f}{'<= 3':>12}  ({state}, HTTP {dstatus})")
    print(f"{'server RSS after the run [MiB]':<44}{rss:>12d}")
    print(f"server pinned to core 0 (taskset), wrk -t1 -c50 over HTTPS keep-alive on core 1; the {args.get_type} PUT answered", status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
