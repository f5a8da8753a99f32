"""Hyperscan prefilter: one database per (phase, transformation chain) over the rules' @rx/@pm patterns.

A rule is *gated* when its first link is a non-negated ``@rx`` (static pattern) or ``@pm``/
``@pmFromFile`` over request variables; a phase then evaluates only the gated rules some value made
candidates (and every ungated rule). Groups (databases) reading the same variables form a target set.
What a value makes candidates depends on the value alone, so it is remembered across requests (``memo``,
bounded by bytes): per variable, value -> the rules of every group reading that variable that its
transformed forms hit. A request's values seen before cost one lookup each; its new values are
transformed and, per group, joined with newlines and scanned once, then scanned one by one only when the
joined scan hit (so what is remembered per value is exact). Only candidate rules run Python's ``re``.
Patterns are compiled with HS_FLAG_PREFILTER (Hyperscan may over-match, never under-match),
HS_FLAG_MULTILINE (so ``^``/``$`` still match at each joined value's edges) and
HS_FLAG_SINGLEMATCH. Patterns Hyperscan rejects, or that use ``\\A``/``\\z``/``\\Z``/``\\G``
(which do not survive joining), keep their rules ungated: listed in :attr:`Prefilter.unfiltered`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import hyperscan

from .memo import MAX_VALUE, MEMO, Table
from .rules import Rule, RuleSet
from .seclang import VariableRef
from .transaction import _select

if TYPE_CHECKING:
    from .transaction import Transaction
    from .variables import RequestView

# variables whose values do not depend on earlier rules (safe to scan before the phase runs)
STATIC_VARIABLES = frozenset({
    "ARGS", "ARGS_GET", "ARGS_POST", "ARGS_NAMES", "ARGS_GET_NAMES", "ARGS_POST_NAMES",
    "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES", "REQUEST_COOKIES", "REQUEST_COOKIES_NAMES",
    "REQUEST_URI", "REQUEST_URI_RAW", "REQUEST_FILENAME", "REQUEST_BASENAME", "QUERY_STRING",
    "REQUEST_BODY", "REQUEST_LINE", "REQUEST_METHOD", "REQUEST_PROTOCOL", "FILES", "FILES_NAMES",
    "MULTIPART_PART_HEADERS", "XML", "RESPONSE_BODY", "RESPONSE_HEADERS", "RESPONSE_HEADERS_NAMES",
})
# request-derived variables a Python-gated rule may read (its per-value result is remembered like a Hyperscan
# group's); in phase 1 not those a phase-1 ctl (requestBodyProcessor, forceRequestBodyVariable) can change
_BODY_VARIABLES = frozenset({
    "ARGS", "ARGS_POST", "ARGS_NAMES", "ARGS_POST_NAMES", "REQUEST_BODY", "FILES", "FILES_NAMES", "FILES_SIZES",
    "MULTIPART_PART_HEADERS", "XML", "REQBODY_PROCESSOR", "REQBODY_ERROR", "REQBODY_PROCESSOR_ERROR",
    "REQBODY_ERROR_MSG", "REQBODY_PROCESSOR_ERROR_MSG", "MULTIPART_STRICT_ERROR", "MULTIPART_UNMATCHED_BOUNDARY",
    "FILES_COMBINED_SIZE", "ARGS_COMBINED_SIZE", "REQUEST_BODY_LENGTH",
})
PY_GATEABLE = {
    2: frozenset(STATIC_VARIABLES - {"RESPONSE_BODY", "RESPONSE_HEADERS", "RESPONSE_HEADERS_NAMES"}) | _BODY_VARIABLES
    | {"REMOTE_ADDR", "SERVER_NAME", "AUTH_TYPE", "FULL_REQUEST", "FULL_REQUEST_LENGTH"},
}
PY_GATEABLE[1] = PY_GATEABLE[2] - _BODY_VARIABLES
# variables with no value at all when the request has no body (a body-less request skips them; not their &counts)
_BODY_ONLY = frozenset({"ARGS_POST", "ARGS_POST_NAMES", "REQUEST_BODY", "FILES", "FILES_NAMES", "FILES_SIZES",
                        "MULTIPART_PART_HEADERS", "XML"})
_UNJOINABLE = re.compile(r"\\[AzZG]")
BASE_FLAGS = (hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_DOTALL
              | hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY)
# Rules whose pattern Hyperscan 5.4 was seen to under-match in prefilter mode (a Hyperscan defect:
# (?i)@.+=\s*\(\s*select misses "...[@vendor]=(SELECT" in CRS test 942210-39). They stay ungated.
# tests/waf/test_prefilter.py replays the whole CRS suite with and without the prefilter and
# fails on any other difference. (HS_FLAG_UTF8|UCP avoids this defect but compiles ~40x slower.)
HYPERSCAN_UNSAFE = frozenset({942210})
PYTHON_GATED = -1            # Rule.prefilter_key of a rule gated by its first link run in Python
_MISS = object()


@dataclass(slots=True)
class _Group:
    phase: int
    transform_key: tuple[str, ...]
    fns: tuple[Any, ...]
    multimatch: bool = False          # scan every transformation step, not only the last
    prefixes: tuple[tuple[str, ...], ...] = ()
    refs: list[VariableRef] = field(default_factory=list)
    refs_key: int = 0                 # groups with equal refs share an id (one target set)
    expr_rule: list[int] = field(default_factory=list)     # expression id -> rule id
    db: Any = None


@dataclass(slots=True)
class _TargetSet:
    """The groups of one phase that read the same variables: per value, which of their rules it makes candidates."""
    refs: list[VariableRef]
    groups: list[_Group]
    memo: Table                       # raw value -> frozenset of rule ids its transformed forms hit


class Prefilter:
    def __init__(self, ruleset: RuleSet) -> None:
        self.groups: list[_Group] = []
        self.sets: dict[int, list[_TargetSet]] = {}     # phase -> target sets
        # phase -> per variable any target set reads: (the variable, the sets reading it, value -> candidates)
        # and the Python-gated rules reading it
        self.by_ref: dict[int, list[tuple[VariableRef, list[_TargetSet], Table, tuple[tuple[Rule, int], ...]]]] = {}
        self.gated: set[int] = set()
        self.python_gated: set[int] = set()      # of gated: the rules whose first link runs in Python
        self.required: dict[int, tuple[int, ...]] = {}       # rule -> its gated later links (gate ids)
        self.chain_only: dict[int, dict[int, tuple[int, ...]]] = {}  # phase -> rules gated by later links only
        self.unfiltered: dict[int, str] = {}
        self._rules: dict[int, Rule] = {}
        by_key: dict[tuple[int, tuple[str, ...], bool], _Group] = {}
        exprs: dict[tuple[int, tuple[str, ...], bool], list[tuple[bytes, int, int]]] = {}
        for phase, entries in ruleset.phases.items():
            for rule in entries:
                if not isinstance(rule, Rule):
                    continue
                why = self._why_not(rule)
                if why is not None:
                    if rule.op.name in ("rx", "pm", "pmfromfile", "pmf"):
                        self.unfiltered[rule.id] = why
                    continue
                patterns = self._patterns(rule)
                if patterns is None:
                    continue
                key = (phase, rule.transform_key, rule.multimatch)
                grp = by_key.get(key)
                if grp is None:
                    grp = by_key[key] = _Group(phase, rule.transform_key, rule.transform_fns,
                                               rule.multimatch, rule.transform_prefixes)
                    exprs[key] = []
                for ref in rule.targets:
                    plain = VariableRef(ref.name, ref.selector, ref.is_regex)
                    if plain not in grp.refs:
                        grp.refs.append(plain)
                for pat, flags in patterns:
                    exprs[key].append((pat, flags, rule.id))
                self._rules[rule.id] = rule
        ref_ids: dict[tuple[VariableRef, ...], int] = {}
        for key, grp in by_key.items():
            items = exprs[key]
            if not items:
                continue
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(expressions=[p for p, _, _ in items], ids=list(range(len(items))),
                       flags=[f for _, f, _ in items])
            grp.db = db
            grp.refs_key = ref_ids.setdefault(tuple(grp.refs), len(ref_ids))
            grp.expr_rule = [rid for _, _, rid in items]
            self.groups.append(grp)
            for rid in set(grp.expr_rule):
                self.gated.add(rid)
                self._rules[rid].prefilter_key = len(self.groups) - 1
        by_refs: dict[tuple[int, int], _TargetSet] = {}
        for grp in self.groups:
            ts = by_refs.get((grp.phase, grp.refs_key))
            if ts is None:
                ts = by_refs[(grp.phase, grp.refs_key)] = _TargetSet(grp.refs, [], MEMO.table())
                self.sets.setdefault(grp.phase, []).append(ts)
            ts.groups.append(grp)
        # what a Hyperscan hit is confirmed against: the variables the rule reads
        self._refs: dict[int, frozenset[VariableRef]] = {
            rid: frozenset(_key(t) for t in self._rules[rid].targets) for rid in self.gated}
        py = self._python_gates(ruleset)
        for phase in sorted(set(self.sets) | set(py)):
            refs: dict[VariableRef, list[_TargetSet]] = {}
            for ts in self.sets.get(phase, ()):
                for ref in ts.refs:
                    refs.setdefault(ref, []).append(ts)
            pyrefs = py.get(phase, {})
            self.by_ref[phase] = [(ref, refs.get(ref, []), MEMO.table(), tuple(pyrefs.get(ref, ())))
                                  for ref in dict.fromkeys([*refs, *pyrefs])]
        # per phase: the families of item-wise looked-up variables, and the entries looked up per variable
        self.families: dict[int, list[_Family]] = {}
        self.rest: dict[int, list[int]] = {}
        # per phase: the families whose items are functions of the request line or of the header list, with the
        # header-count entries, answered as a whole per line or per header list (``_Whole``); the others
        self.wholes: dict[int, list[_Whole]] = {}
        self.loose: dict[int, list[_Family]] = {}
        for phase, entries in self.by_ref.items():
            covered: set[int] = set()
            fams = []
            for items, members in FAMILIES:
                refs_of = [(idx, e[0]) for idx, e in enumerate(entries)
                           if e[0].name in members and not e[0].count]
                if refs_of:
                    fams.append(_Family(items, refs_of, MEMO.table(), members is REQUEST_LINE_VARIABLES))
                    covered |= {idx for idx, _ in refs_of}
            self.families[phase] = fams
            self.rest[phase] = [idx for idx in range(len(entries)) if idx not in covered]
            counts = [idx for idx in self.rest[phase] if _header_count(entries[idx][0])]
            body = [idx for idx in self.rest[phase] if entries[idx][0].name in BODY_KEYED]
            line = _Whole(_line_key, [f for f in fams if f.items in (_request_line, _args_get)], [], [],
                          MEMO.table())
            heads = _Whole(_headers_key, [f for f in fams if f.items in (_headers, _cookies)], counts, [],
                           MEMO.table())
            bodied = _Whole(_body_key, [f for f in fams if f.items is _args_post], [], body, MEMO.table())
            self.wholes[phase] = [w for w in (line, heads, bodied) if w.families or w.counts or w.rest]
            self.loose[phase] = [f for f in fams if f.items not in (_request_line, _args_get, _headers, _cookies,
                                                                     _args_post)]
            self.rest[phase] = [idx for idx in self.rest[phase] if idx not in counts and idx not in body]

    def _python_gates(self, ruleset: RuleSet) -> dict[int, dict[VariableRef, list[tuple[Rule, int]]]]:
        """Links gated in Python, each new value run once and remembered like a Hyperscan group's answer: a rule's
        first link when Hyperscan cannot take its operator (negated, numeric, validation, libinjection, string
        comparisons, patterns it rejects), and the later links of a chain whose earlier links do nothing but
        match (no setvar, capture, ctl or initcol: skipping the rule then skips nothing). Each must be a pure
        operator over request variables (PY_GATEABLE). A rule is a candidate only when every gated link of it
        has a matching value: its first link's gate id is its rule id, a later link's ``_chain_gate``."""
        out: dict[int, dict[VariableRef, list[tuple[Rule, int]]]] = {}
        for phase, entries in ruleset.phases.items():
            gateable = PY_GATEABLE.get(phase)
            if gateable is None:
                continue
            by_ref = out.setdefault(phase, {})
            for rule in entries:
                if not isinstance(rule, Rule) or rule.is_action:
                    continue
                # (prefilter_key is no guide: rules are shared with other plans, whose prefilters set it too)
                first = rule.id in self.gated
                if not first and _gateable(rule, gateable):
                    for ref in dict.fromkeys(_key(t) for t in rule.targets):
                        by_ref.setdefault(ref, []).append((rule, rule.id))
                    self.python_gated.add(rule.id)
                    first = True
                chain: list[int] = []
                quiet = not (rule.setvars or rule.capture or rule.ctls or rule.initcols)
                link, k = rule.chain, 1
                while link is not None and quiet:
                    if _gateable(link, gateable):
                        gid = _chain_gate(rule.id, k)
                        for ref in dict.fromkeys(_key(t) for t in link.targets):
                            by_ref.setdefault(ref, []).append((link, gid))
                        chain.append(gid)
                    quiet = not (link.setvars or link.capture or link.ctls or link.initcols)
                    link, k = link.chain, k + 1
                if chain:
                    if first:
                        self.required[rule.id] = tuple(chain)
                    else:
                        self.chain_only.setdefault(phase, {})[rule.id] = tuple(chain)
                if first or chain:
                    if rule.id not in self.gated:
                        rule.prefilter_key = PYTHON_GATED
                        self.gated.add(rule.id)
                        self._rules[rule.id] = rule
        return out

    def _why_not(self, rule: Rule) -> str | None:
        op = rule.op
        if op.name not in ("rx", "pm", "pmfromfile", "pmf"):
            return "operator"
        if rule.negated:
            return "negated operator"
        if op.dynamic:
            return "pattern built from macros at run time"
        if not rule.targets or any(t.count or t.name not in STATIC_VARIABLES for t in rule.targets):
            return "targets depend on earlier rules (TX, MATCHED_VARS, ...)"
        return None

    def _patterns(self, rule: Rule) -> list[tuple[bytes, int]] | None:
        op = rule.op
        if op.name == "rx":
            src = op.arg
            if _UNJOINABLE.search(src):
                self.unfiltered[rule.id] = "anchor \\A/\\z/\\Z/\\G does not survive joining values"
                return None
            if rule.id in HYPERSCAN_UNSAFE:
                self.unfiltered[rule.id] = "Hyperscan under-matches this pattern (see HYPERSCAN_UNSAFE)"
                return None
            pat = src.encode("latin-1", "replace")
            try:
                hyperscan.Database().compile(expressions=[pat], ids=[0], flags=[BASE_FLAGS])
            except hyperscan.error as exc:  # type: ignore[attr-defined]
                self.unfiltered[rule.id] = f"Hyperscan: {exc}"
                return None
            return [(pat, BASE_FLAGS)]
        if not op.phrases:
            return None
        flags = BASE_FLAGS | hyperscan.HS_FLAG_CASELESS
        return [(re.escape(p).encode("latin-1", "replace"), flags) for p in set(op.phrases)]

    def regex_module_rules(self) -> dict[int, str]:
        """Rules whose @rx Python's ``re`` could not take (compiled by the ``regex`` module)."""
        out: dict[int, str] = {}
        for rid, rule in self._rules.items():
            if rule.op.pattern is not None and rule.op.pattern.engine != "re":
                out[rid] = rule.op.pattern.engine
        return out

    def candidates(self, tx: Transaction, phase: int) -> set[int]:
        """The gated rules of ``phase`` whose first link matches some value it reads. Per variable and value, the
        answer is remembered across requests (``memo``): a value seen before costs one lookup; the new values of
        a request are transformed and scanned together, once per group reading them (``_fill``), and each
        Hyperscan hit (a superset: prefilter mode) is confirmed by the rule's first link, as are the Python-gated
        rules reading the variable (their results land in the links' own memo, so evaluation reuses them).
        Headers, cookies and arguments are looked up per item (name, value) over every variable reading them
        (``families``): one lookup per header instead of one per variable and value."""
        hits: set[int] = set()
        entries = self.by_ref.get(phase, ())
        new: dict[int, list[str]] = {}                  # entry index -> its values without a remembered answer
        # (item memo, item, its (entry index, value) pairs, the whole it belongs to or None)
        pending: list[tuple[Table, tuple[str, ...], list[tuple[int, str]], list[Any] | None]] = []
        counted: list[tuple[list[Any], int, str]] = []  # (whole, entry index, value) of a whole's new values
        req = tx.req
        wholes: list[list[Any]] = []                    # [whole, key, its hits so far, rememberable] of misses
        for whole in self.wholes.get(phase, ()):
            key = whole.key(req)
            got = whole.memo.get(key)
            if got is not None:
                if got:
                    hits |= got
                continue
            acc: set[int] = set()
            rec = [whole, key, acc, True]
            wholes.append(rec)
            for fam in whole.families:
                self._items(fam, req, tx, entries, hits, new, pending, rec)
            header_index = None
            for idx in whole.counts:
                # &REQUEST_HEADERS:Name: how many such headers (as resolve counts them), from one index per request
                if header_index is None:
                    header_index = req.keyed("REQUEST_HEADERS")
                ref = entries[idx][0]
                value = str(len(header_index.get(ref.selector.lower(), ())))  # type: ignore[union-attr]
                got = entries[idx][2].get(value)
                if got is None:
                    new.setdefault(idx, []).append(value)
                    counted.append((rec, idx, value))
                elif got:
                    hits |= got
                    acc |= got
            if whole.rest:
                no_body = not req.body
                for idx in whole.rest:
                    ref, _tss, memo, _py = entries[idx]
                    if no_body and ref.name in _BODY_ONLY and not ref.count:
                        continue                   # no value without a body (and no body processor run)
                    for _, value in tx.resolve(ref):
                        if len(value) > MAX_VALUE:
                            rec[3] = False         # its answer may be unconfirmed (a long value): not remembered
                        got = memo.get(value)
                        if got is None:
                            new.setdefault(idx, []).append(value)
                            counted.append((rec, idx, value))
                        elif got:
                            hits |= got
                            acc |= got
        for fam in self.loose.get(phase, ()):
            self._items(fam, req, tx, entries, hits, new, pending, None)
        no_response = tx.resp is None
        resolve = tx.resolve
        no_body = not req.body
        for idx in self.rest.get(phase, ()):
            ref, _tss, memo, _py = entries[idx]
            if (no_response and ref.name.startswith("RESPONSE_")) or (no_body and ref.name in _BODY_ONLY and not ref.count):
                continue
            for value in [v for _, v in resolve(ref)]:
                got = memo.get(value)
                if got is None:
                    new.setdefault(idx, []).append(value)
                elif got:
                    hits |= got
        computed: dict[tuple[int, str], frozenset[int]] = {}
        if new:
            # each target set scans all its new values together
            todo: dict[int, tuple[_TargetSet, dict[str, None]]] = {}
            for idx, values in new.items():
                for ts in entries[idx][1]:
                    todo.setdefault(id(ts), (ts, {}))[1].update(dict.fromkeys(values))
            done = {key: self._fill(ts, list(values), tx) for key, (ts, values) in todo.items()}
            for idx, values in new.items():
                ref, tss, memo, pyrules = entries[idx]
                for value in dict.fromkeys(values):
                    got = computed[(idx, value)] = self._exact(ref, value, tss, done, pyrules, tx)
                    MEMO.put(memo, value, got)
                    hits |= got
        for memo, item, pairs, rec in pending:
            got = frozenset().union(*(computed.get((idx, v)) or entries[idx][2].get(v) or () for idx, v in pairs))
            size = sum(map(len, item))
            MEMO.put_sized(memo, item, size, got)
            if rec is not None:
                rec[2] |= got
                if size > MAX_VALUE:
                    rec[3] = False             # its answer may be unconfirmed (a long value): not remembered
        for rec, idx, value in counted:
            rec[2] |= computed[(idx, value)]
        for whole, key, acc, ok in wholes:
            if ok:
                whole.put(key, frozenset(acc))
        # a rule is a candidate when each of its gated links has a matching value
        required = self.required
        out = {g for g in hits if g > 0 and (g not in required or all(c in hits for c in required[g]))}
        for rid, gates in self.chain_only.get(phase, {}).items():
            if all(c in hits for c in gates):
                out.add(rid)
        return out

    @staticmethod
    def _items(fam: _Family, req: RequestView, tx: Transaction, entries: list[Any], hits: set[int],
               new: dict[int, list[str]], pending: list[Any], rec: list[Any] | None) -> None:
        """A family's items looked up one by one (``candidates``): a remembered item adds its rules to ``hits`` (and
        to its whole's, ``rec``); a new one is pending, and each of its values without an answer is new."""
        memo = fam.memo
        acc = rec[2] if rec is not None else None
        for item in fam.items(req):
            got = memo.get(item)
            if got is None:
                pairs = fam.pairs(item, tx)
                pending.append((memo, item, pairs, rec))
                for idx, value in pairs:
                    known = entries[idx][2].get(value)
                    if known is None:
                        new.setdefault(idx, []).append(value)
                    elif known:
                        hits |= known
            elif got:
                hits |= got
                if acc is not None:
                    acc |= got

    def _exact(self, ref: VariableRef, value: str, tss: list[_TargetSet], done: dict[int, dict[str, frozenset[int]]],
               pyrules: tuple[tuple[Rule, int], ...], tx: Transaction) -> frozenset[int]:
        """The gated rules reading ``ref`` whose first link matches ``value``. A value too long to remember
        (its regex searches run under the request's time budget, when the rule runs) keeps every rule its
        Hyperscan scan hit and every Python-gated rule as candidates, unconfirmed."""
        hs: frozenset[int] = frozenset().union(*(done[id(ts)][value] for ts in tss)) if tss else frozenset()
        if len(value) > MAX_VALUE:
            return hs.union(gid for _, gid in pyrules)
        out = [rid for rid in hs if ref in self._refs[rid] and _first_link_hits(self._rules[rid], value, tx)]
        out.extend(gid for link, gid in pyrules if _first_link_hits(link, value, tx))
        return frozenset(out)

    @staticmethod
    def _fill(ts: _TargetSet, values: list[str], tx: Transaction) -> dict[str, frozenset[int]]:
        """Which of the target set's rules each value makes candidates (remembered in the set's memo). Per
        group the values' transformed forms are joined and scanned once; only when that scan hits is each value
        scanned alone, so what is remembered per value is exact."""
        out: dict[str, frozenset[int]] = {}
        todo: list[str] = []
        for v in values:
            got = ts.memo.get(v)
            if got is None:
                todo.append(v)
            else:
                out[v] = got
        if not todo:
            return out
        per: dict[str, set[int]] = {v: set() for v in todo}
        for grp in ts.groups:
            fns = grp.fns
            if not fns:
                parts = todo
            elif grp.multimatch:     # multiMatch rules match at any step
                parts = ["\n".join([v, *(tx.transformed(grp.prefixes[:i + 1], fns[:i + 1], v)
                                          for i in range(len(fns)))]) for v in todo]
            else:
                parts = [tx.transformed(grp.prefixes, fns, v) for v in todo]
            if len(todo) > 1 and not _scan(grp, "\n".join(parts)):
                continue
            for v, part in zip(todo, parts, strict=True):
                per[v] |= _scan(grp, part)
        for v, rules in per.items():
            got = frozenset(rules)
            MEMO.put(ts.memo, v, got)
            out[v] = got
        return out


