"""Helpers for the load balancer data-plane tests: VMs on NICs in a pool, the `aznet vm` CLI, polling."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

from aznet.cli.main import main as aznet_main
from tests.compute.test_vm import vm_body
from tests.network.nic_support import LOC, make_vnet, nic_body, rid, subnet_id


def cli(aznet: Any, *args: str) -> Any:
    """Run ``aznet ARGS --data-dir D`` in-process (it talks to the running server); its JSON output."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = aznet_main([*args, "--data-dir", str(aznet.data_dir)])
    assert code == 0, out.getvalue()
    text = out.getvalue()
    return json.loads(text) if text.strip() else None


def wait_for(fn: Callable[[], Any], timeout: float = 60.0, every: float = 0.2) -> Any:
    """Poll ``fn`` until it returns something truthy (no timing asserts: a generous deadline)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except Exception as exc:  # connection errors of any client, failed checks: try again
            last = exc
        else:
            if last:
                return last
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def pool_id(aznet: Any, rg: str, lb: str = "lb", pool: str = "pool") -> str:
    return f"{rid(aznet, rg, 'loadBalancers', lb)}/backendAddressPools/{pool}"


def make_vms(aznet: Any, net: Any, compute: Any, rg: str, names: list[str], pools: list[str] | None = None,
             nat_rules: dict[str, list[str]] | None = None, vnet: bool = True, **nicprops: Any) -> list[str]:
    """VMs, one NIC each in the VNet's default subnet, their ip configurations in ``pools``."""
    if vnet:
        make_vnet(net, rg)
    out = []
    for name in names:
        props: dict[str, Any] = dict(nicprops)
        if pools:
            props["loadBalancerBackendAddressPools"] = [{"id": p} for p in pools]
        if nat_rules and name in nat_rules:
            props["loadBalancerInboundNatRules"] = [{"id": r} for r in nat_rules[name]]
        net.network_interfaces.begin_create_or_update(rg, f"{name}-nic", nic_body(subnet_id(aznet, rg),
                                                                                   **props)).result()
        nic = rid(aznet, rg, "networkInterfaces", f"{name}-nic")
        compute.virtual_machines.begin_create_or_update(rg, name, vm_body(nic)).result()
        out.append(rid(aznet, rg, "virtualMachines", name, "Microsoft.Compute"))
    return out


def public_ip(net: Any, rg: str, name: str = "lbip", sku: str = "Standard") -> str:
    pip = net.public_ip_addresses.begin_create_or_update(
        rg, name, {"location": LOC, "sku": {"name": sku},
                   "properties": {"publicIPAllocationMethod": "Static"}}).result()
    return str(pip.ip_address)


def lb_body(aznet: Any, rg: str, name: str = "lb", sku: str = "Standard", frontend: dict[str, Any] | None = None,
            rules: list[dict[str, Any]] | None = None, probes: list[dict[str, Any]] | None = None,
            nat_rules: list[dict[str, Any]] | None = None, pools: tuple[str, ...] = ("pool",)) -> dict[str, Any]:
    lb = rid(aznet, rg, "loadBalancers", name)
    fe = frontend or {"publicIPAddress": {"id": rid(aznet, rg, "publicIPAddresses", "lbip")}}
    props: dict[str, Any] = {
        "frontendIPConfigurations": [{"name": "fe", "properties": fe}],
        "backendAddressPools": [{"name": p} for p in pools],
        "probes": probes if probes is not None else [
            {"name": "http", "properties": {"protocol": "Http", "port": 80, "requestPath": "/",
                                            "intervalInSeconds": 5, "probeThreshold": 1}}],
        "loadBalancingRules": [],
    }
    for r in rules or []:
        rp = {"frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
              "backendAddressPool": {"id": f"{lb}/backendAddressPools/pool"}, **r["properties"]}
        if r.get("probe", "http"):
            rp["probe"] = {"id": f"{lb}/probes/{r.get('probe', 'http')}"}
        props["loadBalancingRules"].append({"name": r["name"], "properties": rp})
    if nat_rules:
        props["inboundNatRules"] = [{"name": n["name"], "properties": {
            "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"}, **n["properties"]}}
            for n in nat_rules]
    return {"location": LOC, "sku": {"name": sku}, "properties": props}
