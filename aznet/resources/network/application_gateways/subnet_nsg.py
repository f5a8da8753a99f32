"""The rule Azure checks on a v2 gateway's subnet NSG: inbound traffic from the
GatewayManager service tag (the internet) to ports 65200-65535 must be allowed,
or the gateway is refused with ApplicationGatewaySubnetInboundTrafficBlockedByNetworkSecurityGroup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError

if TYPE_CHECKING:
    from ....arm.context import Ctx

RULE_TYPE = "Microsoft.Network/networkSecurityGroups/securityRules"
LOW, HIGH = 65200, 65535
SOURCES = {"*", "any", "internet", "gatewaymanager", "0.0.0.0/0"}


def _list(props: dict[str, Any], one: str, many: str) -> list[str]:
    out = [props[one]] if isinstance(props.get(one), str) and props.get(one) else []
    out += [v for v in props.get(many) or [] if isinstance(v, str)]
    return out


def _ports(ranges: list[str]) -> list[tuple[int, int]]:
    out = []
    for r in ranges:
        if r.strip() == "*":
            out.append((0, 65535))
            continue
        lo, _, hi = r.partition("-")
        try:
            out.append((int(lo), int(hi or lo)))
        except ValueError:
            continue
    return out


def check(ctx: Ctx, gateway_id: str, subnet_id: str, subnet: dict[str, Any]) -> None:
    nsg_id = ((subnet.get("properties") or {}).get("networkSecurityGroup") or {}).get("id")
    if not isinstance(nsg_id, str) or ctx.record(nsg_id) is None:
        return
    rules = []
    for rec in ctx.children(nsg_id, RULE_TYPE):
        p = rec.body.get("properties") or {}
        if str(p.get("direction", "")).lower() != "inbound" or str(p.get("protocol", "*")).lower() not in ("*", "tcp"):
            continue
        sources = {s.lower() for s in _list(p, "sourceAddressPrefix", "sourceAddressPrefixes")}
        if not sources & SOURCES:
            continue
        rules.append((int(p.get("priority") or 4096), str(p.get("access", "")).lower(),
                      _ports(_list(p, "destinationPortRange", "destinationPortRanges"))))
    for _prio, access, ports in sorted(rules):
        covers = any(lo <= LOW and hi >= HIGH for lo, hi in ports)
        touches = any(lo <= HIGH and hi >= LOW for lo, hi in ports)
        if access == "allow" and covers:
            return
        if access == "deny" and touches:
            break
    raise ArmError(400, "ApplicationGatewaySubnetInboundTrafficBlockedByNetworkSecurityGroup",
                   f"Network security group {ctx.record(nsg_id).id} blocks incoming internet traffic on ports "  # type: ignore[union-attr]
                   f"{LOW} - {HIGH} to subnet {subnet_id}, associated with Application Gateway {gateway_id}. This is "
                   "not permitted for Application Gateways that have V2 Sku.")
