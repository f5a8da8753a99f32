"""The load balancer's health APIs, the control plane's side: declared here (no HTTP), answered by
the running engine found on the request's platform (``ctx.platform.services.get(LbService)``):

- ``POST .../loadBalancers/{lb}/loadBalancingRules/{rule}/health`` (LoadBalancerHealthPerRule: ``up``,
  ``down`` and per backend ``ipAddress``, ``networkInterfaceIPConfigurationId``, ``state``, ``reason``);
  ``networkInterfaceIPConfigurationId`` is present for NIC members only;
- ``POST .../backendAddressPools/{pool}/queryInboundNatRulePortMapping`` (``az network lb list-mapping``):
  the frontend port each pool member got from the port-range inbound NAT rules on the pool, found by
  ``ipConfiguration.id`` or ``ipAddress``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from ...arm.registry import REGISTRY, Action

if TYPE_CHECKING:
    from ...arm.context import Ctx
    from ...dataplane.lb.service import LbService

POOL_TYPE = f"{typenames.LOAD_BALANCER}/backendAddressPools"
RULE_HEALTH = ("subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/loadbalancers/{lb}/"
               "loadbalancingrules/{name}/health")


def _engine(ctx: Ctx) -> LbService:
    from ...dataplane.lb.service import LbService  # the engine is optional: an assembly may leave it out

    svc = ctx.platform.services.get(LbService)
    if svc is None:
        raise ArmError(503, "ServiceUnavailable", "The load balancer data plane is not running.")
    return svc


@provider_action(RULE_HEALTH, "POST", api_versions=None, name=typenames.LOAD_BALANCER)
def rule_health(ctx: Ctx, payload: Any, prm: dict[str, str]) -> tuple[int, Any]:
    lb_id = (f"/subscriptions/{prm['sub']}/resourceGroups/{prm['rg']}/providers/{typenames.LOAD_BALANCER}/"
             f"{prm['lb']}")
    rec = ctx.platform.store.get(normalize(lb_id))
    if rec is None:
        raise ArmError(404, "ResourceNotFound", f"The Resource '{typenames.LOAD_BALANCER}/{prm['lb']}' under "
                                                f"resource group '{prm['rg']}' was not found.")
    rules = {r.get("name", "").lower(): r for r in (rec.body.get("properties") or {}).get("loadBalancingRules") or []}
    rule = rules.get(prm["name"].lower())
    if rule is None:
        raise ArmError(404, "NotFound", f"Resource {rec.id}/loadBalancingRules/{prm['name']} not found.")
    entry = next((h for h in _engine(ctx).backend_health(rec.id) if h["rule"].lower() == rule["id"].lower()), None)
    backends = entry["backends"] if entry else []
    out = [{k: v for k, v in b.items() if v not in (None, "")} for b in backends]
    return 200, {"up": sum(b["state"] == "Up" for b in backends),
                 "down": sum(b["state"] != "Up" for b in backends), "loadBalancerBackendAddresses": out}


def query_port_mapping(ctx: Ctx, body: dict[str, Any], params: Any) -> tuple[int, Any]:
    params = params if isinstance(params, dict) else {}
    cfg = (params.get("ipConfiguration") or {}).get("id") if isinstance(params.get("ipConfiguration"), dict) else None
    ip = params.get("ipAddress")
    if not cfg and not ip:
        raise ArmError(400, "InvalidRequestFormat",
                       "Either ipConfiguration or ipAddress must be given to query the inbound NAT rule port mapping.")
    mappings = _engine(ctx).plan.nat_mappings.get(normalize(body["id"]), [])
    out = [{"inboundNatRuleName": m["inboundNatRuleName"], "protocol": m["protocol"],
            "frontendPort": m["frontendPort"], "backendPort": m["backendPort"]} for m in mappings
           if (cfg and normalize(m["ipConfiguration"]) == normalize(cfg)) or (ip and m["ipAddress"] == ip)]
    return 200, {"inboundNatRulePortMappings": out}


REGISTRY.add_actions(POOL_TYPE, [Action("queryInboundNatRulePortMapping", query_port_mapping)])
