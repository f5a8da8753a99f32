"""Microsoft.Network/networkSecurityGroups, their securityRules (inline and as
child resources) and Azure's six defaultSecurityRules (read-only children).

Rules: rule syntax (security_rules.py); two rules of one direction may not share
a priority (SecurityRuleConflict); an NSG a subnet or NIC uses cannot be deleted
(InUseNetworkSecurityGroupCannotBeDeleted). ``networkInterfaces`` and
``subnets`` are computed at read time."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...lru import ByteLRU
from . import bastion_nsg
from .ref_checks import API_VERSIONS, boolean
from .security_rules import normalize_rule

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.NSG
RULE_TYPE = typenames.SECURITY_RULE
DEFAULT_TYPE = "Microsoft.Network/networkSecurityGroups/defaultSecurityRules"

# Azure's default rules: name, direction, priority, access, source, destination, description
DEFAULT_RULES = (
    ("AllowVnetInBound", "Inbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow inbound traffic from all VMs in VNET"),
    ("AllowAzureLoadBalancerInBound", "Inbound", 65001, "Allow", "AzureLoadBalancer", "*",
     "Allow inbound traffic from azure load balancer"),
    ("DenyAllInBound", "Inbound", 65500, "Deny", "*", "*", "Deny all inbound traffic"),
    ("AllowVnetOutBound", "Outbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow outbound traffic from all VMs to all VMs in VNET"),
    ("AllowInternetOutBound", "Outbound", 65001, "Allow", "*", "Internet",
     "Allow outbound traffic from all VMs to Internet"),
    ("DenyAllOutBound", "Outbound", 65500, "Deny", "*", "*", "Deny all outbound traffic"),
)

DELETING = "nsgs-being-deleted"      # the request's scratch set: NSGs whose default rules may go


def nsg_of(rule_id: str) -> str:
    low = rule_id.lower()
    cut = max(low.rfind("/securityrules/"), low.rfind("/defaultsecurityrules/"))
    return rule_id[:cut]


def default_rule_body(nsg_id: str, spec: tuple[Any, ...], etag: str | None = None) -> dict[str, Any]:
    name, direction, priority, access, src, dst, desc = spec
    return {"id": f"{nsg_id}/defaultSecurityRules/{name}", "name": name, "type": DEFAULT_TYPE,
            "etag": etag or f'W/"{uuid.uuid4()}"',
            "properties": {"provisioningState": "Succeeded", "description": desc, "protocol": "*",
                           "sourcePortRange": "*", "destinationPortRange": "*", "sourceAddressPrefix": src,
                           "destinationAddressPrefix": dst, "access": access, "priority": priority,
                           "direction": direction, "sourcePortRanges": [], "destinationPortRanges": [],
                           "sourceAddressPrefixes": [], "destinationAddressPrefixes": []}}


def default_rules(ctx: Ctx, nsg: dict[str, Any]) -> list[dict[str, Any]]:
    """Azure's six default rules of an NSG: computed, never stored (read-only, identical in every NSG);
    their etags follow the NSG's."""
    key = (nsg["id"], str(nsg.get("etag")))
    cached = _DEFAULTS_CACHE.get(key)
    if cached is None:
        rules = []
        for spec in DEFAULT_RULES:
            rules.append(default_rule_body(nsg["id"], spec, f'W/"{uuid.uuid5(uuid.NAMESPACE_URL, key[1] + spec[0])}"'))
        data = json.dumps(rules).encode()
        _DEFAULTS_CACHE.put(key, data, len(data) + 2 * len(key[0]) + 200)
        return rules
    rendered: list[dict[str, Any]] = json.loads(cached)
    return rendered


# NSG (id, etag) -> its default rules as JSON text: bytes are invisible to the cyclic garbage collector,
# where thousands of cached dicts and lists made every full collection longer (see aznet/gcpolicy.py);
# an LRU bounded by bytes (it was 4,096 entries, refilled by every NSG PUT)
_DEFAULTS_CACHE: ByteLRU[tuple[str, str], bytes] = ByteLRU(2 * 1024 * 1024)


