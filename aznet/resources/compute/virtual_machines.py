"""Microsoft.Compute/virtualMachines, minimal: the shape Azure returns, the
networking rules, power state and instance view. Nothing runs yet: a VM is the
place a later issue attaches a real workload.

Power actions (start, powerOff, deallocate, restart) are long-running POSTs; a
deallocated VM gives back the Dynamic public IPs of its NICs, as in Azure."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Action, Hooks, NameRule, ResourceType
from ..network import edge_zones
from ..network import network_interfaces as nics
from ..network import public_ip_addresses as pips
from ..network.ref_checks import boolean, resolve
from . import catalog
from .api_versions import API_VERSIONS
from .availability_sets import check_vm_placement

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.VM
POWER_TEXT = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated"}


def invalid(target: str, message: str) -> ArmError:
    return ArmError(400, "InvalidParameter", message, target=target)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def image_of(storage: dict[str, Any]) -> tuple[str, str, str, str, str, str] | None:
    ref = storage.get("imageReference") or {}
    if ref.get("publisher") and ref.get("offer") and ref.get("sku"):
        return catalog.image(ref["publisher"], ref["offer"], ref["sku"])
    return None


def check_network_profile(ctx: Ctx, owner_id: str, location: str, profile: Any, size_name: str,
                          required: bool = True) -> list[dict[str, Any]]:
    """The NIC references of a VM (or VMSS instance): they exist, are free and follow Azure's rules."""
    if profile is None:
        profile = {}
    if not isinstance(profile, dict):
        raise invalid("networkProfile", "The value of parameter networkProfile is invalid.")
    refs = profile.get("networkInterfaces") or []
    if not isinstance(refs, list):
        raise invalid("networkInterfaces", "The value of parameter networkProfile.networkInterfaces is invalid.")
    if not refs and required and not profile.get("networkInterfaceConfigurations"):
        raise invalid("networkProfile", "Required parameter 'networkProfile' is missing (null).")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    primaries = 0
    for i, ref in enumerate(refs):
        nic_id = ref.get("id") if isinstance(ref, dict) else None
        if not isinstance(nic_id, str):
            raise invalid(f"networkInterfaces[{i}].id", "The value of parameter networkInterfaces.id is invalid.")
        if normalize(nic_id) in seen:
            raise invalid("networkInterfaces", f"Network interface {nic_id} is referenced more than once.")
        seen.add(normalize(nic_id))
        nic = resolve(ctx, nic_id, owner_id, nics.TYPE, location)
        for _rtype, holder in nics.attached_to(ctx, nic_id):
            if normalize(holder) != normalize(owner_id):
                raise ArmError(400, "NicInUse",
                               f"Network Interface {nic_id} is used by existing resource {holder}. In order to "
                               "use it, it must be dissociated from that resource.")
        rprops = ref.get("properties") or {}
        primary = boolean(rprops.get("primary"), f"networkInterfaces[{i}].properties.primary")
        if primary:
            primaries += 1
        if (nic.get("properties") or {}).get("enableAcceleratedNetworking"):
            size = catalog.size(size_name)
            if size is not None and not size[6]:
                raise ArmError(400, "VMSizeIsNotPermittedToEnableAcceleratedNetworking",
                               f"VM size {size[0]} is not compatible with enabling accelerated networking on "
                               f"network interface(s) on the VM. Compatible VM sizes: "
                               f"{', '.join(s[0] for s in catalog.SIZES if s[6])}")
        entry: dict[str, Any] = {"id": nic_id}
        props = {k: v for k, v in rprops.items() if k in ("primary", "deleteOption")}
        if props:
            entry["properties"] = props
        out.append(entry)
    if len(out) > 1 and primaries != 1:
        name = owner_id.rsplit("/", 1)[-1]
        raise ArmError(400, "VirtualMachineMustHaveOneNetworkInterfaceAsPrimary",
                       f"Virtual machine {name} must have one network interface set as the primary.")
    size = catalog.size(size_name)
    if size is not None and len(out) > size[5]:
        raise ArmError(400, "NetworkInterfaceCountExceeded",
                       f"The number of network interfaces for virtual machine {owner_id.rsplit('/', 1)[-1]} "
                       f"exceeds the maximum allowed for the virtual machine size {size[0]}. The number of network "
                       f"interfaces is {len(out)} and the maximum allowed is {size[5]}.")
    return out


