"""Microsoft.Network/loadBalancers: enough for private link services and NIC
backend pools (the data plane comes later).

frontendIPConfigurations (public, or private with an address allocated in the
subnet), loadBalancingRules, probes and outboundRules live inline in the LB
body and are readable as child GETs; backendAddressPools and inboundNatRules
are child resources (``load_balancer_children``) that can also be PUT on their
own. Basic / Standard rules: the public IPs' SKU matches the LB's, outbound
rules and HA ports are Standard only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, ResourceType
from ..retirements import BASIC_LOAD_BALANCER, refuse_new
from . import edge_zones
from . import public_ip_addresses as pips
from .ip_allocation import allocator, parse_ip, subnet_prefixes
from .ref_checks import API_VERSIONS, boolean, cannot_parse, enum, integer, ref_id, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.LOAD_BALANCER
POOL_TYPE = "Microsoft.Network/loadBalancers/backendAddressPools"
NAT_TYPE = "Microsoft.Network/loadBalancers/inboundNatRules"
SUBNET_TYPE = typenames.SUBNET
INLINE = {"frontendIPConfigurations": "frontendIPConfigurations", "loadBalancingRules": "loadBalancingRules",
          "probes": "probes", "outboundRules": "outboundRules", "inboundNatPools": "inboundNatPools"}


def sku_of(lb: dict[str, Any]) -> str:
    return (lb.get("sku") or {}).get("name", "Basic")


def own_ref(lb_id: str, kind: str, node: Any, path: str, names: set[str], required: bool = True) -> str | None:
    """A reference from one part of the LB to another part of the same LB (which must exist)."""
    rid = ref_id(node, path)
    if rid is None:
        if required:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", target=path,
                           details=[{"code": "MissingJsonReferenceId", "message": f"{path} is required."}])
        return None
    prefix = normalize(lb_id) + f"/{kind.lower()}/"
    if not normalize(rid).startswith(prefix) or normalize(rid)[len(prefix):] not in names:
        raise ArmError(400, "InvalidResourceReference",
                       f"Resource {rid} referenced by resource {lb_id} was not found. Please make sure that the "
                       "referenced resource exists, and that both resources are in the same region.")
    return rid


def port(value: Any, path: str, low: int, high: int) -> int:
    n = integer(value, path)
    if n is None or not low <= n <= high:
        raise ArmError(400, "InvalidRequestFormat" if n is None else "PortOutOfRange",
                       f"Port {value} at {path} is invalid. It must be between {low} and {high}.", target=path)
    return n


def _items(props: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = props.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("properties", {}), dict)
            for i in items):
        raise cannot_parse(f"properties.{key}", items, "SubResource[]")
    seen: set[str] = set()
    for i in items:
        if i["name"].lower() in seen:
            raise ArmError(400, "DuplicateResourceName",
                           f"Load balancer has two {key} with the same name {i['name']}.")
        seen.add(i["name"].lower())
    return items


class LoadBalancerHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        edge_zones.check(ctx, new, old)   # extendedLocation rules (edge_zones.py)
        lb_id = new["id"]
        sku = new.get("sku") or {}
        if not isinstance(sku, dict):
            raise cannot_parse("sku", sku, "LoadBalancerSku")
        new["sku"] = {"name": enum(sku.get("name"), ("Basic", "Standard", "Gateway"), "sku.name",
                                   "LoadBalancerSkuName", "Basic"),
                      "tier": enum(sku.get("tier"), ("Regional", "Global"), "sku.tier", "LoadBalancerSkuTier",
                                   "Regional")}
        standard = new["sku"]["name"] != "Basic"
        if not standard:
            refuse_new(ctx, BASIC_LOAD_BALANCER, new, old)
        frontends = _items(props, "frontendIPConfigurations")
        fe_names = {f["name"].lower() for f in frontends}
        probes = _items(props, "probes")
        probe_names = {p["name"].lower() for p in probes}
        used_pips: dict[str, str] = {}
        internal = False
        for i, fe in enumerate(frontends):
            path = f"properties.frontendIPConfigurations[{i}].properties"
            fp = fe.setdefault("properties", {})
            fid = f"{lb_id}/frontendIPConfigurations/{fe['name']}"
            pip = ref_id(fp.get("publicIPAddress"), f"{path}.publicIPAddress")
            subnet = ref_id(fp.get("subnet"), f"{path}.subnet")
            prefix = ref_id(fp.get("publicIPPrefix"), f"{path}.publicIPPrefix")
            if sum(x is not None for x in (pip, subnet, prefix)) != 1:
                raise ArmError(400, "LoadBalancerFrontendIPConfigurationInvalid",
                               f"Frontend IP configuration {fid} must reference exactly one of a public IP "
                               "address, a public IP prefix or a subnet.")
            if pip is not None:
                if normalize(pip) in used_pips:
                    raise ArmError(400, "PublicIPReferencedByMultipleIPConfigs",
                                   f"Public ip address {pip} is referenced by multiple ipconfigs in resource "
                                   f"{lb_id}.")
                used_pips[normalize(pip)] = fid
                body = pips.check_usable(ctx, pip, lb_id, new["location"], fid)
                if ((body.get("sku") or {}).get("name", "Basic") == "Basic") == standard:
                    raise ArmError(400, "PublicIPAndLBSkuDoNotMatch",
                                   f"{new['sku']['name']} sku load balancer {lb_id} cannot reference "
                                   f"{(body.get('sku') or {}).get('name', 'Basic')} sku publicIP {pip}.")
            if prefix is not None:
                resolve(ctx, prefix, lb_id, "Microsoft.Network/publicIPPrefixes", new["location"])
            if subnet is not None:
                internal = True
                resolve(ctx, subnet, lb_id, SUBNET_TYPE, new["location"])
                fp["privateIPAllocationMethod"] = enum(fp.get("privateIPAllocationMethod"), ("Static", "Dynamic"),
                                                       f"{path}.privateIPAllocationMethod", "IPAllocationMethod",
                                                       "Dynamic")
                fp["privateIPAddressVersion"] = enum(fp.get("privateIPAddressVersion"), ("IPv4", "IPv6"),
                                                     f"{path}.privateIPAddressVersion", "IPVersion", "IPv4")
                ip = fp.get("privateIPAddress")
                if ip not in (None, "") and parse_ip(ip) is None:
                    raise ArmError(400, "InvalidPrivateIPAddressFormat",
                                   f"Private IP address {ip} of frontend {fid} is not a valid IP address.")
                if fp["privateIPAllocationMethod"] == "Static" and ip in (None, ""):
                    raise ArmError(400, "PrivateIPAddressRequired",
                                   f"Frontend {fid} has a Static private IP allocation method but no address.")
        rules = _items(props, "loadBalancingRules")
        taken: dict[tuple[str, str, int], str] = {}
        for i, rule in enumerate(rules):
            path = f"properties.loadBalancingRules[{i}].properties"
            rp = rule.setdefault("properties", {})
            fe = own_ref(lb_id, "frontendIPConfigurations", rp.get("frontendIPConfiguration"),
                         f"{path}.frontendIPConfiguration", fe_names)
            own_ref(lb_id, "probes", rp.get("probe"), f"{path}.probe", probe_names, required=False)
            rp["protocol"] = enum(rp.get("protocol"), ("Tcp", "Udp", "All"), f"{path}.protocol", "TransportProtocol")
            if rp["protocol"] is None:
                raise cannot_parse(f"{path}.protocol", None, "TransportProtocol")
            ha = rp["protocol"] == "All" and rp.get("frontendPort") == 0 and rp.get("backendPort") == 0
            if ha and not (standard and internal):
                raise ArmError(400, "HaPortsNotSupported",
                               f"Load balancing rule {rule['name']} uses HA ports, which only a Standard internal "
                               "load balancer supports.")
            rp["frontendPort"] = port(rp.get("frontendPort"), f"{path}.frontendPort", 0 if ha else 1, 65534)
            rp["backendPort"] = port(rp.get("backendPort", rp["frontendPort"]), f"{path}.backendPort",
                                     0 if ha else 1, 65535)
            rp["idleTimeoutInMinutes"] = self._timeout(rp, path, 100 if standard else 30)
            rp["loadDistribution"] = enum(rp.get("loadDistribution"), ("Default", "SourceIP", "SourceIPProtocol"),
                                          f"{path}.loadDistribution", "LoadDistribution", "Default")
            for flag in ("enableFloatingIP", "enableTcpReset", "disableOutboundSnat"):
                rp[flag] = boolean(rp.get(flag), f"{path}.{flag}", False)
            for proto in (("Tcp", "Udp") if rp["protocol"] == "All" else (rp["protocol"],)):
                key = (normalize(fe or ""), proto, rp["frontendPort"])
                if key in taken:
                    raise ArmError(400, "LoadBalancingRuleFrontendPortConflict",
                                   f"Load balancing rules {taken[key]} and {rule['name']} use the same frontend "
                                   f"IP configuration, protocol and frontend port {rp['frontendPort']}.")
                taken[key] = rule["name"]
        for i, probe in enumerate(probes):
            path = f"properties.probes[{i}].properties"
            pp = probe.setdefault("properties", {})
            pp["protocol"] = enum(pp.get("protocol"), ("Http", "Tcp", "Https"), f"{path}.protocol", "ProbeProtocol")
            if pp["protocol"] is None:
                raise cannot_parse(f"{path}.protocol", None, "ProbeProtocol")
            if pp["protocol"] == "Https" and not standard:
                raise ArmError(400, "HttpsProbeNotSupportedForBasicSku",
                               f"Probe {probe['name']} uses Https, which only a Standard load balancer supports.")
            pp["port"] = port(pp.get("port"), f"{path}.port", 1, 65535)
            if pp["protocol"] == "Tcp" and pp.get("requestPath"):
                raise ArmError(400, "InvalidRequestPathForTcpProbe",
                               f"Probe {probe['name']} of protocol Tcp cannot have a request path.")
            if pp["protocol"] != "Tcp" and not pp.get("requestPath"):
                raise ArmError(400, "RequestPathRequiredForHttpProbe",
                               f"Probe {probe['name']} of protocol {pp['protocol']} requires a request path.")
            interval = integer(pp.get("intervalInSeconds"), f"{path}.intervalInSeconds", 15)
            if interval is None or interval < 5:
                raise ArmError(400, "InvalidProbeInterval",
                               f"Probe {probe['name']} interval must be at least 5 seconds.")
            pp["intervalInSeconds"] = interval
            pp["numberOfProbes"] = integer(pp.get("numberOfProbes"), f"{path}.numberOfProbes", 2)
            pp["probeThreshold"] = integer(pp.get("probeThreshold"), f"{path}.probeThreshold", 1)
        nat_pools = _items(props, "inboundNatPools")
        for i, pool in enumerate(nat_pools):
            path = f"properties.inboundNatPools[{i}].properties"
            np_ = pool.setdefault("properties", {})
            own_ref(lb_id, "frontendIPConfigurations", np_.get("frontendIPConfiguration"),
                    f"{path}.frontendIPConfiguration", fe_names)
            np_["protocol"] = enum(np_.get("protocol"), ("Tcp", "Udp", "All"), f"{path}.protocol",
                                   "TransportProtocol")
            if np_["protocol"] is None:
                raise cannot_parse(f"{path}.protocol", None, "TransportProtocol")
            start = port(np_.get("frontendPortRangeStart"), f"{path}.frontendPortRangeStart", 1, 65534)
            end = port(np_.get("frontendPortRangeEnd"), f"{path}.frontendPortRangeEnd", 1, 65535)
            if end < start:
                raise ArmError(400, "InvalidFrontendPortRange",
                               f"Inbound NAT pool {pool['name']} has a frontend port range end {end} below its "
                               f"start {start}.", target=path)
            np_["frontendPortRangeStart"], np_["frontendPortRangeEnd"] = start, end
            np_["backendPort"] = port(np_.get("backendPort"), f"{path}.backendPort", 1, 65535)
            np_["idleTimeoutInMinutes"] = self._timeout(np_, path, 100 if standard else 30)
        outbound = _items(props, "outboundRules")
        if outbound and not standard:
            raise ArmError(400, "OutboundRulesNotSupportedForBasicSkuLoadBalancer",
                           f"Load balancer {lb_id} with Basic sku does not support outbound rules.")
        for i, rule in enumerate(outbound):
            path = f"properties.outboundRules[{i}].properties"
            op = rule.setdefault("properties", {})
            fes = op.get("frontendIPConfigurations") or []
            if not isinstance(fes, list) or not fes:
                raise cannot_parse(f"{path}.frontendIPConfigurations", fes, "SubResource[]")
            for j, fe in enumerate(fes):
                own_ref(lb_id, "frontendIPConfigurations", fe, f"{path}.frontendIPConfigurations[{j}]", fe_names)
            if ref_id(op.get("backendAddressPool"), f"{path}.backendAddressPool") is None:
                raise cannot_parse(f"{path}.backendAddressPool", None, "SubResource")
            op["protocol"] = enum(op.get("protocol"), ("Tcp", "Udp", "All"), f"{path}.protocol",
                                  "LoadBalancerOutboundRuleProtocol", "All")
            op["idleTimeoutInMinutes"] = self._timeout(op, path, 120)
            op["allocatedOutboundPorts"] = integer(op.get("allocatedOutboundPorts"),
                                                   f"{path}.allocatedOutboundPorts", 1024)
            op["enableTcpReset"] = boolean(op.get("enableTcpReset"), f"{path}.enableTcpReset", False)

    def _timeout(self, node: dict[str, Any], path: str, high: int) -> int:
        t = integer(node.get("idleTimeoutInMinutes"), f"{path}.idleTimeoutInMinutes", 4)
        if t is None or not 4 <= t <= high:
            raise ArmError(400, "InvalidIdleTimeoutInMinutes",
                           f"Idle timeout {t} at {path} must be between 4 and {high} minutes.")
        return t

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        lb_id = new["id"]
        oldp = (old or {}).get("properties") or {}
        props["resourceGuid"] = resource_guid(old)
        old_fes = {f["name"].lower(): f for f in oldp.get("frontendIPConfigurations") or []}
        alloc = allocator(ctx)
        alloc.release(lb_id)
        for key, kind in INLINE.items():
            items = props.get(key)
            if items is None:
                props[key] = [] if key != "inboundNatPools" else []
                continue
            out = []
            for item in items:
                ip = dict(item.get("properties") or {})
                ip.pop("provisioningState", None)
                for computed in ("loadBalancingRules", "inboundNatRules", "outboundRules", "inboundNatPools"):
                    if key in ("frontendIPConfigurations", "probes"):
                        ip.pop(computed, None)
                entry = {"name": item["name"], "id": f"{lb_id}/{kind}/{item['name']}",
                         "type": f"{TYPE}/{kind}", "properties": {"provisioningState": "Succeeded", **ip}}
                if item.get("zones") is not None:
                    entry["zones"] = item["zones"]
                out.append(entry)
            props[key] = out
        used: dict[str, set[Any]] = {}
        for fe in sorted(props["frontendIPConfigurations"],
                         key=lambda f: (f["properties"].get("privateIPAllocationMethod") != "Static")):
            fp = fe["properties"]
            sub = ref_id(fp.get("subnet"))
            if sub is None:
                for k in ("privateIPAllocationMethod", "privateIPAddress", "privateIPAddressVersion"):
                    fp.pop(k, None)
                continue
            prefixes = subnet_prefixes(ctx.body(sub))
            prev = (old_fes.get(fe["name"].lower()) or {}).get("properties") or {}
            taken = used.setdefault(normalize(sub), set())
            kept = parse_ip(prev.get("privateIPAddress"))
            if fp["privateIPAllocationMethod"] == "Static":
                ip = alloc.static(sub, prefixes, parse_ip(fp["privateIPAddress"]), lb_id, fe["id"],  # type: ignore[arg-type]
                                  taken)
            elif kept is not None and normalize((prev.get("subnet") or {}).get("id", "")) == normalize(sub) \
                    and kept not in taken and alloc.holder(sub, kept, lb_id) is None:
                alloc.claim(sub, kept, lb_id, fe["id"])
                ip = kept
            else:
                ip = alloc.dynamic(sub, sub.rsplit("/", 1)[-1], prefixes,
                                   6 if fp["privateIPAddressVersion"] == "IPv6" else 4, lb_id, fe["id"], taken)
            taken.add(ip)
            fp["privateIPAddress"] = str(ip)
            fp["subnet"] = {"id": sub}

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        # pools are child resources, written after the body: references to them are checked now
        props = new["properties"]
        pools = {c.id.rsplit("/", 1)[-1].lower() for c in ctx.children(new["id"], POOL_TYPE)}
        for key in ("loadBalancingRules", "outboundRules"):
            for i, rule in enumerate(props.get(key) or []):
                own_ref(new["id"], "backendAddressPools", rule["properties"].get("backendAddressPool"),
                        f"properties.{key}[{i}].properties.backendAddressPool", pools, required=False)
        pips.follow(ctx, new, old, "frontendIPConfigurations")

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for rec in ctx.referrers(body["id"]):
            if rec.type.lower() in ("microsoft.network/privatelinkservices",
                                    "microsoft.compute/virtualmachinescalesets"):
                raise ArmError(400, "LoadBalancerInUse",
                               f"Load balancer {body['id']} cannot be deleted because it is in use by {rec.id}.")

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        allocator(ctx).release(body["id"])
        pips.follow(ctx, None, body, "frontendIPConfigurations")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        etag = body.get("etag")
        backrefs = rule_backrefs(body)
        for key in ("frontendIPConfigurations", "probes", "backendAddressPools"):
            for item in props.get(key) or []:
                if etag:
                    item["etag"] = etag
                item.setdefault("properties", {}).update(backrefs.get(normalize(item["id"]), {}))
        for item in props.get("loadBalancingRules") or []:
            if etag:
                item["etag"] = etag


def rule_backrefs(lb: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """For each part of the LB (frontend, pool, probe), the rules that use it, as Azure shows them."""
    props = lb.get("properties") or {}
    out: dict[str, dict[str, Any]] = {}

    def add(target: Any, key: str, rid: str) -> None:
        tid = ref_id(target) if isinstance(target, dict) else None
        if tid:
            out.setdefault(normalize(tid), {}).setdefault(key, []).append({"id": rid})

    for rule in props.get("loadBalancingRules") or []:
        rp = rule.get("properties") or {}
        for k in ("frontendIPConfiguration", "backendAddressPool", "probe"):
            add(rp.get(k), "loadBalancingRules", rule["id"])
    for rule in props.get("outboundRules") or []:
        for fe in (rule.get("properties") or {}).get("frontendIPConfigurations") or []:
            add(fe, "outboundRules", rule["id"])
        add((rule.get("properties") or {}).get("backendAddressPool"), "outboundRule", rule["id"])
    for nat in props.get("inboundNatRules") or []:
        add((nat.get("properties") or {}).get("frontendIPConfiguration"), "inboundNatRules", nat["id"])
    for refs in out.values():
        if "outboundRule" in refs:
            refs["outboundRules"] = list(refs["outboundRule"])
            refs["outboundRule"] = refs["outboundRule"][0]
    return out


def _inline(kind: str) -> Callable[[Ctx, dict[str, Any]], list[dict[str, Any]]]:
    """A part of the LB kept in its body (frontends, rules, probes, outbound rules), as Azure also
    serves it: a read-only child collection of the LB, rendered as GET of the LB renders it."""
    def items(ctx: Ctx, lb: dict[str, Any]) -> list[dict[str, Any]]:
        rendered = ctx.rendered(lb["id"]) or {}
        found: list[dict[str, Any]] = (rendered.get("properties") or {}).get(kind) or []
        return found
    return items


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="LoadBalancer", hooks=LoadBalancerHooks(),
                          inline_children={"backendAddressPools": POOL_TYPE, "inboundNatRules": NAT_TYPE}))
# inboundNatPools are not served on their own (Azure's InvalidResourceType)
REGISTRY.add_all(ResourceType(f"{TYPE}/{kind}", API_VERSIONS, location="none", virtual=_inline(kind))
                 for kind in INLINE.values() if kind != "inboundNatPools")
