"""Rule evaluation for one request: phases, chains, setvar/macros, skipAfter, ctl, captures.

Semantics follow libmodsecurity 3 as CRS 3.x relies on them: a rule matches when its operator
matches any (transformed) target value; a chain matches when every link does; non-disruptive
actions of all links run once, when the whole chain matched; disruptive actions act only with the
engine "On" (DetectionOnly records them). Matches of rules with ``log`` become :class:`RuleMatch`.
"""

from __future__ import annotations

import bisect
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .memo import MAX_VALUE, MEMO, Table
from .pcre import REQUEST_REGEX_BUDGET_S
from .request import HttpRequest, HttpResponse
from .rules import Rule, RuleSet, id_matches
from .seclang import VariableRef, parse_variables
from .variables import COLLECTIONS, REQUEST_COLLECTIONS, RequestView, ResponseView

if TYPE_CHECKING:
    from .prefilter import Prefilter

_MACRO = re.compile(r"%\{([^}]+)\}")
# variables whose values change while rules run (never cached per request)
_DYNAMIC = frozenset({"TX", "IP", "GEO", "MATCHED_VARS", "MATCHED_VARS_NAMES", "MATCHED_VAR", "MATCHED_VAR_NAME",
                      "DURATION", "UNIQUE_ID", "HIGHEST_SEVERITY", "RESPONSE_HEADERS", "RESPONSE_HEADERS_NAMES",
                      "RESPONSE_BODY", "RESPONSE_STATUS", "RESPONSE_PROTOCOL", "RESPONSE_CONTENT_TYPE",
                      "RESPONSE_CONTENT_LENGTH", "STATUS_LINE", "TIME", "TIME_EPOCH"})
_SCORE_VAR = re.compile(r"(?i)^tx\.[a-z_]*(?:anomaly_score|_score)(?:_pl\d)?=\+")
MAX_TRANSFORM_CACHE = 20000
_CAPTURE_KEYS = tuple(str(i) for i in range(10))
_CAPTURE_SET = frozenset(_CAPTURE_KEYS)
MAX_VALUES_PER_TARGET = 2048
_MISS = object()


@dataclass(slots=True)
class RuleMatch:
    rule_id: int
    phase: int
    file: str
    msg: str
    logdata: str
    severity: str
    tags: tuple[str, ...]
    var_name: str
    value: str
    paranoia: int
    disruptive: str | None


@dataclass(slots=True)
class Disruption:
    action: str            # "deny", "drop", "redirect", "allow"
    status: int
    rule_id: int
    redirect: str | None = None


@dataclass(slots=True)
class Settings:
    engine: str = "On"                     # "On", "DetectionOnly", "Off"
    tx_init: dict[str, str] = field(default_factory=dict)   # setvar-like TX presets (crs-setup)
    removed_ids: frozenset[int] = frozenset()
    # per-rule action overrides (Azure): rule id -> "Block" | "Allow" | "Log"
    rule_actions: dict[int, str] = field(default_factory=dict)
    # exclusions (Azure): targets never inspected, for every rule (None key) or per rule id
    exclusions: dict[int | None, list[VariableRef]] = field(default_factory=dict)
    # the rule set minus removed_ids, precomputed once per policy (RuleSet.without)
    plan: RuleSet | None = None
    prefilter: Prefilter | None = None          # the plan's own Hyperscan databases
    # (tx_init as last seen, tx_init with lower-cased keys): what each transaction's TX starts from
    tx_lowered: tuple[dict[str, str], dict[str, str]] | None = None


