"""Reading a question's fields the way Azure does: required fields, IPs,
ports, enums (case-insensitive), and the target VM / NIC references."""

from __future__ import annotations

from typing import Any

from ..netmodel import IpConfig, NetworkModel, Nic, key_of
from ..netmodel.addr import try_ip
from .errors import error, not_found


def field(body: dict[str, Any], name: str, required: bool = True) -> Any:
    if not isinstance(body, dict):
        raise error("bad_format", "The request content was invalid and could not be deserialized.")
    for k, v in body.items():
        if k.lower() == name.lower():
            if v in (None, "") and required:
                break
            return v
    if required:
        raise error("bad_format", f"Required property '{name}' not found in JSON.", name)
    return None


def enum(body: dict[str, Any], name: str, allowed: list[str], required: bool = True) -> str | None:
    v = field(body, name, required)
    if v is None:
        return None
    for a in allowed:
        if str(v).lower() == a.lower():
            return a
    raise error("bad_format", f"The value '{v}' of parameter '{name}' is not valid. Allowed values are "
                f"{', '.join(allowed)}.", name)


def ip(body: dict[str, Any], name: str, required: bool = True) -> tuple[int, str] | None:
    v = field(body, name, required)
    if v is None:
        return None
    x = try_ip(v) if isinstance(v, str) else None
    if x is None:
        raise error("bad_format", f"The value '{v}' of parameter '{name}' is not a valid IP address.", name)
    return x, str(v).strip()


def port(body: dict[str, Any], name: str, required: bool = True) -> int | None:
    """A single port 0-65535; ``*`` means any (None)."""
    v = field(body, name, required)
    if v is None or str(v).strip() == "*":
        return None
    s = str(v).strip()
    if isinstance(v, bool) or not s.isdigit() or not 0 <= int(s) <= 65535:
        raise error("bad_format", f"The value '{v}' of parameter '{name}' is not a valid port. Acceptable "
                    "values are a single integer in the range (0-65535) or *.", name)
    return int(s)


def resource_id(body: dict[str, Any], name: str, required: bool = True) -> str | None:
    v = field(body, name, required)
    if v is None:
        return None
    if not isinstance(v, str) or not v.strip().lower().startswith("/subscriptions/"):
        raise error("bad_format", f"The value '{v}' of parameter '{name}' is not a valid resource id.", name)
    return v.strip()


def target_nics(model: NetworkModel, target_id: str, nic_id: str | None = None) -> tuple[str | None, list[Nic]]:
    """The VM (key) and its NICs for a target that is a VM or a NIC; ``nic_id`` narrows to one NIC."""
    tkey = key_of(target_id)
    if tkey in model.vms or "/microsoft.compute/virtualmachines/" in tkey:
        if tkey not in model.vms:
            raise not_found(target_id)
        nics = model.nics_of_vm(tkey)
        vm_key: str | None = tkey
    elif tkey in model.nics:
        nics, vm_key = [model.nics[tkey]], model.vm_of_nic(tkey)
    elif "/microsoft.network/networkinterfaces/" in tkey:
        raise not_found(target_id)
    else:
        raise error("bad_reference", f"Target resource '{target_id}' is not a virtual machine or a network "
                    "interface.", "targetResourceId")
    if nic_id:
        nkey = key_of(nic_id)
        if nkey not in model.nics:
            raise not_found(nic_id)
        if all(n.key != nkey for n in nics):
            raise error("bad_reference", f"Network interface '{nic_id}' is not attached to virtual machine "
                        f"'{target_id}'.", "targetNicResourceId")
        nics = [model.nics[nkey]]
    if not nics:
        raise error("bad_reference", f"Virtual machine '{target_id}' has no network interfaces.", "targetResourceId")
    return vm_key, nics


def ipconfig_with(nics: list[Nic], ip_value: int, ip_text: str, what: str, target: str) -> IpConfig:
    for n in nics:
        for c in n.ipconfigs:
            if c.ip == ip_value:
                return c
    raise error("bad_ip", f"The {what} IP address '{ip_text}' is not assigned to any network interface of "
                f"'{target}'.", what)


def require_single_nic(nics: list[Nic], nic_id: str | None, target: str) -> None:
    if nic_id is None and len(nics) > 1 and any(n.ip_forwarding for n in nics):
        raise error("nic_required", f"Virtual machine '{target}' has multiple network interfaces and IP forwarding "
                    "is enabled on one of them: specify targetNicResourceId.", "targetNicResourceId")
