"""The SecLang engine with the CRS loaded: a compiled rule set + settings + the Hyperscan prefilter.

>>> eng = SecLangEngine.crs(paranoia=1)
>>> tx = eng.evaluate(HttpRequest("GET", "/?q=1' or '1'='1"))
>>> [m.rule_id for m in tx.matches]
"""

from __future__ import annotations

from collections.abc import Callable

from . import crs
from .prefilter import Prefilter
from .request import HttpRequest, HttpResponse
from .rules import RuleSet
from .transaction import Settings, Transaction

MAX_IP_COLLECTIONS = 65536


class SecLangEngine:
    def __init__(self, ruleset: RuleSet, settings: Settings, use_prefilter: bool = True,
                 geo: Callable[[str], str | None] | None = None) -> None:
        self.ruleset = ruleset
        self.settings = settings
        self.prefilter = Prefilter(ruleset) if use_prefilter else None
        self.geo = geo
        self.ip_store: dict[str, dict[str, str]] = {}

    @classmethod
    def crs(cls, paranoia: int = 1, mode: str = "On", inbound_threshold: int = 5,
            outbound_threshold: int = 4, executing_paranoia: int | None = None,
            extra_tx: dict[str, str] | None = None, use_prefilter: bool = True,
            include_response: bool = True) -> SecLangEngine:
        tx = {
            "paranoia_level": str(paranoia),
            "executing_paranoia_level": str(executing_paranoia or paranoia),
            "inbound_anomaly_score_threshold": str(inbound_threshold),
            "outbound_anomaly_score_threshold": str(outbound_threshold),
        }
        tx.update(extra_tx or {})
        return cls(crs.load(include_response), Settings(engine=mode, tx_init=tx), use_prefilter)

    @classmethod
    def azure(cls) -> SecLangEngine:
        """CRS 3.3.4 + Microsoft's DRS rules (ms_rules), every paranoia level loaded: Azure policies
        choose the rules they run through Settings (removed_ids), not through the paranoia level."""
        from .ms_rules import MS_RULES
        rs = crs.load(False, extra=(("MS-DRS", MS_RULES),))
        return cls(rs, Settings(engine="On", tx_init=crs_tx(4, 5)), True)


    def evaluate(self, request: HttpRequest, response: HttpResponse | None = None,
                 body_limit: int | None = None, settings: Settings | None = None) -> Transaction:
        t = Transaction(self.ruleset, request, settings or self.settings, self.prefilter, self.ip_store,
                        self.geo, body_limit)
        t.process_request()
        if response is not None and t.disruption is None:
            t.process_response(response)
        return t


def crs_tx(paranoia: int, inbound_threshold: int) -> dict[str, str]:
    return {"paranoia_level": str(paranoia), "executing_paranoia_level": str(paranoia),
            "inbound_anomaly_score_threshold": str(inbound_threshold),
            "outbound_anomaly_score_threshold": "4"}