def check_hardware(props: dict[str, Any]) -> str:
    hw = props.get("hardwareProfile") or {}
    name = hw.get("vmSize") if isinstance(hw, dict) else None
    if not isinstance(name, str) or catalog.size(name) is None:
        raise invalid("vmSize", f"The value {name} provided for the VM size is not valid. The valid sizes in the "
                                f"current region are: {', '.join(s[0] for s in catalog.SIZES)}.")
    props["hardwareProfile"] = {**hw, "vmSize": catalog.size(name)[0]}  # type: ignore[index]
    return props["hardwareProfile"]["vmSize"]


def check_storage(props: dict[str, Any], vm_name: str, scope_rg: str, sub: str,
                  old: dict[str, Any] | None = None) -> str:
    """Validate the storage profile, fill Azure's defaults; returns the OS type."""
    storage = props.get("storageProfile") or {}
    if not isinstance(storage, dict):
        raise invalid("storageProfile", "The value of parameter storageProfile is invalid.")
    ref = storage.get("imageReference") or {}
    os_disk = dict(storage.get("osDisk") or {})
    os_type = os_disk.get("osType")
    if ref.get("publisher") or ref.get("offer") or ref.get("sku"):
        img = image_of(storage)
        version = ref.get("version") or "latest"
        if img is None or (version != "latest" and version not in catalog.VERSIONS):
            raise ArmError(404, "PlatformImageNotFound",
                           f"The platform image '{ref.get('publisher')}:{ref.get('offer')}:{ref.get('sku')}:"
                           f"{version}' is not available. Verify that all fields in the storage profile are "
                           "correct. For more details about storage profile information, please refer to "
                           "https://aka.ms/storageprofile")
        ref = {"publisher": img[0], "offer": img[1], "sku": img[2], "version": version,
               "exactVersion": catalog.VERSIONS[-1] if version == "latest" else version}
        os_type = img[3]
    elif not ref.get("id") and not ref.get("sharedGalleryImageId") and os_disk.get("createOption") != "Attach":
        raise invalid("imageReference", "Required parameter 'imageReference' is missing (null).")
    os_type = os_type or "Linux"
    old_disk = ((((old or {}).get("properties") or {}).get("storageProfile") or {}).get("osDisk") or {})
    disk_name = os_disk.get("name") or old_disk.get("name") or f"{vm_name}_OsDisk_1_{uuid.uuid4().hex}"
    managed = dict(os_disk.get("managedDisk") or {})
    managed.setdefault("storageAccountType", "Premium_LRS")
    managed.setdefault("id", f"/subscriptions/{sub}/resourceGroups/{scope_rg.upper()}/providers/"
                             f"Microsoft.Compute/disks/{disk_name}")
    os_disk.update({"osType": os_type, "name": disk_name, "createOption": os_disk.get("createOption", "FromImage"),
                    "caching": os_disk.get("caching", "ReadWrite"), "managedDisk": managed,
                    "deleteOption": os_disk.get("deleteOption", "Detach"),
                    "diskSizeGB": os_disk.get("diskSizeGB", 30 if os_type == "Linux" else 127)})
    out: dict[str, Any] = {}
    if ref:
        out["imageReference"] = ref
    out["osDisk"] = os_disk
    out["dataDisks"] = list(storage.get("dataDisks") or [])
    out["diskControllerType"] = storage.get("diskControllerType", "SCSI")
    props["storageProfile"] = out
    return os_type


PASSWORD_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


