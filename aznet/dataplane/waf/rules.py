"""Compiled rules: SecLang directives -> :class:`Rule` objects grouped by phase (a :class:`RuleSet`)."""

from __future__ import annotations

import operator
import os
import re
from dataclasses import dataclass, field
from typing import Any

from . import operators, transforms
from .memo import MEMO, Table
from .seclang import Action, Directive, SecLangError, VariableRef, parse

DISRUPTIVE = frozenset({"deny", "drop", "block", "pass", "allow", "redirect", "proxy", "pause"})
IGNORED_ACTIONS = frozenset({
    "rev", "ver", "maturity", "accuracy", "auditlog", "noauditlog", "sanitisematched",
    "sanitisearg", "sanitiserequestheader", "sanitiseresponseheader", "sanitizematched",
    "expirevar", "setenv", "exec", "append", "prepend", "deprecatevar", "setuid", "setsid",
    "setrsc", "xmlns", "status_message",
})
_PL_TAG = re.compile(r"^paranoia-level/(\d)$")


@dataclass(slots=True)
class Rule:
    id: int
    phase: int
    file: str
    line: int
    targets: list[VariableRef]
    exclusions: dict[str, list[VariableRef]]   # collection -> excluded selectors
    op: operators.Operator
    negated: bool
    transforms: tuple[tuple[str, transforms.Transform], ...]
    multimatch: bool = False
    disruptive: str | None = None
    status: int | None = None
    redirect: str | None = None
    log: bool = True
    capture: bool = False
    msg: str = ""
    logdata: str = ""
    tags: tuple[str, ...] = ()
    severity: str = ""
    setvars: tuple[str, ...] = ()
    ctls: tuple[str, ...] = ()
    skip: int = 0
    skip_after: str | None = None
    initcols: tuple[str, ...] = ()
    chain: Rule | None = None
    paranoia: int = 0
    is_action: bool = False          # SecAction: no variables, always matches
    prefilter_key: int | None = None  # set by the prefilter when its first link is gated
    transform_key: tuple[str, ...] = ()
    transform_prefixes: tuple[int, ...] = ()    # ids (prefix_id) of transform_key[:1], [:2], ...
    transform_fns: tuple[transforms.Transform, ...] = ()
    # (tx key, is &count, comparison, constant, negated) for one-link rules comparing one TX
    # variable with a constant: evaluated inline, without the general path (most never match)
    fast_tx: tuple[str, bool, object, int, bool] | None = None
    # the same for a rule comparing several TX variables (CRS's &TX:x|TX:x "@eq 0" plugin gates):
    # (comparison, constant, negated, ((tx key, is &count, selector as written), ...))
    fast_txs: tuple[object, int, bool, tuple[tuple[str, bool, str], ...]] | None = None
    # this link's result per raw value (transformations + operator), across requests, when the operator is
    # pure (memo.py); None: computed every time
    memo: Table | None = None
    # per raw value, the TX writes of this link's setvars when they read only its own captures (920450's
    # tx.header_name_%{tx.0}=/%{tx.0}/): decided on first use (False: not yet; None: not such a link)
    setvar_memo: Table | None | bool = False

    def links(self) -> list[Rule]:
        out: list[Rule] = []
        r: Rule | None = self
        while r is not None:
            out.append(r)
            r = r.chain
        return out


@dataclass(slots=True)
class Marker:
    name: str


@dataclass(slots=True)
class RuleSet:
    phases: dict[int, list[Rule | Marker]] = field(default_factory=lambda: {p: [] for p in range(1, 6)})
    markers: dict[int, dict[str, int]] = field(default_factory=dict)
    by_id: dict[int, Rule] = field(default_factory=dict)
    default_disruptive: dict[int, str] = field(default_factory=dict)
    signature: str = ""
    # phase -> (indices of every rule, of the rules no prefilter gates, gated rule id -> index): Transaction's
    # walk through a phase, built on first use (after the prefilter marked the rules it gates)
    walks: dict[int, tuple[list[int], list[int], dict[int, int]]] = field(default_factory=dict)
    # (rules folded, dropped, operators specialised) when fold.fold made this plan
    fold_stats: tuple[int, int, int] = (0, 0, 0)
    # rule id -> its whole-rule memo (rule_memo.NamesMemo) in this plan; set by policy._plan for folded plans
    rule_memos: dict[int, Any] = field(default_factory=dict)

    def walk(self, phase: int) -> tuple[list[int], list[int], dict[int, int]]:
        entries = self.phases.get(phase, [])
        every = [i for i, e in enumerate(entries) if isinstance(e, Rule)]
        ungated = [i for i in every if entries[i].prefilter_key is None]  # type: ignore[union-attr]
        gated = {entries[i].id: i for i in every if entries[i].prefilter_key is not None}  # type: ignore[union-attr]
        out = self.walks[phase] = (every, ungated, gated)
        return out

    def index(self) -> None:
        self.walks = {}
        self.markers = {}
        for phase, entries in self.phases.items():
            self.markers[phase] = {e.name: i for i, e in enumerate(entries) if isinstance(e, Marker)}
            for i, e in enumerate(entries):
                if isinstance(e, Rule):
                    self.markers[phase].setdefault(str(e.id), i)

    def without(self, ids: frozenset[int]) -> RuleSet:
        """A view of this rule set minus some rules (rules shared, phase lists and markers rebuilt)."""
        out = RuleSet(phases={p: [e for e in entries if not (isinstance(e, Rule) and e.id in ids)]
                              for p, entries in self.phases.items()},
                      by_id={i: r for i, r in self.by_id.items() if i not in ids},
                      default_disruptive=dict(self.default_disruptive), signature=self.signature)
        out.index()
        return out

    def rules(self) -> list[Rule]:
        return [e for entries in self.phases.values() for e in entries if isinstance(e, Rule)]

    def remove_ids(self, ids: set[int]) -> None:
        for phase, entries in self.phases.items():
            self.phases[phase] = [e for e in entries if not (isinstance(e, Rule) and e.id in ids)]
        for i in ids:
            self.by_id.pop(i, None)
        self.index()