class Transaction:
    def __init__(self, ruleset: RuleSet, request: HttpRequest, settings: Settings,
                 prefilter: Prefilter | None = None, ip_store: dict[str, dict[str, str]] | None = None,
                 geo: Any = None, body_limit: int | None = None) -> None:
        self.rs = settings.plan or ruleset
        self.req = RequestView(request, body_limit)
        self.resp: ResponseView | None = None
        self.settings = settings
        self.engine = settings.engine
        self.prefilter = settings.prefilter or prefilter
        init = settings.tx_init
        lowered = settings.tx_lowered
        if lowered is None or lowered[0] != init:      # built once per settings (again if tx_init changed)
            lowered = settings.tx_lowered = (dict(init), {k.lower(): v for k, v in init.items()})
        self.tx: dict[str, str] = dict(lowered[1])
        self.ip: dict[str, str] = {}
        self._ip_store = ip_store
        self.geo_data: dict[str, str] = {}
        self._geo = geo
        self._id = request.transaction_id      # made on first read (UNIQUE_ID, logs): most requests never read it
        self.matches: list[RuleMatch] = []
        self.disruption: Disruption | None = None
        self.detected_disruption: Disruption | None = None
        # the plan already lacks the policy's removed rules: only ctl:ruleRemoveById adds to this then
        self.removed_ids: set[int] = set() if settings.plan is not None else set(settings.removed_ids)
        self.removed_id_specs: list[str] = []
        self.removed_tags: list[str] = []
        self.removed_targets: list[tuple[str, bool, list[VariableRef]]] = []  # (spec, by_tag, refs)
        self.matched_var = ""
        self.matched_var_name = ""
        self.matched_vars: list[tuple[str, str]] = []
        self._tcache: dict[str, dict[int, str]] = {}     # value -> {transformation prefix id: result}
        self._tcount = 0
        self._candidates: dict[int, set[int] | None] = {}
        self._allow_all = False
        self.allowed_by: int | None = None
        self.regex_budget = REQUEST_REGEX_BUDGET_S     # seconds of long-value regex searching left
        self._caps = 10             # TX:0..9 keys past this index are known absent (captures write from 0 up)
        self._started = time.perf_counter()
        self.current_rule: Rule | None = None
        self.last_phase = 0

    @property
    def id(self) -> str:
        """The transaction id: the caller's, else a uuid4 made the first time it is read."""
        tid = self._id
        if tid is None:
            tid = self._id = uuid.uuid4().hex
        return tid

    # -- phases ------------------------------------------------------------------------------
    def process_request(self) -> None:
        for phase in (1, 2):
            if self.disruption is not None or self._allow_all or self.engine == "Off":
                return
            self.run_phase(phase)

    def process_response(self, response: HttpResponse) -> None:
        self.resp = ResponseView(response)
        for phase in (3, 4):
            if self.disruption is not None or self._allow_all or self.engine == "Off":
                return
            self.run_phase(phase)

    def run_phase(self, phase: int) -> None:
        self.last_phase = phase
        entries = self.rs.phases.get(phase, [])
        markers = self.rs.markers.get(phase, {})
        if self.prefilter is not None:
            self._candidates[phase] = self.prefilter.candidates(self, phase)
        candidates = self._candidates.get(phase)
        removed = self.removed_ids
        # the rules to visit, in order: every rule the prefilter does not gate, and the gated ones it made
        # candidates (a gated rule it did not is a rule whose first link cannot match: skipping it is what
        # evaluating it would do); markers are only jump targets
        walk = self.rs.walks.get(phase)
        if walk is None:
            walk = self.rs.walk(phase)
        every, ungated, gated = walk
        if candidates is None:
            order = every
        else:
            extra = [gated[rid] for rid in candidates if rid in gated]
            order = sorted(ungated + extra) if extra else ungated
        pos, n = 0, len(order)
        tx = self.tx
        memos = self.rs.rule_memos
        inline = False                  # the rule just matched was evaluated inline (a matched TX comparison)
        while pos < n:
            rule = entries[order[pos]]
            pos += 1
            if (removed and rule.id in removed) or ((self.removed_id_specs or self.removed_tags)
                                                    and self._is_removed(rule)):
                continue
            ft = rule.fast_tx
            if ft is not None and rule.chain is None:
                v = tx.get(ft[0])
                if ft[1]:
                    hit = ft[2](1 if v is not None else 0, ft[3]) != ft[4]
                else:
                    hit = v is not None and (ft[2](_to_int(v), ft[3]) != ft[4])
                if not hit:
                    continue
                if rule.skip_after and not rule.log and rule.disruptive in (None, "pass") and not (
                        rule.setvars or rule.ctls or rule.initcols or rule.capture or rule.id in self.settings.rule_actions):
                    # CRS's paranoia-level gates (TX:EXECUTING_PARANOIA_LEVEL "@lt 2" skipAfter:...):
                    # what the general path would do, without it
                    self.current_rule = rule
                    if ft[1]:
                        self.matched_var_name, self.matched_var = "TX", "1" if v is not None else "0"
                    else:
                        self.matched_var_name, self.matched_var = f"TX:{rule.targets[0].selector}", v or ""
                    self.matched_vars = [(self.matched_var_name, self.matched_var)]
                    target = markers.get(rule.skip_after)
                    if target is None:
                        return
                    pos = bisect.bisect_right(order, target)
                    continue
                if not (rule.capture or self.removed_targets or rule.id in self.settings.rule_actions):
                    # a TX comparison that matched (949060's TX:PARANOIA_LEVEL "@ge 1" setvar:...): what _eval_chain
                    # does for it (one value, no transformation), without resolving, the operator call and the loop
                    self.current_rule = rule
                    if ft[1]:
                        name, val = "TX", "1" if v is not None else "0"
                    else:
                        name, val = f"TX:{rule.targets[0].selector}", v or ""
                    self.matched_var, self.matched_var_name = val, name
                    self.matched_vars = [(name, val)]
                    for sv in rule.setvars:
                        self._setvar(sv)
                    for col in rule.initcols:
                        self._initcol(col)
                    for ctl in rule.ctls:
                        self._ctl(ctl)
                    inline = True
            fts = rule.fast_txs
            if fts is not None and rule.chain is None:
                cmp, const, neg, refs = fts
                found: list[tuple[str, str]] | None = None
                for key, count, sel in refs:
                    v = tx.get(key)
                    if count:
                        if cmp(1 if v is not None else 0, const) != neg:  # type: ignore[operator]
                            found = (found or []) + [("TX", "1" if v is not None else "0")]
                    elif v is not None and cmp(_to_int(v), const) != neg:  # type: ignore[operator]
                        found = (found or []) + [(f"TX:{sel}", v)]
                if found is None:
                    continue
                if rule.skip_after and not rule.log and rule.disruptive in (None, "pass") and not (
                        rule.setvars or rule.ctls or rule.initcols or rule.capture or rule.id in self.settings.rule_actions):
                    self.current_rule = rule
                    self.matched_var_name, self.matched_var = found[-1]
                    self.matched_vars = found
                    target = markers.get(rule.skip_after)
                    if target is None:
                        return
                    pos = bisect.bisect_right(order, target)
                    continue
            if inline:
                inline = False
            elif memos and rule.id in memos:
                if not memos[rule.id].run(self, rule):
                    continue
            elif not self._eval_chain(rule):
                continue
            self._on_match(rule)
            if self.disruption is not None or self.engine == "Off":
                return
            if self._allow_phase:
                self._allow_phase = False
                return
            if rule.skip_after:
                target = markers.get(rule.skip_after)
                if target is not None:
                    pos = bisect.bisect_right(order, target)
                else:
                    return
            elif rule.skip:
                i = order[pos - 1] + 1
                skipped = 0
                while i < len(entries) and skipped < rule.skip:
                    if isinstance(entries[i], Rule):
                        skipped += 1
                    i += 1
                pos = bisect.bisect_left(order, i)

    _allow_phase = False

    # -- rule evaluation ---------------------------------------------------------------------
    def _is_removed(self, rule: Rule) -> bool:
        if rule.id in self.removed_ids:
            return True
        for spec in self.removed_id_specs:
            if id_matches(spec, rule.id):
                return True
        if self.removed_tags and any(re.search(t, tag) for t in self.removed_tags for tag in rule.tags):
            return True
        return False

    def _eval_chain(self, rule: Rule) -> bool:
        link: Rule | None = rule
        while link is not None:
            self.current_rule = rule
            if not self._eval_link(link, rule):
                return False
            # a link's non-disruptive actions run as soon as it matched (a later link may read
            # what they set, e.g. 920420's tx.content_type); setvar ran per matched value
            for col in link.initcols:
                self._initcol(col)
            for ctl in link.ctls:
                self._ctl(ctl)
            link = link.chain
        return True

    def _eval_link(self, link: Rule, head: Rule) -> bool:
        if link.is_action:
            for sv in link.setvars:
                self._setvar(sv)
            return True
        values = self._values(link, head)
        if not values:
            return False
        negated = link.negated
        matched = False
        new_matches: list[tuple[str, str]] = []
        log_only = None
        memo = link.memo
        for name, value in values:
            if memo is not None:
                result = memo.get(value, _MISS)
                if result is _MISS:
                    result = self.link_result(link, value, memo)
            else:
                result = self.link_result(link, value, None)
            if (result is not None) != negated:
                matched = True
                self.matched_var, self.matched_var_name = value, name
                new_matches.append((name, value))
                if link.capture and result:
                    tx = self.tx
                    n = len(result) if len(result) < 10 else 10
                    for i in range(n):
                        tx[_CAPTURE_KEYS[i]] = result[i]
                    for key in _CAPTURE_KEYS[n:self._caps]:   # the keys a capture (or setvar) may have left
                        tx.pop(key, None)
                    self._caps = n
                # as ModSecurity 2: setvar runs once per matched value (920450 names every header)
                if link.setvars:
                    if log_only is None:
                        log_only = self.settings.rule_actions.get(head.id) in ("Log", "Block", "Allow")
                    sm = link.setvar_memo
                    if sm is False:
                        sm = link.setvar_memo = _capture_setvars(link)
                    if sm is not None and not log_only and memo is not None:
                        writes = sm.get(value)             # type: ignore[union-attr]
                        if writes is None:
                            writes = self._capture_writes(link)
                            if writes is not None and len(value) <= MAX_VALUE:
                                MEMO.put(sm, value, writes)  # type: ignore[arg-type]
                        if writes is not None:
                            tx = self.tx
                            for k, v in writes:
                                tx[k] = v
                            continue
                    for sv in link.setvars:
                        if log_only and _SCORE_VAR.match(sv):
                            continue       # an Azure action override replaces anomaly scoring
                        self._setvar(sv)
        if matched:
            self.matched_vars = new_matches
        return matched

    def link_result(self, link: Rule, value: str, memo: Table | None) -> Any:
        """One value through a link's transformations and operator (captures or None); remembered across
        requests in ``memo`` (the link's table, for pure operators) unless a value searched was long enough to
        run under the request's regex time budget."""
        op = link.op.fn
        if link.multimatch:
            result = None
            longest = len(value)
            for v in self._transform_steps(link, value):
                longest = max(longest, len(v))
                result = op(v, self)
                if (result is not None) != link.negated:
                    break
        else:
            v = self.transformed(link.transform_prefixes, link.transform_fns, value) if link.transforms else value
            longest = max(len(v), len(value))
            result = op(v, self)
        if memo is not None and longest <= MAX_VALUE:
            MEMO.put(memo, value, result)
        return result

    def _transform(self, rule: Rule, value: str) -> str:
        return self.transformed(rule.transform_prefixes, rule.transform_fns, value)

    def transformed(self, prefixes: tuple[int, ...], fns: tuple, value: str) -> str:
        """The value after a transformation chain (``prefixes[i]`` is the id of its first i+1
        steps, ``rules.prefix_id``), cached per value and chain prefix for this request, so chains
        sharing a prefix (CRS's XSS and SQLi chains do) compute each step once, and a value seen
        for the first time costs one lookup."""
        n = len(fns)
        per = self._tcache.get(value)
        start, out = 0, value
        if per is None:
            if self._tcount < MAX_TRANSFORM_CACHE:
                per = self._tcache[value] = {}
        else:
            hit = per.get(prefixes[n - 1])
            if hit is not None:
                return hit
            for i in range(n - 2, -1, -1):
                prev = per.get(prefixes[i])
                if prev is not None:
                    start, out = i + 1, prev
                    break
        for i in range(start, n):
            out = fns[i](out)
            if per is not None:
                per[prefixes[i]] = out
        self._tcount += n - start
        return out

    def _transform_steps(self, rule: Rule, value: str) -> list[str]:
        steps = [value]
        out = value
        for _, fn in rule.transforms:
            nxt = fn(out)
            if nxt != out:
                steps.append(nxt)
            out = nxt
        return steps

    def _values(self, link: Rule, head: Rule) -> list[tuple[str, str]]:
        if not link.exclusions and not self.removed_targets and not self.settings.exclusions:
            # nothing excluded: the resolved lists as they are (read only)
            targets = link.targets
            if len(targets) == 1:
                vals = self.resolve(targets[0])
                return vals if len(vals) <= MAX_VALUES_PER_TARGET else vals[:MAX_VALUES_PER_TARGET]
            out: list[tuple[str, str]] = []
            for ref in targets:
                vals = self.resolve(ref)
                out.extend(vals if len(vals) <= MAX_VALUES_PER_TARGET else vals[:MAX_VALUES_PER_TARGET])
            return out
        out = []
        extra_excl: list[VariableRef] = []
        if self.removed_targets:
            for spec, by_tag, refs in self.removed_targets:
                if (by_tag and any(re.search(spec, t) for t in head.tags)) or (
                        not by_tag and id_matches(spec, head.id)):
                    extra_excl.extend(refs)
        if self.settings.exclusions:
            extra_excl = extra_excl + self.settings.exclusions.get(None, []) + self.settings.exclusions.get(
                head.id, [])
        for ref in link.targets:
            vals = self.resolve(ref)
            excl = link.exclusions.get(ref.name, [])
            more = [r for r in extra_excl if r.name == ref.name] if extra_excl else None
            if more or (excl and ref.name in _DYNAMIC):
                if not ref.count:
                    vals = [(n, v) for n, v in vals if not _excluded(n, ref.name, excl + (more or []))]
            elif excl and not ref.count and vals and ref.name not in _DYNAMIC:
                # the rule's own exclusions (CRS: !REQUEST_COOKIES:/__utm/ on most attack rules): the filtered list
                # is the same for every rule excluding the same names, so it is made once per request
                key = ("!", ref.name, ref.selector, ref.is_regex, _exclusion_key(excl))
                got = self.req.resolved.get(key)
                if got is None:
                    got = self.req.resolved[key] = [(n, v) for n, v in vals if not _excluded(n, ref.name, excl)]
                vals = got
            out.extend(vals[:MAX_VALUES_PER_TARGET])
        return out

    def resolve(self, ref: VariableRef) -> list[tuple[str, str]]:
        """Values of one variable reference, as (name for MATCHED_VAR_NAME, value) pairs."""
        name = ref.name
        if name == "TX" and ref.selector is not None and not ref.is_regex:
            val = self.tx.get(ref.selector.lower())
            if ref.count:
                return [(name, "1" if val is not None else "0")]
            return [] if val is None else [(f"TX:{ref.selector}", val)]
        if name == "IP" and ref.selector is not None and not ref.is_regex:
            # IP:REPUT_BLOCK_FLAG (949100 on every request): setvar writes IP keys lower-cased, so the one key
            # the selector names is a lookup; the same pairs as _select over the whole collection
            low = ref.selector.lower()
            val = self.ip.get(low)
            if ref.count:
                return [(name, "1" if val is not None else "0")]
            return [] if val is None else [(f"IP:{low}", val)]
        if name in _DYNAMIC:
            return self._resolve_uncached(ref)
        key = (name, ref.selector, ref.is_regex, ref.count)
        hit = self.req.resolved.get(key)
        if hit is None:
            hit = self.req.resolved[key] = self._resolve_uncached(ref)
        return hit

    def _resolve_uncached(self, ref: VariableRef) -> list[tuple[str, str]]:
        name = ref.name
        if ref.is_regex and not ref.count and (name == "TX" or name == "IP"):
            test = _key_test(ref.selector or "")
            if test is not None:          # /^literal/ or /literal_*/ over keys written lower-cased: no regex per key
                prefix, lit = test
                coll = self.tx if name == "TX" else self.ip
                if prefix:
                    return [(f"{name}:{k}", v) for k, v in coll.items() if k.startswith(lit)]
                return [(f"{name}:{k}", v) for k, v in coll.items() if lit in k]
        if name in COLLECTIONS:
            if ref.selector is not None and not ref.is_regex and name in REQUEST_COLLECTIONS:
                pairs = self.req.keyed(name).get(ref.selector.lower(), [])
            else:
                pairs = self._collection(name)
                if ref.selector is not None:
                    pairs = _select(pairs, ref)
            if ref.count:
                return [(name, str(len(pairs)))]
            if name.endswith("_NAMES"):
                return [(f"{name}:{k}", v) for k, v in pairs]
            return [(f"{name}:{k}", v) for k, v in pairs]
        if name == "MATCHED_VAR":
            val = self.matched_var if self.matched_vars else None
        elif name == "MATCHED_VAR_NAME":
            val = self.matched_var_name if self.matched_vars else None
        elif name == "UNIQUE_ID":
            val = self.id
        elif name == "DURATION":
            val = str(int((time.perf_counter() - self._started) * 1_000_000))
        elif name.startswith("TIME"):
            val = _time_var(name)
        elif name == "HIGHEST_SEVERITY":
            val = "255"
        elif name == "WEBSERVER_ERROR_LOG":
            val = None
        else:
            val = self.req.scalar(name)
            if val is None and self.resp is not None:
                val = self.resp.scalar(name)
        if ref.count:
            return [(name, "1" if val is not None else "0")]
        return [] if val is None else [(name, val)]

    def _collection(self, name: str) -> list[tuple[str, str]]:
        if name == "TX":
            return list(self.tx.items())
        if name == "IP":
            return list(self.ip.items())
        if name == "GEO":
            return list(self.geo_data.items())
        if name == "MATCHED_VARS":
            return self.matched_vars
        if name == "MATCHED_VARS_NAMES":
            return [(n, n) for n, _ in self.matched_vars]
        if name.startswith("RESPONSE_"):
            return self.resp.collection(name) if self.resp is not None else []
        if name in ("ENV", "RULE", "SESSION", "USER", "GLOBAL", "RESOURCE"):
            return []
        return self.req.collection(name)

    # -- actions -----------------------------------------------------------------------------
    def _on_match(self, rule: Rule) -> None:
        disruptive = rule.disruptive
        if disruptive == "block":
            disruptive = self.rs.default_disruptive.get(rule.phase, "pass")
        override = self.settings.rule_actions.get(rule.id)
        if override == "Block":
            disruptive = "deny"
        elif override == "Allow":
            disruptive = "allow_request"
        elif override == "Log":
            disruptive = "pass"
        if rule.log:
            self.matches.append(RuleMatch(
                rule_id=rule.id, phase=rule.phase, file=rule.file, msg=self.expand(rule.msg),
                logdata=self.expand(rule.logdata)[:1024], severity=rule.severity, tags=rule.tags,
                var_name=self.matched_var_name, value=self.matched_var[:1024],
                paranoia=rule.paranoia, disruptive=disruptive))
        if disruptive in ("deny", "drop", "redirect"):
            status = rule.status or (302 if disruptive == "redirect" else 403)
            d = Disruption(disruptive, status, rule.id, self.expand(rule.redirect or "") or None)
            if self.engine == "On":
                self.disruption = d
            elif self.detected_disruption is None:
                self.detected_disruption = d
        elif disruptive == "allow":
            if self.engine == "On":
                self._allow_phase = True
        elif disruptive == "allow_request":
            self.allowed_by = rule.id
            if self.engine == "On":
                self._allow_all = True
                self._allow_phase = True

    def _initcol(self, spec: str) -> None:
        name, _, key = spec.partition("=")
        if name.strip().lower() == "ip" and self._ip_store is not None:
            k = self.expand(key)
            store = self._ip_store.setdefault(k, {})
            if len(self._ip_store) > 65536:
                self._ip_store.pop(next(iter(self._ip_store)))
            self.ip = store

    def _setvar(self, spec: str) -> None:
        c = _SETVAR_PLANS.get(spec)
        if c is None:
            c = _setvar_plan(spec)
        delete, coll, key, key_parts, eq, value, value_parts, delta = c
        if coll is None:                      # the collection name has macros: expand the whole name now
            coll, _, key = self.expand(key).partition(".")
            coll, key = coll.strip().lower(), key.strip().lower()
        elif key_parts is not None:           # tx.header_name_%{tx.0}: the key has macros
            key = self._render(key_parts).strip().lower()
        target = self.tx if coll == "tx" else self.ip if coll == "ip" else None
        if target is None:
            return
        if delete:
            target.pop(key, None)
            return
        if key in _CAPTURE_SET and target is self.tx:
            self._caps = 10
        if not eq:
            target[key] = "1"
            return
        if value_parts is not None:
            value = self._render(value_parts)
        elif delta is not None:               # tx.x=+5 written literally: parsed once
            target[key] = str(_to_int(target.get(key, "0")) + delta)
            return
        if value[:1] in "+-" and value[1:].strip().lstrip("-").isdigit():
            cur = _to_int(target.get(key, "0"))
            n = int(value[1:].strip())
            target[key] = str(cur + n if value[0] == "+" else cur - n)
        elif value[:1] in "+-" and value[1:] == "":
            target[key] = str(_to_int(target.get(key, "0")))
        else:
            target[key] = value

    def _capture_writes(self, link: Rule) -> tuple[tuple[str, str], ...] | None:
        """The (key, value) TX writes of a capture-only link's setvars for the captures now in TX; None when one
        would be arithmetic (its value rendered to +N/-N): those run through ``_setvar``."""
        out = []
        for sv in link.setvars:
            _d, _c, key, key_parts, _eq, value, value_parts, _delta = _SETVAR_PLANS.get(sv) or _setvar_plan(sv)
            if key_parts is not None:
                key = self._render(key_parts).strip().lower()
            if value_parts is not None:
                value = self._render(value_parts)
            if value[:1] in "+-" or key in _CAPTURE_SET:
                return None
            out.append((key, value))
        return tuple(out)

    def _render(self, parts: tuple[tuple[int, str], ...]) -> str:
        """A macro template (``_template``) filled in: ``expand`` without the parse."""
        out = []
        tx = self.tx
        for kind, item in parts:
            if kind == 0:
                out.append(item)
            elif kind == 1:
                out.append(tx.get(item, ""))
            else:
                out.append(self._macro_spec(item))
        return "".join(out)

    def _ctl(self, spec: str) -> None:
        name, _, value = spec.partition("=")
        n = name.strip().lower()
        value = self.expand(value.strip())
        if n == "ruleremovebyid":
            if "-" in value or " " in value:
                self.removed_id_specs.append(value)
            else:
                try:
                    self.removed_ids.add(int(value))
                except ValueError:
                    pass
        elif n == "ruleremovebytag":
            self.removed_tags.append(value)
        elif n in ("ruleremovetargetbyid", "ruleremovetargetbytag"):
            spec_id, _, targets = value.partition(";")
            self.removed_targets.append((spec_id, n.endswith("bytag"), parse_variables(targets)))
        elif n == "ruleengine":
            v = value.lower()
            self.engine = "Off" if v == "off" else "DetectionOnly" if v == "detectiononly" else "On"
        elif n == "requestbodyprocessor":
            self.req.forced_processor = value.upper()
            self.req.reset_body()
        elif n == "forcerequestbodyvariable":
            self.req.force_body_variable = value.lower() == "on"
            self.req.resolved.clear()
        # auditEngine, auditLogParts: no effect on decisions here

    def geo_lookup(self, address: str) -> None:
        if self._geo is not None:
            country = self._geo(address)
            if country:
                self.geo_data = {"country_code": country}

    # -- macros ------------------------------------------------------------------------------
    def expand(self, text: str) -> str:
        if "%{" not in text:
            return text
        parts = _TEMPLATES.get(text)
        return self._render(parts if parts is not None else _template(text))

    def _macro(self, m: re.Match[str]) -> str:
        return self._macro_spec(m.group(1))

    def _macro_spec(self, spec: str) -> str:
        plan = _MACRO_PLANS.get(spec)
        if plan is None:
            plan = _macro_plan(spec)
        kind, arg = plan
        if kind == 0:
            return self.tx.get(arg, "")
        if kind == 1:
            return self.ip.get(arg, "")
        if kind == 3:
            return self.matched_var
        if kind == 4:
            return self.matched_var_name
        if kind == 2:
            r = self.current_rule
            if r is None:
                return ""
            return {"id": str(r.id), "msg": r.msg, "severity": r.severity, "logdata": r.logdata}.get(arg, "")
        vals = self.resolve(arg)
        return vals[0][1] if vals else ""


