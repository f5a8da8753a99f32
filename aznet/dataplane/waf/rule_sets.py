"""Azure's managed rule sets, as Azure names them, mapped onto the rules aznet loads.

Only CRS 3.3.4 (Debian ``modsecurity-crs``) is available as rule files, so every CRS-based set
Azure offers runs the 3.3.4 rules that carry the set's rule ids. Rule groups and ids per set come
from the managed rule set tables (``waf.managed_groups.rule_groups``), which the control plane's
catalogue lists (the ``applicationGatewayAvailableWafRuleSets`` answer), so the data plane and the
catalogue agree.

| Azure set (type / version)              | where          | aznet runs                                          | differences from Azure |
|-----------------------------------------|----------------|-----------------------------------------------------|------------------------|
| OWASP 3.2                               | App Gateway    | CRS 3.3.4 rules of the catalogue's 3.2 groups, PL1, anomaly threshold 5 | Azure: CRS 3.2.0 + Azure fixes; 3.3.x regexes differ in places (3.3 fixed FPs/bypasses) |
| OWASP 3.1                               | App Gateway    | same 3.3.4 rules, PL1, threshold 5                   | Azure: CRS 3.1.1; rules added after 3.1 (e.g. 920470-920480 group changes, 944xxx in 3.1) run too |
| OWASP 3.0                               | App Gateway    | same 3.3.4 rules, PL1, threshold 5                   | Azure: CRS 3.0.0 |
| Microsoft_DefaultRuleSet 2.1            | App Gateway, Front Door | CRS 3.3.4 PL1 rules in DRS group names + Microsoft's rules (ms_rules.py), threshold 5 | Azure: CRS 3.3.2 base + Microsoft rules whose SecLang is unpublished: ms_rules.py implements their documented behaviour |
| Microsoft_DefaultRuleSet 2.0            | Front Door     | as 2.1                                               | as 2.1 |
| DefaultRuleSet 1.0, Microsoft_DefaultRuleSet 1.1 | Front Door | as DRS 2.1, but every rule's action is Block (no anomaly scoring), as in DRS 1.x | Azure: CRS 3.0-based |
| Microsoft_BotManagerRuleSet 0.1/1.0/1.1 | both           | bots.py: CRS's crawler/scanner/scripting user-agent lists | no threat-intelligence IP feed offline: Bot100100 never matches |

Paranoia: Azure's sets run paranoia level 1; a rule of a higher level that an override sets to
Enabled runs (and scores) too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .rules import RuleSet

ANOMALY_THRESHOLD = 5          # Azure: "If the anomaly score is 5 or greater, WAF blocks the request."
CRS_SETS = {("owasp", "3.2"), ("owasp", "3.1"), ("owasp", "3.0")}
DRS_SETS = {("microsoft_defaultruleset", "2.1"), ("microsoft_defaultruleset", "2.0"),
            ("microsoft_defaultruleset", "1.1"), ("defaultruleset", "1.0"), ("defaultruleset", "1.1")}
BOT_SETS = {("microsoft_botmanagerruleset", v) for v in ("0.1", "1.0", "1.1")}


@dataclass(frozen=True, slots=True)
class SetRules:
    set_type: str
    version: str
    groups: dict[str, frozenset[int]]      # group name (Azure's) -> rule ids
    per_rule_block: bool                   # DRS 1.x: each rule blocks on its own
    all_ids: frozenset[int] = field(init=False, default=frozenset(), compare=False)
    group_index: dict[int, str] = field(init=False, default_factory=dict, compare=False)  # rule id -> group_of

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_ids", frozenset().union(*self.groups.values()))
        index: dict[int, str] = {}
        for name, ids in self.groups.items():
            for i in ids:
                index.setdefault(i, name)
        object.__setattr__(self, "group_index", index)

    @property
    def rule_ids(self) -> frozenset[int]:
        return self.all_ids

    def group_of(self, rule_id: int) -> str:
        """The first of the set's groups holding the rule ("" when none does)."""
        return self.group_index.get(rule_id, "")


def known(set_type: str, version: str) -> bool:
    key = (set_type.lower(), version)
    return key in CRS_SETS or key in DRS_SETS or key in BOT_SETS


@lru_cache(maxsize=16)
def rules_of(set_type: str, version: str) -> SetRules:
    from . import managed_groups as catalogue
    key = (set_type.lower(), version)
    if key in DRS_SETS:
        groups = catalogue.rule_groups("Microsoft_DefaultRuleSet", "2.1")
    elif key in CRS_SETS:
        groups = catalogue.rule_groups("OWASP", version)
    else:
        groups = {}
    out = {name: frozenset(int(r) for r, _ in rules if re.fullmatch(r"\d+", r)) for name, rules in groups.items()}
    # DRS 1.x (Front Door) predates anomaly scoring there: each rule blocks on its own
    return SetRules(set_type, version, out, per_rule_block=key in DRS_SETS and version.startswith("1."))


def attack_rule_ids(rs: RuleSet) -> frozenset[int]:
    """Rules a set may switch on or off: those with a paranoia-level tag, and Microsoft's 99xxxxxx."""
    return frozenset(r.id for r in rs.rules() if r.paranoia or r.id >= 99000000)


def default_enabled(rs: RuleSet, sets: list[SetRules]) -> set[int]:
    """Rule ids a policy runs before its overrides: its sets' ids at paranoia level 1."""
    ids: set[int] = set()
    for s in sets:
        ids |= set(s.rule_ids)
    return {i for i in ids if i in rs.by_id and rs.by_id[i].paranoia <= 1}
