"""The engine's cross-request memory of per-value results (waf/memo.py): bounded by bytes, and invisible in what
the engine decides."""

from __future__ import annotations

import pytest

from aznet.dataplane.waf import memo as memomod
from aznet.dataplane.waf.engine import SecLangEngine
from aznet.dataplane.waf.request import HttpRequest
from aznet.testing import crs_regression as cr


def test_memo_is_bounded_by_bytes() -> None:
    m = memomod.ValueMemo(max_bytes=10 * (100 + memomod.ENTRY_BYTES))
    a, b = m.table(), m.table()
    for i in range(10):
        m.put(a if i % 2 else b, f"{i:0100d}", i)
    assert len(a) + len(b) == 10 and m.resets == 0
    m.put(a, "x" * 100, "over")                 # the eleventh entry passes the bound: every table is emptied
    assert m.resets == 1 and dict(a) == {"x" * 100: "over"} and len(b) == 0
    assert m.bytes <= m.max_bytes
    m.put(b, "y" * (memomod.MAX_VALUE + 1), 1)  # long values are never kept
    assert len(b) == 0


def test_dropped_tables_are_forgotten() -> None:
    m = memomod.ValueMemo()
    t = m.table()
    assert len(m.tables) == 1
    del t
    assert len(m.tables) == 0


def _fired(eng: SecLangEngine, reqs: list[tuple]) -> list[list[int]]:
    return [[x.rule_id for x in eng.evaluate(HttpRequest(*r)).matches] for r in reqs]