# macro templates: text -> parts, each (0, literal) | (1, tx key, lower-cased) | (2, macro spec); parsed once per
# distinct text (the rule set's texts: a bounded set; texts built at run time are not kept past the bound)
_TEMPLATES: dict[str, tuple[tuple[int, str], ...]] = {}


def _template(text: str) -> tuple[tuple[int, str], ...]:
    parts: list[tuple[int, str]] = []
    pos = 0
    for m in _MACRO.finditer(text):
        if m.start() > pos:
            parts.append((0, text[pos:m.start()]))
        spec = m.group(1)
        coll, dot, key = spec.partition(".")
        if dot and coll.strip().upper() == "TX":
            parts.append((1, key.lower()))
        else:
            parts.append((2, spec))
        pos = m.end()
    if pos < len(text):
        parts.append((0, text[pos:]))
    out = tuple(parts)
    if len(_TEMPLATES) < 65536:
        _TEMPLATES[text] = out
    return out


_SETVARS: dict[str, tuple[bool, str, str, str, str | None, str]] = {}


def _parse_setvar(spec: str) -> tuple[bool, str, str, str, str | None, str]:
    """setvar's text split once per distinct spec (the rule set's specs: a bounded set)."""
    s = spec.strip()
    delete = s.startswith("!")
    if delete:
        s = s[1:]
    name, eq, value = s.partition("=")
    coll: str | None = None
    key = ""
    if "%{" not in name:
        c, _, k = name.partition(".")
        coll, key = c.strip().lower(), k.strip().lower()
    out = (delete, name, eq, value, coll, key)
    if len(_SETVARS) < 65536:
        _SETVARS[spec] = out
    return out


