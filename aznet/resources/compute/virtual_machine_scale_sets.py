"""Microsoft.Compute/virtualMachineScaleSets, minimal: sku capacity, the VM
profile (network interface configurations with subnets and load-balancer
pools), instances with private IPs allocated in their subnets, the instance and
NIC listings Azure offers, power actions. Nothing runs yet.

Each instance's private IPs are held in the scale set's private state
(``_aznet.ipClaims``), so the subnet's allocation sees them like NIC addresses.
Flexible orchestration is answered like Uniform (instances are not separate
virtualMachines resources yet)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.ids import normalize, parse_resource_id
from ...arm.registry import REGISTRY, Action, Hooks, ResourceType
from ..member_actions import set_member
from ..network import network_interfaces as nics
from ..network.ip_allocation import allocator, parse_ip, subnet_prefixes
from ..network.ref_checks import API_VERSIONS as NETWORK_VERSIONS
from ..network.ref_checks import boolean, enum, integer, ref_id, resolve
from . import catalog
from .api_versions import API_VERSIONS
from .virtual_machines import POWER_TEXT, check_os_profile, check_storage, invalid, now

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = typenames.VMSS
SUBNET_TYPE = typenames.SUBNET
POOL_TYPE = "Microsoft.Network/loadBalancers/backendAddressPools"


def nic_configs(props: dict[str, Any]) -> list[dict[str, Any]]:
    return (((props.get("virtualMachineProfile") or {}).get("networkProfile") or {})
            .get("networkInterfaceConfigurations") or [])


class ScaleSetHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        sku = new.get("sku") or {}
        size = catalog.size(str(sku.get("name"))) if isinstance(sku, dict) else None
        if size is None:
            raise invalid("sku.name", f"The value {sku.get('name') if isinstance(sku, dict) else sku} provided "
                                      "for the VM size is not valid.")
        capacity = integer(sku.get("capacity"), "sku.capacity", 2)
        if capacity is None or not 0 <= capacity <= 1000:
            raise invalid("sku.capacity", f"The value {capacity} of sku.capacity is not valid: 0 to 1000.")
        new["sku"] = {"name": size[0], "tier": sku.get("tier", "Standard"), "capacity": capacity}
        props["orchestrationMode"] = enum(props.get("orchestrationMode"), ("Uniform", "Flexible"),
                                          "properties.orchestrationMode", "OrchestrationMode", "Uniform")
        policy = props.get("upgradePolicy") or {}
        props["upgradePolicy"] = {**policy, "mode": enum(policy.get("mode"), ("Manual", "Automatic", "Rolling"),
                                                         "properties.upgradePolicy.mode", "UpgradeMode", "Manual")}
        profile = props.get("virtualMachineProfile")
        if not isinstance(profile, dict):
            if props["orchestrationMode"] == "Flexible":
                return
            raise invalid("virtualMachineProfile", "Required parameter 'virtualMachineProfile' is missing (null).")
        rid = parse_resource_id(new["id"])
        assert rid is not None
        os_type = check_storage(profile, new["name"], rid.resource_group or "", rid.subscription, None)
        profile["storageProfile"]["osDisk"].pop("name", None)
        profile["storageProfile"]["osDisk"]["managedDisk"].pop("id", None)
        osp = profile.get("osProfile")
        if isinstance(osp, dict):
            prefix = osp.get("computerNamePrefix") or new["name"][:9]
            holder = {"osProfile": {**osp, "computerName": prefix}}
            check_os_profile(holder, new["name"], os_type, None if old is None else
                             {"properties": {"osProfile": (((old.get("properties") or {}).get("virtualMachineProfile")
                                                            or {}).get("osProfile"))}}, required=old is None)
            out = holder["osProfile"]
            out.pop("computerName", None)
            out["computerNamePrefix"] = prefix
            profile["osProfile"] = out
        configs = nic_configs(props)
        if not configs:
            raise invalid("networkInterfaceConfigurations",
                          "Required parameter 'networkInterfaceConfigurations' is missing (null).")
        primaries = 0
        for i, cfg in enumerate(configs):
            cp = cfg.setdefault("properties", {})
            cp["primary"] = boolean(cp.get("primary"), f"networkInterfaceConfigurations[{i}].primary",
                                    len(configs) == 1)
            primaries += bool(cp["primary"])
            nsg = ref_id(cp.get("networkSecurityGroup"))
            if nsg:
                resolve(ctx, nsg, new["id"], "Microsoft.Network/networkSecurityGroups", new["location"])
            ipcs = cp.get("ipConfigurations") or []
            if not ipcs:
                raise invalid("ipConfigurations", f"Network interface configuration {cfg.get('name')} needs at "
                                                  "least one IP configuration.")
            for ipc in ipcs:
                ip = ipc.setdefault("properties", {})
                sub = ref_id(ip.get("subnet"))
                if sub is None:
                    raise invalid("subnet", f"IP configuration {ipc.get('name')} must reference a subnet.")
                resolve(ctx, sub, new["id"], SUBNET_TYPE, new["location"])
                for pool in ip.get("loadBalancerBackendAddressPools") or []:
                    resolve(ctx, ref_id(pool) or "", new["id"], POOL_TYPE, new["location"])
        if primaries != 1:
            raise ArmError(400, "VirtualMachineScaleSetMustHaveOnePrimaryNetworkInterfaceConfiguration",
                           f"Virtual machine scale set {new['name']} must have exactly one primary network "
                           "interface configuration.")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        oldp = (old or {}).get("properties") or {}
        props["uniqueId"] = oldp.get("uniqueId") or str(uuid.uuid4())
        props["timeCreated"] = oldp.get("timeCreated") or now()
        props.setdefault("overprovision", props["orchestrationMode"] == "Uniform")
        props.setdefault("singlePlacementGroup", True)
        private = new.setdefault("_aznet", {})
        private.setdefault("power", "running")
        old_instances = {i["instanceId"]: i for i in private.get("instances") or []}
        alloc = allocator(ctx)
        alloc.release(new["id"])
        instances, claims = [], []
        used: dict[str, set[Any]] = {}
        for n in range(new["sku"]["capacity"]):
            iid = str(n)
            vm_id = f"{new['id']}/virtualMachines/{iid}"
            prev = old_instances.get(iid) or {}
            inst = {"instanceId": iid, "vmId": prev.get("vmId") or str(uuid.uuid4()), "nics": []}
            for cfg in nic_configs(props):
                nic: dict[str, Any] = {"name": cfg["name"], "ipConfigurations": []}
                prev_nic = next((x for x in prev.get("nics") or [] if x["name"] == cfg["name"]), {})
                nic["macAddress"] = prev_nic.get("macAddress") or nics.mac_for(f"{vm_id}/{cfg['name']}")
                for ipc in cfg["properties"]["ipConfigurations"]:
                    sub = ipc["properties"]["subnet"]["id"]
                    ipc_id = f"{vm_id}/networkInterfaces/{cfg['name']}/ipConfigurations/{ipc['name']}"
                    prev_ip = next((x for x in prev_nic.get("ipConfigurations") or []
                                    if x["name"] == ipc["name"] and normalize(x["subnet"]) == normalize(sub)), None)
                    kept = None
                    taken = used.setdefault(normalize(sub), set())
                    if prev_ip:
                        kept = parse_ip(prev_ip["ip"])
                        if kept is not None and kept not in taken and alloc.holder(sub, kept, new["id"]) is None:
                            alloc.claim(sub, kept, new["id"], ipc_id)
                        else:
                            kept = None
                    version = 6 if ipc["properties"].get("privateIPAddressVersion") == "IPv6" else 4
                    ip = kept or alloc.dynamic(sub, sub.rsplit("/", 1)[-1], subnet_prefixes(ctx.body(sub)), version,
                                               new["id"], ipc_id, taken)
                    taken.add(ip)
                    nic["ipConfigurations"].append({"name": ipc["name"], "subnet": sub, "ip": str(ip),
                                                    "primary": bool(ipc["properties"].get("primary", True))})
                    claims.append({"subnet": sub, "ip": str(ip), "ipConfiguration": ipc_id})
                inst["nics"].append(nic)
            instances.append(inst)
        private["instances"] = instances
        private["ipClaims"] = claims

    def after_delete(self, ctx: Ctx, body: dict[str, Any]) -> None:
        allocator(ctx).release(body["id"])


def _instance(body: dict[str, Any], inst: dict[str, Any], power: str) -> dict[str, Any]:
    vm_id = f"{body['id']}/virtualMachines/{inst['instanceId']}"
    profile = (body.get("properties") or {}).get("virtualMachineProfile") or {}
    return {"name": f"{body['name']}_{inst['instanceId']}", "id": vm_id, "instanceId": inst["instanceId"],
            "type": f"{TYPE}/virtualMachines", "location": body["location"], "sku": {"name": body["sku"]["name"],
                                                                                   "tier": "Standard"},
            "properties": {"latestModelApplied": True, "vmId": inst["vmId"], "provisioningState": "Succeeded",
                           "hardwareProfile": {"vmSize": body["sku"]["name"]},
                           "storageProfile": profile.get("storageProfile"),
                           "networkProfile": {"networkInterfaces": [
                               {"id": f"{vm_id}/networkInterfaces/{n['name']}"} for n in inst["nics"]]},
                           "instanceView": {"statuses": [
                               {"code": f"PowerState/{power}", "level": "Info", "displayStatus": POWER_TEXT[power]}]}}}


def _stored(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    return (ctx.body(body["id"]) or {}).get("_aznet") or {}


def list_instances(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    private = _stored(ctx, body)
    power = private.get("power", "running")
    return 200, {"value": [_instance(body, i, power) for i in private.get("instances") or []]}


def list_nics(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    """``.../virtualMachineScaleSets/{vmss}/networkInterfaces``: the instances' NICs, NIC-shaped."""
    out = []
    for inst in _stored(ctx, body).get("instances") or []:
        vm_id = f"{body['id']}/virtualMachines/{inst['instanceId']}"
        for n, nic in enumerate(inst["nics"]):
            nic_id = f"{vm_id}/networkInterfaces/{nic['name']}"
            out.append({"name": nic["name"], "id": nic_id, "location": body["location"], "properties": {
                "provisioningState": "Succeeded", "primary": n == 0, "macAddress": nic["macAddress"],
                "virtualMachine": {"id": vm_id}, "ipConfigurations": [
                    {"name": c["name"], "id": f"{nic_id}/ipConfigurations/{c['name']}", "properties": {
                        "provisioningState": "Succeeded", "privateIPAddress": c["ip"],
                        "privateIPAllocationMethod": "Dynamic", "privateIPAddressVersion":
                            "IPv6" if ":" in c["ip"] else "IPv4", "subnet": {"id": c["subnet"]},
                        "primary": c["primary"]}} for c in nic["ipConfigurations"]]}})
    return 200, {"value": out}


