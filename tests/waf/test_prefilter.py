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
