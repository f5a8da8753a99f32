"""The edge's rules engine (issue 15, "Rules engine"): pure, no I/O.

    engine = RuleEngine.from_rule_sets([rules_of_set_1, rules_of_set_2])   # Front Door Standard/Premium route
    engine = RuleEngine.from_delivery_policy(endpoint_props["deliveryPolicy"])  # CDN endpoint
    engine = RuleEngine.from_classic(rules_engine_body)                       # classic Front Door routing rule
    outcome = engine.evaluate(edge_request)

``Outcome`` lists the redirect, the rewritten path, request/response header operations (apply them with
``apply_header_ops``), the origin group / forwarding protocol override and the cache overrides, which
``cache.CachePolicy.with_rules(outcome.cache)`` folds into the route's cache policy."""

from .engine import RuleEngine, duration_seconds
from .outcome import CacheOverride, HeaderOp, Outcome, Redirect, apply_header_ops
from .request_values import RequestView, expand

__all__ = ["CacheOverride", "HeaderOp", "Outcome", "Redirect", "RequestView", "RuleEngine", "apply_header_ops",
           "duration_seconds", "expand"]