def check_os_profile(props: dict[str, Any], vm_name: str, os_type: str, old: dict[str, Any] | None,
                     required: bool) -> None:
    osp = props.get("osProfile")
    if osp is None:
        if required and old is None:
            raise invalid("osProfile", "Required parameter 'osProfile' is missing (null).")
        if old is not None and (old.get("properties") or {}).get("osProfile"):
            props["osProfile"] = old["properties"]["osProfile"]
        return
    if not isinstance(osp, dict):
        raise invalid("osProfile", "The value of parameter osProfile is invalid.")
    osp = dict(osp)
    user = osp.get("adminUsername")
    if not isinstance(user, str) or not user:
        raise invalid("adminUsername", "Required parameter 'adminUsername' is missing (null).")
    oldosp = ((old or {}).get("properties") or {}).get("osProfile") or {}
    if oldosp and oldosp.get("adminUsername") != user:
        raise ArmError(409, "PropertyChangeNotAllowed", "Changing property 'osProfile.adminUsername' is not allowed.",
                       target="osProfile.adminUsername")
    password = osp.pop("adminPassword", None)
    linux = dict(osp.get("linuxConfiguration") or {}) if os_type == "Linux" else None
    if password is not None:
        low, high = (6, 72) if os_type == "Linux" else (8, 123)
        if not isinstance(password, str) or not low <= len(password) <= high \
                or sum(bool(re.search(c, password)) for c in PASSWORD_CLASSES) < 3:
            raise invalid("adminPassword", "The supplied password must be between "
                                           f"{low}-{high} characters long and must satisfy at least 3 of password "
                                           "complexity requirements from the following: 1) Contains an uppercase "
                                           "character 2) Contains a lowercase character 3) Contains a numeric digit "
                                           "4) Contains a special character 5) Control characters are not allowed")
    if linux is not None:
        keys = ((linux.get("ssh") or {}).get("publicKeys")) or []
        disable = boolean(linux.get("disablePasswordAuthentication"),
                          "osProfile.linuxConfiguration.disablePasswordAuthentication", password is None)
        if disable and not keys and old is None:
            raise invalid("linuxConfiguration", "Authentication using either SSH or by user name and password must "
                                                "be enabled in Linux profile.")
        if not disable and password is None and old is None:
            raise invalid("adminPassword", "Required parameter 'adminPassword' is missing (null).")
        linux["disablePasswordAuthentication"] = disable
        linux.setdefault("provisionVMAgent", True)
        linux.setdefault("patchSettings", {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"})
        linux.setdefault("enableVMAgentPlatformUpdates", False)
        osp["linuxConfiguration"] = linux
    elif os_type == "Windows":
        if password is None and old is None:
            raise invalid("adminPassword", "Required parameter 'adminPassword' is missing (null).")
        win = dict(osp.get("windowsConfiguration") or {})
        win.setdefault("provisionVMAgent", True)
        win.setdefault("enableAutomaticUpdates", True)
        win.setdefault("patchSettings", {"patchMode": "AutomaticByOS", "assessmentMode": "ImageDefault"})
        osp["windowsConfiguration"] = win
    computer = osp.get("computerName") or vm_name
    if len(computer) > (15 if os_type == "Windows" else 64):
        raise invalid("computerName", f"The value of parameter computerName {computer} is too long.")
    osp["computerName"] = computer
    osp.setdefault("secrets", [])
    osp.setdefault("allowExtensionOperations", True)
    osp.setdefault("requireGuestProvisionSignal", True)
    props["osProfile"] = osp


class VirtualMachineHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        edge_zones.check(ctx, new, old)   # extendedLocation rules (edge_zones.py)
        rid = parse_resource_id(new["id"])
        assert rid is not None
        size = check_hardware(props)
        os_type = check_storage(props, new["name"], rid.resource_group or "", rid.subscription, old)
        check_os_profile(props, new["name"], os_type, old,
                         required=bool((props["storageProfile"].get("imageReference") or {}).get("publisher")))
        profile = props.get("networkProfile")
        refs = check_network_profile(ctx, new["id"], new["location"], profile, size)
        props["networkProfile"] = {**(profile or {}), "networkInterfaces": refs}
        zones = new.get("zones")
        if zones is not None and (not isinstance(zones, list) or any(z not in ("1", "2", "3") for z in zones)):
            raise invalid("zones", f"The zones {zones} are not valid for this location.")
        check_vm_placement(ctx, new)
        if old is not None:
            before = ((old.get("properties") or {}).get("availabilitySet") or {}).get("id")
            after = (props.get("availabilitySet") or {}).get("id")
            if (before or "").lower() != (after or "").lower():
                raise ArmError(409, "PropertyChangeNotAllowed", "Changing property 'availabilitySet.id' is not "
                               "allowed.", target="availabilitySet.id")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["vmId"] = oldp.get("vmId") or str(uuid.uuid4())
        props["timeCreated"] = oldp.get("timeCreated") or now()
        props.pop("instanceView", None)
        private = new.setdefault("_aznet", {})
        private.setdefault("power", "running")
        private.setdefault("powerSince", props["timeCreated"])

    def after_write(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        for ref in new["properties"]["networkProfile"]["networkInterfaces"]:
            nics.assign_mac(ctx, ref["id"])
            if new.get("_aznet", {}).get("power") != "deallocated":
                for pip in _nic_pips(ctx, ref["id"]):
                    pips.attach(ctx, pip)

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        for ref in (body.get("properties") or {}).get("networkProfile", {}).get("networkInterfaces") or []:
            if (ref.get("properties") or {}).get("deleteOption") == "Delete" and ctx.record(ref["id"]):
                ctx.delete(ref["id"])


def _nic_pips(ctx: Ctx, nic_id: str) -> list[str]:
    out = []
    for cfg in ((ctx.body(nic_id) or {}).get("properties") or {}).get("ipConfigurations") or []:
        pip = ((cfg.get("properties") or {}).get("publicIPAddress") or {}).get("id")
        if pip:
            out.append(pip)
    return out


def instance_view(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    stored = ctx.body(body["id"]) or body
    private = stored.get("_aznet") or {}
    power = private.get("power", "running")
    props = body.get("properties") or {}
    img = image_of(props.get("storageProfile") or {})
    os_disk = (props.get("storageProfile") or {}).get("osDisk") or {}
    since = private.get("powerSince") or props.get("timeCreated")
    prov = {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
            "time": since}
    view: dict[str, Any] = {
        "computerName": (props.get("osProfile") or {}).get("computerName", body["name"]),
        "osName": (img[1] if img else os_disk.get("osType", "Linux")).lower(),
        "osVersion": img[2] if img else "",
        "hyperVGeneration": img[4] if img else "V1",
        "disks": [{"name": os_disk.get("name", ""), "statuses": [prov]}],
        "statuses": [prov, {"code": f"PowerState/{power}", "level": "Info", "displayStatus": POWER_TEXT[power]}],
    }
    if power == "running":
        view["vmAgent"] = {"vmAgentVersion": "2.13.1.1", "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Ready",
             "message": "Guest Agent is running", "time": since}], "extensionHandlers": []}
    return view


def _set_power(ctx: Ctx, body: dict[str, Any], power: str) -> tuple[int, Any]:
    rec = ctx.record(body["id"])
    assert rec is not None
    stored = dict(rec.body)
    private = dict(stored.get("_aznet") or {})
    before = private.get("power", "running")
    private["power"] = power
    if before != power:
        private["powerSince"] = now()
    stored["_aznet"] = private
    ctx.write_raw(rec.id, stored)
    for ref in (stored.get("properties") or {}).get("networkProfile", {}).get("networkInterfaces") or []:
        for pip in _nic_pips(ctx, ref["id"]):
            if power == "deallocated":
                pips.release(ctx, pip)
            elif power == "running":
                pips.attach(ctx, pip)
    return 200, None


ACTIONS = [
    Action("start", lambda ctx, body, _p: _set_power(ctx, body, "running"), long_running=True),
    Action("restart", lambda ctx, body, _p: _set_power(ctx, body, "running"), long_running=True),
    Action("powerOff", lambda ctx, body, _p: _set_power(ctx, body, "stopped"), long_running=True),
    Action("deallocate", lambda ctx, body, _p: _set_power(ctx, body, "deallocated"), long_running=True),
    Action("instanceView", lambda ctx, body, _p: (200, instance_view(ctx, body)), method="GET"),
    Action("vmSizes", lambda ctx, body, _p: (200, {"value": catalog.size_list()}), method="GET"),
]

def _expand(ctx: Ctx, body: dict[str, Any], expand: str) -> None:
    """``$expand=instanceView`` on GET, as Azure offers it."""
    if "instanceview" in expand.lower():
        body["properties"]["instanceView"] = instance_view(ctx, body)


NAMES = NameRule(min_len=1, max_len=64, pattern=r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$",
                 message="The name can contain only letters, numbers, underscores, periods, and hyphens.")

REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="VirtualMachine", schema_package="compute",
                          hooks=VirtualMachineHooks(), actions=ACTIONS, names=NAMES, expand=_expand))