IN_USE = ("Network security group {id} cannot be deleted because it is in use by the following resources: "
          "{referrers}. In order to delete the Network security group, remove the association with the resource(s). "
          "To learn how to do this, see aka.ms/deletensg.")
# the subnets and NICs that use the NSG: shown on GET, dropped from a PUT, one in-use error listing both
SUBNETS = BackRef("subnets", typenames.SUBNET, "InUseNetworkSecurityGroupCannotBeDeleted",
                  via="networkSecurityGroup", message=IN_USE)
NICS = BackRef("networkInterfaces", typenames.NIC, "InUseNetworkSecurityGroupCannotBeDeleted",
               via="networkSecurityGroup", message=IN_USE)


def conflict(name: str, other: str) -> ArmError:
    return ArmError(400, "SecurityRuleConflict",
                    f"Security rule {other} conflicts with rule {name}. Rules cannot have the same Priority and "
                    "Direction. To learn more, see aka.ms/nsgrules.")


def check_conflicts(ctx: Ctx, nsg_id: str) -> None:
    seen: dict[tuple[str, int], str] = {}
    for rec in ctx.children(nsg_id, RULE_TYPE):
        p = rec.body.get("properties") or {}
        key = (p.get("direction"), p.get("priority"))
        if key in seen:
            raise conflict(rec.body["name"], seen[key])
        seen[key] = rec.body["name"]  # type: ignore[index]


class NetworkSecurityGroupHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["flushConnection"] = boolean(props.get("flushConnection"), "properties.flushConnection", False)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in ("defaultSecurityRules", "flowLogs", "resourceGuid"):
            props.pop(key, None)
        props["resourceGuid"] = resource_guid(old)

    def validate_children(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        check_conflicts(ctx, new["id"])
        if old is not None:
            bastion_nsg.check_associated(ctx, new["id"])

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        ctx.scratch_set(DELETING).add(normalize(body["id"]))   # in use: refused before this (SUBNETS, NICS)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        body.setdefault("properties", {})["defaultSecurityRules"] = default_rules(ctx, body)


class SecurityRuleHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        nsg_id = nsg_of(new["id"])
        nsg = ctx.body(nsg_id) or {}
        props = new["properties"]
        normalize_rule(ctx, props, new["id"], nsg.get("location"))
        if ctx.in_children_batch(nsg_id):          # the NSG PUT checks its rules together afterwards
            return
        for rec in ctx.children(nsg_id, RULE_TYPE):
            p = rec.body.get("properties") or {}
            if rec.key != normalize(new["id"]) and p.get("direction") == props["direction"] \
                    and p.get("priority") == props["priority"]:
                raise conflict(new["name"], rec.body["name"])


    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if not ctx.in_children_batch(nsg_of(new["id"])):
            bastion_nsg.check_associated(ctx, nsg_of(new["id"]))

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        nsg_id = nsg_of(body["id"])
        if not ctx.in_children_batch(nsg_id) and normalize(nsg_id) not in ctx.scratch_set(DELETING):
            bastion_nsg.check_associated(ctx, nsg_id)


class DefaultSecurityRuleHooks(Hooks):
    """Read-only: Azure offers GET and list only."""

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        raise ArmError(405, "MethodNotAllowed", "The requested resource does not support http method 'PUT'.")

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if normalize(nsg_of(body["id"])) not in ctx.scratch_set(DELETING):
            raise ArmError(405, "MethodNotAllowed", "The requested resource does not support http method 'DELETE'.")


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="NetworkSecurityGroup", hooks=NetworkSecurityGroupHooks(),
                          inline_children={"securityRules": RULE_TYPE}, names=NameRule(1, 80),
                          back_refs=(SUBNETS, NICS)))
REGISTRY.add(ResourceType(RULE_TYPE, API_VERSIONS, model="SecurityRule", location="none", hooks=SecurityRuleHooks(),
                          names=NameRule(1, 80)))
REGISTRY.add(ResourceType(DEFAULT_TYPE, API_VERSIONS, model="SecurityRule", location="none",
                          hooks=DefaultSecurityRuleHooks(), names=NameRule(1, 80), virtual=default_rules))
