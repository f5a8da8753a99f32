"""Microsoft.Network/bastionHosts: Basic, Standard, Developer and Premium.

- Basic / Standard / Premium: one IP configuration in the VNet's
  ``AzureBastionSubnet`` (/26 or larger: the rule sits here, not on the subnet,
  issue 8 item 13), with a Standard static IPv4 public IP in the same region
  (Premium with ``enablePrivateOnlyBastion`` has none); the subnet's NSG must let
  Bastion's flows through (bastion_nsg); one Bastion host per subnet.
- Developer: no IP configuration and no public IP; ``virtualNetwork`` names the
  VNet; no scale units, no zones, no feature flags.
- Scale units: Basic 2 (fixed), Standard / Premium 2-50.
- Feature flags: copy/paste control, file copy, IP connect, native client
  (tunneling) and shareable links need Standard or Premium; session recording
  and private-only need Premium; Kerberos is not on Developer.
- SKUs move up, never down (Developer -> Basic -> Standard -> Premium).
- ``dnsName`` is ``bst-<guid>.bastion.azure.com``, kept across updates.

Codes: NetworkSecurityGroupNotCompliantForAzureBastionSubnet is Azure's; the others
are best readings of Azure's naming (Bastion's own errors are not documented)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.errors import bad_request as bad
from ...arm.ids import normalize
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from . import bastion_nsg
from . import public_ip_addresses as pips
from .ip_allocation import subnet_prefixes
from .ref_checks import boolean, cannot_parse, enum, integer, ref_id, resolve, since

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/bastionHosts"
SUBNET_TYPE = typenames.SUBNET
VNET_TYPE = typenames.VNET
SKUS = ("Developer", "Basic", "Standard", "Premium")
MIN_PREFIX = 26
STANDARD_FLAGS = ("disableCopyPaste", "enableFileCopy", "enableIpConnect", "enableShareableLink", "enableTunneling")
PREMIUM_FLAGS = ("enableSessionRecording", "enablePrivateOnlyBastion")
ALL_FLAGS = (*STANDARD_FLAGS, *PREMIUM_FLAGS, "enableKerberos")


class BastionHostHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sku = new.get("sku") or {}
        if not isinstance(sku, dict):
            raise cannot_parse("sku", sku, "Sku")
        name = enum(sku.get("name"), SKUS, "sku.name", "BastionHostSkuName", "Basic") or "Basic"
        new["sku"] = {"name": name}
        old_sku = ((old or {}).get("sku") or {}).get("name")
        if old_sku in SKUS and SKUS.index(name) < SKUS.index(old_sku):
            raise bad("BastionHostSkuDowngradeNotSupported",
                      f"Bastion host {new['id']} cannot move from SKU {old_sku} to {name}: downgrading the SKU is "
                      "not supported.")
        for flag in ALL_FLAGS:
            value = boolean(props.get(flag), f"properties.{flag}", False)
            props[flag] = value
            if not value:
                continue
            if flag in PREMIUM_FLAGS and name != "Premium":
                raise bad("BastionHostFeatureNotSupportedOnSku",
                          f"Feature {flag} of Bastion host {new['id']} requires the Premium SKU; the SKU is {name}.")
            if flag in STANDARD_FLAGS and name not in ("Standard", "Premium"):
                raise bad("BastionHostFeatureNotSupportedOnSku",
                          f"Feature {flag} of Bastion host {new['id']} requires the Standard or Premium SKU; the "
                          f"SKU is {name}.")
            if flag == "enableKerberos" and name == "Developer":
                raise bad("BastionHostFeatureNotSupportedOnSku",
                          f"Kerberos is not supported by Bastion host {new['id']} on the Developer SKU.")
        self._scale_units(new, name)
        if name == "Developer":
            self._developer(ctx, new)
        else:
            self._dedicated(ctx, new, name)
        zones = new.get("zones")
        if zones is not None:
            if not isinstance(zones, list) or not all(z in ("1", "2", "3") for z in zones):
                raise bad("InvalidAvailabilityZone", f"The availability zones {zones} of Bastion host {new['id']} "
                          "are not valid: use 1, 2 or 3.")
            if zones and name == "Developer":
                raise bad("BastionHostFeatureNotSupportedOnSku",
                          f"Bastion host {new['id']} on the Developer SKU cannot be zonal.")
            if old is not None and sorted(old.get("zones") or []) != sorted(zones):
                raise ArmError(400, "ResourceAvailabilityZonesCannotBeModified",
                               f"Zones of resource {new['id']} cannot be added/updated/removed once it is created.")

    def _scale_units(self, new: dict[str, Any], sku: str) -> None:
        props = new["properties"]
        units = integer(props.get("scaleUnits"), "properties.scaleUnits")
        if sku in ("Standard", "Premium"):
            units = 2 if units is None else units
            if not 2 <= units <= 50:
                raise bad("InvalidBastionHostScaleUnits",
                          f"Bastion host {new['id']} has {units} scale units; {sku} allows 2 to 50.")
            props["scaleUnits"] = units
        elif sku == "Basic":
            if units not in (None, 2):
                raise bad("InvalidBastionHostScaleUnits",
                          f"Bastion host {new['id']} on the Basic SKU has 2 scale units; host scaling needs the "
                          "Standard or Premium SKU.")
            props["scaleUnits"] = 2
        elif units is not None:
            raise bad("InvalidBastionHostScaleUnits",
                      f"Bastion host {new['id']} on the Developer SKU has no scale units.")

    def _developer(self, ctx: Ctx, new: dict[str, Any]) -> None:
        props = new["properties"]
        if props.get("ipConfigurations"):
            raise bad("BastionHostDeveloperSkuIpConfigurationNotAllowed",
                      f"Bastion host {new['id']} on the Developer SKU has no IP configurations: name the virtual "
                      "network in properties.virtualNetwork.")
        vnet = ref_id(props.get("virtualNetwork"), "properties.virtualNetwork")
        if vnet is None:
            raise bad("BastionHostVirtualNetworkRequired",
                      f"Bastion host {new['id']} on the Developer SKU needs properties.virtualNetwork.")
        resolve(ctx, vnet, new["id"], VNET_TYPE, new["location"])
        rec = ctx.record(vnet)
        props["virtualNetwork"] = {"id": rec.id if rec else vnet}
        props["ipConfigurations"] = []

    def _dedicated(self, ctx: Ctx, new: dict[str, Any], sku: str) -> None:
        props = new["properties"]
        props.pop("virtualNetwork", None)
        items = props.get("ipConfigurations")
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            if items is not None and not isinstance(items, list):
                raise cannot_parse("properties.ipConfigurations", items, "BastionHostIPConfiguration[]")
            raise bad("BastionHostMustHaveOneIpConfiguration",
                      f"Bastion host {new['id']} must have exactly one IP configuration.")
        item = items[0]
        cname = item.get("name") or "IpConf"
        p = item.get("properties") or {}
        if not isinstance(p, dict):
            raise cannot_parse("properties.ipConfigurations[0].properties", p, "BastionHostIPConfigurationPropertiesFormat")
        sub = ref_id(p.get("subnet"), "properties.ipConfigurations[0].properties.subnet")
        if sub is None:
            raise bad("BastionHostSubnetRequired", f"Bastion host {new['id']} needs a subnet named AzureBastionSubnet.")
        sbody = resolve(ctx, sub, new["id"], SUBNET_TYPE, new["location"])
        sname = sub.rstrip("/").rsplit("/", 1)[-1]
        if sname.lower() != bastion_nsg.BASTION_SUBNET.lower():
            raise bad("BastionHostSubnetMustBeNamedAzureBastionSubnet",
                      f"Subnet {sub} of Bastion host {new['id']} must be named AzureBastionSubnet.")
        for net in subnet_prefixes(sbody):
            if net.version == 4 and net.prefixlen > MIN_PREFIX:
                raise bad("AzureBastionSubnetPrefixTooSmall",
                          f"The prefix {net} of subnet AzureBastionSubnet is too small for Bastion host {new['id']}: "
                          f"AzureBastionSubnet must be /{MIN_PREFIX} or larger.")
        srec = ctx.record(sub)
        sid = srec.id if srec else sub
        for rec in ctx.referrers(sid):
            if rec.type.lower() == TYPE.lower() and rec.key != normalize(new["id"]):
                raise bad("BastionHostSubnetInUse",
                          f"Subnet {sid} is already used by Bastion host {rec.id}: a VNet holds one Bastion host.")
        nsg = ref_id((sbody.get("properties") or {}).get("networkSecurityGroup"))
        if nsg is not None:
            bastion_nsg.check(ctx, nsg, sbody, ctx.body(sid.rsplit("/subnets/", 1)[0]) or {})
        pip = ref_id(p.get("publicIPAddress"), "properties.ipConfigurations[0].properties.publicIPAddress")
        private_only = props.get("enablePrivateOnlyBastion")
        out: dict[str, Any] = {"subnet": {"id": sid}, "privateIPAllocationMethod": "Dynamic"}
        if pip is None and not private_only:
            raise bad("BastionHostPublicIpRequired",
                      f"Bastion host {new['id']} on the {sku} SKU needs a Standard static public IP address.")
        if pip is not None and private_only:
            raise bad("BastionHostPrivateOnlyCannotHavePublicIp",
                      f"Private-only Bastion host {new['id']} cannot have a public IP address.")
        if pip is not None:
            pbody = pips.check_usable(ctx, pip, new["id"], new["location"], new["id"])
            pp = pbody.get("properties") or {}
            if (pbody.get("sku") or {}).get("name") != "Standard" or pp.get("publicIPAllocationMethod") != "Static" \
                    or pp.get("publicIPAddressVersion", "IPv4") != "IPv4":
                raise bad("BastionHostPublicIpMustBeStandardStatic",
                          f"Public IP address {pip} of Bastion host {new['id']} must be a Standard SKU, static, IPv4 "
                          "address.")
            prec = ctx.record(pip)
            out["publicIPAddress"] = {"id": prec.id if prec else pip}
        props["ipConfigurations"] = [{"name": cname, "id": f"{new['id']}/bastionHostIpConfigurations/{cname}",
                                      "properties": {**out, "provisioningState": "Succeeded"}}]

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        old_dns = ((old or {}).get("properties") or {}).get("dnsName")
        props["dnsName"] = old_dns or f"bst-{uuid.uuid4()}.bastion.azure.com"


REGISTRY.add(ResourceType(TYPE, since("2019-04-01"), model="BastionHost", hooks=BastionHostHooks(), names=NameRule(1, 80)))
