"""Azure's managed rule sets as their catalogues list them: the rule groups and rule ids of each set
(OWASP CRS 3.x and DRS 2.1 read from the CRS rule files the engine loads, ``AZNET_CRS_DIR``, default
/usr/share/modsecurity-crs/rules; Microsoft's own DRS groups and the bot manager groups as Microsoft
documents them). The WAF engine reads them to know which rules a set holds; the control plane's
catalogue endpoints and policy checks list and validate against the same tables."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

# Microsoft's own DRS 2.1 groups and the rule ids its documentation lists (waf-rules reference).
MS_GROUPS: dict[str, list[tuple[str, str]]] = {
    "General": [("200002", "Failed to parse request body."), ("200003", "Multipart request body failed strict validation"),
                ("200004", "Possible Multipart Unmatched Boundary.")],
    "MS-ThreatIntel-WebShells": [("99005002", "Web Shell Interaction Attempt (POST)"),
                                 ("99005003", "Web Shell Upload Attempt (POST) - CHOPPER PHP"),
                                 ("99005004", "Web Shell Upload Attempt (POST) - CHOPPER ASPX"),
                                 ("99005005", "Web Shell Interaction Attempt"),
                                 ("99005006", "Spring4Shell Interaction Attempt")],
    "MS-ThreatIntel-AppSec": [("99030001", "Path Traversal Evasion in Headers (/.././)"),
                              ("99030002", "Path Traversal Evasion in Request Body (/.././)")],
    "MS-ThreatIntel-SQLI": [("99031001", "SQL Injection Attack: Common Injection Testing Detected"),
                            ("99031002", "SQL Comment Sequence Detected"),
                            ("99031003", "SQL Injection Attack"),
                            ("99031004", "Detects basic SQL authentication bypass attempts 2/3")],
    "MS-ThreatIntel-CVEs": [("99001001", "Attempted F5 tmui (CVE-2020-5902) REST API Exploitation with known "
                                         "credentials"),
                            ("99001014", "Attempted Spring Cloud routing-expression injection (CVE-2022-22963)"),
                            ("99001015", "Attempted Spring Framework unsafe class object exploitation (CVE-2022-22965)"),
                            ("99001016", "Attempted Spring Cloud Gateway Actuator injection (CVE-2022-22947)"),
                            ("99001017", "Attempted Apache Struts file upload exploitation (CVE-2023-50164)")],
}
# The CRS files Azure's sets are built from: the request rule groups (not initialization or scoring files).
_GROUP_FILE = re.compile(r"^REQUEST-9(1[1-9]|[2-4]\d)-([A-Z0-9-]+)\.conf$")
_NOT_GROUPS = ("DOS-PROTECTION", "BLOCKING-EVALUATION")      # CRS machinery, not rule groups Azure lists
_RULE = re.compile(r"\bid:(\d+)[\s\S]*?msg:'([^']*)'")
# DRS 2.1's group names for the CRS files it is built from (Azure's DRS rule group table).
DRS_GROUP_NAMES = {"METHOD-ENFORCEMENT": "METHOD-ENFORCEMENT", "PROTOCOL-ENFORCEMENT": "PROTOCOL-ENFORCEMENT",
                   "PROTOCOL-ATTACK": "PROTOCOL-ATTACK", "APPLICATION-ATTACK-LFI": "LFI",
                   "APPLICATION-ATTACK-RFI": "RFI", "APPLICATION-ATTACK-RCE": "RCE", "APPLICATION-ATTACK-PHP": "PHP",
                   "APPLICATION-ATTACK-NODEJS": "NODEJS", "APPLICATION-ATTACK-XSS": "XSS",
                   "APPLICATION-ATTACK-SQLI": "SQLI", "APPLICATION-ATTACK-SESSION-FIXATION": "FIX",
                   "APPLICATION-ATTACK-JAVA": "JAVA"}
RULE_SETS = [("OWASP", "3.2"), ("OWASP", "3.1"), ("OWASP", "3.0"), ("OWASP", "2.2.9"),
             ("Microsoft_DefaultRuleSet", "2.1"), ("Microsoft_BotManagerRuleSet", "0.1"),
             ("Microsoft_BotManagerRuleSet", "1.0"), ("Microsoft_BotManagerRuleSet", "1.1")]
BOT_GROUPS = {"BadBots": [("Bot100100", "Malicious bots detected by threat intelligence"),
                          ("Bot100200", "Malicious bots that have falsified their identity")],
              "GoodBots": [("Bot200100", "Search engine crawlers"), ("Bot200200", "Unverified search engine crawlers")],
              "UnknownBots": [("Bot300100", "Unspecified identity"), ("Bot300200", "Tools and frameworks for web crawling"),
                              ("Bot300300", "General purpose HTTP clients and SDKs"),
                              ("Bot300400", "Service agents"), ("Bot300500", "Site health monitoring services"),
                              ("Bot300600", "Unknown bots detected by threat intelligence"),
                              ("Bot300700", "Other bots")]}


def crs_dir() -> Path:
    return Path(os.environ.get("AZNET_CRS_DIR", "/usr/share/modsecurity-crs/rules"))


@lru_cache(maxsize=1)
def crs_groups() -> dict[str, list[tuple[str, str]]]:
    """CRS rule group name (e.g. REQUEST-942-APPLICATION-ATTACK-SQLI) -> [(rule id, description)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    try:
        files = sorted(crs_dir().iterdir())
    except OSError:
        return out
    for path in files:
        if not _GROUP_FILE.match(path.name) or any(x in path.name for x in _NOT_GROUPS):
            continue
        rules = []
        for chunk in path.read_text(errors="replace").split("SecRule ")[1:]:
            m = _RULE.search(chunk)
            if m and m.group(2):
                rules.append((m.group(1), m.group(2)))
        if rules:
            out[path.stem] = rules
    return out


def rule_groups(set_type: str, version: str) -> dict[str, list[tuple[str, str]]]:
    if set_type == "Microsoft_BotManagerRuleSet":
        return BOT_GROUPS
    crs = crs_groups()
    if set_type == "Microsoft_DefaultRuleSet":
        groups = {DRS_GROUP_NAMES[name.split("-", 2)[2].upper()]: rules for name, rules in crs.items()
                  if name.split("-", 2)[2].upper() in DRS_GROUP_NAMES}
        return {**groups, **MS_GROUPS}
    out = dict(crs)
    if version in ("3.2", "3.1", "3.0"):
        out.update({"General": MS_GROUPS["General"][:1]})
    return out


def known_rule_sets() -> dict[tuple[str, str], dict[str, set[str]]]:
    """(type lower, version) -> group name lower -> rule ids: for validating overrides and exclusions."""
    out = {}
    for t, v in RULE_SETS:
        out[(t.lower(), v)] = {g.lower(): {r for r, _ in rules} for g, rules in rule_groups(t, v).items()}
    return out
