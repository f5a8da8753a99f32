"""Admin routes for ``aznet vm show | expose | serve`` (under ``/_aznet``, like aznet's other admin routes).

    GET  /_aznet/vms/{sub}/{rg}/{name}            the VM's addresses, workloads and port mappings
    POST /_aznet/vms/{sub}/{rg}/{name}/expose     {"port": 80, "to": "127.0.0.1:8080"}  ("to": null removes)
    POST /_aznet/vms/{sub}/{rg}/{name}/serve      {"http": [80], "tcpEcho": [7], "udpEcho": [9], "replace": false}

Port mappings and served workloads are kept in the VM's private state (``_aznet.ports``,
``_aznet.serve``): they survive restarts and ARM updates of the VM, and go with its deletion.

The control plane's side: declared here without HTTP (``provider_action``, ``auth="admin"``); the views
come from the workload engine on the request's platform (``ctx.platform.services.get(WorkloadsService)``)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action

if TYPE_CHECKING:
    from ...arm.context import Ctx

VM_TYPE = typenames.VM
MAX_PORTS = 256


def _vm_id(p: dict[str, str]) -> str:
    return f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}/providers/{VM_TYPE}/{p['name']}"


def _service(ctx: Ctx) -> Any:
    from ...dataplane.workloads.service import WorkloadsService  # the engine is optional in an assembly

    svc = ctx.platform.services.get(WorkloadsService)
    if svc is None:
        raise ArmError(503, "ServiceUnavailable", "The workload engine is not running.")
    return svc


def _record(ctx: Ctx, vm_id: str) -> Any:
    rec = ctx.platform.store.get(vm_id.lower())
    if rec is None:
        raise ArmError(404, "ResourceNotFound", f"The Resource '{VM_TYPE}/{vm_id.rsplit('/', 1)[-1]}' under "
                                                f"resource group '{vm_id.split('/')[4]}' was not found.")
    return rec


def _port(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ArmError(400, "InvalidParameter", f"{what} must be a port number between 1 and 65535, not {value!r}.")
    return value


def _write_private(ctx: Ctx, vm_id: str, update: dict[str, Any]) -> None:
    txn = ctx.txn
    rec = txn.get(vm_id.lower())
    if rec is None:
        _record(ctx, vm_id)
    body = dict(rec.body)
    body["_aznet"] = {**(body.get("_aznet") or {}), **update}
    txn.put(rec.id, rec.type, rec.parent, rec.scope, body)
    ctx.platform.store.commit(txn)      # committed before the view is read: the engine applied it


@provider_action("_aznet/vms/{sub}/{rg}/{name}", "GET", api_versions=None, name=VM_TYPE, auth="admin")
def show(ctx: Ctx, data: Any, prm: dict[str, str]) -> tuple[int, Any]:
    rec = _record(ctx, _vm_id(prm))
    view = _service(ctx).vm_view(rec.id)
    if view is None:
        raise ArmError(404, "ResourceNotFound", f"VM {rec.id} is not in the workload table.")
    return 200, view


@provider_action("_aznet/vms/{sub}/{rg}/{name}/expose", "POST", api_versions=None, name=VM_TYPE,
                 body="required", auth="admin")
def expose(ctx: Ctx, data: Any, prm: dict[str, str]) -> tuple[int, Any]:
    rec = _record(ctx, _vm_id(prm))
    if not isinstance(data, dict):
        raise ArmError(400, "InvalidRequestContent", "Expected a JSON object {\"port\": N, \"to\": \"host:port\"}.")
    port = _port(data.get("port"), "port")
    ports = dict((rec.body.get("_aznet") or {}).get("ports") or {})
    to = data.get("to")
    if to is None:
        ports.pop(str(port), None)
    else:
        if not isinstance(to, str):
            raise ArmError(400, "InvalidParameter", "to must be HOST:PORT.")
        host, _, tport = to.rpartition(":")
        host = host.strip("[]")
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            raise ArmError(400, "InvalidParameter", f"to {to!r}: HOST must be an IP address.") from None
        if not addr.is_loopback:
            raise ArmError(400, "InvalidParameter",
                           f"to {to!r}: aznet only sends traffic to loopback addresses of this machine.")
        if not tport.isdigit():
            raise ArmError(400, "InvalidParameter", f"to {to!r}: PORT must be a number.")
        ports[str(port)] = [str(addr), _port(int(tport), "the target port")]
        if len(ports) > MAX_PORTS:
            raise ArmError(400, "InvalidParameter", f"A VM can have at most {MAX_PORTS} port mappings.")
    _write_private(ctx, rec.id, {"ports": ports})
    return 200, _service(ctx).vm_view(rec.id)


@provider_action("_aznet/vms/{sub}/{rg}/{name}/serve", "POST", api_versions=None, name=VM_TYPE,
                 body="required", auth="admin")
def serve(ctx: Ctx, data: Any, prm: dict[str, str]) -> tuple[int, Any]:
    rec = _record(ctx, _vm_id(prm))
    if not isinstance(data, dict):
        raise ArmError(400, "InvalidRequestContent", "Expected a JSON object.")
    current = [] if data.get("replace") else list((rec.body.get("_aznet") or {}).get("serve") or [])
    for key, kind in (("http", "http"), ("tcpEcho", "tcp-echo"), ("udpEcho", "udp-echo")):
        ports = data.get(key) or []
        if not isinstance(ports, list):
            raise ArmError(400, "InvalidParameter", f"{key} must be a list of ports.")
        for port in ports:
            entry = [kind, _port(port, key)]
            if entry not in current:
                current.append(entry)
    if len(current) > MAX_PORTS:
        raise ArmError(400, "InvalidParameter", f"A VM can serve at most {MAX_PORTS} demo workloads.")
    _write_private(ctx, rec.id, {"serve": current})
    return 200, _service(ctx).vm_view(rec.id)
