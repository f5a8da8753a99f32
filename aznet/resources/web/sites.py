"""Microsoft.Web/serverfarms (App Service plans) and Microsoft.Web/sites (web
and function apps): enough for VNet integration and private endpoints (no app
runtime).

- Plan: ``sku.name`` from App Service's tiers (F1, D1, B1-3, S1-3, P1v2-P3v3,
  I1v2...; Y1 and EP1-3 for functions); ``kind`` app / linux / functionapp /
  elastic; ``reserved`` true for Linux. Name 1-60.
- Site: name 2-60 letters, digits and hyphens, global (it becomes
  ``<name>.azurewebsites.net``); ``serverFarmId`` must exist in the same region
  (except consumption function apps that name none); ``defaultHostName``,
  ``hostNames``, ``state`` Running.
- VNet integration (``virtualNetworkSubnetId``): the subnet must be delegated to
  Microsoft.Web/serverFarms and the plan must be Basic or higher; ``outboundVnetRouting``
  / ``vnetRouteAllEnabled`` kept.
- Private link group id ``sites`` (privatelink.azurewebsites.net); the plan must be
  Basic or higher for private endpoints too.

Codes are best readings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...arm.versions import supported
from .. import private_link_targets as plt

if TYPE_CHECKING:
    from ...arm.context import Ctx

SITE = "Microsoft.Web/sites"
PLAN = "Microsoft.Web/serverfarms"
API_VERSIONS = supported("web")
TIERS = {"F1": "Free", "D1": "Shared", "B1": "Basic", "B2": "Basic", "B3": "Basic", "S1": "Standard",
         "S2": "Standard", "S3": "Standard", "P1v2": "PremiumV2", "P2v2": "PremiumV2", "P3v2": "PremiumV2",
         "P0v3": "PremiumV3", "P1v3": "PremiumV3", "P2v3": "PremiumV3", "P3v3": "PremiumV3", "P1mv3": "PremiumMV3",
         "P2mv3": "PremiumMV3", "I1v2": "IsolatedV2", "I2v2": "IsolatedV2", "I3v2": "IsolatedV2", "Y1": "Dynamic",
         "EP1": "ElasticPremium", "EP2": "ElasticPremium", "EP3": "ElasticPremium", "FC1": "FlexConsumption"}
NO_VNET = ("Free", "Shared", "Dynamic")
SITE_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,58}[A-Za-z0-9])?$")
GROUPS = [plt.GroupId("sites", ("sites",), "privatelink.azurewebsites.net")]
DELEGATION = "Microsoft.Web/serverFarms"


def bad(code: str, message: str, status: int = 400) -> ArmError:
    return ArmError(status, code, message)


class PlanHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        sku = new.get("sku") or {"name": "F1"}
        if not isinstance(sku, dict):
            raise bad("InvalidRequestFormat", "Cannot parse the request: 'sku' must be an object (SkuDescription).")
        name = next((k for k in TIERS if str(sku.get("name", "")).lower() == k.lower()), None)
        if name is None:
            raise bad("InvalidSku", f"The SKU '{sku.get('name')}' of App Service plan {new['name']} is not valid.")
        capacity = sku.get("capacity")
        if capacity is None:
            capacity = 1
        if isinstance(capacity, bool) or not isinstance(capacity, int) or not 0 <= capacity <= 100:
            raise bad("InvalidParameterValue", f"sku.capacity {capacity!r} of App Service plan {new['name']} must "
                      "be a whole number from 0 to 100.")
        new["sku"] = {"name": name, "tier": TIERS[name], "size": name, "family": re.sub(r"\d", "", name)[:2] or name,
                      "capacity": capacity}
        props = new["properties"]
        kind = str(new.get("kind") or "app").lower()
        new["kind"] = kind
        if props.get("reserved") is None:
            props["reserved"] = "linux" in kind
        if not isinstance(props["reserved"], bool):
            raise bad("InvalidParameterValue", "properties.reserved must be true or false.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["status"] = "Ready"
        props["numberOfSites"] = 0
        props.pop("provisioningState", None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        body.setdefault("properties", {})["numberOfSites"] = len(sites_on(ctx, body["id"]))

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        sites = sites_on(ctx, body["id"])
        if sites:
            raise bad("ServerFarmInUse", f"App Service plan {body['name']} cannot be deleted because site "
                      f"{sites[0]} uses it.", 409)


def sites_on(ctx: Ctx, plan_id: str) -> list[str]:
    """Sites on a plan (serverFarmId is a plain string, which the reference index does not follow)."""
    own = normalize(plan_id)
    return [str(r.body.get("name")) for r in ctx.of_type(SITE)
            if normalize(str((r.body.get("properties") or {}).get("serverFarmId") or "")) == own]


def plan_tier(ctx: Ctx, site: dict[str, Any]) -> str | None:
    plan = ctx.body(str((site.get("properties") or {}).get("serverFarmId") or ""))
    return ((plan or {}).get("sku") or {}).get("tier")


class SiteHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        name = new["name"]
        if not SITE_NAME.match(name) or len(name) < 2:
            raise bad("InvalidSiteName", f"Site name '{name}' is invalid: use 2-60 letters, digits and hyphens.")
        if old is None and plt.name_taken(ctx, SITE, name, new["id"]):
            raise bad("Conflict", f"Website with given name {name} already exists.", 409)
        props = new["properties"]
        farm = props.get("serverFarmId")
        if farm is not None:
            if not isinstance(farm, str):
                raise bad("InvalidParameterValue", "properties.serverFarmId must be a resource id.")
            plan = ctx.record(farm)
            if plan is None or plan.type.lower() != PLAN.lower():
                raise bad("NotFound", f"Server farm {farm} of site {name} was not found.", 404)
            if plan.body.get("location") != new["location"]:
                raise bad("InvalidParameterValue", f"Site {name} and its App Service plan must be in the same region.")
            props["serverFarmId"] = plan.id
        elif "functionapp" not in str(new.get("kind") or "").lower():
            raise bad("InvalidParameterValue", f"Site {name} needs properties.serverFarmId.")
        subnet = props.get("virtualNetworkSubnetId")
        if subnet:
            if plan_tier(ctx, new) in NO_VNET or farm is None:
                raise bad("VnetIntegrationNotSupportedOnSku", f"Site {name}: VNet integration needs an App Service "
                          "plan of the Basic tier or higher.")
            props["virtualNetworkSubnetId"] = plt.check_delegated_subnet(
                ctx, subnet, new["id"], DELEGATION, "properties.virtualNetworkSubnetId", "SubnetNotDelegated")
            loc = (ctx.body(props["virtualNetworkSubnetId"].split("/subnets/")[0]) or {}).get("location")
            if loc is not None and loc != new["location"]:
                raise bad("InvalidParameterValue", f"Site {name} can only integrate with a VNet in its own region.")
        for flag in ("httpsOnly", "clientAffinityEnabled", "vnetRouteAllEnabled"):
            if props.get(flag) is not None and not isinstance(props[flag], bool):
                raise bad("InvalidParameterValue", f"properties.{flag} must be true or false.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        host = f"{new['name'].lower()}.azurewebsites.net"
        props["defaultHostName"] = host
        props["hostNames"] = [host]
        props["enabledHostNames"] = [host, f"{new['name'].lower()}.scm.azurewebsites.net"]
        props["state"] = ((old or {}).get("properties") or {}).get("state") or "Running"
        props.pop("provisioningState", None)
        props.pop("privateEndpointConnections", None)
        new.setdefault("kind", "app")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        plt.render_connections(ctx, body)


REGISTRY.add(ResourceType(PLAN, API_VERSIONS, model="AppServicePlan", schema_package="web", hooks=PlanHooks(),
                          created_status=200, long_running=False,
                          provisioning_state=False, names=NameRule(1, 60, r"^[A-Za-z0-9-]+$",
                                                                   "The name can contain letters, digits and hyphens.")))
plt.declare(ResourceType(SITE, API_VERSIONS, model="Site", schema_package="web", hooks=SiteHooks(), created_status=200, long_running=False,
                         provisioning_state=False, names=NameRule(1, 80, r"^.+$", "")), GROUPS,
            conn_model="RemotePrivateEndpointConnectionARMResource")