def _headers(req: RequestView) -> list[tuple[str, str]]:
    return req.headers


def _args_get(req: RequestView) -> list[tuple[str, str]]:
    return req.args_get if req.has_query else []


def _args_post(req: RequestView) -> list[tuple[str, str]]:
    return req.parsed_body.args if req.body else []


def _cookies(req: RequestView) -> list[tuple[str, str]]:
    return req.cookies


def _request_line(req: RequestView) -> list[tuple[str, str, str]]:
    return [(req.method, req.uri, req.version)]


# variables whose values are functions of the request line (method, target, version) alone
REQUEST_LINE_VARIABLES = frozenset({"REQUEST_METHOD", "REQUEST_URI", "REQUEST_URI_RAW", "REQUEST_LINE",
                                    "REQUEST_FILENAME", "REQUEST_BASENAME", "QUERY_STRING", "REQUEST_PROTOCOL"})
# (a request's items, the variables reading them): collections whose values and names are those items' values and
# names, or the request line's variables (one item: the line)
FAMILIES: tuple[tuple[Callable[[RequestView], list[Any]], frozenset[str]], ...] = (
    (_request_line, REQUEST_LINE_VARIABLES),
    (_headers, frozenset({"REQUEST_HEADERS", "REQUEST_HEADERS_NAMES"})),
    (_args_get, frozenset({"ARGS", "ARGS_GET", "ARGS_NAMES", "ARGS_GET_NAMES"})),
    (_args_post, frozenset({"ARGS", "ARGS_POST", "ARGS_NAMES", "ARGS_POST_NAMES"})),
    (_cookies, frozenset({"REQUEST_COOKIES", "REQUEST_COOKIES_NAMES"})),
)