class RuleCompiler:
    """Feeds directives (in file order) into a :class:`RuleSet`."""

    def __init__(self, base_dir: str = "") -> None:
        self.ruleset = RuleSet()
        self.base_dir = base_dir
        self._pending: Rule | None = None          # chain head being built
        self._tail: Rule | None = None

    def add_text(self, text: str, file: str = "", base_dir: str | None = None) -> None:
        saved = self.base_dir
        if base_dir is not None:
            self.base_dir = base_dir
        try:
            for d in parse(text, file):
                self.add(d)
        finally:
            self.base_dir = saved

    def add_file(self, path: str) -> None:
        with open(path, encoding="latin-1") as fh:
            self.add_text(fh.read(), os.path.basename(path), os.path.dirname(path))

    def add(self, d: Directive) -> None:
        kind = d.kind
        if kind == "SecRule" or kind == "SecAction":
            self._add_rule(d)
        elif kind == "SecMarker":
            name = d.args[0] if d.args else ""
            for entries in self.ruleset.phases.values():
                entries.append(Marker(name))
        elif kind == "SecDefaultAction":
            phase = 2
            disruptive = "pass"
            for a in d.actions:
                if a.name == "phase":
                    phase = _phase(a.value)
                elif a.name in DISRUPTIVE:
                    disruptive = a.name
            self.ruleset.default_disruptive[phase] = disruptive
        elif kind == "SecComponentSignature":
            self.ruleset.signature = d.args[0] if d.args else ""
        elif kind == "SecRuleRemoveById":
            self.ruleset.remove_ids(_id_set(" ".join(d.args)))
        # other directives (SecRuleEngine, SecCollectionTimeout, ...) are engine settings the
        # caller passes explicitly.

    def finish(self) -> RuleSet:
        if self._pending is not None:
            raise SecLangError(f"{self._pending.file}:{self._pending.line}: chain without a final rule")
        self.ruleset.index()
        return self.ruleset

    def _add_rule(self, d: Directive) -> None:
        rule, chained = self._compile(d)
        if self._pending is None:
            head = rule
            if rule.id == 0 and not rule.is_action:
                raise SecLangError(f"{d.file}:{d.line}: rule without id")
            self.ruleset.phases.setdefault(rule.phase, []).append(rule)
            self.ruleset.by_id[rule.id] = rule
            if chained:
                self._pending, self._tail = head, rule
        else:
            assert self._tail is not None
            rule.phase = self._pending.phase
            self._tail.chain = rule
            self._tail = rule
            if not chained:
                self._pending = self._tail = None

    def _compile(self, d: Directive) -> tuple[Rule, bool]:
        is_action = d.kind == "SecAction"
        targets = [v for v in d.variables if not v.exclude]
        exclusions: dict[str, list[VariableRef]] = {}
        for v in d.variables:
            if v.exclude:
                exclusions.setdefault(v.name, []).append(v)
        try:
            op = operators.build(d.operator or "unconditionalmatch", d.operator_arg, lambda s: s,
                                 self.base_dir)
        except (ValueError, OSError) as exc:
            raise SecLangError(f"{d.file}:{d.line}: {exc}") from None
        rule = Rule(id=0, phase=2, file=d.file.removesuffix(".conf"), line=d.line, targets=targets,
                    exclusions=exclusions, op=op, negated=d.negated, transforms=(), is_action=is_action)
        chained = False
        tfs: list[tuple[str, transforms.Transform]] = []
        tags: list[str] = []
        setvars: list[str] = []
        ctls: list[str] = []
        initcols: list[str] = []
        explicit_phase = False
        for a in d.actions:
            chained |= self._apply_action(rule, a, tfs, tags, setvars, ctls, initcols)
            explicit_phase |= a.name == "phase"
        if rule.disruptive is None and self._pending is None:
            rule.disruptive = None
        rule.transforms = tuple(tfs)
        rule.transform_key = tuple(name for name, _ in tfs)
        rule.transform_prefixes = tuple(prefix_id(rule.transform_key[:i + 1]) for i in range(len(tfs)))
        rule.transform_fns = tuple(f for _, f in tfs)
        rule.tags = tuple(tags)
        rule.setvars = tuple(setvars)
        rule.ctls = tuple(ctls)
        rule.initcols = tuple(initcols)
        rule.fast_tx = _fast_tx(rule)
        rule.fast_txs = _fast_txs(rule)
        if op.pure and not is_action:
            rule.memo = MEMO.table()
        for t in tags:
            m = _PL_TAG.match(t)
            if m:
                rule.paranoia = int(m.group(1))
        return rule, chained

    def _apply_action(self, rule: Rule, a: Action, tfs: list, tags: list, setvars: list,
                      ctls: list, initcols: list) -> bool:
        n, v = a.name, a.value or ""
        if n == "id":
            rule.id = int(v)
        elif n == "phase":
            rule.phase = _phase(v)
        elif n == "chain":
            return True
        elif n == "t":
            if v.lower() == "none":
                tfs.clear()
            else:
                try:
                    tfs.append((v.lower(), transforms.lookup(v)))
                except ValueError as exc:
                    raise SecLangError(f"{rule.file}:{rule.line}: {exc}") from None
        elif n in DISRUPTIVE:
            rule.disruptive = n
            if n == "redirect":
                rule.redirect = v
        elif n == "status":
            rule.status = int(v)
        elif n == "msg":
            rule.msg = v
        elif n == "logdata":
            rule.logdata = v
        elif n == "tag":
            tags.append(v)
        elif n == "severity":
            rule.severity = v
        elif n == "setvar":
            setvars.append(v)
        elif n == "ctl":
            ctls.append(v)
        elif n == "capture":
            rule.capture = True
        elif n == "multimatch":
            rule.multimatch = True
        elif n == "log":
            rule.log = True
        elif n == "nolog":
            rule.log = False
        elif n == "skip":
            rule.skip = int(v)
        elif n == "skipafter":
            rule.skip_after = v
        elif n == "initcol":
            initcols.append(v)
        elif n in IGNORED_ACTIONS:
            pass
        else:
            raise SecLangError(f"{rule.file}:{rule.line}: unsupported action {n}")
        return False


