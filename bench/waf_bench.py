"""WAF benchmark: Application Gateway WAF_v2 (Prevention, OWASP 3.2 = CRS 3.3.4 at PL1) beside nginx + ModSecurity
v3 + the same CRS files at PL1 (SecRuleEngine On), both proxying to the same backend, in one run.

    .venv/bin/python bench/waf_bench.py [--seconds 10] [--connections 32] [--workers 1]

Traffic: the benign corpus and the attack mix of aznet.testing.waf_corpus (every request in turn;
attacks are about 45% of requests, so blocking is exercised as much as passing).

Figures:
- engine level (aznet only, one core, in process, no sockets): WafPolicy.evaluate per request, benign and
  attack (requests/s, p50/p99); a cold variant where every request carries values never seen before (a
  query argument and a cookie with a counter), so the engine's cross-request caches cannot help; and how many
  regex/pattern operator calls a benign request still makes in Python (after the Hyperscan prefilter and the
  caches);
- end to end over loopback HTTP/1.1 keep-alive, wrk -t2 with a Lua script cycling through the same requests:
  * aznet: `aznet up` in its own process (serving HTTP itself with --workers 1, else with AZNET_APPGW_WORKERS
    worker processes); through its ARM API a WAF policy
    (ApplicationGatewayWebApplicationFirewallPolicies: Enabled, Prevention, OWASP 3.2) and a WAF_v2 application
    gateway linking it (firewallPolicy), HTTP listener on port 80, a pool of the three backends;
  * nginx + ModSecurity v3 (Debian's libnginx-mod-http-modsecurity, modsecurity-crs 3.3.4 at PL1,
    `--workers` worker processes), proxy_pass with keep-alive to the same three backends;
  * the backends: one HAProxy process answering 200 on 127.200.0.{1,2,3}:8080 (fast C backends);
  requests/s and latency p50/p99 from wrk, and each server's CPU time per request (user+system seconds of its
  process tree during the run / requests served: less sensitive to other load on a shared machine); detection: the share of the attack mix each blocks (403), and
  benign requests each blocks (and how many each answers 2xx/3xx: nginx answers 400 to the corpus's
  `GET /help/faq#shipping`, a fragment in the request target, before ModSecurity sees it).
Needs: apt-get install nginx libnginx-mod-http-modsecurity modsecurity-crs haproxy wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wrkrun  # noqa: E402
from appgw_bench import start_backends  # noqa: E402
from lb_bench import BACKENDS, Aznet  # noqa: E402
from modsec_nginx import ModSecNginx, available, send_raw  # noqa: E402
from procstat import cpu_seconds  # noqa: E402

from aznet.dataplane.waf.policy import WafPolicy, compile_policy  # noqa: E402
from aznet.dataplane.waf.request import HttpRequest  # noqa: E402
from aznet.testing import waf_corpus as wc  # noqa: E402

POLICY_PROPS = {"policySettings": {"state": "Enabled", "mode": "Prevention"},
                "managedRules": {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]},
                "customRules": []}
POLICY = {"properties": POLICY_PROPS}
LOC = "westeurope"


def mix() -> list[wc.Request]:
    out: list[wc.Request] = []
    benign = wc.benign()
    attacks = [r for _, r in wc.attacks()]
    for i in range(max(len(benign), len(attacks))):
        if i < len(benign):
            out.append(benign[i])
        if i < len(attacks):
            out.append(attacks[i])
    return out


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


def _fresh(reqs: list[wc.Request], start: int, n: int) -> list[HttpRequest]:
    """The requests, each with a query argument and a cookie never seen before (cold caches)."""
    out = []
    for i in range(start, start + n):
        m, t, h, b = reqs[i % len(reqs)]
        t = t + ("&" if "?" in t else "?") + f"n{i}=v{i * 7919}"
        h = [(k, v + f"; c{i}=x{i * 31}" if k.lower() == "cookie" else v) for k, v in h]
        if not any(k.lower() == "cookie" for k, _ in h):
            h = h + [("Cookie", f"c{i}=x{i * 31}")]
        out.append(HttpRequest(m, t, "HTTP/1.1", h, b))
    return out


COUNTED = ("rx", "pm", "pmfromfile", "pmf", "detectsqli", "detectxss")


def operator_calls(policy: WafPolicy, reqs: list[HttpRequest], warm: bool = False) -> float:
    """Calls of regex / phrase / libinjection operators per request (each link's operator wrapped, then restored);
    ``warm``: after one pass over the requests (the cold figures before may have filled and emptied the memory)."""
    assert policy.settings is not None and policy.settings.plan is not None
    if warm:
        for r in reqs:
            policy.evaluate(r)
    calls = {"n": 0}
    saved = []
    for rule in policy.settings.plan.rules():
        for link in rule.links():
            if link.op.name in COUNTED and all(link.op is not op for op, _ in saved):
                fn = link.op.fn

                def counting(value: str, tx: Any, _fn: Any = fn) -> Any:
                    calls["n"] += 1
                    return _fn(value, tx)
                saved.append((link.op, fn))
                link.op.fn = counting
    try:
        for r in reqs:
            policy.evaluate(r)
    finally:
        for op, fn in saved:
            op.fn = fn
    return calls["n"] / len(reqs)


def engine_level(policy: WafPolicy, seconds: float) -> dict[str, float]:
    benign = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    attacks = [HttpRequest(m, t, "HTTP/1.1", h, b) for _, (m, t, h, b) in wc.attacks()]
    out: dict[str, float] = {}
    for r in benign + attacks:           # warm (as a gateway is after its first requests)
        policy.evaluate(r)
    fresh = 0
    for label, reqs in (("benign", benign), ("attack", attacks), ("benign, cold", None)):
        lat: list[float] = []
        end = time.perf_counter() + seconds / 3
        while time.perf_counter() < end:
            batch = reqs
            if batch is None:
                batch = _fresh(wc.benign(), fresh, 200)
                fresh += 200
            for r in batch:
                t0 = time.perf_counter()
                policy.evaluate(r)
                lat.append(time.perf_counter() - t0)
        total = sum(lat)
        out[label] = len(lat) / total
        print(f"  aznet engine, {label:12s}: {len(lat) / total:8.0f} req/s on one core, "
              f"p50 {_pct(lat, 0.5) * 1e6:6.0f} us, p99 {_pct(lat, 0.99) * 1e6:6.0f} us")
    assert policy.settings is not None and policy.settings.plan is not None
    links = sum(1 for r in policy.settings.plan.rules() for link in r.links() if link.op.name in COUNTED)
    warm = operator_calls(policy, benign, warm=True)
    cold = operator_calls(policy, _fresh(wc.benign(), 10**6, len(benign)))
    print(f"  a benign request calls {warm:.1f} (cold: {cold:.1f}) @rx/@pm/@detectSQLi/@detectXSS operators in Python; "
          f"the policy has {links} such rule links (the rest are ruled out by the Hyperscan prefilter or answered "
          "from the engine's caches)")
    return out


# -- end to end --------------------------------------------------------------------------------------------------------
def build_waf_gateway(az: Aznet) -> str:
    """A WAF policy at PL1 Prevention and a WAF_v2 gateway linking it, through aznet's ARM API; the frontend address."""
    rg = f"/subscriptions/{az.sub}/resourceGroups/wafbench"
    net = rg + "/providers/Microsoft.Network"
    az.call("PUT", rg, {"location": LOC}, api="2021-04-01")
    pol = az.call("PUT", net + "/ApplicationGatewayWebApplicationFirewallPolicies/wafpl1",
                  {"location": LOC, "properties": POLICY_PROPS})
    pip = az.call("PUT", net + "/publicIPAddresses/wafip", {"location": LOC, "sku": {"name": "Standard"},
                                                            "properties": {"publicIPAllocationMethod": "Static"}})
    az.call("PUT", net + "/virtualNetworks/vnet", {"location": LOC, "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "ag", "properties": {"addressPrefix": "10.0.0.0/24"}}]}})
    gw = net + "/applicationGateways/wafgw"

    def ref(kind: str, n: str) -> dict[str, str]:
        return {"id": f"{gw}/{kind}/{n}"}
    az.call("PUT", gw, {"location": LOC, "properties": {
        "sku": {"name": "WAF_v2", "tier": "WAF_v2", "capacity": 1},
        "firewallPolicy": {"id": pol["id"]},
        "gatewayIPConfigurations": [{"name": "ip", "properties": {"subnet": {"id": net + "/virtualNetworks/vnet/subnets/ag"}}}],
        "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": pip["id"]}}}],
        "frontendPorts": [{"name": "p80", "properties": {"port": 80}}],
        "backendAddressPools": [{"name": "pool", "properties": {"backendAddresses": [{"ipAddress": ip} for ip in BACKENDS]}}],
        "backendHttpSettingsCollection": [{"name": "s", "properties": {"port": 8080, "protocol": "Http",
                                                                       "requestTimeout": 30}}],
        "httpListeners": [{"name": "http", "properties": {"frontendIPConfiguration": ref("frontendIPConfigurations", "fe"),
                                                          "frontendPort": ref("frontendPorts", "p80"), "protocol": "Http"}}],
        "requestRoutingRules": [{"name": "r80", "properties": {
            "ruleType": "Basic", "priority": 10, "httpListener": ref("httpListeners", "http"),
            "backendAddressPool": ref("backendAddressPools", "pool"),
            "backendHttpSettings": ref("backendHttpSettingsCollection", "s")}}]}})
    return str(az.call("GET", net + "/publicIPAddresses/wafip")["properties"]["ipAddress"])


