"""Whole-rule outcomes remembered per tuple of header names: CRS 920450's shape, one lookup instead of a loop.

920450 (restricted headers) names every request header::

    SecRule REQUEST_HEADERS_NAMES "@rx ^.*$" "capture,t:lowercase,setvar:'tx.header_name_%{tx.0}=/%{tx.0}/',chain"
        SecRule TX:/^header_name_/ "@within /proxy/ /lock-token/ ..." "setvar:'tx.anomaly_score_pl1=+...'"

Per header it captures, writes one TX key, and the chained link reads every key so written. All it does is then a
function of the header names alone, when (checked once per plan, :func:`plan_memos`):

- its first link reads REQUEST_HEADERS_NAMES only, with a pure operator (remembered per value), captures, and its
  setvars assign TX keys under one literal prefix from literals and its own captures (TX:0-9) only;
- its chained (last) link reads only ``TX:/^prefix/``, with a pure operator, no capture, ctl or initcol;
- nothing before it in the plan (an earlier phase or rule, the TX every transaction starts from) can write a key
  under that prefix, so the chained link reads exactly the keys the first link wrote;
- the policy does not override it (overridden rules score differently), and neither link has exclusions;

and, per request, no exclusion or ctl:ruleRemoveTarget* applies to it. Then, per tuple of header names, the TX
writes, the captures left in TX:0-9 and MATCHED_VAR/MATCHED_VAR_NAME/MATCHED_VARS are remembered (bounded by bytes,
like every memo, from the second time a tuple is seen), for the usual case: the chained link matches none of the keys, the rule does not match. A tuple
whose chained link matches (a restricted header), or that the shape does not cover (a match without captures,
arithmetic setvar values, too many names), runs the general path every time. ``tests/waf/test_rule_memo.py``
compares the whole TX (keys, values, order), the captures and MATCHED_VAR* with the general path's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .memo import MAX_VALUE, MEMO, Table
from .rules import Rule, RuleSet

if TYPE_CHECKING:
    from .transaction import Transaction

_MISS = object()
_CAPTURE_KEYS = tuple(str(i) for i in range(10))
_CAPTURES = frozenset(_CAPTURE_KEYS)
MAX_NAMES = 256               # more header names than this: the general path
ENTRY_WEIGHT = 256            # bytes a remembered name costs beyond its characters (pair, key, value, slots)


@dataclass(slots=True)
class NamesMemo:
    """A rule of 920450's shape in one plan, with its table: tuple of header names -> outcome (``_Entry``)."""
    rule: Rule
    prefix: str               # the literal every key the first link writes (and the chained link reads) starts with
    table: Table

    def run(self, t: Transaction, rule: Rule) -> bool:
        """Whether the rule matches: ``Transaction._eval_chain``, from the table when the outcome is known."""
        if t.removed_targets:
            return t._eval_chain(rule)
        excl = t.settings.exclusions
        if excl and (excl.get(None) or excl.get(rule.id)):
            return t._eval_chain(rule)
        key = tuple([k for k, _ in t.req.headers])
        entry = self.table.get(key)
        if entry is None:
            entry = self._entry(t, key)
            if entry is None:
                return t._eval_chain(rule)
        writes, caps, matched = entry
        tx = t.tx
        # what the loop over the names leaves: the last name's captures in TX:0..n-1 (a key's place in TX is where
        # it was first written, before any key of the prefix), TX:n..9 gone, then the keys in first-written order
        n = len(caps)
        for i in range(n):
            tx[_CAPTURE_KEYS[i]] = caps[i]
        for k in _CAPTURE_KEYS[n:t._caps]:
            tx.pop(k, None)
        t._caps = n
        tx.update(writes)
        t.current_rule = rule
        t.matched_var_name, t.matched_var = matched[-1]
        t.matched_vars = list(matched)
        return False

    def _entry(self, t: Transaction, key: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The outcome for these names without touching the transaction, when the chained link matches none of the
        keys written (remembered); None otherwise (the general path decides)."""
        chars = sum(map(len, key))
        if not key or len(key) > MAX_NAMES or chars > MAX_VALUE * 16:
            return None
        link = self.rule
        last = link.chain
        assert last is not None and link.memo is not None and last.memo is not None
        memo = link.memo
        writes: dict[str, str] = {}
        caps: tuple[str, ...] | None = None
        matched: list[tuple[str, str]] = []
        for value in key:
            result = memo.get(value, _MISS)
            if result is _MISS:
                result = t.link_result(link, value, memo)
            if (result is not None) == link.negated:
                continue
            if not result:
                return None           # a match without captures keeps earlier ones: not a function of the names
            c = tuple(result[:10])
            if caps is not None and len(c) != len(caps):
                return None
            caps = c
            matched.append((f"REQUEST_HEADERS_NAMES:{value}", value))
            for k, v in _writes(link, c):
                if not k.startswith(self.prefix) or v[:1] in "+-" or k in _CAPTURES:
                    return None
                writes[k] = v
        if caps is None or not matched:
            return None
        lm = last.memo
        for v in writes.values():     # the chained link's values: exactly these keys' (nothing else has the prefix)
            result = lm.get(v, _MISS)
            if result is _MISS:
                result = t.link_result(last, v, lm)
            if (result is not None) != last.negated:
                return None           # the rule matches: scoring and logging take the general path
        entry = (writes, caps, tuple(matched))
        MEMO.put_repeated(self.table, key, 3 * chars + ENTRY_WEIGHT * len(key), entry)
        return entry


def _writes(link: Rule, caps: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (key, value) TX assignments of the link's setvars with these captures in TX:0-9 (and none above them),
    as ``Transaction._setvar`` renders them."""
    from .transaction import _SETVAR_PLANS, _setvar_plan
    out = []
    for sv in link.setvars:
        _d, _c, key, key_parts, _eq, value, value_parts, _delta = _SETVAR_PLANS.get(sv) or _setvar_plan(sv)
        if key_parts is not None:
            key = _render(key_parts, caps).strip().lower()
        if value_parts is not None:
            value = _render(value_parts, caps)
        out.append((key, value))
    return out


def _render(parts: tuple[tuple[int, str], ...], caps: tuple[str, ...]) -> str:
    return "".join(item if kind == 0 else (caps[int(item)] if int(item) < len(caps) else "") for kind, item in parts)


def plan_memos(plan: RuleSet, tx_init: dict[str, str], protected: frozenset[int]) -> dict[int, NamesMemo]:
    """The rules of a plan's request phases that :class:`NamesMemo` may run, each with its own table."""
    out: dict[int, NamesMemo] = {}
    heads: list[str] = [k.lower() for k in tx_init]       # what earlier rules and the presets may write (key heads)
    for phase in (1, 2):
        for e in plan.phases.get(phase, []):
            if not isinstance(e, Rule):
                continue
            prefix = _shape(e)
            if prefix is not None and e.id not in protected and not any(
                    h.startswith(prefix) or prefix.startswith(h) for h in heads):
                out[e.id] = NamesMemo(e, prefix, MEMO.table())
            for link in e.links():
                heads.extend(_key_heads(link))
    return out


def _key_heads(link: Rule) -> list[str]:
    """The literal start of each TX key the link's setvars may write ("" when the key is wholly computed)."""
    from .transaction import _SETVAR_PLANS, _setvar_plan
    out = []
    for sv in link.setvars:
        _d, coll, key, key_parts, _eq, _v, _vp, _delta = _SETVAR_PLANS.get(sv) or _setvar_plan(sv)
        if coll is None:
            out.append("")
        elif coll == "tx":
            if key_parts is None:
                out.append(key)
            else:
                out.append(key_parts[0][1].lstrip().lower() if key_parts and key_parts[0][0] == 0 else "")
    return out


def _shape(rule: Rule) -> str | None:
    """The key prefix when the rule has 920450's shape (module docstring), else None."""
    from .transaction import _SETVAR_PLANS, _key_test, _setvar_plan
    last = rule.chain
    if last is None or last.chain is not None or rule.is_action or last.is_action:
        return None
    if len(rule.targets) != 1 or len(last.targets) != 1:
        return None
    t1, t2 = rule.targets[0], last.targets[0]
    if (t1.name, t1.selector, t1.is_regex, t1.count) != ("REQUEST_HEADERS_NAMES", None, False, False):
        return None
    if t2.name != "TX" or not t2.is_regex or t2.count or t2.selector is None:
        return None
    test = _key_test(t2.selector)
    if test is None or not test[0] or not test[1]:
        return None
    prefix = test[1]
    if rule.memo is None or last.memo is None or not rule.op.pure or not last.op.pure:
        return None
    if not rule.capture or rule.negated or rule.exclusions or last.exclusions or not rule.setvars:
        return None
    if rule.ctls or rule.initcols or last.capture or last.ctls or last.initcols:
        return None
    for sv in rule.setvars:
        delete, coll, key, key_parts, eq, value, value_parts, _delta = _SETVAR_PLANS.get(sv) or _setvar_plan(sv)
        if delete or coll != "tx" or not eq or (value_parts is None and value[:1] in "+-"):
            return None
        for kind, item in (*(key_parts or ()), *(value_parts or ())):
            if kind == 2 or (kind == 1 and item not in _CAPTURES):
                return None
        head = key if key_parts is None else (key_parts[0][1].lstrip().lower() if key_parts[0][0] == 0 else "")
        if not head.startswith(prefix):
            return None
    return prefix
