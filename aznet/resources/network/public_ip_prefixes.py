"""Microsoft.Network/publicIPPrefixes: a Standard block of public addresses
(IPv4 /28–/31, IPv6 /124–/127) allocated from the aznet pool; public IPs and
NAT gateways draw from it. ``publicIPAddresses`` is computed at read time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.backrefs import BackRef
from ...arm.crud import resource_guid
from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, ResourceType
from . import ip_pool
from .ref_checks import API_VERSIONS, cannot_parse, enum, integer, zone_list

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.PUBLIC_IP_PREFIX
PIP_TYPE = typenames.PUBLIC_IP
LENGTHS = {"IPv4": (28, 31), "IPv6": (124, 127)}


class PublicIPPrefixHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sku = new.get("sku") or {}
        if not isinstance(sku, dict):
            raise cannot_parse("sku", sku, "PublicIPPrefixSku")
        new["sku"] = {"name": enum(sku.get("name"), ("Standard", "StandardV2"), "sku.name", "PublicIPPrefixSkuName",
                                   "Standard"),
                      "tier": enum(sku.get("tier"), ("Regional", "Global"), "sku.tier", "PublicIPPrefixSkuTier",
                                   "Regional")}
        version = enum(props.get("publicIPAddressVersion"), ("IPv4", "IPv6"), "properties.publicIPAddressVersion",
                       "IPVersion", "IPv4")
        assert version is not None
        props["publicIPAddressVersion"] = version
        length = integer(props.get("prefixLength"), "properties.prefixLength")
        low, high = LENGTHS[version]
        if length is None or not low <= length <= high:
            raise ArmError(400, "InvalidPublicIpPrefixLength",
                           f"Public IP prefix {new['id']} has an invalid prefix length {length}. For "
                           f"{version} the prefix length must be between {low} and {high}.")
        props["prefixLength"] = length
        oldp = (old or {}).get("properties") or {}
        if old is not None and (oldp.get("prefixLength") != length
                                or oldp.get("publicIPAddressVersion") != version):
            raise ArmError(400, "PublicIpPrefixPropertyCannotBeChanged",
                           f"Prefix length and IP version of public IP prefix {new['id']} cannot be changed.")
        zone_list(new)

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["resourceGuid"] = resource_guid(old)
        props.setdefault("ipTags", [])
        props.pop("publicIPAddresses", None)
        props["ipPrefix"] = oldp.get("ipPrefix") or ip_pool.allocate_prefix(
            ctx, 6 if props["publicIPAddressVersion"] == "IPv6" else 4, props["prefixLength"], new["id"])


IN_USE = "Public IP prefix {id} cannot be deleted since it is in use by {first}."
# the public IPs made from the prefix (read-only) and the NAT gateway that uses it (which a client may also write)
BACK_REFS = (
    BackRef("publicIPAddresses", PIP_TYPE, "PublicIpPrefixInUse", via="publicIPPrefix", message=IN_USE),
    BackRef("natGateway", typenames.NAT_GATEWAY, "PublicIpPrefixInUse", via=("publicIpPrefixes", "publicIpPrefixesV6"),
            message=IN_USE, single=True, read_only=False),
)


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="PublicIPPrefix", hooks=PublicIPPrefixHooks(), back_refs=BACK_REFS))