def wait_waf(host: str, port: int, timeout: float = 300) -> None:
    """Until the gateway answers a benign request 200 and an attack 403 (the policy compiles off the loop)."""
    benign = wc.to_raw(wc.benign()[0])
    attack = wc.to_raw(wc.attacks()[0][1])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if send_raw(host, port, benign, timeout=30) == 200 and send_raw(host, port, attack, timeout=30) == 403:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"waf_bench: {host}:{port} never answered 200 to a benign request and 403 to an attack")


def lua_script(reqs: list[wc.Request], vary: bool = False) -> str:
    """A wrk script cycling through ``reqs``. ``vary``: every request unique - a header whose value counts up (as
    real traffic's ids, tokens and cookies differ per request) goes with each, so neither engine meets a request
    it has seen (see wrkrun.VARY_LUA)."""
    def q(s: str | bytes) -> str:
        if isinstance(s, bytes):
            s = s.decode("latin-1")
        return "\"" + "".join(c if 32 <= ord(c) < 127 and c not in "\"\\" else f"\\{ord(c)}" for c in s) + "\""
    items = []
    for m, t, h, b in reqs:
        hs = ", ".join(f"[{q(k)}] = {q(v)}" for k, v in h if k.lower() not in ("host", "content-length",
                                                                              "connection"))
        items.append(f"{{{q(m)}, {q(t)}, {{{hs}}}, {q(b) if b else 'nil'}}}")
    head = "local reqs = {" + ",\n".join(items) + "}\nlocal i, n = 0, 0\n"
    if not vary:    # formatted once, up front: wrk's own cost per request stays the least
        return (head + "for k, r in ipairs(reqs) do reqs[k] = wrk.format(r[1], r[2], r[3], r[4]) end\n"
                "request = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
    return (head + "request = function()\n  i = i % #reqs + 1\n  n = n + 1\n  local r = reqs[i]\n"
            "  local h = {}\n  for k, v in pairs(r[3]) do h[k] = v end\n"
            f"  h[{q(wrkrun.VARY_HEADER)}] = tostring(n)\n"
            "  return wrk.format(r[1], r[2], h, r[4])\nend\n")


def run_wrk(host: str, port: int, seconds: int, connections: int, script: str,
            pid: int) -> tuple[float, str, str, str, float]:
    """(requests/s, p50, p99, socket errors, CPU microseconds per request of the serving process tree ``pid``)."""
    c0 = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
                          f"http://{host}:{port}/"], capture_output=True, text=True, check=True).stdout
    c1 = cpu_seconds(pid)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    served = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Socket errors:.*", out)
    return rps, p50, p99, errors.group(0) if errors else "", (c1 - c0) * 1e6 / max(served, 1)


