"""Microsoft.Network/azureFirewalls, the ``azureFirewallFqdnTags`` list and
``Microsoft.Network/ipGroups``.

Firewall rules (Azure's where documented, see firewall_rules for codes):
- SKU ``AZFW_VNet`` (``AZFW_Hub`` needs a virtual hub) and tier Basic / Standard /
  Premium; classic rule collections only on Standard, and never together with a
  firewall policy; the policy's tier must equal the firewall's.
- The IP configuration with a subnet is in ``AzureFirewallSubnet`` (/26 or
  larger), gets the subnet's first free address; every other IP configuration
  has only a public IP. Public IPs: Standard SKU, static, IPv4, same region,
  used by nothing else.
- ``managementIpConfiguration`` (forced tunnelling, and required on Basic):
  ``AzureFirewallManagementSubnet`` (/26 or larger) and a public IP.
- Zones: a subset of 1, 2, 3, fixed after creation.
- Classic collections: NAT (Dnat/Snat), network and application (Allow/Deny),
  priorities 100-65000 unique per collection kind, names unique.
- Network rules with destination FQDNs need the DNS proxy
  (``additionalProperties["Network.DNS.EnableProxy"] = "true"``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from . import cidr
from . import firewall_policies as fp
from . import firewall_rules as fr
from . import public_ip_addresses as pips
from .ip_allocation import allocator, subnet_prefixes
from .ref_checks import cannot_parse, enum, ref_id, resolve, since, zone_list, zones_unchanged

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.AZURE_FIREWALL
IP_GROUP_TYPE = fr.IP_GROUP_TYPE
SUBNET_TYPE = typenames.SUBNET
FIREWALL_SUBNET = "AzureFirewallSubnet"
MANAGEMENT_SUBNET = "AzureFirewallManagementSubnet"
MIN_PREFIX = 26
ZONES = ("1", "2", "3")
COLLECTIONS = {"natRuleCollections": ("Dnat", "Snat"), "networkRuleCollections": ("Allow", "Deny"),
               "applicationRuleCollections": ("Allow", "Deny")}


def _subnet_error(fw_id: str, subnet_id: str, want: str, why: str) -> ArmError:
    return ArmError(400, "AzureFirewallSubnetInvalid" if want == FIREWALL_SUBNET else
                    "AzureFirewallManagementSubnetInvalid",
                    f"Azure Firewall {fw_id} cannot use subnet {subnet_id}: {why}")


def check_subnet(ctx: Ctx, fw: dict[str, Any], subnet_id: str, want: str) -> dict[str, Any]:
    body = resolve(ctx, subnet_id, fw["id"], SUBNET_TYPE, fw["location"])
    name = subnet_id.rstrip("/").rsplit("/", 1)[-1]
    if name.lower() != want.lower():
        raise _subnet_error(fw["id"], subnet_id, want, f"the subnet must be named {want}.")
    for net in subnet_prefixes(body):
        if net.version == 4 and net.prefixlen > MIN_PREFIX:
            raise _subnet_error(fw["id"], subnet_id, want,
                                f"{want} must be /{MIN_PREFIX} or larger; its prefix is {net}.")
    return body


def check_public_ip(ctx: Ctx, fw: dict[str, Any], pip_id: str) -> None:
    body = pips.check_usable(ctx, pip_id, fw["id"], fw["location"], fw["id"])
    sku = (body.get("sku") or {}).get("name", "Basic")
    p = body.get("properties") or {}
    if sku != "Standard" or p.get("publicIPAllocationMethod") != "Static" or \
            p.get("publicIPAddressVersion", "IPv4") != "IPv4":
        raise ArmError(400, "AzureFirewallPublicIpMustBeStandardStaticIPv4",
                       f"Azure Firewall {fw['id']} requires public IP address {pip_id} to be a Standard SKU, "
                       "static, IPv4 address.")


def _ipconfig(ctx: Ctx, fw: dict[str, Any], item: Any, path: str, want: str | None, old_ip: str | None,
              need_pip: bool) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise cannot_parse(path, item, "AzureFirewallIPConfiguration")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise fr.invalid(f"{path} needs a name.", "AzureFirewallIpConfigurationNameMissing")
    p = item.get("properties") or {}
    if not isinstance(p, dict):
        raise cannot_parse(f"{path}.properties", p, "AzureFirewallIPConfigurationPropertiesFormat")
    out: dict[str, Any] = {"name": name, "id": f"{fw['id']}/azureFirewallIpConfigurations/{name}",
                           "properties": {"provisioningState": "Succeeded"}}
    sub = ref_id(p.get("subnet"), f"{path}.properties.subnet")
    pip = ref_id(p.get("publicIPAddress"), f"{path}.properties.publicIPAddress")
    if want is None and sub is not None:
        raise fr.invalid(f"Only the first IP configuration of Azure Firewall {fw['id']} can have a subnet.",
                         "AzureFirewallIpConfigurationSubnetNotAllowed")
    if pip is not None:
        check_public_ip(ctx, fw, pip)
        rec = ctx.record(pip)
        out["properties"]["publicIPAddress"] = {"id": rec.id if rec else pip}
    elif need_pip:
        raise fr.invalid(f"IP configuration {name} of Azure Firewall {fw['id']} needs a public IP address.",
                         "AzureFirewallIpConfigurationPublicIpRequired")
    if want is not None:
        if sub is None:
            raise fr.invalid(f"IP configuration {name} of Azure Firewall {fw['id']} needs the {want} subnet.",
                             "AzureFirewallSubnetMissing")
        sbody = check_subnet(ctx, fw, sub, want)
        rec = ctx.record(sub)
        sid = rec.id if rec else sub
        out["properties"]["subnet"] = {"id": sid}
        nets = [n for n in subnet_prefixes(sbody) if n.version == 4]
        ip = cidr.parse_ip(old_ip) if old_ip else None
        if ip is None or not any(ip in n for n in nets):
            ip = allocator(ctx).dynamic(sid, sid.rsplit("/", 1)[-1], nets, 4, fw["id"], out["id"])
        out["properties"]["privateIPAddress"] = str(ip)
    return out


def _rule_collections(ctx: Ctx, fw: dict[str, Any], props: dict[str, Any], proxy: bool) -> None:
    public_ips = {str((ctx.body(c["properties"]["publicIPAddress"]["id"]) or {}).get("properties", {})
                      .get("ipAddress")) for c in props.get("ipConfigurations") or []
                  if c["properties"].get("publicIPAddress")}
    for key, actions in COLLECTIONS.items():
        items = props.get(key)
        if items is None:
            props[key] = []
            continue
        if not isinstance(items, list):
            raise cannot_parse(f"properties.{key}", items, "AzureFirewallRuleCollection[]")
        fr.unique_names((c for c in items if isinstance(c, dict)), "rule collection")
        prios: dict[int, str] = {}
        out = []
        for i, coll in enumerate(items):
            path = f"properties.{key}[{i}]"
            if not isinstance(coll, dict):
                raise cannot_parse(path, coll, "AzureFirewallRuleCollection")
            cp = coll.get("properties") or {}
            if not isinstance(cp, dict):
                raise cannot_parse(f"{path}.properties", cp, "AzureFirewallRuleCollectionProperties")
            prio = fr.check_priority(cp.get("priority"), f"{path}.properties.priority", f"collection {coll['name']}")
            if prio in prios:
                raise fr.invalid(f"Rule collections {prios[prio]} and {coll['name']} of Azure Firewall {fw['id']} "
                                 f"have the same priority {prio}.", "AzureFirewallRuleCollectionPriorityNotUnique")
            prios[prio] = coll["name"]
            action = cp.get("action") or {}
            if not isinstance(action, dict):
                raise cannot_parse(f"{path}.properties.action", action, "AzureFirewallRCAction")
            atype = enum(action.get("type"), actions, f"{path}.properties.action.type", "AzureFirewallRCActionType",
                         actions[0] if key == "natRuleCollections" else None)
            if atype is None:
                raise fr.invalid(f"Rule collection {coll['name']} needs an action: {' or '.join(actions)}.",
                                 "AzureFirewallRuleCollectionActionMissing")
            rules = cp.get("rules") or []
            if not isinstance(rules, list):
                raise cannot_parse(f"{path}.properties.rules", rules, "AzureFirewallRule[]")
            fr.unique_names((r for r in rules if isinstance(r, dict)), "rule")
            for j, rule in enumerate(rules):
                rpath = f"{path}.properties.rules[{j}]"
                if not isinstance(rule, dict):
                    raise cannot_parse(rpath, rule, "AzureFirewallRule")
                _classic_rule(ctx, fw, key, rule, rpath, proxy, public_ips)
            out.append({"name": coll["name"], "id": f"{fw['id']}/{key}/{coll['name']}",
                        "properties": {"priority": prio, "action": {"type": atype}, "rules": rules,
                                       "provisioningState": "Succeeded"}})
        props[key] = out


def _classic_rule(ctx: Ctx, fw: dict[str, Any], key: str, rule: dict[str, Any], path: str, proxy: bool,
                  public_ips: set[str]) -> None:
    loc = fw["location"]
    fr.require_source(rule, path)
    rule["sourceAddresses"] = fr.check_addresses(rule.get("sourceAddresses"), f"{path}.sourceAddresses")
    rule["sourceIpGroups"] = fr.check_ip_groups(ctx, rule.get("sourceIpGroups"), f"{path}.sourceIpGroups",
                                                fw["id"], loc)
    if key == "applicationRuleCollections":
        rule["targetFqdns"] = fr.check_fqdns(rule.get("targetFqdns"), f"{path}.targetFqdns")
        rule["fqdnTags"] = fr.check_fqdn_tags(rule.get("fqdnTags"), f"{path}.fqdnTags")
        rule["protocols"] = fr.app_protocols(rule.get("protocols"), f"{path}.protocols")
        if bool(rule["targetFqdns"]) == bool(rule["fqdnTags"]):
            raise fr.invalid(f"Application rule {rule.get('name')} must have either target FQDNs or FQDN tags.",
                             "AzureFirewallApplicationRuleInvalidTargets")
        if rule["targetFqdns"] and not rule["protocols"]:
            raise fr.invalid(f"Application rule {rule.get('name')} needs at least one protocol.",
                             "AzureFirewallApplicationRuleInvalidProtocol")
        return
    allowed = fr.NAT_PROTOCOLS if key == "natRuleCollections" else fr.NET_PROTOCOLS
    rule["protocols"] = fr.check_protocols(rule.get("protocols"), f"{path}.protocols", allowed)
    rule["destinationPorts"] = fr.check_ports(rule.get("destinationPorts"), f"{path}.destinationPorts")
    if key == "natRuleCollections":
        dests = fr.check_addresses(rule.get("destinationAddresses"), f"{path}.destinationAddresses")
        if len(dests) != 1 or len(rule["destinationPorts"]) != 1 or not rule["protocols"]:
            raise fr.invalid(f"NAT rule {rule.get('name')} needs one destination address, one destination port and "
                             "a protocol.", "AzureFirewallNatRuleInvalid")
        if dests[0] not in public_ips:
            raise fr.invalid(f"NAT rule {rule.get('name')}: destination address {dests[0]} is not a public IP "
                             f"address of Azure Firewall {fw['id']}.", "AzureFirewallNatRuleDestinationNotFirewallIp")
        rule["destinationAddresses"] = dests
        if bool(rule.get("translatedAddress")) == bool(rule.get("translatedFqdn")) or not rule.get("translatedPort"):
            raise fr.invalid(f"NAT rule {rule.get('name')} needs a translated port and either a translated address "
                             "or a translated FQDN.", "AzureFirewallNatRuleInvalid")
        if rule.get("translatedAddress") and fr.try_ip(str(rule["translatedAddress"])) is None:
            raise fr.invalid(f"The translated address '{rule['translatedAddress']}' is not an IP address.",
                             "AzureFirewallNatRuleInvalid")
        fr.check_port(str(rule["translatedPort"]), f"{path}.translatedPort")
        return
    rule["destinationAddresses"] = fr.check_addresses(rule.get("destinationAddresses"),
                                                      f"{path}.destinationAddresses", allow_tags=True)
    rule["destinationIpGroups"] = fr.check_ip_groups(ctx, rule.get("destinationIpGroups"),
                                                     f"{path}.destinationIpGroups", fw["id"], loc)
    rule["destinationFqdns"] = fr.check_fqdns(rule.get("destinationFqdns"), f"{path}.destinationFqdns")
    fr.network_rule_complete(rule, "protocols", proxy)


class AzureFirewallHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        sku = props.get("sku") or {}
        if not isinstance(sku, dict):
            raise cannot_parse("properties.sku", sku, "AzureFirewallSku")
        name = enum(sku.get("name"), ("AZFW_VNet", "AZFW_Hub"), "properties.sku.name", "AzureFirewallSkuName",
                    "AZFW_VNet")
        tier = enum(sku.get("tier"), fp.TIERS, "properties.sku.tier", "AzureFirewallSkuTier", "Standard") or "Standard"
        props["sku"] = {"name": name, "tier": tier}
        hub = ref_id(props.get("virtualHub"), "properties.virtualHub")
        if name == "AZFW_Hub" and hub is None:
            raise fr.invalid("Request parameter VirtualHub must be specified for the Azure Firewall in SKU AZFW_Hub.")
        if name == "AZFW_VNet" and hub is not None:
            raise fr.invalid("Request parameter VirtualHub can not be specified in current SKU AZFW_VNet for the "
                             "Azure Firewall")
        if hub is not None:
            resolve(ctx, hub, new["id"], "Microsoft.Network/virtualHubs", new["location"])
        self._zones(new, old)
        mode = enum(props.get("threatIntelMode"), ("Alert", "Deny", "Off"), "properties.threatIntelMode",
                    "AzureFirewallThreatIntelMode", "Alert")
        if tier == "Basic" and mode != "Alert":
            raise fr.invalid(f"Threat intelligence mode {mode} is not supported on Basic Azure Firewall {new['id']}.")
        props["threatIntelMode"] = mode
        extra = props.get("additionalProperties") or {}
        if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
            raise cannot_parse("properties.additionalProperties", extra,
                               "System.Collections.Generic.Dictionary`2[System.String,System.String]")
        props["additionalProperties"] = extra
        proxy = any(k.lower() == "network.dns.enableproxy" and v.lower() == "true" for k, v in extra.items())
        self._ipconfigs(ctx, new, oldp, tier)
        policy = ref_id(props.get("firewallPolicy"), "properties.firewallPolicy")
        classic = [k for k in COLLECTIONS if props.get(k)]
        if policy is not None:
            if classic:
                raise fr.invalid(f"Azure Firewall {new['id']} cannot have both a firewall policy and classic rule "
                                 f"collections ({', '.join(classic)}).", "AzureFirewallPolicyAndRulesNotAllowed")
            pbody = resolve(ctx, policy, new["id"], fp.TYPE)
            if fp.tier_of(pbody) != tier:
                raise fr.invalid(f"Azure Firewall {new['id']} with tier {tier} cannot use firewall policy {policy} "
                                 f"with tier {fp.tier_of(pbody)}: the tiers must match.",
                                 "AzureFirewallPolicySkuMismatch")
            rec = ctx.record(policy)
            props["firewallPolicy"] = {"id": rec.id if rec else policy}
        else:
            props.pop("firewallPolicy", None)
            if classic and tier != "Standard":
                raise fr.invalid(f"Classic rule collections are not supported on {tier} Azure Firewall {new['id']}: "
                                 "use a firewall policy.", "AzureFirewallClassicRulesNotSupportedOnSku")
        _rule_collections(ctx, new, props, proxy)

    def _zones(self, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        zones = zone_list(new)
        if zones is None:
            return
        bad = [z for z in zones if z not in ZONES]
        if bad:
            raise ArmError(400, "InvalidAvailabilityZone",
                           f"The availability zone(s) {','.join(bad)} of Azure Firewall {new['id']} are not valid "
                           f"in {new['location']}: use 1, 2 or 3.")
        zones_unchanged(new, old, zones)

    def _ipconfigs(self, ctx: Ctx, new: dict[str, Any], oldp: dict[str, Any], tier: str) -> None:
        props = new["properties"]
        items = props.get("ipConfigurations") or []
        if not isinstance(items, list):
            raise cannot_parse("properties.ipConfigurations", items, "AzureFirewallIPConfiguration[]")
        mgmt = props.get("managementIpConfiguration")
        if tier == "Basic" and mgmt is None and items:
            raise fr.invalid(f"Basic Azure Firewall {new['id']} requires a management IP configuration in "
                             f"{MANAGEMENT_SUBNET}.", "AzureFirewallManagementIpConfigurationRequired")
        old_ips = {c.get("name"): (c.get("properties") or {}).get("privateIPAddress")
                   for c in oldp.get("ipConfigurations") or [] if isinstance(c, dict)}
        fr.unique_names((c for c in items if isinstance(c, dict)), "IP configuration")
        out = []
        for i, item in enumerate(items):
            want = FIREWALL_SUBNET if i == 0 and props["sku"]["name"] == "AZFW_VNet" else None
            out.append(_ipconfig(ctx, new, item, f"properties.ipConfigurations[{i}]", want,
                                 old_ips.get(item.get("name")) if isinstance(item, dict) else None,
                                 need_pip=mgmt is None or i > 0))
        props["ipConfigurations"] = out
        if mgmt is not None:
            old_m = (oldp.get("managementIpConfiguration") or {}).get("properties", {}).get("privateIPAddress")
            props["managementIpConfiguration"] = _ipconfig(ctx, new, mgmt, "properties.managementIpConfiguration",
                                                           MANAGEMENT_SUBNET, old_m, need_pip=True)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props.pop("ipGroups", None)
        sent = props.pop("hubIPAddresses", None)
        props.pop("afcConfiguration", None)
        if props["sku"]["name"] == "AZFW_Hub":
            props["hubIPAddresses"] = _hub_ip_addresses(ctx, props, sent)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        groups: list[str] = []
        for key in COLLECTIONS:
            for coll in props.get(key) or []:
                for rule in (coll.get("properties") or {}).get("rules") or []:
                    groups.extend(rule.get("sourceIpGroups") or [])
                    groups.extend(rule.get("destinationIpGroups") or [])
        props["ipGroups"] = [{"id": g, "changeNumber": "0"} for g in dict.fromkeys(groups)]


def _hub_ip_addresses(ctx: Ctx, props: dict[str, Any], sent: Any) -> dict[str, Any]:
    """A firewall in a Virtual WAN hub: its private address in the hub's prefix (the hub's firewall
    subnet starts at .128; Azure gives the firewall .132) and the count of public IPs asked for
    (``hubIPAddresses.publicIPs.count``, default 1; their addresses are not allocated here)."""
    hub = ctx.body((props.get("virtualHub") or {}).get("id") or "") or {}
    prefix = cidr.try_parse((hub.get("properties") or {}).get("addressPrefix"))
    count = ((sent or {}).get("publicIPs") or {}).get("count") if isinstance(sent, dict) else None
    out: dict[str, Any] = {"publicIPs": {"count": count if isinstance(count, int) and count > 0 else 1}}
    if prefix is not None and prefix.num_addresses >= 256:
        out["privateIPAddress"] = str(prefix.network_address + 132)
    return out


# -- IP groups -------------------------------------------------------------------------------------

MAX_IP_GROUP_ENTRIES = 5000


def ip_group_users(ctx: Ctx, group_id: str) -> tuple[list[str], list[str]]:
    """(firewalls, firewall policies) whose rules name the IP group."""
    own = normalize(group_id)

    def names_it(node: Any) -> bool:
        if isinstance(node, dict):
            return any(names_it(v) for k, v in node.items() if k != "_aznet")
        if isinstance(node, list):
            return any(names_it(v) for v in node)
        return isinstance(node, str) and normalize(node) == own

    fws = [r.id for r in ctx.of_type(TYPE) if names_it(r.body.get("properties"))]
    policies: list[str] = []
    for r in ctx.of_type(fp.RCG_TYPE):
        if names_it(r.body.get("properties")):
            pid = r.id.rsplit("/", 2)[0]
            if pid not in policies:
                policies.append(pid)
    return fws, policies


class IpGroupHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        addrs = fr.check_addresses(props.get("ipAddresses"), "properties.ipAddresses")
        if "*" in addrs:
            raise fr.invalid("An IP group cannot contain '*'.", "IpGroupInvalidIpAddress")
        if len(addrs) > MAX_IP_GROUP_ENTRIES:
            raise fr.invalid(f"IP group {new['id']} has {len(addrs)} entries; the limit is {MAX_IP_GROUP_ENTRIES}.",
                             "IpGroupIpAddressesLimitExceeded")
        props["ipAddresses"] = addrs

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"].pop("firewalls", None)
        new["properties"].pop("firewallPolicies", None)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        fws, policies = ip_group_users(ctx, body["id"])
        if fws or policies:
            raise ArmError(400, "IpGroupInUse",
                           f"IP group {body['id']} cannot be deleted because it is used by "
                           f"{', '.join(fws + policies)}.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        fws, policies = ip_group_users(ctx, body["id"])
        props = body.setdefault("properties", {})
        props["firewalls"] = [{"id": f} for f in fws]
        props["firewallPolicies"] = [{"id": p} for p in policies]


# -- the FQDN tag list -------------------------------------------------------------------------------

@provider_action("subscriptions/{sub}/providers/microsoft.network/azurefirewallfqdntags", "GET",
                 api_versions=since("2018-08-01"), name="azureFirewallFqdnTags", paged=True)
def list_fqdn_tags(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    sub = params["sub"]
    items = [{"id": f"/subscriptions/{sub}/providers/Microsoft.Network/azureFirewallFqdnTags/{t}", "name": t,
              "type": "Microsoft.Network/azureFirewallFqdnTags",
              "properties": {"provisioningState": "Succeeded", "fqdnTagName": t}}
             for t in dict.fromkeys(fr.FQDN_TAGS)]
    return 200, items


REGISTRY.add(ResourceType(TYPE, since("2018-04-01"), model="AzureFirewall", hooks=AzureFirewallHooks(),
                          names=NameRule(1, 56)))
REGISTRY.add(ResourceType(IP_GROUP_TYPE, since("2019-09-01"), model="IpGroup", hooks=IpGroupHooks(), names=NameRule(1, 80)))
