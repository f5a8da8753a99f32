"""Microsoft.Network/vpnGateways/natRules: NAT on a Virtual WAN hub's site-to-site VPN gateway, linked per VPN
site link connection (``vpnLinkConnections[].ingressNatRules`` / ``egressNatRules``).

The rules of a VPN gateway's NAT rules apply (hybrid/gateway_nat_rules.py: Static/Dynamic, IngressSnat/EgressSnat,
static mappings of equal size, external mappings not overlapping, a dynamic pool at most /26, 100 rules); the
instance (``ipConfigurationId``) is Instance0 or Instance1. ``ingressVpnSiteLinkConnections`` /
``egressVpnSiteLinkConnections`` are read-only: the link connections that list the rule. A rule in use cannot be
deleted; NAT is not supported on link connections with policy-based traffic selectors.

Confirmed (Virtual WAN "Configure NAT rules for your Virtual WAN VPN gateway"): static and dynamic rules, ingress /
egress modes, link-connection association, equal subnet sizes for static rules, no NAT with policy-based traffic
selectors, the site's private address space holding the external mapping of its ingress rules for statically routed
sites (so the hub routes the site's space as configured), BGP translation over all the gateway's rules
(``enableBgpRouteTranslationForNat``). Inferred: the codes, shared with VPN Gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, NameRule, ResourceType
from ..hybrid.gateway_nat_rules import NatRuleHooks, check_refs, gateway_of
from ..ref_checks import since

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/vpnGateways/natRules"
CONN_TYPE = "Microsoft.Network/vpnGateways/vpnConnections"
READ_ONLY = ("ingressVpnSiteLinkConnections", "egressVpnSiteLinkConnections")


def link_users(ctx: Ctx, rule_id: str) -> dict[str, list[str]]:
    """ingressNatRules / egressNatRules -> the link connections of the rule's gateway that list the rule."""
    out: dict[str, list[str]] = {"ingressNatRules": [], "egressNatRules": []}
    for rec in ctx.children(gateway_of(rule_id), CONN_TYPE):
        for link in (rec.body.get("properties") or {}).get("vpnLinkConnections") or []:
            lp = (link.get("properties") or {}) if isinstance(link, dict) else {}
            for key, ids in out.items():
                if any(isinstance(r, dict) and normalize(str(r.get("id") or "")) == normalize(rule_id)
                       for r in lp.get(key) or []):
                    ids.append(str(link.get("id") or rec.id))
    return out


class VpnGatewayNatRuleHooks(NatRuleHooks):
    rule_type = TYPE

    def check_gateway(self, gw: dict[str, Any], rid: str) -> None:
        if not gw:
            raise ArmError(404, "ParentResourceNotFound", f"The VPN gateway of NAT rule {rid} was not found.")

    def users(self, ctx: Ctx, rule_id: str) -> list[str]:
        found = link_users(ctx, rule_id)
        return found["ingressNatRules"] + found["egressNatRules"]

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        for key in READ_ONLY:
            new.setdefault("properties", {}).pop(key, None)
        super().validate(ctx, new, old)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        found = link_users(ctx, body["id"])
        props = body.setdefault("properties", {})
        props["ingressVpnSiteLinkConnections"] = [{"id": i} for i in found["ingressNatRules"]]
        props["egressVpnSiteLinkConnections"] = [{"id": i} for i in found["egressNatRules"]]


def check_link(ctx: Ctx, lp: dict[str, Any], gw_id: str, owner: str, policy_selectors: bool) -> dict[str, Any]:
    """A link connection's ingressNatRules / egressNatRules: rules of its gateway of the matching mode."""
    out = {key: check_refs(ctx, lp.get(key), key, mode, gw_id, owner)
           for key, mode in (("ingressNatRules", "IngressSnat"), ("egressNatRules", "EgressSnat"))}
    if policy_selectors and (out["ingressNatRules"] or out["egressNatRules"]):
        raise ArmError(400, "NatRuleNotSupportedWithPolicyBasedTrafficSelectors",
                       f"{owner}: NAT rules are not supported on a connection with policy-based traffic selectors "
                       "(usePolicyBasedTrafficSelectors).")
    return out


REGISTRY.add(ResourceType(TYPE, since("2020-08-01"), model="VpnGatewayNatRule", location="none",
                          hooks=VpnGatewayNatRuleHooks(), names=NameRule(1, 80)))
