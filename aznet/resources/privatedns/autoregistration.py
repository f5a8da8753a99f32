"""Private DNS auto-registration: a virtual network linked to a private zone with
``registrationEnabled`` gets an A record set per VM (the VM's name -> its primary
NIC's primary private IPv4 address) or per NIC without a VM (the NIC's name),
with ``isAutoRegistered: true`` and TTL 10. Records follow NICs and VMs as they
are created, changed and deleted, in the same transaction as that change: the
module observes the NIC and VM types (``observe``), and the link hooks call
``reconcile_link`` / ``unregister``. Private endpoints' NICs are not registered
(their records come from private DNS zone groups); a name a user's record set
already holds is left alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm import crud
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Hooks
from ..dns import records
from ..dns import zones as public_zones
from . import zones
from .hook_chain import observe

if TYPE_CHECKING:
    from ...arm.context import Ctx

NIC_TYPE = typenames.NIC.lower()
VM_TYPE = typenames.VM.lower()
PE_TYPE = typenames.PRIVATE_ENDPOINT.lower()
A_TYPE = f"{zones.TYPE}/A"
TTL = 10


def _vnet_of_subnet(subnet_id: str) -> str | None:
    parsed = parse_resource_id(subnet_id)
    parent = parsed.parent() if parsed is not None else None
    return str(parent) if parent is not None else None


def nic_vnets(nic: dict[str, Any] | None) -> set[str]:
    out = set()
    for cfg in ((nic or {}).get("properties") or {}).get("ipConfigurations") or []:
        sid = ((cfg.get("properties") or {}).get("subnet") or {}).get("id")
        vnet = _vnet_of_subnet(sid) if isinstance(sid, str) else None
        if vnet:
            out.add(normalize(vnet))
    return out


def primary_ipv4(nic: dict[str, Any], vnet_key: str) -> str | None:
    configs = (nic.get("properties") or {}).get("ipConfigurations") or []
    ordered = sorted(configs, key=lambda c: not (c.get("properties") or {}).get("primary"))
    for cfg in ordered:
        props = cfg.get("properties") or {}
        sid = (props.get("subnet") or {}).get("id")
        vnet = _vnet_of_subnet(sid) if isinstance(sid, str) else None
        ip = props.get("privateIPAddress")
        if vnet and normalize(vnet) == vnet_key and ip and props.get("privateIPAddressVersion", "IPv4") == "IPv4":
            return str(ip)
    return None


def _vm_primary(vm: dict[str, Any], nic_key: str) -> bool:
    refs = ((vm.get("properties") or {}).get("networkProfile") or {}).get("networkInterfaces") or []
    if len(refs) == 1:
        return True
    for ref in refs:
        if normalize(ref.get("id", "")) == nic_key:
            return bool((ref.get("properties") or {}).get("primary"))
    return False


def desired(ctx: Ctx, vnet_id: str) -> dict[str, tuple[str, str]]:
    """lower-case record name -> (name, IPv4) that the virtual network registers."""
    vnet_key = normalize(vnet_id)
    out: dict[str, tuple[str, str]] = {}
    for nic in ctx.referrers(vnet_id):
        if nic.type.lower() != NIC_TYPE:
            continue
        holders = [r for r in ctx.referrers(nic.id) if r.type.lower() in (VM_TYPE, PE_TYPE)]
        if any(r.type.lower() == PE_TYPE for r in holders):
            continue
        vm = next((r for r in holders if r.type.lower() == VM_TYPE), None)
        if vm is not None and not _vm_primary(vm.body, nic.key):
            continue
        ip = primary_ipv4(nic.body, vnet_key)
        if ip is None:
            continue
        name = (vm.body if vm is not None else nic.body)["name"]
        out.setdefault(name.lower(), (name, ip))
    return out


def registration_zone(ctx: Ctx, vnet_id: str) -> str | None:
    """The id of the private zone the virtual network registers in, if any."""
    # Links are few; the VNet's referrers include every NIC in it, so scan the links instead.
    for rec in ctx.of_type(zones.LINK_TYPE):
        if (rec.body.get("properties") or {}).get("registrationEnabled"):
            vid = ((rec.body.get("properties") or {}).get("virtualNetwork") or {}).get("id", "")
            if normalize(vid) == normalize(vnet_id):
                zone = parse_resource_id(rec.id)
                assert zone is not None and zone.parent() is not None
                return str(zone.parent())
    return None


def _registered(ctx: Ctx, zone_id: str, vnet_key: str) -> dict[str, Any]:
    return {r.body["name"].lower(): r for r in ctx.children(zone_id, A_TYPE)
            if (r.body.get(crud.PRIVATE) or {}).get("autoreg") == vnet_key}


def _taken(ctx: Ctx, zone_id: str, name: str) -> bool:
    return any(ctx.record(f"{zone_id}/{t}/{name}") is not None for t in records.PRIVATE.types)


def sync(ctx: Ctx, zone_id: str, vnet_id: str) -> None:
    zone = ctx.record(zone_id)
    if zone is None:
        return
    vnet_key = normalize(vnet_id)
    want = desired(ctx, vnet_id)
    have = _registered(ctx, zone.id, vnet_key)
    for low, rec in have.items():
        if low not in want:
            ctx.txn.delete(rec.key)
            public_zones.count(ctx, zone.id, -1)
    for low, (name, ip) in want.items():
        current = have.get(low)
        if current is not None and current.body["properties"]["aRecords"] == [{"ipv4Address": ip}]:
            continue
        if current is None and _taken(ctx, zone.id, name):
            continue
        rid = f"{zone.id}/A/{name}"
        body = {"id": rid, "name": name, "type": A_TYPE, "etag": public_zones.new_guid_etag(),
                "properties": {"ttl": TTL, "fqdn": records.fqdn(name, zone.body["name"]), "isAutoRegistered": True,
                               "aRecords": [{"ipv4Address": ip}], "provisioningState": "Succeeded"},
                crud.PRIVATE: {"autoreg": vnet_key}}
        ctx.txn.put(rid, A_TYPE, zone.key, zone.scope, body)
        if current is None:
            public_zones.count(ctx, zone.id, +1)


def unregister(ctx: Ctx, zone_id: str, vnet_id: str) -> None:
    zone = ctx.record(zone_id)
    if zone is None:
        return
    for rec in _registered(ctx, zone.id, normalize(vnet_id)).values():
        ctx.txn.delete(rec.key)
        public_zones.count(ctx, zone.id, -1)


def reconcile_link(ctx: Ctx, link: dict[str, Any]) -> None:
    parsed = parse_resource_id(link["id"])
    assert parsed is not None and parsed.parent() is not None
    zone_id = str(parsed.parent())
    vnet_id = ((link.get("properties") or {}).get("virtualNetwork") or {}).get("id", "")
    if (link.get("properties") or {}).get("registrationEnabled"):
        sync(ctx, zone_id, vnet_id)
    else:
        unregister(ctx, zone_id, vnet_id)


def reconcile_vnets(ctx: Ctx, vnet_keys: set[str]) -> None:
    for vnet in vnet_keys:
        zone = registration_zone(ctx, vnet)
        if zone is not None:
            sync(ctx, zone, vnet)


class NicObserver(Hooks):
    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        reconcile_vnets(ctx, nic_vnets(new) | nic_vnets(old))

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        reconcile_vnets(ctx, nic_vnets(body))


class VmObserver(Hooks):
    @staticmethod
    def _vnets(ctx: Ctx, *vms: dict[str, Any] | None) -> set[str]:
        out: set[str] = set()
        for vm in vms:
            for ref in ((vm or {}).get("properties") or {}).get("networkProfile", {}).get("networkInterfaces") or []:
                out |= nic_vnets(ctx.body(ref.get("id", "")) if ref.get("id") else None)
        return out

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        reconcile_vnets(ctx, self._vnets(ctx, new, old))

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        reconcile_vnets(ctx, self._vnets(ctx, body))


observe(REGISTRY, "Microsoft.Network/networkInterfaces", NicObserver())
observe(REGISTRY, "Microsoft.Compute/virtualMachines", VmObserver())