@dataclass(slots=True)
class _Family:
    """Variables whose values are the items of one request collection: per item (name, value), the gated rules
    of every such variable it makes candidates (remembered in ``memo``, bounded like every memo)."""
    items: Callable[[RequestView], list[Any]]
    refs: list[tuple[int, VariableRef]]          # (by_ref entry index, the variable, no &count)
    memo: Table
    line: bool = False                           # the request line's variables: values resolved as the engine does

    def pairs(self, item: Any, tx: Transaction) -> list[tuple[int, str]]:
        """(entry index, the value that variable reads from this item) for each variable selecting it, as
        Transaction.resolve selects (the engine's own selector code)."""
        if self.line:
            return [(idx, v) for idx, ref in self.refs for _, v in tx.resolve(ref)]
        key, value = item
        low = key.lower()
        out = []
        for idx, ref in self.refs:
            sel = ref.selector
            if sel is not None:
                if ref.is_regex:
                    if not _select([item], ref):
                        continue
                elif sel.lower() != low:         # as _select compares a literal selector
                    continue
            out.append((idx, key if ref.name.endswith("_NAMES") else value))
        return out


def _line_key(req: RequestView) -> tuple[str, str, str]:
    return (req.method, req.uri, req.version)


def _headers_key(req: RequestView) -> tuple[tuple[str, str], ...]:
    return req.headers_key