# setvar spec -> (delete, collection or None when it has macros, key (the whole name when the collection has
# macros), the key's template when it has macros, has "=", value text, the value's template or None when
# literal, a literal +N/-N as an int or None)
_SETVAR_PLANS: dict[str, tuple[bool, str | None, str, tuple[tuple[int, str], ...] | None, str, str,
                               tuple[tuple[int, str], ...] | None, int | None]] = {}


def _setvar_plan(spec: str) -> tuple[bool, str | None, str, tuple[tuple[int, str], ...] | None, str, str,
                                     tuple[tuple[int, str], ...] | None, int | None]:
    delete, name, eq, value, coll, key = _SETVARS.get(spec) or _parse_setvar(spec)
    key_parts = None
    if coll is None:
        head, dot, rest = name.partition(".")
        if dot and "%{" not in head:          # only the key has macros: the collection is known now
            coll, key, key_parts = head.strip().lower(), "", _template(rest)
    value_parts = _template(value) if "%{" in value else None
    delta = None
    if value_parts is None and value[:1] in "+-" and value[1:].strip().lstrip("-").isdigit():
        n = int(value[1:].strip())
        delta = n if value[0] == "+" else -n
    elif coll is None:
        key = name                            # the whole name is expanded per call
    out = (delete, coll, key, key_parts, eq, value, value_parts, delta)
    if len(_SETVAR_PLANS) < 65536:
        _SETVAR_PLANS[spec] = out
    return out


