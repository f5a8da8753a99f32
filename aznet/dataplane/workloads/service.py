"""The workload engine as an aznet service (``platform.services["workloads"]``).

It keeps the local address table (``table.WorkloadTable``) current from the store and runs the demo
workloads of running VMs on their local addresses. A stopped or deallocated VM serves nothing: its
demo servers are closed. Other engines (load balancer, gateways) read ``table`` and may register a
listener (``on_change``) that runs after each rebuild.

An engine on the reconcile seam (``aznet.dataplane.reconcile``), delivered synchronously inside the
commit, so ``aznet vm show`` and the load balancer see a change before the PUT returns."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ... import services
from ...store.base import Change
from ..ports import listen_port
from ..reconcile import Snapshot
from . import demo
from .table import CIRCUIT_PEERING, GW, HUB, HUB_IPCONFIG, LB, LNG, NIC, VM, VMSS, WorkloadTable

if TYPE_CHECKING:
    from ...services import Host

log = logging.getLogger("aznet.workloads")
WATCHED = frozenset({VM, VMSS, NIC, LB, GW, LNG, HUB, HUB_IPCONFIG, CIRCUIT_PEERING})


class WorkloadsService:
    name = "workloads"
    watches = WATCHED
    delivery: Literal["sync", "queued"] = "sync"

    def __init__(self, platform: Host) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.table = WorkloadTable(self.settings.private_ip_pool)
        self.snapshot: Snapshot | None = None
        self.listeners: list[Callable[[WorkloadTable], None]] = []
        self.servers: dict[tuple[str, str, str, int], Any] = {}   # (vm, kind, host, port) -> server
        self.started = False
        self.version = 0

    # -- engine interface ------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        recs = [r for t in (VM, VMSS, NIC, LB, GW, LNG, HUB, HUB_IPCONFIG, CIRCUIT_PEERING)
                for r in snapshot.of_type(t)]
        self.table = WorkloadTable.build(recs, self.settings.private_ip_pool)
        self.version += 1
        for err in self.table.errors:
            log.warning("workloads: %s", err)
        for fn in list(self.listeners):
            try:
                fn(self.table)
            except Exception:   # one listener failing never stops the others
                log.exception("workloads listener failed")
        if self.started:
            self._reconcile()

    def apply(self, changes: Sequence[Change]) -> None:
        if self.snapshot is not None:
            self.resync(self.snapshot)

    def on_change(self, fn: Callable[[WorkloadTable], None]) -> None:
        self.listeners.append(fn)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        self.started = True
        self.platform.reconciler.register(self)     # a full resync now, then every commit

    async def stop(self) -> None:
        self.platform.reconciler.unregister(self)
        self.started = False
        for srv in self.servers.values():
            srv.close()
        self.servers.clear()

    def wanted(self) -> dict[tuple[str, str, str, int], str]:
        out: dict[tuple[str, str, str, int], str] = {}
        for vm in self.table.vms.values():
            if not vm.running:
                continue
            host = self.table.primary_address(vm.id)
            if host is None:
                continue
            for w in vm.workloads:
                out[(vm.id.lower(), w.kind, host, w.port)] = vm.name
        return out

    def _reconcile(self) -> None:
        """Demo servers follow the table at once (sockets bound inside the commit)."""
        want = self.wanted()
        for key in [k for k in self.servers if k not in want]:
            self.servers.pop(key).close()
        for key, vm_name in want.items():
            if key in self.servers:
                continue
            _vm, kind, host, port = key
            try:
                self.servers[key] = demo.DemoServer(kind, vm_name, host,
                                                    listen_port(port, self.settings.privileged_port_offset))
            except OSError as exc:
                log.warning("workloads: cannot serve %s on %s:%s for %s: %s", kind, host, port, vm_name, exc)

    # -- what the admin API and status show ---------------------------------------------
    def vm_view(self, vm_id: str) -> dict[str, Any] | None:
        vm = self.table.vms.get(vm_id.lower())
        if vm is None:
            return None
        offset = self.settings.privileged_port_offset
        host = self.table.primary_address(vm.id)
        nics: dict[str, list[dict[str, Any]]] = {}
        for cfg in self.table.vm_ipconfigs(vm.id):
            nics.setdefault(cfg.owner, []).append({
                "id": cfg.id, "name": cfg.id.rsplit("/", 1)[-1], "primary": cfg.primary,
                "privateIPAddress": cfg.private_ip, "localAddress": cfg.local})
        workloads = []
        for w in vm.workloads:
            lp = listen_port(w.port, offset)
            entry: dict[str, Any] = {"kind": w.kind, "port": w.port, "protocol": "udp" if w.kind == "udp-echo"
                                     else "tcp", "address": host, "source": w.source,
                                     "serving": vm.running and (vm.id.lower(), w.kind, host, w.port) in self.servers}
            if lp != w.port:
                entry["listenPort"] = lp
            workloads.append(entry)
        return {"id": vm.id, "name": vm.name, "powerState": vm.power, "localAddress": host,
                "networkInterfaces": [{"id": nic, "ipConfigurations": cfgs} for nic, cfgs in nics.items()],
                "workloads": workloads,
                "portMappings": [{"port": p, "to": f"{h}:{tp}"} for p, (h, tp) in sorted(vm.ports.items())]}

    def endpoints(self) -> list[dict[str, Any]]:
        out = []
        for (vm_id, kind, host, port), _srv in sorted(self.servers.items()):
            lp = listen_port(port, self.settings.privileged_port_offset)
            vm = self.table.vms.get(vm_id)
            rid = vm.id if vm is not None else vm_id
            ep: dict[str, Any] = {"name": f"vm-{kind}:{rid.rsplit('/', 1)[-1]}", "host": host, "port": lp,
                                  "protocol": "udp" if kind == "udp-echo" else "tcp", "resourceId": rid,
                                  "address": host, "description": f"demo workload {kind}"}
            if lp != port:
                ep["port"], ep["listenPort"] = port, lp
            out.append(ep)
        return out


@services.register
def _factory(platform: Host) -> WorkloadsService:
    return WorkloadsService(platform)
