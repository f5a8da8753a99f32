"""An Azure WAF policy, compiled: the object a data plane calls once per request.

Input is the policy resource as the ARM control plane stores it — an
ApplicationGatewayWebApplicationFirewallPolicy (``kind="ApplicationGateway"``) or a Front Door
WebApplicationFirewallPolicy (``kind="FrontDoor"``) — and :meth:`WafPolicy.evaluate` returns a
:class:`Verdict` (allow / block / redirect, and whether it was only detected) with the firewall
log records (``firewall_log``).

Order, as Azure documents it: policy state; request-size limits (413 for a body over
maxRequestBodySizeInKb or a file over fileUploadLimitInMb when enforcement is on); custom rules
by priority (Allow ends evaluation, Block/Redirect answer, Log goes on); then the managed rule
sets (anomaly scoring, threshold 5; per-rule action overrides; exclusions) on at most
requestBodyInspectLimitInKB of the body; then the bot manager set. Detection mode logs what
Prevention would have done and lets the request through.
"""

from __future__ import annotations

import base64
import functools
import operator
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import bots, custom_rules, firewall_log, rule_memo, rule_sets
from .engine import SecLangEngine, crs_tx
from .fold import fold
from .prefilter import Prefilter
from .request import HttpRequest
from .rules import Rule, RuleSet
from .seclang import VariableRef
from .transaction import Settings, Transaction

_ENGINE: SecLangEngine | None = None
DEFAULT_BLOCK_BODY = (b"<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1>"
                      b"</center><hr><center>Microsoft-Azure-Application-Gateway/v2</center></body></html>")
DEFAULT_FD_BLOCK_BODY = b"The request is blocked."
TOO_LARGE_BODY = (b"<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 "
                  b"Request Entity Too Large</h1></center><hr><center>Microsoft-Azure-Application-Gateway/v2"
                  b"</center></body></html>")


def shared_engine() -> SecLangEngine:
    """CRS 3.3.4 + Microsoft's rules, compiled once per process and shared by every policy."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = SecLangEngine.azure()
    return _ENGINE


def country_lookup() -> Callable[[str], str | None]:
    """Traffic Manager's offline IP-to-country lookup (iptocc), for GeoMatch custom rules."""
    from ..dns import engine as _dns_engine  # noqa: F401  (trafficmanager's import cycle resolves from here)
    from ..trafficmanager.geo import country_of
    return country_of


def _ci(d: Any, *names: str, default: Any = None) -> Any:
    if not isinstance(d, dict):
        return default
    lower = {k.lower(): v for k, v in d.items()}
    for n in names:
        if n.lower() in lower and lower[n.lower()] is not None:
            return lower[n.lower()]
    return default


@dataclass(slots=True)
class Verdict:
    action: str                              # "allow" | "block" | "redirect"
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    detected: bool = False                   # Detection mode: Prevention would have blocked
    rule_id: str | None = None               # the rule that decided (block/redirect/allow)
    records: list[dict[str, Any]] = field(default_factory=list)
    transaction_id: str = ""

    @property
    def blocked(self) -> bool:
        return self.action in ("block", "redirect")


# exclusion match variable -> (targets its values live in, targets its names live in)
_EXCLUSION_TARGETS: dict[str, tuple[tuple[str, ...], str]] = {
    "requestheadernames": (("REQUEST_HEADERS",), "value"),
    "requestheadervalues": (("REQUEST_HEADERS",), "value"),
    "requestheaderkeys": (("REQUEST_HEADERS_NAMES",), "key"),
    "requestcookienames": (("REQUEST_COOKIES",), "value"),
    "requestcookievalues": (("REQUEST_COOKIES",), "value"),
    "requestcookiekeys": (("REQUEST_COOKIES_NAMES",), "key"),
    "requestargnames": (("ARGS", "ARGS_GET", "ARGS_POST"), "value"),
    "requestargvalues": (("ARGS", "ARGS_GET", "ARGS_POST"), "value"),
    "requestargkeys": (("ARGS_NAMES", "ARGS_GET_NAMES", "ARGS_POST_NAMES"), "key"),
    "querystringargnames": (("ARGS", "ARGS_GET"), "value"),
    "requestbodypostargnames": (("ARGS", "ARGS_POST"), "value"),
    "requestbodyjsonargnames": (("ARGS", "ARGS_POST"), "json"),
}


