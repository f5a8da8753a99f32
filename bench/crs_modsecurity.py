"""CRS 3.3.4 regression suite: aznet's WAF engine beside nginx + ModSecurity v3, in the same run.

    .venv/bin/python bench/crs_modsecurity.py [--only REQUEST-942] [--show-failures]

Both engines get the same request bytes (aznet.testing.crs_regression builds them as FTW does),
at paranoia level 4 in DetectionOnly, as the suite assumes, and are judged by the same
log_contains / no_log_contains rules: aznet on its rule matches, ModSecurity on nginx's error log
lines for that request. Tests skipped for aznet (status-only / client-error expectations about
Apache's request parsing) are skipped for both. Prints the pass rate per rule file side by side.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from modsec_nginx import ModSecNginx, available, send_raw  # noqa: E402

from aznet.dataplane.waf.engine import SecLangEngine  # noqa: E402
from aznet.dataplane.waf.request import HttpRequest  # noqa: E402
from aznet.testing import crs_regression as cr  # noqa: E402


def run_aznet(cases: list[cr.Case]) -> dict[str, bool]:
    eng = SecLangEngine.crs(paranoia=4, mode="DetectionOnly")
    out: dict[str, bool] = {}
    for c in cases:
        ok = True
        for st in c.stages:
            tx = eng.evaluate(HttpRequest(*cr.parse_raw(st.raw)))
            log = "\n".join(cr.log_line(m.rule_id, m.msg, m.logdata) for m in tx.matches)
            ok &= cr.judge(st, log)
        out[c.title] = ok
    return out


def run_modsec(cases: list[cr.Case]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    with ModSecNginx(paranoia=4, engine="DetectionOnly") as ngx:
        with open(ngx.error_log, "rb") as log:
            log.seek(0, os.SEEK_END)
            for c in cases:
                ok = True
                for st in c.stages:
                    send_raw(ngx.host, ngx.port, st.raw)
                    time.sleep(0.002)
                    text = log.read().decode("latin-1")
                    ok &= cr.judge(st, text)
                out[c.title] = ok
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--show-failures", action="store_true")
    args = ap.parse_args()
    missing = available()
    if missing:
        print(f"missing Debian package: {missing} (apt-get install nginx libnginx-mod-http-modsecurity "
              "modsecurity-crs)")
        return 2
    cases = [c for c in cr.load_cases() if c.rule_file.startswith(args.only) or c.title.startswith(args.only)]
    run = [c for c in cases if not c.skip_reason]
    t0 = time.time()
    ours = run_aznet(run)
    t1 = time.time()
    theirs = run_modsec(run)
    t2 = time.time()
    per: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])
    for c in cases:
        row = per[c.rule_file]
        if c.skip_reason:
            row[3] += 1
            continue
        row[0] += ours[c.title]
        row[1] += theirs[c.title]
        row[2] += 1
    print(f"{'rule file':48s} {'tests':>5s} {'aznet':>14s} {'ModSecurity v3':>16s} {'skipped':>7s}")
    tot = [0, 0, 0, 0]
    for name, (a, m, n, s) in sorted(per.items()):
        tot = [tot[0] + a, tot[1] + m, tot[2] + n, tot[3] + s]
        print(f"{name:48s} {n:5d} {a:5d} {100 * a / max(n, 1):6.1f}%  {m:6d} {100 * m / max(n, 1):6.1f}%  {s:7d}")
    a, m, n, s = tot
    print(f"{'TOTAL':48s} {n:5d} {a:5d} {100 * a / max(n, 1):6.2f}%  {m:6d} {100 * m / max(n, 1):6.2f}%  {s:7d}")
    print(f"(aznet {t1 - t0:.1f}s, nginx+ModSecurity {t2 - t1:.1f}s for {len(run)} tests)")
    if args.show_failures:
        print("aznet fails:", " ".join(t for t, ok in ours.items() if not ok))
        print("ModSecurity fails:", " ".join(t for t, ok in theirs.items() if not ok))
    return 0


if __name__ == "__main__":
    sys.exit(main())
