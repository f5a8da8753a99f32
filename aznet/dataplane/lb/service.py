"""The L4 load balancer engine as an aznet service (``platform.services["lb"]``).

An engine on the reconcile seam (sync delivery), registered after the workload engine so it reads the
table that commit produced: after each commit the plan (``plan.compile_plan``) is rebuilt and applied at once, inside the commit: routes of
existing listeners are swapped (the next connection sees the change), new listeners are bound before the
PUT returns, removed ones closed. Probes run per probe resource; backends are chosen by ``choose``.

Behaviour (Azure's, from its docs, unless marked inferred):
- no new flows to a backend whose probe is down; established flows to it continue;
- all backends down: Standard sends no new flows (``noHealthyBackendsBehavior`` ``AllProbedUp`` sends
  to all), established TCP flows continue; Basic sends no new flows and ends established TCP flows; UDP
  flows end on both SKUs;
- idle timeout: a TCP flow idle for ``idleTimeoutInMinutes`` is forgotten; with ``enableTcpReset`` both
  sides get a RST, without it the flow is closed quietly (inferred: Azure drops the state silently and the
  endpoints notice on their next send);
- a rule without a probe sends to every member (no health known);
- privileged frontend ports follow ``aznet.dataplane.ports``."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from ... import services
from ...store.base import Change
from ..ports import listen_port, unprivileged_start
from ..reconcile import Snapshot
from ..workloads.service import WATCHED, WorkloadsService
from ..workloads.table import WorkloadTable
from . import prober
from .metrics import LbMetrics
from .nsg import PROBE_SOURCE, NsgGate
from .plan import LB, NAT_RULE, PIP, POOL, Plan, Route, Target, compile_plan
from .probe_state import ProbeState, thresholds
from .relay import ClientSide, UdpFrontend, expire_idle
from .select import select
from .workers import WorkerPool, bind_listener

if TYPE_CHECKING:
    from ...services import Host

log = logging.getLogger("aznet.lb")


class Listener:
    __slots__ = ("key", "route", "listen_port", "server", "error", "frontend")

    def __init__(self, key: tuple[str, str, int], route: Route, lport: int) -> None:
        self.key, self.route, self.listen_port = key, route, lport
        self.server: Any = None
        self.error = ""
        self.frontend: UdpFrontend | None = None


class LbService:
    name = "lb"
    watches = WATCHED | {LB, POOL, NAT_RULE, PIP}
    delivery: Literal["sync", "queued"] = "sync"

    def __init__(self, platform: Host) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.plan = Plan()
        self.listeners: dict[tuple[str, str, int], Listener] = {}
        self.health: dict[tuple[str, str], ProbeState] = {}
        self.probe_tasks: dict[str, tuple[Any, asyncio.Task[None], asyncio.Event]] = {}
        self.flows: set[Any] = set()
        self.now = 0.0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.table = WorkloadTable(self.settings.private_ip_pool)
        self.snapshot: Snapshot | None = None
        self.workloads: WorkloadsService | None = None
        self.nsg = NsgGate(platform)
        self.metrics = LbMetrics(platform.metrics)
        self.pool: WorkerPool | None = None
        self.worker_flows = 0           # TCP flows the worker processes reported

    # -- reconcile ---------------------------------------------------------------------
    def resync(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if self.workloads is not None:
            self.table = self.workloads.table
        self.plan = compile_plan(self.table, snapshot.of_type(LB), snapshot.of_type(POOL),
                                 snapshot.of_type(NAT_RULE), snapshot.of_type(PIP),
                                 self.settings.privileged_port_offset)
        for c in self.plan.conflicts:
            log.warning("lb: %s", c)
        self._apply_plan()

    def apply(self, changes: Sequence[Change]) -> None:
        if self.snapshot is not None:
            self.resync(self.snapshot)

    def _apply_plan(self) -> None:
        want = self.plan.routes
        for key in [k for k in self.listeners if k not in want]:
            self._close(self.listeners.pop(key))
        for key, route in want.items():
            lst = self.listeners.get(key)
            if lst is not None:
                lst.route = route
            else:
                self.listeners[key] = self._open(key, route)
        self._sync_probes()
        self._feed_workers()

    # -- worker processes ------------------------------------------------------------------
    def _feed_workers(self) -> None:
        if self.pool is None:
            return
        routes = {}
        for key, lst in self.listeners.items():
            if lst.error or any("/ipconfigurations/" in t.key and self.nsg.applies(t.key) for t in lst.route.targets):
                continue            # NSG decisions need the network model: this process serves those
            routes[key] = (lst.route, lst.listen_port)
        self.pool.send("plan", routes)
        self._send_up()

    def _send_up(self) -> None:
        if self.pool is not None:
            self.pool.send("up", {k for k, st in self.health.items() if st.up})

    def _worker_counts(self, counts: dict[Any, float]) -> None:
        for k, v in counts.items():
            self.metrics.counts[k] += v
            if k[1] == "SYNCount":
                self.worker_flows += int(v)

    def _open(self, key: tuple[str, str, int], route: Route) -> Listener:
        proto, host, port = key
        lst = Listener(key, route, listen_port(port, self.settings.privileged_port_offset))
        try:
            sock = bind_listener(proto, host, lst.listen_port, reuse_port=self.pool is not None)
        except OSError as exc:
            lst.error = f"cannot listen on {host}:{lst.listen_port}/{proto}: {exc.strerror or exc}"
            log.warning("lb: %s (%s)", lst.error, route.rule)
            return lst
        assert self.loop is not None
        self.loop.create_task(self._serve(lst, sock))
        return lst

    async def _serve(self, lst: Listener, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            if lst.key[0] == "tcp":
                lst.server = await loop.create_server(lambda: ClientSide(self, lst), sock=sock)
            else:
                frontend = UdpFrontend(self, lst)
                lst.server, _ = await loop.create_datagram_endpoint(lambda: frontend, sock=sock)
                lst.frontend = frontend
        except OSError as exc:
            sock.close()
            lst.error = str(exc)
            return
        if self.listeners.get(lst.key) is not lst:     # removed while starting
            self._close(lst)

    def _close(self, lst: Listener) -> None:
        if lst.server is not None:
            lst.server.close()
            lst.server = None
        if lst.frontend is not None:
            lst.frontend.drop_flows(lambda f: True)

    # -- backend choice ----------------------------------------------------------------------
    def healthy(self, route: Route, target: Target) -> bool:
        if route.probe is None:
            return True
        st = self.health.get((route.probe, target.key))
        return st is not None and st.up

    def _is_up(self, probe: str, key: str) -> bool:
        st = self.health.get((probe, key))
        return st is not None and st.up

    def choose(self, route: Route, src_ip: str, src_port: int, proto: str) -> Target | None:
        target = select(route, self._is_up, src_ip, src_port, proto)
        if target is None:
            log.info("lb: %s: no healthy backend for %s:%s", route.rule.rsplit("/", 1)[-1], src_ip, src_port)
            return None
        if "/ipconfigurations/" in target.key:
            allowed, _rule = self.nsg.check(target.key, proto, src_ip, src_port, target.backend_port or target.port)
            if not allowed:      # the backend's NSG drops it (after the backend was chosen, as in Azure)
                log.info("lb: flow %s:%s -> %s denied by %s", src_ip, src_port, target.ip, _rule)
                return None
        self.metrics.new_flow(route, proto)
        return target

    # -- flows ---------------------------------------------------------------------------------
    def flow_started(self, flow: Any) -> None:
        self.flows.add(flow)

    def flow_ended(self, flow: Any) -> None:
        if flow in self.flows:
            self.flows.discard(flow)
            self.metrics.flow_bytes(flow)

    def connect_failed(self, flow: Any, why: str = "") -> None:
        log.info("lb: %s: cannot reach backend %s", flow.route.rule.rsplit("/", 1)[-1], why)
        self.flow_ended(flow)

    def dropped(self, route: Route | None) -> None:
        if route is not None:
            self.metrics.dropped(route)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        ticks = 0
        while True:
            self.now = loop.time()
            expire_idle(self.flows, self.listeners.values(), self.now)
            ticks += 1
            if ticks % 10 == 0:
                self._collect()
            await asyncio.sleep(1.0)

    # -- probes -------------------------------------------------------------------------------
    def _sync_probes(self) -> None:
        if self.loop is None:
            return
        for pid in [p for p in self.probe_tasks if p not in self.plan.probes]:
            self.probe_tasks.pop(pid)[1].cancel()
        for pid, spec in self.plan.probes.items():
            cur = self.probe_tasks.get(pid)
            if cur is not None and cur[0] == spec:
                cur[2].set()      # targets may have changed: probe now
                continue
            if cur is not None:
                cur[1].cancel()
            kick = asyncio.Event()
            self.probe_tasks[pid] = (spec, self.loop.create_task(self._probe_loop(pid, kick)), kick)
        live = {(pid, key) for pid, targets in self.plan.probe_targets.items() for key in targets}
        for k in [k for k in self.health if k not in live]:
            del self.health[k]

    async def _probe_loop(self, pid: str, kick: asyncio.Event) -> None:
        while True:
            spec = self.plan.probes.get(pid)
            if spec is None:
                return
            kick.clear()
            targets = list(self.plan.probe_targets.get(pid, {}).values())
            down_after, up_after = thresholds(spec.props)
            timeout = min(float(spec.interval), 5.0)
            results = await asyncio.gather(*(self._probe_one(spec, t, timeout) for t in targets))
            changed = False
            for t, (ok, why) in zip(targets, results, strict=True):
                st = self.health.get((pid, t.key))
                if st is None:
                    st = self.health[(pid, t.key)] = ProbeState(down_after, up_after)
                st.down_after, st.up_after = down_after, up_after
                if st.observe(ok, why):
                    changed = True
                    log.info("lb: probe %s: %s is %s %s", pid.rsplit("/", 1)[-1], t.ip, st.state, why)
            if changed:
                self._send_up()
                self._after_health_change(pid)
            try:
                await asyncio.wait_for(kick.wait(), spec.interval)
            except TimeoutError:
                pass

    async def _probe_one(self, spec: Any, t: Target, timeout: float) -> tuple[bool, str]:
        if not t.serving:
            return False, "the VM is stopped"
        if "/ipconfigurations/" in t.key:
            allowed, rule = self.nsg.check(t.key, "tcp", PROBE_SOURCE, None, spec.port)
            if not allowed:
                return False, f"the probe from AzureLoadBalancer is denied by {rule}"
        host, port = t.host, t.port
        return await prober.probe(spec.protocol, host, port, spec.path, timeout)

    def _after_health_change(self, pid: str) -> None:
        """All members down: Basic ends established TCP flows; UDP flows end on both SKUs."""
        routes = [r for r in self.plan.routes.values() if r.probe == pid]
        if not routes or any(self.healthy(routes[0], t) for t in routes[0].targets):
            return
        for flow in [f for f in self.flows if getattr(f, "client", None) is not None and f.route.probe == pid]:
            if flow.route.sku == "Basic":
                self.flows.discard(flow)
                flow.reset()
        if self.pool is not None and routes[0].sku == "Basic":
            self.pool.send("reset", pid)
        for lst in self.listeners.values():
            if lst.frontend is not None:
                lst.frontend.drop_flows(lambda f: f.route.probe == pid)

    # -- metrics -------------------------------------------------------------------------------
    def _collect(self) -> None:
        self.metrics.collect(self)

    def snat_allocations(self) -> list[tuple[str, str, str, int]]:
        return list(self.plan.snat)

    # -- what others ask ----------------------------------------------------------------------
    def backend_health(self, lb_id: str) -> list[dict[str, Any]]:
        """Per rule: its backends, their probe state (Up / Down / Unknown) and why."""
        out = []
        seen: set[str] = set()
        for route in self.plan.routes.values():
            if not route.lb.lower() == lb_id.lower() or route.rule.lower() in seen:
                continue
            seen.add(route.rule.lower())
            backends = []
            for t in route.targets:
                st = self.health.get((route.probe, t.key)) if route.probe else None
                backends.append({"ipAddress": t.ip, "networkInterfaceIPConfigurationId": t.key
                                 if "/ipconfigurations/" in t.key else None,
                                 "state": (st.state if st else "Unknown") if route.probe else "Up",
                                 "reason": (st.last_error if st else "") if route.probe else "no probe"})
            out.append({"rule": route.rule, "kind": route.kind, "probe": route.probe,
                        "up": sum(b["state"] == "Up" for b in backends),
                        "down": sum(b["state"] != "Up" for b in backends), "backends": backends})
        return out

    def endpoints(self) -> list[dict[str, Any]]:
        out = []
        for (proto, host, port), lst in sorted(self.listeners.items()):
            r = lst.route
            lb_name = r.lb.rsplit("/", 1)[-1]
            ep: dict[str, Any] = {"name": f"lb:{lb_name}/{r.rule.rsplit('/', 1)[-1]}", "host": host, "port": port,
                                  "protocol": proto, "resourceId": r.frontend, "rule": r.rule, "address": host,
                                  "description": f"load balancer {r.kind} ({r.sku})"}
            if lst.listen_port != port:
                ep["listenPort"] = lst.listen_port
                ep["description"] += f"; privileged port {port} mapped to {lst.listen_port}"
            if lst.error:
                ep["error"] = lst.error
            out.append(ep)
        return out

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.now = self.loop.time()
        if unprivileged_start() > 0:
            log.warning("lb: ports below %d cannot be bound by this process; frontends on them listen on "
                        "port + %d (AZNET_PRIVILEGED_PORT_OFFSET); `aznet status --json` shows each mapping",
                        unprivileged_start(), self.settings.privileged_port_offset)
        self.workloads = self.platform.services.get(WorkloadsService)
        if self.settings.lb_workers > 0:
            self.pool = WorkerPool(self.settings.lb_workers, self._worker_counts)
            self.pool.attach(self.loop)
            log.warning("lb: %d relay worker process(es) share the frontends (SO_REUSEPORT)", self.settings.lb_workers)
        self.platform.reconciler.register(self)     # a full resync now, then every commit
        self.platform.metrics.add_collector(self._collect)
        self._ticker = self.loop.create_task(self._tick())

    async def stop(self) -> None:
        self.platform.reconciler.unregister(self)
        self.platform.metrics.remove_collector(self._collect)
        if self._ticker is not None:
            self._ticker.cancel()
        for _spec, task, _kick in self.probe_tasks.values():
            task.cancel()
        self.probe_tasks.clear()
        for lst in self.listeners.values():
            self._close(lst)
        self.listeners.clear()
        for flow in list(self.flows):
            flow.reset()
        self.flows.clear()
        if self.pool is not None:
            self.pool.stop()
            self.pool = None


@services.register
def _factory(platform: Host) -> LbService:
    return LbService(platform)
