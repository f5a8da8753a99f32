"""Microsoft.Compute/availabilitySets: fault and update domain counts, the Aligned (managed disks) or Classic
SKU, and the VMs placed in the set (``virtualMachines``, computed at read time from the VMs that name it).
A VM names its set in ``properties.availabilitySet``; the set must exist, in the VM's resource group and
region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..network.ref_checks import integer
from . import catalog
from .api_versions import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Compute/availabilitySets"
VM_TYPE = typenames.VM.lower()
MAX_FAULT_DOMAINS = 3          # region dependent in Azure (2 or 3); aznet allows 3 everywhere
MAX_UPDATE_DOMAINS = 20
SKUS = ("Aligned", "Classic")


def invalid(target: str, message: str) -> ArmError:
    return ArmError(400, "InvalidParameter", message, target=target)


def members(ctx: Ctx, set_id: str) -> list[str]:
    own = normalize(set_id)
    out = []
    for rec in ctx.referrers(set_id):
        ref = ((rec.body.get("properties") or {}).get("availabilitySet") or {}).get("id")
        if rec.type.lower() == VM_TYPE and isinstance(ref, str) and normalize(ref) == own:
            out.append(rec.id)
    return sorted(out, key=str.lower)


class AvailabilitySetHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new.setdefault("properties", {})
        fd = integer(props.get("platformFaultDomainCount"), "properties.platformFaultDomainCount", 2)
        ud = integer(props.get("platformUpdateDomainCount"), "properties.platformUpdateDomainCount", 5)
        assert fd is not None and ud is not None
        if not 1 <= fd <= MAX_FAULT_DOMAINS:
            raise invalid("platformFaultDomainCount", f"The specified fault domain count {fd} must fall in the "
                                                      f"range 1 to {MAX_FAULT_DOMAINS}.")
        if not 1 <= ud <= MAX_UPDATE_DOMAINS:
            raise invalid("platformUpdateDomainCount", f"The specified update domain count {ud} must fall in the "
                                                       f"range 1 to {MAX_UPDATE_DOMAINS}.")
        if fd == 1 and ud != 1:
            raise invalid("platformUpdateDomainCount", "The update domain count must be 1 when fault domain count "
                                                       "is 1.")
        if old is not None:
            oldp = old.get("properties") or {}
            for key, value in (("platformFaultDomainCount", fd), ("platformUpdateDomainCount", ud)):
                if oldp.get(key) is not None and oldp[key] != value:
                    raise ArmError(409, "PropertyChangeNotAllowed", f"Changing property '{key}' is not allowed.",
                                   target=key)
        props["platformFaultDomainCount"] = fd
        props["platformUpdateDomainCount"] = ud
        sku = new.get("sku")
        name = (sku or {}).get("name") if isinstance(sku, dict) else None
        if sku is not None and not isinstance(sku, dict):
            raise invalid("sku", "The value of parameter sku is invalid.")
        if name is None:
            name = "Classic"
        match = next((s for s in SKUS if s.lower() == str(name).lower()), None)
        if match is None:
            raise invalid("sku.name", f"The value {name} of parameter sku.name is invalid. Allowed values are "
                                      f"{', '.join(SKUS)}.")
        new["sku"] = {"name": match}

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new["properties"].pop("virtualMachines", None)
        new["properties"].pop("statuses", None)

    def before_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        used = members(ctx, body["id"])
        if used:
            raise ArmError(409, "OperationNotAllowed",
                           f"Availability set {body['name']} cannot be deleted. Before deleting an availability "
                           f"set please ensure that it does not contain any VM: {', '.join(used)}.")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        body.setdefault("properties", {})["virtualMachines"] = [{"id": v} for v in members(ctx, body["id"])]


def check_vm_placement(ctx: Ctx, vm: dict[str, Any]) -> None:
    """A VM's ``availabilitySet``: it exists, in the VM's resource group and region."""
    ref = (vm.get("properties") or {}).get("availabilitySet")
    if ref is None:
        return
    rid = ref.get("id") if isinstance(ref, dict) else None
    if not isinstance(rid, str):
        raise invalid("availabilitySet", "The value of parameter availabilitySet.id is invalid.")
    parsed = parse_resource_id(rid)
    if parsed is None or parsed.full_type.lower() != TYPE.lower():
        raise invalid("availabilitySet.id", f"The value {rid} of parameter availabilitySet.id is invalid.")
    vm_rid = parse_resource_id(vm["id"])
    assert vm_rid is not None
    body = ctx.body(rid)
    if body is None:
        raise ArmError(404, "NotFound", f"The Availability Set '{rid}' cannot be found.", target="availabilitySet")
    if (parsed.resource_group or "").lower() != (vm_rid.resource_group or "").lower():
        raise invalid("availabilitySet.id", f"The availability set {rid} must be in the same resource group as the "
                                            f"virtual machine {vm['name']}.")
    if body.get("location") != vm.get("location"):
        raise invalid("availabilitySet.id", f"The availability set {rid} is in location {body.get('location')}, "
                                            f"not in the virtual machine's location {vm.get('location')}.")
    if vm.get("zones"):
        raise invalid("availabilitySet", "A virtual machine cannot be placed both in an availability set and in "
                                         "an availability zone.")
    vm["properties"]["availabilitySet"] = {"id": body["id"]}


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="AvailabilitySet", schema_package="compute",
                          hooks=AvailabilitySetHooks(), long_running=False, provisioning_state=False, etag=False,
                          names=NameRule(1, 80), created_status=200,   # Compute's spec has no 201
                          actions=[Action("vmSizes", lambda ctx, body, _p: (200, {"value": catalog.size_list()}),
                                          method="GET")]))


