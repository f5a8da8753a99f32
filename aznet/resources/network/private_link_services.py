"""Microsoft.Network/privateLinkServices and their privateEndpointConnections.

A private link service sits behind Standard load balancer frontends, takes NAT
IPs in a subnet whose privateLinkServiceNetworkPolicies are Disabled, has an
alias ``<name>.<guid>.<region>.azure.privatelinkservice``, visibility and
auto-approval subscription lists. Connections are created by private
endpoints; the service owner approves or rejects them with a PUT on the
connection, and the endpoint's connection state follows."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.provider_actions import provider_action
from ...arm.registry import REGISTRY, Hooks, ResourceType
from .ip_allocation import allocator, parse_ip, subnet_prefixes
from .ref_checks import API_VERSIONS, boolean, cannot_parse, enum, ref_id, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.PRIVATE_LINK_SERVICE
CONN_TYPE = "Microsoft.Network/privateLinkServices/privateEndpointConnections"
PE_TYPE = typenames.PRIVATE_ENDPOINT
SUBNET_TYPE = typenames.SUBNET
STATUSES = ("Pending", "Approved", "Rejected", "Disconnected")


def _subs(props: dict[str, Any], key: str) -> list[str]:
    node = props.get(key)
    if node is None:
        return []
    subs = node.get("subscriptions") if isinstance(node, dict) else None
    if subs is None:
        return []
    if not isinstance(subs, list) or not all(isinstance(s, str) for s in subs):
        raise cannot_parse(f"properties.{key}.subscriptions", subs, "System.String[]")
    return subs


def visible_to(pls: dict[str, Any], subscription: str) -> bool:
    """No visibility list: visible to callers with access (all, here); else the listed subscriptions or '*'."""
    subs = _subs(pls.get("properties") or {}, "visibility")
    pls_sub = pls["id"].split("/")[2]
    if not subs or subscription.lower() == pls_sub.lower():
        return True
    return "*" in subs or subscription.lower() in (s.lower() for s in subs)


def auto_approves(pls: dict[str, Any], subscription: str) -> bool:
    subs = _subs(pls.get("properties") or {}, "autoApproval")
    return "*" in subs or subscription.lower() in (s.lower() for s in subs)


def find_by_alias(ctx: Ctx, alias: str) -> dict[str, Any] | None:
    for rec in ctx.of_type(TYPE):
        if ((rec.body.get("properties") or {}).get("alias") or "").lower() == alias.lower():
            return rec.body
    return None


class PrivateLinkServiceHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        pls_id = new["id"]
        fes = props.get("loadBalancerFrontendIpConfigurations")
        if not isinstance(fes, list) or not fes:
            raise ArmError(400, "PrivateLinkServiceMustHaveLoadBalancerFrontendIpConfiguration",
                           f"Private link service {pls_id} must reference at least one load balancer frontend IP "
                           "configuration.")
        vnets: set[str] = set()
        for i, fe in enumerate(fes):
            fid = ref_id(fe, f"properties.loadBalancerFrontendIpConfigurations[{i}]")
            parsed = parse_resource_id(fid or "")
            if fid is None or parsed is None or parsed.full_type.lower() != \
                    "microsoft.network/loadbalancers/frontendipconfigurations":
                raise ArmError(400, "InvalidResourceReference",
                               f"Resource {fid} referenced by resource {pls_id} was not found. Please make sure "
                               "that the referenced resource exists, and that both resources are in the same region.")
            lb_id = str(parsed.parent())
            lb = resolve(ctx, lb_id, pls_id, "Microsoft.Network/loadBalancers", new["location"])
            frontend = next((f for f in (lb.get("properties") or {}).get("frontendIPConfigurations") or []
                             if normalize(f["id"]) == normalize(fid)), None)
            if frontend is None:
                raise ArmError(400, "InvalidResourceReference",
                               f"Resource {fid} referenced by resource {pls_id} was not found. Please make sure "
                               "that the referenced resource exists, and that both resources are in the same region.")
            if (lb.get("sku") or {}).get("name") != "Standard":
                raise ArmError(400, "PrivateLinkServiceRequiresStandardLoadBalancer",
                               f"Private link service {pls_id} can only reference frontend IP configurations of a "
                               f"Standard load balancer; {lb_id} is {(lb.get('sku') or {}).get('name', 'Basic')}.")
            sub = ref_id((frontend.get("properties") or {}).get("subnet"))
            if sub is None:
                raise ArmError(400, "PrivateLinkServiceRequiresInternalLoadBalancerFrontend",
                               f"Private link service {pls_id} can only reference frontend IP configurations of an "
                               f"internal load balancer; {fid} has a public IP.")
            vnets.add(normalize(sub.rsplit("/subnets/", 1)[0]))
        configs = props.get("ipConfigurations")
        if not isinstance(configs, list) or not 1 <= len(configs) <= 8:
            raise ArmError(400, "PrivateLinkServiceIpConfigurationCountInvalid",
                           f"Private link service {pls_id} must have between 1 and 8 IP configurations.")
        primaries = 0
        for i, cfg in enumerate(configs):
            path = f"properties.ipConfigurations[{i}]"
            if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str):
                raise cannot_parse(path, cfg, "PrivateLinkServiceIpConfiguration")
            cp = cfg.setdefault("properties", {})
            sub = ref_id(cp.get("subnet"), f"{path}.properties.subnet")
            if sub is None:
                raise cannot_parse(f"{path}.properties.subnet", None, "Subnet")
            subnet = resolve(ctx, sub, pls_id, SUBNET_TYPE, new["location"])
            if normalize(sub.rsplit("/subnets/", 1)[0]) not in vnets:
                raise ArmError(400, "PrivateLinkServiceIpConfigurationInDifferentVnet",
                               f"IP configuration {cfg['name']} of private link service {pls_id} must be in the "
                               "virtual network of the load balancer frontend.")
            policies = (subnet.get("properties") or {}).get("privateLinkServiceNetworkPolicies", "Enabled")
            if policies != "Disabled":
                raise ArmError(400, "PrivateLinkServiceCannotBeCreatedInSubnetThatHasNetworkPoliciesEnabled",
                               f"Private link service {pls_id} cannot be created in subnet {sub} since it has "
                               "private link service network policies enabled.")
            cp["privateIPAllocationMethod"] = enum(cp.get("privateIPAllocationMethod"), ("Static", "Dynamic"),
                                                   f"{path}.properties.privateIPAllocationMethod",
                                                   "IPAllocationMethod", "Dynamic")
            cp["privateIPAddressVersion"] = enum(cp.get("privateIPAddressVersion"), ("IPv4", "IPv6"),
                                                 f"{path}.properties.privateIPAddressVersion", "IPVersion", "IPv4")
            ip = cp.get("privateIPAddress")
            if ip not in (None, "") and parse_ip(ip) is None:
                raise ArmError(400, "InvalidPrivateIPAddressFormat", f"{ip} is not a valid IP address.")
            if cp["privateIPAllocationMethod"] == "Static" and ip in (None, ""):
                raise ArmError(400, "PrivateIPAddressRequired",
                               f"IP configuration {cfg['name']} is Static but has no private IP address.")
            cp["primary"] = boolean(cp.get("primary"), f"{path}.properties.primary", len(configs) == 1)
            primaries += bool(cp["primary"])
        if primaries != 1:
            raise ArmError(400, "PrivateLinkServiceMustHaveOnePrimaryIpConfiguration",
                           f"Private link service {pls_id} must have exactly one primary IP configuration.")
        _subs(props, "visibility")
        _subs(props, "autoApproval")
        fqdns = props.get("fqdns")
        if fqdns is not None and (not isinstance(fqdns, list) or not all(isinstance(f, str) for f in fqdns)):
            raise cannot_parse("properties.fqdns", fqdns, "System.String[]")
        props["enableProxyProtocol"] = boolean(props.get("enableProxyProtocol"), "properties.enableProxyProtocol",
                                               False)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        pls_id = new["id"]
        oldp = (old or {}).get("properties") or {}
        props["resourceGuid"] = resource_guid(old)
        props["alias"] = oldp.get("alias") or f"{new['name']}.{uuid.uuid4()}.{new['location']}.azure.privatelinkservice"
        for k in ("privateEndpointConnections", "networkInterfaces"):
            props.pop(k, None)
        props["loadBalancerFrontendIpConfigurations"] = [{"id": ref_id(f)} for f in
                                                         props["loadBalancerFrontendIpConfigurations"]]
        old_cfgs = {c["name"].lower(): c for c in oldp.get("ipConfigurations") or []}
        alloc = allocator(ctx)
        alloc.release(pls_id)
        out = []
        used: dict[str, set[Any]] = {}
        for cfg in sorted(props["ipConfigurations"],
                          key=lambda c: (c["properties"].get("privateIPAllocationMethod") != "Static")):
            cp = dict(cfg["properties"])
            cp.pop("provisioningState", None)
            sub = ref_id(cp["subnet"])
            assert sub is not None
            cid = f"{pls_id}/ipConfigurations/{cfg['name']}"
            prefixes = subnet_prefixes(ctx.body(sub))
            prev = (old_cfgs.get(cfg["name"].lower()) or {}).get("properties") or {}
            taken = used.setdefault(normalize(sub), set())
            kept = parse_ip(prev.get("privateIPAddress"))
            if cp["privateIPAllocationMethod"] == "Static":
                ip = alloc.static(sub, prefixes, parse_ip(cp["privateIPAddress"]), pls_id, cid,  # type: ignore[arg-type]
                                  taken)
            elif kept is not None and normalize((prev.get("subnet") or {}).get("id", "")) == normalize(sub) \
                    and kept not in taken and alloc.holder(sub, kept, pls_id) is None:
                alloc.claim(sub, kept, pls_id, cid)
                ip = kept
            else:
                ip = alloc.dynamic(sub, sub.rsplit("/", 1)[-1], prefixes,
                                   6 if cp["privateIPAddressVersion"] == "IPv6" else 4, pls_id, cid, taken)
            taken.add(ip)
            cp["privateIPAddress"] = str(ip)
            cp["subnet"] = {"id": sub}
            out.append({"name": cfg["name"], "id": cid, "type": f"{TYPE}/ipConfigurations",
                        "properties": {"provisioningState": "Succeeded", **cp}})
        order = [c["name"] for c in props["ipConfigurations"]]
        props["ipConfigurations"] = sorted(out, key=lambda c: order.index(c["name"]))

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        allocator(ctx).release(body["id"])

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        from ...arm.crud import render
        props["privateEndpointConnections"] = [render(ctx, c) for c in ctx.children(body["id"], CONN_TYPE)]
        props.setdefault("visibility", {"subscriptions": []})
        props.setdefault("autoApproval", {"subscriptions": []})
        props.setdefault("fqdns", [])
        props["networkInterfaces"] = []


EXPECTED = "private-endpoint-connections-expected"   # the request's scratch: connection id -> properties


def create_connection(ctx: Ctx, conn_id: str, props: dict[str, Any]) -> None:
    """A private endpoint creates its connection on the service (the only way one comes to exist)."""
    ctx.scratch.setdefault(EXPECTED, {})[normalize(conn_id)] = props
    ctx.put(conn_id, {"properties": {"privateLinkServiceConnectionState":
                                     props["privateLinkServiceConnectionState"]}})


class ConnectionHooks(Hooks):
    """A connection is created by a private endpoint; the service owner only changes its state."""

    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        if old is None:
            expected = ctx.scratch.get(EXPECTED, {}).pop(normalize(new["id"]), None)
            if expected is None:
                raise ArmError(404, "PrivateEndpointConnectionNotFound",
                               f"Private endpoint connection {new['id']} was not found. Connections are created "
                               "by private endpoints.")
            props.update({k: v for k, v in expected.items() if k != "privateLinkServiceConnectionState"})
        else:
            props["privateEndpoint"] = (old.get("properties") or {}).get("privateEndpoint")
            for k in ("linkIdentifier", "privateEndpointLocation"):
                if (old.get("properties") or {}).get(k):
                    props[k] = old["properties"][k]
        state = props.get("privateLinkServiceConnectionState")
        if not isinstance(state, dict):
            raise cannot_parse("properties.privateLinkServiceConnectionState", state,
                               "PrivateLinkServiceConnectionState")
        status = enum(state.get("status"), STATUSES, "properties.privateLinkServiceConnectionState.status",
                      "String")
        before = (((old or {}).get("properties") or {}).get("privateLinkServiceConnectionState") or {}).get("status")
        if before == "Rejected" and status == "Approved":
            raise ArmError(400, "CannotApproveRejectedPrivateEndpointConnection",
                           f"Private endpoint connection {new['id']} was rejected and cannot be approved. Delete "
                           "and recreate the private endpoint.")
        props["privateLinkServiceConnectionState"] = {
            "status": status, "description": state.get("description") or "",
            "actionsRequired": state.get("actionsRequired") or "None"}


@provider_action("subscriptions/{sub}/providers/microsoft.network/locations/{loc}/checkprivatelinkservicevisibility",
                 "POST", api_versions=API_VERSIONS, name="locations/checkPrivateLinkServiceVisibility", body="required")
@provider_action("subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/locations/{loc}/"
                 "checkprivatelinkservicevisibility",
                 "POST", api_versions=API_VERSIONS, name="locations/checkPrivateLinkServiceVisibility", body="required")
def check_visibility(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    alias = payload.get("privateLinkServiceAlias") if isinstance(payload, dict) else None
    if not isinstance(alias, str):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.",
                       target="privateLinkServiceAlias")
    pls = find_by_alias(ctx, alias)
    return 200, {"visible": bool(pls is not None and visible_to(pls, params["sub"]))}


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="PrivateLinkService", hooks=PrivateLinkServiceHooks()))
REGISTRY.add(ResourceType(CONN_TYPE, API_VERSIONS, model="PrivateEndpointConnection", location="none",
                          hooks=ConnectionHooks()))
