"""Microsoft.Network/routeFilters and their rules: which Microsoft services' prefixes a Microsoft
peering receives ("Configure route filters for Microsoft peering").

- A route filter holds one rule (Azure's limit), of access Allow and routeFilterRuleType Community;
  ``communities`` are BGP community values of the bgpServiceCommunities catalogue (e.g. 12076:5010).
- ``peerings`` / ``ipv6Peerings`` (read-only): the Microsoft peerings that use the filter; a filter in
  use cannot be deleted. Without a filter (or with an empty one) a Microsoft peering receives no
  Microsoft prefixes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..ref_checks import cannot_parse, enum, since
from . import er_catalogue

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/routeFilters"
RULE_TYPE = f"{TYPE}/routeFilterRules"
PEERING_TYPE = "Microsoft.Network/expressRouteCircuits/peerings"
MAX_RULES = 1
API_VERSIONS = since("2016-12-01")


def filter_of(rule_id: str) -> str:
    return rule_id[: rule_id.lower().rfind("/routefilterrules/")]


def _users(ctx: Ctx, filter_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    own = normalize(filter_id)
    v4, v6 = [], []
    for rec in ctx.referrers(filter_id):
        if rec.type.lower() != PEERING_TYPE.lower():
            continue
        p = rec.body.get("properties") or {}
        if normalize((p.get("routeFilter") or {}).get("id") or "") == own:
            v4.append({"id": rec.id})
        if normalize(((p.get("ipv6PeeringConfig") or {}).get("routeFilter") or {}).get("id") or "") == own:
            v6.append({"id": rec.id})
    return v4, v6


class RouteFilterHooks(Hooks):
    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"].pop("peerings", None)
        new["properties"].pop("ipv6Peerings", None)

    def validate_children(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if len(ctx.children(new["id"], RULE_TYPE)) > MAX_RULES:
            raise too_many(new["id"])

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        v4, v6 = _users(ctx, body["id"])
        body.setdefault("properties", {})["peerings"] = v4
        body["properties"]["ipv6Peerings"] = v6

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        v4, v6 = _users(ctx, body["id"])
        if v4 or v6:
            raise bad("InUseRouteFilterCannotBeDeleted",
                      f"Route filter {body['id']} is in use by peering {(v4 or v6)[0]['id']} and cannot be deleted.")


def too_many(filter_id: str) -> ArmError:
    return bad("RouteFilterRuleLimitReached", f"Route filter {filter_id} can have at most {MAX_RULES} rule.")


class RouteFilterRuleHooks(Hooks):
    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        body.pop("type", None)      # Azure's RouteFilterRule has no type member (clients echo what they get)

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        rid = new["id"]
        access = enum(props.get("access"), ("Allow", "Deny"), "properties.access", "Access")
        if access is None:
            raise bad("RouteFilterRuleAccessRequired", f"Route filter rule {rid} needs properties.access (Allow).")
        if access != "Allow":
            raise bad("InvalidRouteFilterRuleAccess", f"Route filter rule {rid} must be an Allow rule.")
        props["access"] = access
        props["routeFilterRuleType"] = enum(props.get("routeFilterRuleType"), ("Community",),
                                            "properties.routeFilterRuleType", "RouteFilterRuleType", "Community")
        comms = props.get("communities")
        if not isinstance(comms, list) or not comms:
            if comms is not None and not isinstance(comms, list):
                raise cannot_parse("properties.communities", comms, "System.String[]")
            raise bad("RouteFilterRuleCommunitiesRequired", f"Route filter rule {rid} needs at least one community.")
        for c in comms:
            if c not in er_catalogue.COMMUNITY_VALUES:
                raise bad("InvalidBgpCommunity",
                          f"Community {c!r} of route filter rule {rid} is not a BGP community of a Microsoft service "
                          "(see bgpServiceCommunities).")
        props["communities"] = list(dict.fromkeys(comms))
        parent = filter_of(rid)
        if ctx.in_children_batch(parent):
            return
        others = [r for r in ctx.children(parent, RULE_TYPE) if r.key != normalize(rid)]
        if len(others) >= MAX_RULES:
            raise too_many(parent)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="RouteFilter", hooks=RouteFilterHooks(),
                          inline_children={"rules": RULE_TYPE}, names=NameRule(1, 80)))
REGISTRY.add(ResourceType(RULE_TYPE, API_VERSIONS, model="RouteFilterRule", location="optional",
                          hooks=RouteFilterRuleHooks(), names=NameRule(1, 80)))