def _body_key(req: RequestView) -> tuple[str, str, str | None, bool]:
    """What the body's variables are functions of: the body (to the inspection limit), the Content-Type header
    the body processor reads, and what a phase-1 ctl may have set (requestBodyProcessor, forceRequestBodyVariable)."""
    index = req.keyed("REQUEST_HEADERS").get("content-type")
    return (req.body, index[0][1] if index else "", req.forced_processor, req.force_body_variable)


# variables whose values are functions of _body_key (answered with the body's whole)
BODY_KEYED = frozenset({
    "ARGS_POST", "ARGS_POST_NAMES", "REQUEST_BODY", "FILES", "FILES_NAMES", "FILES_SIZES", "MULTIPART_PART_HEADERS",
    "XML", "REQBODY_PROCESSOR", "REQBODY_ERROR", "REQBODY_PROCESSOR_ERROR", "REQBODY_ERROR_MSG",
    "REQBODY_PROCESSOR_ERROR_MSG", "MULTIPART_STRICT_ERROR", "MULTIPART_UNMATCHED_BOUNDARY", "FILES_COMBINED_SIZE",
    "REQUEST_BODY_LENGTH",
})


def _header_count(ref: VariableRef) -> bool:
    return ref.count and ref.name == "REQUEST_HEADERS" and ref.selector is not None and not ref.is_regex


