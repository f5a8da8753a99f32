"""Subnet features that are data more than logic: service endpoints (with the
locations Azure fills in) and delegations (with the actions Azure fills in for
the services it knows).

``service_endpoints(value, subnet_id, region) -> list`` and
``delegations(value, subnet_id) -> list`` validate a request's value and
return what Azure stores and shows."""

from __future__ import annotations

from typing import Any

from ...arm.errors import ArmError
from .ref_checks import cannot_parse

# Azure's region pairs (for Microsoft.Storage endpoint locations).
PAIRS = {
    "eastus": "westus", "eastus2": "centralus", "southcentralus": "northcentralus", "westus2": "westcentralus",
    "westus3": "eastus", "australiaeast": "australiasoutheast", "southeastasia": "eastasia",
    "northeurope": "westeurope", "uksouth": "ukwest", "centralindia": "southindia", "japaneast": "japanwest",
    "koreacentral": "koreasouth", "canadacentral": "canadaeast", "francecentral": "francesouth",
    "germanywestcentral": "germanynorth", "norwayeast": "norwaywest", "switzerlandnorth": "switzerlandwest",
    "uaenorth": "uaecentral", "brazilsouth": "southcentralus", "southafricanorth": "southafricawest",
    "westindia": "southindia", "australiacentral": "australiacentral2",
}
PAIRS.update({b: a for a, b in list(PAIRS.items()) if b not in PAIRS})

REGIONAL_ENDPOINTS = {"Microsoft.Sql"}
PAIRED_ENDPOINTS = {"Microsoft.Storage"}
SERVICE_ENDPOINTS = ("Microsoft.Storage", "Microsoft.Storage.Global", "Microsoft.Sql", "Microsoft.AzureCosmosDB",
                     "Microsoft.KeyVault", "Microsoft.ServiceBus", "Microsoft.EventHub", "Microsoft.Web",
                     "Microsoft.ContainerRegistry", "Microsoft.CognitiveServices",
                     "Microsoft.AzureActiveDirectory")

_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action"
_ACTION = "Microsoft.Network/virtualNetworks/subnets/action"
_PREPARE = "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action"
_UNPREPARE = "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action"
_NICS = "Microsoft.Network/networkinterfaces/*"

DELEGATION_ACTIONS: dict[str, list[str]] = {
    "Microsoft.Web/serverFarms": [_ACTION],
    "Microsoft.Web/hostingEnvironments": [_ACTION],
    "Microsoft.ContainerInstance/containerGroups": [_ACTION],
    "Microsoft.Batch/batchAccounts": [_ACTION],
    "Microsoft.Logic/integrationServiceEnvironments": [_ACTION],
    "Microsoft.Sql/managedInstances": [_JOIN, _PREPARE, _UNPREPARE],
    "Microsoft.Databricks/workspaces": [_JOIN, _PREPARE, _UNPREPARE],
    "Microsoft.Kusto/clusters": [_JOIN, _PREPARE, _UNPREPARE],
    "Microsoft.ApiManagement/service": [_JOIN, _PREPARE],
    "Microsoft.DBforPostgreSQL/flexibleServers": [_JOIN],
    "Microsoft.DBforMySQL/flexibleServers": [_JOIN],
    "Microsoft.App/environments": [_JOIN],
    "Microsoft.ContainerService/managedClusters": [_JOIN],
    "Microsoft.Network/dnsResolvers": [_JOIN],
    "Microsoft.DevCenter/networkConnection": [_JOIN],
    "Microsoft.PowerPlatform/enterprisePolicies": [_JOIN],
    "Microsoft.DocumentDB/cassandraClusters": [_JOIN],
    "Microsoft.StreamAnalytics/streamingJobs": [_JOIN],
    "Microsoft.BareMetal/AzureVMware": [_NICS, _JOIN],
    "Microsoft.Netapp/volumes": [_NICS, _JOIN],
    "Microsoft.HardwareSecurityModules/dedicatedHSMs": [_NICS, _JOIN],
}
_DELEGATION_BY_LOW = {k.lower(): k for k in DELEGATION_ACTIONS}


def endpoint_locations(service: str, region: str) -> list[str]:
    if service in PAIRED_ENDPOINTS:
        return [region] + ([PAIRS[region]] if region in PAIRS else [])
    if service in REGIONAL_ENDPOINTS:
        return [region]
    return ["*"]


def service_endpoints(value: Any, subnet_id: str, region: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise cannot_parse("properties.serviceEndpoints", value, "ServiceEndpointPropertiesFormat[]")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for j, item in enumerate(value):
        if not isinstance(item, dict):
            raise cannot_parse(f"properties.serviceEndpoints[{j}]", item, "ServiceEndpointPropertiesFormat")
        svc = item.get("service")
        known = next((s for s in SERVICE_ENDPOINTS if isinstance(svc, str) and s.lower() == svc.lower()), None)
        if known is None:
            raise ArmError(400, "SubnetHasServiceEndpointWithInvalidServiceName",
                           f"Subnet {subnet_id} has service endpoint with invalid service name {svc}.")
        if known in seen:
            continue
        seen.add(known)
        locs = item.get("locations")
        if locs is not None and (not isinstance(locs, list) or not all(isinstance(x, str) for x in locs)):
            raise cannot_parse(f"properties.serviceEndpoints[{j}].locations", locs,
                               "System.Collections.Generic.List`1[System.String]")
        entry: dict[str, Any] = {"service": known,
                                 "locations": [x.replace(" ", "").lower() if x != "*" else x for x in locs]
                                 if locs else endpoint_locations(known, region),
                                 "provisioningState": "Succeeded"}
        out.append(entry)
    return out


def delegations(value: Any, subnet_id: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise cannot_parse("properties.delegations", value, "Delegation[]")
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for j, item in enumerate(value):
        if not isinstance(item, dict):
            raise cannot_parse(f"properties.delegations[{j}]", item, "Delegation")
        props = item.get("properties") or {}
        svc = props.get("serviceName") if isinstance(props, dict) else None
        if not isinstance(svc, str) or svc.count("/") < 1 or not all(svc.split("/")):
            raise ArmError(400, "InvalidServiceNameOnDelegation",
                           f"Delegation {item.get('name')} of subnet {subnet_id} has an invalid service name "
                           f"{svc!r}. The service name must be of the form Namespace/resourceType.")
        name = item.get("name") if isinstance(item.get("name"), str) and item.get("name") else str(j)
        if name.lower() in names:
            raise ArmError(400, "InvalidRequestFormat", f"Two delegations of subnet {subnet_id} are named {name}.")
        names.add(name.lower())
        canonical_svc = _DELEGATION_BY_LOW.get(svc.lower(), svc)
        out.append({"name": name, "id": f"{subnet_id}/delegations/{name}",
                    "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
                    "properties": {"serviceName": canonical_svc,
                                   "actions": list(DELEGATION_ACTIONS.get(canonical_svc, [])),
                                   "provisioningState": "Succeeded"}})
    return out