def _exclusion_refs(match_variable: str, operator: str, selector: str) -> list[VariableRef]:
    targets, how = _EXCLUSION_TARGETS.get(match_variable.lower(), ((), "value"))
    op = operator.lower()
    if op == "equalsany":
        return [VariableRef(t) for t in targets]
    sel = re.escape(selector)
    if how == "json":
        sel = r"json\." + sel
    pattern = {"equals": f"^{sel}$", "startswith": f"^{sel}", "endswith": f"{sel}$",
               "contains": sel}.get(op, f"^{sel}$")
    return [VariableRef(t, "(?i)" + pattern, is_regex=True) for t in targets]


@dataclass(slots=True)
class WafPolicy:
    kind: str                                # "ApplicationGateway" | "FrontDoor"
    policy_id: str
    enabled: bool
    mode: str                                # "Prevention" | "Detection"
    request_body_check: bool
    max_body: int | None                     # bytes, None: no limit
    max_file: int | None
    inspect_limit: int | None
    block_status: int
    block_body: bytes
    redirect_url: str | None
    custom: list[custom_rules.CustomRule]
    sets: list[rule_sets.SetRules]
    settings: Settings | None                # None: no CRS-based managed set
    bot_sets: list[rule_sets.SetRules]
    bot_actions: dict[str, str]
    geo: Callable[[str], str | None] | None = None
    counter: custom_rules.RateCounter = field(default_factory=custom_rules.RateCounter)
    anomaly_action: str = "Block"            # Front Door DRS 2.x ruleSetAction
    scrub: firewall_log.Scrubber | None = None

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, request: HttpRequest, scope: str = "Global", scope_name: str = "Global",
                 now: float | None = None) -> Verdict:
        tid = request.transaction_id or uuid.uuid4().hex
        v = Verdict("allow", transaction_id=tid)
        if not self.enabled:
            return v
        log = firewall_log.LogContext(self.kind, self.policy_id, scope, scope_name, request, tid, self.mode,
                                      self.scrub)
        prevention = self.mode == "Prevention"
        body_len = len(request.body)
        if self.request_body_check and self.max_body is not None and body_len > self.max_body:
            if self._is_multipart(request):
                pass                                  # file uploads are judged by fileUploadLimitInMb
            else:
                return self._too_large(v, log, prevention, "Request body too large", body_len)
        if self.max_file is not None and body_len > self.max_file and self._is_multipart(request):
            return self._too_large(v, log, prevention, "File upload too large", body_len)

        if self.custom:
            ctx = custom_rules.MatchContext(request, self.geo)
            decided, logged = custom_rules.evaluate(self.custom, ctx, self.counter, now)
        else:
            decided, logged = None, []
        for m in logged:
            v.records.append(log.custom(m, "Log"))
        if decided is not None:
            action = decided.rule.action
            if action.lower() == "allow":
                v.records.append(log.custom(decided, "Allow"))
                v.rule_id = decided.rule.name
                return v
            if action.lower() == "redirect" and self.redirect_url:
                v.records.append(log.custom(decided, "Redirect"))
                return self._disrupt(v, prevention, decided.rule.name, redirect=True)
            v.records.append(log.custom(decided, "Block"))
            return self._disrupt(v, prevention, decided.rule.name)

        if self.settings is not None:
            tx = shared_engine().evaluate(
                request, body_limit=self.inspect_limit if self.request_body_check else 0,
                settings=self.settings)
            verdict = self._managed(v, tx, log, prevention)
            if verdict is not None:
                return verdict
        if self.bot_sets:
            bot = bots.classify(request.header("user-agent"))
            if bot is not None:
                action = self.bot_actions.get(bot.rule_id, bots.DEFAULT_ACTIONS[bot.group])
                v.records.append(log.bot(bot, action, self.bot_sets[0]))
                if action == "Block":
                    return self._disrupt(v, prevention, bot.rule_id)
        return v

    def _managed(self, v: Verdict, tx: Transaction, log: firewall_log.LogContext,
                 prevention: bool) -> Verdict | None:
        assert self.settings is not None
        overrides = self.settings.rule_actions
        decisive: tuple[int, str] | None = None
        for m in tx.matches:
            rs = self._set_of(m.rule_id)
            if m.rule_id == 949110:
                if rs is None and self.sets:
                    rs = self.sets[0]
                v.records.append(log.managed(m, "Blocked" if prevention else "Detected", rs, final=True))
                if decisive is None:
                    decisive = (m.rule_id, "Block")
                continue
            if rs is None:
                continue
            action = overrides.get(m.rule_id, "AnomalyScoring")
            v.records.append(log.managed(m, action, rs))
            if action in ("Block", "Allow") and decisive is None:
                decisive = (m.rule_id, action)
        if tx.allowed_by is not None:
            return v
        if decisive is None:
            return None
        if decisive[1] == "Allow":
            v.rule_id = str(decisive[0])
            return v
        return self._disrupt(v, prevention, str(decisive[0]),
                             redirect=self.anomaly_action == "Redirect" and decisive[0] == 949110)

    def _set_of(self, rule_id: int) -> rule_sets.SetRules | None:
        for s in self.sets:
            if rule_id in s.rule_ids:
                return s
        return None

    def _disrupt(self, v: Verdict, prevention: bool, rule_id: str, redirect: bool = False) -> Verdict:
        v.rule_id = rule_id
        if not prevention:
            v.detected = True
            return v
        if redirect and self.redirect_url:
            v.action, v.status = "redirect", 302
            v.headers = [("Location", self.redirect_url)]
            return v
        v.action, v.status, v.body = "block", self.block_status, self.block_body
        return v

    def _too_large(self, v: Verdict, log: firewall_log.LogContext, prevention: bool, what: str,
                   size: int) -> Verdict:
        v.records.append(log.limit(what, size, "Blocked" if prevention else "Detected"))
        v.rule_id = "RequestSizeLimit"
        if not prevention:
            v.detected = True
            return v
        v.action, v.status, v.body = "block", 413, TOO_LARGE_BODY
        return v

    @staticmethod
    def _is_multipart(request: HttpRequest) -> bool:
        return (request.header("content-type") or "").lower().startswith("multipart/")


