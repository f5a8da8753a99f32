"""Checks Azure Firewall makes on rules, shared by classic rule collections (on
``azureFirewalls``) and rule collection groups (on ``firewallPolicies``):
addresses (``*``, an IP, a CIDR prefix, a ``a-b`` range; service tags as network
rule destinations), ports (``*``, a port, a ``lo-hi`` range), protocols, IP group
references, FQDNs, FQDN tags and web categories, and collection priorities.

Codes: ``FirewallPolicyRuleIpAddressesAndPortsMustBeSpecified`` and
``AzureFirewallDNSProxyMustBeEnabled`` are Azure's (seen in real responses); the
other codes are best readings of Azure's naming."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...netmodel.addr import try_ip, try_prefix
from . import service_tags
from .ref_checks import cannot_parse, enum, integer, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

IP_GROUP_TYPE = "Microsoft.Network/ipGroups"
PRIORITY_MIN, PRIORITY_MAX = 100, 65000
APP_PROTOCOLS = ("Http", "Https", "Mssql")
NET_PROTOCOLS = ("TCP", "UDP", "Any", "ICMP")
NAT_PROTOCOLS = ("TCP", "UDP")
FQDN_RE = re.compile(r"^(\*|\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
                     r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$")

# The FQDN tags Azure Firewall offers (GET .../azureFirewallFqdnTags), from Azure's documentation.
FQDN_TAGS = ("AppServiceEnvironment", "AzureBackup", "AzureKubernetesService", "MicrosoftActiveProtectionService",
             "MicrosoftIntune", "Office365.Exchange.Optimize", "Office365.Exchange.Allow.Required",
             "Office365.Exchange.Allow.NotRequired", "Office365.Skype.Optimize", "Office365.Skype.Allow.Required",
             "Office365.Skype.Allow.NotRequired", "Office365.SharePoint.Optimize",
             "Office365.SharePoint.Allow.NotRequired", "Office365.Common.Allow.Required",
             "Office365.Common.Allow.NotRequired", "Windows365", "WindowsDiagnostics", "WindowsUpdate",
             "WindowsVirtualDesktop", "CitrixHDXPlusForWindows365", "AzureBackup", "HDInsight",
             "AzureMonitor")

# Web categories (Azure Firewall web categories documentation), matched case-insensitively.
WEB_CATEGORIES = (
    "ChildAbuseImages", "Gambling", "HateAndIntolerance", "IllegalDrugs", "IllegalSoftware", "Nudity",
    "PornographyAndSexuallyExplicit", "Violence", "Weapons", "CriminalActivity", "Cults", "DatingAndPersonals",
    "LingerieAndSwimsuits", "Marijuana", "SexEducation", "Tasteless", "AlcoholAndTobacco", "Hacking",
    "ChatAndInstantMessaging", "Games", "InstantMessaging", "ProfessionalNetworking", "SocialNetworking",
    "WebBasedEmail", "AdvertisementsAndPopUps", "Arts", "Business", "ComputersAndTechnology",
    "DownloadSites", "Education", "Entertainment", "Finance", "ForumsAndNewsgroups", "Government",
    "HealthAndMedicine", "InformationSecurity", "JobSearch", "Leisure", "News", "NonProfitsAndNgos",
    "PersonalSites", "PrivateIPAddresses", "ProfessionalNetworking", "ReligionAndSpirituality", "RealEstate",
    "SearchEnginesAndPortals", "Shopping", "Sports", "Translators", "Travel", "WebRepositoryAndStorage",
    "ImageSharing", "PeerToPeer", "StreamingMediaAndDownloads", "DownloadSites", "Transportation",
    "GeneralTechnology", "ParkedDomains", "Parked", "Uncategorized", "NewlyRegisteredDomains",
    "PrivateIpAddresses", "Abortion", "Dating", "Health")


def invalid(message: str, code: str = "AzureFirewallInvalidRequest") -> ArmError:
    return ArmError(400, code, message)


def str_list(value: Any, path: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise cannot_parse(path, value, "System.Collections.Generic.List`1[System.String]")
    return list(value)


def check_address(text: str, path: str, allow_tags: bool) -> str:
    t = text.strip()
    if t == "*" or try_ip(t) is not None or try_prefix(t) is not None:
        return t
    if "-" in t:
        lo, _, hi = t.partition("-")
        a, b = try_ip(lo.strip()), try_ip(hi.strip())
        if a is not None and b is not None and a <= b:
            return t
    if allow_tags and service_tags.is_service_tag(t):
        return service_tags.canonical(t) or t
    raise invalid(f"The address '{text}' at {path} is not valid. Use *, an IP address, a CIDR prefix, "
                  "an IP range (a.b.c.d-e.f.g.h)" + (" or a service tag." if allow_tags else "."),
                  "AzureFirewallRuleInvalidIpAddressOrRangeFormat")


def check_addresses(value: Any, path: str, allow_tags: bool = False) -> list[str]:
    return [check_address(a, f"{path}[{i}]", allow_tags) for i, a in enumerate(str_list(value, path))]


def check_port(text: str, path: str) -> str:
    t = text.strip()
    if t == "*":
        return t
    lo, sep, hi = t.partition("-")
    try:
        a, b = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        a = b = -1
    if not (1 <= a <= 65535 and 1 <= b <= 65535 and a <= b):
        raise invalid(f"The port '{text}' at {path} is not valid. Use *, a port 1-65535 or a range lo-hi.",
                      "AzureFirewallRuleInvalidPortOrPortRangeFormat")
    return t


def check_ports(value: Any, path: str) -> list[str]:
    return [check_port(p, f"{path}[{i}]") for i, p in enumerate(str_list(value, path))]


def check_protocols(value: Any, path: str, allowed: tuple[str, ...]) -> list[str]:
    return [enum(p, allowed, f"{path}[{i}]", "AzureFirewallNetworkRuleProtocol") or ""
            for i, p in enumerate(str_list(value, path))]


def check_fqdns(value: Any, path: str) -> list[str]:
    out = []
    for i, f in enumerate(str_list(value, path)):
        if f != "*" and not FQDN_RE.match(f):
            raise invalid(f"The FQDN '{f}' at {path}[{i}] is not valid.", "AzureFirewallRuleInvalidTargetFqdn")
        out.append(f)
    return out


def check_fqdn_tags(value: Any, path: str) -> list[str]:
    known = {t.lower(): t for t in FQDN_TAGS}
    out = []
    for f in str_list(value, path):
        if f.lower() not in known:
            raise invalid(f"The FQDN tag '{f}' at {path} is not valid. See the azureFirewallFqdnTags list.",
                          "AzureFirewallApplicationRuleInvalidFqdnTag")
        out.append(known[f.lower()])
    return out


def check_web_categories(value: Any, path: str) -> list[str]:
    known = {t.lower(): t for t in WEB_CATEGORIES}
    out = []
    for f in str_list(value, path):
        if f.lower() not in known:
            raise invalid(f"The web category '{f}' at {path} is not valid.", "FirewallPolicyInvalidWebCategory")
        out.append(known[f.lower()])
    return out


def check_ip_groups(ctx: Ctx, value: Any, path: str, owner: str, location: str | None) -> list[str]:
    out = []
    for g in str_list(value, path):
        resolve(ctx, g, owner, IP_GROUP_TYPE, location)
        rec = ctx.record(g)
        out.append(rec.id if rec else g)
    return out


def check_priority(value: Any, path: str, what: str) -> int:
    p = integer(value, path)
    if p is None or not PRIORITY_MIN <= p <= PRIORITY_MAX:
        raise invalid(f"The priority {value} of {what} is not valid: it must be between {PRIORITY_MIN} and "
                      f"{PRIORITY_MAX}.", "AzureFirewallRuleCollectionPriorityOutOfRange")
    return p


def unique_names(items: Iterable[dict[str, Any]], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        name = str(item.get("name") or "")
        if not name:
            raise invalid(f"Each {what} needs a name.", "AzureFirewallRuleNameMissing")
        if name.lower() in seen:
            raise invalid(f"The {what} name '{name}' is used more than once.", "AzureFirewallDuplicateName")
        seen.add(name.lower())


def app_protocols(value: Any, path: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise cannot_parse(path, value, "AzureFirewallApplicationRuleProtocol[]")
    out = []
    for i, p in enumerate(value):
        if not isinstance(p, dict):
            raise cannot_parse(f"{path}[{i}]", p, "AzureFirewallApplicationRuleProtocol")
        kind = enum(p.get("protocolType"), APP_PROTOCOLS, f"{path}[{i}].protocolType",
                    "AzureFirewallApplicationRuleProtocolType")
        port = integer(p.get("port"), f"{path}[{i}].port", {"Http": 80, "Https": 443, "Mssql": 1433}.get(kind or ""))
        if kind is None or port is None or not 0 <= port <= 64000:
            raise invalid(f"The application rule protocol at {path}[{i}] needs a protocolType (Http, Https, Mssql) "
                          "and a port between 0 and 64000.", "AzureFirewallApplicationRuleInvalidProtocol")
        out.append({"protocolType": kind, "port": port})
    return out


def require_source(rule: dict[str, Any], path: str) -> None:
    if not rule.get("sourceAddresses") and not rule.get("sourceIpGroups"):
        raise invalid(f"Firewall Policy Rule {rule.get('name', '')} should have IP addresses and ports specified. "
                      f"* is used to match all. ({path})", "FirewallPolicyRuleIpAddressesAndPortsMustBeSpecified")


def network_rule_complete(rule: dict[str, Any], protocols: str, proxy: bool) -> None:
    """A network rule (classic or policy; ``protocols`` names its protocol list) has a destination, ports and
    protocols, and uses destination FQDNs only with the DNS proxy on."""
    if not (rule["destinationAddresses"] or rule["destinationIpGroups"] or rule["destinationFqdns"]) \
            or not rule["destinationPorts"] or not rule[protocols]:
        raise invalid(f"Firewall Policy Rule {rule.get('name', '')} should have IP addresses and ports specified. "
                      "* is used to match all.", "FirewallPolicyRuleIpAddressesAndPortsMustBeSpecified")
    if rule["destinationFqdns"] and not proxy:
        raise invalid("DNS Proxy must be enabled in order to use DestinationFqdns in Network Rules",
                      "AzureFirewallDNSProxyMustBeEnabled")


def same_ids(a: str, b: str) -> bool:
    return normalize(a) == normalize(b)
