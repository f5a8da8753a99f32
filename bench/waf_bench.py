"""WAF benchmark: aznet's WAF (Azure policy, OWASP 3.2 = CRS 3.3.4 at PL1, Prevention) beside
nginx + ModSecurity v3 + the same CRS files at PL1 (Prevention: SecRuleEngine On), same run.

    .venv/bin/python bench/waf_bench.py [--seconds 10] [--connections 32] [--workers 2]

Traffic: the benign corpus and the attack mix of aznet.testing.waf_corpus (every request in turn;
attacks are about 45% of requests, so blocking is exercised as much as passing).
Figures:
- engine level (aznet only, one core, in process): requests/s and p50/p99 per request, benign and
  attack; and how many @rx/@pm rules a benign request evaluates with Python's re against how many
  the policy runs (the Hyperscan prefilter's effect);
- HTTP, end to end on loopback, wrk with a Lua script cycling through the same requests:
  aznet = a minimal uvloop + httptools server (the shape of the App Gateway data plane's hot path,
  which is not on main yet) calling WafPolicy.evaluate and answering 200 or the block page,
  `--workers` processes with SO_REUSEPORT; nginx = `--workers` worker processes answering 200
  from a static file after ModSecurity. Both answer locally (no backend) so the WAF is what is
  measured. Requests/s and latency p50/p99 from wrk;
- detection: share of the attack mix each blocks (403), and benign requests each blocks.
Needs: apt-get install nginx libnginx-mod-http-modsecurity modsecurity-crs wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from modsec_nginx import ModSecNginx, available, free_port, send_raw  # noqa: E402

from aznet.dataplane.waf.policy import WafPolicy, compile_policy  # noqa: E402
from aznet.dataplane.waf.request import HttpRequest  # noqa: E402
from aznet.testing import waf_corpus as wc  # noqa: E402

POLICY = {"properties": {"policySettings": {"state": "Enabled", "mode": "Prevention"},
                         "managedRules": {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]}}}


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


def engine_level(policy: WafPolicy, seconds: float) -> None:
    from aznet.dataplane.waf import transaction as txmod
    benign = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    attacks = [HttpRequest(m, t, "HTTP/1.1", h, b) for _, (m, t, h, b) in wc.attacks()]
    for label, reqs in (("benign", benign), ("attack", attacks)):
        lat: list[float] = []
        end = time.perf_counter() + seconds / 2
        while time.perf_counter() < end:
            for r in reqs:
                t0 = time.perf_counter()
                policy.evaluate(r)
                lat.append(time.perf_counter() - t0)
        total = sum(lat)
        print(f"  aznet engine, {label:6s}: {len(lat) / total:8.0f} req/s on one core, "
              f"p50 {_pct(lat, 0.5) * 1e6:6.0f} us, p99 {_pct(lat, 0.99) * 1e6:6.0f} us")
    # how many regexes a benign request runs in Python, against the pattern rules the policy has
    calls = {"n": 0}
    orig = txmod.Transaction._eval_link

    def counting(self: txmod.Transaction, link: object, head: object) -> bool:
        if link.op.name in ("rx", "pm", "pmfromfile"):
            calls["n"] += 1
        return orig(self, link, head)  # type: ignore[arg-type]
    txmod.Transaction._eval_link = counting  # type: ignore[method-assign]
    try:
        for r in benign:
            policy.evaluate(r)
    finally:
        txmod.Transaction._eval_link = orig  # type: ignore[method-assign]
    assert policy.settings is not None and policy.settings.plan is not None
    pattern_rules = sum(1 for r in policy.settings.plan.rules() for link in r.links()
                        if link.op.name in ("rx", "pm", "pmfromfile"))
    print(f"  a benign request evaluates {calls['n'] / len(benign):.1f} @rx/@pm rules in Python "
          f"(the policy runs {pattern_rules}; the rest are ruled out by one Hyperscan scan per group)")


SERVER = r'''
import os, sys, socket, asyncio
sys.path.insert(0, {root!r})
import uvloop, httptools
from aznet.dataplane.waf.policy import compile_policy
from aznet.dataplane.waf.request import HttpRequest
POLICY = compile_policy({policy!r})
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n"

class P(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t; self.p = httptools.HttpRequestParser(self); self.h = []; self.b = []
        self.peer = t.get_extra_info("peername")
    def on_message_begin(self): self.h = []; self.b = []
    def on_url(self, u): self.url = u
    def on_header(self, k, v): self.h.append((k.decode("latin-1"), v.decode("latin-1")))
    def on_body(self, b): self.b.append(b)
    def on_message_complete(self):
        req = HttpRequest(self.p.get_method().decode(), self.url.decode("latin-1"),
                          "HTTP/" + self.p.get_http_version(), self.h, b"".join(self.b),
                          client_addr=self.peer[0], client_port=self.peer[1])
        v = POLICY.evaluate(req)
        if v.action == "allow":
            self.t.write(OK)
        else:
            body = v.body
            self.t.write(b"HTTP/1.1 %d Forbidden\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                         % (v.status, len(body)) + body)
    def data_received(self, d):
        try:
            self.p.feed_data(d)
        except httptools.HttpParserError:
            self.t.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); self.t.close()

async def main():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", {port})); s.listen(1024)
    srv = await asyncio.get_running_loop().create_server(P, sock=s)
    await srv.serve_forever()
uvloop.run(main())
'''


def start_aznet(workers: int) -> tuple[list[subprocess.Popen[bytes]], int, str]:
    port = free_port()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(tempfile.mkdtemp(prefix="aznet-wafbench-"), "server.py")
    with open(path, "w") as fh:
        fh.write(SERVER.format(root=root, policy=POLICY, port=port))
    procs = [subprocess.Popen([sys.executable, path]) for _ in range(workers)]
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if send_raw("127.0.0.1", port, b"GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nUser-Agent: x\r\n\r\n") == 200:
                time.sleep(3)   # let every worker finish compiling
                return procs, port, path
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("aznet bench server did not start")


def lua_script(reqs: list[wc.Request]) -> str:
    def q(s: str | bytes) -> str:
        if isinstance(s, bytes):
            s = s.decode("latin-1")
        return "\"" + "".join(c if 32 <= ord(c) < 127 and c not in "\"\\" else f"\\{ord(c)}" for c in s) + "\""
    items = []
    for m, t, h, b in reqs:
        hs = ", ".join(f"[{q(k)}] = {q(v)}" for k, v in h if k.lower() not in ("host", "content-length",
                                                                              "connection"))
        items.append(f"wrk.format({q(m)}, {q(t)}, {{{hs}}}, {q(b) if b else 'nil'})")
    return ("local reqs = {" + ",\n".join(items) + "}\nlocal i = 0\n"
            "request = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")


def run_wrk(port: int, seconds: int, connections: int, script: str) -> tuple[float, str, str]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    return rps, p50, p99


def detection(port: int) -> tuple[int, int, int]:
    attacks = wc.attacks()
    blocked = sum(send_raw("127.0.0.1", port, wc.to_raw(r)) == 403 for _, r in attacks)
    fps = sum(send_raw("127.0.0.1", port, wc.to_raw(r)) == 403 for r in wc.benign())
    return blocked, len(attacks), fps


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    policy = compile_policy(POLICY)
    print("engine level (aznet, in process):")
    engine_level(policy, args.seconds)
    missing = available()
    if missing:
        print(f"nginx + ModSecurity comparison skipped: missing Debian package {missing}")
        return 0
    script = os.path.join(tempfile.mkdtemp(prefix="aznet-wafbench-"), "mix.lua")
    with open(script, "w") as fh:
        fh.write(lua_script(mix()))
    results: dict[str, tuple[float, str, str, tuple[int, int, int]]] = {}
    procs, port, _ = start_aznet(args.workers)
    try:
        det = detection(port)
        results["aznet WAF (uvloop+httptools shell)"] = (*run_wrk(port, args.seconds, args.connections, script), det)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
    with ModSecNginx(paranoia=1, engine="On", workers=args.workers, log_level="crit") as ngx:
        det = detection(ngx.port)
        results["nginx + ModSecurity v3 + CRS 3.3.4"] = (*run_wrk(ngx.port, args.seconds, args.connections,
                                                                   script), det)
    print(f"\nHTTP end to end, {args.workers} workers each, wrk -t2 -c{args.connections} -d{args.seconds}s, "
          f"benign+attack mix ({len(mix())} requests in turn), PL1 Prevention:")
    print(f"  {'':38s} {'req/s':>9s} {'p50':>9s} {'p99':>9s} {'attacks blocked':>16s} {'benign blocked':>15s}")
    for name, (rps, p50, p99, (b, n, fp)) in results.items():
        print(f"  {name:38s} {rps:9.0f} {p50:>9s} {p99:>9s} {b:>9d}/{n:<3d}({100 * b / n:3.0f}%) {fp:>8d}")
    a, m = list(results.values())
    print(f"  aznet / nginx+ModSecurity req/s: {a[0] / m[0]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
