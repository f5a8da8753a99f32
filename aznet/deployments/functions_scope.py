"""Template functions about where a deployment runs: parameters(), variables(), copyIndex(),
resourceGroup(), subscription(), deployment(), environment(), the resource id builders and reference()."""

from __future__ import annotations

import json
from typing import Any

from . import hashing
from .errors import ExpressionError
from .evaluate import PARAMETERS, PLAN, Ctx
from .ids import build_id, extension_id, provider_path, scope_prefix
from .registry import fn, want, want_int
from .values import to_string

# -- deployment values ---------------------------------------------------------------------------------

@fn("parameters", 1)
def _parameters(ctx: Ctx, name: Any) -> Any:
    return ctx.d.parameter(want("parameters", name, str))


@fn("variables", 1)
def _variables(ctx: Ctx, name: Any) -> Any:
    if ctx.phase == PARAMETERS:
        raise ExpressionError("The template function 'variables' is not expected at this location: a parameter's "
                              "default value cannot use variables.")
    return ctx.d.variable(want("variables", name, str), ctx.phase)


@fn("copyIndex", 0, 2)
def _copy_index(ctx: Ctx, *args: Any) -> int:
    name: str | None = None
    offset = 0
    for a in args:
        if isinstance(a, str):
            name = a.lower()
        else:
            offset = want_int("copyIndex", a, "offset")
    if name not in ctx.copy:
        if name is None:
            raise ExpressionError("The template function 'copyIndex' is not expected at this location. The "
                                  "function can only be used in a resource with copy specified.")
        raise ExpressionError(f"The template function 'copyIndex' refers to the copy loop '{name}' which is not "
                              "in scope at this location.")
    return ctx.copy[name] + offset


@fn("resourceGroup")
def _resource_group(ctx: Ctx) -> dict[str, Any]:
    s = ctx.d.scope
    if s.resource_group is None:
        raise ExpressionError("The template function 'resourceGroup' is not expected at this location: the "
                              "deployment is at subscription scope.")
    out: dict[str, Any] = {
        "id": s.resource_group_id or scope_prefix(s.subscription_id, s.resource_group),
        "name": s.resource_group, "type": "Microsoft.Resources/resourceGroups",
        "location": s.resource_group_location, "properties": {"provisioningState": "Succeeded"}}
    if s.resource_group_tags:
        out["tags"] = dict(s.resource_group_tags)
    return out


@fn("subscription")
def _subscription(ctx: Ctx) -> dict[str, Any]:
    s = ctx.d.scope
    return {"id": f"/subscriptions/{s.subscription_id}", "subscriptionId": s.subscription_id,
            "tenantId": s.tenant_id, "displayName": getattr(s, "subscription_name", None) or "aznet"}


@fn("tenant")
def _tenant(ctx: Ctx) -> dict[str, Any]:
    tid = ctx.d.scope.tenant_id
    return {"id": f"/tenants/{tid}", "tenantId": tid, "displayName": "aznet", "countryCode": "US"}


@fn("deployment")
def _deployment(ctx: Ctx) -> dict[str, Any]:
    s = ctx.d.scope
    t = ctx.d.template
    out: dict[str, Any] = {
        "name": s.deployment_name,
        "properties": {"template": {"contentVersion": t.get("contentVersion", "1.0.0.0"),
                                    "metadata": t.get("metadata")},
                       "templateHash": hashing.template_hash(t), "mode": "Incremental",
                       "provisioningState": "Accepted"}}
    uri = getattr(s, "template_uri", None)
    if uri:      # deployed from a link: templates build artifact URIs from it (_artifactsLocation)
        out["properties"]["templateLink"] = {"uri": uri, "contentVersion": t.get("contentVersion", "1.0.0.0")}
    location = getattr(s, "deployment_location", None)
    if s.resource_group is None or location:
        out["location"] = location or s.resource_group_location
    return out


ENVIRONMENT: dict[str, Any] = {
    "name": "AzureCloud", "gallery": "https://gallery.azure.com/", "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com", "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/", "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net", "sqlManagement": "https://management.core.windows.net:8443/",
    "resourceManager": "https://management.azure.com/",
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                       "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                       "tenant": "common", "identityProvider": "AAD"},
    "suffixes": {"acrLoginServer": ".azurecr.io", "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                 "azureDatalakeStoreFileSystem": "azuredatalakestore.net", "azureFrontDoorEndpointSuffix": "azurefd.net",
                 "keyvaultDns": ".vault.azure.net", "sqlServerHostname": ".database.windows.net",
                 "storage": "core.windows.net"},
}


@fn("environment")
def _environment(ctx: Ctx) -> dict[str, Any]:
    return json.loads(json.dumps(getattr(ctx.d.scope, "environment", None) or ENVIRONMENT))


# -- resource ids and runtime values ---------------------------------------------------------------------

@fn("resourceId", 2, None)
def _resource_id(ctx: Ctx, *args: Any) -> str:
    parts = [want("resourceId", a, str) for a in args]
    s = ctx.d.scope
    idx = next((i for i, p in enumerate(parts) if "/" in p), None)
    if idx is None or idx > 2:
        raise ExpressionError("Unable to evaluate template language function 'resourceId': the resource type "
                              "('<namespace>/<type>') is expected as the first, second or third argument.")
    sub, rg = s.subscription_id, s.resource_group
    if idx == 2:
        sub, rg = parts[0], parts[1]
    elif idx == 1:
        rg = parts[0]
    return build_id(sub, rg, parts[idx], parts[idx + 1:])


@fn("subscriptionResourceId", 2, None)
def _subscription_resource_id(ctx: Ctx, *args: Any) -> str:
    parts = [want("subscriptionResourceId", a, str) for a in args]
    sub = ctx.d.scope.subscription_id
    if "/" not in parts[0]:
        sub, parts = parts[0], parts[1:]
    if not parts:
        raise ExpressionError("Unable to evaluate template language function 'subscriptionResourceId': a "
                              "resource type is required.")
    return build_id(sub, None, parts[0], parts[1:], "subscriptionResourceId")


@fn("tenantResourceId", 2, None)
def _tenant_resource_id(ctx: Ctx, rtype: Any, *names: Any) -> str:
    return provider_path(want("tenantResourceId", rtype, str), [to_string(n) for n in names], "tenantResourceId")


@fn("extensionResourceId", 3, None)
def _extension_resource_id(ctx: Ctx, base: Any, rtype: Any, *names: Any) -> str:
    return extension_id(want("extensionResourceId", base, str), want("extensionResourceId", rtype, str),
                        [to_string(n) for n in names])


@fn("managementGroupResourceId", 2, None)
def _mg_resource_id(ctx: Ctx, *args: Any) -> str:
    parts = [to_string(a) for a in args]
    if "/" not in parts[0]:
        raise ExpressionError("aznet has no management groups.")
    return provider_path(parts[0], parts[1:], "managementGroupResourceId")


@fn("reference", 1, 3)
def _reference(ctx: Ctx, target: Any, api_version: Any = None, full: Any = None) -> Any:
    if ctx.phase in (PARAMETERS, PLAN) or ctx.d.reference is None:
        raise ExpressionError("The template function 'reference' is not expected at this location. Please see "
                              "https://aka.ms/arm-functions-resource for usage details.")
    return ctx.d.reference(want("reference", target, str), api_version,
                           isinstance(full, str) and full.lower() == "full")
