"""The App Gateway's WAF glue without sockets: which policy a scope runs, the legacy WAF configuration as a
policy, the compiled-policy cache bounded by bytes (compiling on its worker thread, again on demand)."""

from __future__ import annotations

import asyncio

from aznet.dataplane.appgw.waf import Binding, GatewayWaf, legacy_policy
from aznet.dataplane.waf.compile_cache import PolicyCache, fingerprint
from aznet.dataplane.waf.request import HttpRequest


def _custom_only(name: str) -> dict[str, object]:
    return {"id": f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                  f"ApplicationGatewayWebApplicationFirewallPolicies/{name}",
            "properties": {"policySettings": {"state": "Enabled", "mode": "Prevention"},
                           "customRules": [{"name": f"block{name}", "priority": 1, "ruleType": "MatchRule",
                                            "action": "Block", "matchConditions": [
                                                {"matchVariables": [{"variableName": "RequestUri"}],
                                                 "operator": "Contains", "matchValues": [name]}]}],
                           "managedRules": {"managedRuleSets": []}}}


def test_the_most_specific_scope_wins() -> None:
    g, lst, loc = (Binding(f, f, s, s) for f, s in (("g", "Global"), ("l", "Listener"), ("p", "Location")))
    gw = GatewayWaf(g, {"/l1": lst}, {"/pr1": loc})
    assert gw.binding("/L1", "/PR1") is loc             # ids compare case-insensitively
    assert gw.binding("/l1", "/other") is lst
    assert gw.binding("/l2", None) is g
    assert GatewayWaf(None, {"/l1": lst}, {}).binding("/l2", None) is None


def test_legacy_configuration_as_a_policy() -> None:
    assert legacy_policy({"enabled": False, "firewallMode": "Prevention"}) is None
    doc = legacy_policy({"enabled": True, "firewallMode": "Prevention", "ruleSetType": "OWASP", "ruleSetVersion": "3.1",
                         "disabledRuleGroups": [{"ruleGroupName": "REQUEST-913-SCANNER-DETECTION"},
                                                {"ruleGroupName": "REQUEST-942-APPLICATION-ATTACK-SQLI",
                                                 "rules": [942100, 942110]}],
                         "requestBodyCheck": False, "maxRequestBodySizeInKb": 64, "fileUploadLimitInMb": 10,
                         "exclusions": [{"matchVariable": "RequestArgNames", "selectorMatchOperator": "Equals",
                                         "selector": "q"}]})
    assert doc is not None
    p = doc["properties"]
    assert p["policySettings"] == {"state": "Enabled", "mode": "Prevention", "requestBodyCheck": False,
                                   "maxRequestBodySizeInKb": 64, "fileUploadLimitInMb": 10}
    rs = p["managedRules"]["managedRuleSets"][0]
    assert (rs["ruleSetType"], rs["ruleSetVersion"]) == ("OWASP", "3.1")
    assert rs["ruleGroupOverrides"] == [
        {"ruleGroupName": "REQUEST-913-SCANNER-DETECTION", "rules": []},
        {"ruleGroupName": "REQUEST-942-APPLICATION-ATTACK-SQLI",
         "rules": [{"ruleId": "942100", "state": "Disabled"}, {"ruleId": "942110", "state": "Disabled"}]}]
    assert p["managedRules"]["exclusions"] == [{"matchVariable": "RequestArgNames", "selectorMatchOperator": "Equals",
                                                "selector": "q"}]
    v1 = legacy_policy({"enabled": True, "ruleSetVersion": "2.2.9"})
    assert v1 is not None and v1["properties"]["managedRules"]["managedRuleSets"][0]["ruleSetVersion"] == "3.0"


def test_policy_cache_is_bounded_by_bytes_and_recompiles_on_demand() -> None:
    docs = [_custom_only(n) for n in ("alpha", "beta", "gamma")]
    fps = [fingerprint(d) for d in docs]
    assert len(set(fps)) == 3 and fingerprint(dict(docs[0])) == fps[0]
    cache = PolicyCache(max_bytes=1)          # room for one entry only
    try:
        for fp, d in zip(fps, docs, strict=True):
            fut = cache.want(fp, d)
            assert fut is not None and fut.result(timeout=60) is not None
        assert list(cache.ready) == [fps[2]]             # the older ones were evicted
        assert cache.bytes == cache.ready[fps[2]][1]
        policy = asyncio.run(cache.obtain(fps[0]))        # evicted: compiled again when a request needs it
        assert policy is not None and cache.get(fps[0]) is policy
        verdict = policy.evaluate(HttpRequest("GET", "/x/alpha"))
        assert verdict.action == "block" and verdict.rule_id == "blockalpha"
        assert policy.evaluate(HttpRequest("GET", "/x/beta")).action == "allow"
    finally:
        cache.close()


def test_bound_policies_keep_one_counter_per_endpoint_across_recompiles() -> None:
    from aznet.dataplane.waf.compile_cache import BoundPolicies
    cache = PolicyCache("ApplicationGateway")
    bound: BoundPolicies[str] = BoundPolicies(cache, max_bound=2)
    a, b = _custom_only("one"), _custom_only("two")
    fa, fb = fingerprint(a), fingerprint(b)

    async def go() -> None:
        cache.want(fa, a)
        cache.want(fb, b)
        p1 = await bound.obtain(fa, "listener1", "/id/one")
        p2 = await bound.obtain(fa, "listener2")
        assert p1 is not None and p2 is not None
        assert p1.policy_id == "/id/one" and p2.policy_id == a["id"]
        assert p1.counter is not p2.counter                         # each endpoint counts on its own
        assert p1.custom is p2.custom                                 # ... running one compile
        assert await bound.obtain(fa, "listener1", "/id/one") is p1  # bound once
        counter = p1.counter
        bound.rebind()
        again = await bound.obtain(fa, "listener1", "/id/one")
        assert again is not None and again is not p1 and again.counter is counter   # the counter survives
        other = await bound.obtain(fb, "listener1")                  # another compile on that endpoint
        assert other is not None and other.counter is counter and other.custom is not p1.custom
        assert await bound.obtain(fa, "listener2") is not None
        bound.keep(lambda k: k == "listener2")
        assert set(bound.counters) == {"listener2"} and set(bound.bound) == {"listener2"}
        await bound.obtain(fa, "listener3")
        await bound.obtain(fa, "listener4")                          # over max_bound: the oldest counter goes
        assert len(bound.counters) <= 2 and "listener2" not in bound.counters
        assert await bound.obtain("no-such-fingerprint", "listener1") is None
    try:
        asyncio.run(go())
    finally:
        cache.close()