def instance_view(ctx: Ctx, body: dict[str, Any], _payload: Any) -> tuple[int, Any]:
    private = _stored(ctx, body)
    power = private.get("power", "running")
    count = len(private.get("instances") or [])
    return 200, {"virtualMachine": {"statusesSummary": [{"code": "ProvisioningState/succeeded", "count": count}]},
                 "statuses": [{"code": "ProvisioningState/succeeded", "level": "Info",
                               "displayStatus": "Provisioning succeeded", "time": now()}],
                 "orchestrationServices": [],
                 "powerState": POWER_TEXT[power]}


ACTIONS = [
    Action("start", set_member("_aznet", "power", "running"), long_running=True),
    Action("restart", set_member("_aznet", "power", "running"), long_running=True),
    Action("powerOff", set_member("_aznet", "power", "stopped"), long_running=True),
    Action("deallocate", set_member("_aznet", "power", "deallocated"), long_running=True),
    Action("virtualMachines", list_instances, method="GET"),
    Action("instanceView", instance_view, method="GET"),
    Action("networkInterfaces", list_nics, method="GET",
           api_versions=tuple(dict.fromkeys((*API_VERSIONS, *NETWORK_VERSIONS)))),
]

REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="VirtualMachineScaleSet", schema_package="compute",
                          hooks=ScaleSetHooks(), actions=ACTIONS))
