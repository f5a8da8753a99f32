"""Microsoft.Network/publicIPAddresses: Basic / Standard, Static / Dynamic,
IPv4 / IPv6, zones, DNS labels (``<label>.<region>.cloudapp.azure.com``), idle
timeout, allocation from a public IP prefix or the aznet pool.

A Dynamic address gets its ``ipAddress`` only while something uses it (an
ipConfiguration refers to it), as in Azure; ``attach`` / ``detach`` are called
by the types that refer to public IPs (NICs, load balancers, NAT gateways)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef, nested_referrers
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from ...arm.registry import REGISTRY, Hooks, ResourceType
from ..retirements import BASIC_PUBLIC_IP, refuse_new
from . import edge_zones, ip_pool
from .ref_checks import API_VERSIONS, cannot_parse, enum, integer, ref_id, resolve, zone_list, zones_unchanged

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.PUBLIC_IP
PREFIX_TYPE = typenames.PUBLIC_IP_PREFIX
LABEL_RE = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")
LABEL_SCOPES = ("TenantReuse", "SubscriptionReuse", "ResourceGroupReuse", "NoReuse")
# Keys under which a body refers to public IPs it uses (ipConfigurations, NAT gateways).
USE_KEYS = ("publicIPAddress", "publicIpAddresses", "publicIPAddresses")
NAT_TYPE = typenames.NAT_GATEWAY
IN_USE = ("Public IP address {id} can not be deleted since it is still allocated to resource {first}. In order to "
          "delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do "
          "this, see aka.ms/deletepublicip.")
# who uses the address: a NAT gateway (natGateway, which a client may also write) or an ipConfiguration of a NIC,
# load balancer, gateway, … (ipConfiguration, read-only); a delete is refused while either remains
BACK_REFS = (
    BackRef("natGateway", NAT_TYPE, "PublicIPAddressCannotBeDeleted", via=USE_KEYS, nested=True, single=True,
            message=IN_USE, read_only=False),
    BackRef("ipConfiguration", "*", "PublicIPAddressCannotBeDeleted", via=USE_KEYS, nested=True, single=True,
            message=IN_USE, exclude=(NAT_TYPE.lower(),)),
)


def fqdn_for(label: str, location: str, scope: str | None, owner_id: str, tenant: str) -> str:
    """``<label>.<region>.cloudapp.azure.com``; with a label scope Azure adds a stable hash."""
    if not scope:
        return f"{label}.{location}.cloudapp.azure.com"
    parts = owner_id.lower().split("/")
    key = {"TenantReuse": tenant, "SubscriptionReuse": "/".join(parts[:3]),
           "ResourceGroupReuse": "/".join(parts[:5]), "NoReuse": owner_id.lower() + str(uuid.uuid4())}[scope]
    digest = base64.b32encode(hashlib.sha256(f"{key}|{label}".encode()).digest()).decode().lower()[:16]
    return f"{label}-{digest}.{location}.cloudapp.azure.com"


def users(ctx: Ctx, pip_id: str) -> list[tuple[str, str]]:
    """(user record id, id of the ipConfiguration or resource that uses the public IP)."""
    return nested_referrers(ctx, pip_id, USE_KEYS)


def attach(ctx: Ctx, pip_id: str) -> None:
    """Something started using the public IP: a Dynamic one gets its address now."""
    rec = ctx.record(pip_id)
    if rec is None:
        return
    props = rec.body.get("properties") or {}
    if props.get("publicIPAllocationMethod") != "Dynamic" or props.get("ipAddress"):
        return
    body = dict(rec.body)
    body["properties"] = dict(props)
    version = 6 if props.get("publicIPAddressVersion") == "IPv6" else 4
    body["properties"]["ipAddress"] = ip_pool.allocate_address(ctx, version, rec.id)
    ctx.write_raw(rec.id, body)


def detach(ctx: Ctx, pip_id: str) -> None:
    """Something stopped using the public IP: a Dynamic one gives its address back if nothing else uses it."""
    rec = ctx.record(pip_id)
    if rec is None:
        return
    props = rec.body.get("properties") or {}
    if props.get("publicIPAllocationMethod") != "Dynamic" or not props.get("ipAddress") or users(ctx, pip_id):
        return
    body = dict(rec.body)
    body["properties"] = {k: v for k, v in props.items() if k != "ipAddress"}
    ctx.write_raw(rec.id, body)


def named_by(body: dict[str, Any] | None, collection: str) -> set[str]:
    """The public IPs the items of ``properties.<collection>`` (a NIC's ipConfigurations, a load balancer's or
    application gateway's frontendIPConfigurations) name."""
    out: set[str] = set()
    for cfg in ((body or {}).get("properties") or {}).get(collection) or []:
        pip = ((cfg.get("properties") or {}).get("publicIPAddress") or {}).get("id")
        if pip:
            out.add(pip)
    return out


def follow(ctx: Ctx, new: dict[str, Any] | None, old: dict[str, Any] | None, collection: str) -> None:
    """A resource was written (``new``) or deleted (``new`` None): the public IPs it names now are attached,
    those only ``old`` named are detached."""
    now = named_by(new, collection)
    for pip in now:
        attach(ctx, pip)
    for pip in named_by(old, collection) - now:
        detach(ctx, pip)


def check_usable(ctx: Ctx, pip_id: str, user_id: str, location: str, holder: str) -> dict[str, Any]:
    """A public IP another resource wants to use: exists, same region, not used by anyone else."""
    body = resolve(ctx, pip_id, user_id, TYPE, location)
    for rec_id, other in users(ctx, pip_id):
        if normalize(rec_id) != normalize(user_id):
            raise ArmError(400, "PublicIPAddressInUse",
                           f"Resource {holder} is referencing public IP address {pip_id} that is already "
                           f"allocated to resource {other}.")
    return body


class PublicIPAddressHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        edge_zones.check(ctx, new, old)   # extendedLocation rules (edge_zones.py)
        sku = new.get("sku") or {}
        if not isinstance(sku, dict):
            raise cannot_parse("sku", sku, "PublicIPAddressSku")
        sku_name = enum(sku.get("name"), ("Basic", "Standard", "StandardV2"), "sku.name",
                        "PublicIPAddressSkuName", "Basic")
        tier = enum(sku.get("tier"), ("Regional", "Global"), "sku.tier", "PublicIPAddressSkuTier", "Regional")
        new["sku"] = {"name": sku_name, "tier": tier}
        standard = sku_name != "Basic"
        method = enum(props.get("publicIPAllocationMethod"), ("Static", "Dynamic"),
                      "properties.publicIPAllocationMethod", "IPAllocationMethod",
                      "Static" if standard else "Dynamic")
        if standard and method != "Static":
            raise ArmError(400, "StandardSkuPublicIPAddressesMustBeStatic",
                           f"Standard sku publicIp {new['id']} must have AllocationMethod set to Static.")
        props["publicIPAllocationMethod"] = method
        props["publicIPAddressVersion"] = enum(props.get("publicIPAddressVersion"), ("IPv4", "IPv6"),
                                               "properties.publicIPAddressVersion", "IPVersion", "IPv4")
        if not standard and props["publicIPAddressVersion"] == "IPv4":
            refuse_new(ctx, BASIC_PUBLIC_IP, new, old)
        if tier == "Global" and not standard:
            raise ArmError(400, "GlobalTierNotSupportedForBasicSkuPublicIp",
                           f"Public IP address {new['id']} with Basic sku cannot have Global tier.")
        timeout = integer(props.get("idleTimeoutInMinutes"), "properties.idleTimeoutInMinutes", 4)
        if timeout is None or not 4 <= timeout <= 30:
            raise ArmError(400, "PublicIPIdleTimeoutIsOutOfRange",
                           f"Public IP address {new['name']} has invalid Idle Timeout. "
                           "The value must be between 4 and 30.")
        props["idleTimeoutInMinutes"] = timeout
        zones = zone_list(new)
        if zones is not None:
            zones_unchanged(new, old, zones)
        self._check_dns(ctx, new)
        prefix = ref_id(props.get("publicIPPrefix"), "properties.publicIPPrefix")
        if prefix is not None:
            pbody = resolve(ctx, prefix, new["id"], PREFIX_TYPE, new["location"])
            pversion = (pbody.get("properties") or {}).get("publicIPAddressVersion", "IPv4")
            if pversion != props["publicIPAddressVersion"]:
                raise ArmError(400, "PublicIPAddressVersionMismatchWithPublicIpPrefix",
                               f"Public IP address {new['id']} with version {props['publicIPAddressVersion']} "
                               f"cannot be allocated from public IP prefix {prefix} with version {pversion}.")
            if not standard:
                raise ArmError(400, "PublicIpPrefixCannotBeUsedWithBasicSkuPublicIp",
                               f"Public IP address {new['id']} with Basic sku cannot be allocated from public IP "
                               f"prefix {prefix}.")
        if props.get("ipTags") is not None and not isinstance(props["ipTags"], list):
            raise cannot_parse("properties.ipTags", props["ipTags"], "IpTag[]")
        if old is not None:
            old_version = (old.get("properties") or {}).get("publicIPAddressVersion")
            if old_version and old_version != props["publicIPAddressVersion"]:
                raise ArmError(400, "PublicIPAddressVersionCannotBeChanged",
                               f"Public IP address {new['id']} version cannot be changed from {old_version} "
                               f"to {props['publicIPAddressVersion']}.")

    def _check_dns(self, ctx: Ctx, new: dict[str, Any]) -> None:
        props = new["properties"]
        dns = props.get("dnsSettings")
        if dns is None:
            return
        if not isinstance(dns, dict):
            raise cannot_parse("properties.dnsSettings", dns, "PublicIPAddressDnsSettings")
        label = dns.get("domainNameLabel")
        if label in (None, ""):
            props["dnsSettings"] = {k: v for k, v in dns.items() if k not in ("domainNameLabel", "fqdn")}
            if not props["dnsSettings"]:
                del props["dnsSettings"]
            return
        if not isinstance(label, str) or not LABEL_RE.match(label):
            raise ArmError(400, "InvalidDomainNameLabel",
                           f"The domain name label {label} is invalid. It must conform to the following regular "
                           "expression: ^[a-z][a-z0-9-]{1,61}[a-z0-9]$.")
        scope = enum(dns.get("domainNameLabelScope"), LABEL_SCOPES, "properties.dnsSettings.domainNameLabelScope",
                     "PublicIpAddressDnsSettingsDomainNameLabelScope")
        old_fqdn = ((ctx.body(new["id"]) or {}).get("properties") or {}).get("dnsSettings", {}).get("fqdn")
        fqdn = fqdn_for(label, new["location"], scope, new["id"], ctx.settings.tenant)
        if scope == "NoReuse" and old_fqdn and old_fqdn.startswith(label + "-"):
            fqdn = old_fqdn
        if fqdn_in_use(ctx, fqdn, new["id"]):
            raise ArmError(400, "DnsRecordInUse", f"DNS record {fqdn} is already used by another public IP.")
        out = {"domainNameLabel": label}
        if scope:
            out["domainNameLabelScope"] = scope
        out["fqdn"] = fqdn
        if dns.get("reverseFqdn"):
            out["reverseFqdn"] = dns["reverseFqdn"]
        props["dnsSettings"] = out

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["resourceGuid"] = resource_guid(old)
        props.setdefault("ipTags", [])
        if new["sku"]["name"] != "Basic":
            props.setdefault("ddosSettings", {"protectionMode": "VirtualNetworkInherited"})
        version = 6 if props["publicIPAddressVersion"] == "IPv6" else 4
        requested = props.pop("ipAddress", None)
        prefix = ref_id(props.get("publicIPPrefix"))
        kept = oldp.get("ipAddress")
        if kept and (normalize(prefix or "") != normalize(ref_id(oldp.get("publicIPPrefix")) or "")
                     or ipaddress.ip_address(kept).version != version):
            kept = None
        if prefix is not None:
            pbody = ctx.body(prefix) or {}
            net = (pbody.get("properties") or {}).get("ipPrefix")
            if kept is None and net:
                props["ipAddress"] = ip_pool.allocate_in_prefix(ctx, net, prefix, new["id"],
                                                                requested if isinstance(requested, str) else None)
            elif kept:
                props["ipAddress"] = kept
        elif props["publicIPAllocationMethod"] == "Static":
            props["ipAddress"] = kept or ip_pool.allocate_address(ctx, version, new["id"])
        elif kept and old is not None and users(ctx, new["id"]):
            props["ipAddress"] = kept                     # Dynamic and in use: keeps its address


def fqdn_in_use(ctx: Ctx, fqdn: str, own_id: str) -> bool:
    own = normalize(own_id)
    for rec in ctx.of_type(TYPE):
        if rec.key == own:
            continue
        other = ((rec.body.get("properties") or {}).get("dnsSettings") or {}).get("fqdn")
        if isinstance(other, str) and other.lower() == fqdn.lower():
            return True
    return False


@provider_action("subscriptions/{sub}/providers/microsoft.network/locations/{loc}/checkdnsnameavailability", "GET",
                 api_versions=API_VERSIONS, name="locations/CheckDnsNameAvailability")
def check_dns_name_availability(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    label = ctx.arg("domainNameLabel")
    if not label:
        raise ArmError(400, "MissingRequiredParameter", "Required parameter 'domainNameLabel' is missing (null).")
    location = params["loc"].replace(" ", "").lower()
    ctx.platform.check_location(location, "locations/CheckDnsNameAvailability")
    if not LABEL_RE.match(label):
        return 200, {"available": False}
    return 200, {"available": not fqdn_in_use(ctx, fqdn_for(label, location, None, "", ""), "")}


def release(ctx: Ctx, pip_id: str) -> None:
    """The user was deallocated (a VM): a Dynamic address goes back to the pool though still referenced."""
    rec = ctx.record(pip_id)
    if rec is None:
        return
    props = rec.body.get("properties") or {}
    if props.get("publicIPAllocationMethod") != "Dynamic" or not props.get("ipAddress"):
        return
    body = dict(rec.body)
    body["properties"] = {k: v for k, v in props.items() if k != "ipAddress"}
    ctx.write_raw(rec.id, body)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="PublicIPAddress", hooks=PublicIPAddressHooks(),
                          back_refs=BACK_REFS))
