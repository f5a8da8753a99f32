"""Microsoft.Network/virtualHubs/routingIntent: a hub's routing intent and its routing policies.

Rules ("How to configure Virtual WAN hub routing intent and routing policies"):
- Only a hub of a Standard virtual WAN, one routing intent per hub, and not alongside custom route
  tables (the hub keeps only defaultRouteTable and noneRouteTable) nor connections associated with
  another table than defaultRouteTable.
- ``routingPolicies``: at most one Internet and one PrivateTraffic policy ("Each Virtual WAN hub can have,
  at most, one Internet Traffic Routing Policy and one Private Traffic Routing Policy"), unique names;
  ``destinations`` Internet | PrivateTraffic; ``nextHop`` an Azure Firewall deployed in this hub
  (``sku.name`` AZFW_Hub, ``virtualHub`` = this hub).
- Its effect (netmodel/hub_routes.py): ``_policy_PrivateTraffic`` (10.0.0.0/8, 172.16.0.0/12,
  192.168.0.0/16) and ``_policy_PublicTraffic`` (0.0.0.0/0) in defaultRouteTable, next hop the firewall."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import bad_request as bad
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ..ref_checks import cannot_parse, ref_id, resolve, since, unique_name
from . import connections_index, virtual_wans
from . import routing_config as rc

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = rc.INTENT_TYPE
FIREWALL_TYPE = "Microsoft.Network/azureFirewalls"
DESTINATIONS = ("Internet", "PrivateTraffic")


class RoutingIntentHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        rid = new["id"]
        hub_id = rc.hub_of(rid)
        hub = ctx.body(hub_id) or {}
        wan_id = ref_id(rc.props_of(hub).get("virtualWan"), "")
        if not wan_id:
            raise bad("InvalidOperation", f"Routing intent belongs to Virtual WAN hubs; {hub_id} is a Route Server.")
        if virtual_wans.wan_type(ctx.body(wan_id)) == "Basic":
            raise bad("RoutingIntentNotSupportedOnBasicVirtualWan",
                      f"Virtual hub {hub_id} is in a Basic virtual WAN: routing intent needs a Standard virtual WAN.")
        for rec in ctx.children(hub_id, TYPE):
            if normalize(rec.id) != normalize(rid):
                raise bad("VirtualHubCanHaveOnlyOneRoutingIntent",
                          f"Virtual hub {hub_id} already has routing intent {rec.id}.")
        custom = [r.id for r in ctx.children(hub_id, rc.TABLE_TYPE)
                  if r.id.rsplit("/", 1)[-1].lower() not in (rc.DEFAULT_TABLE.lower(), rc.NONE_TABLE.lower())]
        if custom:
            raise bad("RoutingIntentNotSupportedWithCustomRouteTables",
                      f"Virtual hub {hub_id} has custom route table {custom[0]}: routing intent cannot be used "
                      "alongside custom route tables. Delete them first.")
        for cid, cfg in connections_index.routing_of_hub(ctx, hub_id):
            assoc = (cfg.get("associatedRouteTable") or {}).get("id") or rc.default_table(hub_id)
            if normalize(assoc) != normalize(rc.default_table(hub_id)):
                raise bad("RoutingIntentRequiresDefaultRouteTable",
                          f"Connection {cid} is associated with {assoc}; with routing intent every connection of "
                          f"virtual hub {hub_id} is associated with its defaultRouteTable.")
        policies = props.get("routingPolicies") or []
        if not isinstance(policies, list):
            raise cannot_parse("properties.routingPolicies", policies, "RoutingPolicy[]")
        seen_dest: set[str] = set()
        names: set[str] = set()
        out = []
        for i, pol in enumerate(policies):
            path = f"properties.routingPolicies[{i}]"
            if not isinstance(pol, dict):
                raise cannot_parse(path, pol, "RoutingPolicy")
            name = unique_name(pol, names, "InvalidRoutingPolicy", f"Routing policy {i} of {rid} needs a unique name.")
            dests = pol.get("destinations") or []
            if not isinstance(dests, list) or not dests:
                raise bad("InvalidRoutingPolicy", f"Routing policy {name} of {rid} needs destinations "
                          "(Internet or PrivateTraffic).")
            canon = []
            for d in dests:
                value = next((x for x in DESTINATIONS if isinstance(d, str) and d.lower() == x.lower()), None)
                if value is None:
                    raise bad("InvalidRoutingPolicyDestination",
                              f"Destination {d!r} of routing policy {name} must be Internet or PrivateTraffic.")
                if value in seen_dest:
                    raise bad("DuplicateRoutingPolicyDestination",
                              f"Virtual hub {hub_id} can have at most one {value} routing policy.")
                seen_dest.add(value)
                canon.append(value)
            hop = pol.get("nextHop")
            if not isinstance(hop, str) or not hop:
                raise bad("InvalidRoutingPolicyNextHop", f"Routing policy {name} of {rid} needs a nextHop.")
            fw = resolve(ctx, hop, rid, FIREWALL_TYPE)
            fp = rc.props_of(fw)
            if (fp.get("sku") or {}).get("name") != "AZFW_Hub" or \
                    normalize(ref_id(fp.get("virtualHub"), "") or "") != normalize(hub_id):
                raise bad("InvalidRoutingPolicyNextHop",
                          f"The next hop {hop} of routing policy {name} must be an Azure Firewall deployed in virtual "
                          f"hub {hub_id}.")
            out.append({"name": name, "destinations": canon, "nextHop": fw["id"]})
        props["routingPolicies"] = out


REGISTRY.add(ResourceType(TYPE, since("2022-01-01"), model="RoutingIntent", location="none",
                          hooks=RoutingIntentHooks(), names=NameRule(1, 80)))
