"""Microsoft.Network/privateEndpoints: a NIC created automatically in the
subnet (``<pe>.nic.<guid>`` or customNetworkInterfaceName) with an allocated
private IP, and one connection to a private link service (by id) or to a PaaS
resource (with groupIds). Plain connections are approved at once, manual ones
wait for the service owner unless the service auto-approves the subscription;
the connection state shown here follows the service side."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Hooks, ResourceType
from . import private_link_services as pls_mod
from .ip_allocation import parse_ip
from .ref_checks import API_VERSIONS, cannot_parse, ref_id, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.PRIVATE_ENDPOINT
NIC_TYPE = typenames.NIC
SUBNET_TYPE = typenames.SUBNET
KINDS = ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
# PaaS group ids: (resource type, group id) -> public DNS suffix of the resource's endpoint
PAAS_SUFFIX = {
    ("microsoft.storage/storageaccounts", "blob"): "blob.core.windows.net",
    ("microsoft.storage/storageaccounts", "file"): "file.core.windows.net",
    ("microsoft.storage/storageaccounts", "queue"): "queue.core.windows.net",
    ("microsoft.storage/storageaccounts", "table"): "table.core.windows.net",
    ("microsoft.storage/storageaccounts", "web"): "web.core.windows.net",
    ("microsoft.storage/storageaccounts", "dfs"): "dfs.core.windows.net",
    ("microsoft.sql/servers", "sqlserver"): "database.windows.net",
    ("microsoft.keyvault/vaults", "vault"): "vault.azure.net",
    ("microsoft.web/sites", "sites"): "azurewebsites.net",
    ("microsoft.documentdb/databaseaccounts", "sql"): "documents.azure.com",
    ("microsoft.containerregistry/registries", "registry"): "azurecr.io",
    ("microsoft.cognitiveservices/accounts", "account"): "cognitiveservices.azure.com",
}


def connection_of(body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for kind in KINDS:
        for conn in (body.get("properties") or {}).get(kind) or []:
            return kind, conn
    return None


def dns_configs(ctx: Ctx, body: dict[str, Any], ip: str | None) -> list[dict[str, Any]]:
    """customDnsConfigs as Azure computes them: the target's FQDNs with the endpoint's IP."""
    found = connection_of(body)
    if found is None or ip is None:
        return []
    _kind, conn = found
    target = (conn.get("properties") or {}).get("privateLinkServiceId") or ""
    parsed = parse_resource_id(target)
    if parsed is None:
        return []
    if parsed.full_type.lower() == pls_mod.TYPE.lower():
        fqdns = ((ctx.body(target) or {}).get("properties") or {}).get("fqdns") or []
        return [{"fqdn": f, "ipAddresses": [ip]} for f in fqdns]
    out = []
    for group in (conn.get("properties") or {}).get("groupIds") or []:
        suffix = PAAS_SUFFIX.get((parsed.full_type.lower(), group.lower()))
        if suffix:
            out.append({"fqdn": f"{parsed.name}.{suffix}", "ipAddresses": [ip]})
    return out


def connection_type(ctx: Ctx, target: str) -> str | None:
    """The target's privateEndpointConnections type when the target keeps its connections as resources
    (private link services, and the PaaS types of aznet.resources.private_link_targets)."""
    parsed = parse_resource_id(target)
    if parsed is None:
        return None
    ctype = f"{parsed.full_type}/privateEndpointConnections"
    return ctype if ctx.platform.registry.get(ctype) is not None else None


def target_group_ids(ctx: Ctx, target: str) -> list[str] | None:
    """The group ids a registered PaaS target offers (its privateLinkResources), None when unknown."""
    parsed = parse_resource_id(target)
    rt = ctx.platform.registry.get(parsed.full_type) if parsed else None
    action = rt.action("privateLinkResources", "GET") if rt else None
    body = ctx.body(target)
    if action is None or body is None:
        return None
    return [g["name"] for g in action.handler(ctx, body, None)[1]["value"]]


def nic_ip(ctx: Ctx, body: dict[str, Any]) -> str | None:
    nic = ((body.get("_aznet") or {}).get("nic")) or ""
    for cfg in ((ctx.body(nic) or {}).get("properties") or {}).get("ipConfigurations") or []:
        return (cfg.get("properties") or {}).get("privateIPAddress")
    return None


class PrivateEndpointHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        pe_id = new["id"]
        sub = ref_id(props.get("subnet"), "properties.subnet")
        if sub is None:
            raise cannot_parse("properties.subnet", None, "Subnet")
        resolve(ctx, sub, pe_id, SUBNET_TYPE, new["location"])
        old_sub = ref_id(((old or {}).get("properties") or {}).get("subnet"))
        if old_sub is not None and normalize(old_sub) != normalize(sub):
            raise ArmError(400, "PrivateEndpointSubnetCannotBeChanged",
                           f"The subnet of private endpoint {pe_id} cannot be changed.")
        conns = []
        for kind in KINDS:
            items = props.get(kind) or []
            if not isinstance(items, list):
                raise cannot_parse(f"properties.{kind}", items, "PrivateLinkServiceConnection[]")
            conns.extend((kind, c) for c in items)
        if len(conns) != 1:
            raise ArmError(400, "PrivateEndpointMustHaveExactlyOneConnection",
                           f"Private endpoint {pe_id} must have exactly one private link service connection "
                           f"(found {len(conns)}).")
        kind, conn = conns[0]
        if not isinstance(conn, dict) or not isinstance(conn.get("name"), str):
            raise cannot_parse(f"properties.{kind}[0]", conn, "PrivateLinkServiceConnection")
        cp = conn.setdefault("properties", {})
        target = cp.get("privateLinkServiceId")
        parsed = parse_resource_id(target) if isinstance(target, str) else None
        if parsed is None or parsed.is_collection:
            raise ArmError(400, "LinkedInvalidPropertyId",
                           f"Property id '{target}' at path 'properties.{kind}[0].properties.privateLinkServiceId' "
                           "is invalid. Expect fully qualified resource Id that start with "
                           "'/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.")
        groups = cp.get("groupIds")
        if groups is not None and (not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)):
            raise cannot_parse(f"properties.{kind}[0].properties.groupIds", groups, "System.String[]")
        if parsed.full_type.lower() == pls_mod.TYPE.lower():
            pls = resolve(ctx, target, pe_id, pls_mod.TYPE)
            if not pls_mod.visible_to(pls, ctx.subscription):
                raise ArmError(400, "PrivateLinkServiceNotVisibleToSubscription",
                               f"Private link service {target} is not visible to subscription {ctx.subscription}.")
        else:
            if not groups:
                raise ArmError(400, "PrivateEndpointGroupIdRequired",
                               f"Private endpoint {pe_id} connects to {target}, which needs groupIds.")
            if ctx.platform.registry.get(parsed.full_type) is not None and ctx.body(target) is None:
                raise ArmError(400, "PrivateEndpointTargetResourceNotFound",
                               f"Resource {target} referenced by private endpoint {pe_id} was not found.")
            offered = target_group_ids(ctx, target)
            if offered is not None:
                if len(groups) != 1:
                    raise ArmError(400, "PrivateEndpointOnlyOneGroupIdSupported",
                                   f"Private endpoint {pe_id} names {len(groups)} group ids; one is supported.")
                match = [g for g in offered if g.lower() == groups[0].lower()]
                if not match:
                    raise ArmError(400, "PrivateEndpointInvalidGroupId",
                                   f"Group id '{groups[0]}' of private endpoint {pe_id} is not offered by {target}. "
                                   f"Valid group ids: {', '.join(offered)}.")
                cp["groupIds"] = match
        static = props.get("ipConfigurations") or []
        if not isinstance(static, list):
            raise cannot_parse("properties.ipConfigurations", static, "PrivateEndpointIPConfiguration[]")
        for i, cfg in enumerate(static):
            ip = ((cfg or {}).get("properties") or {}).get("privateIPAddress")
            if parse_ip(ip) is None:
                raise ArmError(400, "InvalidPrivateIPAddressFormat",
                               f"properties.ipConfigurations[{i}].properties.privateIPAddress {ip} is not a valid "
                               "IP address.")
        name = props.get("customNetworkInterfaceName")
        if name is not None and not isinstance(name, str):
            raise cannot_parse("properties.customNetworkInterfaceName", name, "System.String")
        old_nic = ((old or {}).get("_aznet") or {}).get("nic")
        if old_nic and name and old_nic.rsplit("/", 1)[-1] != name:
            raise ArmError(400, "CustomNetworkInterfaceNameCannotBeChanged",
                           f"The custom network interface name of private endpoint {pe_id} cannot be changed.")
        for j, asg in enumerate(props.get("applicationSecurityGroups") or []):
            rid = ref_id(asg, f"properties.applicationSecurityGroups[{j}]")
            if rid:
                resolve(ctx, rid, pe_id, "Microsoft.Network/applicationSecurityGroups", new["location"])

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        pe_id = new["id"]
        private = new.setdefault("_aznet", {})
        oldp = (old or {}).get("properties") or {}
        props["resourceGuid"] = resource_guid(old)
        props.pop("customDnsConfigs", None)
        rg_scope = pe_id.split("/providers/")[0]
        if not private.get("nic"):
            name = props.get("customNetworkInterfaceName") or f"{new['name']}.nic.{uuid.uuid4()}"
            private["nic"] = f"{rg_scope}/providers/Microsoft.Network/networkInterfaces/{name}"
        props["networkInterfaces"] = [{"id": private["nic"]}]
        kind, conn = connection_of(new)  # type: ignore[misc]
        for other in KINDS:
            props[other] = []
        cp = dict(conn["properties"])
        target = cp["privateLinkServiceId"]
        linked = connection_type(ctx, target) is not None
        links = dict(private.get("connections") or {})
        if linked:
            conn_id = links.get(conn["name"].lower())
            if conn_id is None or normalize(conn_id).rsplit("/privateendpointconnections/", 1)[0] != \
                    normalize(target):
                conn_id = f"{target}/privateEndpointConnections/{new['name']}.{uuid.uuid4()}"
            links = {conn["name"].lower(): conn_id}
        else:
            links = {}
            old_state = None
            for k in KINDS:
                for c in oldp.get(k) or []:
                    old_state = (c.get("properties") or {}).get("privateLinkServiceConnectionState")
            cp["privateLinkServiceConnectionState"] = old_state or {
                "status": "Approved" if kind == KINDS[0] else "Pending",
                "description": "Auto-Approved" if kind == KINDS[0] else "", "actionsRequired": "None"}
        private["connections"] = links
        private["kind"] = kind
        cp.pop("provisioningState", None)
        cp.setdefault("groupIds", [])
        props[kind] = [{"name": conn["name"], "id": f"{pe_id}/{kind}/{conn['name']}",
                        "type": f"{TYPE}/{kind}", "properties": {"provisioningState": "Succeeded", **cp}}]

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        private = new["_aznet"]
        static = [((c or {}).get("properties") or {}).get("privateIPAddress")
                  for c in props.get("ipConfigurations") or []]
        ipcfg: dict[str, Any] = {"subnet": {"id": ref_id(props["subnet"])}, "privateIPAllocationMethod": "Dynamic"}
        existing = ctx.body(private["nic"])
        if static:
            ipcfg.update({"privateIPAllocationMethod": "Static", "privateIPAddress": static[0]})
        elif existing:
            ipcfg.update({"privateIPAddress": existing["properties"]["ipConfigurations"][0]["properties"]
                          ["privateIPAddress"]})
        cfg_name = (existing["properties"]["ipConfigurations"][0]["name"] if existing
                    else f"privateEndpointIpConfig.{uuid.uuid4()}")
        nic_props: dict[str, Any] = {"ipConfigurations": [{"name": cfg_name, "properties": ipcfg}]}
        if props.get("applicationSecurityGroups"):
            nic_props["ipConfigurations"][0]["properties"]["applicationSecurityGroups"] = \
                props["applicationSecurityGroups"]
        ctx.put(private["nic"], {"location": new["location"], "properties": nic_props})
        kind = private["kind"]
        conn = props[kind][0]
        for conn_id in private["connections"].values():
            target = conn["properties"]["privateLinkServiceId"]
            pls = ctx.body(target) or {}
            existing_conn = ctx.body(conn_id)
            if existing_conn is not None:
                continue
            approved = kind == KINDS[0] or pls_mod.auto_approves(pls, ctx.subscription)
            pls_mod.create_connection(ctx, conn_id, {
                "privateEndpoint": {"id": new["id"]},
                "privateEndpointLocation": new["location"],
                "linkIdentifier": str(uuid.uuid4().int)[:9],
                "privateLinkServiceConnectionState": {
                    "status": "Approved" if approved else "Pending",
                    "description": "Auto-Approved" if approved else conn["properties"].get("requestMessage", ""),
                    "actionsRequired": "None"}})
        for old_id in (((old or {}).get("_aznet") or {}).get("connections") or {}).values():
            if normalize(old_id) not in {normalize(v) for v in private["connections"].values()} \
                    and ctx.record(old_id):
                ctx.delete(old_id)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        private = body.get("_aznet") or {}
        for conn_id in (private.get("connections") or {}).values():
            if ctx.record(conn_id):
                ctx.delete(conn_id)
        if private.get("nic") and ctx.record(private["nic"]):
            ctx.delete(private["nic"])

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        stored = ctx.body(body["id"]) or {}
        private = stored.get("_aznet") or {}
        props = body.setdefault("properties", {})
        kind = private.get("kind")
        if kind and private.get("connections"):
            for conn in props.get(kind) or []:
                conn_id = private["connections"].get(conn["name"].lower())
                state = ((ctx.body(conn_id) or {}).get("properties") or {}).get("privateLinkServiceConnectionState")
                conn["properties"]["privateLinkServiceConnectionState"] = state or {
                    "status": "Disconnected", "description": "The private link service connection was removed.",
                    "actionsRequired": "None"}
        props["customDnsConfigs"] = dns_configs(ctx, body, nic_ip(ctx, stored))
        props.setdefault("ipConfigurations", [])
        props.setdefault("applicationSecurityGroups", [])


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="PrivateEndpoint", hooks=PrivateEndpointHooks()))
