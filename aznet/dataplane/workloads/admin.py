"""Admin routes for ``aznet vm show | expose | serve`` (under ``/_aznet``, like aznet's other admin routes).

    GET  /_aznet/vms/{sub}/{rg}/{name}            the VM's addresses, workloads and port mappings
    POST /_aznet/vms/{sub}/{rg}/{name}/expose     {"port": 80, "to": "127.0.0.1:8080"}  ("to": null removes)
    POST /_aznet/vms/{sub}/{rg}/{name}/serve      {"http": [80], "tcpEcho": [7], "udpEcho": [9], "replace": false}

Port mappings and served workloads are kept in the VM's private state (``_aznet.ports``,
``_aznet.serve``): they survive restarts and ARM updates of the VM, and go with its deletion."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.http import Request, Response
from ...arm.router import ROUTES
from . import service as _service_registration  # noqa: F401  (registers the workload engine)

if TYPE_CHECKING:
    from ...arm.platform import Platform

VM_TYPE = typenames.VM
MAX_PORTS = 256


def _vm_id(req: Request) -> str:
    p = req.params
    return f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}/providers/{VM_TYPE}/{p['name']}"


def _service(p: Platform) -> Any:
    svc = p.services.get("workloads")
    if svc is None:
        raise ArmError(503, "ServiceUnavailable", "The workload engine is not running.")
    return svc


def _record(p: Platform, vm_id: str) -> Any:
    rec = p.store.get(vm_id.lower())
    if rec is None:
        raise ArmError(404, "ResourceNotFound", f"The Resource '{VM_TYPE}/{vm_id.rsplit('/', 1)[-1]}' under "
                                                f"resource group '{vm_id.split('/')[4]}' was not found.")
    return rec


def _port(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ArmError(400, "InvalidParameter", f"{what} must be a port number between 1 and 65535, not {value!r}.")
    return value


def _write_private(p: Platform, vm_id: str, update: dict[str, Any]) -> None:
    txn = p.store.transaction()
    rec = txn.get(vm_id.lower())
    if rec is None:
        _record(p, vm_id)
    body = dict(rec.body)
    body["_aznet"] = {**(body.get("_aznet") or {}), **update}
    txn.put(rec.id, rec.type, rec.parent, rec.scope, body)
    p.store.commit(txn)


@ROUTES.route("_aznet/vms/{sub}/{rg}/{name}", auth="admin")
def show(p: Platform, req: Request) -> Response:
    rec = _record(p, _vm_id(req))
    view = _service(p).vm_view(rec.id)
    if view is None:
        raise ArmError(404, "ResourceNotFound", f"VM {rec.id} is not in the workload table.")
    return Response(200, view)


@ROUTES.route("_aznet/vms/{sub}/{rg}/{name}/expose", "POST", auth="admin")
def expose(p: Platform, req: Request) -> Response:
    rec = _record(p, _vm_id(req))
    data = req.json()
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
    _write_private(p, rec.id, {"ports": ports})
    return Response(200, _service(p).vm_view(rec.id))


@ROUTES.route("_aznet/vms/{sub}/{rg}/{name}/serve", "POST", auth="admin")
def serve(p: Platform, req: Request) -> Response:
    rec = _record(p, _vm_id(req))
    data = req.json()
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
    _write_private(p, rec.id, {"serve": current})
    return Response(200, _service(p).vm_view(rec.id))
