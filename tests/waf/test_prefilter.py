"""The Hyperscan prefilter never changes what the engine decides, only how fast.

Every third request of the CRS regression suite (at PL4, where the most rules run; a fixed
sample, to keep the test run short) is evaluated with and without the prefilter; the fired rule
ids must be identical.
"""

from __future__ import annotations

from aznet.dataplane.waf.engine import SecLangEngine
from aznet.dataplane.waf.prefilter import Prefilter
from aznet.dataplane.waf.request import HttpRequest
from aznet.testing import crs_regression as cr


def test_prefilter_gates_most_pattern_rules(crs_available: None) -> None:
    eng = SecLangEngine.crs(paranoia=4, mode="DetectionOnly")
    assert isinstance(eng.prefilter, Prefilter)
    assert len(eng.prefilter.gated) >= 150
    # every ungated @rx/@pm rule is listed with its reason
    assert all(isinstance(why, str) and why for why in eng.prefilter.unfiltered.values())


def test_prefilter_is_invisible_on_the_crs_suite(crs_available: None, monkeypatch) -> None:
    from aznet.dataplane.waf import transaction as txmod
    # semantics, not time limits: without the prefilter many more long searches run, and the
    # per-request regex budget (which fails closed) must not be what differs
    monkeypatch.setattr(txmod, "REQUEST_REGEX_BUDGET_S", 60.0)
    fast = SecLangEngine.crs(paranoia=4, mode="DetectionOnly")
    full = SecLangEngine.crs(paranoia=4, mode="DetectionOnly", use_prefilter=False)
    diffs = []
    n = 0
    for case in [c for c in cr.load_cases() if not c.skip_reason][::3]:
        for stage in case.stages:
            req = cr.parse_raw(stage.raw)
            a = [m.rule_id for m in fast.evaluate(HttpRequest(*req)).matches]
            b = [m.rule_id for m in full.evaluate(HttpRequest(*req)).matches]
            n += 1
            if a != b:
                diffs.append((case.title, sorted(set(a) ^ set(b))))
    assert n > 700
    assert diffs == []


def _whole_cases() -> list[HttpRequest]:
    from aznet.testing import waf_corpus as wc
    ua = ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    out = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    out += [HttpRequest(m, t, "HTTP/1.1", h, b) for _, (m, t, h, b) in wc.attacks()]
    # pairs that differ in one part of a key only: the query, a header value, a cookie, a header's count
    out += [
        HttpRequest("GET", "/search?q=blue+mug", headers=[("Host", "h"), ua]),
        HttpRequest("GET", "/search?q=<script>alert(1)</script>", headers=[("Host", "h"), ua]),
        HttpRequest("GET", "/search?q=blue+mug", headers=[("Host", "h"), ("User-Agent", "sqlmap/1.7")]),
        HttpRequest("GET", "/a", headers=[("Host", "h"), ua, ("Cookie", "s=1")]),
        HttpRequest("GET", "/a", headers=[("Host", "h"), ua, ("Cookie", "s=1' or '1'='1")]),
        HttpRequest("GET", "/a", headers=[("Host", "h"), ua, ("Content-Length", "0"), ("Content-Length", "0")]),
        HttpRequest("GET", "/a", headers=[("Host", "h"), ("Host", "h"), ua]),
        HttpRequest("GET", "/a", headers=[("Host", "h"), ua, ("X-Long", "a" * 1500 + "<script>")]),
        HttpRequest("GET", "/a?x=" + "b" * 1500 + "%27+or+1=1", headers=[("Host", "h"), ua]),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/x-www-form-urlencoded")],
                    body=b"a=1&b=select+*+from+users"),
        # one body under two content types, and one content type with two bodies (alike for their first 40 bytes)
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/x-www-form-urlencoded")],
                    body=b"comment=hello+there+my+good+friend+and+then+some+more+words"),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/x-www-form-urlencoded")],
                    body=b"comment=hello+there+my+good+friend+and+<script>alert(1)</script>"),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/json")],
                    body=b'{"a": "1 union select password from users"}'),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "text/plain")],
                    body=b'{"a": "1 union select password from users"}'),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/json")],
                    body=b'{"a": "1"}'),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/xml")],
                    body=b"<a><b>javascript:alert(1)</b></a>"),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/xml")],
                    body=b"<a><b>1</b></a>"),
        HttpRequest("POST", "/f", headers=[("Host", "h"), ua, ("Content-Type", "application/x-www-form-urlencoded")],
                    body=b"x=" + b"c" * 1500 + b"+union+select+1"),
    ]
    return out


def test_whole_request_line_and_header_list_answers_match_item_by_item(crs_available: None) -> None:
    """A request line or header list seen before is answered as a whole (``_Whole``): the same candidates as the
    item-by-item lookups give for that request."""
    from aznet.dataplane.waf.policy import compile_policy, shared_engine
    from aznet.dataplane.waf.transaction import Transaction
    pol = compile_policy({"properties": {"managedRules": {"managedRuleSets": [
        {"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]}}})
    assert pol.settings is not None and pol.settings.prefilter is not None
    pf = pol.settings.prefilter
    wholes = [w for ws in pf.wholes.values() for w in ws]
    assert len(wholes) == 5 and all(w.families for w in wholes)

    def candidates(req: HttpRequest) -> list[set[int]]:
        t = Transaction(shared_engine().ruleset, req, pol.settings)  # type: ignore[arg-type]
        return [pf.candidates(t, phase) for phase in (1, 2)]

    reqs = _whole_cases()
    want = []
    for req in reqs:                             # item by item: no whole remembered
        for w in wholes:
            w.memo.clear()
        want.append(candidates(req))
    for w in wholes:
        w.memo.clear()
    for _ in range(3):                           # the wholes across requests: seen, remembered, then answering
        for req, expected in zip(reqs, want, strict=True):
            assert candidates(req) == expected, (req.method, req.uri[:60], req.headers[:3])
    # most request lines and header lists were remembered
    assert sum(len(w.memo) for w in wholes) > len(reqs)
