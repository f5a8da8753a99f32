"""Microsoft.Network/frontDoors/rulesEngines (classic Front Door rules
engine): up to 25 rules with unique priorities, match conditions over the
rules engine's variables and operators, header actions and route
configuration overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from .common import FRONT_DOOR_API, RULES_ENGINE, bad, integer, pick

if TYPE_CHECKING:
    from ...arm.context import Ctx

VARIABLES = ("IsMobile", "RemoteAddr", "RequestMethod", "QueryString", "PostArgs", "RequestUri", "RequestPath",
             "RequestFilename", "RequestFilenameExtension", "RequestHeader", "RequestBody", "RequestScheme")
OPERATORS = ("Any", "IPMatch", "GeoMatch", "Equal", "Contains", "LessThan", "GreaterThan", "LessThanOrEqual",
             "GreaterThanOrEqual", "BeginsWith", "EndsWith")
TRANSFORMS = ("Lowercase", "Uppercase", "Trim", "UrlDecode", "UrlEncode", "RemoveNulls")


def _headers(nodes: Any, path: str) -> list[dict[str, Any]]:
    if nodes is None:
        return []
    if not isinstance(nodes, list):
        raise bad("Header actions must be a list.", path)
    out = []
    for i, h in enumerate(nodes):
        if not isinstance(h, dict) or not isinstance(h.get("headerName"), str) or not h["headerName"]:
            raise bad("A header action needs headerName.", f"{path}[{i}]")
        kind = pick(h.get("headerActionType"), ("Append", "Delete", "Overwrite"), f"{path}[{i}].headerActionType")
        if kind is None:
            raise bad("A header action needs headerActionType.", f"{path}[{i}].headerActionType")
        if kind != "Delete" and not isinstance(h.get("value"), str):
            raise bad(f"The {kind} header action needs a value.", f"{path}[{i}].value")
        out.append({"headerActionType": kind, "headerName": h["headerName"],
                    **({"value": h["value"]} if h.get("value") is not None else {})})
    return out


class RulesEngineHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        rules = new["properties"].get("rules") or []
        if not isinstance(rules, list) or len(rules) > 25:
            raise bad("A rules engine has at most 25 rules.", "properties.rules")
        priorities: dict[int, str] = {}
        for i, r in enumerate(rules):
            path = f"properties.rules[{i}]"
            if not isinstance(r, dict) or not isinstance(r.get("name"), str):
                raise bad("A rule needs a name.", path)
            prio = integer(r.get("priority"), f"{path}.priority", 0, 1000)
            if prio is None:
                raise bad(f"Rule {r['name']} needs a priority.", f"{path}.priority")
            if prio in priorities:
                raise bad(f"Rules {priorities[prio]} and {r['name']} have the same priority {prio}.", f"{path}.priority")
            priorities[prio] = r["name"]
            conds = r.get("matchConditions") or []
            if not isinstance(conds, list) or len(conds) > 10:
                raise bad("A rule has at most 10 match conditions.", f"{path}.matchConditions")
            for j, c in enumerate(conds):
                cpath = f"{path}.matchConditions[{j}]"
                if not isinstance(c, dict):
                    raise bad("A match condition must be an object.", cpath)
                c["rulesEngineMatchVariable"] = pick(c.get("rulesEngineMatchVariable"), VARIABLES,
                                                     f"{cpath}.rulesEngineMatchVariable")
                c["rulesEngineOperator"] = pick(c.get("rulesEngineOperator"), OPERATORS, f"{cpath}.rulesEngineOperator")
                if c["rulesEngineMatchVariable"] is None or c["rulesEngineOperator"] is None:
                    raise bad("A match condition needs rulesEngineMatchVariable and rulesEngineOperator.", cpath)
                values = c.get("rulesEngineMatchValue") or []
                if not isinstance(values, list) or (c["rulesEngineOperator"] != "Any" and not values):
                    raise bad("rulesEngineMatchValue must list at least one value.", f"{cpath}.rulesEngineMatchValue")
                c["transforms"] = [pick(t, TRANSFORMS, f"{cpath}.transforms") for t in c.get("transforms") or []]
            action = r.get("action")
            if not isinstance(action, dict):
                raise bad(f"Rule {r['name']} needs an action.", f"{path}.action")
            action["requestHeaderActions"] = _headers(action.get("requestHeaderActions"),
                                                      f"{path}.action.requestHeaderActions")
            action["responseHeaderActions"] = _headers(action.get("responseHeaderActions"),
                                                       f"{path}.action.responseHeaderActions")
            if not (action["requestHeaderActions"] or action["responseHeaderActions"]
                    or action.get("routeConfigurationOverride")):
                raise bad(f"Rule {r['name']} needs at least one action.", f"{path}.action")
            r["matchProcessingBehavior"] = pick(r.get("matchProcessingBehavior"), ("Continue", "Stop"),
                                                f"{path}.matchProcessingBehavior", "Continue")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"]["resourceState"] = "Enabled"

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        fd = ctx.body(body["id"].rsplit("/rulesEngines/", 1)[0]) or {}
        for rule in (fd.get("properties") or {}).get("routingRules") or []:
            ref = ((rule.get("properties") or {}).get("rulesEngine") or {}).get("id")
            if isinstance(ref, str) and ref.lower() == body["id"].lower():
                raise bad(f"Rules engine {body['name']} is used by routing rule {rule['name']}; remove the link first.")


REGISTRY.add(ResourceType(RULES_ENGINE, FRONT_DOOR_API, model="RulesEngine", schema_package="frontdoor", etag=False,
                          hooks=RulesEngineHooks(), location="none",
                          names=NameRule(1, 90, r"^[a-zA-Z][a-zA-Z0-9]*$",
                                         "The name starts with a letter and contains only letters and numbers.")))
