"""The child resources of a load balancer that Azure also lets clients PUT on
their own: backendAddressPools and inboundNatRules. Their back-references
(the NIC ipConfigurations that use them) are computed at read time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Hooks, ResourceType
from .ip_allocation import parse_ip
from .load_balancers import NAT_TYPE, POOL_TYPE, port, rule_backrefs, sku_of
from .ref_checks import API_VERSIONS, boolean, cannot_parse, enum, integer, ref_id

if TYPE_CHECKING:
    from ...arm.context import Ctx



# the NIC ipConfigurations that put themselves in a pool / behind an inbound NAT rule: shown on GET, dropped
# from a PUT, and the delete refused while any remains
POOL_USERS = BackRef("backendIPConfigurations", typenames.NIC, "LoadBalancerBackendAddressPoolInUse",
                     via="loadBalancerBackendAddressPools", nested=True,
                     message="Backend address pool {id} cannot be deleted because it is referenced by IP configuration "
                             "{first}.")
NAT_USER = BackRef("backendIPConfiguration", typenames.NIC, "InboundNatRuleInUse", via="loadBalancerInboundNatRules",
                   nested=True, single=True,
                   message="Inbound NAT rule {id} cannot be deleted because it is referenced by IP configuration "
                           "{first}.")


def _lb_of(rid: str) -> str:
    parsed = parse_resource_id(rid)
    assert parsed is not None and parsed.parent() is not None
    return str(parsed.parent())


class BackendPoolHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        addrs = props.get("loadBalancerBackendAddresses")
        if addrs is None:
            return
        if not isinstance(addrs, list):
            raise cannot_parse("properties.loadBalancerBackendAddresses", addrs, "LoadBalancerBackendAddress[]")
        for i, a in enumerate(addrs):
            ip = ((a or {}).get("properties") or {}).get("ipAddress")
            if ip is not None and parse_ip(ip) is None:
                raise ArmError(400, "InvalidIPAddress",
                               f"Backend address {i} of pool {new['id']} has an invalid IP address {ip}.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        for k in ("loadBalancingRules", "outboundRule", "outboundRules", "inboundNatRules"):
            new["properties"].pop(k, None)

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        props.update(rule_backrefs(ctx.body(_lb_of(body["id"])) or {}).get(normalize(body["id"]), {}))


class InboundNatRuleHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        lb_id = _lb_of(new["id"])
        lb = ctx.body(lb_id) or {}
        fe = ref_id(props.get("frontendIPConfiguration"), "properties.frontendIPConfiguration")
        fes = {normalize(f["id"]) for f in (lb.get("properties") or {}).get("frontendIPConfigurations") or []}
        if fe is None or normalize(fe) not in fes:
            raise ArmError(400, "InvalidResourceReference",
                           f"Resource {fe} referenced by resource {new['id']} was not found. Please make sure that "
                           "the referenced resource exists, and that both resources are in the same region.")
        props["protocol"] = enum(props.get("protocol"), ("Tcp", "Udp", "All"), "properties.protocol",
                                 "TransportProtocol")
        if props["protocol"] is None:
            raise cannot_parse("properties.protocol", None, "TransportProtocol")
        props["backendPort"] = port(props.get("backendPort"), "properties.backendPort", 1, 65535)
        if props.get("frontendPortRangeStart") is not None:
            start = port(props["frontendPortRangeStart"], "properties.frontendPortRangeStart", 1, 65534)
            end = port(props.get("frontendPortRangeEnd"), "properties.frontendPortRangeEnd", start, 65534)
            props["frontendPortRangeStart"], props["frontendPortRangeEnd"] = start, end
            ports = set(range(start, end + 1))
        else:
            props["frontendPort"] = port(props.get("frontendPort"), "properties.frontendPort", 1, 65534)
            ports = {props["frontendPort"]}
        high = 100 if sku_of(lb) != "Basic" else 30
        t = integer(props.get("idleTimeoutInMinutes"), "properties.idleTimeoutInMinutes", 4)
        if t is None or not 4 <= t <= high:
            raise ArmError(400, "InvalidIdleTimeoutInMinutes",
                           f"Idle timeout {t} of inbound NAT rule {new['id']} must be between 4 and {high}.")
        props["idleTimeoutInMinutes"] = t
        for flag in ("enableFloatingIP", "enableTcpReset"):
            props[flag] = boolean(props.get(flag), f"properties.{flag}", False)
        protos = {"Tcp", "Udp"} if props["protocol"] == "All" else {props["protocol"]}
        for rule in (lb.get("properties") or {}).get("loadBalancingRules") or []:
            rp = rule["properties"]
            rprotos = {"Tcp", "Udp"} if rp["protocol"] == "All" else {rp["protocol"]}
            if normalize(ref_id(rp.get("frontendIPConfiguration")) or "") == normalize(fe) and \
                    protos & rprotos and rp["frontendPort"] in ports:
                raise ArmError(400, "InboundNatRuleFrontendPortConflict",
                               f"Inbound NAT rule {new['id']} and load balancing rule {rule['id']} use the same "
                               f"frontend IP configuration, protocol and frontend port {rp['frontendPort']}.")



REGISTRY.add(ResourceType(POOL_TYPE, API_VERSIONS, model="BackendAddressPool", location="none",
                          hooks=BackendPoolHooks(), back_refs=(POOL_USERS,)))
REGISTRY.add(ResourceType(NAT_TYPE, API_VERSIONS, model="InboundNatRule", location="none",
                          hooks=InboundNatRuleHooks(), back_refs=(NAT_USER,)))
