"""Checks shared by the WAF policies of Application Gateway and Front Door:
match values per operator (IP addresses and ranges, country codes, regular
expressions, numbers), rule names and priorities."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ...arm.errors import ArmError
from .ref_checks import cannot_parse

MAX_MATCH_VALUES = 600          # Azure: up to 600 match values per custom rule (IP ranges)
MAX_VALUE_LENGTH = 256
RULE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,127}$")


def match_values(op: str, values: Any, path: str, rule: str, allow_ipv6: bool = True) -> list[str]:
    if values is None:
        values = []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise cannot_parse(path, values, "System.Collections.Generic.List`1[System.String]")
    if len(values) > MAX_MATCH_VALUES:
        raise ArmError(400, "WafCustomRuleTooManyMatchValues",
                       f"Custom rule {rule} has {len(values)} match values; at most {MAX_MATCH_VALUES} are allowed.",
                       target=path)
    for v in values:
        if len(v) > MAX_VALUE_LENGTH:
            raise ArmError(400, "WafCustomRuleMatchValueTooLong",
                           f"A match value of custom rule {rule} is longer than {MAX_VALUE_LENGTH} characters.",
                           target=path)
    if op == "Any":
        if values:
            raise ArmError(400, "WafCustomRuleAnyOperatorCannotHaveMatchValues",
                           f"Custom rule {rule} uses the Any operator, which takes no match values.", target=path)
        return []
    if not values:
        raise ArmError(400, "WafCustomRuleMatchValuesRequired",
                       f"Custom rule {rule} with operator {op} needs at least one match value.", target=path)
    if op == "IPMatch":
        for v in values:
            try:
                net = ipaddress.ip_network(v.strip(), strict=False)
            except ValueError:
                raise ArmError(400, "WafCustomRuleInvalidIpAddress",
                               f"Match value {v!r} of custom rule {rule} is not an IP address or CIDR range.",
                               target=path) from None
            if net.version == 6 and not allow_ipv6:
                raise ArmError(400, "WafCustomRuleInvalidIpAddress",
                               f"Match value {v!r} of custom rule {rule}: IPv6 is not supported here.", target=path)
    elif op == "GeoMatch":
        from ...dataplane.trafficmanager import geo  # the country table Traffic Manager uses

        for v in values:
            if not re.match(r"^[A-Za-z]{2}$", v) or not (geo.known_code(v.upper()) or v.upper() == "ZZ"):
                raise ArmError(400, "WafCustomRuleInvalidCountryCode",
                               f"Match value {v!r} of custom rule {rule} is not a two-letter country code.",
                               target=path)
    elif op.lower() == "regex":
        for v in values:
            try:
                re.compile(v)
            except re.error:
                raise ArmError(400, "WafCustomRuleInvalidRegex",
                               f"Match value {v!r} of custom rule {rule} is not a valid regular expression.",
                               target=path) from None
    elif op in ("LessThan", "GreaterThan", "LessThanOrEqual", "GreaterThanOrEqual"):
        for v in values:
            if not re.match(r"^-?\d+$", v.strip()):
                raise ArmError(400, "WafCustomRuleInvalidNumericValue",
                               f"Match value {v!r} of custom rule {rule} must be an integer for operator {op}.",
                               target=path)
    return list(values)


def unique_priorities(rules: list[dict[str, Any]], key: str, what: str) -> None:
    seen: dict[int, str] = {}
    names: set[str] = set()
    for r in rules:
        if r["name"].lower() in names:
            raise ArmError(400, "WafCustomRuleDuplicateName", f"Two custom rules of the {what} are named {r['name']}.")
        names.add(r["name"].lower())
        p = r[key]
        if p in seen:
            raise ArmError(400, "WafCustomRuleDuplicatePriority",
                           f"Custom rules {seen[p]} and {r['name']} of the {what} have the same priority {p}. "
                           "Priorities must be unique.")
        seen[p] = r["name"]
