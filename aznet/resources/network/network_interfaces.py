"""Microsoft.Network/networkInterfaces: ipConfigurations with private IPs
allocated in their subnet (static or dynamic, primary and secondary, IPv4 and
IPv6), public IPs, ASG membership, load-balancer pool and NAT rule references,
NSG, IP forwarding, accelerated networking, DNS settings.

Computed at read time: ``virtualMachine`` / ``privateEndpoint`` (whoever refers
to the NIC), ``primary`` (as the VM has it), ``dnsSettings.appliedDnsServers``.
``macAddress`` is assigned when a VM first takes the NIC (``assign_mac``)."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Hooks, ResourceType
from . import edge_zones
from . import public_ip_addresses as pips
from .ip_allocation import IPAddress, allocator, parse_ip, subnet_prefixes
from .ref_checks import API_VERSIONS, boolean, cannot_parse, enum, ref_id, resolve

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.NIC
IPCONFIG_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations"
SUBNET_TYPE = typenames.SUBNET
VM_TYPE = typenames.VM.lower()
PE_TYPE = typenames.PRIVATE_ENDPOINT.lower()
REF_LISTS = {
    "applicationSecurityGroups": "Microsoft.Network/applicationSecurityGroups",
    "loadBalancerBackendAddressPools": "Microsoft.Network/loadBalancers/backendAddressPools",
    "loadBalancerInboundNatRules": "Microsoft.Network/loadBalancers/inboundNatRules",
    "applicationGatewayBackendAddressPools": "Microsoft.Network/applicationGateways/backendAddressPools",
}


def vnet_of(subnet_id: str) -> str:
    parsed = parse_resource_id(subnet_id)
    assert parsed is not None and parsed.parent() is not None
    return normalize(str(parsed.parent()))


def internal_domain_suffix(vnet_key: str) -> str:
    """Azure's per-VNet internal DNS suffix: ``<26 chars>.<2 chars>.internal.cloudapp.net``."""
    digest = base64.b32encode(hashlib.sha256(vnet_key.encode()).digest()).decode().lower()
    return f"{digest[:26]}.{digest[26:28]}.internal.cloudapp.net"


def mac_for(seed: str) -> str:
    b = hashlib.sha256(seed.encode()).digest()
    return "00-0D-3A-" + "-".join(f"{x:02X}" for x in b[:3])


def assign_mac(ctx: Ctx, nic_id: str) -> None:
    """A VM took the NIC: it gets its MAC address (kept from then on)."""
    rec = ctx.record(nic_id)
    if rec is None or (rec.body.get("properties") or {}).get("macAddress"):
        return
    body = dict(rec.body)
    body["properties"] = dict(body.get("properties") or {})
    body["properties"]["macAddress"] = mac_for(body["properties"].get("resourceGuid") or rec.id)
    ctx.write_raw(rec.id, body)


def attached_to(ctx: Ctx, nic_id: str) -> list[tuple[str, str]]:
    """(type, id) of VMs and private endpoints that hold the NIC."""
    return [(r.type.lower(), r.id) for r in ctx.referrers(nic_id) if r.type.lower() in (VM_TYPE, PE_TYPE)]


class NetworkInterfaceHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        edge_zones.check(ctx, new, old)   # extendedLocation rules (edge_zones.py)
        nic_id = new["id"]
        location = new["location"]
        configs = props.get("ipConfigurations")
        if configs is None or (isinstance(configs, list) and not configs):
            raise ArmError(400, "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
                           f"Network interface {nic_id} must have at least one IP configuration.")
        if not isinstance(configs, list):
            raise cannot_parse("properties.ipConfigurations", configs, "NetworkInterfaceIPConfiguration[]")
        for flag in ("enableIPForwarding", "enableAcceleratedNetworking", "disableTcpStateTracking"):
            props[flag] = boolean(props.get(flag), f"properties.{flag}", False)
        names: set[str] = set()
        vnets: set[str] = set()
        used_pips: dict[str, str] = {}
        primaries = 0
        for i, cfg in enumerate(configs):
            path = f"properties.ipConfigurations[{i}]"
            if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str) or not cfg["name"]:
                raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", target=path,
                               details=[{"code": "MissingName", "message": "An IP configuration needs a name."}])
            if cfg["name"].lower() in names:
                raise ArmError(400, "DuplicateResourceName",
                               f"Resource {nic_id} has two child resources with the same name "
                               f"({cfg['name']}) of type {IPCONFIG_TYPE}.")
            names.add(cfg["name"].lower())
            cid = f"{nic_id}/ipConfigurations/{cfg['name']}"
            cp = cfg.get("properties") or {}
            if not isinstance(cp, dict):
                raise cannot_parse(f"{path}.properties", cp, "NetworkInterfaceIPConfigurationPropertiesFormat")
            cp["privateIPAllocationMethod"] = enum(cp.get("privateIPAllocationMethod"), ("Static", "Dynamic"),
                                                   f"{path}.properties.privateIPAllocationMethod",
                                                   "IPAllocationMethod", "Dynamic")
            cp["privateIPAddressVersion"] = enum(cp.get("privateIPAddressVersion"), ("IPv4", "IPv6"),
                                                 f"{path}.properties.privateIPAddressVersion", "IPVersion", "IPv4")
            cp["primary"] = boolean(cp.get("primary"), f"{path}.properties.primary")
            if cp["primary"]:
                primaries += 1
            ip = cp.get("privateIPAddress")
            if ip not in (None, "") and parse_ip(ip) is None:
                raise ArmError(400, "InvalidPrivateIPAddressFormat",
                               f"Private IP address {ip} of IP configuration {cid} is not a valid IP address.")
            if cp["privateIPAllocationMethod"] == "Static" and ip in (None, ""):
                raise ArmError(400, "PrivateIPAddressRequired",
                               f"IP configuration {cid} has a Static private IP allocation method but no "
                               "private IP address.")
            if ip not in (None, "") and parse_ip(ip).version != (6 if cp["privateIPAddressVersion"] == "IPv6" else 4):
                raise ArmError(400, "PrivateIPAddressVersionMismatch",
                               f"Private IP address {ip} of IP configuration {cid} does not match its "
                               f"privateIPAddressVersion {cp['privateIPAddressVersion']}.")
            subnet = ref_id(cp.get("subnet"), f"{path}.properties.subnet")
            if subnet is None:
                raise ArmError(400, "SubnetRequiredForIpConfiguration",
                               f"IP configuration {cid} must reference a subnet.")
            resolve(ctx, subnet, nic_id, SUBNET_TYPE, location)
            vnets.add(vnet_of(subnet))
            pip = ref_id(cp.get("publicIPAddress"), f"{path}.properties.publicIPAddress")
            if pip is not None:
                if normalize(pip) in used_pips:
                    raise ArmError(400, "PublicIPAddressInUse",
                                   f"Resource {cid} is referencing public IP address {pip} that is already "
                                   f"allocated to resource {used_pips[normalize(pip)]}.")
                used_pips[normalize(pip)] = cid
                pbody = pips.check_usable(ctx, pip, nic_id, location, cid)
                pv = (pbody.get("properties") or {}).get("publicIPAddressVersion", "IPv4")
                if pv != cp["privateIPAddressVersion"]:
                    raise ArmError(400, "IpVersionMismatchBetweenPublicIpAndIpConfiguration",
                                   f"IP configuration {cid} with version {cp['privateIPAddressVersion']} cannot "
                                   f"reference public IP address {pip} with version {pv}.")
            for key, rtype in REF_LISTS.items():
                refs = cp.get(key)
                if refs is None:
                    continue
                if not isinstance(refs, list):
                    raise cannot_parse(f"{path}.properties.{key}", refs, "SubResource[]")
                for j, r in enumerate(refs):
                    rid = ref_id(r, f"{path}.properties.{key}[{j}]")
                    if rid is not None:
                        resolve(ctx, rid, nic_id, rtype, location)
            cfg["properties"] = cp
        if len(vnets) > 1:
            raise ArmError(400, "IpConfigurationsOfNicInDifferentVirtualNetworks",
                           f"IP configurations of network interface {nic_id} reference subnets in different "
                           "virtual networks. All IP configurations of a network interface must be in the same "
                           "virtual network.")
        if len(configs) == 1:
            configs[0]["properties"]["primary"] = True
        elif primaries != 1:
            raise ArmError(400, "NetworkInterfaceMustHaveExactlyOnePrimaryIpConfiguration",
                           f"Network interface {nic_id} has {len(configs)} IP configurations and {primaries} of "
                           "them are marked primary. Exactly one IP configuration must be primary.")
        for cfg in configs:
            cp = cfg["properties"]
            if cp["primary"] and cp["privateIPAddressVersion"] == "IPv6":
                raise ArmError(400, "IPv6IpConfigurationCannotBePrimary",
                               f"IP configuration {nic_id}/ipConfigurations/{cfg['name']} is IPv6 and cannot be "
                               "the primary IP configuration.")
            if cp["primary"] is None:
                cp["primary"] = False
        nsg = ref_id(props.get("networkSecurityGroup"), "properties.networkSecurityGroup")
        if nsg is not None:
            resolve(ctx, nsg, nic_id, "Microsoft.Network/networkSecurityGroups", location)
        dns = props.get("dnsSettings")
        if dns is not None:
            if not isinstance(dns, dict):
                raise cannot_parse("properties.dnsSettings", dns, "NetworkInterfaceDnsSettings")
            servers = dns.get("dnsServers") or []
            if not isinstance(servers, list) or any(parse_ip(s) is None for s in servers):
                raise ArmError(400, "InvalidDnsServerIpAddress",
                               f"DNS servers {servers} of network interface {nic_id} must be valid IP addresses.")
        if old is not None and attached_to(ctx, nic_id):
            oldv = {vnet_of(c["properties"]["subnet"]["id"])
                    for c in (old.get("properties") or {}).get("ipConfigurations") or []}
            if vnets and oldv and vnets != oldv:
                raise ArmError(400, "NicAttachedToVmCannotMoveToAnotherVnet",
                               f"Network interface {nic_id} is attached to a virtual machine and cannot be moved "
                               "to another virtual network.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        nic_id = new["id"]
        props["resourceGuid"] = resource_guid(old)
        if oldp.get("macAddress"):
            props["macAddress"] = oldp["macAddress"]
        else:
            props.pop("macAddress", None)
        for k in ("virtualMachine", "privateEndpoint", "primary", "hostedWorkloads", "tapConfigurations"):
            props.pop(k, None)
        props.setdefault("nicType", "Standard")
        props.setdefault("auxiliaryMode", "None")
        props.setdefault("auxiliarySku", "None")
        props["vnetEncryptionSupported"] = False
        dns = dict(props.get("dnsSettings") or {})
        dns["dnsServers"] = list(dns.get("dnsServers") or [])
        for k in ("appliedDnsServers", "internalDomainNameSuffix", "internalFqdn"):
            dns.pop(k, None)
        props["dnsSettings"] = dns
        old_cfgs = {c["name"].lower(): c for c in oldp.get("ipConfigurations") or []}
        alloc = allocator(ctx)
        alloc.release(nic_id)
        taken: dict[str, set[IPAddress]] = {}
        configs = props["ipConfigurations"]
        out: list[dict[str, Any]] = []
        for cfg in configs:
            cp = cfg["properties"]
            cid = f"{nic_id}/ipConfigurations/{cfg['name']}"
            clean: dict[str, Any] = {"provisioningState": "Succeeded"}
            for k, v in cp.items():
                if k in ("provisioningState", "privateIPAddress", "subnet", "publicIPAddress"):
                    continue
                clean[k] = v
            sub = ref_id(cp["subnet"])
            assert sub is not None
            clean["subnet"] = {"id": sub}
            pip = ref_id(cp.get("publicIPAddress"))
            if pip is not None:
                clean["publicIPAddress"] = {"id": pip}
            for key in REF_LISTS:
                if cp.get(key) is not None:
                    clean[key] = [{"id": ref_id(r)} for r in cp[key] if ref_id(r)]
            out.append({"name": cfg["name"], "id": cid, "type": IPCONFIG_TYPE, "properties": clean,
                        "_ip": cp.get("privateIPAddress")})
        # statics first, then dynamics that keep their address, then new dynamics (lowest free)
        for cfg in out:
            cp = cfg["properties"]
            if cp["privateIPAllocationMethod"] == "Static":
                sub = cp["subnet"]["id"]
                used = taken.setdefault(normalize(sub), set())
                ip = alloc.static(sub, subnet_prefixes(ctx.body(sub)), parse_ip(cfg["_ip"]), nic_id,  # type: ignore[arg-type]
                                  cfg["id"], used)
                used.add(ip)
                cp["privateIPAddress"] = str(ip)
        pending = []
        for cfg in out:
            cp = cfg["properties"]
            if cp["privateIPAllocationMethod"] != "Dynamic":
                continue
            sub = cp["subnet"]["id"]
            used = taken.setdefault(normalize(sub), set())
            prev = old_cfgs.get(cfg["name"].lower())
            prevp = (prev or {}).get("properties") or {}
            kept = parse_ip(prevp.get("privateIPAddress"))
            if (kept is not None and normalize((prevp.get("subnet") or {}).get("id", "")) == normalize(sub)
                    and prevp.get("privateIPAddressVersion", "IPv4") == cp["privateIPAddressVersion"]
                    and kept not in used and alloc.holder(sub, kept, nic_id) is None):
                alloc.claim(sub, kept, nic_id, cfg["id"])
                used.add(kept)
                cp["privateIPAddress"] = str(kept)
            else:
                pending.append(cfg)
        for cfg in pending:
            cp = cfg["properties"]
            sub = cp["subnet"]["id"]
            used = taken.setdefault(normalize(sub), set())
            version = 6 if cp["privateIPAddressVersion"] == "IPv6" else 4
            ip = alloc.dynamic(sub, sub.rsplit("/", 1)[-1], subnet_prefixes(ctx.body(sub)), version, nic_id,
                               cfg["id"], used)
            used.add(ip)
            cp["privateIPAddress"] = str(ip)
        for cfg in out:
            cfg.pop("_ip", None)
            cp = cfg["properties"]
            ordered = {"provisioningState": "Succeeded", "privateIPAddress": cp.pop("privateIPAddress")}
            ordered.update({k: v for k, v in cp.items() if k != "provisioningState"})
            cfg["properties"] = ordered
        props["ipConfigurations"] = out

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        pips.follow(ctx, new, old, "ipConfigurations")

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for _rtype, rid in attached_to(ctx, body["id"]):
            raise ArmError(400, "NicInUse",
                           f"Network Interface {body['id']} is used by existing resource {rid}. In order to "
                           "delete the network interface, it must be dissociated from the resource. To learn "
                           "more, see aka.ms/deletenic.")

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        allocator(ctx).release(body["id"])
        pips.follow(ctx, None, body, "ipConfigurations")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        props = body.setdefault("properties", {})
        etag = body.get("etag")
        configs = props.get("ipConfigurations") or []
        for cfg in configs:
            if etag:
                cfg["etag"] = etag
        for rtype, rid in attached_to(ctx, body["id"]):
            if rtype == VM_TYPE:
                props["virtualMachine"] = {"id": rid}
                props["primary"] = vm_primary(ctx.body(rid) or {}, body["id"])
            else:
                props["privateEndpoint"] = {"id": rid}
        dns = props.setdefault("dnsSettings", {"dnsServers": []})
        servers = dns.get("dnsServers") or []
        if configs:
            vnet = vnet_of(configs[0]["properties"]["subnet"]["id"])
            if not servers:
                servers = (((ctx.body(vnet) or {}).get("properties") or {}).get("dhcpOptions") or {}) \
                    .get("dnsServers") or []
            dns["internalDomainNameSuffix"] = internal_domain_suffix(vnet)
        dns["appliedDnsServers"] = list(servers)
        props.setdefault("hostedWorkloads", [])
        taps = ctx.children(body["id"], "Microsoft.Network/networkInterfaces/tapConfigurations")
        props["tapConfigurations"] = [ctx.rendered(t.id) for t in taps]


def vm_primary(vm: dict[str, Any], nic_id: str) -> bool:
    nics = ((vm.get("properties") or {}).get("networkProfile") or {}).get("networkInterfaces") or []
    if len(nics) == 1:
        return True
    for n in nics:
        if normalize(n.get("id", "")) == normalize(nic_id):
            return bool((n.get("properties") or {}).get("primary"))
    return False


def _ipconfigs(ctx: Ctx, nic: dict[str, Any]) -> list[dict[str, Any]]:
    """A NIC's ipConfigurations, kept in its body, as Azure also serves them: a read-only child collection."""
    rendered = ctx.rendered(nic["id"]) or {}
    configs: list[dict[str, Any]] = (rendered.get("properties") or {}).get("ipConfigurations") or []
    return configs


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="NetworkInterface", hooks=NetworkInterfaceHooks()))
REGISTRY.add(ResourceType(IPCONFIG_TYPE, API_VERSIONS, location="none", virtual=_ipconfigs))
