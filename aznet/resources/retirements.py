"""Azure today, not Azure of 2020: creating a retired SKU or service is refused as Azure refuses it.

An existing resource (created earlier, or imported) keeps working and can be updated, as in Azure;
only creation is refused. ``AZNET_ALLOW_RETIRED=1`` (``Settings.allow_retired``) re-enables creation,
for users who test an older estate. Each retirement names Microsoft's notice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..arm.errors import ArmError

if TYPE_CHECKING:
    from ..arm.context import Ctx


@dataclass(frozen=True)
class Retirement:
    what: str
    since: str          # the date from which new ones can no longer be created
    notice: str         # Microsoft's retirement notice
    code: str           # the error code Azure answers
    message: str        # the message, formatted with the resource id as {id}
    confirmed: bool     # code and message seen in Azure's own output (else our best reading)


BASIC_PUBLIC_IP = Retirement(
    "IPv4 Basic SKU public IP addresses", "2025-03-31",
    "Upgrade to Standard SKU public IP addresses in Azure by 30 September 2025 - Basic SKU will be retired "
    "(azure.microsoft.com/updates, id upgrade-to-standard-sku-public-ip-addresses-in-azure-by-30-september-2025-"
    "basic-sku-will-be-retired)",
    "IPv4BasicSkuPublicIpCountLimitReached",
    "Cannot create more than 0 IPv4 Basic SKU public IP addresses for this subscription in this region.",
    confirmed=True)

BASIC_LOAD_BALANCER = Retirement(
    "Basic SKU load balancers", "2025-03-31",
    "Azure Basic Load Balancer will be retired on 30 September 2025 - upgrade to Standard Load Balancer "
    "(azure.microsoft.com/updates, id azure-basic-load-balancer-will-be-retired-on-30-september-2025-upgrade-to-"
    "standard-load-balancer); no new Basic load balancers since 31 March 2025",
    "BasicSkuLoadBalancerCreationNotAllowed",
    "Load balancer {id} cannot be created with Basic SKU: Basic Load Balancer is retired (30 September 2025) "
    "and new ones can no longer be created. Use the Standard SKU.",
    confirmed=False)


NSG_FLOW_LOGS = Retirement(
    "NSG flow logs", "2025-06-30",
    "Retirement of network security group flow logs on 30 September 2027 - migrate to virtual network flow logs; "
    "no new NSG flow logs can be created from 30 June 2025 (learn.microsoft.com, Network Watcher, "
    "nsg-flow-logs-migrate)",
    "NsgFlowLogCreationNotAllowed",
    "Flow log {id} cannot target a network security group: NSG flow logs are retired and new ones can no longer "
    "be created since 30 June 2025. Create a virtual network flow log (target a virtual network, subnet or "
    "network interface) instead.",
    confirmed=False)

CLASSIC_CONNECTION_MONITOR = Retirement(
    "Connection monitor (classic)", "2021-07-01",
    "Connection Monitor (classic) retired on 29 February 2024; migrate to Connection Monitor (learn.microsoft.com, "
    "Network Watcher, migrate-to-connection-monitor-from-connection-monitor-classic)",
    "ConnectionMonitorClassicNotSupported",
    "Connection monitor {id} uses the classic shape (source and destination): Connection monitor (classic) is "
    "retired. Define endpoints, testConfigurations and testGroups instead.",
    confirmed=False)


def refuse_new(ctx: Ctx, retirement: Retirement, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Raise Azure's error when ``new`` would create a retired kind of resource (``old`` is None)."""
    if old is not None or ctx.platform.settings.allow_retired:
        return
    raise ArmError(400, retirement.code, retirement.message.format(id=new.get("id", "")))


PRIVATE_SUBNETS_API = "2025-07-01"
"""From this api-version on, a new subnet is private by default (``defaultOutboundAccess`` false): Azure's
"private subnets by default" change for API versions released after 31 March 2026 (default outbound access
article, and the Azure Networking blog post "Private subnets by default in Azure virtual networks")."""


def private_by_default(api_version: str | None) -> bool:
    return bool(api_version) and str(api_version)[:10] >= PRIVATE_SUBNETS_API


CLASSIC_FRONT_DOOR = Retirement(
    "Azure Front Door (classic) profiles", "2025-04-01",
    "Azure Front Door (classic) will be retired on 31 March 2027 (learn.microsoft.com/azure/frontdoor/"
    "classic-retirement-faq): it no longer supports profile creation, new domain onboarding or managed certificates",
    "BadRequest", "Creation of new Frontdoors are not allowed as the resource has been deprecated.", confirmed=True)

CLASSIC_CDN = Retirement(
    "Azure CDN from Microsoft (classic) profiles", "2025-08-15",
    "Azure CDN Standard from Microsoft (classic) will be retired on 30 September 2027 (learn.microsoft.com/azure/"
    "cdn/classic-cdn-retirement-faq): no new profiles since 15 August 2025; Akamai (31 October 2023) and Edgio/"
    "Verizon (15 January 2025) SKUs are retired",
    "BadRequest", "Azure CDN from Microsoft (classic) no longer support new profile creation.", confirmed=True)

APPLICATION_GATEWAY_V1 = Retirement(
    "Application Gateway v1 (Standard and WAF tiers)", "2023-07-01",
    "Migrate your Application Gateways from V1 SKU to V2 SKU by April 28, 2026 (aka.ms/V1retirement): no new v1 "
    "gateways (for subscriptions without one since 1 July 2023), retired 28 April 2026",
    "AppGatewayV1SkuDeprecated",
    "Application Gateway SKU tier {tier} has been deprecated. Supported SKU tiers are Standard_v2,WAF_v2. Refer "
    "https://aka.ms/V1retirement.", confirmed=True)
