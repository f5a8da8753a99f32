"""What differs between the engines that run in L7 workers: the application gateway and the Front Door edge.

Each engine has two sides. The aznet process side (``MainSide``) says where the engine listens (a change there
makes the commit wait for the workers), what the probes found (``health``: a digest to compare and the payload
to send), the names the workers cannot resolve themselves (``names``: aznet's DNS lives in the aznet process),
prepares what workers would otherwise race to write (certificates on disk) and folds the engine's own tallies
(connections, bytes, byte hit ratio) into its telemetry. The worker side (``WorkerSide``) builds the engine's
service without probes, with the names the aznet process resolved, and reports those tallies."""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any, Protocol

from .runtime import ShippedLogs, WorkerPlatform, WorkloadsView

if TYPE_CHECKING:
    import asyncio

    from ..reconcile import Snapshot

log = logging.getLogger("aznet.l7workers")


class MainSide(Protocol):
    kind: str

    def prepare(self, svc: Any) -> None: ...

    def listening(self, svc: Any) -> Any: ...

    def health(self, svc: Any) -> tuple[Any, Any]: ...

    def names(self, svc: Any) -> dict[Any, str | None]: ...

    def merge(self, svc: Any, index: int, extra: dict[str, Any]) -> None: ...


class WorkerSide(Protocol):
    request_metric: str
    logs: ShippedLogs | None

    async def start(self, loop: asyncio.AbstractEventLoop) -> None: ...

    def reconfigure(self, snapshot: Snapshot) -> None: ...

    def message(self, kind: str, data: Any) -> None: ...

    def tallies(self) -> dict[str, Any]: ...

    async def stop(self) -> None: ...


def literal_address(name: str) -> str | None:
    """The address a name stands for without DNS (an IP literal, localhost), else None."""
    if name.lower() == "localhost":
        return "127.0.0.1"
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return None
    return name


class _NoProbes:
    """Workers probe nothing: the aznet process probes and sends the results (``health``)."""

    def __init__(self) -> None:
        self.tasks: dict[Any, Any] = {}
        self.health: dict[Any, Any] = {}     # replaced whole by each ``health`` message
        self.version = 0                     # as ``Prober.version``; the table's identity says it changed

    def sync(self, *_args: Any) -> None:
        return None

    def stop(self) -> None:
        return None


def _add(into: dict[str, Any], key: str, n: float) -> None:
    into[key] = into.get(key, 0) + n


# -- application gateway --------------------------------------------------------------------------------
class AppGatewayMain:
    kind = "appgw"

    def __init__(self) -> None:
        self.current: dict[int, dict[str, int]] = {}

    def prepare(self, svc: Any) -> None:
        return None         # the aznet process's own reconcile wrote the certificates (``tls.CertStore``)

    def listening(self, svc: Any) -> Any:
        return frozenset((key, st.gw, st.tls) for key, st in svc.sockets.items())

    def health(self, svc: Any) -> tuple[Any, Any]:
        return {k: v.state for k, v in svc.health.items()}, dict(svc.health)

    def names(self, svc: Any) -> dict[Any, str | None]:
        import httptools

        from ..appgw.model import GatewayPlan

        out: dict[Any, str | None] = {}
        for plan in svc.plans.values():
            vnet = (plan.vnet or "").lower()
            for members in plan.pools.values():
                for m in members:
                    if m.fqdn and literal_address(m.address) is None:
                        out[(vnet, m.address.lower())] = svc.proxy.lookup(plan, m.address)
        bare = GatewayPlan("", "", True, True, False, False)
        urls = {u for p in svc.plans.values() for u in p.errors.values()}
        urls |= {u for p in svc.plans.values() for lst in p.listeners.values() for _, u in lst.errors}
        for url in urls:
            try:
                host = (httptools.parse_url(url.encode()).host or b"").decode()
            except (httptools.HttpParserInvalidURLError, UnicodeDecodeError):
                continue
            if host and literal_address(host) is None:
                out[("", host.lower())] = svc.proxy.lookup(bare, host)
        return out

    def merge(self, svc: Any, index: int, extra: dict[str, Any]) -> None:
        t = svc.telemetry
        for gw, n in (extra.get("new") or {}).items():
            _add(t.new_conns, gw, n)
        for gw, n in (extra.get("bytes") or {}).items():
            _add(t.bytes, gw, n)
        for gw, acc in (extra.get("minute") or {}).items():
            mine = t.minute.setdefault(gw, [0.0, 0.0, 0.0, 0.0])
            for i, v in enumerate(acc):
                mine[i] += v
        if "current" in extra:                   # a level per worker: the aznet process shows the sum
            before = self.current.get(index, {})
            now = extra["current"]
            for gw in before.keys() | now.keys():
                t.current[gw] = max(t.current.get(gw, 0) + now.get(gw, 0) - before.get(gw, 0), 0)
            self.current[index] = now
        for key, err in (extra.get("errors") or {}).items():
            st = svc.sockets.get(key)
            if st is not None and err and not st.error:
                st.error = f"worker {index}: {err}"