_PREFIX_IDS: dict[tuple[str, ...], int] = {}


def prefix_id(chain: tuple[str, ...]) -> int:
    """A small int naming a transformation chain (the same chain in every rule gets the same id): the
    per-request transformation cache is keyed by it, cheaper to hash than the chain's names."""
    got = _PREFIX_IDS.get(chain)
    if got is None:
        got = _PREFIX_IDS[chain] = len(_PREFIX_IDS)
    return got


_CMP = {"eq": operator.eq, "ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}


def _fast_tx(rule: Rule) -> tuple[str, bool, object, int, bool] | None:
    if rule.is_action or rule.transforms or rule.multimatch or len(rule.targets) != 1 or rule.exclusions:
        return None
    t = rule.targets[0]
    if t.name != "TX" or t.selector is None or t.is_regex or rule.op.name not in _CMP or rule.op.dynamic:
        return None
    try:
        const = int(rule.op.arg.strip())
    except ValueError:
        return None
    return (t.selector.lower(), t.count, _CMP[rule.op.name], const, rule.negated)


def _fast_txs(rule: Rule) -> tuple[object, int, bool, tuple[tuple[str, bool, str], ...]] | None:
    if rule.is_action or rule.transforms or rule.multimatch or len(rule.targets) < 2 or rule.exclusions:
        return None
    if any(t.name != "TX" or t.selector is None or t.is_regex for t in rule.targets):
        return None
    if rule.op.name not in _CMP or rule.op.dynamic:
        return None
    try:
        const = int(rule.op.arg.strip())
    except ValueError:
        return None
    return (_CMP[rule.op.name], const, rule.negated,
            tuple((t.selector.lower(), t.count, t.selector) for t in rule.targets if t.selector is not None))


def _phase(value: str | None) -> int:
    v = (value or "2").strip().lower()
    return {"request": 2, "response": 4, "logging": 5}.get(v) or int(v)


def _id_set(text: str) -> set[int]:
    out: set[int] = set()
    for part in re.split(r"[\s,]+", text.strip()):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        if hi:
            out.update(range(int(lo), int(hi) + 1))
        else:
            out.add(int(lo))
    return out


def id_matches(spec: str, rule_id: int) -> bool:
    for part in re.split(r"[\s,]+", spec.strip()):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            if hi and int(lo) <= rule_id <= int(hi):
                return True
            if not hi and int(lo) == rule_id:
                return True
        except ValueError:
            continue
    return False
