"""Health probes: one task per (gateway, pool, backend settings) pair, probing every member on its interval.

Probe request: ``GET {path} HTTP/1.1`` with ``Host`` from the probe (or the settings' host name with
``pickHostNameFromBackendHttpSettings``, else the member's address; the default probe sends 127.0.0.1), over
HTTP or HTTPS (end-to-end TLS with the settings' trusted roots), answer judged by ``health.judge``."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from .health import MSG_CONNECT, MSG_TIMEOUT, MSG_TLS, MemberHealth, ProbeSpec, judge, spec_for
from .model import GatewayPlan, PoolMember, Settings
from .upstream import BackendError, UpstreamPool

if TYPE_CHECKING:
    from .service import AppGatewayService

log = logging.getLogger("aznet.appgw")


class Prober:
    def __init__(self, svc: AppGatewayService) -> None:
        self.svc = svc
        self.tasks: dict[tuple[str, str, str], tuple[ProbeSpec, tuple[PoolMember, ...], asyncio.Task[None]]] = {}
        self.pool = UpstreamPool()

    def sync(self) -> None:
        want: dict[tuple[str, str, str], tuple[ProbeSpec, tuple[PoolMember, ...]]] = {}
        for gid, plan in self.svc.plans.items():
            if not plan.running:
                continue
            for pool, sid in plan.pairs():
                settings = plan.settings.get(sid)
                if settings is None:
                    continue
                spec = spec_for(settings, plan.probes.get(settings.probe or ""))
                want[(gid, pool, sid)] = (spec, plan.pools.get(pool, ()))
        for key in [k for k in self.tasks if k not in want]:
            self.tasks.pop(key)[2].cancel()
        live = set()
        for key, (spec, members) in want.items():
            live.update((*key, m.address) for m in members)
            cur = self.tasks.get(key)
            if cur is not None and cur[0] == spec and cur[1] == members:
                continue
            if cur is not None:
                cur[2].cancel()
            assert self.svc.loop is not None
            self.tasks[key] = (spec, members, self.svc.loop.create_task(self._loop(key)))
        for k in [k for k in self.svc.health if k not in live]:
            del self.svc.health[k]
        self.svc.health_version += 1

    def stop(self) -> None:
        for _s, _m, task in self.tasks.values():
            task.cancel()
        self.tasks.clear()
        self.pool.close()

    async def _loop(self, key: tuple[str, str, str]) -> None:
        gid, pool, sid = key
        while True:
            entry = self.tasks.get(key)
            plan = self.svc.plans.get(gid)
            if entry is None or plan is None:
                return
            spec, members, _ = entry
            settings = plan.settings.get(sid)
            if settings is None:
                return
            results = await asyncio.gather(*(self.probe(plan, settings, spec, m) for m in members))
            for m, (ok, why) in zip(members, results, strict=True):
                st = self.svc.health.setdefault((gid, pool, sid, m.address), MemberHealth())
                if st.observe(ok, why, spec.threshold):
                    self.svc.health_version += 1
                    log.info("appgw: %s %s is %s: %s", plan.name, m.address, st.state, why)
            self.svc.telemetry.health_changed(plan, pool, sid)
            await asyncio.sleep(spec.interval)

    async def probe(self, plan: GatewayPlan, settings: Settings, spec: ProbeSpec, m: PoolMember) -> tuple[bool, str]:
        where = self.svc.proxy.resolve(plan, m, spec.port)
        if isinstance(where, str):
            return False, where
        host = spec.host or m.address
        https = spec.protocol.lower() == "https"
        ctx = self.svc.proxy.context_for(plan, settings) if https else None
        data = (f"GET {spec.path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Azure Application Gateway/2.0\r\n"
                "Connection: close\r\n\r\n").encode("latin-1")
        try:
            reply = await self.pool.request(where[0], where[1], data, False, float(spec.timeout), ctx,
                                            host.split(":")[0] if ctx else None)
        except BackendError as err:
            if err.kind == "timeout":
                return False, MSG_TIMEOUT
            if err.kind == "tls":
                return False, MSG_TLS
            return False, MSG_CONNECT
        return judge(spec, reply.status, bytes(reply.body))