# -- compilation --------------------------------------------------------------------------------
class PolicyError(ValueError):
    pass


def compile_policy(doc: dict[str, Any], kind: str = "ApplicationGateway", policy_id: str = "",
                   geo: Callable[[str], str | None] | None = None, fold_plan: bool = True) -> WafPolicy:
    """Compile a policy resource (or its ``properties``) as the ARM control plane stores it. ``fold_plan``:
    fold the rule plan's constant work away (fold.py; off only to compare with the unfolded plan)."""
    props = _ci(doc, "properties", default=doc) or {}
    ps = _ci(props, "policySettings", default={}) or {}
    fd = kind == "FrontDoor"
    enabled = str(_ci(ps, "enabledState" if fd else "state", "state", "enabledState",
                      default="Enabled")).lower() == "enabled"
    mode = str(_ci(ps, "mode", default="Detection" if not fd else "Prevention"))
    mode = "Prevention" if mode.lower() == "prevention" else "Detection"
    body_check = bool(_ci(ps, "requestBodyCheck", default=True))
    enforce_body = bool(_ci(ps, "requestBodyEnforcement", default=True))
    enforce_file = bool(_ci(ps, "fileUploadEnforcement", default=True))
    max_body_kb = _ci(ps, "maxRequestBodySizeInKb", default=None if fd else 128)
    max_file_mb = _ci(ps, "fileUploadLimitInMb", default=None if fd else 100)
    inspect_kb = _ci(ps, "requestBodyInspectLimitInKB", default=128)
    block_status = int(_ci(ps, "customBlockResponseStatusCode", default=403))
    raw_body = _ci(ps, "customBlockResponseBody")
    if raw_body:
        try:
            block_body = base64.b64decode(raw_body, validate=True)
        except ValueError:
            raise PolicyError("customBlockResponseBody is not base64") from None
    else:
        block_body = DEFAULT_FD_BLOCK_BODY if fd else DEFAULT_BLOCK_BODY
    custom_node = _ci(props, "customRules", default=[])
    if isinstance(custom_node, dict):                        # Front Door: customRules.rules
        custom_node = _ci(custom_node, "rules", default=[])
    custom = custom_rules.compile_rules(custom_node or [])

    managed = _ci(props, "managedRules", default={}) or {}
    sets: list[rule_sets.SetRules] = []
    bot_sets: list[rule_sets.SetRules] = []
    bot_actions: dict[str, str] = {}
    enabled_extra: set[int] = set()
    disabled: set[int] = set()
    actions: dict[int, str] = {}
    exclusions: dict[int | None, list[VariableRef]] = {}
    anomaly_action = "Block"
    for ms in _ci(managed, "managedRuleSets", default=[]) or []:
        stype, version = str(_ci(ms, "ruleSetType", default="")), str(_ci(ms, "ruleSetVersion", default=""))
        if not rule_sets.known(stype, version):
            raise PolicyError(f"unknown managed rule set {stype} {version}")
        srules = rule_sets.rules_of(stype, version)
        if stype.lower() == "microsoft_botmanagerruleset":
            bot_sets.append(srules)
            for go in _ci(ms, "ruleGroupOverrides", default=[]) or []:
                for r in _ci(go, "rules", default=[]) or []:
                    rid = str(_ci(r, "ruleId", default=""))
                    if str(_ci(r, "state", "enabledState", default="Enabled")).lower() == "disabled":
                        bot_actions[rid] = "Disabled"
                    elif _ci(r, "action"):
                        bot_actions[rid] = str(_ci(r, "action"))
            continue
        sets.append(srules)
        anomaly_action = str(_ci(ms, "ruleSetAction", default=anomaly_action))
        if srules.per_rule_block:
            for rid in srules.rule_ids:
                actions.setdefault(rid, "Block")
        _add_exclusions(exclusions, _ci(ms, "exclusions", default=[]), srules.rule_ids)
        for go in _ci(ms, "ruleGroupOverrides", default=[]) or []:
            gname = str(_ci(go, "ruleGroupName", default=""))
            gids = next((ids for n, ids in srules.groups.items() if n.lower() == gname.lower()), frozenset())
            _add_exclusions(exclusions, _ci(go, "exclusions", default=[]), gids)
            rules = _ci(go, "rules", default=None)
            if rules is not None and len(rules) == 0 and not fd:
                disabled |= set(gids)                       # a group override without rules disables it
            for r in rules or []:
                rid = int(str(_ci(r, "ruleId", default="0")))
                state = str(_ci(r, "state", "enabledState", default="Enabled")).lower()
                if state == "disabled":
                    disabled.add(rid)
                else:
                    enabled_extra.add(rid)
                act = _ci(r, "action")
                if act:
                    actions[rid] = str(act)
                _add_exclusions(exclusions, _ci(r, "exclusions", default=[]), frozenset({rid}))
    for ex in _ci(managed, "exclusions", default=[]) or []:        # Application Gateway: policy level
        scoped = _ci(ex, "exclusionManagedRuleSets", default=None)
        refs = _exclusion_refs(str(_ci(ex, "matchVariable", default="")),
                               str(_ci(ex, "selectorMatchOperator", default="Equals")),
                               str(_ci(ex, "selector", default="")))
        if not scoped:
            exclusions.setdefault(None, []).extend(refs)
            continue
        for sc in scoped:
            srules = rule_sets.rules_of(str(_ci(sc, "ruleSetType", default="")),
                                        str(_ci(sc, "ruleSetVersion", default="")))
            groups = _ci(sc, "ruleGroups", default=[]) or []
            ids: set[int] = set()
            if not groups:
                ids |= srules.rule_ids
            for g in groups:
                gname = str(_ci(g, "ruleGroupName", default=""))
                gids = next((i for n, i in srules.groups.items() if n.lower() == gname.lower()), frozenset())
                listed = [int(str(_ci(r, "ruleId", default="0"))) for r in _ci(g, "rules", default=[]) or []]
                ids |= set(listed) if listed else set(gids)
            for rid in ids:
                exclusions.setdefault(rid, []).extend(refs)

    settings: Settings | None = None
    if sets:
        rs = shared_engine().ruleset
        run = (rule_sets.default_enabled(rs, sets) | enabled_extra) - disabled
        removed = rule_sets.attack_rule_ids(rs) - run
        actions = {k: v for k, v in actions.items() if v.lower() != "anomalyscoring"}
        # run CRS at the highest paranoia level of a rule the policy runs (1 unless an override
        # enabled a higher one): CRS's own skipAfter markers then jump over the other levels
        level = max([rs.by_id[i].paranoia for i in run if i in rs.by_id] + [1])
        tx = crs_tx(level, rule_sets.ANOMALY_THRESHOLD)
        plan, tx, prefilter = _plan(frozenset(removed), tuple(sorted(tx.items())),
                                    frozenset(actions) if fold_plan else None)
        settings = Settings(engine="On", tx_init=tx, removed_ids=frozenset(removed), rule_actions=actions,
                            exclusions=exclusions, plan=plan, prefilter=prefilter)
    return WafPolicy(
        kind=kind, policy_id=policy_id or str(_ci(doc, "id", default="")), enabled=enabled, mode=mode,
        request_body_check=body_check,
        max_body=int(max_body_kb) * 1024 if (enforce_body and body_check and max_body_kb) else None,
        max_file=int(max_file_mb) * 1024 * 1024 if (enforce_file and max_file_mb) else None,
        inspect_limit=int(inspect_kb) * 1024 if inspect_kb else None,
        block_status=block_status, block_body=block_body, redirect_url=_ci(ps, "redirectUrl"),
        custom=custom, sets=sets, settings=settings, bot_sets=bot_sets, bot_actions=bot_actions, geo=geo,
        anomaly_action=anomaly_action, scrub=firewall_log.Scrubber.from_settings(_ci(ps, "logScrubbing")))