def test_memo_is_invisible_on_the_crs_suite(crs_available: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from aznet.dataplane.waf import transaction as txmod
    monkeypatch.setattr(txmod, "REQUEST_REGEX_BUDGET_S", 60.0)
    reqs = [cr.parse_raw(st.raw) for c in cr.load_cases() if not c.skip_reason for st in c.stages][::7]
    assert len(reqs) > 300
    eng = SecLangEngine.crs(paranoia=4, mode="DetectionOnly")
    monkeypatch.setattr(memomod.MEMO, "max_bytes", 0)      # nothing remembered: every value computed
    memomod.MEMO.clear()
    cold = _fired(eng, reqs)
    monkeypatch.setattr(memomod.MEMO, "max_bytes", memomod.MAX_BYTES)
    first = _fired(eng, reqs)
    assert memomod.MEMO.bytes > 0
    warm = _fired(eng, reqs)                                  # every short value now answered from the memo
    assert cold == first == warm
    assert sum(map(len, cold)) > 300                          # the sample fires rules (attacks in it)


def test_header_derived_views_remembered_per_header_list_match_fresh_ones() -> None:
    """The REQUEST_HEADERS index and the parsed cookies are remembered per header list (variables.py): a list seen
    before gets what parsing it again gives, and one differing in any name, value or order does not share it."""
    from aznet.dataplane.waf import bodies, variables
    from aznet.testing import waf_corpus as wc
    ua = ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    reqs = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    reqs += [HttpRequest(m, t, "HTTP/1.1", h, b) for _, (m, t, h, b) in wc.attacks()]
    reqs += [HttpRequest("GET", "/", headers=[("Host", "h"), ua, ("Cookie", "a=1; b=2")]),
             HttpRequest("GET", "/", headers=[("Host", "h"), ua, ("Cookie", "a=1; b=' or 1=1--")]),
             HttpRequest("GET", "/", headers=[("Host", "h"), ("Cookie", "a=1; b=2"), ua]),
             HttpRequest("GET", "/", headers=[("Host", "h"), ua, ("cookie", "a=1"), ("Cookie", "c=3")]),
             HttpRequest("GET", "/", headers=[("Host", "h"), ("HOST", "x"), ua])]
    variables._HEADER_INDEXES.clear()
    variables._COOKIE_LISTS.clear()
    for _ in range(3):                         # seen, remembered the second time, answered from memory the third
        for req in reqs:
            view = variables.RequestView(req)
            fresh_index: dict[str, list[tuple[str, str]]] = {}
            for k, v in req.headers:
                fresh_index.setdefault(k.lower(), []).append((k, v))
            assert view.keyed("REQUEST_HEADERS") == fresh_index
            assert view.cookies == bodies.parse_cookies([v for k, v in req.headers if k.lower() == "cookie"])
    assert len(variables._HEADER_INDEXES) > len(wc.benign()) // 2 and len(variables._COOKIE_LISTS) > 3


def test_parsed_bodies_remembered_per_body_and_content_type_match_fresh_ones() -> None:
    """What the body processor made of a body is remembered per (body, Content-Type, forced processor): a body
    seen before gets what parsing it again gives; the same bytes under another type are parsed as that type."""
    from aznet.dataplane.waf import bodies, variables
    from aznet.testing import waf_corpus as wc
    reqs = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    reqs += [HttpRequest(m, t, "HTTP/1.1", h, b) for _, (m, t, h, b) in wc.attacks()]
    body = b'{"a": "1", "b": "x=1&y=2"}'
    for ct in ("application/json", "application/x-www-form-urlencoded", "text/plain"):
        reqs.append(HttpRequest("POST", "/", headers=[("Host", "h"), ("Content-Type", ct)], body=body))
    variables._PARSED_BODIES.clear()
    for _ in range(3):
        for req in reqs:
            view = variables.RequestView(req)
            fresh = bodies.process(req.body.decode("latin-1"), req.header("content-type") or "")
            assert view.parsed_body == fresh
            assert view.collection("ARGS") == view.args_get + fresh.args
    assert len(variables._PARSED_BODIES) >= 3


def test_whole_request_parts_are_kept_only_when_seen_again() -> None:
    """put_repeated (header lists, request lines, bodies): a key is kept the second time it is seen, so a stream
    of keys each new (a counting request-id header) never fills the memory and never empties the other tables."""
    m = memomod.ValueMemo(max_bytes=100 * (1000 + memomod.ENTRY_BYTES))
    values, wholes = m.table(), m.table()
    m.put(values, "a value", 1)
    for i in range(10_000):                     # 10 MB of one-time entries had they been kept: none is
        m.put_repeated(wholes, ("x-request-id", str(i)), 1000, i)
    assert len(wholes) == 0 and m.resets == 0 and values == {"a value": 1}
    m.put_repeated(wholes, ("x-request-id", "7"), 1000, "again")   # seen before: kept
    assert dict(wholes) == {("x-request-id", "7"): "again"}
    other = m.table()                           # seen by another table only: not seen by this one
    m.put_repeated(other, ("x-request-id", "8"), 1000, "other")
    assert len(other) == 0


def test_requests_each_with_a_new_header_value_leave_no_whole_entries(crs_available: None) -> None:
    """A counting request-id header makes every header list new: nothing remembered per header list (the header
    index, cookies, the prefilter's header wholes) keeps one of them."""
    from aznet.dataplane.waf import variables
    from aznet.dataplane.waf.policy import compile_policy
    from aznet.testing import waf_corpus as wc
    pol = compile_policy({"properties": {"managedRules": {"managedRuleSets": [
        {"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]}}})
    assert pol.settings is not None and pol.settings.prefilter is not None
    heads = [w for ws in pol.settings.prefilter.wholes.values() for w in ws if w.counts]
    base = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    for t in (variables._HEADER_INDEXES, variables._COOKIE_LISTS, *(w.memo for w in heads)):
        t.clear()
    for i in range(300):
        r = base[i % len(base)]
        pol.evaluate(HttpRequest(r.method, r.uri, r.version, r.headers + [("X-Request-Id", f"{i:012d}")], r.body))
    assert len(heads) == 2
    assert [len(w.memo) for w in heads] == [0, 0]
    assert len(variables._HEADER_INDEXES) == 0 and len(variables._COOKIE_LISTS) == 0
