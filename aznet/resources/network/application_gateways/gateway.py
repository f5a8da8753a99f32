"""Microsoft.Network/applicationGateways: the resource type, its hooks and its
read-time back-references. The rules live in ``frontends``, ``routing`` and
``firewall``; actions in ``actions``; catalogues in ``catalogue``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ....arm.crud import resource_guid
from ....arm.errors import ArmError
from ....arm.ids import normalize
from ....arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...private_link_targets import render_connections
from ...retirements import APPLICATION_GATEWAY_V1
from .. import public_ip_addresses as pips
from ..ip_allocation import allocator, parse_ip, subnet_prefixes
from ..ref_checks import API_VERSIONS, boolean, cannot_parse, enum, register_inline
from . import firewall, frontends, routing
from .actions import ACTIONS
from .model import COLLECTIONS, TYPE, V1_NAMES, Gateway, canonical_names, collection
from .private_link import ACTION as LINK_RESOURCES

if TYPE_CHECKING:
    from ....arm.context import Ctx

NIC_TYPE = "microsoft.network/networkinterfaces"
IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
PRIVATE = "_aznet"


def _identity(ctx: Ctx, new: dict[str, Any]) -> bool:
    ident = new.get("identity")
    if ident is None:
        return False
    if not isinstance(ident, dict):
        raise cannot_parse("identity", ident, "ManagedServiceIdentity")
    kind = enum(ident.get("type"), ("UserAssigned", "None", "SystemAssigned", "SystemAssigned, UserAssigned"),
                "identity.type", "ResourceIdentityType", "None")
    if kind in ("SystemAssigned", "SystemAssigned, UserAssigned"):
        raise ArmError(400, "ApplicationGatewayIdentityTypeNotSupported",
                       f"Application gateway {new['id']} supports only UserAssigned managed identities, not {kind}.",
                       target="identity.type")
    if kind == "None":
        new["identity"] = {"type": "None"}
        return False
    ids = ident.get("userAssignedIdentities")
    if not isinstance(ids, dict) or not ids:
        raise ArmError(400, "BadRequest", "The identity type UserAssigned needs userAssignedIdentities.",
                       target="identity.userAssignedIdentities")
    if len(ids) > 1:
        raise ArmError(400, "ApplicationGatewayOnlyOneUserAssignedIdentitySupported",
                       f"Application gateway {new['id']} supports one user-assigned identity; {len(ids)} were given.")
    known = ctx.platform.registry.get(IDENTITY_TYPE) is not None
    out = {}
    for rid in ids:
        if known and ctx.body(rid) is None:
            raise ArmError(400, "InvalidIdentityResourceId" if "/userassignedidentities/" in rid.lower() else
                           "LinkedInvalidPropertyId",
                           f"Resource '{rid}' was not found. The user-assigned identity must exist.")
        body = ctx.body(rid) or {}
        props = body.get("properties") or {}
        seed = normalize(rid)
        out[rid] = {"principalId": props.get("principalId") or str(uuid.uuid5(uuid.NAMESPACE_URL, seed + "#p")),
                    "clientId": props.get("clientId") or str(uuid.uuid5(uuid.NAMESPACE_URL, seed + "#c"))}
    new["identity"] = {"type": "UserAssigned", "userAssignedIdentities": out}
    return True


class ApplicationGatewayHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        rt = ctx.platform.registry.get(TYPE)
        new["properties"] = canonical_names(ctx, rt, {"properties": new["properties"]})["properties"]
        props = new["properties"]
        for key in COLLECTIONS:
            collection(props, key)
        name, tier = frontends.check_sku(new)
        if name in V1_NAMES and old is None and not ctx.platform.settings.allow_retired:
            retired = APPLICATION_GATEWAY_V1
            raise ArmError(400, retired.code, retired.message.format(tier=tier), target="properties.sku")
        gw = Gateway(ctx, new["id"], props, name, tier, new["location"])
        gw.user_identity = _identity(ctx, new)
        gw.names = {k: {i["name"].lower() for i in gw.items(k)} for k in COLLECTIONS}
        frontends.check_capacity(gw, new)
        subnet = frontends.check_gateway_subnet(gw)
        frontends.check_ports(gw)
        private = new.setdefault(PRIVATE, {})
        frontends.check_certificates(gw, old, private)
        frontends.check_ssl_profiles(gw)
        frontends.check_frontends(gw, subnet)
        policy = frontends.check_ssl_policy(props.get("sslPolicy"), "properties.sslPolicy")
        if policy:
            props["sslPolicy"] = policy
        else:
            props.pop("sslPolicy", None)
        frontends.check_listeners(gw)
        routing.check_pools(gw)
        routing.check_probes(gw)
        routing.check_settings(gw)
        routing.check_redirects(gw)
        routing.check_rewrites(gw)
        routing.check_path_maps(gw)
        routing.check_rules(gw, ctx.api_version)
        routing.check_private_link(gw, subnet)
        props["customErrorConfigurations"] = routing.check_custom_errors(
            gw, props.get("customErrorConfigurations"), "properties.customErrorConfigurations")
        for j, item in enumerate(gw.items("httpListeners")):
            errs = routing.check_custom_errors(gw, item["properties"].get("customErrorConfigurations"),
                                               f"properties.httpListeners[{j}].properties.customErrorConfigurations")
            item["properties"].pop("customErrorConfigurations", None)
            if errs:
                item["properties"]["customErrorConfigurations"] = errs
        firewall.check_waf_config(gw)
        firewall.check_policy_links(gw, old)
        for flag in ("enableHttp2", "enableFips"):
            value = boolean(props.get(flag), f"properties.{flag}")
            if value is not None:
                props[flag] = value
        if props.get("enableFips") and not gw.v2:
            raise ArmError(400, "ApplicationGatewayFipsNotSupportedForSku",
                           f"FIPS mode needs a v2 SKU; application gateway {gw.id} has {gw.sku_name}.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        gid = new["id"]
        props["resourceGuid"] = resource_guid(old)
        oldp = (old or {}).get("properties") or {}
        props["operationalState"] = oldp.get("operationalState", "Running")
        for key in ("privateEndpointConnections", "privateLinkResources"):
            props.pop(key, None)
        shape = _item_shapes(ctx)
        for key in COLLECTIONS:
            items = props.get(key)
            out = []
            has_type, has_state = shape.get(key, (True, True))
            for item in items or []:
                entry: dict[str, Any] = {"name": item["name"], "id": f"{gid}/{key}/{item['name']}"}
                if has_type:
                    entry["type"] = f"{TYPE}/{key}"
                entry["properties"] = {**item["properties"], **({"provisioningState": "Succeeded"} if has_state
                                                                else {})}
                out.append(entry)
            props[key] = out
        self._allocate(ctx, new, old)

    def _allocate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        gid = new["id"]
        alloc = allocator(ctx)
        alloc.release(gid)
        old_fes = {f["name"].lower(): f for f in ((old or {}).get("properties") or {}).get("frontendIPConfigurations")
                   or []}
        for fe in new["properties"]["frontendIPConfigurations"]:
            fp = fe["properties"]
            sub = (fp.get("subnet") or {}).get("id")
            if not sub:
                continue
            prefixes = subnet_prefixes(ctx.body(sub))
            if fp["privateIPAllocationMethod"] == "Static":
                ip = alloc.static(sub, prefixes, parse_ip(fp["privateIPAddress"]), gid, fe["id"])  # type: ignore[arg-type]
            else:
                prev = parse_ip(((old_fes.get(fe["name"].lower()) or {}).get("properties") or {}).get("privateIPAddress"))
                if prev is not None and alloc.holder(sub, prev, gid) is None:
                    alloc.claim(sub, prev, gid, fe["id"])
                    ip = prev
                else:
                    ip = alloc.dynamic(sub, sub.rsplit("/", 1)[-1], prefixes, 4, gid, fe["id"])
            fp["privateIPAddress"] = str(ip)

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        pips.follow(ctx, new, old, "frontendIPConfigurations")

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        allocator(ctx).release(body["id"])
        pips.follow(ctx, None, body, "frontendIPConfigurations")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        etag = body.get("etag")
        for key in COLLECTIONS:
            for item in props.get(key) or []:
                if etag:
                    item["etag"] = etag
        add_back_references(props)
        render_connections(ctx, body)
        nic_refs = _nic_pool_users(ctx, body["id"])
        for pool in props.get("backendAddressPools") or []:
            users = nic_refs.get(normalize(pool["id"]))
            if users:
                pool["properties"]["backendIPConfigurations"] = [{"id": u} for u in users]


def _item_shapes(ctx: Ctx) -> dict[str, tuple[bool, bool]]:
    """For each inline collection: whether the SDK model of its items has ``type``, and whether their properties
    have ``provisioningState`` (responses carry only members the model knows)."""
    schema = ctx.platform.schema_for(ctx.platform.registry.get(TYPE))
    props = schema.child("properties") if schema is not None else None
    out: dict[str, tuple[bool, bool]] = {}
    for key in COLLECTIONS:
        item = props.child(key) if props is not None else None
        if item is None:
            continue
        inner = item.child("properties")
        out[key] = ("type" in item.fields, inner is None or "provisioningState" in inner.fields)
    return out


def add_back_references(props: dict[str, Any]) -> None:
    """The read-only lists Azure's model shows: the rules, path maps and path rules using a redirect."""
    index = {normalize(i["id"]): i for i in props.get("redirectConfigurations") or []}

    def link(target: Any, key: str, rid: str) -> None:
        tid = target.get("id") if isinstance(target, dict) else None
        item = index.get(normalize(tid)) if isinstance(tid, str) else None
        if item is not None:
            refs = item["properties"].setdefault(key, [])
            if {"id": rid} not in refs:
                refs.append({"id": rid})

    for rule in props.get("requestRoutingRules") or []:
        link(rule["properties"].get("redirectConfiguration"), "requestRoutingRules", rule["id"])
    for upm in props.get("urlPathMaps") or []:
        link(upm["properties"].get("defaultRedirectConfiguration"), "urlPathMaps", upm["id"])
        for pr in upm["properties"].get("pathRules") or []:
            link(pr["properties"].get("redirectConfiguration"), "pathRules", pr["id"])


def _nic_pool_users(ctx: Ctx, gw_id: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rec in ctx.referrers(gw_id):
        if rec.type.lower() != NIC_TYPE:
            continue
        for cfg in (rec.body.get("properties") or {}).get("ipConfigurations") or []:
            for ref in (cfg.get("properties") or {}).get("applicationGatewayBackendAddressPools") or []:
                rid = ref.get("id") if isinstance(ref, dict) else None
                if isinstance(rid, str):
                    out.setdefault(normalize(rid), []).append(cfg.get("id") or rec.id)
    return out


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ApplicationGateway", hooks=ApplicationGatewayHooks(),
                          names=NameRule(1, 80), actions=[*ACTIONS, LINK_RESOURCES]))
register_inline(f"{TYPE}/backendAddressPools", "backendAddressPools")