def fold_tx_defaults(rs: RuleSet, tx: dict[str, str]) -> dict[str, str]:
    """Apply CRS's "set a default when unset" rules (SecRule &TX:k "@eq 0" ... setvar:tx.k=v, as in
    REQUEST-901) to the preset TX once, instead of on every request. Equivalent: they only write
    keys still unset, and nothing before them in phase 1 writes those keys but the presets."""
    out = dict(tx)
    for e in rs.phases.get(1, []):
        if not isinstance(e, Rule) or e.chain is not None or e.fast_tx is None:
            continue
        key, is_count, cmp, const, neg = e.fast_tx
        if not (is_count and const == 0 and not neg and cmp is operator.eq):
            continue
        if not all(sv.lower().startswith("tx.") and "=" in sv for sv in e.setvars):
            continue
        if any(sv.split("=", 1)[0].strip().lower() != f"tx.{key}" for sv in e.setvars):
            continue
        if key in out:
            continue
        for sv in e.setvars:
            _name, _, value = sv.partition("=")
            out[key] = re.sub(r"%\{tx\.([^}]+)\}", lambda m: out.get(m.group(1).lower(), ""), value,
                              flags=re.I)
    return out


@functools.lru_cache(maxsize=8)
def _plan(removed: frozenset[int], tx: tuple[tuple[str, str], ...],
          protected: frozenset[int] | None) -> tuple[RuleSet, dict[str, str], Prefilter]:
    """The shared rule set minus a policy's removed rules, its constant work folded away (fold.py) unless
    ``protected`` is None (else: the rules the policy overrides, kept as they are), with Hyperscan databases of
    its own; policies that run the same rules with the same overrides (most do: the defaults) share one."""
    plan = shared_engine().ruleset.without(removed)
    tx_init = fold_tx_defaults(plan, dict(tx))
    if protected is not None:
        plan, tx_init = fold(plan, tx_init, protected)
        plan.rule_memos = rule_memo.plan_memos(plan, tx_init, protected)
    return plan, tx_init, Prefilter(plan)


def _add_exclusions(out: dict[int | None, list[VariableRef]], nodes: Any, ids: frozenset[int]) -> None:
    for ex in nodes or []:
        refs = _exclusion_refs(str(_ci(ex, "matchVariable", default="")),
                               str(_ci(ex, "selectorMatchOperator", default="Equals")),
                               str(_ci(ex, "selector", default="")))
        for rid in ids:
            out.setdefault(rid, []).extend(refs)

