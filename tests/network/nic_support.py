"""Shared helpers for the public IP / NIC / NAT / private link / LB tests.

``ensure_vnet_types`` registers a minimal stand-in for virtualNetworks and
subnets only while the real types (another helper's work) are not loaded, so
these tests do not depend on that work's timing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from aznet.arm.registry import REGISTRY, Hooks, ResourceType
from aznet.resources.network.ref_checks import API_VERSIONS

LOC = "westeurope"


def ensure_vnet_types() -> None:
    if REGISTRY.get("Microsoft.Network/virtualNetworks") is not None:
        return
    REGISTRY.add(ResourceType("Microsoft.Network/virtualNetworks", API_VERSIONS, hooks=Hooks(),
                              inline_children={"subnets": "Microsoft.Network/virtualNetworks/subnets"}))
    REGISTRY.add(ResourceType("Microsoft.Network/virtualNetworks/subnets", API_VERSIONS, location="none",
                              hooks=Hooks()))


def make_vnet(net: Any, rg: str, name: str = "vnet", prefixes: tuple[str, ...] = ("10.0.0.0/16",),
              subnets: dict[str, Any] | None = None, location: str = LOC, **props: Any) -> Any:
    ensure_vnet_types()
    subnets = subnets if subnets is not None else {"default": "10.0.0.0/24"}
    subs = []
    for sname, spec in subnets.items():
        sprops = {"addressPrefix": spec} if isinstance(spec, str) else dict(spec)
        subs.append({"name": sname, "properties": sprops})
    body = {"location": location, "properties": {"addressSpace": {"addressPrefixes": list(prefixes)},
                                                 "subnets": subs, **props}}
    return net.virtual_networks.begin_create_or_update(rg, name, body).result()


def subnet_id(aznet: Any, rg: str, vnet: str = "vnet", subnet: str = "default") -> str:
    return (f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/"
            f"virtualNetworks/{vnet}/subnets/{subnet}")


def rid(aznet: Any, rg: str, rtype: str, name: str, provider: str = "Microsoft.Network") -> str:
    return f"/subscriptions/{aznet.subscription_id}/resourceGroups/{rg}/providers/{provider}/{rtype}/{name}"


def nic_body(subnet: str, location: str = LOC, **ipprops: Any) -> dict[str, Any]:
    return {"location": location,
            "properties": {"ipConfigurations": [{"name": "ipconfig1",
                                                 "properties": {"subnet": {"id": subnet}, **ipprops}}]}}


def error_detail(fn: Any, *args: Any, **kw: Any) -> tuple[int, str, str]:
    """(status, ARM error code, message) of an SDK call expected to fail (a poller is waited on)."""
    with pytest.raises(HttpResponseError) as info:
        result = fn(*args, **kw)
        if hasattr(result, "result"):
            result.result()
    err = info.value.error
    return info.value.status_code, (err.code if err else ""), (err.message if err else str(info.value.message))


def error_of(fn: Any, *args: Any, **kw: Any) -> tuple[int, str]:
    """(status, ARM error code) of an SDK call expected to fail."""
    return error_detail(fn, *args, **kw)[:2]


@contextlib.contextmanager
def retired_allowed(aznet: Any) -> Iterator[None]:
    """AZNET_ALLOW_RETIRED=1 for the block: retired SKUs (classic CDN and Front Door, Basic public IPs, v1
    gateways …) can be created, as in an older estate; the setting is as it was afterwards."""
    settings = aznet.platform.settings
    old = settings.allow_retired
    settings.allow_retired = True
    try:
        yield
    finally:
        settings.allow_retired = old


def as_dict(model: Any) -> dict[str, Any]:
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def make_storage_account(aznet: Any, rg: str, name: str, location: str = LOC) -> str:
    """A StorageV2 account (private endpoint targets must exist); returns its id."""
    from azure.mgmt.storage import StorageManagementClient

    client = aznet.client(StorageManagementClient)
    return client.storage_accounts.begin_create(rg, name, {"location": location, "sku": {"name": "Standard_LRS"},
                                                           "kind": "StorageV2"}).result().id
