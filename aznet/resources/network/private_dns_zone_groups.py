"""Microsoft.Network/privateEndpoints/privateDnsZoneGroups: the private DNS
zones a private endpoint registers its address in. Each zone config gets the
record sets Azure computes (``recordSets``: name, fqdn, IPs).

The A records themselves are written into the zone when a private DNS record
set type (``Microsoft.Network/privateDnsZones/A``) is registered — the private
DNS resource types are another module's work; until they exist the group is
stored and shown, and the records are written as soon as the type is there
(on the group's next PUT)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import parse_resource_id
from ...arm.registry import REGISTRY, Hooks, ResourceType
from .private_endpoints import dns_configs, nic_ip
from .ref_checks import API_VERSIONS, cannot_parse

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
ZONE_TYPE = typenames.PRIVATE_DNS_ZONE
A_TYPE = "Microsoft.Network/privateDnsZones/A"
TTL = 10


def record_sets(ctx: Ctx, pe_id: str, zone_name: str) -> list[dict[str, Any]]:
    """The A record sets a zone gets for the endpoint: ``<name>.<zone>`` -> the endpoint's IP."""
    pe = ctx.body(pe_id) or {}
    ip = nic_ip(ctx, pe)
    if ip is None:
        return []
    public = zone_name.lower().removeprefix("privatelink.")
    out = []
    for cfg in dns_configs(ctx, pe, ip) or [{"fqdn": f"{pe.get('name')}.{public}", "ipAddresses": [ip]}]:
        fqdn = cfg["fqdn"].lower()
        name = fqdn[:-len(public) - 1] if fqdn.endswith("." + public) else fqdn.split(".", 1)[0]
        out.append({"recordType": "A", "recordSetName": name, "fqdn": f"{name}.{zone_name}", "ttl": TTL,
                    "ipAddresses": list(cfg["ipAddresses"]), "provisioningState": "Succeeded"})
    return out


def _pe_of(group_id: str) -> str:
    parsed = parse_resource_id(group_id)
    assert parsed is not None and parsed.parent() is not None
    return str(parsed.parent())


class PrivateDnsZoneGroupHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        configs = new["properties"].get("privateDnsZoneConfigs")
        if not isinstance(configs, list) or not 1 <= len(configs) <= 5:
            raise ArmError(400, "InvalidPrivateDnsZoneConfigs",
                           f"Private DNS zone group {new['id']} must have between 1 and 5 private DNS zone configs.")
        for i, cfg in enumerate(configs):
            if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str):
                raise cannot_parse(f"properties.privateDnsZoneConfigs[{i}]", cfg, "PrivateDnsZoneConfig")
            zone = (cfg.get("properties") or {}).get("privateDnsZoneId")
            parsed = parse_resource_id(zone) if isinstance(zone, str) else None
            if parsed is None or parsed.full_type.lower() != ZONE_TYPE.lower():
                raise ArmError(400, "InvalidPrivateDnsZoneId",
                               f"Private DNS zone id {zone} of config {cfg['name']} is not a valid private DNS "
                               "zone resource id.")
            if ctx.platform.registry.get(ZONE_TYPE) is not None and ctx.body(zone) is None:
                raise ArmError(400, "InvalidResourceReference",
                               f"Resource {zone} referenced by resource {new['id']} was not found. Please make sure "
                               "that the referenced resource exists, and that both resources are in the same "
                               "region.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        out = []
        for cfg in new["properties"]["privateDnsZoneConfigs"]:
            zone = cfg["properties"]["privateDnsZoneId"]
            zone_name = zone.rstrip("/").rsplit("/", 1)[-1]
            out.append({"name": cfg["name"], "id": f"{new['id']}/privateDnsZoneConfigs/{cfg['name']}",
                        "properties": {"privateDnsZoneId": zone,
                                       "recordSets": record_sets(ctx, _pe_of(new["id"]), zone_name)}})
        new["properties"]["privateDnsZoneConfigs"] = out

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        if ctx.platform.registry.get(A_TYPE) is None:
            return      # the private DNS record types are not loaded: the group is kept, records come later
        for cfg in new["properties"]["privateDnsZoneConfigs"]:
            zone = cfg["properties"]["privateDnsZoneId"]
            for rs in cfg["properties"]["recordSets"]:
                ctx.put(f"{zone}/A/{rs['recordSetName']}", {"properties": {
                    "ttl": rs["ttl"], "aRecords": [{"ipv4Address": ip} for ip in rs["ipAddresses"]],
                    "metadata": {"creator": "created by private endpoint " + _pe_of(new["id"]).rsplit("/", 1)[-1]}}})

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        if ctx.platform.registry.get(A_TYPE) is None:
            return
        for cfg in (body.get("properties") or {}).get("privateDnsZoneConfigs") or []:
            zone = cfg["properties"]["privateDnsZoneId"]
            for rs in cfg["properties"].get("recordSets") or []:
                rid = f"{zone}/A/{rs['recordSetName']}"
                if ctx.record(rid):
                    ctx.delete(rid)




REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="PrivateDnsZoneGroup", location="none",
                          hooks=PrivateDnsZoneGroupHooks()))