def _capture_setvars(link: Rule) -> Table | None:
    """A memo table for a link whose every setvar assigns a TX key from literals and the link's own captures
    (TX:0-9, set from the value's memoised result): what it writes is then a function of the value alone."""
    if not link.capture or link.memo is None:
        return None
    for sv in link.setvars:
        delete, coll, _key, key_parts, eq, value, value_parts, _delta = _SETVAR_PLANS.get(sv) or _setvar_plan(sv)
        if delete or coll != "tx" or not eq or (value_parts is None and value[:1] in "+-"):
            return None
        for kind, item in (*(key_parts or ()), *(value_parts or ())):
            if kind == 2 or (kind == 1 and item not in _CAPTURE_KEYS):
                return None
    return MEMO.table()


def _to_int(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        m = re.match(r"\s*([+-]?\d+)", s)
        return int(m.group(1)) if m else 0


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _selector_regex(sel: str) -> re.Pattern[str]:
    pat = _REGEX_CACHE.get(sel)
    if pat is None:
        try:
            pat = re.compile(sel, re.I)
        except re.error:
            pat = re.compile(re.escape(sel), re.I)
        _REGEX_CACHE[sel] = pat
    return pat


# macro spec -> (kind, argument): 0 TX key, 1 IP key, 2 RULE field (all lower-cased), 3 MATCHED_VAR,
# 4 MATCHED_VAR_NAME, 5 any other variable (its VariableRef); parsed once per distinct spec (bounded)
_MACRO_PLANS: dict[str, tuple[int, Any]] = {}


def _macro_plan(spec: str) -> tuple[int, Any]:
    coll, dot, key = spec.partition(".")
    c = coll.strip().upper()
    if c == "TX" and dot:
        out: tuple[int, Any] = (0, key.lower())
    elif c == "IP" and dot:
        out = (1, key.lower())
    elif c == "RULE" and dot:
        out = (2, key.lower())
    elif c == "MATCHED_VAR" and not dot:
        out = (3, None)
    elif c == "MATCHED_VAR_NAME" and not dot:
        out = (4, None)
    else:
        out = (5, VariableRef(c, key) if dot else VariableRef(c))
    if len(_MACRO_PLANS) < 4096:
        _MACRO_PLANS[spec] = out
    return out
_LITERAL_PREFIX = re.compile(r"\^[A-Za-z0-9_\-]+")
# a literal, optionally ending in one repeated literal character (CRS's /MULTIPART_HEADERS_CONTENT_TYPES_*/): found
# in a key exactly when the literal before that character is
_LITERAL_SEARCH = re.compile(r"([A-Za-z0-9_\-]*[A-Za-z0-9\-]|[A-Za-z0-9_\-]+?)(?:[A-Za-z0-9_\-]\*)?")
_KEY_TESTS: dict[str, tuple[bool, str] | None] = {}


def _key_test(sel: str) -> tuple[bool, str] | None:
    """(is a prefix test, the lower-cased literal) when a regex selector over lower-cased keys is one, else None."""
    got = _KEY_TESTS.get(sel, False)
    if got is False:
        if _LITERAL_PREFIX.fullmatch(sel):
            got = (True, sel[1:].lower())
        else:
            m = _LITERAL_SEARCH.fullmatch(sel)
            got = (False, m.group(1).lower()) if m and m.group(1) else None
        if len(_KEY_TESTS) < 4096:
            _KEY_TESTS[sel] = got
    return got  # type: ignore[return-value]
_PREFIXES: dict[str, str | None] = {}


def _select(pairs: list[tuple[str, str]], ref: VariableRef) -> list[tuple[str, str]]:
    sel = ref.selector or ""
    if ref.is_regex:
        prefix = _PREFIXES.get(sel, "")
        if prefix == "":
            # /^literal/ (CRS's TX:/^HEADER_NAME_/, ...): a case-insensitive prefix test, no regex per key
            prefix = sel[1:].lower() if _LITERAL_PREFIX.fullmatch(sel) else None
            if len(_PREFIXES) < 4096:
                _PREFIXES[sel] = prefix
        if prefix is not None:
            if ref.name in ("TX", "IP"):        # setvar and the presets write these keys lower-cased
                return [(k, v) for k, v in pairs if k.startswith(prefix)]
            n = len(prefix)
            return [(k, v) for k, v in pairs if k[:n].lower() == prefix]
        rx = _selector_regex(sel)
        return [(k, v) for k, v in pairs if rx.search(k)]
    low = sel.lower()
    return [(k, v) for k, v in pairs if k.lower() == low]


# id of a rule's exclusion list -> (the list, held so the id stays its own; what it excludes, as a hashable key)
_EXCLUSION_KEYS: dict[int, tuple[list[VariableRef], tuple[tuple[str | None, bool], ...]]] = {}


def _exclusion_key(refs: list[VariableRef]) -> tuple[tuple[str | None, bool], ...]:
    got = _EXCLUSION_KEYS.get(id(refs))
    if got is not None and got[0] is refs:
        return got[1]
    key = tuple((r.selector, r.is_regex) for r in refs)
    if len(_EXCLUSION_KEYS) >= 65536:
        _EXCLUSION_KEYS.clear()
    _EXCLUSION_KEYS[id(refs)] = (refs, key)
    return key


def _excluded(full_name: str, coll: str, refs: list[VariableRef]) -> bool:
    key = full_name[len(coll) + 1:] if full_name.startswith(coll + ":") else full_name
    for r in refs:
        if r.selector is None:
            return True
        if r.is_regex:
            if _selector_regex(r.selector).search(key):
                return True
        elif key.lower() == r.selector.lower():
            return True
    return False


def _time_var(name: str) -> str:
    t = time.localtime()
    return {
        "TIME": time.strftime("%H:%M:%S", t), "TIME_EPOCH": str(int(time.time())),
        "TIME_YEAR": str(t.tm_year), "TIME_MON": str(t.tm_mon), "TIME_DAY": str(t.tm_mday),
        "TIME_HOUR": str(t.tm_hour), "TIME_MIN": str(t.tm_min), "TIME_SEC": str(t.tm_sec),
        "TIME_WDAY": str(t.tm_wday),
    }.get(name, "")
