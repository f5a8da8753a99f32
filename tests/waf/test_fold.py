"""Plan folding (fold.py) and the prefilter never change what a policy decides, only how fast.

Each policy below is compiled twice: as the data planes run it (constant work folded into the plan, every pattern
rule gated by Hyperscan or by its first link's remembered per-value result) and as a reference (the plan unfolded,
no prefilter: every rule evaluated on every request). The CRS regression requests (a fixed sample), the benign
corpus and the attack mix must get the same verdicts and the same firewall log records from both.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from aznet.dataplane.waf import policy as policy_mod
from aznet.dataplane.waf import transaction as txmod
from aznet.dataplane.waf.fold import fold
from aznet.dataplane.waf.policy import WafPolicy, compile_policy, shared_engine
from aznet.dataplane.waf.request import HttpRequest
from aznet.dataplane.waf.rules import Rule
from aznet.testing import crs_regression as cr
from aznet.testing import waf_corpus as wc

OWASP_32 = {"properties": {
    "policySettings": {"state": "Enabled", "mode": "Prevention"},
    "managedRules": {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]}}}
# a PL2 rule switched on (the plan then runs CRS at PL2), per-rule actions, a group disabled, an exclusion
OWASP_32_OVERRIDES = {"properties": {
    "policySettings": {"state": "Enabled", "mode": "Detection"},
    "managedRules": {
        "managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2", "ruleGroupOverrides": [
            {"ruleGroupName": "REQUEST-942-APPLICATION-ATTACK-SQLI",
             "rules": [{"ruleId": "942430", "state": "Enabled"}, {"ruleId": "942100", "state": "Enabled",
                                                                    "action": "Log"}]},
            {"ruleGroupName": "REQUEST-920-PROTOCOL-ENFORCEMENT",
             "rules": [{"ruleId": "920350", "state": "Enabled", "action": "Block"}]},
            {"ruleGroupName": "REQUEST-913-SCANNER-DETECTION", "rules": []}]}],
        "exclusions": [{"matchVariable": "RequestCookieNames", "selectorMatchOperator": "StartsWith",
                        "selector": "_g"}]}}}
DRS_21 = {"properties": {
    "policySettings": {"state": "Enabled", "mode": "Prevention"},
    "managedRules": {"managedRuleSets": [{"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1"}]}}}


def _requests() -> list[HttpRequest]:
    out = [HttpRequest(m, t, "HTTP/1.1", h, b) for m, t, h, b in wc.benign()]
    out += [HttpRequest(m, t, "HTTP/1.1", h, b) for _, (m, t, h, b) in wc.attacks()]
    for case in [c for c in cr.load_cases() if not c.skip_reason][::4]:
        for stage in case.stages:
            out.append(HttpRequest(*cr.parse_raw(stage.raw)))
    for i, r in enumerate(out):
        r.transaction_id = f"t{i}"
    return out


def _outcome(pol: WafPolicy, req: HttpRequest) -> tuple[Any, ...]:
    v = pol.evaluate(req)
    records = [{k: val for k, val in r.items() if k not in ("time", "timeStamp")} for r in v.records]
    return v.action, v.status, v.detected, v.rule_id, records


@pytest.mark.parametrize("doc", [OWASP_32, OWASP_32_OVERRIDES, DRS_21], ids=["owasp32", "overrides", "drs21"])
def test_folded_prefiltered_plan_decides_as_the_full_plan(crs_available: None, doc: dict, monkeypatch) -> None:
    # semantics, not time limits (long-value regex searches run under a per-request budget that fails closed)
    monkeypatch.setattr(txmod, "REQUEST_REGEX_BUDGET_S", 60.0)
    fast = compile_policy(doc)
    ref = compile_policy(doc, fold_plan=False)
    assert fast.settings is not None and ref.settings is not None
    folded, dropped, _ = fast.settings.plan.fold_stats  # type: ignore[union-attr]
    assert folded > 10 and dropped > 50          # the fold did something worth checking
    ref.settings = dataclasses.replace(ref.settings, prefilter=None)
    engine = shared_engine()
    reqs = _requests()
    assert len(reqs) > 600
    diffs = []
    blocked = 0
    for req in reqs:
        a = _outcome(fast, req)
        with monkeypatch.context() as m:
            m.setattr(engine, "prefilter", None)
            b = _outcome(ref, req)
        blocked += a[0] != "allow" or a[2]
        if a != b:
            diffs.append((req.method, req.uri[:80], a[:4], b[:4]))
    assert blocked > 50                           # the sample exercises blocking, not only passing
    assert diffs == []


def test_fold_drops_paranoia_gates_and_folds_setup_actions(crs_available: None) -> None:
    rs = policy_mod.shared_engine().ruleset
    tx = policy_mod.crs_tx(1, 5)
    plan, tx_init = fold(rs.without(frozenset()), tx)
    kept = {e.id for entries in plan.phases.values() for e in entries if isinstance(e, Rule)}
    # REQUEST-901's SecActions and defaults ran once: their values are where every transaction starts
    assert 901200 not in kept and tx_init["anomaly_score_pl1"] == "0"
    assert tx_init["allowed_methods"] == "GET HEAD POST OPTIONS"
    # PL1: the PL2+ gates always jump, so they and the PL2+ rules behind them are gone; PL1 rules stay
    assert 942012 not in kept and 942014 not in kept and 942432 not in kept
    assert 942100 in kept and 949110 in kept
    # the request-dependent setup rule stays (its value is the client's address)
    assert 901321 in kept
    # @within %{tx.allowed_methods} became a constant operator: remembered per value and prefiltered
    assert plan.by_id[911100].op.arg == "GET HEAD POST OPTIONS" and plan.by_id[911100].op.pure
    # the shared rule set is untouched
    assert rs.by_id[911100].op.dynamic and 901200 in rs.by_id


def test_fold_keeps_overridden_rules(crs_available: None) -> None:
    rs = policy_mod.shared_engine().ruleset.without(frozenset())
    tx = policy_mod.crs_tx(1, 5)
    free, _ = fold(rs, tx)
    guarded, _ = fold(rs, tx, protected={901200})
    assert 901200 not in free.by_id and 901200 in guarded.by_id