class AppGatewayWorker:
    request_metric = "TotalRequests"

    def __init__(self, platform: WorkerPlatform, workloads: WorkloadsView) -> None:
        from ..appgw.service import AppGatewayService

        svc = AppGatewayService(platform)  # type: ignore[arg-type]
        svc.reuse_port = True
        svc.prober = _NoProbes()  # type: ignore[assignment]
        svc.workloads = workloads  # type: ignore[assignment]
        svc.proxy.lookup = self._lookup  # type: ignore[method-assign]
        self.logs = svc.telemetry.logs = ShippedLogs(platform.settings.data_dir)
        self.svc = svc
        self.names: dict[Any, str | None] = {}
        self.current: dict[str, int] = {}
        self.errors: dict[Any, str] = {}

    def _lookup(self, plan: Any, name: str) -> str | None:
        return literal_address(name) or self.names.get(((getattr(plan, "vnet", "") or "").lower(), name.lower()))

    async def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.svc.loop = loop

    def reconfigure(self, snapshot: Snapshot) -> None:
        self.svc.resync(snapshot)

    def message(self, kind: str, data: Any) -> None:
        if kind == "health":
            self.svc.health = data
        elif kind == "names":
            self.names = data

    def tallies(self) -> dict[str, Any]:
        t = self.svc.telemetry
        out: dict[str, Any] = {}
        if t.new_conns:
            out["new"], t.new_conns = t.new_conns, {}
        if t.bytes:
            out["bytes"], t.bytes = t.bytes, {}
        if t.minute:
            out["minute"], t.minute = t.minute, {}
        if t.current != self.current:
            self.current = dict(t.current)
            out["current"] = self.current
        errors = {k: st.error for k, st in self.svc.sockets.items() if st.error}
        if errors != self.errors:
            self.errors = errors
            out["errors"] = errors
        return out

    async def stop(self) -> None:
        await self.svc.stop()


# -- Front Door edge ------------------------------------------------------------------------------------
class FrontDoorMain:
    kind = "frontdoor"

    def prepare(self, svc: Any) -> None:
        """Every certificate the edge may present, on disk before a worker needs it (two workers creating the
        same host's certificate at once could read each other's half-written file)."""
        certs = svc.certs
        try:
            certs.managed_pem("azurefd.net")
        except Exception:   # noqa: BLE001 - the edge logs it when it needs the certificate
            log.exception("frontdoor: the edge's base certificate")
        for host, spec in svc.config.hosts.items():
            try:
                if spec.tls.kind == "customer" and spec.tls.secret_uri:
                    raw = svc.secrets.get(spec.tls.secret_uri)
                    if raw is not None:
                        certs.customer_pem(raw)
                elif "*" not in host:
                    certs.managed_pem(spec.host)
            except Exception:   # noqa: BLE001 - a bad certificate fails that host's handshakes, as in process
                continue

    def listening(self, svc: Any) -> Any:
        return frozenset((st.port, st.tls) for st in svc.sockets)

    def health(self, svc: Any) -> tuple[Any, Any]:
        health = svc.prober.health
        digest = {k: (tuple(h.results), h.latency_ms, h.sample_size, h.required, h.last_status)
                  for k, h in health.items()}
        return digest, dict(health)

    def names(self, svc: Any) -> dict[Any, str | None]:
        out: dict[Any, str | None] = {}
        for g in svc.config.groups.values():
            for o in g.origins:
                name = o.host.lower().rstrip(".")
                if literal_address(name) is None and name not in svc.pip_fqdns and name not in out:
                    out[name] = svc._dns(name)
        return out

    def merge(self, svc: Any, index: int, extra: dict[str, Any]) -> None:
        t = svc.telemetry
        t.refusals += int(extra.get("refusals", 0))
        for (rid, endpoint), (cached, total) in (extra.get("hits") or {}).items():
            hits = t.byte_hits.setdefault((rid, endpoint), [0, 0])
            hits[0] += cached
            hits[1] += total
            t.metrics.set_gauge(rid, "ByteHitRatio", 100.0 * hits[0] / hits[1] if hits[1] else 0.0,
                                (("Endpoint", endpoint),))


class FrontDoorWorker:
    request_metric = "RequestCount"

    def __init__(self, platform: WorkerPlatform, workloads: WorkloadsView) -> None:
        from ..frontdoor.service import FrontDoorService

        svc = FrontDoorService(platform)  # type: ignore[arg-type]
        svc.reuse_port = True
        svc.prober = _NoProbes()  # type: ignore[assignment]
        svc.workloads = workloads  # type: ignore[assignment]
        svc._dns = self._dns  # type: ignore[method-assign]
        self.logs = svc.telemetry.logs = ShippedLogs(platform.settings.data_dir)
        self.svc = svc
        self.names: dict[Any, str | None] = {}

    def _dns(self, name: str) -> str | None:
        return self.names.get(name.lower().rstrip("."))

    async def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.svc.loop = loop
        await self.svc._open(80, False)
        await self.svc._open(443, True)

    def reconfigure(self, snapshot: Snapshot) -> None:
        self.svc.resync(snapshot)

    def message(self, kind: str, data: Any) -> None:
        if kind == "health":
            self.svc.prober.health = data
        elif kind == "names":
            self.names = data
            self.svc.where.clear()
        elif kind == "purge":
            self.svc.purge_content(*data)
        elif kind == "load":
            self.svc.load_content(*data)

    def tallies(self) -> dict[str, Any]:
        t = self.svc.telemetry
        out: dict[str, Any] = {}
        if t.byte_hits:
            out["hits"], t.byte_hits = t.byte_hits, {}
        if t.refusals:
            out["refusals"], t.refusals = t.refusals, 0
        return out

    async def stop(self) -> None:
        await self.svc.stop()


MAIN_SIDES: dict[str, type[Any]] = {"appgw": AppGatewayMain, "frontdoor": FrontDoorMain}
WORKER_SIDES: dict[str, type[Any]] = {"appgw": AppGatewayWorker, "frontdoor": FrontDoorWorker}


def main_side(kind: str) -> MainSide:
    return MAIN_SIDES[kind]()  # type: ignore[no-any-return]


def worker_side(kind: str, platform: WorkerPlatform, workloads: WorkloadsView) -> WorkerSide:
    return WORKER_SIDES[kind](platform, workloads)  # type: ignore[no-any-return]