def detection(host: str, port: int) -> tuple[int, int, int, int]:
    attacks = wc.attacks()
    blocked = sum(send_raw(host, port, wc.to_raw(r)) == 403 for _, r in attacks)
    benign = wc.benign()
    statuses = [send_raw(host, port, wc.to_raw(r)) for r in benign]
    fps = sum(s == 403 for s in statuses)
    ok = sum(s is not None and s < 400 for s in statuses)
    return blocked, len(attacks), fps, ok


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=1,
                    help="processes serving HTTP on each side: nginx worker_processes; aznet serves in the `aznet up` "
                         "process for 1, else in AZNET_APPGW_WORKERS worker processes")
    ap.add_argument("--engine-only", action="store_true")
    ap.add_argument("--vary", action="store_true",
                    help="every request of the end-to-end mix unique (a counting X-Request-Id header), so neither "
                         "engine meets a request (or a header value) it has seen")
    args = ap.parse_args()
    print(f"waf_bench: load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"at the start, {os.cpu_count()} cores")
    policy = compile_policy(POLICY)
    print("engine level (aznet, in process, one core; WafPolicy.evaluate with the bench's policy):")
    engine_level(policy, args.seconds)
    if args.engine_only:
        return 0
    missing = available()
    for tool in ("haproxy", "wrk"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            missing = missing or tool
    if missing:
        print(f"end-to-end comparison skipped: missing Debian package {missing}")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="aznet-wafbench-"))
    script = str(tmp / "mix.lua")
    Path(script).write_text(lua_script(mix(), vary=args.vary))
    print("end-to-end requests: " + (f"every one unique ({wrkrun.VARY_HEADER} counts up)" if args.vary
                                     else "the mix's requests repeated as they are (--vary: every one unique)"))
    results: dict[str, tuple[float, str, str, str, float, tuple[int, int, int, int]]] = {}
    procs: list[Any] = [start_backends(tmp)]
    az = None
    try:
        # a public IP pool of this run's own (the machine may run other aznet servers on the default pool)
        os.environ["AZNET_PUBLIC_IP_POOL"] = f"127.65.{os.getpid() % 250}.0/24"
        os.environ["AZNET_APPGW_WORKERS"] = str(args.workers if args.workers > 1 else 0)
        az = Aznet(tmp)
        vip = build_waf_gateway(az)
        wait_waf(vip, 80)
        det = detection(vip, 80)
        results["aznet App Gateway WAF_v2"] = (*run_wrk(vip, 80, args.seconds, args.connections, script,
                                                        az.proc.pid), det)
        az.stop()
        az = None
        with ModSecNginx(paranoia=1, engine="On", workers=args.workers, log_level="crit",
                         backend=[f"{ip}:8080" for ip in BACKENDS]) as ngx:
            wait_waf(ngx.host, ngx.port)
            det = detection(ngx.host, ngx.port)
            assert ngx.proc is not None
            results["nginx + ModSecurity v3 + CRS 3.3.4"] = (
                *run_wrk(ngx.host, ngx.port, args.seconds, args.connections, script, ngx.proc.pid), det)
    finally:
        if az is not None:
            az.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    print(f"\nend to end, proxying to the same backends: wrk -t2 -c{args.connections} -d{args.seconds}s, "
          f"benign+attack mix ({len(mix())} requests in turn), PL1 Prevention; {args.workers} serving process(es) "
          "each:")
    print(f"  {'':36s} {'req/s':>9s} {'p50':>9s} {'p99':>9s} {'CPU us/req':>10s} {'attacks blocked':>16s} "
          f"{'benign blocked':>15s} {'benign 2xx/3xx':>15s}")
    for name, (rps, p50, p99, errs, cpu, (b, n, fp, ok)) in results.items():
        print(f"  {name:36s} {rps:9.0f} {p50:>9s} {p99:>9s} {cpu:10.0f} {b:>9d}/{n:<3d}({100 * b / n:3.0f}%) {fp:>8d} "
              f"{ok:>12d}/{len(wc.benign())}  {errs}")
    a, m = list(results.values())
    print(f"  aznet / nginx+ModSecurity: req/s {a[0] / m[0]:.2f}x (target >= 5), p99 {_ms(a[2]) / _ms(m[2]):.2f}x, "
          f"CPU per request {m[4] / a[4]:.2f}x less (the serving process trees' CPU seconds / requests served: what "
          f"req/s comes to when the engine, not a busy machine, is the limit), attacks blocked {a[5][0]} vs "
          f"{m[5][0]} of {a[5][1]}")
    print(f"waf_bench: load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          "at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
