"""Whole-rule memos (rule_memo.py): 920450 from its table leaves the transaction exactly as the general path does.

Each request is run through phase 1, then from several starting states of the capture keys (TX:0-9) rule 920450
is evaluated twice through its memo (the first fills the table, the second answers from it) and once by the
general path (``Transaction._eval_chain``) on an identical transaction; the whole TX (keys, values and order),
the captures bookkeeping, MATCHED_VAR, MATCHED_VAR_NAME and MATCHED_VARS must be the same. The verdicts and log
records of whole policies are compared with an unfolded plan in test_fold.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from aznet.dataplane.waf import rule_memo
from aznet.dataplane.waf.engine import crs_tx
from aznet.dataplane.waf.fold import fold
from aznet.dataplane.waf.policy import WafPolicy, compile_policy, shared_engine
from aznet.dataplane.waf.request import HttpRequest
from aznet.dataplane.waf.rules import RuleCompiler
from aznet.dataplane.waf.transaction import Transaction
from aznet.testing import waf_corpus as wc

OWASP_32 = {"properties": {
    "policySettings": {"state": "Enabled", "mode": "Prevention"},
    "managedRules": {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]}}}
UA = ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")


def _crafted() -> list[HttpRequest]:
    return [
        HttpRequest("GET", "/", headers=[("Host", "a.example"), UA]),
        # the same name twice, in two cases: one key, written twice
        HttpRequest("GET", "/x", headers=[("Host", "a.example"), ("X-Dup", "1"), ("x-dup", "2"), UA]),
        # restricted headers: the chained link matches (general path, every time)
        HttpRequest("GET", "/", headers=[("Host", "a.example"), ("Proxy", "evil"), UA]),
        HttpRequest("GET", "/", headers=[("Host", "a.example"), ("Lock-Token", "x"), ("Content-Range", "y")]),
        # a name that is itself a key prefix, an empty-looking one and many names
        HttpRequest("GET", "/", headers=[("Host", "a.example"), ("920451_x", "1"), ("Header_Name_Y", "2")]),
        HttpRequest("GET", "/", headers=[("Host", "a.example")] + [(f"X-H{i}", str(i)) for i in range(40)]),
        HttpRequest("GET", "/", headers=[("Host", "a.example")] + [(f"X-H{i}", str(i)) for i in range(300)]),
        HttpRequest("GET", "/", headers=[]),
    ]


def _requests() -> list[HttpRequest]:
    out = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    out += [HttpRequest(m, t, "HTTP/1.1", h, b) for _, (m, t, h, b) in wc.attacks()]
    return out + _crafted()


def _state(t: Transaction, matched: bool) -> tuple[Any, ...]:
    return (matched, list(t.tx.items()), t._caps, t.matched_var, t.matched_var_name, list(t.matched_vars),
            t.current_rule.id if t.current_rule else None)


def _after_phase1(pol: WafPolicy, req: HttpRequest, caps: int) -> Transaction:
    assert pol.settings is not None
    t = Transaction(shared_engine().ruleset, req, pol.settings)
    t.run_phase(1)
    if caps:                                   # captures an earlier rule left
        for i in range(caps):
            t.tx[str(i)] = f"cap{i}"
        t._caps = caps
    else:                                      # no capture yet: TX:0-9 unknown, all may be there
        t._caps = 10
    return t


@pytest.mark.parametrize("caps", [0, 1, 5])
def test_920450_from_its_memo_leaves_the_transaction_as_the_general_path(crs_available: None, caps: int) -> None:
    pol = compile_policy(OWASP_32)
    assert pol.settings is not None and pol.settings.plan is not None
    memos = pol.settings.plan.rule_memos
    assert set(memos) == {920450} and memos[920450].prefix == "header_name_"
    memo = memos[920450]
    rule = pol.settings.plan.by_id[920450]
    hits = 0
    for req in _requests():
        ref = _after_phase1(pol, req, caps)
        want = _state(ref, ref._eval_chain(rule))
        for _ in range(3):                     # seen, remembered (the second time), then answered from the table
            t = _after_phase1(pol, req, caps)
            key = tuple(k for k, _ in req.headers)
            hits += key in memo.table
            assert _state(t, memo.run(t, rule)) == want, (req.uri, req.headers[:3])
    assert hits > len(_requests()) // 2          # most answers came from the table


def test_rules_that_may_see_other_writers_get_no_memo(crs_available: None) -> None:
    # CRS at PL2, folded as a policy's plan is (920450's @within %{tx.restricted_headers} then is a constant)
    plan, tx = fold(shared_engine().ruleset.without(frozenset()), crs_tx(2, 5))
    assert set(rule_memo.plan_memos(plan, tx, frozenset())) == {920450}
    # a preset key under the prefix, or an override of the rule: the general path
    assert 920450 not in rule_memo.plan_memos(plan, {**tx, "header_name_x": "1"}, frozenset())
    assert 920450 not in rule_memo.plan_memos(plan, tx, frozenset({920450}))
    # unfolded, the chained operator reads TX at run time: not pure, no memo
    assert rule_memo.plan_memos(shared_engine().ruleset.without(frozenset()), {}, frozenset()) == {}


def _names_rule(rule_id: int, prefix: str) -> str:
    return (f'SecRule REQUEST_HEADERS_NAMES "@rx ^.*$" "id:{rule_id},phase:2,block,capture,t:none,t:lowercase,'
            f"setvar:'tx.{prefix}%{{tx.0}}=/%{{tx.0}}/',chain\"\n"
            f'    SecRule TX:/^{prefix}/ "@within /proxy/" "setvar:\'tx.anomaly_score_pl1=+5\'"\n')


def test_a_later_rule_whose_keys_an_earlier_one_may_write_gets_no_memo() -> None:
    c = RuleCompiler()
    c.add_text(_names_rule(1, "header_name_") + _names_rule(2, "header_name_x_") + _names_rule(3, "other_"))
    plan = c.finish()
    assert rule_memo._shape(plan.by_id[2]) == "header_name_x_"
    # rule 1 writes header_name_<any name>, which may be header_name_x_...: rule 2 keeps the general path
    assert set(rule_memo.plan_memos(plan, {}, frozenset())) == {1, 3}
