"""Constant folding of a compiled rule plan: what every request would compute the same way, computed once.

CRS spends most of its rules on work whose outcome does not depend on the request: SecActions and
``&TX:x "@eq 0"`` defaults writing TX constants (REQUEST-901), paranoia-level gates
(``TX:EXECUTING_PARANOIA_LEVEL "@lt 2" skipAfter:END-...``), exclusion-package gates (``TX:crs_exclusions_*``),
operators built from TX macros (``@within %{tx.allowed_methods}``). :func:`fold` walks the request phases (1, 2)
of a plan in order, as the engine would, with a TX known at compile time (the presets), and:

- drops a rule whose links read only TX keys still constant at that point and which cannot match (nothing it
  would do happens);
- folds a rule that always matches, reads only constant TX and only writes TX: its writes go into the TX every
  transaction starts from, and, when it jumps (``skipAfter``), the rules it always jumps over are dropped;
- specialises a kept rule's operator whose argument's macros read only constant TX keys (``@within %{tx.x}``
  becomes ``@within <value>``), which makes it pure: remembered per value and gated by the prefilter.

Constant means: no kept (request-dependent) rule before that point may write the key. A fold moves writes to the
start, so it is allowed only when no kept rule before it reads or writes the keys it writes, nothing before it can
jump over it (a kept rule's ``skipAfter`` still pending, a phase ``allow``, a numeric ``skip``) or remove it
(``ctl:ruleRemoveById/ByTag``), and no policy override names it. Anything the analysis cannot see through (a
collection-wide or regex TX read, a setvar whose name has macros, an unknown ctl) makes it stop for the rest of
the phase. ``tests/waf/test_fold.py`` replays the CRS regression requests, the benign corpus and the attack mix
through folded and unfolded plans and requires the same rule matches and verdicts.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from . import operators
from .memo import MEMO
from .request import HttpRequest
from .rules import Marker, Rule, RuleSet, _fast_tx, _fast_txs, id_matches
from .transaction import Settings, Transaction, _parse_setvar, _template

REQUEST_PHASES = (1, 2)
_HARMLESS_CTLS = frozenset({"ruleengine", "auditengine", "auditlogparts", "requestbodyprocessor",
                            "forcerequestbodyvariable", "requestbodyaccess", "responsebodyaccess",
                            "requestbodylimit", "debugloglevel"})
_CAPTURES = frozenset(str(i) for i in range(10))


@dataclasses.dataclass(slots=True)
class _Effects:
    """What a rule (all its links) reads and writes of TX, as far as the text of the rule tells."""
    reads: set[str] = dataclasses.field(default_factory=set)
    writes: set[str] = dataclasses.field(default_factory=set)
    reads_all: bool = False        # a regex or collection-wide TX read
    writes_all: bool = False       # a setvar whose collection or whole key is built from macros
    write_prefixes: set[str] = dataclasses.field(default_factory=set)   # tx.<prefix>%{...}: keys starting so
    request: bool = False          # reads something other than TX (request data, MATCHED_VAR of another rule, IP)
    other_state: bool = False      # writes IP, captures, ctl, initcol: not foldable


def _text_reads(text: str, eff: _Effects, own_match: bool) -> None:
    if "%{" not in text:
        return
    for kind, item in _template(text):
        if kind == 1:
            eff.reads.add(item)
        elif kind == 2:
            spec = item.strip().upper()
            if spec.startswith("RULE."):
                continue
            if spec in ("MATCHED_VAR", "MATCHED_VAR_NAME") and own_match:
                continue
            eff.request = True


def effects(rule: Rule) -> _Effects:
    eff = _Effects()
    link: Rule | None = rule
    while link is not None:
        own = not link.is_action          # a SecRule link's MATCHED_VAR is its own (TX) match
        for t in link.targets:
            if t.name != "TX":
                eff.request = True
            elif t.selector is None or t.is_regex:
                eff.reads_all = True
            else:
                eff.reads.add(t.selector.lower())
        if link.op.dynamic:
            _text_reads(link.op.arg, eff, own)
        for text in (link.msg, link.logdata, link.redirect or ""):
            _text_reads(text, eff, own)
        for sv in link.setvars:
            delete, name, _eq, value, coll, key = _parse_setvar(sv)
            _text_reads(value, eff, own)
            if coll is None:
                c, _, k = name.partition(".")
                prefix = k.split("%{", 1)[0].strip().lower()
                if "%{" not in c and c.strip().lower() == "tx" and prefix:
                    eff.write_prefixes.add(prefix)
                else:
                    eff.writes_all = True
                _text_reads(name, eff, own)
            elif coll == "tx":
                eff.writes.add(key)
                if value[:1] in "+-":
                    eff.reads.add(key)          # tx.x=+5 reads x
            else:
                eff.other_state = True
        for ctl in link.ctls:
            _text_reads(ctl, eff, own)
        if link.capture:
            eff.writes |= _CAPTURES
            eff.other_state = True
        if link.ctls or link.initcols:
            eff.other_state = True
        link = link.chain
    return eff


def _positions(entries: list[Rule | Marker]) -> dict[str, int]:
    """Where each skipAfter target sits (markers by name, rules by id), as RuleSet.index finds it."""
    out: dict[str, int] = {}
    for i, e in enumerate(entries):
        out.setdefault(e.name if isinstance(e, Marker) else str(e.id), i)
    return out


class _Folder:
    def __init__(self, tx: dict[str, str], protected: frozenset[int]) -> None:
        self.known = {k.lower(): v for k, v in tx.items()}
        self.protected = set(protected)
        self.dirty: set[str] = set()          # keys a kept rule may have written
        self.dirty_prefixes: set[str] = set()  # and key prefixes (setvar:tx.header_name_%{tx.0}=...)
        self.read_kept: set[str] = set()      # keys a kept rule reads
        self.opaque = False                   # a kept rule writes TX keys the analysis cannot name
        self.read_any = False                 # a kept rule reads TX keys the analysis cannot name
        self.removed_specs: list[str] = []    # ctl:ruleRemoveById of kept rules
        self.removed_tags: list[str] = []     # ctl:ruleRemoveByTag of kept rules
        self.folded = 0
        self.dropped = 0
        self.specialised = 0
        self._tx = Transaction(RuleSet(), HttpRequest("GET", "/"), Settings(engine="DetectionOnly"))

    # -- one phase ----------------------------------------------------------------------------------------------
    def phase(self, entries: list[Rule | Marker], targets: set[str]) -> list[Rule | Marker]:
        pos = _positions(entries)
        out: list[Rule | Marker] = []
        pending: list[int] = []          # where kept rules' jumps land (they may skip what lies before)
        stopped = False                  # the rest of the phase is kept as it is
        i, n = 0, len(entries)
        while i < n:
            e = entries[i]
            i += 1
            pending = [p for p in pending if p >= i - 1]
            if isinstance(e, Marker):
                out.append(e)
                continue
            if stopped:
                out.append(e)
                continue
            eff = effects(e)
            outcome = self._evaluate(e)
            if outcome is not None:
                matched, ran, state = outcome
                if not matched and not ran:
                    self.dropped += 1
                    self._keep_marker(e, targets, out)
                    continue
                jump_end = None
                if matched and e.skip_after:
                    jump_end = pos.get(e.skip_after, n)
                if matched and self._can_fold(e, eff, ran, pending, jump_end):
                    self.known = state
                    self.folded += 1
                    self._keep_marker(e, targets, out)
                    if jump_end is not None:
                        # the rules it always jumps over never run: drop them, keep the markers
                        for skipped in entries[i:jump_end + 1]:
                            if isinstance(skipped, Marker):
                                out.append(skipped)
                            else:
                                self.dropped += 1
                                self._keep_marker(skipped, targets, out)
                        i = max(i, jump_end + 1)
                    continue
            kept = self._specialise(e)
            out.append(kept)
            stopped = self._note_kept(kept, eff, pending, pos, n)
        return out

    def _keep_marker(self, rule: Rule, targets: set[str], out: list[Rule | Marker]) -> None:
        if str(rule.id) in targets:            # something jumps to this rule: its place stays a jump target
            out.append(Marker(str(rule.id)))

    def _evaluate(self, rule: Rule) -> tuple[bool, bool, dict[str, str]] | None:
        """(whole chain matched, any link's actions ran, TX after) on the known TX, by the engine itself, when
        that is decided by links reading only constant TX (a chain whose constant first link fails is decided
        too); None when a link the outcome depends on reads the request."""
        t = self._tx
        t.tx = dict(self.known)
        t._caps = 10
        t.matched_vars, t.matched_var, t.matched_var_name = [], "", ""
        ran = False
        link: Rule | None = rule
        while link is not None:
            if not self._constant_link(link):
                return None
            t.current_rule = rule
            if not t._eval_link(link, rule):
                return False, ran, t.tx
            ran = ran or bool(link.setvars or link.ctls or link.initcols or link.capture)
            link = link.chain
        return True, ran, t.tx

    def _constant_link(self, link: Rule) -> bool:
        if self.opaque:
            return False
        eff = _Effects()
        own = not link.is_action
        for t in link.targets:
            if t.name != "TX":
                return False
            if t.selector is None or t.is_regex:
                return False
            eff.reads.add(t.selector.lower())
        if link.op.dynamic:
            _text_reads(link.op.arg, eff, own)
        for sv in link.setvars:
            _text_reads(_parse_setvar(sv)[3], eff, own)
        return not eff.request and not any(self._dirty(k) for k in eff.reads)

    def _dirty(self, key: str) -> bool:
        return key in self.dirty or any(key.startswith(p) for p in self.dirty_prefixes)

    def _can_fold(self, rule: Rule, eff: _Effects, ran: bool, pending: list[int], jump_end: int | None) -> bool:
        """Whether a rule that always matches (on constant TX) can be folded into the start."""
        if eff.request or eff.reads_all:
            return False          # its messages or setvars read the request: it stays
        if eff.other_state or eff.writes_all or eff.write_prefixes:
            return False
        if rule.log or rule.disruptive not in (None, "pass") or rule.skip:
            return False
        if rule.id in self.protected or any(id_matches(s, rule.id) for s in self.removed_specs) or (
                self.removed_tags and any(re.search(t, tag) for t in self.removed_tags for tag in rule.tags)):
            return False
        if ran:
            # its writes move to the start: nothing before it may read, write or jump over them
            if eff.writes & self.read_kept or any(self._dirty(k) for k in eff.writes) or self.read_any or pending:
                return False
        if jump_end is not None and any(p < jump_end for p in pending):
            return False          # a kept rule's jump lands inside what this one jumps over
        return True

    def _note_kept(self, rule: Rule, eff: _Effects, pending: list[int], pos: dict[str, int], n: int) -> bool:
        """Record what a kept rule may do to TX and to the walk; True when folding must stop for the phase."""
        self.read_kept |= eff.reads
        self.dirty |= eff.writes
        self.dirty_prefixes |= eff.write_prefixes
        self.opaque |= eff.writes_all
        self.read_any |= eff.reads_all
        link: Rule | None = rule
        stop = False
        while link is not None:
            if link.skip_after:
                pending.append(pos.get(link.skip_after, n))
            if link.skip or link.disruptive == "allow":
                stop = True
            for ctl in link.ctls:
                name, _, value = ctl.partition("=")
                name, value = name.strip().lower(), value.strip()
                if name in _HARMLESS_CTLS:
                    continue
                if "%{" in value:
                    stop = True
                elif name == "ruleremovebyid":
                    self.removed_specs.append(value)
                elif name == "ruleremovebytag":
                    self.removed_tags.append(value)
                elif name in ("ruleremovetargetbyid", "ruleremovetargetbytag"):
                    if re.search(r"(?i)(?:^|[;|,])\s*!?&?TX\b", value.partition(";")[2]):
                        stop = True
                else:
                    stop = True
            link = link.chain
        return stop

    def _specialise(self, rule: Rule) -> Rule:
        """The rule with each link's operator argument expanded where its macros read only constant TX."""
        links = rule.links()
        new: list[Rule] = []
        changed = False
        for link in links:
            op = link.op
            if op.dynamic and self._constant_text(op.arg):
                arg = "".join(item if kind == 0 else self.known.get(item, "") for kind, item in _template(op.arg))
                try:
                    built = operators.build(op.name, arg, lambda s: s, "")
                except (ValueError, OSError):
                    built = None
                if built is not None and not built.dynamic:
                    link = dataclasses.replace(link, op=built, memo=MEMO.table() if built.pure else None,
                                               prefilter_key=None)
                    link.fast_tx = _fast_tx(link)
                    link.fast_txs = _fast_txs(link)
                    self.read_kept |= {item for kind, item in _template(op.arg) if kind == 1}
                    self.specialised += 1
                    changed = True
            new.append(link)
        if not changed:
            return rule
        # rebuild the chain so each link points at its (possibly new) successor
        for j in range(len(new) - 2, -1, -1):
            if new[j].chain is not new[j + 1]:
                if new[j] is links[j]:
                    new[j] = dataclasses.replace(new[j], prefilter_key=None)
                new[j].chain = new[j + 1]
        return new[0]

    def _constant_text(self, text: str) -> bool:
        if self.opaque:
            return False
        for kind, item in _template(text):
            if kind == 2 or (kind == 1 and self._dirty(item)):
                return False
        return True


def fold(rs: RuleSet, tx: dict[str, str], protected: Iterable[int] = ()) -> tuple[RuleSet, dict[str, str]]:
    """The plan with its constant work folded away, and the TX every transaction starts from. ``protected``:
    rules a policy overrides (their matches must stay visible)."""
    f = _Folder(tx, frozenset(protected))
    targets = {r.skip_after for r in _all_links(rs) if r.skip_after}
    phases: dict[int, list[Rule | Marker]] = {}
    for phase in sorted(rs.phases):
        entries = rs.phases[phase]
        phases[phase] = f.phase(entries, targets) if phase in REQUEST_PHASES else list(entries)
    by_id = {e.id: e for entries in phases.values() for e in entries if isinstance(e, Rule)}
    out = RuleSet(phases=phases, by_id=by_id, default_disruptive=dict(rs.default_disruptive),
                  signature=rs.signature)
    out.index()
    out.fold_stats = (f.folded, f.dropped, f.specialised)
    return out, f.known


def _all_links(rs: RuleSet) -> list[Rule]:
    return [link for r in rs.rules() for link in r.links()]
