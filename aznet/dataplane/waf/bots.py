"""Microsoft_BotManagerRuleSet (0.1/1.0/1.1), offline.

Azure classifies bots with Microsoft threat intelligence (IP reputation) and verified crawler
lists. Offline, aznet classifies by User-Agent using the lists the CRS package ships
(crawlers-user-agents.data, scanners-user-agents.data, scripting-user-agents.data); Bot100100
(threat-intelligence IPs) has no data here and never matches. Default actions as Azure documents:
BadBots Block, GoodBots Allow, UnknownBots Log.

| rule      | group       | aznet matches                                                      |
|-----------|-------------|--------------------------------------------------------------------|
| Bot100100 | BadBots     | never (no threat-intelligence feed offline)                        |
| Bot100200 | BadBots     | a security-scanner User-Agent (scanners-user-agents.data)          |
| Bot200200 | GoodBots    | a search-engine crawler User-Agent (unverified: no reverse DNS)    |
| Bot300200 | UnknownBots | a crawling tool/framework User-Agent (crawlers-user-agents.data)   |
| Bot300300 | UnknownBots | a general-purpose HTTP client/SDK (scripting-user-agents.data)     |
| Bot300100 | UnknownBots | no User-Agent at all (unspecified identity)                        |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from . import crs

DEFAULT_ACTIONS = {"BadBots": "Block", "GoodBots": "Allow", "UnknownBots": "Log"}
_SEARCH_ENGINES = re.compile(r"(?i)googlebot|bingbot|yandex(?:bot)?|baiduspider|duckduckbot|slurp|applebot")


@dataclass(frozen=True, slots=True)
class BotMatch:
    rule_id: str
    group: str
    message: str
    value: str


def _phrases(name: str) -> tuple[str, ...]:
    try:
        path = os.path.join(crs.locate().rules_dir, name)
        with open(path, encoding="latin-1") as fh:
            return tuple(ln.strip().lower() for ln in fh if ln.strip() and not ln.startswith("#"))
    except (OSError, crs.CrsNotFound):
        return ()


@lru_cache(maxsize=1)
def _lists() -> dict[str, re.Pattern[str] | None]:
    out: dict[str, re.Pattern[str] | None] = {}
    for key, name in (("scanner", "scanners-user-agents.data"), ("crawler", "crawlers-user-agents.data"),
                      ("scripting", "scripting-user-agents.data")):
        words = _phrases(name)
        out[key] = re.compile("|".join(re.escape(w) for w in words)) if words else None
    return out


def classify(user_agent: str | None) -> BotMatch | None:
    if user_agent is None or not user_agent.strip():
        return BotMatch("Bot300100", "UnknownBots", "Unspecified identity", "")
    ua = user_agent.lower()
    lists = _lists()
    if lists["scanner"] is not None and lists["scanner"].search(ua):
        return BotMatch("Bot100200", "BadBots", "Malicious bots that have falsified their identity", user_agent)
    if _SEARCH_ENGINES.search(ua):
        return BotMatch("Bot200200", "GoodBots", "Unverified search engine crawlers", user_agent)
    if lists["crawler"] is not None and lists["crawler"].search(ua):
        return BotMatch("Bot300200", "UnknownBots", "Tools and frameworks for web crawling", user_agent)
    if lists["scripting"] is not None and lists["scripting"].search(ua):
        return BotMatch("Bot300300", "UnknownBots", "General purpose HTTP clients and SDKs", user_agent)
    return None
