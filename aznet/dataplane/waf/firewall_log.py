"""Firewall log records in Azure's diagnostic schemas.

Application Gateway: category ``ApplicationGatewayFirewallLog`` (operationName
``ApplicationGatewayFirewall``); properties instanceId, clientIp, clientPort, requestUri,
ruleSetType, ruleSetVersion, ruleId, message, action (Matched / Blocked / Detected for managed
rules; Blocked / Allowed for custom rules), site, details {message, data, file, line}, hostname,
transactionId, policyId, policyScope, policyScopeName, engine. Front Door: category
``FrontDoorWebApplicationFirewallLog``; properties clientIP, clientPort, socketIP, requestUri,
ruleName (``<set>-<version>-<group>-<id>`` or the custom rule's name), policy, action (Block, Log,
Allow, AnomalyScoring, Redirect), host, trackingReference, policyMode, details {matches, msg, data}.
The matched value is cut to 256 characters (Azure truncates details.data).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from .bots import BotMatch
from .custom_rules import CustomMatch
from .request import HttpRequest, as_text
from .rule_sets import SetRules
from .transaction import RuleMatch

MAX_DATA = 256
MASK = "******"
# log scrubbing match variable -> the engine's variable names it covers
_SCRUB_VARS = {
    "requestheadernames": ("REQUEST_HEADERS", "REQUESTHEADERS", "REQUESTHEADER"),
    "requestcookienames": ("REQUEST_COOKIES", "REQUESTCOOKIES", "COOKIES"),
    "requestargnames": ("ARGS", "ARGS_GET", "QUERYSTRING"),
    "requestpostargnames": ("ARGS", "ARGS_POST", "POSTARGS"),
    "requestjsonargnames": ("ARGS", "ARGS_POST"),
}


@dataclass(frozen=True, slots=True)
class Scrubber:
    """policySettings.logScrubbing: which matched values (and whether the client IP) to mask."""
    rules: tuple[tuple[str, str, str], ...]      # (match variable lower, operator lower, selector lower)

    @classmethod
    def from_settings(cls, node: Any) -> Scrubber | None:
        if not isinstance(node, dict):
            return None
        lower = {k.lower(): v for k, v in node.items()}
        if str(lower.get("state", "Disabled")).lower() != "enabled":
            return None
        out = []
        for r in lower.get("scrubbingrules") or []:
            rl = {k.lower(): v for k, v in r.items()} if isinstance(r, dict) else {}
            if str(rl.get("state", "Enabled")).lower() != "enabled":
                continue
            out.append((str(rl.get("matchvariable", "")).lower(), str(rl.get("selectormatchoperator", "equals")).lower(),
                        str(rl.get("selector") or "").lower()))
        return cls(tuple(out))

    @property
    def mask_ip(self) -> bool:
        return any(v == "requestipaddress" for v, _, _ in self.rules)

    def masks(self, var_name: str) -> bool:
        coll, _, key = var_name.partition(":")
        coll, key = coll.upper().replace("_NAMES", ""), key.lower()
        for var, op, sel in self.rules:
            if coll not in _SCRUB_VARS.get(var, ()):
                continue
            if var == "requestjsonargnames":
                key_cmp = key[5:] if key.startswith("json.") else None
                if key_cmp is None:
                    continue
            else:
                key_cmp = key
            if op == "equalsany" or key_cmp == sel:
                return True
        return False
_AG_ACTIONS = {"AnomalyScoring": "Matched", "Block": "Blocked", "Allow": "Allowed", "Log": "Matched",
               "Redirect": "Blocked", "Blocked": "Blocked", "Detected": "Detected", "Matched": "Matched"}
_FD_ACTIONS = {"Matched": "AnomalyScoring", "Blocked": "Block", "Detected": "Log", "Allowed": "Allow"}


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(slots=True)
class LogContext:
    kind: str
    policy_id: str
    scope: str
    scope_name: str
    req: HttpRequest
    transaction_id: str
    mode: str
    scrub: Scrubber | None = None
    stamp: str = ""             # the records' time, taken once per request (at its first record)
    # (clientIp, clientPort, requestUri, host): the request's fields every record repeats, read once per request
    common: tuple[str, str, str, str] | None = None

    def _time(self) -> str:
        if not self.stamp:
            self.stamp = _now()
        return self.stamp

    def _clean(self, var: str, value: str, data: str) -> tuple[str, str]:
        if self.scrub is not None and value and self.scrub.masks(var):
            return MASK, data.replace(value, MASK)
        return value, data

    @property
    def _ip(self) -> str:
        return MASK if self.scrub is not None and self.scrub.mask_ip else self.req.client_addr

    def _common(self) -> tuple[str, str, str, str]:
        c = self.common
        if c is None:
            req = self.req
            c = self.common = (self._ip, str(req.client_port or ""), as_text(req.uri),
                               req.host or (req.header("host") or ""))
        return c

    def _ag(self, rule_set_type: str, version: str, rule_id: str, message: str, action: str,
            data: str = "", detail_msg: str = "", file: str = "", line: str = "") -> dict[str, Any]:
        ip, port, uri, host = self._common()
        return {
            "timeStamp": self._time(), "resourceId": self.policy_id, "operationName": "ApplicationGatewayFirewall",
            "category": "ApplicationGatewayFirewallLog",
            "properties": {
                "instanceId": "appgw_0", "clientIp": ip, "clientPort": port,
                "requestUri": uri, "ruleSetType": rule_set_type, "ruleSetVersion": version,
                "ruleId": rule_id, "message": message, "action": _AG_ACTIONS.get(action, action), "site": "Global",
                "details": {"message": detail_msg or message, "data": data[:MAX_DATA], "file": file, "line": line},
                "hostname": host,
                "transactionId": self.transaction_id, "policyId": self.policy_id or "default",
                "policyScope": self.scope, "policyScopeName": self.scope_name, "engine": "Azwaf",
            },
        }

    def _fd(self, rule_name: str, action: str, msg: str, var: str, value: str, data: str) -> dict[str, Any]:
        ip, port, uri, host = self._common()
        return {
            "time": self._time(), "resourceId": self.policy_id, "category": "FrontDoorWebApplicationFirewallLog",
            "operationName": "Microsoft.Cdn/Profiles/Write",
            "properties": {
                "clientIP": ip, "clientPort": port,
                "socketIP": self.req.socket_addr or self.req.client_addr, "requestUri": uri,
                "ruleName": rule_name, "policy": self.policy_id.rsplit("/", 1)[-1], "action": action,
                "host": host, "trackingReference": self.transaction_id,
                "policyMode": self.mode.lower(),
                "details": {"matches": [{"matchVariableName": var, "matchVariableValue": value[:MAX_DATA]}]
                            if var else [], "msg": msg, "data": data[:MAX_DATA]},
            },
        }

    def managed(self, m: RuleMatch, action: str, rs: SetRules | None, final: bool = False) -> dict[str, Any]:
        value, data = self._clean(m.var_name, m.value, m.logdata or m.value)
        set_type = rs.set_type if rs else "OWASP"
        version = rs.version if rs else "3.2"
        if self.kind == "FrontDoor":
            group = rs.group_of(m.rule_id) if rs else ""
            name = f"{set_type}-{version}-{group}-{m.rule_id}" if group else f"{set_type}-{version}-{m.rule_id}"
            fd_action = _FD_ACTIONS.get(action, action)
            return self._fd(name, fd_action, m.msg, m.var_name, value, data)
        ag_type = "OWASP_CRS" if set_type.upper() == "OWASP" else set_type
        ag_version = f"{version}.0" if set_type.upper() == "OWASP" else version
        detail = f"Pattern match at {m.var_name}." if not final else m.msg
        return self._ag(ag_type, ag_version, str(m.rule_id), m.msg, action, data, detail, f"rules/{m.file}.conf")

    def custom(self, m: CustomMatch, action: str) -> dict[str, Any]:
        value, _ = self._clean(m.variable, m.value, m.value)
        if self.kind == "FrontDoor":
            return self._fd(m.rule.name, action, f"Custom rule {m.rule.name} matched", m.variable, value, value)
        return self._ag("Custom", "", m.rule.name, f"Custom rule {m.rule.name} matched", action, value,
                        f"Custom rule {m.rule.name} matched {m.variable}")

    def bot(self, b: BotMatch, action: str, rs: SetRules) -> dict[str, Any]:
        if self.kind == "FrontDoor":
            return self._fd(f"{rs.set_type}-{rs.version}-{b.group}-{b.rule_id}", action, b.message,
                            "RequestHeader:User-Agent", b.value, b.value)
        return self._ag(rs.set_type, rs.version, b.rule_id, b.message, action, b.value)

    def limit(self, what: str, size: int, action: str) -> dict[str, Any]:
        if self.kind == "FrontDoor":
            return self._fd("RequestSizeLimit", _FD_ACTIONS.get(action, action), what, "RequestBody", "", str(size))
        return self._ag("", "", "", what, action, str(size))
