"""``networkWatchers/{nw}/topology``: the resources of a resource group (or a
VNet, or a subnet) and how they are associated, in Azure's Topology shape.

Associations: a VNet Contains its subnets; a subnet is Associated with its
NSG, route table and NAT gateway; a VM Contains its NICs; a NIC is Associated
with its subnet, NSG and public IPs."""

from __future__ import annotations

import time
import uuid
from typing import Any

from ..netmodel import NetworkModel, key_of
from ..netmodel.objects import name_of, resource_group_of
from . import params
from .errors import error, not_found


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def _assoc(model: NetworkModel, key: str | None, kind: str) -> dict[str, Any] | None:
    rid = model.resource_id(key)
    if rid is None:
        return None
    return {"name": name_of(rid), "resourceId": rid, "associationType": kind}


def _resources(model: NetworkModel) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(rid: str, location: str | None, assocs: list[dict[str, Any] | None]) -> None:
        if key_of(rid) in seen:
            return
        seen.add(key_of(rid))
        out.append({"name": name_of(rid), "id": rid, "location": location or "",
                    "associations": [a for a in assocs if a]})

    for v in model.vnets.values():
        add(v.id, v.location, [_assoc(model, s, "Contains") for s in v.subnet_keys])
        for sk in v.subnet_keys:
            s = model.subnets.get(sk)
            if s is not None:
                add(s.id, v.location, [_assoc(model, s.nsg_key, "Associated"),
                                       _assoc(model, s.route_table_key, "Associated"),
                                       _assoc(model, s.nat_gateway_key, "Associated")])
    for vm in model.vms.values():
        add(vm.id, vm.location, [_assoc(model, n, "Contains") for n in vm.nic_keys])
    for nic in model.nics.values():
        assocs = [_assoc(model, nic.nsg_key, "Associated")]
        for c in nic.ipconfigs:
            assocs.append(_assoc(model, c.subnet_key, "Associated"))
            assocs.append(_assoc(model, c.public_ip_key, "Associated"))
        uniq = {a["resourceId"].lower(): a for a in assocs if a}
        add(nic.id, nic.location, list(uniq.values()))
    for rid, location in model.network_resources():
        add(rid, location, [])
    return out


def topology(model: NetworkModel, body: dict[str, Any]) -> dict[str, Any]:
    """TopologyParameters (targetResourceGroupName | targetVirtualNetwork | targetSubnet) -> Topology."""
    rg = params.field(body, "targetResourceGroupName", required=False)
    vnet_ref = params.field(body, "targetVirtualNetwork", required=False)
    subnet_ref = params.field(body, "targetSubnet", required=False)
    resources = _resources(model)
    if subnet_ref:
        sid = key_of(str((subnet_ref or {}).get("id", "")))
        sub = model.subnets.get(sid)
        if sub is None:
            raise not_found(str(subnet_ref.get("id")))
        keep = {sid} | {n.key for n in model.nics.values() if any(c.subnet_key == sid for c in n.ipconfigs)}
        keep |= {model.vm_of_nic(k) or "" for k in set(keep)}
    elif vnet_ref:
        vid = key_of(str((vnet_ref or {}).get("id", "")))
        vnet = model.vnets.get(vid)
        if vnet is None:
            raise not_found(str(vnet_ref.get("id")))
        keep = {vid, *vnet.subnet_keys}
        keep |= {n.key for n in model.nics.values() if any(c.subnet_key in keep for c in n.ipconfigs)}
        keep |= {model.vm_of_nic(k) or "" for k in set(keep)}
    elif rg:
        keep = {key_of(r["id"]) for r in resources if (resource_group_of(r["id"]) or "").lower() == str(rg).lower()}
        if not keep:
            raise error("not_found", f"Resource group '{rg}' could not be found.", "targetResourceGroupName")
    else:
        raise error("bad_format", "One of targetResourceGroupName, targetVirtualNetwork or targetSubnet is "
                    "required.", "targetResourceGroupName")
    now = _iso(time.time())
    return {"id": str(uuid.uuid4()), "createdDateTime": now, "lastModified": now,
            "resources": [r for r in resources if key_of(r["id"]) in keep]}
