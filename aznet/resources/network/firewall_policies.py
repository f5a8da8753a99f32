"""Microsoft.Network/firewallPolicies and their ruleCollectionGroups.

Policy: tier Basic / Standard / Premium; threat intelligence mode (Alert, Deny,
Off; Basic: Alert only); DNS servers and DNS proxy (not on Basic); intrusion
detection and TLS inspection only on Premium; a base policy to inherit from
(it must exist, be of the same tier or a lower one's parent is refused, and no
cycles). ``childPolicies``, ``firewalls`` and ``ruleCollectionGroups`` are
computed at read time. A policy that firewalls use or other policies inherit
from cannot be deleted.

Rule collection groups: priority 100-65000, unique in the policy; collections
of type FirewallPolicyNatRuleCollection (action DNAT, NAT rules) or
FirewallPolicyFilterRuleCollection (Allow/Deny, network or application rules,
one kind per collection), names unique in the policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from . import firewall_rules as fr
from .ref_checks import boolean, cannot_parse, enum, ref_id, resolve, since

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.FIREWALL_POLICY
RCG_TYPE = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
FIREWALL_TYPE = typenames.AZURE_FIREWALL.lower()
TIERS = ("Basic", "Standard", "Premium")
NAT_RC = "FirewallPolicyNatRuleCollection"
FILTER_RC = "FirewallPolicyFilterRuleCollection"


def tier_of(body: dict[str, Any] | None) -> str:
    return (((body or {}).get("properties") or {}).get("sku") or {}).get("tier") or "Standard"


def dns_proxy_enabled(body: dict[str, Any] | None) -> bool:
    return bool((((body or {}).get("properties") or {}).get("dnsSettings") or {}).get("enableProxy"))


# the firewalls and child policies that use a policy: shown on GET (empty lists too, as Azure shows them), dropped
# from a PUT, and the delete refused while any remains
FIREWALLS = BackRef("firewalls", FIREWALL_TYPE, "FirewallPolicyInUse", via="firewallPolicy", empty=True,
                    message="Firewall policy {id} cannot be deleted because it is associated with firewalls: "
                            "{referrers}.")
CHILDREN = BackRef("childPolicies", TYPE, "FirewallPolicyIsBasePolicy", via="basePolicy", empty=True,
                   message="Firewall policy {id} cannot be deleted because policies inherit from it: {referrers}.")


class FirewallPolicyHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sku = props.get("sku") or {}
        if not isinstance(sku, dict):
            raise cannot_parse("properties.sku", sku, "FirewallPolicySku")
        tier = enum(sku.get("tier"), TIERS, "properties.sku.tier", "FirewallPolicySkuTier", "Standard") or "Standard"
        if old is not None and tier_of(old) != tier:
            raise fr.invalid(f"The tier of firewall policy {new['id']} cannot be changed from {tier_of(old)} to "
                             f"{tier}.", "FirewallPolicySkuTierCannotBeChanged")
        props["sku"] = {"tier": tier}
        mode = enum(props.get("threatIntelMode"), ("Alert", "Deny", "Off"), "properties.threatIntelMode",
                    "AzureFirewallThreatIntelMode", "Alert")
        if tier == "Basic" and mode != "Alert":
            raise fr.invalid(f"Threat intelligence mode {mode} is not supported on Basic firewall policy "
                             f"{new['id']}: Basic supports Alert only.", "FirewallPolicyBasicSkuFeatureNotSupported")
        props["threatIntelMode"] = mode
        wl = props.get("threatIntelWhitelist")
        if wl is not None:
            if not isinstance(wl, dict):
                raise cannot_parse("properties.threatIntelWhitelist", wl, "FirewallPolicyThreatIntelWhitelist")
            props["threatIntelWhitelist"] = {
                "ipAddresses": fr.check_addresses(wl.get("ipAddresses"), "properties.threatIntelWhitelist.ipAddresses"),
                "fqdns": fr.check_fqdns(wl.get("fqdns"), "properties.threatIntelWhitelist.fqdns")}
        self._dns(new, tier)
        self._premium(new, tier)
        base = ref_id(props.get("basePolicy"), "properties.basePolicy")
        if base is None:
            props.pop("basePolicy", None)
        else:
            bbody = resolve(ctx, base, new["id"], TYPE)
            seen = {normalize(new["id"])}
            cur: str | None = base
            while cur is not None:
                if normalize(cur) in seen:
                    raise fr.invalid(f"Firewall policy {new['id']} cannot inherit from {base}: the inheritance "
                                     "would form a cycle.", "FirewallPolicyBasePolicyCycle")
                seen.add(normalize(cur))
                cur = ref_id(((ctx.body(cur) or {}).get("properties") or {}).get("basePolicy"))
            if TIERS.index(tier_of(bbody)) > TIERS.index(tier):
                raise fr.invalid(f"Firewall policy {new['id']} with tier {tier} cannot inherit from {base} with "
                                 f"the higher tier {tier_of(bbody)}.", "FirewallPolicyBasePolicyTierMismatch")
            rec = ctx.record(base)
            props["basePolicy"] = {"id": rec.id if rec else base}

    def _dns(self, new: dict[str, Any], tier: str) -> None:
        props = new["properties"]
        dns = props.get("dnsSettings")
        if dns is None:
            return
        if not isinstance(dns, dict):
            raise cannot_parse("properties.dnsSettings", dns, "DnsSettings")
        servers = fr.str_list(dns.get("servers"), "properties.dnsSettings.servers")
        for s in servers:
            if fr.try_ip(s) is None:
                raise fr.invalid(f"DNS server '{s}' of firewall policy {new['id']} is not an IP address.",
                                 "FirewallPolicyInvalidDnsServer")
        if len(servers) > 15:
            raise fr.invalid("A firewall policy can have at most 15 DNS servers.", "FirewallPolicyInvalidDnsServer")
        proxy = boolean(dns.get("enableProxy"), "properties.dnsSettings.enableProxy", False)
        if tier == "Basic" and (proxy or servers):
            raise fr.invalid(f"DNS settings are not supported on Basic firewall policy {new['id']}.",
                             "FirewallPolicyBasicSkuFeatureNotSupported")
        out: dict[str, Any] = {"servers": servers, "enableProxy": proxy}
        rpn = boolean(dns.get("requireProxyForNetworkRules"), "properties.dnsSettings.requireProxyForNetworkRules")
        if rpn is not None:
            out["requireProxyForNetworkRules"] = rpn
        props["dnsSettings"] = out

    def _premium(self, new: dict[str, Any], tier: str) -> None:
        props = new["properties"]
        for key, what in (("intrusionDetection", "Intrusion detection (IDPS)"),
                          ("transportSecurity", "TLS inspection"), ("explicitProxy", "Explicit proxy")):
            value = props.get(key)
            if value is None:
                continue
            if not isinstance(value, dict):
                raise cannot_parse(f"properties.{key}", value, key)
            if tier != "Premium" and key != "explicitProxy":
                raise fr.invalid(f"{what} is a Premium feature: firewall policy {new['id']} has tier {tier}.",
                                 "FirewallPolicyPremiumFeatureNotSupported")
        idps = props.get("intrusionDetection")
        if isinstance(idps, dict):
            idps["mode"] = enum(idps.get("mode"), ("Off", "Alert", "Deny"), "properties.intrusionDetection.mode",
                                "FirewallPolicyIntrusionDetectionStateType", "Off")
            if idps.get("profile") is not None:
                idps["profile"] = enum(idps.get("profile"), ("Basic", "Standard", "Advanced", "Extended"),
                                       "properties.intrusionDetection.profile",
                                       "FirewallPolicyIntrusionDetectionProfileType")
        tls = props.get("transportSecurity")
        if isinstance(tls, dict):
            ca = tls.get("certificateAuthority") or {}
            if not isinstance(ca, dict) or not ca.get("keyVaultSecretId") or not ca.get("name"):
                raise fr.invalid("TLS inspection needs certificateAuthority.name and keyVaultSecretId.",
                                 "FirewallPolicyTransportSecurityInvalidCertificateAuthority")
            ident = new.get("identity") or {}
            if not isinstance(ident, dict) or "UserAssigned" not in str(ident.get("type") or ""):
                raise fr.invalid(f"Firewall policy {new['id']} needs a user-assigned managed identity to read the "
                                 "TLS inspection certificate from Key Vault.", "FirewallPolicyIdentityRequired")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        for key in ("ruleCollectionGroups", "size", "afcManaged", "kubeSelectorGroups"):
            props.pop(key, None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props["ruleCollectionGroups"] = [{"id": r.id} for r in ctx.children(body["id"], RCG_TYPE)]


# -- rule collection groups --------------------------------------------------------------------

def _nat_rule(rule: dict[str, Any], path: str, ctx: Ctx, owner: str, loc: str | None) -> None:
    fr.require_source(rule, path)
    rule["sourceAddresses"] = fr.check_addresses(rule.get("sourceAddresses"), f"{path}.sourceAddresses")
    rule["sourceIpGroups"] = fr.check_ip_groups(ctx, rule.get("sourceIpGroups"), f"{path}.sourceIpGroups", owner, loc)
    rule["ipProtocols"] = fr.check_protocols(rule.get("ipProtocols"), f"{path}.ipProtocols", fr.NAT_PROTOCOLS)
    dests = fr.check_addresses(rule.get("destinationAddresses"), f"{path}.destinationAddresses")
    ports = fr.check_ports(rule.get("destinationPorts"), f"{path}.destinationPorts")
    if len(dests) != 1 or len(ports) != 1 or not rule["ipProtocols"]:
        raise fr.invalid(f"NAT rule {rule.get('name')} needs exactly one destination address (a public IP of the "
                         "firewall), one destination port and at least one protocol.", "FirewallPolicyNatRuleInvalid")
    rule["destinationAddresses"], rule["destinationPorts"] = dests, ports
    has_addr, has_fqdn = bool(rule.get("translatedAddress")), bool(rule.get("translatedFqdn"))
    if has_addr == has_fqdn or not rule.get("translatedPort"):
        raise fr.invalid(f"NAT rule {rule.get('name')} needs a translated port and either a translated address or "
                         "a translated FQDN.", "FirewallPolicyNatRuleInvalid")
    if has_addr and fr.try_ip(str(rule["translatedAddress"])) is None:
        raise fr.invalid(f"The translated address '{rule['translatedAddress']}' is not an IP address.",
                         "FirewallPolicyNatRuleInvalid")
    fr.check_port(str(rule["translatedPort"]), f"{path}.translatedPort")


def _network_rule(rule: dict[str, Any], path: str, ctx: Ctx, owner: str, loc: str | None, proxy: bool) -> None:
    fr.require_source(rule, path)
    rule["sourceAddresses"] = fr.check_addresses(rule.get("sourceAddresses"), f"{path}.sourceAddresses")
    rule["sourceIpGroups"] = fr.check_ip_groups(ctx, rule.get("sourceIpGroups"), f"{path}.sourceIpGroups", owner, loc)
    rule["destinationAddresses"] = fr.check_addresses(rule.get("destinationAddresses"),
                                                      f"{path}.destinationAddresses", allow_tags=True)
    rule["destinationIpGroups"] = fr.check_ip_groups(ctx, rule.get("destinationIpGroups"),
                                                     f"{path}.destinationIpGroups", owner, loc)
    rule["destinationFqdns"] = fr.check_fqdns(rule.get("destinationFqdns"), f"{path}.destinationFqdns")
    rule["destinationPorts"] = fr.check_ports(rule.get("destinationPorts"), f"{path}.destinationPorts")
    rule["ipProtocols"] = fr.check_protocols(rule.get("ipProtocols"), f"{path}.ipProtocols", fr.NET_PROTOCOLS)
    fr.network_rule_complete(rule, "ipProtocols", proxy)


def _application_rule(rule: dict[str, Any], path: str, ctx: Ctx, owner: str, loc: str | None, tier: str) -> None:
    fr.require_source(rule, path)
    rule["sourceAddresses"] = fr.check_addresses(rule.get("sourceAddresses"), f"{path}.sourceAddresses")
    rule["sourceIpGroups"] = fr.check_ip_groups(ctx, rule.get("sourceIpGroups"), f"{path}.sourceIpGroups", owner, loc)
    rule["targetFqdns"] = fr.check_fqdns(rule.get("targetFqdns"), f"{path}.targetFqdns")
    rule["fqdnTags"] = fr.check_fqdn_tags(rule.get("fqdnTags"), f"{path}.fqdnTags")
    rule["webCategories"] = fr.check_web_categories(rule.get("webCategories"), f"{path}.webCategories")
    urls = fr.str_list(rule.get("targetUrls"), f"{path}.targetUrls")
    rule["targetUrls"] = urls
    rule["protocols"] = fr.app_protocols(rule.get("protocols"), f"{path}.protocols")
    tls = boolean(rule.get("terminateTLS"), f"{path}.terminateTLS", False)
    rule["terminateTLS"] = tls
    if (urls or tls) and tier != "Premium":
        raise fr.invalid(f"Application rule {rule.get('name')}: URL filtering and TLS termination are Premium "
                         f"features; the policy has tier {tier}.", "FirewallPolicyPremiumFeatureNotSupported")
    if rule["webCategories"] and tier == "Basic":
        raise fr.invalid(f"Application rule {rule.get('name')}: web categories are not supported on Basic.",
                         "FirewallPolicyBasicSkuFeatureNotSupported")
    targets = [k for k in ("targetFqdns", "fqdnTags", "webCategories", "targetUrls") if rule[k]]
    if len(targets) != 1:
        raise fr.invalid(f"Application rule {rule.get('name')} must have exactly one kind of target: target FQDNs, "
                         "FQDN tags, web categories or target URLs.", "FirewallPolicyApplicationRuleInvalidTargets")
    if not rule["fqdnTags"] and not rule["protocols"]:
        raise fr.invalid(f"Application rule {rule.get('name')} needs at least one protocol.",
                         "AzureFirewallApplicationRuleInvalidProtocol")


class RuleCollectionGroupHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        policy_id = new["id"].rsplit("/ruleCollectionGroups/", 1)[0] if "/ruleCollectionGroups/" in new["id"] \
            else new["id"].rsplit("/", 2)[0]
        policy = ctx.body(policy_id) or {}
        tier, proxy, loc = tier_of(policy), dns_proxy_enabled(policy), policy.get("location")
        props["priority"] = fr.check_priority(props.get("priority"), "properties.priority",
                                              f"rule collection group {new['name']}")
        for rec in ctx.children(policy_id, RCG_TYPE):
            if rec.key != normalize(new["id"]) and (rec.body.get("properties") or {}).get("priority") == \
                    props["priority"]:
                raise fr.invalid(f"Rule collection group {new['name']} has priority {props['priority']}, which rule "
                                 f"collection group {rec.body['name']} of the same policy already has.",
                                 "FirewallPolicyRuleCollectionGroupPriorityNotUnique")
        rcs = props.get("ruleCollections")
        if rcs is None:
            rcs = []
        if not isinstance(rcs, list):
            raise cannot_parse("properties.ruleCollections", rcs, "FirewallPolicyRuleCollection[]")
        used = {str(rc.get("name", "")).lower() for rec in ctx.children(policy_id, RCG_TYPE)
                if rec.key != normalize(new["id"])
                for rc in (rec.body.get("properties") or {}).get("ruleCollections") or [] if isinstance(rc, dict)}
        for i, rc in enumerate(rcs):
            path = f"properties.ruleCollections[{i}]"
            if not isinstance(rc, dict):
                raise cannot_parse(path, rc, "FirewallPolicyRuleCollection")
            self._collection(ctx, rc, path, new["id"], loc, tier, proxy)
            if str(rc["name"]).lower() in used:
                raise fr.invalid(f"Rule collection name '{rc['name']}' is already used in firewall policy "
                                 f"{policy_id}.", "AzureFirewallDuplicateName")
            used.add(str(rc["name"]).lower())
        props["ruleCollections"] = rcs

    def _collection(self, ctx: Ctx, rc: dict[str, Any], path: str, owner: str, loc: str | None, tier: str,
                    proxy: bool) -> None:
        kind = enum(rc.get("ruleCollectionType"), (NAT_RC, FILTER_RC), f"{path}.ruleCollectionType",
                    "FirewallPolicyRuleCollectionType")
        if kind is None:
            raise fr.invalid(f"{path}.ruleCollectionType is required.", "FirewallPolicyRuleCollectionTypeMissing")
        rc["ruleCollectionType"] = kind
        if not isinstance(rc.get("name"), str) or not rc["name"]:
            raise fr.invalid(f"{path} needs a name.", "AzureFirewallRuleNameMissing")
        rc["priority"] = fr.check_priority(rc.get("priority"), f"{path}.priority", f"rule collection {rc['name']}")
        action = rc.get("action") or {}
        if not isinstance(action, dict):
            raise cannot_parse(f"{path}.action", action, "FirewallPolicyRuleCollectionAction")
        allowed = ("DNAT",) if kind == NAT_RC else ("Allow", "Deny")
        atype = enum(action.get("type"), allowed, f"{path}.action.type", "FirewallPolicyRuleCollectionActionType",
                     "DNAT" if kind == NAT_RC else None)
        if atype is None:
            raise fr.invalid(f"Rule collection {rc['name']} needs an action (Allow or Deny).",
                             "FirewallPolicyRuleCollectionActionMissing")
        rc["action"] = {"type": atype}
        rules = rc.get("rules") or []
        if not isinstance(rules, list):
            raise cannot_parse(f"{path}.rules", rules, "FirewallPolicyRule[]")
        fr.unique_names((r for r in rules if isinstance(r, dict)), "rule")
        kinds = set()
        for j, rule in enumerate(rules):
            rpath = f"{path}.rules[{j}]"
            if not isinstance(rule, dict):
                raise cannot_parse(rpath, rule, "FirewallPolicyRule")
            rt = enum(rule.get("ruleType"), ("NatRule", "NetworkRule", "ApplicationRule"), f"{rpath}.ruleType",
                      "FirewallPolicyRuleType")
            if rt is None or (kind == NAT_RC) != (rt == "NatRule"):
                raise fr.invalid(f"Rule {rule.get('name')} of type {rt} cannot be in a {kind}.",
                                 "FirewallPolicyRuleTypeNotAllowedInCollection")
            rule["ruleType"] = rt
            kinds.add(rt)
            if rt == "NatRule":
                _nat_rule(rule, rpath, ctx, owner, loc)
            elif rt == "NetworkRule":
                _network_rule(rule, rpath, ctx, owner, loc, proxy)
            else:
                _application_rule(rule, rpath, ctx, owner, loc, tier)
        if len(kinds) > 1:
            raise fr.invalid(f"Rule collection {rc['name']} mixes network and application rules: a filter rule "
                             "collection holds rules of one type.", "FirewallPolicyRuleCollectionMixedRuleTypes")
        rc["rules"] = rules

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"].pop("size", None)


REGISTRY.add(ResourceType(TYPE, since("2019-06-01"), model="FirewallPolicy", hooks=FirewallPolicyHooks(),
                          names=NameRule(1, 80), back_refs=(FIREWALLS, CHILDREN)))
REGISTRY.add(ResourceType(RCG_TYPE, since("2020-05-01"), model="FirewallPolicyRuleCollectionGroup", location="none",
                          hooks=RuleCollectionGroupHooks(), names=NameRule(1, 80)))
