"""An in-memory ResourceOps for the engine tests."""

from __future__ import annotations

import copy
from typing import Any

from aznet.deployments.engine import DeploymentResourceError, Scope

SCOPE = Scope("sub-1", "tenant-1", "rg1", "westeurope", "dep1", "/subscriptions/sub-1/resourceGroups/rg1",
              {"env": "test"})
SUB_SCOPE = Scope("sub-1", "tenant-1", None, None, "subdep", deployment_location="northeurope")
RG = "/subscriptions/sub-1/resourceGroups/rg1"


class FakeOps:
    """Stores what is PUT; GET returns it with id/name/type and provisioningState, as ARM does. Public IPs get
    an address, so reference() has a server-side value to read."""

    def __init__(self, fail: dict[str, tuple[str, str, int]] | None = None,
                 existing: dict[str, dict[str, Any]] | None = None) -> None:
        self.resources: dict[str, dict[str, Any]] = {k.lower(): v for k, v in (existing or {}).items()}
        self.puts: list[tuple[str, str, dict[str, Any]]] = []
        self.gets: list[str] = []
        self.fail = fail or {}      # resource name -> (code, message, status)
        self._ips = 0

    def put(self, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        name = resource_id.rsplit("/", 1)[-1]
        if name in self.fail:
            code, message, status = self.fail[name]
            raise DeploymentResourceError(code, message, status)
        self.puts.append((resource_id, api_version, copy.deepcopy(body)))
        segs = resource_id.split("/")
        rtype = "/".join([segs[segs.index("providers") + 1]] + segs[segs.index("providers") + 2::2]) \
            if "providers" in segs else "Microsoft.Resources/resourceGroups"
        res = {"id": resource_id, "name": name, "type": rtype, **copy.deepcopy(body)}
        props = res.setdefault("properties", {})
        props["provisioningState"] = "Succeeded"
        if rtype == "Microsoft.Network/publicIPAddresses":
            self._ips += 1
            props["ipAddress"] = f"203.0.113.{self._ips}"
        self.resources[resource_id.lower()] = res
        return copy.deepcopy(res)

    def get(self, resource_id: str, api_version: str | None) -> dict[str, Any]:
        self.gets.append(resource_id)
        res = self.resources.get(resource_id.lower())
        if res is None:
            raise DeploymentResourceError("ResourceNotFound", f"The Resource '{resource_id}' was not found.", 404)
        return copy.deepcopy(res)

    def names(self) -> list[str]:
        return [rid.rsplit("/", 1)[-1] for rid, _, _ in self.puts]


def template(resources: Any = (), **extra: Any) -> dict[str, Any]:
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": list(resources), **extra}


def vnet(name: str, **kw: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": name,
            "location": "[resourceGroup().location]",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}, **kw}


class ActionOps(FakeOps):
    """FakeOps whose resources answer POST actions: ``actions[(type lower, action lower)] -> fn(body, payload)``."""

    def __init__(self, actions: dict[tuple[str, str], Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.actions = actions
        self.calls: list[tuple[str, str, str | None, Any]] = []

    def action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        res = self.get(resource_id, api_version)
        fn = self.actions.get((res["type"].lower(), action.lower()))
        if fn is None:
            raise DeploymentResourceError("NotFound", f"The action '{action}' is not supported on '{res['type']}'.",
                                          404)
        self.calls.append((resource_id, action, api_version, body))
        return fn(res, body)