MAX_WHOLE_CHARS = 16 * 1024     # a request line or header list longer than this is looked up item by item only


@dataclass(slots=True)
class _Whole:
    """Families and variables whose values are functions of one key (the request line: its own variables and the
    query's arguments; the header list: headers, cookies and the &REQUEST_HEADERS:Name counts; the body with its
    Content-Type: its arguments, files, parts, XML, REQUEST_BODY): per key, the union of what their values make
    candidates, remembered from the second time it is seen (``MEMO.seen_before``; bounded like every memo), so a
    header list, request line or body seen before costs one lookup and no parsing."""
    key: Callable[[RequestView], Any]
    families: list[_Family]
    counts: list[int]                            # by_ref entry indices of &REQUEST_HEADERS:Name
    rest: list[int]                              # by_ref entry indices of other variables (the body's), resolved
    memo: Table

    def put(self, key: Any, hits: frozenset[int]) -> None:
        if not MEMO.seen_before(self.memo, key):
            return                                   # kept from its second time (a one-time key is not)
        chars = sum(len(p) for part in key if part for p in (part if isinstance(part, tuple) else (part,))
                    if isinstance(p, str))
        if chars <= MAX_WHOLE_CHARS:
            MEMO.put_weighed(self.memo, key, chars + 64 * len(key), hits)


