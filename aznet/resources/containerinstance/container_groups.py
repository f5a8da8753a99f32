"""Microsoft.ContainerInstance/containerGroups: the configuration (no container
runtime), enough for "Deploy container instances into an Azure virtual network".

- ``osType`` Linux / Windows and at least one container (name, image, resource
  requests with cpu > 0 and memoryInGB > 0, ports 1-65535) are required;
  container names unique, 1-63 lower-case letters, digits and hyphens.
- ``restartPolicy`` Always / OnFailure / Never.
- ``subnetIds``: one subnet, which must be delegated to
  Microsoft.ContainerInstance/containerGroups; the group then gets a private IP
  from it (``ipAddress.type`` Private; Public is refused with a subnet).
- ``ipAddress.type`` Public (without a subnet) is stored without an address (no container
  runtime answers on one); ``dnsNameLabel`` gives ``<label>.<region>.azurecontainer.io``.
- ``instanceView.state`` Running; ``provisioningState`` Succeeded.

Codes are best readings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...arm.versions import supported
from .. import private_link_targets as plt
from ..network.ip_allocation import allocator, subnet_prefixes

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.ContainerInstance/containerGroups"
API_VERSIONS = supported("containerinstance")
DELEGATION = "Microsoft.ContainerInstance/containerGroups"
CONTAINER_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def bad(message: str, code: str = "InvalidContainerGroup") -> ArmError:
    return ArmError(400, code, message)


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise bad(f"{what} must be a number greater than 0.", "InvalidResourceRequests")
    return float(value)


class ContainerGroupHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        if props.get("osType") not in ("Linux", "Windows"):
            raise bad("properties.osType is required: Linux or Windows.", "InvalidOsType")
        containers = props.get("containers")
        if not isinstance(containers, list) or not containers:
            raise bad("A container group needs at least one container.", "NoContainersInContainerGroup")
        seen = set()
        for i, c in enumerate(containers):
            if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not CONTAINER_NAME.match(c["name"]):
                raise bad(f"Container {i} needs a name of 1-63 lower-case letters, digits and hyphens.",
                          "InvalidContainerName")
            if c["name"] in seen:
                raise bad(f"Container name '{c['name']}' is used twice.", "DuplicateContainerName")
            seen.add(c["name"])
            cp = c.get("properties") or {}
            if not isinstance(cp.get("image"), str) or not cp["image"]:
                raise bad(f"Container {c['name']} needs an image.", "InvalidImage")
            req = ((cp.get("resources") or {}).get("requests")) or {}
            _positive(req.get("cpu"), f"Container {c['name']}: resources.requests.cpu")
            _positive(req.get("memoryInGB"), f"Container {c['name']}: resources.requests.memoryInGB")
            for p in cp.get("ports") or []:
                port = (p or {}).get("port")
                if not isinstance(port, int) or not 1 <= port <= 65535:
                    raise bad(f"Container {c['name']}: port {port} is not between 1 and 65535.", "InvalidPort")
        policy = props.get("restartPolicy", "Always")
        if policy not in ("Always", "OnFailure", "Never"):
            raise bad("properties.restartPolicy must be Always, OnFailure or Never.", "InvalidRestartPolicy")
        props["restartPolicy"] = policy
        subnets = props.get("subnetIds") or []
        if not isinstance(subnets, list) or len(subnets) > 1:
            raise bad("A container group can be deployed into one subnet.", "InvalidSubnetIds")
        ip = props.get("ipAddress")
        if ip is not None and (not isinstance(ip, dict) or ip.get("type") not in ("Public", "Private")):
            raise bad("properties.ipAddress.type must be Public or Private.", "InvalidIpAddressType")
        if subnets:
            sid = plt.check_delegated_subnet(ctx, (subnets[0] or {}).get("id"), new["id"], DELEGATION,
                                             "properties.subnetIds[0].id", "SubnetNotDelegated")
            if (ctx.body(sid.split("/subnets/")[0]) or {}).get("location") != new["location"]:
                raise bad("The subnet must be in the container group's region.", "InvalidSubnetIds")
            if ip is not None and ip.get("type") == "Public":
                raise bad("A container group in a virtual network cannot have a public IP address.",
                          "PublicIPAddressNotSupportedInVirtualNetwork")
            props["subnetIds"] = [{"id": sid}]
        elif ip is not None and ip.get("type") == "Private":
            raise bad("A private IP address needs properties.subnetIds.", "PrivateIPAddressNeedsSubnet")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        private = new.setdefault("_aznet", {})
        ip = props.get("ipAddress")
        if props.get("subnetIds"):
            sid = props["subnetIds"][0]["id"]
            claims = [c for c in private.get("ipClaims") or [] if c.get("subnet", "").lower() == sid.lower()]
            if claims:
                addr = claims[0]["ip"]
            else:
                nets = [n for n in subnet_prefixes(ctx.body(sid)) if n.version == 4]
                addr = str(allocator(ctx).dynamic(sid, sid.rsplit("/", 1)[-1], nets, 4, new["id"], new["id"]))
            private["ipClaims"] = [{"subnet": sid, "ip": addr, "ipConfiguration": new["id"]}]
            ip = dict(ip or {}, type="Private", ip=addr)
        elif ip is not None:
            private.pop("ipClaims", None)
            ip = dict(ip)          # no public address: nothing runs the containers (see the module docstring)
            if ip.get("dnsNameLabel"):
                ip["fqdn"] = f"{ip['dnsNameLabel']}.{new['location']}.azurecontainer.io"
        if ip is not None:
            ip.setdefault("ports", [p for c in props["containers"] for p in (c.get("properties") or {}).get("ports")
                                    or []])
            props["ipAddress"] = ip
        props["instanceView"] = {"state": "Running", "events": []}


REGISTRY.add(ResourceType(TYPE, API_VERSIONS, model="ContainerGroup", schema_package="containerinstance",
                          hooks=ContainerGroupHooks(),
                          names=NameRule(1, 63, r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
                                         "The name can contain lower-case letters, digits and hyphens.")))
