"""The load balancer's health APIs, answered from the running engine:

- ``POST .../loadBalancers/{lb}/loadBalancingRules/{rule}/health`` (LoadBalancerHealthPerRule: ``up``,
  ``down`` and per backend ``ipAddress``, ``networkInterfaceIPConfigurationId``, ``state``, ``reason``);
  ``networkInterfaceIPConfigurationId`` is present for NIC members only;
- ``POST .../backendAddressPools/{pool}/queryInboundNatRulePortMapping`` (``az network lb list-mapping``):
  the frontend port each pool member got from the port-range inbound NAT rules on the pool, found by
  ``ipConfiguration.id`` or ``ipAddress``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.http import Request, Response
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Action
from ...arm.router import ROUTES
from .service import LbService

if TYPE_CHECKING:
    from ...arm.context import Ctx
    from ...arm.platform import Platform

POOL_TYPE = "Microsoft.Network/loadBalancers/backendAddressPools"


def _engine(platform: Any) -> LbService:
    svc = platform.services.get(LbService)
    if svc is None:
        raise ArmError(503, "ServiceUnavailable", "The load balancer data plane is not running.")
    return svc


def rule_health(p: Platform, req: Request) -> Response:
    prm = req.params
    lb_id = (f"/subscriptions/{prm['sub']}/resourceGroups/{prm['rg']}/providers/Microsoft.Network/"
             f"loadBalancers/{prm['lb']}")
    rec = p.store.get(normalize(lb_id))
    if rec is None:
        raise ArmError(404, "ResourceNotFound", f"The Resource 'Microsoft.Network/loadBalancers/{prm['lb']}' under "
                                                f"resource group '{prm['rg']}' was not found.")
    rules = {r.get("name", "").lower(): r for r in (rec.body.get("properties") or {}).get("loadBalancingRules") or []}
    rule = rules.get(prm["name"].lower())
    if rule is None:
        raise ArmError(404, "NotFound", f"Resource {rec.id}/loadBalancingRules/{prm['name']} not found.")
    entry = next((h for h in _engine(p).backend_health(rec.id) if h["rule"].lower() == rule["id"].lower()), None)
    backends = entry["backends"] if entry else []
    out = [{k: v for k, v in b.items() if v not in (None, "")} for b in backends]
    return Response(200, {"up": sum(b["state"] == "Up" for b in backends),
                          "down": sum(b["state"] != "Up" for b in backends), "loadBalancerBackendAddresses": out})


def query_port_mapping(ctx: Ctx, body: dict[str, Any], params: Any) -> tuple[int, Any]:
    params = params if isinstance(params, dict) else {}
    cfg = (params.get("ipConfiguration") or {}).get("id") if isinstance(params.get("ipConfiguration"), dict) else None
    ip = params.get("ipAddress")
    if not cfg and not ip:
        raise ArmError(400, "InvalidRequestFormat",
                       "Either ipConfiguration or ipAddress must be given to query the inbound NAT rule port mapping.")
    mappings = _engine(ctx.platform).plan.nat_mappings.get(normalize(body["id"]), [])
    out = [{"inboundNatRuleName": m["inboundNatRuleName"], "protocol": m["protocol"],
            "frontendPort": m["frontendPort"], "backendPort": m["backendPort"]} for m in mappings
           if (cfg and normalize(m["ipConfiguration"]) == normalize(cfg)) or (ip and m["ipAddress"] == ip)]
    return 200, {"inboundNatRulePortMappings": out}


ROUTES.add("subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/loadbalancers/{lb}/"
           "loadbalancingrules/{name}/health", "POST", rule_health)
REGISTRY.add_actions(POOL_TYPE, [Action("queryInboundNatRulePortMapping", query_port_mapping)])