def _gateable(link: Rule, gateable: frozenset[str]) -> bool:
    """Whether a link's result on a value depends on that value alone, over variables known when a phase starts."""
    return (not link.is_action and link.memo is not None and link.op.pure and bool(link.targets)
            and all(t.name in gateable for t in link.targets))


def _chain_gate(rule_id: int, k: int) -> int:
    """The gate id of a rule's k-th chained link (negative: never a rule id)."""
    return -(rule_id * 16 + k)


def _key(ref: VariableRef) -> VariableRef:
    return VariableRef(ref.name, ref.selector, ref.is_regex, ref.count)


def _first_link_hits(rule: Rule, value: str, tx: Transaction) -> bool:
    """Whether the rule's first link matches one value: the engine's own evaluation (remembered in the link's
    memo, which evaluation reads too)."""
    memo = rule.memo
    result = memo.get(value, _MISS) if memo is not None else _MISS
    if result is _MISS:
        result = tx.link_result(rule, value, memo)
    return (result is not None) != rule.negated


def _scan(grp: _Group, text: str) -> set[int]:
    found: set[int] = set()
    rules = grp.expr_rule

    def on_match(eid: int, _f: int, _t: int, _fl: int, _ctx: Any) -> None:
        found.add(rules[eid])
    # a trailing "\n\x00" keeps ^/$ matching around an empty (last) value
    grp.db.scan((text + "\n\x00").encode("latin-1", "replace"), match_event_handler=on_match)
    return found
