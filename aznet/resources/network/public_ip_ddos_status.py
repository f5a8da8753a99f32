"""``POST {publicIPAddress}/ddosProtectionStatus`` (long-running): whether the
public IP's workload is protected by a DDoS protection plan.

- ``ddosSettings.protectionMode`` Enabled with a plan (IP protection): protected
  by that plan; Disabled: not protected;
- VirtualNetworkInherited (the default on Standard IPs): protected when the
  virtual network of the IP configuration using the address has DDoS protection
  enabled with a plan.
Answer: PublicIpDdosProtectionStatusResult (``isWorkloadProtected`` "True" / "False")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Action
from . import public_ip_addresses as pips
from .ref_checks import ref_id

if TYPE_CHECKING:
    from ...arm.context import Ctx


def _vnet_plan(ctx: Ctx, pip_id: str) -> str | None:
    """The DDoS plan of the VNet whose subnet holds the IP configuration that uses the public IP."""
    for rec_id, holder in pips.users(ctx, pip_id):
        rec = ctx.record(rec_id)
        if rec is None:
            continue
        for cfg in (rec.body.get("properties") or {}).get("ipConfigurations") or []:
            if holder != rec_id and normalize(str(cfg.get("id", ""))) != normalize(holder):
                continue
            sub = ref_id((cfg.get("properties") or {}).get("subnet"))
            vnet = ctx.body(sub.split("/subnets/")[0]) if sub else None
            vp = (vnet or {}).get("properties") or {}
            plan = ref_id(vp.get("ddosProtectionPlan"))
            if vp.get("enableDdosProtection") and plan:
                return plan
    return None


def ddos_status(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    props = body.get("properties") or {}
    settings = props.get("ddosSettings") or {}
    mode = settings.get("protectionMode") or ("Disabled" if (body.get("sku") or {}).get("name") == "Basic"
                                              else "VirtualNetworkInherited")
    plan: str | None = None
    if mode == "Enabled":
        plan = ref_id(settings.get("ddosProtectionPlan")) or None
    elif mode == "VirtualNetworkInherited":
        plan = _vnet_plan(ctx, body["id"])
    out = {"publicIpAddressId": body["id"], "publicIpAddress": props.get("ipAddress"),
           "isWorkloadProtected": "True" if plan else "False"}
    if plan:
        out["ddosProtectionPlanId"] = plan
    return 200, out


REGISTRY.add_actions(pips.TYPE, [Action("ddosProtectionStatus", ddos_status, long_running=True)])
